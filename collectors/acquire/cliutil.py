"""Helpers shared by the acquisition commands (desktop/commands/{image,recover,memory,capture}.py):
driving a generator with terminal progress, Ctrl-C as a clean cancel, bilingual messages.
"""
from __future__ import annotations

import signal
import sys
import threading
from typing import Any, Generator

from collectors.acquire.common import Incomplete, Progress, human_size


def t(args, vi: str, en: str) -> str:
    return en if getattr(args, "lang", "vi") == "en" else vi


class CancelOnSigint:
    """First Ctrl-C sets the cancel Event (the acquisition stops cleanly and keeps what it stored);
    a second one interrupts at once."""

    def __init__(self):
        self.event = threading.Event()
        self._old = None

    def __enter__(self) -> threading.Event:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.getsignal(signal.SIGINT)

            def handler(signum, frame):
                if self.event.is_set():
                    raise KeyboardInterrupt
                self.event.set()
                print("\nĐang dừng... (Ctrl-C lần nữa để ngắt ngay) / stopping...", file=sys.stderr)

            signal.signal(signal.SIGINT, handler)
        return self.event

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


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
