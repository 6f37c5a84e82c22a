"""Smaller pages: the deadline banner, phase 3 (remediate and restore), findings and reports."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .i18n import tr

BANNER_STYLES = {
    "overdue": "background:#b3261e; color:white;",
    "due_soon": "background:#f0a500; color:black;",
    "on_time": "background:#e6f4ea; color:#0d4d22;",
    "done": "background:#e6f4ea; color:#0d4d22;",
    "pending": "background:#eceff1; color:#333;",
    "none": "background:#eceff1; color:#333;",
}


class DeadlineBanner(QFrame):
    """Time left to notify and to file the closing report under the incident's regime (on every screen)."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.setAccessibleName(tr("Legal deadlines"))
        self.lay = QHBoxLayout(self)
        self.lay.setContentsMargins(6, 2, 6, 2)
        self.labels: list[QLabel] = []
        self.states: list[str] = []

    def _clear(self):
        for lab in self.labels:
            self.lay.removeWidget(lab)
            lab.hide()
            lab.setParent(None)
            lab.deleteLater()
        self.labels = []
        self.states = []

    def _add(self, text: str, state: str) -> None:
        lab = QLabel(text)
        lab.setWordWrap(True)
        lab.setStyleSheet(BANNER_STYLES.get(state, "") + " padding:4px 8px; border-radius:3px; font-weight:bold;")
        lab.setProperty("deadline_state", state)
        self.lay.addWidget(lab, 1)
        self.labels.append(lab)
        self.states.append(state)

    def refresh(self, case, now: dt.datetime | None = None) -> None:
        self._clear()
        if case is None:
            self._add(tr("No case open: legal deadlines appear here once the incident's detection time (T0) is known."), "none")
            return
        try:
            from reports.regimes import deadlines_all, format_status
        except Exception:
            self._add(tr("Deadlines are not part of this build."), "none")
            return
        try:
            entries = deadlines_all(case, now=now, include_pending=True)   # every applicable regime
        except Exception as exc:
            self._add(tr("Deadlines cannot be computed:") + f" {exc}", "overdue")
            return
        if not any(e["anchor_time"] for e in entries):
            self._add(tr("Enter the detection time (T0) in the intake to start the legal clocks."), "none")
            return
        lang = self.window.lang
        several = len({e["regime"] for e in entries}) > 1
        for e in entries:
            prefix = f"[{e['regime_name']}] " if several and e.get("regime_name") else ""
            if e["state"] == "pending" and e["anchor"] == "response_ended":
                name = e["name"] if lang == "vi" else e["name_en"]
                self._add(prefix + name + ": " + tr("counts from the end of the response"), "pending")
                continue
            self._add(prefix + format_status(e, lang), e["state"])


class Phase3Page(QWidget):
    """Phase 3 (R1, R2): remediation steps; marks the status history (which starts the closing-report clock)."""

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<h2>" + tr("Phase 3: remediate and restore") + "</h2>"))
        text = QLabel(
            tr("R1 Remove the malware and fix the weaknesses: rebuild or replace files, patch, change passwords, "
               "review policies.") + "\n\n" +
            tr("R2 Restore systems, data and connections from CLEAN backups; harden; test the whole system.") + "\n\n" +
            tr("Before changing the system, make sure phase 2 collection is complete and verified: evidence "
               "lost during clean-up cannot be collected again."))
        text.setWordWrap(True)
        lay.addWidget(text)
        self.state = QLabel()
        self.state.setWordWrap(True)
        lay.addWidget(self.state)
        row = QHBoxLayout()
        self.eradicated_btn = QPushButton(tr("Mark R1 done: the cause was &removed"))
        self.recovered_btn = QPushButton(tr("Mark R2 done: the system is re&stored"))
        self.eradicated_btn.clicked.connect(lambda: self.mark("eradicated"))
        self.recovered_btn.clicked.connect(lambda: self.mark("recovered"))
        row.addWidget(self.eradicated_btn)
        row.addWidget(self.recovered_btn)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)

    def set_case(self, case) -> None:
        self.case = case
        self._show()

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
        self.state.setText("\n".join(lines))

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


class PlaceholderPage(QWidget):
    """A page whose feature lands with another issue: says what will come, and what to do meanwhile."""

    def __init__(self, title: str, what: str, meanwhile: str = ""):
        super().__init__()
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<h2>" + title + "</h2>"))
        body = QLabel(what + ("\n\n" + meanwhile if meanwhile else ""))
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        lay.addWidget(body)
        lay.addStretch(1)


def findings_page() -> PlaceholderPage:
    return PlaceholderPage(
        tr("Findings (C5, C6, H1–H4)"),
        tr("Coming with the findings issue: indicators of compromise found in the evidence (C5), the origin of "
           "the attack — source addresses, accounts, entry point (C6), persistence and backdoors to remove "
           "(H1, H2), a before/after comparison of two collections (H3) and recoverable deleted files (H4), "
           "each linked to its evidence id."),
        tr("Meanwhile: search the Timeline page and mark relevant events with a note; marks go into the reports."))


def reports_page() -> PlaceholderPage:
    return PlaceholderPage(
        tr("Reports (H5, phase 4)"),
        tr("Coming with the reports issue: the initial report Mẫu 03, the closing report Mẫu 04 and the four other "
           "reports kept up during the response, as PDF, DOCX and e-mail ([TBSC] subject), filled from the "
           "incident record, the checklist outcomes and the marked timeline events; and a signed evidence "
           "bundle for leadership."),
        tr("Meanwhile: the command line makes them: ungcuu report --case FOLDER --kind initial"))
