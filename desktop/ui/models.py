"""Qt item models over the core: the checklist with its live state, and the evidence index."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel

from collectors.messages import translate

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


def human_size(n: int | None, lang: str = "en") -> str:
    """79770 -> "77.9 KiB" ("77,9 KiB" in Vietnamese, which writes a decimal comma)."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            text = f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            return text.replace(".", ",") if lang == "vi" else text
        size /= 1024
    return str(n)


def exact_size(n: int, lang: str = "en") -> str:
    """79770 -> "79.770 byte" / "79,770 bytes": the exact count beside the human size where it matters
    (an evidence item's size is part of its record)."""
    text = f"{int(n):,}"
    return text.replace(",", ".") + " byte" if lang == "vi" else text + " bytes"


SORT_ROLE = Qt.UserRole + 1


def shown_text(text: str | None, lang: str) -> tuple[str, str]:
    """A reason or note a collector wrote (English, as stored) -> (text in `lang`, tooltip: both when they differ)."""
    text = text or ""
    out = translate(text, lang)
    return out, (out if out == text else f"{out}\n\n{text}")


def _item(text: str, tip: str | None = None, sort=None) -> QStandardItem:
    it = QStandardItem(text)
    it.setEditable(False)
    it.setToolTip(tip if tip is not None else text)
    it.setData(text if sort is None else sort, SORT_ROLE)
    return it


def _short_time(iso: str) -> str:
    """'2026-11-24T20:46:44.556259Z' -> '2026-11-24 20:46:44Z' (the full value stays in the tooltip)."""
    if len(iso) >= 19 and iso[10] == "T":
        return iso[:10] + " " + iso[11:19] + ("Z" if iso.endswith("Z") else iso[-6:] if iso[-6] in "+-" else "")
    return iso


class ChecklistModel(QStandardItemModel):
    """The section 2.1 checklist: a check box per item, its badges, live state, count and reason.

    Backed by QStandardItemModel: the cells live in C++, so painting the table needs no Python (and no
    GIL) while the collection thread runs; a Python model's data() would wait for the GIL per cell."""

    COL_ID, COL_ITEM, COL_BADGES, COL_STATE, COL_COUNT, COL_DETAIL = range(6)

    def __init__(self, items, lang: str = "vi", unavailable: dict[str, str] | None = None, parent=None):
        super().__init__(0, 6, parent)
        self.items = list(items)
        self.lang = lang
        self.unavailable = dict(unavailable or {})
        self.state = {i.id: "unavailable" if i.id in self.unavailable else "pending" for i in self.items}
        self.count = {i.id: 0 for i in self.items}
        self.detail = {i.id: self.unavailable.get(i.id, "") for i in self.items}
        self.row_of = {i.id: n for n, i in enumerate(self.items)}
        self.setHorizontalHeaderLabels([tr("Item"), tr("What is collected"), tr("Notes"), tr("State"), tr("Evidence"),
                                        tr("Progress / reason")])
        for item in self.items:
            first = _item(item.id, f"{item.id} {item.label(lang)}")
            first.setCheckable(item.id not in self.unavailable)
            first.setCheckState(Qt.Unchecked)
            row = [first, _item(item.label(lang)), _item(self.badges(item)), _item(""), _item("0", sort=0), _item("")]
            if item.id in self.unavailable:
                for it in row:
                    it.setEnabled(False)
            self.appendRow(row)
            self._show(item.id)

    @property
    def checked(self) -> dict[str, bool]:
        return {i.id: self.item(n, 0).checkState() == Qt.Checked for n, i in enumerate(self.items)}

    def badges(self, item) -> str:
        out = []
        if item.needs_admin:
            out.append(tr("needs admin"))
        if item.changes_system:
            out.append(tr("changes the system"))
        return ", ".join(out)

    def selected(self) -> list[str]:
        return [i.id for n, i in enumerate(self.items)
                if i.id not in self.unavailable and self.item(n, 0).checkState() == Qt.Checked]

    def set_checked(self, ids) -> None:
        ids = set(ids)
        for n, i in enumerate(self.items):
            if i.id not in self.unavailable:
                self.item(n, 0).setCheckState(Qt.Checked if i.id in ids else Qt.Unchecked)

    def _show(self, cid: str) -> None:
        row = self.row_of[cid]
        st = self.state[cid]
        s_item = self.item(row, self.COL_STATE)
        text = state_text(st)
        if s_item.text() != text:
            s_item.setText(text)
            s_item.setToolTip(text)
            s_item.setData(text, SORT_ROLE)
            c = STATE_COLORS.get(st)
            s_item.setForeground(QBrush(QColor(c)) if c else QBrush())
            self.item(row, 0).setData(f"{cid} {self.items[row].label(self.lang)}: {text}", Qt.AccessibleTextRole)
        n_item = self.item(row, self.COL_COUNT)
        if n_item.text() != str(self.count[cid]):
            n_item.setText(str(self.count[cid]))
            n_item.setData(self.count[cid], SORT_ROLE)
        d_item = self.item(row, self.COL_DETAIL)
        text, tip = shown_text(self.detail[cid], self.lang)
        if d_item.text() != text:
            d_item.setText(text)
            d_item.setToolTip(tip)

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
        self._show(cid)

    def load_outcomes(self, outcomes: dict[str, dict]) -> None:
        for cid, o in outcomes.items():
            if cid in self.row_of and cid not in self.unavailable:
                self.state[cid] = o.get("state") or "pending"
                self.count[cid] = int(o.get("evidence_count") or 0)
                self.detail[cid] = o.get("reason") or ""
                self._show(cid)


class EvidenceModel(QStandardItemModel):
    """The case's evidence index (rows appended as a run stores them), with a verification column.

    C++-backed like ChecklistModel, so a table of thousands of rows repaints without Python."""

    HEADERS = ("ID", "Item", "Name", "Source", "Size", "SHA-256", "Collected at (UTC)", "Verification")

    def __init__(self, parent=None, lang: str = "vi"):
        super().__init__(0, len(self.HEADERS), parent)
        self.lang = lang
        self.records: list = []
        self.ids: set[str] = set()
        self.verify: dict[str, str] = {}
        self._headers()

    def _headers(self) -> None:
        self.setHorizontalHeaderLabels([h if h in ("ID", "SHA-256") else tr(h) for h in self.HEADERS])

    def _row(self, r) -> list[QStandardItem]:
        first = _item(r.id)
        first.setData(r, Qt.UserRole)
        size = _item(human_size(r.size, self.lang), f"{r.size:,} B", sort=r.size)
        if r.incomplete:
            text, tip = shown_text("; ".join(r.incomplete), self.lang)
            ver = _item(tr("incomplete:") + " " + text, tip)
        else:
            ver = _item("")
        return [first, _item(r.checklist_id), _item(r.name), _item(r.source), size, _item(r.sha256),
                _item(_short_time(r.collected_at), r.collected_at, sort=r.collected_at), ver]

    def set_records(self, records) -> None:
        self.removeRows(0, self.rowCount())
        self.records = []
        self.ids = set()
        self.verify = {}
        self.append(records)

    def append(self, records) -> int:
        new = []
        for r in records:
            if r.id not in self.ids:
                self.ids.add(r.id)
                new.append(r)
        for r in new:
            self.appendRow(self._row(r))
        self.records.extend(new)
        return len(new)

    def set_verification(self, results: dict[str, str]) -> None:
        self.verify = dict(results)
        ok = tr("intact")
        for row, r in enumerate(self.records):
            v = self.verify.get(r.id, "")
            text, tip = shown_text(v, self.lang)
            if r.incomplete:  # intact as stored, and still what was missing when it was collected
                more, more_tip = shown_text("; ".join(r.incomplete), self.lang)
                text, tip = f"{text} · {tr('incomplete:')} {more}", f"{tip}\n{tr('incomplete:')} {more_tip}"
            it = self.item(row, 7)
            it.setText(text)
            it.setToolTip(tip)
            it.setData(text, SORT_ROLE)
            it.setForeground(QBrush(QColor("#1b7f3b" if v == ok else "#b3261e")))

    def record(self, row: int):
        return self.records[row]
