"""A table editor for the incident record's lists: records (actions taken, status history, recipients)
and lists of sentences (plan steps, options for direction, next steps, attached documents).

Rows are added, edited in place (double-click, F2 or typing), moved and removed with the buttons; the
value is the list the record stores (`reports.incident` validates it when the intake page saves). A list
of sentences keeps one item a row, so an item may hold commas. Times are shown as dd/mm/yyyy hh:mm in
the incident's zone; a time left as shown keeps its stored value (seconds and offset included).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .i18n import tr

ORIGINAL = Qt.UserRole + 1  # the stored value behind a cell's text


@dataclass
class Column:
    key: str                  # the record's key ("" for a list of sentences)
    label: str
    type: str = "str"         # str, text, datetime, choice
    choices: dict = field(default_factory=dict)  # value -> label (choice)
    stretch: bool = False


class RecordTable(QWidget):
    """Edits a list of records (``columns`` with keys) or of strings (one column with key "")."""

    changed = Signal()

    def __init__(self, columns: list[Column], *, name: str = "", hint: str = "",
                 show_time: Callable[[Any], str] | None = None, new_row: Callable[[], dict] | None = None,
                 parent=None):
        super().__init__(parent)
        self.columns = columns
        self.scalar = len(columns) == 1 and columns[0].key == ""
        self.show_time = show_time or (lambda v: "" if v is None else str(v))
        self.new_row = new_row or dict
        self._loading = False
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels([c.label for c in columns])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        head = self.table.horizontalHeader()
        for i, c in enumerate(columns):
            mode = QHeaderView.Stretch if (c.stretch or len(columns) == 1) else QHeaderView.ResizeToContents
            head.setSectionResizeMode(i, mode)
        self.table.setAccessibleName(name)
        self.table.setMinimumHeight(110)
        self.table.itemChanged.connect(self._item_changed)
        v.addWidget(self.table)
        row = QHBoxLayout()
        self.add_btn = QPushButton(tr("Add a row"))
        self.remove_btn = QPushButton(tr("Remove the row"))
        self.up_btn = QPushButton("↑")
        self.down_btn = QPushButton("↓")
        self.up_btn.setToolTip(tr("Move the row up"))
        self.down_btn.setToolTip(tr("Move the row down"))
        self.up_btn.setAccessibleName(tr("Move the row up"))
        self.down_btn.setAccessibleName(tr("Move the row down"))
        self.add_btn.clicked.connect(self.add_row)
        self.remove_btn.clicked.connect(self.remove_row)
        self.up_btn.clicked.connect(lambda: self.move_row(-1))
        self.down_btn.clicked.connect(lambda: self.move_row(1))
        for b in (self.add_btn, self.remove_btn, self.up_btn, self.down_btn):
            row.addWidget(b)
        row.addStretch(1)
        if hint:
            self.hint = QLabel(hint)
            self.hint.setWordWrap(True)
            self.hint.setStyleSheet("color: #5f6368")
            v.addLayout(row)
            v.addWidget(self.hint)
        else:
            v.addLayout(row)
        self.table.currentCellChanged.connect(lambda *_: self._buttons())
        self._buttons()

    # ------------------------------------------------------------------ rows
    def _buttons(self) -> None:
        r = self.table.currentRow()
        self.remove_btn.setEnabled(r >= 0)
        self.up_btn.setEnabled(r > 0)
        self.down_btn.setEnabled(0 <= r < self.table.rowCount() - 1)

    def _set_row(self, r: int, rec: Any) -> None:
        for c, col in enumerate(self.columns):
            value = rec if self.scalar else (rec.get(col.key) if isinstance(rec, dict) else None)
            if col.type == "choice":
                box = QComboBox()
                box.addItem("—", None)
                for k, label in col.choices.items():
                    box.addItem(label, k)
                box.setCurrentIndex(max(0, box.findData(value)))
                box.setAccessibleName(col.label)
                box.currentIndexChanged.connect(lambda *_: self._item_changed(None))
                self.table.setCellWidget(r, c, box)
                continue
            text = self.show_time(value) if (col.type == "datetime" and value) else ("" if value is None else str(value))
            item = QTableWidgetItem(text)
            item.setData(ORIGINAL, (text, value))
            self.table.setItem(r, c, item)

    def set_value(self, value: Any) -> None:
        self._loading = True
        self.table.setRowCount(0)
        for rec in value if isinstance(value, list) else []:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self._set_row(r, rec)
        self.table.resizeRowsToContents()
        self._loading = False
        self._buttons()

    def _cell(self, r: int, c: int) -> Any:
        col = self.columns[c]
        if col.type == "choice":
            box = self.table.cellWidget(r, c)
            return box.currentData() if box is not None else None
        item = self.table.item(r, c)
        if item is None:
            return None
        text = item.text().strip()
        orig = item.data(ORIGINAL)
        if orig is not None and text == orig[0]:
            return orig[1]          # untouched: the stored value as it was
        return text or None

    def value(self) -> list | None:
        """The list the record stores (rows left empty are dropped); None when empty."""
        out: list = []
        for r in range(self.table.rowCount()):
            if self.scalar:
                v = self._cell(r, 0)
                if v not in (None, ""):
                    out.append(v)
                continue
            rec = {}
            for c, col in enumerate(self.columns):
                v = self._cell(r, c)
                if v not in (None, ""):
                    rec[col.key] = v
            if rec:
                out.append(rec)
        return out or None

    def add_row(self) -> int:
        """A new row (with the defaults ``new_row`` gives), its first empty cell ready for typing."""
        r = self.table.rowCount()
        self._loading = True
        self.table.insertRow(r)
        self._set_row(r, "" if self.scalar else self.new_row())
        self._loading = False
        first = next((c for c, col in enumerate(self.columns)
                      if col.type != "choice" and not (self.table.item(r, c) and self.table.item(r, c).text())), 0)
        self.table.setCurrentCell(r, first)
        self.table.setFocus()
        self._buttons()
        self.changed.emit()
        return r

    def remove_row(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        self.table.removeRow(r)
        self._buttons()
        self.changed.emit()

    def move_row(self, delta: int) -> None:
        r = self.table.currentRow()
        to = r + delta
        if r < 0 or not (0 <= to < self.table.rowCount()):
            return
        rows = self._raw_rows()
        rows[r], rows[to] = rows[to], rows[r]
        self._loading = True
        for i in (r, to):
            self._set_raw(i, rows[i])
        self._loading = False
        self.table.setCurrentCell(to, max(0, self.table.currentColumn()))
        self.changed.emit()

    def _raw_rows(self) -> list[list]:
        """Each row as (text, original) per text cell and the chosen value per choice cell."""
        out = []
        for r in range(self.table.rowCount()):
            cells = []
            for c, col in enumerate(self.columns):
                if col.type == "choice":
                    cells.append(("choice", self._cell(r, c)))
                else:
                    item = self.table.item(r, c)
                    cells.append(("text", (item.text() if item else "", item.data(ORIGINAL) if item else None)))
            out.append(cells)
        return out

    def _set_raw(self, r: int, cells: list) -> None:
        for c, (kind, data) in enumerate(cells):
            if kind == "choice":
                box = self.table.cellWidget(r, c)
                box.setCurrentIndex(max(0, box.findData(data)))
            else:
                item = QTableWidgetItem(data[0])
                item.setData(ORIGINAL, data[1])
                self.table.setItem(r, c, item)

    def _item_changed(self, _item) -> None:
        if not self._loading:
            self.table.resizeRowsToContents()
            self.changed.emit()
