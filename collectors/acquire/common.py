"""Shared pieces of the acquisition generators: progress, cancellation, small helpers.

Every acquisition here is a generator: it yields `Progress` items while it works, checks a
`threading.Event` between units of work (raising `Cancelled` after leaving a consistent state behind)
and returns its result (`StopIteration.value`). `drive()` runs one to the end for callers that only
want the result.
"""
from __future__ import annotations

import datetime as _dt
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

from collectors.errors import Cancelled

TOOL_VERSION = "0.1.0"


@dataclass
class Progress:
    """One progress report: `stage` is a short machine word, `message` is for people."""

    stage: str
    done: int = 0
    total: int | None = None
    unit: str = "bytes"
    message: str = ""
    eta_seconds: float | None = None
    rate: float | None = None  # units per second

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


@dataclass
class Incomplete:
    """Something the responder should know was not collected, and why."""

    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def check_cancel(cancel: threading.Event | None, what: str = "") -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(
            f"Đã hủy theo yêu cầu{': ' + what if what else ''}. Dữ liệu đã ghi vẫn hợp lệ.",
            what=what,
        )


class RateMeter:
    """Rate and ETA over the whole run (simple and stable enough for a progress bar)."""

    def __init__(self, total: int | None, start_done: int = 0):
        self.total = total
        self.start = time.monotonic()
        self.start_done = start_done

    def progress(self, stage: str, done: int, message: str = "", unit: str = "bytes") -> Progress:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = (done - self.start_done) / elapsed
        eta = None
        if self.total and rate > 0:
            eta = max(0.0, (self.total - done) / rate)
        return Progress(stage, done, self.total, unit, message, eta, rate)


def drive(gen: Generator[Any, None, Any], on_item: Callable[[Any], None] | None = None) -> Any:
    """Run an acquisition generator to its end; return its result."""
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            return stop.value
        if on_item is not None:
            on_item(item)


def utc_iso(ts: float | int | None) -> str | None:
    """Seconds since the epoch -> ISO 8601 UTC ('...Z'); None and 0 (unset in most file systems) -> None."""
    if ts is None or ts == 0:
        return None
    try:
        return _dt.datetime.fromtimestamp(float(ts), _dt.timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def human_size(n: int | float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
