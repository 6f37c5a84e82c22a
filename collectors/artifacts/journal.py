"""B10 Thu thập log file: the systemd journal. Live: `journalctl -o export` streamed into the store
(journal.export, kind=command). Offline root: the journal files under /var/log/journal copied as they are."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ..base import Collector, Context, host_program
from ._common import resolve_in_root, walk_tree

JOURNAL_DIRS = ("/var/log/journal", "/run/log/journal")


def journal_files(ctx: Context, dirs=JOURNAL_DIRS) -> list:
    out = []
    for d in dirs:
        real = resolve_in_root(ctx, d)
        if real is None:
            continue
        for p, kind in walk_tree(ctx, real, max_depth=3):
            if kind == "file" and p.name.endswith((".journal", ".journal~")):
                out.append(p)
    return out


class Journal(Collector):
    name = "journal"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        dirs = JOURNAL_DIRS if ctx.live else JOURNAL_DIRS[:1]
        if not journal_files(ctx, dirs):
            return "no systemd journal here (no journal files under " + " or ".join(dirs) + ")"
        if ctx.live and shutil.which("journalctl") is None:
            return None  # the files are copied instead
        return None

    def collect(self, ctx: Context):
        exe = shutil.which("journalctl") if ctx.live else None
        if exe is None:
            files = journal_files(ctx, JOURNAL_DIRS if ctx.live else JOURNAL_DIRS[:1])
            if ctx.live:
                yield ctx.incomplete("journalctl is not installed: the journal files were copied instead of exported")
            for i, p in enumerate(files):
                if ctx.cancelled:
                    return
                yield ctx.put_file(p)
                yield ctx.progress(i + 1, len(files), ctx.logical(p))
            return
        program = host_program("journalctl")   # the host's program, identified: path, SHA-256, argv
        argv = [program["path"] if program else exe, "-o", "export", "--no-pager"]
        ctx.programs.append({**(program or {"path": exe}), "argv": argv})
        yield ctx.progress(0, None, " ".join(argv))
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
            try:
                rec = ctx.case.add_stream(proc.stdout, name="journal.export", source=" ".join(argv[:3]), kind="command",
                                          media_type="application/vnd.fdo.journal", cancelled=lambda: ctx.cancelled,
                                          **ctx._common(ctx._programs_meta({})))
            except BaseException:  # disk full, cancel: stop journalctl rather than leave it blocked on the pipe
                proc.kill()
                proc.wait()
                raise
            finally:
                proc.stdout.close()
            if proc.poll() is None and ctx.cancelled:
                proc.kill()
            rc = proc.wait()
            err.seek(0)
            msg = err.read().decode("utf-8", errors="replace").strip().splitlines()
        ctx.stored.append(rec)
        if rc != 0:
            ctx.notes.append(f"journalctl exit code {rc}: {msg[-1] if msg else 'no message'}")
        elif rec.size == 0:
            ctx.notes.append("journalctl exported nothing (journal empty or not readable: " + (msg[-1] if msg else "no message") + ")")
        if hasattr(os, "geteuid") and os.geteuid() != 0:
            ctx.notes.append("journal of the system and other users may be hidden without root (or the adm/systemd-journal group)")
        yield rec
