"""The activity strip on the timeline page: events per time bin over the whole case, with the findings
marked by ATT&CK tactic (one lane and one colour per tactic, legend in attack order). The data is
`analysis.strip.Strip`, computed on a worker thread; clicking a mark emits it, and the page narrows the
timeline to its findings' matched events.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QToolTip, QWidget

from .i18n import tr

BAR_H = 34
LANE_H = 9
LEGEND_H = 16
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class ActivityStrip(QWidget):
    """Paints an `analysis.strip.Strip`; ``markClicked`` carries the `Mark` under the mouse."""

    markClicked = Signal(object)

    def __init__(self, parent=None, lang: str = "vi"):
        super().__init__(parent)
        self.lang = lang
        self.strip = None
        self.tz: dt.tzinfo = dt.timezone.utc
        self.hint = ""
        self.setMouseTracking(True)
        self.setAccessibleName(tr("Activity over the whole case, findings by ATT&CK tactic"))
        self._fit()

    def set_strip(self, strip, hint: str = "") -> None:
        self.strip = strip
        self.hint = hint
        self._fit()
        self.update()

    def _fit(self) -> None:
        lanes = len(self.strip.legend) if self.strip is not None else 0
        self.setFixedHeight(BAR_H + 4 + lanes * LANE_H + LEGEND_H * self._legend_rows() + 4)

    # ------------------------------------------------------------------ geometry
    def _bin_w(self) -> float:
        return self.width() / max(1, len(self.strip.counts)) if self.strip is not None else 0.0

    def mark_rect(self, mark) -> QRectF:
        """Where a mark is drawn (also what a click hits)."""
        w = self._bin_w()
        mw = max(4.0, w * 0.8)
        x = min(max(0.0, mark.bin * w + (w - mw) / 2), self.width() - mw)
        lane = self.strip.lane_of(mark.tactic)
        return QRectF(x, BAR_H + 4 + lane * LANE_H + 1, mw, LANE_H - 2)

    def mark_at(self, x: float, y: float):
        if self.strip is None:
            return None
        for m in self.strip.marks:
            if self.mark_rect(m).adjusted(-2, -1, 2, 1).contains(x, y):
                return m
        return None

    def _legend_items(self) -> list[tuple[str, str]]:
        if self.strip is None:
            return []
        return [(e.name(self.lang) + (f" ({e.attack_id})" if e.attack_id else ""), e.color) for e in self.strip.legend]

    def _legend_rows(self) -> int:
        items = self._legend_items()
        if not items:
            return 1
        fm = self.fontMetrics()
        rows, used = 1, 0
        for text, _c in items:
            w = 14 + fm.horizontalAdvance(text) + 12
            if used and used + w > max(1, self.width()):
                rows += 1
                used = 0
            used += w
        return rows

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event):  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#ffffff"))
        if self.strip is None:
            p.setPen(QColor("#5f6368"))
            p.drawText(self.rect(), Qt.AlignCenter, self.hint or tr("No events to show"))
            return
        s = self.strip
        w = self._bin_w()
        top = max(s.counts) or 1
        p.fillRect(QRectF(0, 0, self.width(), BAR_H), QColor("#f6f8fa"))
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#7a9cc6"))
        for i, c in enumerate(s.counts):
            if c:
                bh = max(1.0, (BAR_H - 2) * c / top)
                p.drawRect(QRectF(i * w + 0.15 * w, BAR_H - bh, max(1.0, w * 0.7), bh))
        for lane in range(len(s.legend)):
            if lane % 2 == 0:
                p.fillRect(QRectF(0, BAR_H + 4 + lane * LANE_H, self.width(), LANE_H), QColor("#f3f3f3"))
        for m in s.marks:
            p.setBrush(QColor(m.color))
            p.drawRect(self.mark_rect(m))
        y = BAR_H + 4 + len(s.legend) * LANE_H + 2
        fm = p.fontMetrics()
        x = 0
        items = self._legend_items()
        if not items:
            p.setPen(QColor("#5f6368"))
            p.drawText(QRectF(0, y, self.width(), LEGEND_H), Qt.AlignLeft | Qt.AlignVCenter,
                       self.hint or tr("No findings to mark yet: run the analysis on the Findings page."))
            return
        for text, color in items:
            tw = 14 + fm.horizontalAdvance(text) + 12
            if x and x + tw > self.width():
                x = 0
                y += LEGEND_H
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(color))
            p.drawRect(QRectF(x, y + 4, 10, 10))
            p.setPen(QColor("#222222"))
            p.drawText(QRectF(x + 14, y, tw - 14, LEGEND_H), Qt.AlignLeft | Qt.AlignVCenter, text)
            x += tw

    # ------------------------------------------------------------------ mouse
    def _tip(self, mark) -> str:
        when = (EPOCH + dt.timedelta(microseconds=mark.time_us)).astimezone(self.tz).strftime("%d/%m/%Y %H:%M:%S")
        lines = [f"{when} — " + next(e.name(self.lang) for e in self.strip.legend if e.tactic == mark.tactic)]
        for f in mark.findings[:8]:
            title = (getattr(f, "title_vi", "") if self.lang == "vi" else getattr(f, "title_en", "")) \
                or getattr(f, "title_en", "") or f.summary(self.lang)
            lines.append("• " + title)
        if len(mark.findings) > 8:
            lines.append(f"… (+{len(mark.findings) - 8})")
        lines.append(tr("Click to show the matched events"))
        return "\n".join(lines)

    def mouseMoveEvent(self, event):  # noqa: N802
        m = self.mark_at(event.position().x(), event.position().y())
        self.setCursor(Qt.PointingHandCursor if m is not None else Qt.ArrowCursor)
        if m is not None:
            QToolTip.showText(event.globalPosition().toPoint(), self._tip(m), self)
        else:
            QToolTip.hideText()

    def mousePressEvent(self, event):  # noqa: N802
        m = self.mark_at(event.position().x(), event.position().y())
        if m is not None:
            self.markClicked.emit(m)
