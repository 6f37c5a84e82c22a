"""Collection page (section 2.1, B1-B11): choose items, Start, watch each item's progress, Cancel."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListWidget, QMessageBox, QProgressBar, QPushButton,
    QTableView, QVBoxLayout, QWidget,
)

from collectors.messages import split_parts, translate

from .commandline import collect_command, resumable_b5_paths
from .common import page_heading
from .i18n import tr
from .models import ChecklistModel, state_text
from .worker import RunWorker, start_in_thread

FINAL = {"collected", "partial", "skipped", "failed", "interrupted", "collected-earlier"}


def load_checklist():
    """The shipped checklist, plus {item id: why it cannot run in this build} for items whose collectors
    are missing (while the collectors are being written, the checklist names some that do not exist)."""
    from collectors import checklist as checklist_mod
    from collectors.base import registry
    from collectors.errors import ChecklistError

    try:
        reg = set(registry())
    except Exception:
        reg = set()
    try:
        cl = checklist_mod.load()
        return cl, {}
    except ChecklistError:
        import yaml

        raw = yaml.safe_load(checklist_mod.default_path().read_text(encoding="utf-8"))
        names = {c for it in raw.get("items", []) for c in it.get("collectors", [])}
        cl = checklist_mod.load(known_collectors=names | reg)
    missing = {}
    for item in cl.items:
        lacking = [c for c in item.collectors if c not in reg]
        if lacking:
            missing[item.id] = tr("not available in this build (missing: %1)").replace("%1", ", ".join(lacking))
    return cl, missing


class CollectionPage(QWidget):
    runStarted = Signal()
    runEnded = Signal(str)  # state

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.checklist = None
        self.unavailable: dict[str, str] = {}
        self.worker: RunWorker | None = None
        self.thread = None
        self.last_state = ""
        self.total_items = 0
        self.finished_items = 0
        self.noted: dict[str, set[str]] = {}  # checklist id -> what it said while it ran (listed once)
        lay = QVBoxLayout(self)
        page_heading(lay, tr("Evidence collection (section 2.1, B1–B11)"),
                     tr("Items are collected in order of volatility (memory first, disks last). "
                        "Items marked “needs admin” give full results only when the app runs as "
                        "root/Administrator. Cancel keeps everything already stored; Start again resumes."))
        self.privilege = QLabel()
        self.privilege.setWordWrap(True)
        lay.addWidget(self.privilege)
        self._show_privileges()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()
        lay.addWidget(self.error)
        sel = QHBoxLayout()
        self.triage_btn = QPushButton(tr("Select &triage"))
        self.full_btn = QPushButton(tr("Select a&ll"))
        self.none_btn = QPushButton(tr("Select n&one"))
        self.triage_btn.clicked.connect(lambda: self.select_profile("triage"))
        self.full_btn.clicked.connect(lambda: self.select_profile("full"))
        self.none_btn.clicked.connect(lambda: self.model.set_checked([]))
        for b in (self.triage_btn, self.full_btn, self.none_btn):
            sel.addWidget(b)
        sel.addStretch(1)
        lay.addLayout(sel)

        self.view = QTableView()
        self.view.setTabKeyNavigation(False)  # Tab leaves the table (arrows move inside): no keyboard trap
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.setAccessibleName(tr("Checklist"))
        lay.addWidget(self.view, 3)

        prog = QHBoxLayout()
        self.start_btn = QPushButton(tr("&Start collection"))
        self.start_btn.setDefault(True)
        self.cancel_btn = QPushButton(tr("C&ancel"))
        self.cancel_btn.setEnabled(False)
        self.start_btn.clicked.connect(self.start)
        self.cancel_btn.clicked.connect(self.cancel)
        self.overall = QProgressBar()
        self.overall.setFormat(tr("%v of %m items"))
        self.overall.setAccessibleName(tr("Overall progress"))
        prog.addWidget(self.start_btn)
        prog.addWidget(self.cancel_btn)
        prog.addWidget(self.overall, 1)
        lay.addLayout(prog)
        self.current = QLabel()
        lay.addWidget(self.current)
        lay.addWidget(QLabel(tr("What could not be collected, and why:")))
        self.notes = QListWidget()
        self.notes.setWordWrap(True)  # a reason is read whole, not scrolled sideways
        self.notes.setAccessibleName(tr("Problems and skipped items"))
        lay.addWidget(self.notes, 1)
        self.model = ChecklistModel([])
        self.view.setModel(self.model)

    def _show_privileges(self) -> None:
        try:
            from collectors.util import privileges

            admin = bool(privileges().get("is_admin"))
        except Exception:
            admin = False
        if admin:
            self.privilege.setText(tr("Running with administrator rights: every item can give full results."))
            self.privilege.setStyleSheet("color: #1b7f3b")
        else:
            self.privilege.setText(tr("Running WITHOUT administrator rights: items marked “needs admin” will be "
                                      "partial. Start UngCuu as root / “Run as administrator” for full results."))
            self.privilege.setStyleSheet("color: #a86500; font-weight: bold")

    # ------------------------------------------------------------------ case
    def set_case(self, case) -> None:
        self.case = case
        if self.checklist is None:
            try:
                self.checklist, self.unavailable = load_checklist()
            except Exception as exc:
                self.error.setText(tr("The checklist cannot be loaded:") + f" {exc}")
                self.error.show()
                self.checklist, self.unavailable = None, {}
        items = sorted(self.checklist.items, key=lambda i: (i.id[0], int(i.id[1:]))) if self.checklist else []
        self.model = ChecklistModel(items, lang=self.window.lang, unavailable=self.unavailable, parent=self)
        self.view.setModel(self.model)
        h = self.view.horizontalHeader()
        # Fixed widths (no ResizeToContents): a state change repaints one row, not a re-measure of all.
        h.setSectionResizeMode(QHeaderView.Interactive)
        h.setSectionResizeMode(5, QHeaderView.Stretch)
        for col, width in enumerate((62, 380, 130, 130, 70)):
            self.view.setColumnWidth(col, width)
        self.view.verticalHeader().setDefaultSectionSize(24)
        if self.checklist:
            self.select_profile("triage")
        if case is not None:
            self.model.load_outcomes(case.outcomes())
        self.notes.clear()
        self.start_btn.setEnabled(case is not None and not self.running)

    def select_profile(self, name: str) -> None:
        if self.checklist and name in self.checklist.profiles:
            self.model.set_checked(self.checklist.profiles[name])

    @property
    def running(self) -> bool:
        return self.worker is not None

    # ------------------------------------------------------------------ run
    def start(self, only: list[str] | None = None, options: dict | None = None, again: bool = False) -> bool:
        if self.case is None or self.checklist is None or self.running:
            return False
        only = list(only) if only else self.model.selected()
        if not only:
            QMessageBox.information(self, tr("Collection"), tr("Tick at least one checklist item."))
            return False
        changing = [i for i in only if self.checklist[i].changes_system]
        consent = False
        if changing:
            # No is the default: a hasty Enter must not change the system under examination.
            ok = QMessageBox.question(
                self, tr("Collection"),
                tr("These items change the examined system: %1. Continue?").replace("%1", ", ".join(changing)),
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if ok != QMessageBox.Yes:
                return False
            consent = True  # passed to the runner and recorded with the run (argv) in the custody log
        self.notes.clear()
        self.noted: dict[str, set[str]] = {}
        if "B5" in only and not (options or {}).get("paths"):
            resume = resumable_b5_paths(self.case)
            if resume:  # an interrupted B5 is finished with the paths it was given
                options = {**(options or {}), "paths": resume}
                again = True
        if "B5" in only and not (options or {}).get("paths"):
            # B5 copies what the responder names: that is chosen on the evidence page.
            only = [i for i in only if i != "B5"]
            self.notes.addItem("B5: " + tr("choose the files or folders on the Evidence page (Add files… / Add a folder…)"))
            if not only:
                return False
        self.total_items = len(only)
        self.finished_items = 0
        self.overall.setRange(0, self.total_items)
        self.overall.setValue(0)
        for cid in only:
            self.model.update(cid, state="pending", detail="", count=0)
        argv = collect_command(self.case.path, only=only, options=options, again=again, consent=consent)
        self.worker = RunWorker(self.case, self.checklist, only=only, options=options, again=again, consent=consent,
                                argv=argv)
        w = self.worker
        w.itemStarted.connect(self._item_started)
        w.progress.connect(self._progress)
        w.storedBatch.connect(self._stored)
        w.incomplete.connect(self._incomplete)
        w.itemFinished.connect(self._item_finished)
        w.runFinished.connect(self._run_finished)
        w.failed.connect(self._failed)
        w.done.connect(self._done)
        self.start_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.cancel_btn.setFocus()
        self.current.setText(tr("Starting…"))
        self.last_state = ""
        self.thread = start_in_thread(w, self)
        self.runStarted.emit()
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_btn.setEnabled(False)
            self.current.setText(tr("Cancelling after the current step… everything stored so far stays valid."))

    def _item_started(self, cid: str, _label: str) -> None:
        self.model.update(cid, state="running", detail="")
        item = self.checklist[cid]
        self.current.setText(tr("Collecting") + f" {cid}: {item.label(self.window.lang)}")
        self.view.scrollTo(self.model.index(self.model.row_of.get(cid, 0), 0))

    def _progress(self, cid: str, done: int, total: int, message: str) -> None:
        message = translate(message, self.window.lang)
        text = f"{done}/{total} {message}" if total >= 0 else f"{done}: {message}"
        self.model.update(cid, detail=text[:200])

    def _stored(self, batch) -> None:
        counts: dict[str, int] = {}
        for cid, _rec in batch:
            counts[cid] = counts.get(cid, 0) + 1
        for cid, n in counts.items():
            self.model.update(cid, add=n)
        self.window.evidence_page.append_records([rec for _cid, rec in batch])

    def _note(self, text: str, original: str = "") -> None:
        """A line in "what could not be collected"; the collector's own (English) words in its tooltip."""
        self.notes.addItem(text)
        if original:
            self.notes.item(self.notes.count() - 1).setToolTip(original)

    def _incomplete(self, cid: str, reason: str) -> None:
        self.noted.setdefault(cid, set()).add(reason)
        self._note(f"{cid}: {translate(reason, self.window.lang)}", reason)

    def _item_finished(self, cid: str, state: str, reason: str, count: int) -> None:
        if state == "collected-earlier":
            self.model.update(cid, state=state, detail=tr("already collected by an earlier run"))
        else:
            self.model.update(cid, state=state, detail=reason, count=count if count else None)
        if state in ("skipped", "failed", "partial", "interrupted") and reason:
            # What the item already said while it ran is listed once, not again in its summary.
            said = self.noted.get(cid, set())
            rest = "; ".join(p for p in split_parts(reason) if p.split(": ", 1)[-1] not in said and p not in said)
            if rest:
                self._note(f"{cid} — {state_text(state)}: {translate(rest, self.window.lang)}", rest)
        self.finished_items += 1
        self.overall.setValue(min(self.finished_items, self.total_items))

    def _run_finished(self, run_id: str, state: str, reason: str, _outcomes) -> None:
        self.last_state = state
        text = {"completed": tr("Collection finished."),
                "cancelled": tr("Collection cancelled: what was stored is valid; Start again to resume."),
                "failed": tr("Collection stopped:")}.get(state, state)
        self.current.setText(f"{text} {translate(reason, self.window.lang) if state == 'failed' else ''} ({run_id})")

    def _failed(self, message: str) -> None:
        self.last_state = "failed"
        message = translate(message, self.window.lang)
        self.current.setText(tr("Collection stopped:") + " " + message)
        self.notes.addItem(tr("Collection stopped:") + " " + message)
        QMessageBox.warning(self, tr("Collection"), tr("Collection stopped:") + "\n" + message)

    def _done(self) -> None:
        self.worker = None
        self.thread = None
        self.start_btn.setEnabled(self.case is not None)
        self.cancel_btn.setEnabled(False)
        if self.case is not None:
            outcomes = self.case.outcomes()
            self.model.load_outcomes(outcomes)
        self.runEnded.emit(self.last_state)
        self.window.refresh_steps()

    def wait(self, ms: int = 10000) -> None:
        """Cancel and wait for the worker thread (closing the window)."""
        if self.worker is not None:
            self.worker.cancel()
        if self.thread is not None:
            try:
                self.thread.wait(ms)
            except RuntimeError:
                pass
