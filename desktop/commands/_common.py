"""Shared bits of the command-line commands: opening cases, state names, tables, terminal progress."""
from __future__ import annotations

import json
import signal
import sys
import threading

from collectors.case import Case
from collectors.messages import translate

from ._terminal import safe

STATE_VI = {
    "collected": "đã thu thập",
    "partial": "một phần",
    "skipped": "bỏ qua",
    "failed": "lỗi",
    "interrupted": "bị ngắt (chạy lại để tiếp tục)",
    "collected-earlier": "đã thu thập ở lần trước",
    "pending": "chưa thu thập",
    # deadlines (reports.regimes.deadline_status)
    "on_time": "còn hạn",
    "due_soon": "sắp đến hạn",
    "overdue": "quá hạn",
    "done": "đã hoàn thành",
    # runs
    "completed": "hoàn tất",
    "cancelled": "đã hủy",
}


def state_label(state: str, lang: str) -> str:
    return STATE_VI.get(state, state) if lang == "vi" else state


def reason_text(reason: str | None, lang: str) -> str:
    """An outcome reason or note as stored (English) shown in `lang` (--json keeps the stored text)."""
    return translate(reason, lang)


def open_case(path: str, *, create: bool = False, examiner: str | None = None, affected_root: str = "/",
                lang: str = "vi", claim: str | None = None) -> Case:
    """Open (or create) the case; with `claim`, also take its collector lock for that program (see
    `lock_case`), released when the case is closed."""
    case = (Case.create if create else Case.open)(path, examiner=examiner, affected_root=affected_root)
    for w in case.warnings:
        label = "cảnh báo" if lang == "vi" else "warning"
        print(f"ungcuu: {label}: {translate(w, lang)}", file=sys.stderr)
    if claim is not None:
        lock_case(case, claim)
    return case


def lock_case(case, app: str = "ungcuu"):
    """The case's collector lock (`Case.claim`, collectors/caselock.py), the one the desktop app takes; a case
    another window or command is collecting into is refused with who holds it (it can still be read:
    status, verify)."""
    from collectors.caselock import holder_text
    from collectors.errors import CaseError

    lock = case.claim(app)
    if lock is None:
        case.close()
        raise CaseError(f"the case {case.path} is open for collection by {holder_text(case.holder())}: finish or "
                        "close it there first (status, verify and report still read it)", path=str(case.path))
    return lock


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list], out=None) -> None:
    """A plain-text table; every cell is escaped (names, sources and reasons come from the examined
    system: a control sequence in one must not rewrite the terminal). --json output stays exact."""
    out = out or sys.stdout
    cells = [[("" if c is None else safe(c)) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r[:-1]):
            widths[i] = min(max(widths[i], len(c)), 60)
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    print(fmt.format(*headers), file=out)
    for r in cells:
        print(fmt.format(*[c if len(c) <= 60 or i == len(r) - 1 else c[:57] + "..." for i, c in enumerate(r)]), file=out)


class TerminalProgress:
    """One line per checklist item on a terminal; silent when stderr is not a terminal."""

    def __init__(self, stream=None, lang: str = "vi"):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.lang = lang
        self._last_len = 0

    def status(self, text: str) -> None:
        if not self.enabled:
            return
        text = safe(text)[:100]
        self.stream.write("\r" + text + " " * max(0, self._last_len - len(text)))
        self.stream.flush()
        self._last_len = len(text)

    def line(self, text: str) -> None:
        if not self.enabled:
            return
        text = safe(text)
        self.stream.write("\r" + text + " " * max(0, self._last_len - len(text)) + "\n")
        self.stream.flush()
        self._last_len = 0


class CancelOnSigint:
    """First Ctrl-C sets the cancel Event (the work stops after its current step and keeps what it
    stored; running the same command again resumes); a second one interrupts at once."""

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
