"""The main window: phase navigation (sidebar), a deadline banner on every screen, and the pages."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.portable_env import open_settings

from .i18n import tr

MAX_RECENT = 8
# Page keys in stack order.
PAGES = ("start", "intake", "collection", "evidence", "timeline", "findings", "phase3", "reports")
MARK = {"done": "✓", "partial": "◐", "todo": "○", "problem": "!", "none": "·"}


class MainWindow(QMainWindow):
    def __init__(self, *, language=None, settings: QSettings | None = None, lang: str = "vi"):
        super().__init__()
        self.language = language
        self.settings = settings or open_settings()   # on the drive, never the host
        self.lang = lang
        self.case = None
        self.case_lock = None      # collectors.caselock.CaseLock of the open case (None: read-only or no case)
        self.read_only = False
        self.setWindowTitle("UngCuu")
        self.resize(1280, 820)
        self._build()
        self._restore()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_banner)
        self.timer.start(60_000)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        from .collection import CollectionPage
        from .evidence import EvidencePage
        from .intake import IntakePage
        from .pages import DeadlineBanner, Phase3Page
        from .results import make_findings_page, make_reports_page
        from .start import StartPage
        from .timeline import TimelinePage

        central = QWidget()
        v = QVBoxLayout(central)
        v.setContentsMargins(4, 4, 4, 4)
        self.banner = DeadlineBanner(self)
        v.addWidget(self.banner)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        self.case_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        v.addWidget(self.case_label)
        self.splitter = QSplitter(Qt.Horizontal)
        self.nav = QTreeWidget()
        self.nav.setHeaderHidden(True)
        self.nav.setAccessibleName(tr("Phases and steps"))
        self.nav.setMinimumWidth(300)
        self.nav.currentItemChanged.connect(self._nav_changed)
        self.splitter.addWidget(self.nav)
        self.stack = QStackedWidget()
        self.start_page = StartPage(self)
        self.intake_page = IntakePage(self)
        self.collection_page = CollectionPage(self)
        self.evidence_page = EvidencePage(self)
        self.timeline_page = TimelinePage(self)
        self.findings_page = make_findings_page(self)
        self.phase3_page = Phase3Page(self)
        self.reports_page = make_reports_page(self)
        self.pages = dict(zip(PAGES, (self.start_page, self.intake_page, self.collection_page, self.evidence_page,
                                      self.timeline_page, self.findings_page, self.phase3_page, self.reports_page)))
        for key in PAGES:
            self.stack.addWidget(self.pages[key])
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 960])
        v.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.intake_page.saved.connect(self.refresh_steps)
        self.intake_page.saved.connect(self.refresh_banner)
        self._build_nav()
        self._build_menu()
        self.set_case(None)

    def _build_nav(self) -> None:
        self.nav.clear()
        self.nav_items: dict[str, QTreeWidgetItem] = {}

        def step(parent, key, page, text):
            it = QTreeWidgetItem(parent, [text])
            it.setData(0, Qt.UserRole, page)
            it.setData(0, Qt.UserRole + 1, text)
            self.nav_items[key] = it
            return it

        root = QTreeWidgetItem(self.nav, [tr("Case")])
        root.setData(0, Qt.UserRole, "start")
        root.setData(0, Qt.UserRole + 1, tr("Case"))
        self.nav_items["start"] = root
        p1 = QTreeWidgetItem(self.nav, ["1 " + tr("Analyse and notify")])
        p1.setData(0, Qt.UserRole, "intake")
        step(p1, "A1", "intake", tr("A1–A3 Intake, origin, first steps"))
        step(p1, "A4", "intake", tr("A4 Notify (deadline)"))
        step(p1, "A5", "intake", tr("A5 Initial report (Mẫu 03)"))
        p2 = QTreeWidgetItem(self.nav, ["2 " + tr("Contain and handle")])
        p2.setData(0, Qt.UserRole, "collection")
        step(p2, "B", "collection", tr("2.1 Collect evidence (B1–B11)"))
        step(p2, "E", "evidence", tr("Evidence and integrity"))
        step(p2, "C1", "timeline", tr("C1–C4 Timeline"))
        step(p2, "C5", "findings", tr("C3–C6, H2 Findings"))
        p3 = QTreeWidgetItem(self.nav, ["3 " + tr("Remediate and restore")])
        p3.setData(0, Qt.UserRole, "phase3")
        step(p3, "R", "phase3", tr("R1, R2 Remove and restore"))
        p4 = QTreeWidgetItem(self.nav, ["4 " + tr("Review")])
        p4.setData(0, Qt.UserRole, "reports")
        step(p4, "S", "reports", tr("H5, S1, S2 Reports (Mẫu 04)"))
        for p in (p1, p2, p3, p4):
            p.setData(0, Qt.UserRole + 1, p.text(0))
            f = p.font(0)
            f.setBold(True)
            p.setFont(0, f)
        self.phase_items = (p1, p2, p3, p4)
        self.nav.expandAll()

    def _build_menu(self) -> None:
        mb = self.menuBar()
        mb.clear()
        m = mb.addMenu(tr("&Case"))
        a = QAction(tr("&New or open a case…"), self)
        a.setShortcut(QKeySequence.New)
        a.triggered.connect(lambda: self.show_page("start"))
        m.addAction(a)
        a = QAction(tr("&Save the incident record"), self)
        a.setShortcut(QKeySequence.Save)
        a.triggered.connect(self.intake_page.save)
        m.addAction(a)
        a = QAction(tr("&Close the case"), self)
        a.triggered.connect(lambda: self.set_case(None))
        m.addAction(a)
        a = QAction(tr("Co&mpare two collections (H3)…"), self)
        a.triggered.connect(self.open_compare)
        m.addAction(a)
        self.compare_action = a
        m.addSeparator()
        a = QAction(tr("&Import hosts into one incident…"), self)
        a.triggered.connect(self.open_incident_import)
        m.addAction(a)
        self.import_action = a
        m.addSeparator()
        a = QAction(tr("&Quit"), self)
        a.setShortcut(QKeySequence("Ctrl+Q"))
        a.triggered.connect(self.close)
        m.addAction(a)
        go = mb.addMenu(tr("&Go"))
        names = {"start": tr("Case"), "intake": tr("Intake"), "collection": tr("Collection"),
                 "evidence": tr("Evidence"), "timeline": tr("Timeline"), "findings": tr("Findings"),
                 "phase3": tr("Remediation"), "reports": tr("Reports")}
        for n, key in enumerate(PAGES, 1):
            a = QAction(names[key], self)
            a.setShortcut(QKeySequence(f"Ctrl+{n}"))
            a.triggered.connect(lambda _=False, k=key: (self.show_page(k), self.focus_page(k)))
            go.addAction(a)
        run = mb.addMenu(tr("Collect&ion"))
        a = QAction(tr("&Start collection"), self)
        a.setShortcut(QKeySequence("F5"))
        a.triggered.connect(lambda: (self.show_page("collection"), self.collection_page.start()))
        run.addAction(a)
        a = QAction(tr("&Cancel collection"), self)
        a.setShortcut(QKeySequence("Ctrl+."))
        a.triggered.connect(self.collection_page.cancel)
        run.addAction(a)
        a = QAction(tr("&Verify all evidence"), self)
        a.setShortcut(QKeySequence("Ctrl+Shift+V"))
        a.triggered.connect(lambda: (self.show_page("evidence"), self.evidence_page.verify_all()))
        run.addAction(a)
        lang = mb.addMenu("&Ngôn ngữ / Language")
        group = QActionGroup(self)
        for code, label in (("vi", "Tiếng Việt"), ("en", "English")):
            a = QAction(label, self, checkable=True)
            a.setChecked(code == self.lang)
            a.triggered.connect(lambda _=False, c=code: self.set_language(c))
            group.addAction(a)
            lang.addAction(a)
        self.language_actions = group
        helpm = mb.addMenu(tr("&Help"))
        a = QAction(tr("&Keyboard shortcuts"), self)
        a.setShortcut(QKeySequence.HelpContents)
        a.triggered.connect(self._shortcuts)
        helpm.addAction(a)

    def open_incident_import(self):
        """The dialog importing host bundles and case folders into the open case (non-modal; returned so
        tests drive it). Without an open case it says to open the incident case first."""
        if self.case is None:
            self.show_page("start")
            QMessageBox.information(self, tr("Import hosts into one incident"),
                                    tr("Open or create the incident case first, then import the hosts into it."))
            return None
        from .incident import IncidentDialog

        dlg = IncidentDialog(self, self.case)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.show()
        self.incident_dialog = dlg
        return dlg

    def refresh_after_import(self) -> None:
        """The pages that read the case's evidence and timeline, after hosts were imported into it."""
        for page in (self.evidence_page, self.timeline_page, self.findings_page):
            if hasattr(page, "set_case"):
                page.set_case(self.case)
        self.refresh_evidence_count()
        self.refresh_steps()

    def _shortcuts(self) -> None:
        QMessageBox.information(self, tr("Keyboard shortcuts"), tr(
            "Ctrl+1…Ctrl+8: go to a page · Tab / Shift+Tab: next / previous field · Space: tick a box · "
            "Ctrl+N: new or open a case · Ctrl+S: save the incident · F5: start collection · Ctrl+.: cancel · "
            "Ctrl+Shift+V: verify all · Enter on a timeline event: mark it · Alt+underlined letter: a button."))

    # ------------------------------------------------------------------ navigation
    def open_compare(self):
        """The H3 comparison dialog, the open case as the collection before (returned, shown)."""
        from .compare import CompareDialog

        dlg = getattr(self, "compare_dialog", None)
        if dlg is None:
            dlg = self.compare_dialog = CompareDialog(self, before=str(self.case.path) if self.case is not None else "")
        dlg.show()
        dlg.raise_()
        return dlg

    def show_page(self, key: str) -> None:
        self.stack.setCurrentWidget(self.pages[key])
        cur = self.nav.currentItem()
        if cur is None or cur.data(0, Qt.UserRole) != key:
            for it in self.nav_items.values():
                if it.data(0, Qt.UserRole) == key:
                    self.nav.blockSignals(True)
                    self.nav.setCurrentItem(it)
                    self.nav.blockSignals(False)
                    break

    def focus_page(self, key: str) -> None:
        """Put the keyboard focus on the page's main control (Ctrl+1…8 from anywhere, the sidebar included)."""
        page = self.pages[key]
        main = {"start": "folder_edit", "collection": "start_btn", "evidence": "view", "timeline": "view",
                "findings": "run_btn", "phase3": "eradicated_btn", "reports": "kinds"}.get(key)
        if key == "intake" and hasattr(page, "focus_first"):
            page.focus_first()
            return
        w = getattr(page, main, None) if main else None
        if w is not None and w.isEnabled() and w.isVisibleTo(self):
            w.setFocus(Qt.ShortcutFocusReason)
        else:
            page.focusNextChild()

    def _nav_changed(self, cur, _prev) -> None:
        if cur is None:
            return
        key = cur.data(0, Qt.UserRole)
        if key:
            if key != "start" and self.case is None:
                self.statusBar().showMessage(tr("Create or open a case first."), 4000)
            self.stack.setCurrentWidget(self.pages[key])

    # ------------------------------------------------------------------ case
    def open_case(self, path: str, *, create: bool = False, examiner: str | None = None, ask: bool = True) -> bool:
        """Open (or create) a case; reopening asks who works on it unless `examiner` is given or `ask` is False
        (`ungcuu gui --case DIR` keeps the case's examiner)."""
        from collectors.case import Case
        from collectors.errors import UngCuuError
        from collectors.messages import translate

        if self.collection_page.running or self.phase3_page.working():
            QMessageBox.information(self, "UngCuu", tr("Wait for the running collection to finish (or cancel it)."))
            return False
        if self.case is not None and not self.confirm_unsaved():
            return False
        try:
            case = (Case.create if create else Case.open)(path, examiner=examiner)
        except UngCuuError as exc:
            QMessageBox.warning(self, "UngCuu", (tr("The case cannot be created:") if create else
                                                  tr("The case cannot be opened:")) + "\n" + translate(str(exc), self.lang))
            return False
        except OSError as exc:
            QMessageBox.warning(self, "UngCuu", tr("The case cannot be opened:") + f"\n{exc}")
            return False
        from collectors.caselock import CaseLock, holder_text

        lock = CaseLock(case.path, "ungcuu gui")
        if self.case_lock is not None and self.case_lock.path == lock.path:
            lock = self.case_lock          # the same case again in this window: keep the lock it holds
        read_only = False
        if not lock.acquire():
            if not self.ask_read_only(holder_text(lock.holder())):
                case.close()
                return False
            read_only = True
        elif not create and examiner is None and ask:
            name = self.ask_examiner(case.examiner)
            if name and name != case.examiner:
                case.close()
                try:
                    case = Case.open(path, examiner=name)   # the new examiner is logged in the custody log
                except (UngCuuError, OSError) as exc:
                    lock.release()
                    QMessageBox.warning(self, "UngCuu", tr("The case cannot be opened:") + "\n" +
                                        translate(str(exc), self.lang))
                    return False
            if name:
                self.settings.setValue("examiner", name)
        self.set_case(case, lock=None if read_only else lock, read_only=read_only)
        self._remember(str(Path(path).resolve()))
        self.show_page("intake")
        self.intake_page.focus_first()
        return True

    def ask_read_only(self, holder: str) -> bool:
        """The case is locked by another window or command: open it read-only? (replaced in tests)"""
        box = QMessageBox(QMessageBox.Question, "UngCuu", tr(
            "This case is open for collection by %1. Two programs collecting into one case at once would mix "
            "their runs. Open it read-only (look, verify, make reports; no collection, no intake changes)?")
            .replace("%1", holder), QMessageBox.Yes | QMessageBox.Cancel, self)
        box.button(QMessageBox.Yes).setText(tr("Open &read-only"))
        box.setDefaultButton(QMessageBox.Cancel)
        return box.exec() == QMessageBox.Yes

    def ask_examiner(self, current: str) -> str | None:
        """Who works on the reopened case (recorded in the custody log); None keeps the case's examiner.
        (replaced in tests)"""
        from PySide6.QtWidgets import QInputDialog

        dlg = QInputDialog(self)
        dlg.setWindowTitle(tr("Examiner"))
        dlg.setLabelText(tr("Who is working on this case now? Your name goes into the custody log of every "
                            "step from now on."))
        dlg.setTextValue(current or "")
        dlg.setOkButtonText(tr("OK"))
        dlg.setCancelButtonText(tr("Keep %1").replace("%1", current or "?"))
        if dlg.exec() != QInputDialog.Accepted:
            return None
        return dlg.textValue().strip() or None

    def set_case(self, case, *, lock=None, read_only: bool = False) -> None:
        old = self.case
        if old is not None and old is not case:
            try:
                old.close()
            except Exception:
                pass
        if case is not old or lock is not None:
            if lock is not self.case_lock:
                self.release_lock()
            self.case_lock = lock
            self.read_only = read_only
        self.case = case
        for page in self.pages.values():
            if hasattr(page, "set_case") and page is not self.start_page:
                page.set_case(case)
        if case is None:
            self.case_label.setText(tr("No case open."))
            self.setWindowTitle("UngCuu")
        else:
            text = tr("Case %1 — %2").replace("%1", case.case_id).replace("%2", str(case.path))
            if case.warnings:
                text += "\n⚠ " + "\n⚠ ".join(self._warning_text(w) for w in case.warnings)
                self.case_label.setToolTip("\n".join(case.warnings))
                self.case_label.setStyleSheet("color: #a86500; font-weight: bold")
            else:
                self.case_label.setStyleSheet("")
            if self.read_only:
                text += "\n🔒 " + tr("Read-only: another window or command is collecting into this case.")
                self.case_label.setStyleSheet("color: #a86500; font-weight: bold")
            self.case_label.setText(text)
            self.setWindowTitle(f"UngCuu — {case.case_id}" + (" " + tr("(read-only)") if self.read_only else ""))
        self.collection_page.start_btn.setEnabled(case is not None and not self.read_only)
        self.intake_page.save_btn.setEnabled(case is not None and not self.read_only)
        self.refresh_banner()
        self.refresh_steps()

    def release_lock(self) -> None:
        lock = getattr(self, "case_lock", None)
        if lock is not None:
            lock.release()
        self.case_lock = None

    @staticmethod
    def _warning_text(warning: str) -> str:
        if "same file system" in warning:
            return tr("Warning: this folder is on the affected system's own disk. Writing there may overwrite "
                      "deleted data that is evidence. Prefer a USB or network drive.")
        return warning

    def recent_cases(self) -> list[str]:
        val = self.settings.value("recent_cases", [])
        if isinstance(val, str):
            val = [val]
        return [str(v) for v in (val or [])]

    def _remember(self, path: str) -> None:
        rec = [path] + [p for p in self.recent_cases() if p != path]
        self.settings.setValue("recent_cases", rec[:MAX_RECENT])
        self.start_page.refresh_recent()

    # ------------------------------------------------------------------ state
    def refresh_banner(self) -> None:
        self.banner.refresh(self.case)

    def step_states(self) -> dict[str, tuple[str, str]]:
        """Step key -> (state, detail) for the sidebar."""
        st: dict[str, tuple[str, str]] = {}
        case = self.case
        if case is None:
            return {k: ("none", "") for k in self.nav_items}
        st["start"] = ("done", case.case_id)
        inc = case.incident()
        try:
            from reports.incident import missing_fields

            missing = len(missing_fields(inc, "m03"))
        except Exception:
            missing = -1
        has_t0 = bool((inc.get("detection") or {}).get("detected_at"))
        st["A1"] = ("done", "") if has_t0 and inc.get("origin") else (("partial", "") if inc else ("todo", ""))
        notify = "todo"
        try:
            from reports.regimes import deadline_status

            for e in deadline_status(case):
                if e["anchor"] == "detected":
                    notify = {"done": "done", "overdue": "problem", "due_soon": "partial"}.get(e["state"], "todo")
                    break
        except Exception:
            pass
        st["A4"] = (notify, "")
        st["A5"] = ("done", "") if missing == 0 else ("partial" if inc else "todo",
                                                        tr("%1 missing").replace("%1", str(missing)) if missing > 0 else "")
        outcomes = case.outcomes()
        total = len(self.collection_page.model.items) or 11
        done = sum(1 for o in outcomes.values() if o.get("state") in ("collected", "partial", "skipped"))
        failed = any(o.get("state") == "failed" for o in outcomes.values())
        st["B"] = ("done" if done >= total else "problem" if failed else "partial" if done else "todo", f"{done}/{total}")
        n_ev = len(self.evidence_page.model.records)
        res = self.evidence_page.last_result
        st["E"] = (("done" if res.ok else "problem") if res is not None else ("partial" if n_ev else "todo"), str(n_ev))
        try:
            from analysis import timeline as tl

            st["C1"] = ("done" if tl.is_current(case) else "partial" if tl.path_of(case).exists() else "todo", "")
        except Exception:
            st["C1"] = ("none", "")
        found = getattr(self.findings_page, "findings", None)
        st["C5"] = ("done", str(len(found))) if found else ("todo", "") if found is not None else ("none", "")
        hist = {h.get("status") for h in inc.get("status_history") or []}
        st["R"] = ("done" if "recovered" in hist else "partial" if "eradicated" in hist else "todo", "")
        closing = ((inc.get("reports") or {}).get("closing") or {}).get("date")
        st["S"] = ("done" if "closed" in hist or closing else "todo", "")
        return st

    def refresh_evidence_count(self) -> None:
        """The sidebar's evidence count while a run stores (the rest of the sidebar waits for the run's end)."""
        it = self.nav_items.get("E")
        if it is not None:
            n = len(self.evidence_page.model.records)
            it.setText(0, f"{MARK['partial' if n else 'todo']} {it.data(0, Qt.UserRole + 1)}  ({n})")
            self.fit_nav()

    def refresh_steps(self) -> None:
        states = self.step_states()
        for key, it in self.nav_items.items():
            state, detail = states.get(key, ("none", ""))
            base = it.data(0, Qt.UserRole + 1)
            it.setText(0, f"{MARK[state]} {base}" + (f"  ({detail})" if detail else ""))
            it.setToolTip(0, it.text(0))     # the whole name when a narrow sidebar elides it
            it.setData(0, Qt.AccessibleTextRole, f"{base}: {state}")
        self.evidence_page.summary.setText(self.evidence_page.summary.text())
        self.fit_nav()

    def nav_width_needed(self) -> int:
        """The sidebar width that shows every step's whole text (indentation, text, the item's margins)."""
        fm = self.nav.fontMetrics()
        need = 0
        stack = [(self.nav.topLevelItem(i), 1) for i in range(self.nav.topLevelItemCount())]
        while stack:
            it, depth = stack.pop()
            need = max(need, self.nav.indentation() * depth + fm.horizontalAdvance(it.text(0)) + 16)
            stack += [(it.child(i), depth + 1) for i in range(it.childCount())]
        return need + 2 * self.nav.frameWidth() + self.nav.verticalScrollBar().sizeHint().width()

    def fit_nav(self) -> None:
        """Widen the sidebar so no step is cut, as long as the page keeps the room it needs (a window made
        narrower than that elides the steps, whose whole text is in their tooltips)."""
        need = self.nav_width_needed()
        sizes = self.splitter.sizes()
        if not sizes or sizes[0] >= need:
            return
        total = sum(sizes) or self.splitter.width()
        page_min = self.stack.minimumSizeHint().width()
        width = min(need, max(sizes[0], total - page_min))
        if width > sizes[0]:
            self.splitter.setSizes([width, total - width])

    # ------------------------------------------------------------------ language
    def set_language(self, code: str) -> None:
        if code == self.lang:
            return
        busy = (tr("Wait for the running analysis to finish (or stop it).") if self.findings_page.working() else
                tr("Wait for the running collection to finish (or cancel it).")
                if self.collection_page.running or self.phase3_page.working() else None)
        if busy:
            QMessageBox.information(self, "UngCuu", busy)
            for a in self.language_actions.actions():
                a.setChecked((a.text() == "English") == (self.lang == "en"))
            return
        draft = self.intake_page.form_values() if self.case is not None and self.intake_page.inc else None
        current = next((k for k, p in self.pages.items() if p is self.stack.currentWidget()), "start")
        self.settings.setValue("language", code)
        if self.language is not None:
            self.language.set(code)
        self.lang = code
        case = self.case
        self.case = None
        from .worker import wait_threads

        wait_threads(self)  # a verification or a query still running on a page about to be rebuilt
        old = self.takeCentralWidget()
        if old is not None:
            old.deleteLater()
        kept = {k: p.keep_state() for k, p in self.pages.items() if hasattr(p, "keep_state")}
        lock, read_only = self.case_lock, self.read_only
        self.case_lock = None
        self._build()
        self.set_case(case, lock=lock, read_only=read_only)
        if draft is not None:
            self.intake_page.record = draft
            for path in self.intake_page.widgets:
                if path != "__status__":
                    self.intake_page._set_value(path, self.intake_page.inc._get(draft, path))
        for k, state in kept.items():
            self.pages[k].restore_state(state)   # findings, rule files, verify results: not lost to a language
        self.refresh_steps()
        self.show_page(current)

    # ------------------------------------------------------------------ window state
    def _restore(self) -> None:
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        split = self.settings.value("window/splitter")
        if split is not None:
            self.splitter.restoreState(split)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.sync()

    def confirm_unsaved(self) -> bool:
        """Ask before unsaved intake edits are lost; True when it is fine to go on."""
        if not self.intake_page.is_dirty():
            return True
        ans = QMessageBox.question(
            self, "UngCuu", tr("The incident record has changes that are not saved. Save them?"),
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if ans == QMessageBox.Save:
            if self.intake_page.save():
                return True
            self.show_page("intake")  # not valid: the fields in red say why
            return False
        return ans == QMessageBox.Discard

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.confirm_unsaved():
            event.ignore()
            return
        if self.collection_page.running:
            ans = QMessageBox.question(self, "UngCuu", tr("A collection is running. Cancel it and quit? "
                                                          "Everything stored so far stays valid."),
                                       QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if ans != QMessageBox.Yes:
                event.ignore()
                return
            self.collection_page.wait(15000)
        dlg = getattr(self, "incident_dialog", None)
        try:
            if dlg is not None and dlg.busy:
                dlg.cancel_import()  # an import waiting for a passphrase or mid-parse stops at its next step
        except RuntimeError:  # the dialog was closed and deleted
            pass
        from .worker import wait_threads

        self.phase3_page.cancel_all()   # a re-check or a scan stops at its next check
        self.findings_page.cancel_all()  # the analysis' child process too
        wait_threads(self)
        self.save_state()
        if self.case is not None:
            try:
                self.case.close()
            except Exception:
                pass
        self.release_lock()
        event.accept()
