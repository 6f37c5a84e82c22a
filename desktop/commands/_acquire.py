"""Helpers shared by the acquisition commands (desktop/commands/{image,recover,memory,capture}.py):
driving a generator with terminal progress, recording a run, bilingual messages. Command-line only, so
they live in the shell, not in the core.
"""
from __future__ import annotations

import sys
from typing import Any, Generator

from collectors.acquire.common import Incomplete, Progress, human_size

from ._common import CancelOnSigint  # noqa: F401 - the acquisition commands take it from here


def t(args, vi: str, en: str) -> str:
    return en if getattr(args, "lang", "vi") == "en" else vi


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f" ETA {seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def run_with_progress(gen: Generator[Any, None, Any], *, quiet: bool = False, stream=None) -> Any:
    """Drive an acquisition generator, drawing one status line on a terminal; returns the result."""
    stream = stream or sys.stderr
    tty = (not quiet) and stream.isatty()
    last = 0
    notes = []
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            if tty and last:
                stream.write("\n")
            return stop.value
        if isinstance(item, Incomplete):
            notes.append(item.reason)
            print(f"\n! {item.reason}" if tty else f"! {item.reason}", file=stream)
            continue
        if not tty or not isinstance(item, Progress):
            continue
        if item.unit == "bytes":
            done = human_size(item.done)
            total = f"/{human_size(item.total)}" if item.total else ""
            rate = f" {human_size(item.rate)}/s" if item.rate else ""
        else:
            done, total, rate = str(item.done), f"/{item.total}" if item.total else "", ""
        pct = f" {item.fraction * 100:5.1f}%" if item.fraction is not None else ""
        text = f"[{item.stage}] {done}{total}{pct}{rate}{_fmt_eta(item.eta_seconds)} {item.message}"[:110]
        stream.write("\r" + text.ljust(last))
        stream.flush()
        last = len(text)


class RecordedRun:
    """A run in the case for one command: its outcome per checklist item shows in `ungcuu status`.

        with RecordedRun(case, ["B9"], argv) as run:
            ... store.image_into_case(..., run_id=run.run_id)
            run.set("B9", "partial", "3 unreadable sectors", count=2)
    An exception marks the items failed (Cancelled: interrupted) and propagates.
    """

    def __init__(self, case, items: list[str], argv: list[str] | None = None):
        self.case = case
        self.items = list(items)
        self.argv = argv
        self.run_id: str | None = None
        self.results: dict[str, tuple[str, str | None, int]] = {}

    def __enter__(self) -> "RecordedRun":
        from collectors.util import utc_now_iso

        self.started = utc_now_iso()
        self.run_id = self.case.start_run(profile=None, items=self.items, root=None, argv=self.argv)
        return self

    def set(self, item: str, state: str, reason: str | None = None, count: int = 0) -> None:
        self.results[item] = (state, reason, count)

    def __exit__(self, exc_type, exc, tb) -> None:
        from collectors.errors import Cancelled

        if exc is not None:
            state = "interrupted" if isinstance(exc, (Cancelled, KeyboardInterrupt)) else "failed"
            reason = str(exc) or type(exc).__name__
            for item in self.items:
                if item not in self.results:
                    self.results[item] = (state, reason, 0)
        overall = "completed"
        try:
            for item in self.items:
                state, reason, count = self.results.get(item, ("skipped", "nothing done", 0))
                self.case.record_outcome(self.run_id, item, state, reason, count, self.started)
                if state in ("failed", "interrupted"):
                    overall = "cancelled" if state == "interrupted" else "failed"
            self.case.finish_run(self.run_id, overall)
        except Exception:  # pragma: no cover - never hide the original error behind a bookkeeping one
            if exc is None:
                raise
