"""B8 process state beyond the process list: each process's environment (``/proc/PID/environ``:
LD_PRELOAD and other injected variables) and a copy of the executable of every process whose binary was
deleted from disk (read through ``/proc/PID/exe``, which still holds it), capped per file and in total.

- ``process_environ.json`` (ProcessEnviron): pid, name, the whole environment, and the variables that
  change how programs load (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT...) pulled out;
- ``deleted_executables.json`` (DeletedExecutable) and the copies themselves (``deleted-exe-PID``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from ..util import decode_path
from ._common import DELETED_SUFFIX, read_bytes

LOADER_VARS = ("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "LD_DEBUG_OUTPUT", "LD_PROFILE", "LD_BIND_NOW",
               "PYTHONPATH", "PERL5OPT", "PERL5LIB", "RUBYOPT", "NODE_OPTIONS", "BASH_ENV", "ENV", "PROMPT_COMMAND",
               "HISTFILE", "HISTSIZE", "HISTFILESIZE")
DEFAULT_MAX_EXE = 256 << 20
DEFAULT_MAX_TOTAL = 1 << 30
MAX_ENVIRON = 1 << 20


@records.record("process_environ", version=1)
@dataclass
class ProcessEnviron:
    pid: int
    name: str | None
    exe: str | None
    uid: int | None
    environ: dict
    loader: dict  # the variables of LOADER_VARS that are set
    extra: dict = field(default_factory=dict)


@records.record("deleted_executable", version=1)
@dataclass
class DeletedExecutable:
    pid: int
    name: str | None
    exe: str
    size: int | None
    sha256: str | None
    evidence_id: str | None
    note: str = ""
    extra: dict = field(default_factory=dict)


def parse_environ(raw: bytes) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in raw.split(b"\0"):
        if not item:
            continue
        k, sep, v = item.partition(b"=")
        env[decode_path(k)] = decode_path(v) if sep else ""
    return env


def _pids() -> list[int]:
    return sorted(int(n) for n in os.listdir("/proc") if n.isdigit())


def _self_pid() -> int:
    """This process as /proc numbers it (another pid namespace's /proc numbers it differently)."""
    try:
        return int(os.readlink("/proc/self"))
    except (OSError, ValueError):
        return os.getpid()


class ProcState(Collector):
    name = "proc_state"
    version = "1.0"
    os = ("linux",)
    live_only = True

    def collect(self, ctx: Context):
        max_exe = int(ctx.options.get("deleted_exe_max_bytes") or DEFAULT_MAX_EXE)
        max_total = int(ctx.options.get("deleted_exe_total_bytes") or DEFAULT_MAX_TOTAL)
        envs: list[ProcessEnviron] = []
        deleted: list[DeletedExecutable] = []
        denied = 0
        copied_total = 0
        copied: dict[tuple[int, int], DeletedExecutable] = {}
        me = _self_pid()
        for pid in _pids():
            if ctx.cancelled:
                return
            if pid == me:
                continue
            base = f"/proc/{pid}"
            try:
                name = read_bytes(f"{base}/comm", 4096).decode("utf-8", "replace").strip()
                uid = os.stat(base).st_uid
            except OSError:
                continue  # gone
            try:
                exe = os.readlink(f"{base}/exe")
            except OSError:
                exe = None
            try:
                env = parse_environ(read_bytes(f"{base}/environ", MAX_ENVIRON))
            except PermissionError:
                denied += 1
                env = None
            except OSError:
                env = None
            if env is not None and (env or exe):
                envs.append(ProcessEnviron(pid, name, decode_path(exe) if exe else None, uid, env,
                                           {k: env[k] for k in LOADER_VARS if k in env}))
            if exe and exe.endswith(DELETED_SUFFIX) and not os.path.exists(exe):
                shown = decode_path(exe[: -len(DELETED_SUFFIX)])
                row = DeletedExecutable(pid, name, shown, None, None, None)
                try:
                    st = os.stat(f"{base}/exe")
                except OSError as exc:
                    row.note = f"not readable: {exc.strerror}"
                    deleted.append(row)
                    continue
                key = (st.st_dev, st.st_ino)
                if key in copied:
                    first = copied[key]
                    row.size, row.sha256, row.evidence_id = first.size, first.sha256, first.evidence_id
                    row.note = f"same file as pid {first.pid}"
                elif copied_total >= max_total:
                    row.size = st.st_size
                    row.note = f"total cap of {max_total} bytes for deleted executables reached: not copied"
                    yield ctx.incomplete(f"pid {pid} {shown}: deleted executable not copied (total cap reached)")
                else:
                    try:
                        with open(f"{base}/exe", "rb", buffering=0) as fh:
                            limit = min(max_exe, max_total - copied_total)
                            rec = ctx.case.add_stream(
                                fh, name=f"deleted-exe-{pid}", source=f"/proc/{pid}/exe ({shown}, deleted)",
                                kind="file", limit=limit, media_type="application/octet-stream",
                                cancelled=lambda: ctx.cancelled, **ctx._common({}))
                    except OSError as exc:
                        row.note = f"not copied: {exc.strerror or exc}"
                    else:
                        ctx.stored.append(rec)
                        yield rec
                        copied_total += rec.size
                        row.size, row.sha256, row.evidence_id = st.st_size, rec.sha256, rec.id
                        if st.st_size > limit:
                            row.note = f"only the first {limit} bytes copied (size cap)"
                            yield ctx.incomplete(f"pid {pid} {shown}: only the first {limit} bytes copied")
                        copied[key] = row
                deleted.append(row)
        if denied:
            yield ctx.incomplete(f"the environment of {denied} processes is readable only by root: not read")
        yield ctx.put_records("process_environ.json", ProcessEnviron, envs, source="/proc/PID/environ")
        if deleted:
            yield ctx.put_records("deleted_executables.json", DeletedExecutable, deleted,
                                  source="/proc/PID/exe of processes whose executable was deleted")
