"""B10 on Windows: the event logs (*.evtx) from Windows/System32/winevt/Logs (any letter case on an
offline root). On a running Windows the EventLog service holds the files open; a file that cannot be
copied directly is exported with `wevtutil epl` into the case's temporary folder and stored from there."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .. import sources
from ..base import Collector, Context, find_case_insensitive

LOGS_REL = "Windows/System32/winevt/Logs"


def evtx_files(folder: sources.AnyPath) -> list[sources.AnyPath]:
    try:
        return sorted((sources.entry_path(e) for e in sources.scandir(folder)
                       if e.name.lower().endswith(".evtx") and e.is_file(follow_symlinks=False)),
                      key=lambda p: p.name.lower())
    except OSError:
        return []


def channel_of(path: sources.AnyPath) -> str:
    """File name to channel: 'Microsoft-Windows-Sysmon%4Operational.evtx' -> 'Microsoft-Windows-Sysmon/Operational'."""
    return path.name[: -len(".evtx")].replace("%4", "/")


class WindowsEventLogs(Collector):
    name = "windows_event_logs"
    version = "1.0"
    os = ("windows",)

    def _folder(self, ctx: Context) -> sources.AnyPath | None:
        if ctx.live:  # pragma: no cover - Windows
            return Path(os.environ.get("SystemRoot", r"C:\Windows")) / "System32" / "winevt" / "Logs"
        assert ctx.root is not None
        return find_case_insensitive(ctx.root, LOGS_REL)

    def check(self, ctx: Context) -> str | None:
        folder = self._folder(ctx)
        if folder is None or not folder.is_dir():
            return f"no event log folder ({LOGS_REL}) here"
        return None

    def collect(self, ctx: Context):
        folder = self._folder(ctx)
        if folder is None:
            return
        files = evtx_files(folder)
        if not files:
            yield ctx.incomplete(f"{ctx.logical(folder)}: no .evtx files (or the folder could not be listed)")
            return
        for i, p in enumerate(files):
            if ctx.cancelled:
                return
            result = ctx.put_file(p)
            if ctx.live and not hasattr(result, "sha256"):  # pragma: no cover - Windows: file in use
                ctx.notes.pop()
                result = self._export(ctx, p)
            yield result
            yield ctx.progress(i + 1, len(files), p.name)

    def _export(self, ctx: Context, p: sources.AnyPath):  # pragma: no cover - Windows
        ctx.case.tmp_dir.mkdir(exist_ok=True)
        tmp = ctx.case.tmp_dir / f"export-{os.getpid()}-{p.name}"
        argv = ["wevtutil", "epl", channel_of(p), str(tmp)]
        try:
            proc = ctx.run_program(argv, timeout=600)
            if proc.returncode != 0 or not tmp.exists():
                return ctx.incomplete(f"{p}: in use and `wevtutil epl` failed: "
                                      + proc.stderr.decode(errors="replace").strip()[-200:])
            prog = ctx.programs[-1]
            rec = ctx.case.add_file(tmp, **ctx._common({
                "source": f"wevtutil epl {channel_of(p)} (the live {p} is held open by the EventLog service; "
                          f"{prog['path']} SHA-256 {prog.get('sha256')})",
                "name": p.name, "kind": "command"}))
            ctx.stored.append(rec)
            return rec
        except (OSError, subprocess.TimeoutExpired) as exc:
            return ctx.incomplete(f"{p}: {exc}")
        finally:
            try:
                tmp.unlink()
            except OSError:
                pass
