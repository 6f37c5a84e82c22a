"""Small helpers the acquisition engines share: progress with rate and ETA, the cancel flag, sizes, times.

An engine is a plain function: a source, a sink (or an output folder it owns), ``progress`` (a callback
taking `collectors.base.Progress`) and ``cancel`` (a flag: a `threading.Event`, or a callable returning
True once the caller wants it to stop). It knows nothing of cases; the collectors in collectors/artifacts/
run it through `Context.job` and store what it produced. A raised flag is tested between units of work
(`cancel_requested`); the engine then returns normally with what it has, marked as cancelled (see
collectors/acquire/__init__.py), and never raises for it.
"""
from __future__ import annotations

import datetime as _dt
import os
import time
from typing import Callable, Protocol, Union

from collectors.base import Progress

ProgressFn = Callable[[Progress], None]


class _Flag(Protocol):
    def is_set(self) -> bool: ...


CancelFlag = Union[_Flag, Callable[[], bool], None]  # threading.Event, or a callable; None: never cancelled


def report(progress: ProgressFn | None, done: int, total: int | None, message: str = "", *, unit: str = "bytes",
           stage: str = "") -> None:
    if progress is not None:
        progress(Progress("", done, total, message, unit=unit, stage=stage))


def cancel_requested(cancel: CancelFlag) -> bool:
    """True once the caller has raised the flag (an Event set, or the callable returning True)."""
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    if is_set is not None:
        return bool(is_set())
    return bool(cancel())  # type: ignore[operator]


def cancelled_note(what: str = "") -> str:
    """The message of an engine stopped by its flag (stored in English, translated at display)."""
    return f"cancelled by the responder{': ' + what if what else ''}; what was written stays valid"


class RateMeter:
    """Rate and ETA over the whole run (simple and stable enough for a progress bar)."""

    def __init__(self, total: int | None, start_done: int = 0, progress: ProgressFn | None = None):
        self.total = total
        self.start = time.monotonic()
        self.start_done = start_done
        self.sink = progress

    def progress(self, stage: str, done: int, message: str = "", unit: str = "bytes") -> Progress:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = (done - self.start_done) / elapsed
        eta = None
        if self.total and rate > 0:
            eta = max(0.0, (self.total - done) / rate)
        return Progress("", done, self.total, message, unit=unit, stage=stage, rate=rate, eta_seconds=eta)

    def report(self, stage: str, done: int, message: str = "", unit: str = "bytes") -> None:
        if self.sink is not None:
            self.sink(self.progress(stage, done, message, unit))


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


def human_size(n: int | float, lang: str = "en") -> str:
    """79770 -> '77.9 KiB' ('77,9 KiB' in Vietnamese, which writes a decimal comma)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            text = f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
            return text.replace(".", ",") if lang == "vi" else text
        n /= 1024
    return f"{n} B"  # pragma: no cover


def write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
