"""Small widgets shared by the pages."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QLabel, QLayout


def page_heading(layout: QLayout, title: str, hint: str | None = None) -> QLabel | None:
    """Add a page's title and, when given, its word-wrapped explanation; returns the hint label."""
    layout.addWidget(QLabel("<h2>" + title + "</h2>"))
    if hint is None:
        return None
    label = QLabel(hint)
    label.setWordWrap(True)
    layout.addWidget(label)
    return label


class WheelGuard(QObject):
    """Drop-downs and spin boxes take the mouse wheel only when they have the keyboard focus.

    Scrolling a long form must never change a value under the pointer (a system level or a channel
    silently changed would reach the signed report). The wheel then scrolls the page instead, and a
    click or Tab gives the control its focus (StrongFocus: the wheel alone never focuses it).
    """

    GUARDED = (QComboBox, QAbstractSpinBox)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt override
        if event.type() == QEvent.Wheel and isinstance(obj, self.GUARDED) and not obj.hasFocus():
            area = obj.parent()
            while area is not None and not isinstance(area, QAbstractScrollArea):
                area = area.parent()
            if area is not None:  # the wheel scrolls the form around the control instead
                bar = area.verticalScrollBar()
                bar.setValue(bar.value() - event.angleDelta().y() * bar.singleStep() * 3 // 120)
            return True
        if event.type() == QEvent.Polish and isinstance(obj, self.GUARDED):
            obj.setFocusPolicy(Qt.StrongFocus)
        return False


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install one WheelGuard on the application (idempotent)."""
    guard = getattr(app, "_ungcuu_wheel_guard", None)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
        app._ungcuu_wheel_guard = guard
    return guard
