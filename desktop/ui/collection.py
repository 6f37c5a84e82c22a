"""Collection page (section 2.1, B1-B11): choose items, Start, watch each item's progress, Cancel."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from collectors.messages import split_parts, translate

from .commandline import collect_command, display, resumable_b5_paths
from .common import page_heading
from .i18n import tr
from .item_options import ItemOptionsPanel, SourceBox
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


STEPS = 1000   # overall bar steps per checklist item


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
        self.source = SourceBox()
        self.source.changed.connect(self.update_command)
        lay.addWidget(self.source)
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
        self.item_options = ItemOptionsPanel()
        self.item_options.changed.connect(self.update_command)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.view)
        scroll = QScrollArea()   # the options scroll: they never make the window taller than the screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(self.item_options)
        split.addWidget(scroll)
        split.setSizes([260, 260])
        lay.addWidget(split, 6)

        prog = QHBoxLayout()
        self.start_btn = QPushButton(tr("&Start collection"))
        self.start_btn.setDefault(True)
        self.cancel_btn = QPushButton(tr("C&ancel"))
        self.cancel_btn.setEnabled(False)
        self.start_btn.clicked.connect(self.start)
        self.cancel_btn.clicked.connect(self.cancel)
        self.overall = QProgressBar()
        self.overall.setRange(0, 1)
        self.overall.setValue(0)
        self.overall.setFormat("")
        self.overall.setAccessibleName(tr("Overall progress"))
        prog.addWidget(self.start_btn)
        prog.addWidget(self.cancel_btn)
        prog.addWidget(self.overall, 1)
        lay.addLayout(prog)
        cmd = QHBoxLayout()
        self.command = QLineEdit()
        self.command.setReadOnly(True)
        self.command.setAccessibleName(tr("Equivalent command"))
        self.copy_btn = QPushButton(tr("Cop&y"))
        self.copy_btn.setToolTip(tr("Copy the command that does the same, to run it on a server"))
        self.copy_btn.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.command.text()))
        cmd.addWidget(QLabel(tr("Equivalent command:")))
        cmd.addWidget(self.command, 1)
        cmd.addWidget(self.copy_btn)
        lay.addLayout(cmd)
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
        self.model.dataChanged.connect(lambda *_: self.update_command())
        self.model.modelReset.connect(self.update_command)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.source.lang = self.window.lang
        self.item_options.set_case(case)
        self.update_command()
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

    def keep_state(self) -> dict:
        """The source, "collect again" and every item's options (a language switch rebuilds the page)."""
        ids = [i.id for i in self.model.items]
        return {"source": self.source.state(), "options": self.item_options.options(ids),
                "checked": self.model.selected()}

    def restore_state(self, state: dict) -> None:
        self.source.set_state(state.get("source") or {})
        self.item_options.set_options(state.get("options") or {})
        if state.get("checked") is not None:
            self.model.set_checked(state["checked"])
        self.update_command()

    def _row_changed(self, current, _previous) -> None:
        if 0 <= current.row() < len(self.model.items):
            self.item_options.show_item(self.model.items[current.row()].id)

    def show_options(self, cid: str) -> None:
        """Select checklist item `cid` in the table, which shows its options below."""
        if cid in self.model.row_of:
            self.view.setCurrentIndex(self.model.index(self.model.row_of[cid], 1))

    def run_plan(self, only: list[str] | None = None, options: dict | None = None, again: bool = False,
                 live: bool = False):
        """(only, options, again, root) of the run Start makes: the ticked items (or `only`), their options from
        the options panel and the source (an explicit `options` wins), and "collect again". `live`: this
        machine whatever the source box says (files picked on the Evidence page)."""
        only = list(only) if only else self.model.selected()
        if live:
            return only, {**self.item_options.options(only), **(options or {})}, again, None
        merged = {**self.item_options.options(only), **self.source.options(), **(options or {})}
        return only, merged, again or self.source.again.isChecked(), self.source.root()

    def select_profile(self, name: str) -> None:
        if self.checklist and name in self.checklist.profiles:
            self.model.set_checked(self.checklist.profiles[name])

    @property
    def running(self) -> bool:
        return self.worker is not None

    # ------------------------------------------------------------------ run
    def start(self, only: list[str] | None = None, options: dict | None = None, again: bool = False,
              live: bool = False) -> bool:
        if self.case is None or self.checklist is None or self.running:
            return False
        if getattr(self.window, "read_only", False):
            self.window.statusBar().showMessage(tr("Read-only: another window or command is collecting into this case."),
                                                6000)
            return False
        only, options, again, root = self.run_plan(only, options, again, live)
        if not only:
            QMessageBox.information(self, tr("Collection"), tr("Tick at least one checklist item."))
            return False
        problem = None if live else self.source.problem()
        if problem:
            QMessageBox.warning(self, tr("Collection"), problem)
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
            # B5 copies what the responder names: in its options below, or on the Evidence page.
            only = [i for i in only if i != "B5"]
            self.notes.addItem("B5: " + tr("choose the files or folders on the Evidence page (Add files… / Add a folder…)"))
            if not only:
                return False
        self.total_items = len(only)
        self.finished_items = 0
        self.item_t0 = time.monotonic()
        self._show_overall(0.0)
        self.window.evidence_page.progress.show()
        for cid in only:
            self.model.update(cid, state="pending", detail="", count=0)
        argv = collect_command(self.case.path, only=only, options=options, again=again, consent=consent, root=root)
        self.worker = RunWorker(self.case, self.checklist, only=only, options=options, again=again, consent=consent,
                                argv=argv, root=root)
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

    def update_command(self) -> None:
        """What `ungcuu` would run for the ticked items (B5 paths are named on the Evidence page)."""
        if self.case is None:
            self.command.clear()
            return
        only, options, again, root = self.run_plan()
        if "B5" in only and not options.get("paths"):
            only = [i for i in only if i != "B5"]
        consent = any(self.checklist[i].changes_system for i in only) if self.checklist else False
        self.command.setText(display(collect_command(self.case.path, only=only, options=options, again=again,
                                                     root=root, consent=consent)) if only else "")

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_btn.setEnabled(False)
            self.current.setText(tr("Cancelling after the current step… everything stored so far stays valid."))

    def _item_started(self, cid: str, _label: str) -> None:
        self.item_t0 = time.monotonic()
        self.model.update(cid, state="running", detail="")
        item = self.checklist[cid]
        self.current.setText(tr("Collecting") + f" {cid}: {item.label(self.window.lang)}")
        self.view.scrollTo(self.model.index(self.model.row_of.get(cid, 0), 0))

    def _show_overall(self, fraction: float, eta: str = "") -> None:
        """The overall bar moves inside an item too (one long B5 is not "0 of 1 items" for minutes)."""
        value = int(round((self.finished_items + max(0.0, min(fraction, 1.0))) * STEPS))
        text = (tr("%1 of %2 items").replace("%1", str(self.finished_items)).replace("%2", str(self.total_items)) +
                f" · {value * 100 // max(1, self.total_items * STEPS)} %" + (f" · {eta}" if eta else ""))
        for bar in (self.overall, self.window.evidence_page.progress):
            bar.setRange(0, max(1, self.total_items * STEPS))
            bar.setValue(value)
            bar.setFormat(text)   # "%" before a space is no placeholder

    def _progress(self, cid: str, done: int, total: int, message: str) -> None:
        message = translate(message, self.window.lang)
        eta = ""
        if total > 0:
            elapsed = time.monotonic() - self.item_t0
            if 0 < done < total and elapsed > 2:
                left = int(elapsed * (total - done) / done)
                eta = tr("about %1 left").replace("%1", f"{left // 60}:{left % 60:02d}")
            self._show_overall(done / total, eta)
        text = f"{done}/{total} {message}" if total >= 0 else f"{done}: {message}"
        self.model.update(cid, detail=text[:200])
        now = time.monotonic()
        if now - getattr(self, "_current_shown_at", 0.0) < 0.25:   # the status line at most four times a second
            return
        self._current_shown_at = now
        item = self.checklist[cid]
        self.current.setText(tr("Collecting") + f" {cid}: {item.label(self.window.lang)} — " +
                             (f"{done}/{total}" if total >= 0 else str(done)) + (f" ({eta})" if eta else ""))

    def _stored(self, batch) -> None:
        counts: dict[str, int] = {}
        for cid, _rec in batch:
            counts[cid] = counts.get(cid, 0) + 1
        for cid, n in counts.items():
            self.model.update(cid, add=n)
        self.window.evidence_page.append_records([rec for _cid, rec in batch])
        now = time.monotonic()
        if now - getattr(self, "_count_shown_at", 0.0) > 0.25:   # the sidebar at most four times a second
            self._count_shown_at = now
            self.window.refresh_evidence_count()

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
        self.finished_items = min(self.finished_items + 1, self.total_items)
        self._show_overall(0.0)

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
        self.window.evidence_page.progress.hide()
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
