"""B6 Thu thập bộ nhớ: the memory of chosen processes (Linux /proc/PID/mem with its map, Windows
MiniDumpWriteDump), from collectors/acquire/memory.py. Opt-in: option `pids` (list)."""
from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import records
from ..acquire import memory
from ..acquire.common import cancelled_note, human_size
from ..base import Collector, Context
from ..case import Case
from ..errors import Cancelled, NoSuchProcess, NotApplicable, SourceError
from ._acquire import VERSION, ensure_space, free_space, run_on_case, safe_name


@records.record("process_dump_map", version=1)
@dataclass
class ProcessMap:
    """pidN_NAME.maps.json: where each memory region of a dumped process lies in its dump."""
    pid: int
    name: str
    dump_size: int
    dump_sha256: str
    regions: list[dict] = field(default_factory=list)  # start, end, perms, path, dump_offset, unreadable, ...
    dump_evidence_id: str | None = None
    format: str = "ungcuu-process-dump-map"
    version: int = 1
    note: str = ""


class ProcessDump(Collector):
    name = "process_dump"
    version = VERSION
    os = ("linux", "windows")
    live_only = True

    def check(self, ctx: Context) -> str | None:
        if not ctx.options.get("pids"):
            return "no process chosen (choose PIDs to dump: memory dumps are opt-in)"
        return None

    def collect(self, ctx: Context) -> Iterator[Any]:
        try:
            yield from dump_processes(ctx, [int(p) for p in ctx.options["pids"]], out={})
        except Cancelled:
            return


def dump_processes(ctx: Context, pids: list[int], *, out: dict, check_space: bool = True) -> Iterator[Any]:
    """Dump each process; one that ended or refuses is a note. Fills `out` with records and notes."""
    stored, notes = [], []
    for pid in pids:
        if ctx.cancelled:
            raise Cancelled("memory dump cancelled by the responder")
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                rec = _windows_dump(ctx, pid)
                stored.append(rec)
                yield rec
                continue
            est = memory.estimate_process(pid)
            if check_space:
                ensure_space(ctx, est + (16 << 20), f"the memory of process {pid} ({human_size(est)})")
            yield ctx.progress(0, est, f"PID {pid}: about {human_size(est)}, "
                                       f"{human_size(free_space(ctx.case.path))} free on the destination")
            with ctx.writer(name=f"pid{pid}.mem", source=f"/proc/{pid}/mem", kind="api",
                            media_type="application/octet-stream") as w:
                job = ctx.job(memory.dump_process_linux, pid, w.write)
                yield from job.events()
                dump = job.result()
                if dump.cancelled:  # a partial dump: the writer discards it
                    raise Cancelled(cancelled_note(f"dumping process {pid}"))
                w.kw["name"] = f"pid{pid}_{safe_name(dump.name)}.mem"
                w.kw["orig_meta"] = {"pid": pid, "process": dump.name, "regions": dump.readable_regions,
                                     "unreadable_bytes": dump.unreadable_bytes}
                if dump.unreadable_bytes:
                    w.kw["incomplete"] = [f"{dump.unreadable_bytes} bytes unreadable (zero-filled, see the map)"]
            stored.append(w.record)
            yield w.record
            mp = dump.map_json()
            mp["dump_evidence_id"] = w.record.id
            rec = ctx.put_record(f"pid{pid}_{safe_name(dump.name)}.maps.json", records.from_dict(ProcessMap, mp),
                                 source=f"/proc/{pid}/maps")
            stored.append(rec)
            yield rec
        except (NoSuchProcess, SourceError, NotApplicable) as exc:
            notes.append(str(exc))
            yield ctx.incomplete(str(exc))
    out.update(records=stored, notes=notes)


def _hash_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb", buffering=0) as fh:
        for block in iter(lambda: fh.read(4 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _windows_dump(ctx: Context, pid: int):  # pragma: no cover - Windows
    ctx.case.tmp_dir.mkdir(exist_ok=True)
    tmp = ctx.case.tmp_dir / f"{uuid.uuid4().hex}.dmp"
    memory.dump_process_windows(pid, str(tmp))
    sha256, size = _hash_file(tmp)
    privilege = memory._DEBUG_PRIVILEGE[0] if memory._DEBUG_PRIVILEGE else None   # None: SeDebugPrivilege enabled
    rec = ctx.adopt_file(tmp, sha256=sha256, size=size, name=f"pid{pid}.dmp", source=f"MiniDumpWriteDump({pid})",
                         kind="api", orig_meta={"pid": pid, "se_debug_privilege": privilege or "enabled"},
                         media_type="application/x-dmp")
    with contextlib.suppress(OSError):
        tmp.unlink()  # the name left behind when the store holds a hard link
    return rec


def memory_into_case(case: Case, pids: list[int], *, run_id: str | None = None, cancel=None, progress=None,
                     check_space: bool = True) -> dict:
    """Dump processes into `case` outside the runner (scripts, tests): {records, notes}."""
    out: dict = {}
    run_on_case(case, ProcessDump, lambda ctx: dump_processes(ctx, pids, out=out, check_space=check_space),
                checklist_id="B6", run_id=run_id, cancel=cancel, progress=progress)
    return out
