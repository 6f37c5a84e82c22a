"""Smaller pages: the deadline banner, findings and reports (the phase 3 page is in phase3.py)."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from .i18n import tr
from .phase3 import Phase3Page  # noqa: F401  (the phase 3 page, imported from here by the window)

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
