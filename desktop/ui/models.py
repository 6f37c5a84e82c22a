"""Qt item models over the core: the checklist with its live state, and the evidence index."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from .i18n import tr

STATE_COLORS = {
    "collected": "#1b7f3b", "collected-earlier": "#1b7f3b", "partial": "#a86500", "skipped": "#5f6368",
    "failed": "#b3261e", "interrupted": "#a86500", "running": "#1a5fb4", "unavailable": "#5f6368",
}


def state_text(state: str) -> str:
    return {
        "pending": tr("not collected"),
        "running": tr("collecting…"),
        "collected": tr("collected"),
        "collected-earlier": tr("collected by an earlier run"),
        "partial": tr("partial"),
        "skipped": tr("skipped"),
        "failed": tr("failed"),
        "interrupted": tr("interrupted (start again to resume)"),
        "unavailable": tr("not available in this build"),
    }.get(state, state)


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(n)


class ChecklistModel(QAbstractTableModel):
    """The section 2.1 checklist: a check box per item, its badges, live state, count and reason."""

    COL_ID, COL_ITEM, COL_BADGES, COL_STATE, COL_COUNT, COL_DETAIL = range(6)

    def __init__(self, items, lang: str = "vi", unavailable: dict[str, str] | None = None, parent=None):
        super().__init__(parent)
        self.items = list(items)
        self.lang = lang
        self.unavailable = dict(unavailable or {})
        self.checked = {i.id: False for i in self.items}
        self.state = {i.id: "unavailable" if i.id in self.unavailable else "pending" for i in self.items}
        self.count = {i.id: 0 for i in self.items}
        self.detail = {i.id: self.unavailable.get(i.id, "") for i in self.items}
        self.row_of = {i.id: n for n, i in enumerate(self.items)}

    # -- Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else 6

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return [tr("Item"), tr("What is collected"), tr("Notes"), tr("State"), tr("Evidence"),
                    tr("Progress / reason")][section]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.NoItemFlags
        f = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        item = self.items[index.row()]
        if index.column() == self.COL_ID and item.id not in self.unavailable:
            f |= Qt.ItemIsUserCheckable
        if item.id in self.unavailable:
            f &= ~Qt.ItemIsEnabled
            f |= Qt.ItemIsSelectable
        return f

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        col = index.column()
        if role == Qt.CheckStateRole and col == self.COL_ID:
            return Qt.Checked if self.checked[item.id] else Qt.Unchecked
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            if col == self.COL_ID:
                return item.id
            if col == self.COL_ITEM:
                return item.label(self.lang)
            if col == self.COL_BADGES:
                return self.badges(item)
            if col == self.COL_STATE:
                return state_text(self.state[item.id])
            if col == self.COL_COUNT:
                return str(self.count[item.id])
            if col == self.COL_DETAIL:
                return self.detail[item.id]
        if role == Qt.ForegroundRole and col == self.COL_STATE:
            c = STATE_COLORS.get(self.state[item.id])
            return QBrush(QColor(c)) if c else None
        if role == Qt.AccessibleTextRole:
            return f"{item.id} {item.label(self.lang)}: {state_text(self.state[item.id])}"
        return None

    def setData(self, index, value, role=Qt.EditRole):  # noqa: N802
        if not index.isValid() or role != Qt.CheckStateRole or index.column() != self.COL_ID:
            return False
        item = self.items[index.row()]
        if item.id in self.unavailable:
            return False
        self.checked[item.id] = Qt.CheckState(value) == Qt.Checked if not isinstance(value, bool) else value
        self.dataChanged.emit(index, index, [Qt.CheckStateRole])
        return True

    # -- helpers
    def badges(self, item) -> str:
        out = []
        if item.needs_admin:
            out.append(tr("needs admin"))
        if item.changes_system:
            out.append(tr("changes the system"))
        return ", ".join(out)

    def selected(self) -> list[str]:
        return [i.id for i in self.items if self.checked[i.id] and i.id not in self.unavailable]

    def set_checked(self, ids) -> None:
        ids = set(ids)
        for i in self.items:
            self.checked[i.id] = i.id in ids and i.id not in self.unavailable
        if self.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, 0), [Qt.CheckStateRole])

    def update(self, cid: str, *, state: str | None = None, count: int | None = None, detail: str | None = None,
               add: int = 0) -> None:
        if cid not in self.row_of:
            return
        if state is not None:
            self.state[cid] = state
        if count is not None:
            self.count[cid] = count
        if add:
            self.count[cid] += add
        if detail is not None:
            self.detail[cid] = detail
        row = self.row_of[cid]
        self.dataChanged.emit(self.index(row, self.COL_STATE), self.index(row, self.COL_DETAIL))

    def load_outcomes(self, outcomes: dict[str, dict]) -> None:
        for cid, o in outcomes.items():
            if cid in self.row_of and cid not in self.unavailable:
                self.state[cid] = o.get("state") or "pending"
                self.count[cid] = int(o.get("evidence_count") or 0)
                self.detail[cid] = o.get("reason") or ""
        if self.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, self.COL_DETAIL))


class EvidenceModel(QAbstractTableModel):
    """The case's evidence index (append-only while a run goes on), with a verification column."""

    HEADERS = ("ID", "Item", "Name", "Source", "Size", "SHA-256", "Collected at (UTC)", "Verification")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.records: list = []
        self.ids: set[str] = set()
        self.verify: dict[str, str] = {}

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return tr(self.HEADERS[section]) if self.HEADERS[section] not in ("ID", "SHA-256") else self.HEADERS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self.records[index.row()]
        col = index.column()
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            if col == 0:
                return r.id
            if col == 1:
                return r.checklist_id
            if col == 2:
                return r.name
            if col == 3:
                return r.source
            if col == 4:
                return human_size(r.size) if role == Qt.DisplayRole else f"{r.size} bytes"
            if col == 5:
                return r.sha256
            if col == 6:
                return r.collected_at
            if col == 7:
                v = self.verify.get(r.id, "")
                if not v and r.incomplete and role == Qt.DisplayRole:
                    return tr("incomplete:") + " " + "; ".join(r.incomplete)
                return v
        if role == Qt.ForegroundRole and col == 7:
            v = self.verify.get(r.id)
            if v:
                return QBrush(QColor("#1b7f3b" if v == tr("intact") else "#b3261e"))
        if role == Qt.UserRole:
            return r
        return None

    def set_records(self, records) -> None:
        self.beginResetModel()
        self.records = list(records)
        self.ids = {r.id for r in self.records}
        self.verify = {}
        self.endResetModel()

    def append(self, records) -> int:
        new = [r for r in records if r.id not in self.ids]
        seen = set()
        new = [r for r in new if not (r.id in seen or seen.add(r.id))]
        if not new:
            return 0
        first = len(self.records)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self.records.extend(new)
        self.ids.update(r.id for r in new)
        self.endInsertRows()
        return len(new)

    def set_verification(self, results: dict[str, str]) -> None:
        self.verify = dict(results)
        if self.records:
            self.dataChanged.emit(self.index(0, 7), self.index(len(self.records) - 1, 7))

    def record(self, row: int):
        return self.records[row]
