"""What the acquisition commands (desktop/commands/{image,recover,memory,capture}.py) share: they run
their collector through the runner (`run_checklist(..., collectors=[...])`), so outcomes, custody, cancel
and resume are those of `ungcuu collect`, and draw the engine's progress on one terminal line.
"""
from __future__ import annotations

import dataclasses
import sys

from collectors import checklist as checklist_mod
from collectors.acquire.common import human_size
from collectors.base import Incomplete, Progress
from collectors.case import Case, EvidenceRecord
from collectors.messages import translate
from collectors.runner import ItemFinished, RunFinished, Stored, run_checklist

from ._common import CancelOnSigint
from ._terminal import safe


def t(args, vi: str, en: str) -> str:
    return en if getattr(args, "lang", "vi") == "en" else vi


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    return f" ETA {seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class ProgressLine:
    """One status line on a terminal (nothing when the stream is not one); notes on lines of their own."""

    def __init__(self, lang: str = "vi", quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.tty = (not quiet) and self.stream.isatty()
        self.lang = lang
        self.last = 0

    def progress(self, item: Progress) -> None:
        if not self.tty:
            return
        if item.unit == "bytes":
            done = human_size(item.done)
            total = f"/{human_size(item.total)}" if item.total else ""
            rate = f" {human_size(item.rate)}/s" if item.rate else ""
        else:
            done, total, rate = str(item.done), f"/{item.total}" if item.total else "", ""
        pct = f" {item.fraction * 100:5.1f}%" if item.fraction is not None else ""
        stage = f"[{item.stage}] " if item.stage else ""
        text = f"{stage}{done}{total}{pct}{rate}{_fmt_eta(item.eta_seconds)} {translate(item.message, self.lang)}"
        text = safe(text)[:110]
        self.stream.write("\r" + text.ljust(self.last))
        self.stream.flush()
        self.last = len(text)

    def note(self, text: str) -> None:
        line = f"! {safe(translate(text, self.lang))}"
        print(f"\n{line}" if self.tty and self.last else line, file=self.stream)
        self.last = 0

    def end(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")
        self.last = 0


@dataclasses.dataclass
class Acquired:
    records: list[EvidenceRecord]
    notes: list[str]
    item: ItemFinished | None
    run: RunFinished | None

    @property
    def cancelled(self) -> bool:
        return self.run is None or self.run.state == "cancelled"

    def by(self, collector: str) -> list[EvidenceRecord]:
        return [r for r in self.records if r.collector == collector]


def acquire(case: Case, args, *, item: str, collectors: list[str], options: dict) -> Acquired:
    """Run `collectors` of checklist `item` with `options` through the runner, drawing progress."""
    line = ProgressLine(getattr(args, "lang", "vi"), quiet=bool(getattr(args, "json", False)))
    records: list[EvidenceRecord] = []
    notes: list[str] = []
    finished = run = None
    with CancelOnSigint() as cancel:
        for ev in run_checklist(case, checklist_mod.load(), profile=None, only=[item], collectors=collectors,
                                options=options, cancel=cancel, argv=getattr(args, "argv", None), again=True):
            if isinstance(ev, Progress):
                line.progress(ev)
            elif isinstance(ev, Stored):
                records.append(ev.record)
            elif isinstance(ev, Incomplete):
                notes.append(ev.reason)
                line.note(ev.reason)
            elif isinstance(ev, ItemFinished):
                finished = ev
            elif isinstance(ev, RunFinished):
                run = ev
    line.end()
    return Acquired(records, notes, finished, run)


def outcome_code(name: str, args, got: Acquired) -> int | None:
    """The exit code when the acquisition did not succeed (its reason printed), else None."""
    if got.cancelled:
        print(f"ungcuu {name}: " + t(args, "đã hủy; chạy lại đúng lệnh đó để tiếp tục",
                                     "cancelled; run the same command again to resume"), file=sys.stderr)
        return 130
    if got.run is not None and got.run.state == "failed":
        print(f"ungcuu {name}: {safe(translate(got.run.reason, args.lang))}", file=sys.stderr)
        return 1
    if got.item is not None and got.item.state in ("failed", "skipped"):
        print(f"ungcuu {name}: {safe(translate(got.item.reason, args.lang))}", file=sys.stderr)
        return 1 if got.item.state == "failed" else 3
    return None
