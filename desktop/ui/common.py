"""Small widgets shared by the pages."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
)

from .i18n import tr


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


def command_row(layout: QBoxLayout, copy_label: str) -> QLineEdit:
    """The "Equivalent command:" row at the end of `layout`: a read-only line (returned, for the caller to
    fill) and a button that copies it to the clipboard."""
    row = QHBoxLayout()
    line = QLineEdit()
    line.setReadOnly(True)
    line.setAccessibleName(tr("Equivalent command"))
    copy = QPushButton(copy_label)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(line.text()))
    row.addWidget(QLabel(tr("Equivalent command:")))
    row.addWidget(line, 1)
    row.addWidget(copy)
    layout.addLayout(row)
    return line
