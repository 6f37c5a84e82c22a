"""Findings (C3-C6, H2) and Reports (H5, Mẫu 03 / Mẫu 04 and the other response reports) pages.

The findings run in a child process (`desktop.childproc`: `analysis.findings.iter_run_case`, its stages
and progress shown, Stop keeps what was matched so far) so the detection never holds the window's
interpreter; a report renders on a worker thread (`reports.render.render_report`).
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

from analysis.findings import OTHER
from analysis.findings import TACTICS as CORE_TACTICS

from .common import page_heading
from .i18n import tr
from .worker import start_call, start_generator

SEV_COLORS = {"critical": "#7f0000", "high": "#b3261e", "medium": "#a86500", "low": "#1a5fb4", "info": "#5f6368"}


# ATT&CK tactics in attack order, named as the findings report names them: (tag, Vietnamese, English).
TACTICS = tuple((t[0], t[3], t[2]) for t in CORE_TACTICS)
TACTIC_ORDER = {t[0]: i for i, t in enumerate(TACTICS)}


def tactic_of(finding) -> str | None:
    """The finding's first tactic in attack order (`Finding.tactic`), or None when it has none."""
    tactic = finding.tactic
    return None if tactic == OTHER[0] else tactic


def tactic_text(tactic: str | None, lang: str) -> str:
    if tactic is None:
        return tr("(no ATT&CK tactic)")
    vi, en = next((t[1], t[2]) for t in TACTICS if t[0] == tactic)
    return vi if lang == "vi" else en


HOST_COL = 6  # the Findings table's Host column (an incident case), shown after Severity


def finding_hosts(finding) -> list[str]:
    """The hosts of an incident case a finding comes from: the host part of its evidence ids."""
    from analysis.hosts import host_of

    ids = list(getattr(finding, "evidence_ids", None) or [])
    ids += [e.get("evidence_id", "") for e in getattr(finding, "events", None) or [] if isinstance(e, dict)]
    return sorted({host_of(i) for i in ids} - {""})


def grouped(n: int, lang: str) -> str:
    """12345 -> "12.345" in Vietnamese, "12,345" in English."""
    text = f"{int(n):,}"
    return text.replace(",", ".") if lang == "vi" else text


def sev_text(sev: str) -> str:
    return {"info": tr("info"), "low": tr("low"), "medium": tr("medium"), "high": tr("high"),
            "critical": tr("critical")}.get(sev, sev)


class FindingsPage(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.findings: list = []
        self._worker = None   # the running analysis (a GeneratorWorker over desktop.childproc), if any
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
        self.rules_edit = QLineEdit()
        self.rules_edit.setPlaceholderText(tr("the team's Sigma rules folder, optional"))
        self.rules_edit.setAccessibleName(tr("Sigma rules folder"))
        rules_btn = QPushButton(tr("Sigma rules…"))
        rules_btn.clicked.connect(self._pick_rules)
        self.sev_combo = QComboBox()
        self.sev_combo.setAccessibleName(tr("Minimum severity"))
        for s in ("info", "low", "medium", "high", "critical"):
            self.sev_combo.addItem(tr("from") + " " + sev_text(s), s)
        self.sev_combo.currentIndexChanged.connect(self._fill)
        for w in (self.run_btn, self.ioc_edit, ioc_btn, self.yara_edit, yara_btn, self.rules_edit, rules_btn,
                  self.sev_combo):
            row.addWidget(w)
        row.setStretch(1, 1)
        row.setStretch(3, 1)
        row.setStretch(5, 1)
        lay.addLayout(row)
        self.status = QLabel(self._prompt())
        self.status.setWordWrap(True)
        self.stop_btn = QPushButton(tr("&Stop the analysis"))
        self.stop_btn.setToolTip(tr("Stops between batches of events: the findings matched so far are shown."))
        self.stop_btn.clicked.connect(self.stop)
        self.stop_btn.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.stop_btn, 0, Qt.AlignTop)
        lay.addLayout(status_row)
        self.counts = QLabel()     # what the rule files checked and matched, after a run
        self.counts.setWordWrap(True)
        self.counts.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.counts.setAccessibleName(tr("Rules and indicators checked"))
        self.counts.hide()
        lay.addWidget(self.counts)
        split = QSplitter(Qt.Vertical)
        self.origin = QLabel()
        self.origin.setWordWrap(True)
        self.origin.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.origin.setAccessibleName(tr("Origin of the attack (C6)"))
        lay.addWidget(self.origin)
        self.table = QTableWidget(0, 7)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels([tr("ATT&CK tactic"), tr("Severity"), tr("Item"), tr("Finding"),
                                              tr("Time (UTC)"), tr("Evidence"), tr("Host")])
        self.table.horizontalHeader().moveSection(HOST_COL, 2)
        self.table.setColumnHidden(HOST_COL, True)  # shown for an incident case (findings carry their host)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(1, 90)
        self.table.setColumnWidth(2, 50)
        self.table.setColumnWidth(4, 170)
        self.table.setColumnWidth(5, 140)
        self.table.setColumnWidth(HOST_COL, 130)
        self.table.setAccessibleName(tr("Findings"))
        self.table.currentCellChanged.connect(lambda r, *_: self._detail(r))
        split.addWidget(self.table)
        low = QWidget()
        lv = QVBoxLayout(low)
        lv.setContentsMargins(0, 0, 0, 0)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(tr("Finding details"))
        lv.addWidget(self.details, 1)
        self.jump_btn = QPushButton(tr("Show the matched events in the &timeline"))
        self.jump_btn.setEnabled(False)
        self.jump_btn.clicked.connect(self.jump)
        lv.addWidget(self.jump_btn, 0, Qt.AlignLeft)
        split.addWidget(low)
        split.setSizes([420, 160])
        lay.addWidget(split, 1)

    def _pick(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title)
        if path:
            edit.setText(path)

    def _pick_rules(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("The team's Sigma rules folder"))
        if path:
            self.rules_edit.setText(path)

    @staticmethod
    def _prompt() -> str:
        return tr("Press “Analyse the evidence” after collecting (the timeline is built first when needed).")

    def working(self) -> bool:
        return self._worker is not None

    def cancel_all(self) -> None:
        """Stop a running analysis (closing the window, another case): the child process ends at its next check."""
        if self._worker is not None:
            self._worker.cancel()

    def set_case(self, case) -> None:
        if case is not self.case and self._worker is not None:
            self._worker.cancel()   # it ends in the background; its findings (another case's) are not shown
            self._worker = None
            self.stop_btn.hide()
            self.status.setText(self._prompt())
        self.case = case
        self.findings = []
        self._ran = False
        self.counts.clear()
        self.counts.hide()
        self._fill()
        self.run_btn.setEnabled(case is not None)

    def keep_state(self) -> dict:
        return {"findings": list(self.findings), "ioc": self.ioc_edit.text(), "yara": self.yara_edit.text(),
                "rules": self.rules_edit.text(), "report": getattr(self, "report", None),
                "floor": self.sev_combo.currentIndex(), "ran": bool(self.findings) or self._ran}

    def restore_state(self, state: dict) -> None:
        self.ioc_edit.setText(state.get("ioc", ""))
        self.yara_edit.setText(state.get("yara", ""))
        self.rules_edit.setText(state.get("rules", ""))
        self.sev_combo.setCurrentIndex(state.get("floor", 0))
        if state.get("report") is not None:
            self._report(state["report"])
        elif state.get("ran"):
            self._done(state.get("findings") or [])

    def analyse(self) -> None:
        if self.case is None:
            return
        from analysis import findings
        from desktop.childproc import iter_in_child

        self.run_btn.setEnabled(False)
        self.status.setText(tr("Analysing… (building the timeline first when needed)"))
        self.stop_btn.setEnabled(True)
        self.stop_btn.show()
        rules = self.rules_edit.text().strip()
        case = self.case
        worker = None

        def done() -> None:   # runs after the assignment below (a queued signal)
            if self._worker is worker:
                self._worker = None
                self.stop_btn.hide()
            self.run_btn.setEnabled(self.case is not None and self._worker is None)

        worker = self._worker = start_generator(
            self, iter_in_child, f"{findings.__name__}:iter_run_case", str(case.path), case.examiner,
            ioc_file=self.ioc_edit.text().strip() or None, yara_file=self.yara_edit.text().strip() or None,
            rules_dirs=[rules] if rules else [],
            on_progress=lambda item: self._progress(item) if self.case is case else None, on_result=lambda rep: self._report(rep) if self.case is case else None,
            on_failed=lambda m: self._failed(m) if self.case is case else None,
            on_cancelled=lambda m: self._stopped_early() if self.case is case else None, on_done=done)

    def stop(self) -> None:
        if self._worker is not None:
            self.cancel_all()
            self.stop_btn.setEnabled(False)
            self.status.setText(tr("Stopping… the findings matched so far will be shown."))

    def _stopped_early(self) -> None:
        """Stopped while the timeline was being built: nothing was analysed."""
        self.status.setText(tr("Stopped while the timeline was being built: nothing was analysed (the timeline built "
                               "before, if any, is kept)."))

    def _progress(self, item) -> None:
        """A stage of the run (`analysis.findings.Stage`) or the rules' progress over the events."""
        if not self.stop_btn.isEnabled():
            return  # stopping: keep saying so
        name = getattr(item, "name", None)
        if name is not None:
            self.status.setText({
                "timeline": tr("Analysing: building the timeline from the evidence…"),
                "rules": tr("Analysing: loading the Sigma rules…"),
                "detect": tr("Analysing: the Sigma rules over the timeline…"),
                "checks": tr("Analysing: the case checks…"),
                "indicators": tr("Analysing: the indicator list and YARA rules…"),
            }.get(name, tr("Analysing…")))
        elif hasattr(item, "done"):
            lang = getattr(self.window, "lang", "vi")
            done, matches = grouped(item.done, lang), grouped(item.matches, lang)
            text = tr("Analysing: the Sigma rules over the timeline, %1 events checked, %2 matches.") \
                .replace("%1", done).replace("%2", matches)
            if item.total:
                text = tr("Analysing: the Sigma rules over the timeline, %1 of %2 events checked, %3 matches.") \
                    .replace("%1", done).replace("%2", grouped(item.total, lang)).replace("%3", matches)
            self.status.setText(text)

    def _report(self, report) -> None:
        """The findings, and what the rules, indicators and YARA rules checked and matched."""
        self.report = report
        self._done(report.findings)
        if (report.detection or {}).get("cancelled"):
            self.status.setText(tr("Stopped before the end: the findings matched so far.") + " " + self.status.text())
        r, ind = report.rules, report.indicators
        lines = [tr("Sigma rules: %1 loaded (%2 from the team's folder), %3 could not be read, %4 matched.")
                 .replace("%1", str(r.get("rules", 0) + r.get("correlations", 0))).replace("%2", str(r.get("custom", 0)))
                 .replace("%3", str(r.get("failed", 0))).replace("%4", str(r.get("matched", 0)))]
        errors = r.get("errors") or []
        if errors:
            from collectors.messages import translate

            lang = getattr(self.window, "lang", "vi")
            lines.append(tr("Rule files that could not be read:") + " " + "; ".join(
                (f"{e['path']}:{e['line']}" if e.get("line") else e["path"]) + f" ({translate(e['message'], lang)})"
                for e in errors[:10])
                + (" …" if len(errors) > 10 else ""))
        if "ioc" in ind:
            lines.append(tr("IOC: %1 indicators checked, %2 matched.")
                         .replace("%1", str(ind["ioc"]["indicators"])).replace("%2", str(ind["ioc"]["matched"])))
        if "yara" in ind:
            y = ind["yara"]
            lines.append(tr("YARA: %1 rules over %2 files, %3 files matched.")
                         .replace("%1", str(y["rules"])).replace("%2", str(y["files"])).replace("%3", str(y["matched"])))
        self.counts.setText("\n".join(lines))
        self.counts.show()

    def _done(self, found) -> None:
        self._ran = True
        self.findings = list(found)
        self._fill()
        page = getattr(self.window, "timeline_page", None)
        if page is not None and hasattr(page, "set_findings"):
            page.set_findings(self.findings)
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
        # grouped by ATT&CK tactic in attack order (untagged last), the most severe first in each group
        shown = sorted((f for f in self.findings if _rank(f.severity) >= floor),
                       key=lambda f: (TACTIC_ORDER.get(tactic_of(f), len(TACTICS)), -_rank(f.severity), f.time or ""))
        self.shown = shown
        self.table.setRowCount(len(shown))
        self.table.setColumnHidden(HOST_COL, not any(finding_hosts(f) for f in self.findings))
        lang = self.window.lang
        prev = object()
        for r, f in enumerate(shown):
            tac = tactic_of(f)
            cells = [tactic_text(tac, lang) if tac != prev else "", sev_text(f.severity), f.checklist_id,
                     (f.title_vi if lang == "vi" else f.title_en) or f.summary(lang), f.time or "",
                     ", ".join(f.evidence_ids[:6]) + (" …" if len(f.evidence_ids) > 6 else ""),
                     ", ".join(finding_hosts(f))]
            prev = tac
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setToolTip(f.summary(lang) if c == 3 else text)
                if c == 0:
                    f0 = it.font()
                    f0.setBold(True)
                    it.setFont(f0)
                if c == 1:
                    it.setForeground(QBrush(QColor(SEV_COLORS.get(f.severity, "#000"))))
                self.table.setItem(r, c, it)
        origin = [f for f in self.findings if f.checklist_id == "C6"]
        self.origin.setVisible(bool(origin))
        self.origin.setText(tr("Origin of the attack (C6):") + "\n" + "\n".join(
            "• " + f.summary(lang) for f in sorted(origin, key=lambda f: -_rank(f.severity))[:5]))
        self.details.clear()
        self.jump_btn.setEnabled(False)

    def _detail(self, row: int) -> None:
        if not (0 <= row < len(getattr(self, "shown", []))):
            self.details.clear()
            return
        f = self.shown[row]
        lang = self.window.lang
        lines = [f"[{sev_text(f.severity)}] {f.checklist_id} — {f.summary(lang)}"]
        title = f.title_vi if lang == "vi" and f.title_vi else f.title_en
        if title:
            lines.append(f"{tr('Rule')}: {title} ({f.rule}) — {tr('level')} {sev_text(f.severity)}")
        else:
            lines.append(f"{tr('Rule')}: {f.rule}")
        if f.tags:
            lines.append(f"ATT&CK: {tactic_text(tactic_of(f), lang)} · {', '.join(f.tags)}")
        if f.explanation_vi and lang == "vi":
            lines += ["", f.explanation_vi, ""]
        if f.author:
            lines.append(f"{tr('Author')}: {f.author}")
        lines += [f"{tr('Reference')}: {ref}" for ref in f.references]
        lines.append(f"{tr('Evidence')}: {', '.join(f.evidence_ids) or '-'}")
        if finding_hosts(f):
            lines.append(f"{tr('Host')}: {', '.join(finding_hosts(f))}")
        if f.events:
            lines.append(tr("%1 matched timeline events").replace("%1", str(len(f.events))))
        lines.append(json.dumps(f.details, ensure_ascii=False, indent=1, default=str))
        self.details.setPlainText("\n".join(lines))
        self.jump_btn.setEnabled(bool(f.events) or bool(f.time))

    def jump(self) -> None:
        """The timeline narrowed to the finding's matched events (or its time)."""
        row = self.table.currentRow()
        if not (0 <= row < len(self.shown)):
            return
        f = self.shown[row]
        self.window.show_page("timeline")
        self.window.timeline_page.show_events(f.events, f.time)


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
        self.bundle_btn = QPushButton(tr("Evidence &bundle…"))
        self.bundle_btn.setToolTip(tr("Build a signed, optionally encrypted bundle for leadership, or verify one "
                                      "received from elsewhere"))
        self.bundle_btn.clicked.connect(self.open_bundle)
        row.addWidget(self.make_btn)
        row.addWidget(self.open_btn)
        row.addWidget(self.bundle_btn)
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
        self.bundle_btn.setEnabled(case is not None)
        self.result.clear()

    def keep_state(self) -> dict:
        return {"last": self.last, "kind": self.kinds.currentRow(), "fmt": self.fmt.currentIndex()}

    def restore_state(self, state: dict) -> None:
        self.kinds.setCurrentRow(state.get("kind", 1))
        self.fmt.setCurrentIndex(state.get("fmt", 0))
        if state.get("last") is not None:
            self._made(state["last"])

    def open_bundle(self):
        """The bundle dialog (non-modal; returned so tests drive it)."""
        if self.case is None:
            return None
        from .bundle import BundleDialog

        dlg = BundleDialog(self.window, self.case)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.show()
        self.bundle_dialog = dlg
        return dlg

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
        from .models import human_size

        lines = [tr("Saved:") + f" {res.path}", f"SHA-256: {res.sha256}", human_size(res.size, self.window.lang)]
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
    return FindingsPage(window)


def make_reports_page(window):
    return ReportsPage(window)
