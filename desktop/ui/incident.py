"""One incident, many hosts: the dialog that imports host bundles and case folders into the open case
(the incident), lists its hosts and shows the cross-host correlation (C6).

The import is `reports.incident_case.iter_import` on a worker thread (`start_generator`), with its
progress and a cancel button; each source is verified before anything of it is kept. An encrypted bundle's
passphrase is asked when the import reaches it (the worker waits for the answer). The correlation is
`analysis.correlate.run` on a worker thread. The dialog shows the equivalent `ungcuu import` /
`ungcuu correlate` command (a passphrase never goes on a command line).
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
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

from .commandline import correlate_command, display, import_command
from .common import command_row
from .i18n import tr
from .worker import start_call, start_generator, wait_threads

IMPORT_TAB, HOSTS_TAB, LINKS_TAB = 0, 1, 2


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setTabKeyNavigation(False)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.Stretch)
    t.setAccessibleName(name)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            it = QTableWidgetItem(text)
            it.setToolTip(text)
            table.setItem(r, c, it)
    table.resizeColumnsToContents()


class _Asker(QObject):
    """Lives in the GUI thread: `asked` emitted from the import's thread is delivered there (queued)."""

    asked = Signal(str)


class IncidentDialog(QDialog):
    """Import / Hosts / Links between hosts tabs over the window's open case (the incident)."""

    def __init__(self, window, case):
        super().__init__(window)
        self.window = window
        self.case = case
        self.worker = None            # the running import (GeneratorWorker)
        self.results: list = []       # the last import's ImportResult list
        self.correlation = None
        self.passphrase_prompt: QInputDialog | None = None
        self._answer: str | None = None
        self._answered = threading.Event()
        self._asker = _Asker(self)
        self._asker.asked.connect(self._prompt_passphrase)
        self.setWindowTitle(tr("Import hosts into one incident"))
        self.resize(900, 640)
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._import_tab(), tr("Import"))
        self.tabs.addTab(self._hosts_tab(), tr("Hosts"))
        self.tabs.addTab(self._links_tab(), tr("Links between hosts (C6)"))
        lay.addWidget(self.tabs, 1)
        self.command = command_row(lay, tr("Cop&y the command"))
        box = QDialogButtonBox(QDialogButtonBox.Close)
        box.button(QDialogButtonBox.Close).setText(tr("Close"))
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.tabs.currentChanged.connect(lambda _i: self.update_command())
        self.refresh_hosts()
        self._set_busy(False)
        self.update_command()

    # ------------------------------------------------------------------ import
    def _import_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        intro = QLabel(tr("The open case is the incident. Each host's bundle or case folder is verified first "
                          "(a changed file refuses it, naming what changed), then imported under its host, keeping "
                          "that host's custody chain as it was."))
        intro.setWordWrap(True)
        v.addWidget(intro)
        v.addWidget(QLabel(tr("Incident case:") + f" {self.case.case_id} — {self.case.path}"))
        self.sources = QListWidget()
        self.sources.setAccessibleName(tr("Bundles and case folders to import"))
        self.sources.setSelectionMode(QAbstractItemView.ExtendedSelection)
        v.addWidget(self.sources, 1)
        row = QHBoxLayout()
        self.add_bundle_btn = QPushButton(tr("Add &bundles…"))
        self.add_bundle_btn.clicked.connect(self._browse_bundles)
        self.add_case_btn = QPushButton(tr("Add a case &folder…"))
        self.add_case_btn.clicked.connect(self._browse_case)
        self.remove_btn = QPushButton(tr("&Remove"))
        self.remove_btn.clicked.connect(self.remove_selected)
        for b in (self.add_bundle_btn, self.add_case_btn, self.remove_btn):
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        form = QFormLayout()
        self.key_edit = QLineEdit()
        self.key_edit.setAccessibleName(tr("Public key"))
        self.key_edit.setPlaceholderText(tr("the sender's .pub file, or its 64-digit hex"))
        self.key_edit.textChanged.connect(self.update_command)
        form.addRow(tr("Public key (to check the signature):"), self.key_edit)
        v.addLayout(form)
        row = QHBoxLayout()
        self.import_btn = QPushButton(tr("&Import"))
        self.import_btn.clicked.connect(self.start_import)
        self.cancel_btn = QPushButton(tr("&Cancel the import"))
        self.cancel_btn.clicked.connect(self.cancel_import)
        row.addWidget(self.import_btn)
        row.addWidget(self.cancel_btn)
        row.addStretch(1)
        v.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setAccessibleName(tr("Progress"))
        v.addWidget(self.progress)
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        v.addWidget(self.stage)
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setAccessibleName(tr("Result"))
        v.addWidget(self.result_text, 1)
        return w

    def _browse_bundles(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Host bundles"), str(self.case.path),
                                                tr("Bundles (*.zip *.7z)"))
        self.add_sources(paths)

    def _browse_case(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("A host's case folder"), str(self.case.path))
        if path:
            self.add_sources([path])

    def add_sources(self, paths) -> None:
        have = self.source_paths()
        for p in paths:
            if str(p) not in have:
                self.sources.addItem(str(p))
                have.append(str(p))
        self.update_command()

    def remove_selected(self) -> None:
        for it in self.sources.selectedItems():
            self.sources.takeItem(self.sources.row(it))
        self.update_command()

    def source_paths(self) -> list[str]:
        return [self.sources.item(i).text() for i in range(self.sources.count())]

    def start_import(self) -> bool:
        from reports.incident_case import iter_import

        if self.busy or not self.source_paths() or getattr(self.window, "read_only", False):
            return False
        self.results = []
        self.result_text.setPlainText(tr("Verifying and importing…"))
        self.result_text.setStyleSheet("")
        self._set_busy(True)
        self.progress.setRange(0, 0)
        self.worker = start_generator(self, iter_import, self.case, self.source_paths(),
                                      passphrase=self._passphrase_from_worker,
                                      public_key=self.key_edit.text().strip() or None,
                                      on_progress=self._progressed, on_result=self._imported,
                                      on_failed=self._import_failed, on_cancelled=self._import_cancelled,
                                      on_done=self._import_done)
        self.cancel_btn.setEnabled(True)  # _import_done (queued to this thread) disables it again
        return True

    def cancel_import(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.stage.setText(tr("Cancelling after the current step…"))
        if self.passphrase_prompt is not None:
            self.passphrase_prompt.reject()

    def _passphrase_from_worker(self, path) -> str | None:
        """Runs on the import's thread: ask on the GUI thread, wait for the answer (or the cancel)."""
        worker = self.worker
        self._answered.clear()
        self._answer = None
        self._asker.asked.emit(str(path))
        while not self._answered.wait(0.05):
            if worker is not None and worker.cancel_event.is_set():
                return None
        return self._answer

    @Slot(str)
    def _prompt_passphrase(self, path: str) -> None:
        dlg = QInputDialog(self)
        dlg.setWindowTitle(tr("Passphrase"))
        dlg.setLabelText(tr("The bundle %1 is encrypted: type its passphrase.").replace("%1", Path(path).name))
        dlg.setTextEchoMode(QLineEdit.Password)
        dlg.setOkButtonText(tr("OK"))
        dlg.setCancelButtonText(tr("Skip this bundle"))
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.textValueSelected.connect(self._passphrase_given)
        dlg.rejected.connect(lambda: self._passphrase_given(None))
        self.passphrase_prompt = dlg
        dlg.open()

    def _passphrase_given(self, text) -> None:
        if self._answered.is_set():
            return
        self.passphrase_prompt = None
        self._answer = text or None
        self._answered.set()

    def _progressed(self, p) -> None:
        stages = {"verify": tr("Verifying"), "extract": tr("Extracting"), "parse": tr("Reading the events"),
                  "merge": tr("Joining the hosts' timelines")}
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(min(p.done, p.total))
        name = Path(p.source).name if p.source else ""
        text = stages.get(p.stage, p.stage)
        if name:
            text += f" {name} ({min(p.done + 1, p.total)}/{p.total})"
        if p.events:
            text += " · " + tr("%1 events").replace("%1", f"{p.events:,}".replace(",", "."))
        self.stage.setText(text)

    def _imported(self, results) -> None:
        from collectors.messages import translate

        self.results = list(results or [])
        lang = self.window.lang
        lines = []
        for r in self.results:
            if r.status == "imported":
                lines.append(tr("%1: imported — host %2, case %3, %4 events").replace("%1", r.source)
                             .replace("%2", r.host).replace("%3", r.case_id).replace("%4", str(r.events)))
            elif r.status == "newer":
                lines.append(tr("%1: imported, a newer collection of host %2 (case %3), %4 events; the older one "
                                "is kept beside it").replace("%1", r.source).replace("%2", r.host)
                             .replace("%3", r.case_id).replace("%4", str(r.events)))
            elif r.status == "already":
                lines.append(tr("%1: already imported (host %2, case %3): not imported again")
                             .replace("%1", r.source).replace("%2", r.host).replace("%3", r.case_id))
            else:
                lines.append(tr("%1: REFUSED, nothing of it was kept:").replace("%1", r.source))
                lines += ["  • " + translate(p, lang) for p in r.problems]
        self.result_text.setPlainText("\n".join(lines))
        refused = any(r.status == "refused" for r in self.results)
        self.result_text.setStyleSheet("color: #b3261e" if refused else "")
        self.stage.setText(tr("Import finished."))

    def _import_failed(self, message: str) -> None:
        from collectors.messages import translate

        self.result_text.setPlainText(tr("The import stopped:") + "\n" + translate(message, self.window.lang))
        self.result_text.setStyleSheet("color: #b3261e")

    def _import_cancelled(self, _message: str) -> None:
        self.result_text.setPlainText(tr("Import cancelled: the hosts imported before are kept; nothing of the "
                                         "bundle or case in progress was kept."))
        self.stage.setText(tr("Cancelled."))

    def _import_done(self) -> None:
        self.worker = None
        if self.passphrase_prompt is not None:
            self.passphrase_prompt.reject()
        self._set_busy(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.refresh_hosts()
        self.window.refresh_after_import()

    # ------------------------------------------------------------------ hosts
    def _hosts_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.hosts_note = QLabel()
        self.hosts_note.setWordWrap(True)
        v.addWidget(self.hosts_note)
        self.hosts_table = _table([tr("Host"), tr("Case"), tr("Custody head"), tr("Events"), tr("Imported at (UTC)"),
                                   tr("Imported from")], tr("Hosts of the incident"))
        v.addWidget(self.hosts_table, 1)
        return w

    def refresh_hosts(self) -> None:
        from analysis import hosts

        try:
            current = hosts.current(self.case)
        except OSError as exc:
            self.hosts_note.setText(tr("The hosts cannot be read:") + f" {exc}")
            return
        kinds = {"bundle": tr("bundle"), "case": tr("case folder")}
        rows = [[d.get("host") or "", d.get("case_id") or "", (d.get("custody_head") or "")[:16],
                 str(d.get("events", "")), (d.get("imported_at") or "")[:19].replace("T", " "),
                 f"{kinds.get(d.get('kind'), d.get('kind') or '')}: {d.get('source') or ''}"] for d in current]
        _fill(self.hosts_table, rows)
        self.hosts_note.setText(tr("%1 host(s) in this incident: %2").replace("%1", str(len({r[0] for r in rows})))
                                .replace("%2", ", ".join(sorted({r[0] for r in rows})) or "—"))

    # ------------------------------------------------------------------ links between hosts
    def _links_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        intro = QLabel(tr("What the hosts share (accounts, source addresses, file hashes, services, tasks, tools) "
                          "and the logons from one host to another, in time order: the path of the attack (C6)."))
        intro.setWordWrap(True)
        v.addWidget(intro)
        self.correlate_btn = QPushButton(tr("C&orrelate the hosts"))
        self.correlate_btn.clicked.connect(self.correlate)
        v.addWidget(self.correlate_btn, 0, Qt.AlignLeft)
        self.links_status = QLabel()
        self.links_status.setWordWrap(True)
        v.addWidget(self.links_status)
        v.addWidget(QLabel(tr("Movement between hosts:")))
        self.story_text = QPlainTextEdit()
        self.story_text.setReadOnly(True)
        self.story_text.setAccessibleName(tr("Movement between hosts"))
        v.addWidget(self.story_text, 1)
        v.addWidget(QLabel(tr("Values seen on several hosts:")))
        self.shared_table = _table([tr("Kind"), tr("Value"), tr("Hosts"), tr("Events"), tr("First (UTC)"),
                                    tr("Last (UTC)")], tr("Values seen on several hosts"))
        v.addWidget(self.shared_table, 2)
        return w

    def correlate(self) -> bool:
        if self.busy:
            return False
        self._set_busy(True)
        self.links_status.setText(tr("Correlating the hosts… (the timeline is updated first when needed)"))
        start_call(self, _correlate, self.case, on_result=self._correlated,
                   on_failed=lambda m: self.links_status.setText(tr("The correlation could not run:") + " " + m),
                   on_done=lambda: self._set_busy(False))
        return True

    def _correlated(self, res) -> None:
        self.correlation = res
        lang = self.window.lang
        kinds = {"account": tr("account"), "address": tr("address"), "hash": tr("file hash"),
                 "service": tr("service"), "task": tr("scheduled task"), "tool": tr("tool")}
        lines = list(res.story("vi" if lang == "vi" else "en"))
        if not lines:
            lines = [tr("No logon from one host to another was seen.")]
        if res.external:
            lines += ["", tr("Logons from addresses outside the incident's hosts:")]
            for m in res.external:
                lines.append(tr("%1: %2 → %3, account %4, via %5 [evidence %6 %7]").replace("%1", m.time)
                             .replace("%2", m.source_ip).replace("%3", m.to_host).replace("%4", m.user or "?")
                             .replace("%5", m.method).replace("%6", m.evidence_id).replace("%7", m.locator))
        self.story_text.setPlainText("\n".join(lines))
        _fill(self.shared_table, [[kinds.get(s.kind, s.kind), s.value, ", ".join(s.hosts), str(s.count),
                                   s.first or "", s.last or ""] for s in res.shared])
        self.links_status.setText(tr("%1 host(s), %2 movement(s) between them, %3 value(s) shared")
                                  .replace("%1", str(len(res.hosts))).replace("%2", str(len(res.movements)))
                                  .replace("%3", str(len(res.shared))))

    # ------------------------------------------------------------------ shared
    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        can_write = not getattr(self.window, "read_only", False)
        self.import_btn.setEnabled(not busy and can_write)
        self.cancel_btn.setEnabled(busy and self.worker is not None)
        for b in (self.add_bundle_btn, self.add_case_btn, self.remove_btn):
            b.setEnabled(not busy)
        self.correlate_btn.setEnabled(not busy)
        if not can_write:
            self.stage.setText(tr("Read-only: another window or command is collecting into this case."))

    def update_command(self) -> None:
        if self.tabs.currentIndex() == LINKS_TAB:
            argv = correlate_command(self.case.path)
        else:
            argv = import_command(self.case.path, self.source_paths() or ["BUNDLE_OR_CASE"],
                                  public_key=self.key_edit.text().strip() or None)
        self.command.setText(display(argv))

    def reject(self) -> None:  # noqa: D401 - Qt override
        self.cancel_import()
        wait_threads(self)
        super().reject()


def _correlate(case):
    """The timeline brought up to date, then the cross-host correlation (worker thread)."""
    from analysis import correlate, timeline

    timeline.ensure(case)
    return correlate.run(case)
