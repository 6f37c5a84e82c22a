"""Evidence page: the evidence index, a preview of text and JSON items, Verify all, and B5 "add files"."""
from __future__ import annotations

import json
import re

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from collectors.messages import translate

from .common import page_heading
from .i18n import tr
from .models import SORT_ROLE, EvidenceModel, exact_size, human_size
from .worker import start_call

PREVIEW_BYTES = 256 * 1024
_EID = re.compile(r"\bE\d{6}\b")
TEXT_TYPES = ("text/", "application/json", "application/x-ndjson", "application/xml")


def verify_results(result, records) -> dict[str, str]:
    """Per evidence id: 'intact' or the problems naming it (verify_case reports one sentence per problem)."""
    per: dict[str, list[str]] = {}
    general: list[str] = []
    for p in result.problems:
        ids = _EID.findall(p)
        if ids:
            for i in ids:
                per.setdefault(i, []).append(p)
        else:
            general.append(p)
    return {r.id: ("; ".join(per[r.id]) if r.id in per else tr("intact")) for r in records}


class EvidencePage(QWidget):
    verified = Signal(object)  # VerifyResult

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.last_result = None
        lay = QVBoxLayout(self)
        page_heading(lay, tr("Evidence"))
        row = QHBoxLayout()
        self.verify_btn = QPushButton(tr("&Verify all"))
        self.verify_btn.setToolTip(tr("Hash every evidence file again and check the custody chain"))
        self.add_files_btn = QPushButton(tr("&Add files… (B5)"))
        self.add_folder_btn = QPushButton(tr("Add a f&older… (B5)"))
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("filter by id, item, name, source or hash"))
        self.filter_edit.setAccessibleName(tr("Evidence filter"))
        for w in (self.verify_btn, self.add_files_btn, self.add_folder_btn):
            row.addWidget(w)
        row.addWidget(self.filter_edit, 1)
        lay.addLayout(row)
        self.verify_btn.clicked.connect(self.verify_all)
        self.add_files_btn.clicked.connect(self.add_files)
        self.add_folder_btn.clicked.connect(self.add_folder)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        lay.addWidget(self.summary)
        self.progress = QProgressBar()          # a run that adds evidence (B5), mirrored from the collection page
        self.progress.setAccessibleName(tr("Progress"))
        self.progress.hide()
        lay.addWidget(self.progress)

        self.model = EvidenceModel(self, lang=window.lang)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSortRole(SORT_ROLE)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        split = QSplitter(Qt.Vertical)
        self.view = QTableView()
        self.view.setTabKeyNavigation(False)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.setAccessibleName(tr("Evidence table"))
        h = self.view.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.Interactive)
        h.setSectionResizeMode(3, QHeaderView.Stretch)   # the source takes what is left; no header is cut
        self.fit_columns()
        self.view.selectionModel().currentRowChanged.connect(self._preview)
        split.addWidget(self.view)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName(tr("Preview"))
        self.preview.setPlaceholderText(tr("Select an item to preview text and JSON evidence here."))
        split.addWidget(self.preview)
        split.setSizes([380, 220])
        lay.addWidget(split, 1)

    COLUMN_WIDTHS = (72, 46, 150, 160, 84, 110, 175, 150)  # the collection time is read whole

    def fit_columns(self) -> None:
        """Each column at least as wide as its header's text (plus the sort arrow and margins)."""
        h = self.view.horizontalHeader()
        fm = h.fontMetrics()
        for col, w in enumerate(self.COLUMN_WIDTHS):
            text = str(self.model.headerData(col, Qt.Horizontal) or "")
            if col != 3:
                self.view.setColumnWidth(col, max(w, fm.horizontalAdvance(text) + 30))

    def set_case(self, case) -> None:
        self.case = case
        self.model.set_records(case.evidence() if case is not None else [])
        self.preview.clear()
        self.summary.setText(self._count_text())
        for b in (self.verify_btn, self.add_files_btn, self.add_folder_btn):
            b.setEnabled(case is not None)

    def _count_text(self) -> str:
        total = sum(r.size for r in self.model.records)
        return tr("%1 evidence items, %2 in all.").replace("%1", str(len(self.model.records))).replace(
            "%2", human_size(total, self.window.lang))

    def keep_state(self) -> dict:
        return {"verified": self.last_result}

    def restore_state(self, state: dict) -> None:
        if state.get("verified") is not None:
            self._verified(state["verified"])

    def append_records(self, records) -> None:
        if self.model.append(records):
            self.summary.setText(self._count_text())

    # ------------------------------------------------------------------ preview
    def _preview(self, cur, _prev) -> None:
        if not cur.isValid() or self.case is None:
            self.preview.clear()
            return
        rec = self.proxy.data(self.proxy.index(cur.row(), 0), Qt.UserRole)
        head = [f"{rec.id}  {rec.checklist_id}  {rec.name}", f"{tr('Source')}: {rec.source}",
                f"SHA-256: {rec.sha256}", f"{tr('Size')}: {human_size(rec.size, self.window.lang)} ({exact_size(rec.size, self.window.lang)})  ·  "
                f"{rec.media_type or '?'}",
                f"{tr('Collected at')}: {rec.collected_at} ({rec.tz_offset})  ·  {rec.collector} {rec.collector_version}"]
        if rec.incomplete:
            head.append(tr("incomplete:") + " " + translate("; ".join(rec.incomplete), self.window.lang))
        head.append("")
        try:
            with self.case.open_evidence(rec) as f:
                data = f.read(PREVIEW_BYTES + 1)
        except OSError as exc:
            self.preview.setPlainText("\n".join(head) + tr("The evidence file cannot be read:") + f" {exc}")
            return
        body = self._render(rec, data, self.window.lang)
        self.preview.setPlainText("\n".join(head) + body)

    @staticmethod
    def _render(rec, data: bytes, lang: str = "vi") -> str:
        cut = len(data) > PREVIEW_BYTES
        data = data[:PREVIEW_BYTES]
        mt = rec.media_type or ""
        looks_text = mt.startswith(TEXT_TYPES) or rec.name.endswith((".json", ".txt", ".log", ".csv", ".conf"))
        if not looks_text and b"\0" in data[:4096]:
            return tr("(binary content: no preview; %1)").replace("%1", human_size(rec.size, lang))
        text = data.decode("utf-8", errors="replace")
        if (mt == "application/json" or rec.name.endswith(".json")) and not cut:
            try:
                text = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
            except ValueError:
                pass
        if cut:
            text += "\n…\n" + tr("(preview shows the first %1 KiB)").replace("%1", str(PREVIEW_BYTES // 1024))
        return text

    # ------------------------------------------------------------------ verify
    def verify_all(self) -> None:
        if self.case is None:
            return
        from collectors.verify import verify_case

        self.verify_btn.setEnabled(False)
        self.summary.setText(tr("Verifying every evidence file and the custody chain…"))
        start_call(self, verify_case, self.case.path, on_result=self._verified, on_failed=self._verify_failed,
                   on_done=lambda: self.verify_btn.setEnabled(self.case is not None))

    def _verified(self, result) -> None:
        self.last_result = result
        self.model.set_verification(verify_results(result, self.model.records))
        if result.ok:
            # Without a noted head the case can only be called self-consistent (a rewrite of the whole
            # chain would be too); the head to note is shown with it.
            text = tr("Intact: %1 evidence items, %2 files and %3 custody entries verified.") \
                if getattr(result, "anchored", True) else \
                tr("Self-consistent, no anchor given: %1 evidence items, %2 files and %3 custody entries verified.")
            text = text.replace("%1", str(result.checked_items)).replace("%2", str(result.checked_files)).replace(
                "%3", str(result.custody_entries))
            if getattr(result, "head", None):
                text += "\n" + tr("Custody head (note it):") + " " + result.head
            self.summary.setStyleSheet("color: #1b7f3b")
        else:
            text = tr("NOT intact: %1 problem(s):").replace("%1", str(len(result.problems))) + "\n" + \
                "\n".join("• " + translate(p, self.window.lang) for p in result.problems[:20])
            self.summary.setStyleSheet("color: #b3261e")
        self.summary.setText(text)
        self.verified.emit(result)
        self.window.refresh_steps()

    def _verify_failed(self, message: str) -> None:
        self.summary.setStyleSheet("color: #b3261e")
        self.summary.setText(tr("Verification could not run:") + " " + message)

    # ------------------------------------------------------------------ B5
    def add_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Files to add as evidence (B5)"))
        if paths:
            self.add_paths(paths)

    def add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Folder to add as evidence (B5)"))
        if path:
            self.add_paths([path])

    def add_paths(self, paths: list[str]) -> bool:
        page = self.window.collection_page
        if page.running:
            self.summary.setText(tr("A collection is running: add files when it has finished."))
            return False
        self.summary.setStyleSheet("")
        self.summary.setText(tr("Copying and hashing %1 path(s)…").replace("%1", str(len(paths))))
        # paths picked on this machine: copied from it, whatever source the collection page names
        return page.start(only=["B5"], options={"paths": list(paths)}, again=True, live=True)
