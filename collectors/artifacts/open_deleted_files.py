"""H4 Khôi phục dữ liệu: files deleted from disk but still held open by a process, copied through
/proc/PID/fd (collectors/acquire/openfiles.py), listed in recovered.json. Opt-in: option `open_deleted`."""
from __future__ import annotations

import os
from typing import Any, Iterator

from .. import records
from ..acquire import openfiles, recover
from ..acquire.common import cancelled_note, human_size, now_iso
from ..base import Collector, Context
from ..case import Case
from ..errors import Cancelled, NoSuchProcess, SourceError
from ._acquire import VERSION, free_space, run_on_case
from .deleted_files import RecoveredListing

DTIME_NOTE = "dtime = the inode's ctime (unlink updates ctime): close to the deletion time"


class OpenDeletedFiles(Collector):
    name = "open_deleted_files"
    version = VERSION
    os = ("linux",)
    live_only = True

    def check(self, ctx: Context) -> str | None:
        if not ctx.options.get("open_deleted"):
            return "not chosen"
        return None

    def collect(self, ctx: Context) -> Iterator[Any]:
        try:
            yield from copy_open_deleted(ctx, out={})
        except Cancelled:
            return


def copy_open_deleted(ctx: Context, *, out: dict, pids: list[int] | None = None) -> Iterator[Any]:
    """Copy every deleted-but-open file; fills `out` with records, items, notes."""
    items, notes = openfiles.find_open_deleted(pids=pids)
    for n in notes:
        yield ctx.incomplete(n)
    stored = []
    rows = []
    for item in items:
        free = free_space(ctx.case.path)
        if item.size + (16 << 20) > free:
            # A deleted log still held by a daemon can be tens of GB: name it instead of filling the drive.
            reason = (f"not enough free space on the case drive to copy {item.path} ({human_size(item.size)}, "
                      f"{human_size(free)} left): the file is still open at {item.fd_path}")
            notes.append(reason)
            rows.append({**item.to_json(), "evidence_id": None, "status": recover.UNRECOVERABLE, "reason": reason})
            yield ctx.incomplete(reason)
            continue
        try:
            with ctx.writer(name=os.path.basename(item.path) or f"inode{item.inode}",
                            source=f"{item.fd_path} -> {item.path} (deleted)", kind="file",
                            orig_meta=item.orig_meta()) as w:
                job = ctx.job(openfiles.copy_open_deleted, item, w.write)
                yield from job.events()
                job.result()
                if ctx.cancelled:  # a partial copy: the writer discards it
                    raise Cancelled(cancelled_note(f"copying {item.path}"))
        except (NoSuchProcess, SourceError) as exc:
            notes.append(str(exc))
            rows.append({**item.to_json(), "evidence_id": None, "status": recover.UNRECOVERABLE, "reason": str(exc)})
            yield ctx.incomplete(str(exc))
            continue
        stored.append(w.record)
        yield w.record
        rows.append({**item.to_json(), "evidence_id": w.record.id, "sha256": w.record.sha256,
                     "status": recover.RECOVERABLE, "dtime": item.ctime})
    doc = {"format": "ungcuu-recovered", "version": 1, "source": "/proc/*/fd (deleted but open)",
           "scanned_at": now_iso(), "deleted": rows, "carved": [], "notes": notes, "note": DTIME_NOTE}
    listing = ctx.put_record("recovered.json", records.from_dict(RecoveredListing, doc), source="/proc/*/fd",
                             kind="derived")
    stored.append(listing)
    yield listing
    out.update(records=stored, items=items, notes=notes)


def open_deleted_into_case(case: Case, *, run_id: str | None = None, cancel=None, progress=None,
                           pids: list[int] | None = None) -> dict:
    """Copy the deleted-but-open files into `case` outside the runner (scripts, tests): {records, items, notes}."""
    out: dict = {}
    run_on_case(case, OpenDeletedFiles, lambda ctx: copy_open_deleted(ctx, out=out, pids=pids), checklist_id="H4",
                run_id=run_id, cancel=cancel, progress=progress)
    return out
