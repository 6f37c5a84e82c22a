"""Timeline page (C1-C4): a lazy model over CASE/timeline.sqlite, filters, a histogram and marks.

The model never loads the whole timeline: it fetches pages of `PAGE` rows by keyset
(`analysis.timeline.page(after=(ts, id))`) as the view scrolls (Qt's canFetchMore/fetchMore), so a
filter costs one page query whatever the size. The total count and the histogram of the filtered events
are computed on a worker thread with their own SQLite connection and arrive when ready.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from analysis import formatters
from collectors.messages import time_desc
from reports.incident import incident_tz

from .i18n import tr
from .strip import ActivityStrip
from .worker import start_call

PAGE = 500
BUDGET_S = 0.04  # longest a page query may hold the GUI thread before it moves to a worker thread
PROGRESS_STEPS = 20_000  # SQLite VM steps between two looks at the clock


def _fetch_page(path, flt, after):
    tl = _tl()
    db = tl.connect(path)
    try:
        return tl.page(db, flt, limit=PAGE, after=after)
    finally:
        db.close()


def _tl():
    try:
        from analysis import timeline
        return timeline
    except Exception:  # the analysis package is not installed in this build
        return None


def _imported_hosts(case) -> list[str]:
    """The hosts imported into an incident case (analysis/hosts.py); [] for a host's own case."""
    try:
        from analysis import hosts
    except ImportError:  # the analysis package is not installed in this build
        return []
    try:
        return hosts.hosts(case)
    except OSError:
        return []


class TimelineModel(QAbstractTableModel):
    """Rows of the timeline matching a filter, fetched lazily in keyset pages."""

    HEADERS = ("Time", "Source", "What the time means", "Message", "Evidence", "Marked", "Host")
    HOST_COL = 6  # shown after Time for an incident case, hidden for a single-host case

    fetched = Signal()  # a page fetched on the worker thread has arrived

    def __init__(self, conn=None, parent=None, lang: str = "en"):
        super().__init__(parent)
        self.lang = lang
        self.conn = conn
        self.path = None
        self.show_host = False  # an incident case: the Host column is shown
        self.flt = None
        self.rows: list[dict] = []
        self.exhausted = True
        self.pending = False
        self.generation = 0
        self.marked: set[tuple[str, str]] = set()
        self.tz: dt.tzinfo = dt.timezone.utc  # the zone the Time column is shown in

    def set_tz(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0))

    def set_source(self, conn, flt=None, marked=None, path=None) -> None:
        self.beginResetModel()
        self.generation += 1
        self.pending = False
        self.conn = conn
        self.path = path if conn is not None else None
        self.flt = flt
        self.rows = []
        self.exhausted = conn is None
        if marked is not None:
            self.marked = set(marked)
        self.endResetModel()
        if conn is not None:
            self.fetchMore(QModelIndex())

    def set_filter(self, flt) -> None:
        self.set_source(self.conn, flt, path=self.path)

    # -- lazy loading
    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and not self.exhausted and not self.pending

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if parent.isValid() or self.exhausted or self.pending or self.conn is None:
            return
        after = (self.rows[-1]["ts"], self.rows[-1]["id"]) if self.rows else None
        new = self._page_within_budget(after)
        if new is None:  # a sparse filter: finish the scan on a worker thread, the window stays responsive
            self.pending = True
            gen = self.generation
            start_call(self, _fetch_page, self.path, self.flt, after,
                       on_result=lambda rows, g=gen: self._arrived(g, rows),
                       on_failed=lambda _m, g=gen: self._arrived(g, []))
            return
        self._insert(new)

    def _page_within_budget(self, after):
        """One page on the GUI thread when SQLite finds it within BUDGET_S; None when it needs longer."""
        tl = _tl()
        if self.path is None:  # no file to open on another thread: plain synchronous page
            return tl.page(self.conn, self.flt, limit=PAGE, after=after)
        deadline = time.monotonic() + BUDGET_S
        self.conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            return tl.page(self.conn, self.flt, limit=PAGE, after=after)
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                return None
            raise
        finally:
            self.conn.set_progress_handler(None, 0)

    def _arrived(self, gen: int, rows: list) -> None:
        if gen != self.generation:
            return
        self.pending = False
        self._insert(rows)
        self.fetched.emit()

    def _insert(self, new: list) -> None:
        if len(new) < PAGE:
            self.exhausted = True
        if not new:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self.rows.extend(new)
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return tr(self.HEADERS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            if col == 0:
                return display_time(r["ts"], self.tz) if role == Qt.DisplayRole else r["datetime"]
            if col == 1:
                return r["source"]
            if col == 2:
                return time_desc(r["timestamp_desc"], self.lang) if role == Qt.DisplayRole else r["timestamp_desc"]
            if col == 3:  # the event's formatter (resources/formatters/); the source's own line as tooltip
                return formatters.message(r, self.lang) if role == Qt.DisplayRole else r["message"]
            if col == 4:
                return f"{r['evidence_id']} {r['locator']}"
            if col == 5:
                return "★" if (r["evidence_id"], r["locator"]) in self.marked else ""
            if col == self.HOST_COL:
                return r.get("host") or ""
        if role == Qt.BackgroundRole and (r["evidence_id"], r["locator"]) in self.marked:
            return QBrush(QColor("#fff4c2"))
        if role == Qt.UserRole:
            return r
        return None

    def set_marked(self, keys) -> None:
        self.marked = set(keys)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.HEADERS) - 1))


class Histogram(QWidget):
    """Bars of event counts over time; clicking a bar narrows the time filter to it."""

    # start, end (µs UTC): Python ints, since a C++ int is 32 bits and would wrap these to 1970
    bucketClicked = Signal(object, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.buckets: list[tuple[int, int]] = []
        self.width_us = 0
        self.tz: dt.tzinfo = dt.timezone.utc
        self.setMinimumHeight(70)
        self.setAccessibleName(tr("Events over time"))

    def set_data(self, buckets) -> None:
        self.buckets = list(buckets)
        self.width_us = (self.buckets[1][0] - self.buckets[0][0]) if len(self.buckets) > 1 else 1
        self.update()

    def paintEvent(self, event):  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#f6f8fa"))
        if not self.buckets:
            p.setPen(QColor("#5f6368"))
            p.drawText(self.rect(), Qt.AlignCenter, tr("No events to show"))
            return
        top = max(c for _, c in self.buckets) or 1
        w = self.width() / len(self.buckets)
        h = self.height() - 16
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#1a5fb4"))
        for i, (_, c) in enumerate(self.buckets):
            bh = h * c / top
            p.drawRect(QRectF(i * w + 0.5, 2 + h - bh, max(1.0, w - 1), bh))
        p.setPen(QColor("#333333"))
        first = _fmt_us(self.buckets[0][0], self.tz)
        last = _fmt_us(self.buckets[-1][0] + self.width_us, self.tz)
        p.drawText(4, self.height() - 3, first)
        fm = p.fontMetrics()
        p.drawText(self.width() - fm.horizontalAdvance(last) - 4, self.height() - 3, last)

    def mousePressEvent(self, event):  # noqa: N802
        if not self.buckets:
            return
        i = int(event.position().x() / (self.width() / len(self.buckets)))
        i = max(0, min(i, len(self.buckets) - 1))
        start = self.buckets[i][0]
        self.bucketClicked.emit(start, start + self.width_us)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def display_time(us: int, tz: dt.tzinfo) -> str:
    """µs UTC -> 'dd/mm/yyyy hh:mm:ss +07:00' in the zone shown (the incident's, or UTC)."""
    try:
        d = (EPOCH + dt.timedelta(microseconds=us)).astimezone(tz)
    except (OverflowError, ValueError):
        return str(us)
    off = d.strftime("%z")
    return d.strftime("%d/%m/%Y %H:%M:%S") + f" {off[:3]}:{off[3:]}"


def _fmt_us(us: int, tz: dt.tzinfo = dt.timezone.utc) -> str:
    return (EPOCH + dt.timedelta(microseconds=us)).astimezone(tz).strftime("%d/%m/%Y %H:%M")


def parse_time(text: str, tz: dt.tzinfo = dt.timezone.utc) -> int | None:
    """'dd/mm/yyyy hh:mm' or ISO 8601 (in ``tz`` when no offset) -> µs UTC; '' -> None; ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    from reports.incident import parse_datetime

    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2}):(\d{2})$", text)
    if m:
        day, mon, year, hh, mm, ss = map(int, m.groups())
        d = dt.datetime(year, mon, day, hh, mm, ss, tzinfo=tz)
    else:
        d = parse_datetime(text, tz)
    return int((d - EPOCH) / dt.timedelta(microseconds=1))


def format_filter_time(us: int, tz: dt.tzinfo, *, ceil: bool = False) -> str:
    """µs UTC -> 'dd/mm/yyyy hh:mm:ss' in ``tz`` (rounded up to the second with ``ceil``: an end bound)."""
    sec, rem = divmod(us, 1_000_000)
    if ceil and rem:
        sec += 1
    return (EPOCH + dt.timedelta(seconds=sec)).astimezone(tz).strftime("%d/%m/%Y %H:%M:%S")


class TimelinePage(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.case = None
        self.conn = None
        self._generation = 0
        lay = QVBoxLayout(self)
        title = QLabel("<h2>" + tr("Timeline (C1–C4)") + "</h2>")
        lay.addWidget(title)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        row = QHBoxLayout()
        self.build_btn = QPushButton(tr("&Build / update the timeline"))
        self.build_btn.clicked.connect(self.build)
        row.addWidget(self.build_btn)
        self.export_btn = QPushButton(tr("E&xport…"))
        self.export_btn.setToolTip(tr("Write the timeline to a file: JSON lines, CSV, Timesketch, ECS, bodyfile, mactime"))
        self.export_btn.clicked.connect(self.open_export)
        row.addWidget(self.export_btn)
        self.export_dialog = None
        row.addStretch(1)
        lay.addLayout(row)

        self.incident_tz: dt.tzinfo = incident_tz({})
        self.tz: dt.tzinfo = self.incident_tz
        self.utc_box = QCheckBox(tr("Show times in &UTC"))
        self.utc_box.setToolTip(tr("Times are shown in the incident's time zone; tick to show them in UTC"))
        self.utc_box.toggled.connect(self._zone_changed)
        row.insertWidget(1, self.utc_box)
        filt = QHBoxLayout()
        self.start_edit = QLineEdit()
        self.end_edit = QLineEdit()
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName(tr("Source"))
        self.source_combo.setMinimumWidth(160)
        self.source_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.host_combo = QComboBox()  # an incident case: its hosts (hidden for a single-host case)
        self.host_combo.setAccessibleName(tr("Host"))
        self.host_combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.host_combo.setVisible(False)
        self.start_edit.setMinimumWidth(190)
        self.end_edit.setMinimumWidth(190)
        self._placeholders()
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(tr("text in the message"))
        self.text_edit.setAccessibleName(tr("Text filter"))
        self.apply_btn = QPushButton(tr("&Filter"))
        self.clear_btn = QPushButton(tr("Clear filter"))
        # two rows: the times, source and host; then the text (room to read what is typed) and the buttons
        for w in (self.start_edit, self.end_edit, self.source_combo, self.host_combo):
            filt.addWidget(w)
        filt.addStretch(1)
        text_row = QHBoxLayout()
        for w in (self.text_edit, self.apply_btn, self.clear_btn):
            text_row.addWidget(w)
        text_row.setStretch(0, 1)
        self.host_combo.currentIndexChanged.connect(lambda *_: self.apply_filter())
        lay.addLayout(filt)
        lay.addLayout(text_row)
        for w in (self.start_edit, self.end_edit, self.text_edit):
            w.returnPressed.connect(self.apply_filter)
        self.apply_btn.clicked.connect(self.apply_filter)
        self.clear_btn.clicked.connect(self.clear_filter)

        self.histogram = Histogram()
        self.histogram.bucketClicked.connect(self._bucket)
        lay.addWidget(self.histogram)
        # the whole case beside the filtered histogram: findings marked by tactic, a click shows their events
        self.findings: list = []
        self._strip_generation = 0
        self.strip = ActivityStrip(lang=window.lang)
        self.strip.markClicked.connect(self._mark_clicked)
        lay.addWidget(self.strip)

        split = QSplitter(Qt.Vertical)
        self.model = TimelineModel(lang=window.lang)
        self.view = QTableView()
        self.view.setTabKeyNavigation(False)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.view.setColumnWidth(0, 185)
        self.view.setColumnWidth(1, 80)
        self.view.setColumnWidth(2, 170)  # long meanings are elided; the whole text is in the tooltip
        self.view.setColumnWidth(4, 120)
        self.view.horizontalHeader().moveSection(TimelineModel.HOST_COL, 1)  # Host right after Time
        self.view.setColumnWidth(TimelineModel.HOST_COL, 120)
        self.view.setColumnHidden(TimelineModel.HOST_COL, True)
        self.view.setWordWrap(False)
        self.view.setAccessibleName(tr("Timeline events"))
        self.view.selectionModel().currentRowChanged.connect(self._show)
        self.view.doubleClicked.connect(lambda _i: self.toggle_mark())
        split.addWidget(self.view)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setMaximumBlockCount(2000)
        split.addWidget(self.detail)
        split.setSizes([400, 120])
        lay.addWidget(split, 1)
        marks_row = QHBoxLayout()
        self.mark_btn = QPushButton(tr("&Mark as relevant…"))
        self.mark_btn.setToolTip(tr("Marked events, with your note, go into the reports (Enter or double-click)"))
        self.mark_btn.clicked.connect(self.toggle_mark)
        self.count_label = QLabel()
        marks_row.addWidget(self.mark_btn)
        marks_row.addStretch(1)
        marks_row.addWidget(self.count_label)
        lay.addLayout(marks_row)

    def open_export(self):
        """The export dialog for this case (built first when needed); returns it (shown, not modal)."""
        if self.case is None:
            return None
        from .export_dialog import TimelineExportDialog

        if self.export_dialog is None or self.export_dialog.case is not self.case:
            self.export_dialog = TimelineExportDialog(self.case, self)
        self.export_dialog.show()
        self.export_dialog.raise_()
        return self.export_dialog

    # ------------------------------------------------------------------ state
    def zone_label(self) -> str:
        if self.utc_box.isChecked():
            return "UTC"
        off = dt.datetime.now(self.incident_tz).strftime("%z")
        return f"{off[:3]}:{off[3:]}"

    def _placeholders(self) -> None:
        zone = self.zone_label()
        self.start_edit.setPlaceholderText(tr("from (dd/mm/yyyy hh:mm, %1)").replace("%1", zone))
        self.end_edit.setPlaceholderText(tr("to (dd/mm/yyyy hh:mm, %1)").replace("%1", zone))
        for w in (self.start_edit, self.end_edit):  # the placeholder may be cut: the whole hint on hover
            w.setToolTip(w.placeholderText())
            w.setAccessibleName(w.placeholderText())

    def _zone_changed(self, *_args) -> None:
        """Show times in the incident's zone or UTC; the bounds typed so far keep their instants."""
        try:
            bounds = [parse_time(w.text(), self.tz) for w in (self.start_edit, self.end_edit)]
        except (ValueError, TypeError):
            bounds = [None, None]
        self.tz = dt.timezone.utc if self.utc_box.isChecked() else self.incident_tz
        for w, us, ceil in ((self.start_edit, bounds[0], False), (self.end_edit, bounds[1], True)):
            if us is not None:
                w.setText(format_filter_time(us, self.tz, ceil=ceil))
        self.model.set_tz(self.tz)
        self.histogram.tz = self.tz
        self.histogram.update()
        self.strip.tz = self.tz
        self._placeholders()

    def set_case(self, case) -> None:
        if self.export_dialog is not None and self.export_dialog.case is not case:
            self.export_dialog.wait()
            self.export_dialog.close()
            self.export_dialog = None
        self.case = case
        self.findings = []
        try:
            self.incident_tz = incident_tz(case.incident() if case is not None else {})
        except (OSError, sqlite3.Error, ValueError):
            self.incident_tz = incident_tz({})
        self._zone_changed()
        self.reload()

    def reload(self) -> None:
        tl = _tl()
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.model.set_source(None)
        self.model.show_host = False
        self.view.setColumnHidden(TimelineModel.HOST_COL, True)
        self.host_combo.setVisible(False)
        self.host_combo.blockSignals(True)
        self.host_combo.clear()  # no stale host left in the filter of the next case
        self.host_combo.blockSignals(False)
        self.histogram.set_data([])
        self.strip.set_strip(None)
        enabled = False
        if tl is None:
            self.status.setText(tr("The timeline module is not part of this build."))
        elif self.case is None:
            self.status.setText(tr("Open a case first."))
        elif not tl.path_of(self.case).exists():
            self.status.setText(tr("No timeline yet: collect evidence (phase 2), then press “Build / update the timeline”."))
        else:
            try:
                self.conn = tl.connect(self.case)
            except Exception as exc:
                self.status.setText(tr("The timeline cannot be read:") + f" {exc}")
            else:
                enabled = True
                stale = "" if tl.is_current(self.case) else " " + tr("Evidence was added since it was built: update it.")
                self.status.setText(tr("Timeline of every event found in the evidence, in time order.") + stale)
                self.source_combo.blockSignals(True)
                self.source_combo.clear()
                self.source_combo.addItem(tr("all sources"), None)
                for src, n in tl.source_counts(self.conn).items():
                    self.source_combo.addItem(f"{src} ({n})", src)
                self.source_combo.blockSignals(False)
                host_counts = getattr(tl, "host_counts", None)
                hosts = {h: n for h, n in host_counts(self.conn).items() if h} if host_counts else {}
                self.host_combo.blockSignals(True)
                self.host_combo.clear()
                self.host_combo.addItem(tr("all hosts"), None)
                for h, n in hosts.items():
                    self.host_combo.addItem(f"{h} ({n})", h)
                self.host_combo.blockSignals(False)
                # several hosts: an incident case with more than one imported host (a host's own case
                # names other machines in its logs, e.g. syslog lines relayed from elsewhere: still one host)
                several = len(hosts) > 1 and len(_imported_hosts(self.case)) > 1
                self.host_combo.setVisible(several)
                self.model.show_host = several
                self.view.setColumnHidden(TimelineModel.HOST_COL, not self.model.show_host)
                self.apply_filter()
                self.refresh_strip()
        self.build_btn.setEnabled(tl is not None and self.case is not None)
        for w in (self.start_edit, self.end_edit, self.source_combo, self.host_combo, self.text_edit, self.apply_btn,
                  self.clear_btn, self.mark_btn):
            w.setEnabled(enabled)

    def current_filter(self):
        tl = _tl()
        start = parse_time(self.start_edit.text(), self.tz)
        end = parse_time(self.end_edit.text(), self.tz)
        src = self.source_combo.currentData()
        text = self.text_edit.text().strip() or None
        flt = tl.Filter(start=start, end=end, sources=[src] if src else None, text=text)
        host = self.host_combo.currentData()
        if host:
            flt.hosts = [host]
        return flt

    def apply_filter(self) -> None:
        if self.conn is None:
            return
        try:
            flt = self.current_filter()
        except (ValueError, TypeError):
            QMessageBox.warning(self, tr("Timeline"), tr("The time is not valid: use dd/mm/yyyy hh:mm or ISO 8601."))
            return
        tl = _tl()
        try:
            marked = tl.marked_keys(self.case)
        except Exception:
            marked = set()
        self.model.set_source(self.conn, flt, marked, path=tl.path_of(self.case))
        self.count_label.setText(tr("counting…"))
        self._generation += 1
        gen = self._generation
        path = tl.path_of(self.case)

        def stats(p=path, f=flt):
            db = tl.connect(p)
            try:
                return tl.count(db, f), tl.histogram(db, f, buckets=120)
            finally:
                db.close()

        start_call(self, stats, on_result=lambda res, g=gen: self._stats(g, res),
                   on_failed=self.count_label.setText)

    def _stats(self, gen, res) -> None:
        if gen != self._generation:
            return
        n, hist = res
        sep = "." if self.window.lang == "vi" else ","
        self.count_label.setText(tr("%n event(s) match").replace("%n", f"{n:,}".replace(",", sep)))
        self.histogram.set_data(hist)

    def clear_filter(self) -> None:
        self.start_edit.clear()
        self.end_edit.clear()
        self.text_edit.clear()
        self.source_combo.setCurrentIndex(0)
        self.host_combo.blockSignals(True)
        self.host_combo.setCurrentIndex(0)
        self.host_combo.blockSignals(False)
        self.apply_filter()

    def show_events(self, events: list, time_iso: str | None = None) -> int:
        """Narrow the view to the span of a finding's matched events ({"evidence_id", "locator"}), or to the
        minute around its time when it names no event; returns how many of the events the timeline holds."""
        if self.conn is None:
            self.reload()
        if self.conn is None:
            return 0
        stamps = []
        for e in events or []:
            row = self.conn.execute("SELECT ts FROM events WHERE evidence_id = ? AND locator = ? LIMIT 1",
                                    (e.get("evidence_id"), e.get("locator"))).fetchone()
            if row is not None and row[0] is not None:
                stamps.append(int(row[0]))
        if stamps:
            lo, hi = min(stamps), max(stamps) + 1
        elif time_iso:
            lo = parse_time(time_iso.replace("Z", "+00:00"), dt.timezone.utc) - 30_000_000
            hi = lo + 60_000_000
        else:
            return 0
        self.text_edit.clear()
        self.source_combo.setCurrentIndex(0)
        self.start_edit.setText(format_filter_time(lo, self.tz))
        self.end_edit.setText(format_filter_time(hi, self.tz, ceil=True))
        self.apply_filter()
        return len(stamps)

    # ------------------------------------------------------------------ activity strip
    def set_findings(self, findings: list) -> None:
        """The findings to mark on the strip (the Findings page's latest analysis)."""
        self.findings = list(findings)
        if not self.isVisible():          # drawn when the page is next shown: the analysis ends without a stall
            self._strip_stale = True
            return
        self._update_strip()

    def _update_strip(self) -> None:
        self._strip_stale = False
        if self.conn is None and self.case is not None:   # the analysis has just built the timeline
            self.reload()
        else:
            self.refresh_strip()

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        if getattr(self, "_strip_stale", False):
            self._update_strip()

    def refresh_strip(self) -> None:
        """Recompute the strip over the whole timeline on a worker thread."""
        tl = _tl()
        if tl is None or self.case is None or self.conn is None:
            self.strip.set_strip(None)
            return
        self._strip_generation += 1
        gen = self._strip_generation
        path = tl.path_of(self.case)
        found = list(self.findings)

        def compute(p=path, f=found):
            from analysis import strip

            db = tl.connect(p)
            try:
                return strip.build(db, f)
            finally:
                db.close()

        start_call(self, compute, on_result=lambda s, g=gen: self._strip_ready(g, s),
                   on_failed=lambda msg: self.strip.set_strip(None, msg))

    def _strip_ready(self, gen: int, strip) -> None:
        if gen != self._strip_generation:
            return
        self.strip.set_strip(strip)

    def _mark_clicked(self, mark) -> None:
        self.show_events(mark.events, mark.time_iso)

    def _bucket(self, start: int, end: int) -> None:
        self.start_edit.setText(format_filter_time(start, self.tz))
        self.end_edit.setText(format_filter_time(end, self.tz, ceil=True))
        self.apply_filter()

    def _show(self, cur, _prev) -> None:
        if not cur.isValid():
            self.detail.clear()
            return
        r = self.model.rows[cur.row()]
        import json

        desc = time_desc(r["timestamp_desc"], self.window.lang)
        if desc != r["timestamp_desc"]:
            desc += f" ({r['timestamp_desc']})"
        lines = [f"{r['datetime']}  [{r['source']}/{r['parser']}]  {desc}", r["message"],
                 tr("Evidence:") + f" {r['evidence_id']} ({r['locator']})  " + tr("Host:") + f" {r.get('host') or ''}",
                 json.dumps(r.get("fields") or {}, ensure_ascii=False, indent=1)]
        self.detail.setPlainText("\n".join(lines))

    def toggle_mark(self) -> None:
        idx = self.view.currentIndex()
        if not idx.isValid() or self.case is None:
            return
        tl = _tl()
        r = self.model.rows[idx.row()]
        key = (r["evidence_id"], r["locator"])
        if key in self.model.marked:
            tl.unmark(self.case, r)
        else:
            note, ok = QInputDialog.getText(self, tr("Mark as relevant"), tr("Note (why this event matters):"))
            self.view.setFocus()  # back on the event: Down, Enter marks the next one
            if not ok:
                return
            tl.mark(self.case, r, note)
        self.model.set_marked(tl.marked_keys(self.case))
        self.window.refresh_steps()

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.view.hasFocus():
            self.toggle_mark()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ build
    def build(self) -> None:
        tl = _tl()
        if tl is None or self.case is None:
            return
        self.build_btn.setEnabled(False)
        self.status.setText(tr("Building the timeline from the evidence…"))
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.model.set_source(None)
        start_call(self, tl.build, self.case.path, on_result=self._built,
                   on_failed=lambda msg: self._built(None, msg))

    def _built(self, summary, error: str = "") -> None:
        self.reload()
        if error:
            self.status.setText(tr("The timeline could not be built:") + " " + error)
        elif summary is not None:
            self.status.setText(self.status.text() + " " + tr("Built: %1 events, %2 records skipped.")
                                .replace("%1", str(summary.events)).replace("%2", str(summary.skipped)))
        self.window.refresh_steps()



