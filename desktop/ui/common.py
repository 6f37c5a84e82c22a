"""Small widgets shared by the pages."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLayout


def page_heading(layout: QLayout, title: str, hint: str | None = None) -> QLabel | None:
    """Add a page's title and, when given, its word-wrapped explanation; returns the hint label."""
    layout.addWidget(QLabel("<h2>" + title + "</h2>"))
    if hint is None:
        return None
    label = QLabel(hint)
    label.setWordWrap(True)
    layout.addWidget(label)
    return label
