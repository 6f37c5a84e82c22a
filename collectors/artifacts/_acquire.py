"""What the acquisition collectors (disk_image, process_dump, physical_memory, packet_capture,
deleted_files, open_deleted_files) share: room on the case drive, safe names, and running one
acquisition on a case outside the runner (scripts, tests) with the same code the runner uses."""
from __future__ import annotations

import shutil
import threading
from typing import Any, Callable, Iterator

from .. import __version__
from ..acquire.common import human_size
from ..base import Collector, Context, Progress
from ..case import Case, EvidenceRecord
from ..errors import DestinationFull

VERSION = __version__


def free_space(path) -> int:
    return shutil.disk_usage(path).free


def ensure_space(ctx: Context, needed: int, what: str) -> None:
    free = free_space(ctx.case.path)
    if needed > free:
        raise DestinationFull(
            f"not enough free space for {what}: about {human_size(needed)} needed, the case drive has "
            f"{human_size(free)} left; choose a larger destination drive", needed=needed, free=free)


def safe_name(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in s)[:60] or "x"


def run_on_case(case: Case, collector: type[Collector], work: Callable[[Context], Iterator[Any]], *,
                checklist_id: str, run_id: str | None = None, cancel: threading.Event | None = None,
                progress: Callable[[Progress], None] | None = None) -> Context:
    """Run `work(ctx)` (a collector's generator) to its end on `case`, outside the runner; returns the
    context (ctx.stored, ctx.notes). Progress goes to `progress`; an error propagates."""
    ctx = Context(case, run_id=run_id, checklist_id=checklist_id, cancel=cancel, collector_name=collector.name,
                  collector_version=collector.version)
    for ev in work(ctx):
        if isinstance(ev, Progress) and progress is not None:
            progress(ev)
        elif isinstance(ev, EvidenceRecord) and ev not in ctx.stored:
            ctx.stored.append(ev)
    return ctx
