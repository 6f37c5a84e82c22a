"""Phase 3 page (R1, R2, H3): the remediation plan with its marks, the re-check beside each step, the
vulnerability check against an offline feed and the clean-backup check.

Everything here is what the command line does (`ungcuu remediate`, `recheck`, `vulns`, `backup-check`),
through the same core functions; the equivalent command is shown under each tab. Long work (making the
plan, the re-check, loading a feed, scanning a backup) runs off the GUI thread (worker.py); the re-check
and the backup scan show progress and can be stopped.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .commandline import backup_check_command, display, recheck_command, remediate_command, vulns_command
from .common import command_row
from .i18n import tr
from .worker import start_call, start_iter

COLUMNS = ("step", "what", "evidence", "commands", "mark", "recheck")


def mark_label(status: str) -> str:
    return {"pending": tr("not done yet"), "done": tr("done"), "skipped": tr("skipped"),
            "failed": tr("did not work")}.get(status, status)


def recheck_label(status: str) -> str:
    return {"gone": tr("gone"), "still_present": tr("still present"), "changed": tr("changed"),
            "unknown": tr("cannot tell"), "past_event": tr("past event (still in the logs)")}.get(status, status)


class Phase3Page(QWidget):
    """Phase 3 (R1, R2): the plan and its checks; R1/R2 done marks the status history (which starts the
    closing-report clock)."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.plan: list = []
        self.recheck_result: dict | None = None
        self.recheck_worker = None
        self.backup_worker = None
        self.vulns_worker = None
        self.file_dialog = QFileDialog   # replaceable in tests (getOpenFileName, getExistingDirectory)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<h2>" + tr("Phase 3: remediate and restore") + "</h2>"))
        text = QLabel(
            tr("R1 Remove the malware and fix the weaknesses: rebuild or replace files, patch, change passwords, "
               "review policies.") + " " +
            tr("R2 Restore systems, data and connections from CLEAN backups; harden; test the whole system.") + "\n" +
            tr("Before changing the system, make sure phase 2 collection is complete and verified: evidence "
               "lost during clean-up cannot be collected again."))
        text.setWordWrap(True)
        lay.addWidget(text)
        self.state = QLabel()
        self.state.setWordWrap(True)
        row = QHBoxLayout()
        self.eradicated_btn = QPushButton(tr("Mark R1 done: the cause was &removed"))
        self.recovered_btn = QPushButton(tr("Mark R2 done: the system is re&stored"))
        self.eradicated_btn.clicked.connect(lambda: self.mark("eradicated"))
        self.recovered_btn.clicked.connect(lambda: self.mark("recovered"))
        row.addWidget(self.state, 1)
        row.addWidget(self.eradicated_btn)
        row.addWidget(self.recovered_btn)
        lay.addLayout(row)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._plan_tab(), tr("Remediation plan and re-check"))
        self.tabs.addTab(self._vulns_tab(), tr("Vulnerabilities after patching"))
        self.tabs.addTab(self._backup_tab(), tr("Clean backup"))
        lay.addWidget(self.tabs, 1)
        self.command = command_row(lay, tr("Cop&y the command"))
        self.tabs.currentChanged.connect(lambda _i: self.update_command())
        self._enable()

    # ------------------------------------------------------------------------------- the plan tab
    def _plan_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        top = QHBoxLayout()
        self.plan_btn = QPushButton(tr("Make or extend the &plan from the findings"))
        self.plan_btn.clicked.connect(self.make_plan)
        top.addWidget(self.plan_btn)
        self.plan_status = QLabel()
        self.plan_status.setWordWrap(True)
        top.addWidget(self.plan_status, 1)
        v.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr("Step"), tr("What to do"), tr("Evidence"), tr("Commands to run"),
                                              tr("Status"), tr("Re-check")])
        self.table.setAccessibleName(tr("Remediation steps"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        hdr = self.table.horizontalHeader()
        hdr.setSectionResizeMode(1, QHeaderView.Stretch)
        hdr.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        v.addWidget(self.table, 1)
        self.commands_view = QPlainTextEdit()
        self.commands_view.setReadOnly(True)
        self.commands_view.setMaximumHeight(96)
        self.commands_view.setAccessibleName(tr("Commands of the selected step"))
        v.addWidget(self.commands_view)
        form = QFormLayout()
        self.by_edit = QLineEdit()
        self.by_edit.setAccessibleName(tr("Done by"))
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName(tr("Reason"))
        self.reason_edit.setPlaceholderText(tr("required to skip a step"))
        form.addRow(tr("Done by:"), self.by_edit)
        form.addRow(tr("Reason / note:"), self.reason_edit)
        v.addLayout(form)
        marks = QHBoxLayout()
        self.done_btn = QPushButton(tr("Mark &done"))
        self.skip_btn = QPushButton(tr("Mark s&kipped"))
        self.failed_btn = QPushButton(tr("Mark f&ailed"))
        self.done_btn.clicked.connect(lambda: self.mark_step("done"))
        self.skip_btn.clicked.connect(lambda: self.mark_step("skipped"))
        self.failed_btn.clicked.connect(lambda: self.mark_step("failed"))
        for b in (self.done_btn, self.skip_btn, self.failed_btn):
            marks.addWidget(b)
        marks.addStretch(1)
        v.addLayout(marks)
        self.mark_message = QLabel()
        self.mark_message.setWordWrap(True)
        v.addWidget(self.mark_message)
        rc = QHBoxLayout()
        self.root_edit = QLineEdit()
        self.root_edit.setAccessibleName(tr("Root folder to re-check"))
        self.root_edit.setPlaceholderText(tr("empty: this machine (live)"))
        self.root_edit.textChanged.connect(lambda _t: self.update_command())
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse_root)
        self.recheck_btn = QPushButton(tr("R&e-check"))
        self.recheck_btn.setToolTip(tr("Collect the triage again into this case and say, for each step and finding, "
                                       "whether it is gone, still present or changed"))
        self.recheck_btn.clicked.connect(self.start_recheck)
        self.recheck_cancel = QPushButton(tr("Stop"))
        self.recheck_cancel.clicked.connect(self.cancel_recheck)
        rc.addWidget(QLabel(tr("Root:")))
        rc.addWidget(self.root_edit, 1)
        rc.addWidget(browse)
        rc.addWidget(self.recheck_btn)
        rc.addWidget(self.recheck_cancel)
        v.addLayout(rc)
        self.recheck_progress = QProgressBar()
        self.recheck_progress.setRange(0, 1)
        self.recheck_progress.setValue(0)
        self.recheck_progress.setTextVisible(False)
        v.addWidget(self.recheck_progress)
        rcmd = QHBoxLayout()
        self.recheck_command = QLineEdit()
        self.recheck_command.setReadOnly(True)
        self.recheck_command.setAccessibleName(tr("Equivalent command of the re-check"))
        rcopy = QPushButton(tr("Copy"))
        rcopy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.recheck_command.text()))
        rcmd.addWidget(QLabel(tr("Re-check command:")))
        rcmd.addWidget(self.recheck_command, 1)
        rcmd.addWidget(rcopy)
        v.addLayout(rcmd)
        self.recheck_status = QLabel()
        self.recheck_status.setWordWrap(True)
        self.recheck_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        v.addWidget(self.recheck_status)
        return w

    # ------------------------------------------------------------------------------ the vulns tab
    def _vulns_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel(tr("Offline vulnerability feeds (OSV JSON, folder or all.zip; Debian security tracker "
                              "JSON; Microsoft MSRC CVRF JSON):")))
        self.feed_list = QListWidget()
        self.feed_list.setAccessibleName(tr("Vulnerability feeds"))
        self.feed_list.setMaximumHeight(90)
        v.addWidget(self.feed_list)
        row = QHBoxLayout()
        add_file = QPushButton(tr("Add a feed &file…"))
        add_file.clicked.connect(self._add_feed_file)
        add_dir = QPushButton(tr("Add a feed folder…"))
        add_dir.clicked.connect(self._add_feed_dir)
        remove = QPushButton(tr("Remove"))
        remove.clicked.connect(self._remove_feed)
        self.vulns_btn = QPushButton(tr("Check &vulnerabilities"))
        self.vulns_btn.clicked.connect(self.start_vulns)
        self.vulns_cancel = QPushButton(tr("Stop"))
        self.vulns_cancel.clicked.connect(self.cancel_vulns)
        for b in (add_file, add_dir, remove):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.vulns_btn)
        row.addWidget(self.vulns_cancel)
        v.addLayout(row)
        self.vulns_progress = QProgressBar()
        self.vulns_progress.setRange(0, 1)
        self.vulns_progress.setValue(0)
        self.vulns_progress.setTextVisible(False)
        v.addWidget(self.vulns_progress)
        self.vulns_text = QPlainTextEdit()
        self.vulns_text.setReadOnly(True)
        self.vulns_text.setAccessibleName(tr("Vulnerability check result"))
        v.addWidget(self.vulns_text, 1)
        return w

    # ----------------------------------------------------------------------------- the backup tab
    def _backup_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        form = QFormLayout()
        self.backup_edit = QLineEdit()
        self.backup_edit.setAccessibleName(tr("Backup to check"))
        self.backup_edit.setPlaceholderText(tr("a folder, a tar/zip archive or a disk image (read only)"))
        self.backup_edit.textChanged.connect(lambda _t: self.update_command())
        brow = QHBoxLayout()
        brow.addWidget(self.backup_edit, 1)
        bdir = QPushButton(tr("Folder…"))
        bdir.clicked.connect(self._browse_backup_dir)
        bfile = QPushButton(tr("Archive or image…"))
        bfile.clicked.connect(self._browse_backup_file)
        brow.addWidget(bdir)
        brow.addWidget(bfile)
        form.addRow(tr("Backup:"), brow)
        self.ioc_edit = QLineEdit()
        self.ioc_edit.setAccessibleName(tr("Indicators file"))
        self.ioc_edit.setPlaceholderText(tr("optional"))
        self.ioc_edit.textChanged.connect(lambda _t: self.update_command())
        form.addRow(tr("Indicators (IOC) file:"), self.ioc_edit)
        v.addLayout(form)
        row = QHBoxLayout()
        self.backup_btn = QPushButton(tr("Check the &backup"))
        self.backup_btn.clicked.connect(self.start_backup)
        self.backup_cancel = QPushButton(tr("Stop"))
        self.backup_cancel.clicked.connect(self.cancel_backup)
        row.addStretch(1)
        row.addWidget(self.backup_btn)
        row.addWidget(self.backup_cancel)
        v.addLayout(row)
        self.backup_progress = QProgressBar()
        self.backup_progress.setRange(0, 1)
        self.backup_progress.setValue(0)
        self.backup_progress.setTextVisible(False)
        v.addWidget(self.backup_progress)
        self.backup_verdict = QLabel()
        self.backup_verdict.setWordWrap(True)
        v.addWidget(self.backup_verdict)
        self.backup_text = QPlainTextEdit()
        self.backup_text.setReadOnly(True)
        self.backup_text.setAccessibleName(tr("Backup check result"))
        v.addWidget(self.backup_text, 1)
        return w

    # ------------------------------------------------------------------------------------ the case
    def set_case(self, case) -> None:
        self.case = case
        self.plan = []
        self.recheck_result = None
        self.by_edit.setText(case.examiner or "" if case is not None else "")
        self.vulns_text.clear()
        self.backup_text.clear()
        self.backup_verdict.clear()
        self.mark_message.clear()
        self.recheck_status.clear()
        if case is not None:
            from analysis import recheck, remediation

            try:
                self.plan = remediation.steps(case)
                self.recheck_result = recheck.latest(case)
            except Exception as exc:
                self.plan_status.setText(tr("The plan cannot be read:") + f" {exc}")
            if self.recheck_result:
                self._show_recheck_summary(self.recheck_result)
            from analysis import vulns

            try:
                last = vulns.latest(case)
            except Exception:
                last = None
            if last:
                self.vulns_text.setPlainText(tr("Last check:") + f" {last.get('after', last).get('at', '')}\n"
                                             + vulns.render_text(last, self._lang()))
        self._fill_table()
        self._show()

    def busy(self) -> bool:
        """A check of this page runs, or the collection page collects into the case."""
        collecting = getattr(getattr(self.window, "collection_page", None), "running", False)
        return bool(collecting) or any(w is not None for w in (self.recheck_worker, self.backup_worker,
                                                                self.vulns_worker))

    def working(self) -> bool:
        """A re-check, vulnerability or backup check of this page runs on its thread."""
        return any(w is not None for w in (self.recheck_worker, self.backup_worker, self.vulns_worker))

    def cancel_all(self) -> None:
        """Stop what this page runs (closing the window): each stops at its next check."""
        for w in (self.recheck_worker, self.backup_worker, self.vulns_worker):
            if w is not None:
                w.cancel()

    def keep_state(self) -> dict:
        """What the language switch must not lose (the plan and the re-check come back from the case)."""
        return {"tab": self.tabs.currentIndex(), "root": self.root_edit.text(), "by": self.by_edit.text(),
                "feeds": self.feeds(), "vulns_result": getattr(self, "vulns_result", None),
                "backup": self.backup_edit.text(), "ioc": self.ioc_edit.text(),
                "backup_result": getattr(self, "backup_result", None)}

    def restore_state(self, state: dict) -> None:
        self.root_edit.setText(state.get("root", ""))
        if state.get("by"):
            self.by_edit.setText(state["by"])
        for f in state.get("feeds") or []:
            self.add_feed(f)
        if state.get("vulns_result") is not None:
            from analysis import vulns

            self.vulns_result = state["vulns_result"]
            self.vulns_text.setPlainText(vulns.render_text(self.vulns_result, self._lang()))
        self.backup_edit.setText(state.get("backup", ""))
        self.ioc_edit.setText(state.get("ioc", ""))
        if state.get("backup_result") is not None:
            self._show_backup(state["backup_result"])
        self.tabs.setCurrentIndex(state.get("tab", 0))
        self.update_command()

    def _read_only(self) -> bool:
        if getattr(self.window, "read_only", False):
            self.window.statusBar().showMessage(tr("Read-only: another window or command is collecting into this case."),
                                                6000)
            return True
        return False

    def _enable(self) -> None:
        has = self.case is not None
        sel = self.selected_step() is not None
        self.plan_btn.setEnabled(has)
        for b in (self.done_btn, self.skip_btn, self.failed_btn):
            b.setEnabled(has and sel)
        self.recheck_btn.setEnabled(has and self.recheck_worker is None)
        self.recheck_cancel.setEnabled(self.recheck_worker is not None)
        self.vulns_btn.setEnabled(has and self.vulns_worker is None)
        self.vulns_cancel.setEnabled(self.vulns_worker is not None)
        self.backup_btn.setEnabled(has and self.backup_worker is None)
        self.backup_cancel.setEnabled(self.backup_worker is not None)

    # ---------------------------------------------------------------------------------- the plan
    def _lang(self) -> str:
        return getattr(self.window, "lang", "vi")

    def _fill_table(self) -> None:
        keep = self.selected_step()
        rows = {s["id"]: s for s in (self.recheck_result or {}).get("steps", [])}
        self.table.setRowCount(len(self.plan))
        for i, s in enumerate(self.plan):
            ev = ", ".join(s.evidence_ids) or "-"
            rules = ", ".join(sorted({f.get("rule", "") for f in s.findings if f.get("rule")}))
            mark = mark_label(s.status)
            if s.status != "pending":
                mark += " — " + " ".join(x for x in (s.by or "", (s.at or "")[:19].replace("T", " "),
                                                     s.reason or "") if x)
            r = rows.get(s.id)
            rc = recheck_label(r["status"]) if r else ""
            first = s.commands[0] if s.commands else ""
            more = (" " + tr("(+%1 more)").replace("%1", str(len(s.commands) - 1))) if len(s.commands) > 1 else ""
            cells = (s.id, s.title(self._lang()), ev + (f"\n{rules}" if rules else ""), first + more, mark, rc)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip("\n".join(s.commands) if c == 3 else text)
                if c == 0:
                    item.setData(Qt.UserRole, s.id)
                if c == 5 and r:
                    item.setData(Qt.UserRole, r["status"])
                    item.setToolTip(r.get("note") or "")
                self.table.setItem(i, c, item)
        self.table.resizeRowsToContents()
        if keep is not None:
            for i, s in enumerate(self.plan):
                if s.id == keep.id:
                    self.table.selectRow(i)
        counts: dict[str, int] = {}
        for s in self.plan:
            counts[s.status] = counts.get(s.status, 0) + 1
        if self.case is not None:
            self.plan_status.setText(
                tr("%1 steps: %2 done, %3 skipped, %4 failed, %5 not done yet")
                .replace("%1", str(len(self.plan))).replace("%2", str(counts.get("done", 0)))
                .replace("%3", str(counts.get("skipped", 0))).replace("%4", str(counts.get("failed", 0)))
                .replace("%5", str(counts.get("pending", 0)))
                if self.plan else tr("No plan yet: make it from the findings."))
        self._enable()
        self.update_command()

    def selected_step(self):
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        sid = item.data(Qt.UserRole) if item is not None else None
        return next((s for s in self.plan if s.id == sid), None)

    def select_step(self, step_id: str) -> bool:
        for i, s in enumerate(self.plan):
            if s.id == step_id:
                self.table.selectRow(i)
                return True
        return False

    def _selected(self) -> None:
        s = self.selected_step()
        self.commands_view.setPlainText("\n".join(s.commands) if s is not None else "")
        self._enable()
        self.update_command()

    def make_plan(self) -> None:
        if self.case is None or self.busy() or self._read_only():
            return
        from analysis import remediation

        self.plan_btn.setEnabled(False)
        self.plan_status.setText(tr("Making the plan from the findings…"))

        def done(plan):
            self.plan = plan
            self._fill_table()

        def failed(msg):
            self.plan_status.setText(tr("The plan could not be made:") + f" {msg}")

        self._plan_thread = start_call(self, remediation.generate, self.case, on_result=done, on_failed=failed,
                                       on_done=self._enable)

    def mark_step(self, status: str) -> bool:
        s = self.selected_step()
        if self.case is None or s is None or self._read_only():
            return False
        reason = self.reason_edit.text().strip() or None
        by = self.by_edit.text().strip() or None
        if status == "skipped" and not reason:
            self.mark_message.setStyleSheet("color:#b3261e; font-weight:bold")
            self.mark_message.setText(tr("A skipped step needs a reason: write it in Reason / note."))
            self.reason_edit.setFocus()
            return False
        from reports import actions

        try:
            actions.mark_step(self.case, s.id, status, by=by, reason=reason)
        except (KeyError, ValueError) as exc:
            self.mark_message.setStyleSheet("color:#b3261e; font-weight:bold")
            self.mark_message.setText(tr("The step could not be marked:") + f" {exc}")
            return False
        from analysis import remediation

        self.mark_message.setStyleSheet("")
        self.mark_message.setText(tr("%1 marked %2 (custody log and the incident's action log).")
                                  .replace("%1", s.id).replace("%2", mark_label(status)))
        self.reason_edit.clear()
        self.plan = remediation.steps(self.case)
        self._fill_table()
        return True

    # ------------------------------------------------------------------------------ the re-check
    def _browse_root(self) -> None:
        d = self.file_dialog.getExistingDirectory(self, tr("Root folder to re-check"), self.root_edit.text())
        if d:
            self.root_edit.setText(d)

    def start_recheck(self) -> bool:
        if self.case is None or self.busy() or self._read_only():
            return False
        import os

        from analysis import recheck
        from collectors import checklist as checklist_mod
        from collectors.base import Progress
        from collectors.runner import ItemFinished, ItemStarted

        root = self.root_edit.text().strip() or None
        if root and not os.path.isdir(root):
            self.recheck_status.setText(tr("The root folder does not exist:") + f" {root}")
            return False
        case = self.case
        checklist = checklist_mod.load()
        argv = recheck_command(case.path, root=root, examiner=case.examiner or None)  # who custody records
        items = [it.id for it in checklist.items]
        total = len(items)
        finished: list[str] = []

        def describe(ev):
            if isinstance(ev, ItemFinished):
                finished.append(ev.checklist_id)
                return len(finished), total, ev.checklist_id
            if isinstance(ev, (ItemStarted, Progress)):
                return len(finished), total, getattr(ev, "checklist_id", "")
            return None

        def make(cancel):
            return recheck.iter_recheck(case, checklist, root=root, cancel=cancel, argv=argv)

        self.recheck_progress.setRange(0, 0)
        self.recheck_status.setStyleSheet("")
        self.recheck_status.setText(tr("Re-checking: collecting the triage again into this case…"))
        self.recheck_worker = start_iter(self, make, describe=describe,
                                         is_result=lambda ev: isinstance(ev, recheck.RecheckDone),
                                         on_progress=self._recheck_progress, on_result=self._recheck_done,
                                         on_failed=self._recheck_failed, on_done=self._recheck_ended)
        self._enable()
        return True

    def _recheck_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.recheck_progress.setRange(0, total)
            self.recheck_progress.setValue(done)
        self.recheck_status.setText(tr("Re-checking: %1 of %2 items").replace("%1", str(done)).replace("%2", str(total))
                                    + (f" ({message})" if message else ""))

    def _recheck_done(self, ev) -> None:
        from analysis import recheck
        from reports import actions

        actions.log_action(self.case, "Kiểm tra lại toàn bộ hệ thống sau khắc phục (H3, R2)",
                           recheck.result_line(ev.result))
        self.recheck_result = ev.result
        self._recheck_finished_ok = True
        self._show_recheck_summary(ev.result)
        self._fill_table()

    def _show_recheck_summary(self, result: dict) -> None:
        c = result.get("step_counts") or {}
        new = result.get("new_findings") or []
        text = (tr("Re-check %1: %2 gone, %3 still present, %4 changed, %5 cannot tell; %6 new findings")
                .replace("%1", str(result.get("run_id") or "")).replace("%2", str(c.get("gone", 0)))
                .replace("%3", str(c.get("still_present", 0))).replace("%4", str(c.get("changed", 0)))
                .replace("%5", str(c.get("unknown", 0))).replace("%6", str(len(new))))
        lang = self._lang()
        for f in new[:20]:
            text += "\n  " + tr("new") + f": {f.get('rule')} " + str(f.get("summary_vi" if lang == "vi" else "summary_en")
                                                                  or "")[:140]
        self.recheck_status.setStyleSheet("color:#b3261e; font-weight:bold" if c.get("still_present") or new else "")
        self.recheck_status.setText(text)

    def _recheck_failed(self, msg: str) -> None:
        self.recheck_status.setStyleSheet("color:#b3261e; font-weight:bold")
        self.recheck_status.setText(tr("The re-check failed:") + f" {msg}")

    def _recheck_ended(self) -> None:
        cancelled = self.recheck_worker is not None and self.recheck_worker.cancel_event.is_set()
        self.recheck_worker = None
        self.recheck_progress.setRange(0, 1)
        self.recheck_progress.setValue(1 if not cancelled else 0)
        if cancelled and not getattr(self, "_recheck_finished_ok", False):
            self.recheck_status.setStyleSheet("")
            self.recheck_status.setText(tr("The re-check was stopped before the comparison: what was collected is "
                                           "kept in the case."))
        self._recheck_finished_ok = False
        self._enable()

    def cancel_recheck(self) -> None:
        if self.recheck_worker is not None:
            self.recheck_worker.cancel()
            self.recheck_status.setText(tr("Stopping after the current step…"))

    # ------------------------------------------------------------------------ vulnerability check
    def feeds(self) -> list[str]:
        return [self.feed_list.item(i).text() for i in range(self.feed_list.count())]

    def add_feed(self, path: str) -> None:
        if path and path not in self.feeds():
            self.feed_list.addItem(path)
        self.update_command()

    def _add_feed_file(self) -> None:
        path, _f = self.file_dialog.getOpenFileName(self, tr("Vulnerability feed"), "",
                                                    tr("Feeds (*.json *.zip);;All files (*)"))
        self.add_feed(path)

    def _add_feed_dir(self) -> None:
        self.add_feed(self.file_dialog.getExistingDirectory(self, tr("Folder of OSV advisories"), ""))

    def _remove_feed(self) -> None:
        for item in self.feed_list.selectedItems():
            self.feed_list.takeItem(self.feed_list.row(item))
        self.update_command()

    def start_vulns(self) -> bool:
        if self.case is None or self.busy() or self._read_only():
            return False
        from analysis import vulns

        case, feeds = self.case, self.feeds()

        def describe(ev):
            if isinstance(ev, vulns.FeedProgress):
                return ev.advisories, -1, ev.source
            return None

        self.vulns_progress.setRange(0, 0)
        self.vulns_text.setPlainText(tr("Loading the feeds and matching the installed packages…"))
        self.vulns_worker = start_iter(
            self, lambda cancel: vulns.iter_run(case, feeds, cancel=cancel), describe=describe,
            is_result=lambda ev: isinstance(ev, dict), on_result=self._vulns_done,
            on_progress=lambda d, _t, src: self.vulns_text.setPlainText(
                tr("%1 advisories read from %2").replace("%1", str(d)).replace("%2", src)),
            on_failed=lambda msg: self.vulns_text.setPlainText(tr("The vulnerability check failed:") + f" {msg}"),
            on_done=self._vulns_ended)
        self._enable()
        return True

    def _vulns_done(self, result: dict) -> None:
        from analysis import vulns
        from reports import actions

        actions.log_action(self.case, vulns.ACTION_VI, vulns.outcome_line(result))
        self._vulns_shown = self.vulns_worker
        self.vulns_result = result
        self.vulns_text.setPlainText(vulns.render_text(result, self._lang()))

    def cancel_vulns(self) -> None:
        if self.vulns_worker is not None:
            self.vulns_worker.cancel()

    def _vulns_ended(self) -> None:
        if self.vulns_worker is not None and self.vulns_worker.cancel_event.is_set() \
                and getattr(self, "_vulns_shown", None) is not self.vulns_worker:
            self.vulns_text.setPlainText(tr("The vulnerability check was stopped: nothing was recorded."))
        self.vulns_worker = None
        self.vulns_progress.setRange(0, 1)
        self.vulns_progress.setValue(1)
        self._enable()

    # ------------------------------------------------------------------------------ backup check
    def _browse_backup_dir(self) -> None:
        d = self.file_dialog.getExistingDirectory(self, tr("Backup folder"), self.backup_edit.text())
        if d:
            self.backup_edit.setText(d)

    def _browse_backup_file(self) -> None:
        path, _f = self.file_dialog.getOpenFileName(
            self, tr("Backup archive or disk image"), "",
            tr("Archives and images (*.tar *.tar.gz *.tgz *.zip *.img *.raw *.dd *.E01 *.vhd *.vmdk *.qcow2);;"
               "All files (*)"))
        if path:
            self.backup_edit.setText(path)

    def start_backup(self) -> bool:
        if self.case is None or self.busy() or self._read_only():
            return False
        import os

        from analysis import backup_check

        src = self.backup_edit.text().strip()
        if not src or not os.path.exists(src):
            self.backup_verdict.setStyleSheet("color:#b3261e; font-weight:bold")
            self.backup_verdict.setText(tr("Choose a backup folder, archive or image that exists."))
            return False
        ioc = self.ioc_edit.text().strip() or None
        case = self.case

        def describe(ev):
            if isinstance(ev, backup_check.BackupProgress):
                return ev.done, -1, ev.message
            return None

        self.backup_progress.setRange(0, 0)
        self.backup_verdict.setStyleSheet("")
        self.backup_verdict.setText(tr("Scanning the backup…"))
        self.backup_text.clear()
        self.backup_worker = start_iter(
            self, lambda cancel: backup_check.iter_check(case, src, ioc_file=ioc, cancel=cancel), describe=describe,
            is_result=lambda ev: isinstance(ev, backup_check.BackupResult), on_result=self._backup_done,
            on_progress=lambda d, _t, msg: self.backup_verdict.setText(
                tr("Scanning the backup: %1 files").replace("%1", str(d)) + (f" ({msg[-80:]})" if msg else "")),
            on_failed=self._backup_failed, on_done=self._backup_ended)
        self._enable()
        return True

    def _backup_done(self, res) -> None:
        from analysis import backup_check
        from reports import actions

        backup_check.record(self.case, res)
        actions.log_action(self.case, f"Kiểm tra bản sao lưu trước khi khôi phục (R2): {res.source}",
                           backup_check.VERDICT_VI[res.verdict] + (f" ({len(res.hits)} dấu hiệu)" if res.hits else ""))
        self._show_backup(res)

    def _show_backup(self, res) -> None:
        from analysis import backup_check

        self.backup_result = res
        verdict = {"clean": tr("CLEAN: older than the incident and no indicator in it"),
                   "contains_indicators": tr("NOT CLEAN: it holds indicators of the incident"),
                   "after_compromise": tr("Made after the compromise: no known indicator, but it may hold what was "
                                          "not found"),
                   "incomplete": tr("Not scanned to the end (stopped): no conclusion"),
                   "unknown_time": tr("No indicator found; the time of the first compromise is not known")}
        bad = res.verdict in ("contains_indicators", "after_compromise", "incomplete")
        self.backup_verdict.setStyleSheet("color:#b3261e; font-weight:bold" if bad else "color:#0d4d22; font-weight:bold")
        self.backup_verdict.setText(verdict.get(res.verdict, res.verdict))
        self.backup_verdict.setProperty("verdict", res.verdict)
        self.backup_text.setPlainText(backup_check.render_text(res, self._lang()))

    def _backup_failed(self, msg: str) -> None:
        self.backup_verdict.setStyleSheet("color:#b3261e; font-weight:bold")
        self.backup_verdict.setText(tr("The backup check failed:") + f" {msg}")

    def _backup_ended(self) -> None:
        self.backup_worker = None
        self.backup_progress.setRange(0, 1)
        self.backup_progress.setValue(1)
        self._enable()

    def cancel_backup(self) -> None:
        if self.backup_worker is not None:
            self.backup_worker.cancel()

    # -------------------------------------------------------------------------- the command line
    def command_argv(self) -> list[str]:
        if self.case is None:
            return []
        tab = self.tabs.currentIndex()
        if tab == 0:
            s = self.selected_step()
            if s is not None:
                status = s.status if s.status != "pending" else "done"
                return remediate_command(self.case.path, step=s.id, status=status,
                                         reason=self.reason_edit.text().strip() or None,
                                         by=self.by_edit.text().strip() or None)
            return remediate_command(self.case.path)
        if tab == 1:
            return vulns_command(self.case.path, self.feeds())
        return backup_check_command(self.case.path, self.backup_edit.text().strip() or "BACKUP",
                                    ioc=self.ioc_edit.text().strip() or None)

    def update_command(self) -> None:
        argv = self.command_argv()
        self.command.setText(display(argv) if argv else "")
        self.recheck_command.setText(display(recheck_command(
            self.case.path, root=self.root_edit.text().strip() or None,
            examiner=self.case.examiner or None)) if self.case is not None else "")

    # -------------------------------------------------------------------------- R1 / R2 status
    def _done(self) -> dict[str, str]:
        """Status -> when it was first recorded (the first entry is the one the legal clock counts from)."""
        done: dict[str, str] = {}
        for h in (self.case.incident().get("status_history") or []) if self.case is not None else []:
            done.setdefault(h.get("status"), h.get("at"))
        return done

    def _show(self) -> None:
        done = self._done()
        # Marked once: the button goes grey, so a second press cannot add a later time by mistake.
        self.eradicated_btn.setEnabled(self.case is not None and "eradicated" not in done)
        self.recovered_btn.setEnabled(self.case is not None and "recovered" not in done)
        if self.case is None:
            self.state.setText("")
            return
        lines = []
        for st, label in (("eradicated", "R1"), ("recovered", "R2")):
            lines.append(f"{label}: " + (tr("done at") + f" {done[st]}" if st in done else tr("not done yet")))
        self.state.setText("   ".join(lines))

    def mark(self, status: str) -> None:
        if self.case is None or status in self._done():
            return
        from PySide6.QtWidgets import QMessageBox

        from reports.incident import check_incident, tzinfo_for

        if status == "recovered":
            # The end of the response starts the closing-report clock (Mẫu 04): not on a stray key press.
            ans = QMessageBox.question(
                self, tr("Phase 3: remediate and restore"),
                tr("Record now as the end of the response? The deadline for the closing report (Mẫu 04) counts "
                   "from it."), QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if ans != QMessageBox.Yes:
                return
        rec = self.case.incident()
        tz = tzinfo_for(rec.get("timezone"))
        rec["status_history"] = (rec.get("status_history") or []) + [{
            "status": status, "at": dt.datetime.now(tz).isoformat(timespec="seconds"),
            "by": self.case.examiner or "", "note": "UngCuu phase 3"}]
        self.case.set_incident(check_incident(rec), note=f"status {status}")
        self._show()
        self.window.refresh_steps()
