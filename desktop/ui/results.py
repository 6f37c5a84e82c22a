"""Findings (C3-C6, H2) and Reports (H5, Mẫu 03 / Mẫu 04 and the other response reports) pages.

Both run the core on a worker thread (`analysis.findings.run`, `reports.render.render_report`) and show
the result; when those packages are missing from a build, `make_*_page` returns a placeholder that says
what will come instead.
"""
from __future__ import annotations

import json

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .common import page_heading
from .i18n import tr
from .worker import start_call

SEV_COLORS = {"critical": "#7f0000", "high": "#b3261e", "medium": "#a86500", "low": "#1a5fb4", "info": "#5f6368"}


def sev_text(sev: str) -> str:
    return {"info": tr("info"), "low": tr("low"), "medium": tr("medium"), "high": tr("high"),
            "critical": tr("critical")}.get(sev, sev)


class FindingsPage(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.findings: list = []
        lay = QVBoxLayout(self)
        page_heading(lay, tr("Findings (C3–C6, H2)"),
                     tr("What the evidence says: when the system was updated (C3) and last used (C4), indicators of "
                        "compromise (C5), the origin of the attack (C6) and backdoors to remove (H2). Each finding "
                        "names the evidence it comes from."))
        row = QHBoxLayout()
        self.run_btn = QPushButton(tr("&Analyse the evidence"))
        self.run_btn.clicked.connect(self.analyse)
        self.ioc_edit = QLineEdit()
        self.ioc_edit.setPlaceholderText(tr("indicator list (hashes, IPs, domains), optional"))
        self.ioc_edit.setAccessibleName(tr("Indicator list file"))
        ioc_btn = QPushButton(tr("IOC file…"))
        ioc_btn.clicked.connect(lambda: self._pick(self.ioc_edit, tr("Indicator list")))
        self.yara_edit = QLineEdit()
        self.yara_edit.setPlaceholderText(tr("YARA rules, optional"))
        self.yara_edit.setAccessibleName(tr("YARA rules file"))
        yara_btn = QPushButton(tr("YARA rules…"))
        yara_btn.clicked.connect(lambda: self._pick(self.yara_edit, tr("YARA rules")))
        self.sev_combo = QComboBox()
        self.sev_combo.setAccessibleName(tr("Minimum severity"))
        for s in ("info", "low", "medium", "high", "critical"):
            self.sev_combo.addItem(tr("from") + " " + sev_text(s), s)
        self.sev_combo.currentIndexChanged.connect(self._fill)
        for w in (self.run_btn, self.ioc_edit, ioc_btn, self.yara_edit, yara_btn, self.sev_combo):
            row.addWidget(w)
        row.setStretch(1, 1)
        row.setStretch(3, 1)
        lay.addLayout(row)
        self.status = QLabel(tr("Press “Analyse the evidence” after collecting (the timeline is built first when needed)."))
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        split = QSplitter(Qt.Vertical)
        self.table = QTableWidget(0, 5)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels([tr("Severity"), tr("Item"), tr("Finding"), tr("Time (UTC)"),
                                              tr("Evidence")])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.table.setColumnWidth(0, 110)
        self.table.setColumnWidth(1, 50)
        self.table.setColumnWidth(3, 170)
        self.table.setColumnWidth(4, 160)
        self.table.setAccessibleName(tr("Findings"))
        self.table.currentCellChanged.connect(lambda r, *_: self._detail(r))
        split.addWidget(self.table)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        split.addWidget(self.details)
        split.setSizes([420, 160])
        lay.addWidget(split, 1)

    def _pick(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title)
        if path:
            edit.setText(path)

    def set_case(self, case) -> None:
        self.case = case
        self.findings = []
        self._fill()
        self.run_btn.setEnabled(case is not None)

    def analyse(self) -> None:
        if self.case is None:
            return
        from analysis import findings

        self.run_btn.setEnabled(False)
        self.status.setText(tr("Analysing… (building the timeline first when needed)"))
        start_call(self, findings.run, self.case, ioc_file=self.ioc_edit.text().strip() or None,
                   yara_file=self.yara_edit.text().strip() or None, on_result=self._done,
                   on_failed=self._failed, on_done=lambda: self.run_btn.setEnabled(self.case is not None))

    def _done(self, found) -> None:
        self.findings = list(found)
        self._fill()
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        self.status.setText(tr("%1 finding(s):").replace("%1", str(len(self.findings))) + " " +
                            ", ".join(f"{sev_text(s)} {n}" for s, n in sorted(counts.items(), key=lambda kv: -_rank(kv[0]))))
        self.window.refresh_steps()

    def _failed(self, message: str) -> None:
        self.status.setText(tr("The analysis could not run:") + " " + message)

    def _fill(self) -> None:
        floor = _rank(self.sev_combo.currentData() or "info")
        shown = sorted((f for f in self.findings if _rank(f.severity) >= floor),
                       key=lambda f: (-_rank(f.severity), f.time or ""))
        self.shown = shown
        self.table.setRowCount(len(shown))
        lang = self.window.lang
        for r, f in enumerate(shown):
            cells = [sev_text(f.severity), f.checklist_id, f.summary(lang), f.time or "",
                     ", ".join(f.evidence_ids[:6]) + (" …" if len(f.evidence_ids) > 6 else "")]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setToolTip(text)
                if c == 0:
                    it.setForeground(QBrush(QColor(SEV_COLORS.get(f.severity, "#000"))))
                self.table.setItem(r, c, it)
        self.details.clear()

    def _detail(self, row: int) -> None:
        if not (0 <= row < len(getattr(self, "shown", []))):
            self.details.clear()
            return
        f = self.shown[row]
        self.details.setPlainText("\n".join([
            f"[{sev_text(f.severity)}] {f.checklist_id} — {f.summary(self.window.lang)}",
            f"{tr('Rule')}: {f.rule}",
            f"{tr('Evidence')}: {', '.join(f.evidence_ids) or '-'}",
            json.dumps(f.details, ensure_ascii=False, indent=1, default=str)]))


def _rank(sev: str) -> int:
    return ("info", "low", "medium", "high", "critical").index(sev) if sev in ("info", "low", "medium", "high",
                                                                              "critical") else 0


class ReportsPage(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.last = None
        from reports.kinds import FORMATS, KINDS

        lay = QVBoxLayout(self)
        page_heading(lay, tr("Reports (H5, phase 4)"),
                     tr("Each report is filled from the incident record, the checklist outcomes, the evidence and the "
                        "marked timeline events, saved in the case's exports folder and recorded in the custody log "
                        "with its SHA-256. Fields still missing are listed: fill them in the intake and make it again."))
        self.kinds = QListWidget()
        self.kinds.setAccessibleName(tr("Report kind"))
        for name, (vi, en) in KINDS.items():
            it = QListWidgetItem(vi if window.lang == "vi" else en)
            it.setData(Qt.UserRole, name)
            self.kinds.addItem(it)
        self.kinds.setCurrentRow(1 if self.kinds.count() > 1 else 0)
        self.kinds.itemActivated.connect(lambda _it: self.make())
        lay.addWidget(self.kinds, 1)
        row = QHBoxLayout()
        self.fmt = QComboBox()
        self.fmt.setAccessibleName(tr("Format"))
        for f in FORMATS:
            self.fmt.addItem(f.upper(), f)
        self.make_btn = QPushButton(tr("&Make the report"))
        self.make_btn.clicked.connect(self.make)
        self.open_btn = QPushButton(tr("Open the exports &folder"))
        self.open_btn.clicked.connect(self.open_folder)
        row.addWidget(QLabel(tr("Format:")))
        row.addWidget(self.fmt)
        row.addWidget(self.make_btn)
        row.addWidget(self.open_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setAccessibleName(tr("Result"))
        lay.addWidget(self.result, 1)

    def set_case(self, case) -> None:
        self.case = case
        self.make_btn.setEnabled(case is not None)
        self.open_btn.setEnabled(case is not None)
        self.result.clear()

    def make(self) -> None:
        if self.case is None or self.kinds.currentItem() is None:
            return
        from reports.render import render_report

        kind = self.kinds.currentItem().data(Qt.UserRole)
        fmt = self.fmt.currentData()
        self.make_btn.setEnabled(False)
        self.result.setPlainText(tr("Making the report…"))
        start_call(self, render_report, self.case, kind, fmt, None, lang=self.window.lang, on_result=self._made,
                   on_failed=lambda m: self.result.setPlainText(tr("The report could not be made:") + "\n" + m),
                   on_done=lambda: self.make_btn.setEnabled(self.case is not None))

    def _made(self, res) -> None:
        self.last = res
        sep = "." if self.window.lang == "vi" else ","
        lines = [tr("Saved:") + f" {res.path}", f"SHA-256: {res.sha256}", f"{res.size:,} bytes".replace(",", sep)]
        if res.missing:
            lines.append("")
            lines.append(tr("Still missing (%1 mandatory fields):").replace("%1", str(len(res.missing))))
            lines += [f"  • {m}" for m in res.missing]
        self.result.setPlainText("\n".join(lines))
        self.window.refresh_steps()

    def open_folder(self) -> None:
        if self.case is not None:
            folder = self.case.path / "exports"
            folder.mkdir(exist_ok=True)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def make_findings_page(window):
    try:
        import analysis.findings  # noqa: F401
    except Exception:
        from .pages import findings_page

        return findings_page()
    return FindingsPage(window)


def make_reports_page(window):
    try:
        import reports.kinds  # noqa: F401
        import reports.render  # noqa: F401
    except Exception:
        from .pages import reports_page

        return reports_page()
    return ReportsPage(window)
