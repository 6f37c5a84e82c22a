"""The collection page's per-item options (as KAPE's gkape shows a target's settings): which processes to
dump and the physical memory (B6), the interface and limits of a packet capture (B7), the device,
partition or file to image (B9), the source to recover from and the kinds to carve (H4), the paths to copy
(B5); and the source of the whole run (this machine, a mounted folder or a disk image with its volume and
shadow copy). Each builds the options dict the collectors read, the same one `ungcuu collect` makes from
its flags (desktop/commands/collect.py), so the equivalent command shown is what runs.

Lists that read the system (processes, disks, an image's volumes) are filled on a worker thread.
"""
from __future__ import annotations

import os

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from collectors.acquire.common import human_size

from .i18n import tr
from .worker import start_call

ITEMS_WITH_OPTIONS = ("B5", "B6", "B7", "B9", "H4")
FILL_BATCH = 200   # process rows added per turn of the event loop
CARVE_KINDS = ("jpg", "png", "pdf", "zip", "eml", "mbox")
DEFAULT_PART_MIB = 4095      # imaging.FAT32_PART: fits a FAT32 drive


def list_processes() -> list[dict]:
    """The live processes (pid, name, user, resident memory), for choosing what B6 dumps."""
    import psutil

    rows = []
    for p in psutil.process_iter(["pid", "name", "username", "memory_info"]):
        info = p.info
        mem = info.get("memory_info")
        rows.append({"pid": info["pid"], "name": info.get("name") or "?", "user": info.get("username") or "",
                     "rss": getattr(mem, "rss", 0) or 0})
    return sorted(rows, key=lambda r: r["pid"])


def list_devices() -> list[dict]:
    from collectors.acquire import imaging

    return imaging.list_devices()


def list_interfaces() -> list[str]:
    from collectors.acquire import capture

    return capture.list_interfaces()


def _checked_rows(table: QTableWidget, column: int = 0) -> list[str]:
    return [table.item(r, column).data(Qt.UserRole) for r in range(table.rowCount())
            if table.item(r, column).checkState() == Qt.Checked]


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setTabKeyNavigation(False)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.Stretch)
    t.setAccessibleName(name)
    return t


class _Options(QWidget):
    changed = Signal()

    def options(self) -> dict:  # pragma: no cover - each page overrides
        return {}

    def set_options(self, opts: dict) -> None:  # pragma: no cover - each page overrides
        pass


class PathsOptions(_Options):
    """B5: the files and folders to copy."""

    def __init__(self):
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(tr("B5: files and folders to copy (hashed, with their metadata):")))
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Paths to copy"))
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(tr("a path, then Enter"))
        self.path_edit.setAccessibleName(tr("Path to add"))
        self.path_edit.returnPressed.connect(self._add_typed)
        files_btn = QPushButton(tr("Files…"))
        files_btn.clicked.connect(self._pick_files)
        folder_btn = QPushButton(tr("Folder…"))
        folder_btn.clicked.connect(self._pick_folder)
        self.remove_btn = QPushButton(tr("Remove"))
        self.remove_btn.clicked.connect(self._remove)
        for w in (self.path_edit, files_btn, folder_btn, self.remove_btn):
            row.addWidget(w)
        row.setStretch(0, 1)
        lay.addLayout(row)

    def add_paths(self, paths) -> None:
        have = set(self.paths())
        for p in paths:
            if p and p not in have:
                self.list.addItem(p)
                have.add(p)
        self.changed.emit()

    def _add_typed(self) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.add_paths([text])
            self.path_edit.clear()

    def _pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Files to add as evidence (B5)"))
        self.add_paths(paths)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Folder to add as evidence (B5)"))
        if path:
            self.add_paths([path])

    def _remove(self) -> None:
        for it in self.list.selectedItems():
            self.list.takeItem(self.list.row(it))
        self.changed.emit()

    def paths(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def set_options(self, opts: dict) -> None:
        self.list.clear()
        self.add_paths(opts.get("paths") or [])

    def options(self) -> dict:
        return {"paths": self.paths()} if self.paths() else {}


class MemoryOptions(_Options):
    """B6: the processes whose memory is dumped, and the whole physical memory."""

    def __init__(self):
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(tr("B6: tick the processes whose memory to dump (opt-in: each dump is as large as "
                                "the process):")))
        row = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("filter by name, PID or user"))
        self.filter_edit.setAccessibleName(tr("Process filter"))
        self.filter_edit.textChanged.connect(self._filter)
        self.refresh_btn = QPushButton(tr("Refresh the process list"))
        self.refresh_btn.clicked.connect(self.refresh)
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.refresh_btn)
        lay.addLayout(row)
        self.table = _table([tr("PID"), tr("Memory"), tr("User"), tr("Name")], tr("Processes"))
        self.table.setColumnWidth(0, 90)
        self.table.setColumnWidth(1, 90)
        self.table.setColumnWidth(2, 120)
        self.table.itemChanged.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.table, 1)
        self.physical = QCheckBox(tr("Also the whole &physical memory (LiME, as large as the RAM)"))
        self.physical.toggled.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.physical)
        self.status = QLabel()
        lay.addWidget(self.status)
        self.loaded = False
        self.filling = False               # rows of a list still being added
        self._fill_gen = 0
        self.wanted: set[int] = set()     # chosen before the list is (re)read

    def set_options(self, opts: dict) -> None:
        self.wanted = {int(p) for p in opts.get("pids") or []}
        self.physical.setChecked(bool(opts.get("physical_memory")))
        if self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.refresh_btn.setEnabled(False)
        self.status.setText(tr("Reading the process list…"))
        start_call(self, list_processes, on_result=self._fill, on_failed=self._failed,
                   on_done=lambda: self.refresh_btn.setEnabled(True))

    def _failed(self, message: str) -> None:
        self.status.setText(tr("The process list cannot be read:") + " " + message)

    def _fill(self, rows: list[dict]) -> None:
        """The table filled `FILL_BATCH` rows per turn of the event loop (thousands of processes do not
        hold the window); a newer list replaces one still being filled."""
        self.wanted = set(self.pids()) | self.wanted   # ticked so far: ticked again as their rows arrive
        self._fill_gen += 1
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        self.table.blockSignals(False)
        self.filling = True
        self._fill_batch(self._fill_gen, rows, 0)

    def _fill_batch(self, gen: int, rows: list[dict], start: int) -> None:
        if gen != self._fill_gen:
            return   # a newer list is being filled
        end = min(len(rows), start + FILL_BATCH)
        self.table.blockSignals(True)
        self.table.setRowCount(end)
        for r in range(start, end):
            p = rows[r]
            first = QTableWidgetItem(str(p["pid"]))
            first.setData(Qt.UserRole, p["pid"])
            first.setFlags(first.flags() | Qt.ItemIsUserCheckable)
            first.setCheckState(Qt.Checked if p["pid"] in self.wanted else Qt.Unchecked)
            self.table.setItem(r, 0, first)
            for c, text in enumerate((human_size(p["rss"]), p["user"], p["name"]), start=1):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        self._filter(self.filter_edit.text(), start)
        if end < len(rows):
            self.status.setText(tr("%1 processes").replace("%1", f"{end}/{len(rows)}"))
            QTimer.singleShot(0, lambda: self._fill_batch(gen, rows, end))
            return
        self.filling = False
        self.wanted = set()
        self.loaded = True
        self.status.setText(tr("%1 processes").replace("%1", str(len(rows))))
        self.changed.emit()

    def _filter(self, text: str, start: int = 0) -> None:
        text = text.strip().lower()
        for r in range(start, self.table.rowCount()):
            cells = " ".join(self.table.item(r, c).text().lower() for c in (0, 2, 3))
            self.table.setRowHidden(r, bool(text) and text not in cells)

    def pids(self) -> list[int]:
        ticked = [int(p) for p in _checked_rows(self.table)]
        if self.filling:   # the rows shown as ticked, and those chosen whose rows are still to come
            shown = {int(self.table.item(r, 0).data(Qt.UserRole)) for r in range(self.table.rowCount())}
            return sorted(set(ticked) | (self.wanted - shown))
        return ticked or sorted(self.wanted)

    def options(self) -> dict:
        opts: dict = {}
        if self.pids():
            opts["pids"] = self.pids()
        if self.physical.isChecked():
            opts["physical_memory"] = True
        return opts


class CaptureOptions(_Options):
    """B7: the interfaces to capture on, for how long or how many packets, with a BPF filter."""

    def __init__(self):
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(tr("B7: tick the interfaces to capture packets on (opt-in; the connections are "
                                "always listed):")))
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Network interfaces"))
        self.list.itemChanged.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.list, 1)
        form = QFormLayout()
        self.seconds = QSpinBox()
        self.seconds.setRange(1, 7 * 24 * 3600)
        self.seconds.setValue(30)
        self.seconds.setSuffix(tr(" s"))
        self.seconds.setAccessibleName(tr("Capture duration"))
        self.seconds.valueChanged.connect(lambda *_: self.changed.emit())
        self.count = QSpinBox()
        self.count.setRange(0, 100_000_000)
        self.count.setSpecialValueText(tr("no limit"))
        self.count.setAccessibleName(tr("Packet count"))
        self.count.valueChanged.connect(lambda *_: self.changed.emit())
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(tr("e.g. tcp port 443 (needs libpcap)"))
        self.filter_edit.setAccessibleName(tr("BPF filter"))
        self.filter_edit.textChanged.connect(lambda *_: self.changed.emit())
        form.addRow(tr("Capture for:"), self.seconds)
        form.addRow(tr("Stop after (packets):"), self.count)
        form.addRow(tr("BPF filter:"), self.filter_edit)
        lay.addLayout(form)
        self.loaded = False
        self.wanted: list[str] = []

    def set_options(self, opts: dict) -> None:
        self.wanted = list(opts.get("interfaces") or [])
        self.seconds.setValue(int(opts.get("capture_seconds") or 30))
        self.count.setValue(int(opts.get("capture_count") or 0))
        self.filter_edit.setText(opts.get("capture_filter") or "")
        if self.loaded:
            self.refresh()

    def refresh(self) -> None:
        start_call(self, list_interfaces, on_result=self._fill)

    def _fill(self, names: list[str]) -> None:
        chosen = set(self.interfaces()) | set(self.wanted)
        self.wanted = []
        self.list.blockSignals(True)
        self.list.clear()
        for name in names:
            it = QListWidgetItem(name)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            it.setCheckState(Qt.Checked if name in chosen else Qt.Unchecked)
            self.list.addItem(it)
        self.list.blockSignals(False)
        self.loaded = True
        self.changed.emit()

    def interfaces(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.Checked] or list(self.wanted)

    def options(self) -> dict:
        if not self.interfaces():
            return {}
        opts: dict = {"interfaces": self.interfaces(), "capture_seconds": float(self.seconds.value())}
        if self.count.value():
            opts["capture_count"] = self.count.value()
        if self.filter_edit.text().strip():
            opts["capture_filter"] = self.filter_edit.text().strip()
        return opts


class ImageOptions(_Options):
    """B9: the devices, partitions or files to image, the part size, verification and MD5."""

    def __init__(self):
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(tr("B9: tick the disks or partitions to image (a raw image in parts, hashed while "
                                "read), or add an image file:")))
        self.table = _table([tr("Device"), tr("Kind"), tr("Size"), tr("Mounted on"), tr("Model")], tr("Disks"))
        self.table.setColumnWidth(0, 150)
        self.table.itemChanged.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.refresh_btn = QPushButton(tr("Refresh the disk list"))
        self.refresh_btn.clicked.connect(self.refresh)
        file_btn = QPushButton(tr("Add a file to image…"))
        file_btn.clicked.connect(self._pick_file)
        row.addWidget(self.refresh_btn)
        row.addWidget(file_btn)
        row.addStretch(1)
        lay.addLayout(row)
        form = QFormLayout()
        self.part_mib = QSpinBox()
        self.part_mib.setRange(1, 1 << 20)
        self.part_mib.setValue(DEFAULT_PART_MIB)
        self.part_mib.setSuffix(" MiB")
        self.part_mib.setAccessibleName(tr("Part size"))
        self.part_mib.valueChanged.connect(lambda *_: self.changed.emit())
        self.verify = QCheckBox(tr("&Verify: read the source again and compare the hashes"))
        self.verify.toggled.connect(lambda *_: self.changed.emit())
        self.md5 = QCheckBox(tr("Also MD5 (for older tools; SHA-256 always)"))
        self.md5.setChecked(True)
        self.md5.toggled.connect(lambda *_: self.changed.emit())
        form.addRow(tr("Part size (4095 MiB fits FAT32):"), self.part_mib)
        form.addRow(self.verify)
        form.addRow(self.md5)
        lay.addLayout(form)
        self.loaded = False
        self.devices: list[dict] = []
        self.wanted: list[str] = []

    def set_options(self, opts: dict) -> None:
        self.wanted = list(opts.get("image_sources") or [])
        self.part_mib.setValue(int(opts.get("image_part_size") or DEFAULT_PART_MIB << 20) >> 20)
        self.verify.setChecked(bool(opts.get("image_verify")))
        self.md5.setChecked(opts.get("image_md5", True) is not False)
        if self.loaded:
            self.refresh()

    def refresh(self) -> None:
        self.refresh_btn.setEnabled(False)
        start_call(self, list_devices, on_result=self._fill, on_done=lambda: self.refresh_btn.setEnabled(True))

    def _fill(self, devices: list[dict]) -> None:
        chosen = set(self.sources()) | set(self.wanted)
        self.wanted = []
        files = [s for s in chosen if not any(d["device"] == s for d in devices)]
        self.devices = devices
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for d in devices:
            flags = [f for f, on in ((tr("system"), d.get("system")), (tr("removable"), d.get("removable")),
                                     (tr("read-only"), d.get("read_only"))) if on]
            self._add_row(d["device"], d.get("kind", ""), human_size(d.get("size") or 0),
                          ", ".join(d.get("mounted_on") or []), " ".join([d.get("model") or "", *flags]).strip(),
                          d["device"] in chosen)
        for f in files:
            self._add_row(f, tr("file"), "", "", "", True)
        self.table.blockSignals(False)
        self.loaded = True
        self.changed.emit()

    def _add_row(self, source: str, kind: str, size: str, mounted: str, model: str, checked: bool) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        first = QTableWidgetItem(source)
        first.setData(Qt.UserRole, source)
        first.setFlags(first.flags() | Qt.ItemIsUserCheckable)
        first.setCheckState(Qt.Checked if checked else Qt.Unchecked)
        self.table.setItem(r, 0, first)
        for c, text in enumerate((kind, size, mounted, model), start=1):
            self.table.setItem(r, c, QTableWidgetItem(text))

    def add_file(self, path: str) -> None:
        if path and path not in [self.table.item(r, 0).data(Qt.UserRole) for r in range(self.table.rowCount())]:
            size = human_size(os.path.getsize(path)) if os.path.isfile(path) else ""
            self._add_row(path, tr("file"), size, "", "", True)
        self.changed.emit()

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("File to image (B9)"))
        self.add_file(path)

    def sources(self) -> list[str]:
        return _checked_rows(self.table) or list(self.wanted)

    def options(self) -> dict:
        if not self.sources():
            return {}
        opts: dict = {"image_sources": self.sources()}
        if self.part_mib.value() != DEFAULT_PART_MIB:
            opts["image_part_size"] = self.part_mib.value() << 20
        if self.verify.isChecked():
            opts["image_verify"] = True
        if not self.md5.isChecked():
            opts["image_md5"] = False
        return opts


class RecoverOptions(_Options):
    """H4: the image, device or evidence item to recover deleted files from, carving, open deleted files."""

    def __init__(self):
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel(tr("H4: the source to search for deleted files: an image file, a device, or the "
                                "evidence id of an image already taken (E…):")))
        row = QHBoxLayout()
        self.source = QComboBox()
        self.source.setEditable(True)
        self.source.setAccessibleName(tr("Source to recover from"))
        self.source.lineEdit().setPlaceholderText(tr("none"))
        self.source.editTextChanged.connect(lambda *_: self.changed.emit())
        browse = QPushButton(tr("Image file…"))
        browse.clicked.connect(self._pick)
        row.addWidget(self.source, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        self.carve = QCheckBox(tr("Ca&rve the free space for files of these kinds:"))
        self.carve.setChecked(True)
        self.carve.toggled.connect(self._carve_toggled)
        lay.addWidget(self.carve)
        kinds = QHBoxLayout()
        self.kinds: dict[str, QCheckBox] = {}
        for k in CARVE_KINDS:
            box = QCheckBox(k)
            box.setChecked(True)
            box.toggled.connect(lambda *_: self.changed.emit())
            self.kinds[k] = box
            kinds.addWidget(box)
        kinds.addStretch(1)
        lay.addLayout(kinds)
        self.open_deleted = QCheckBox(tr("Also copy &deleted files that a process still holds open (/proc/PID/fd)"))
        self.open_deleted.toggled.connect(lambda *_: self.changed.emit())
        lay.addWidget(self.open_deleted)
        lay.addStretch(1)
        self.loaded = False

    def refresh(self, case=None) -> None:
        """Offer the disks and the image manifests already in the case (their evidence ids)."""
        current = self.source.currentText()
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem("")
        if case is not None:
            for rec in case.evidence("B9"):
                if rec.name.endswith(".manifest.json"):
                    self.source.addItem(f"{rec.id}", rec.id)
        start_call(self, list_devices, on_result=self._add_devices)
        self.source.setEditText(current)
        self.source.blockSignals(False)
        self.loaded = True

    def _add_devices(self, devices: list[dict]) -> None:
        current = self.source.currentText()
        self.source.blockSignals(True)
        for d in devices:
            if self.source.findText(d["device"]) < 0:
                self.source.addItem(d["device"], d["device"])
        self.source.setEditText(current)
        self.source.blockSignals(False)

    def _pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Image to recover deleted files from (H4)"))
        if path:
            self.source.setEditText(path)

    def set_options(self, opts: dict) -> None:
        self.source.setEditText((opts.get("recover_sources") or [""])[0])
        self.carve.setChecked(opts.get("carve", True) is not False)
        kinds = opts.get("carve_kinds")
        for k, box in self.kinds.items():
            box.setChecked(kinds is None or k in kinds)
        self.open_deleted.setChecked(bool(opts.get("open_deleted")))

    def _carve_toggled(self, on: bool) -> None:
        for box in self.kinds.values():
            box.setEnabled(on)
        self.changed.emit()

    def options(self) -> dict:
        opts: dict = {}
        src = self.source.currentText().strip()
        if src:
            opts["recover_sources"] = [src]
            kinds = [k for k, box in self.kinds.items() if box.isChecked()]
            if not self.carve.isChecked() or not kinds:
                opts["carve"] = False
            elif len(kinds) < len(self.kinds):
                opts["carve_kinds"] = kinds
        if self.open_deleted.isChecked():
            opts["open_deleted"] = True
        return opts


class ItemOptionsPanel(QGroupBox):
    """The options of the checklist item chosen in the table (a page per item; others say they have none)."""

    changed = Signal()

    def __init__(self):
        super().__init__(tr("Options of the selected item"))
        lay = QVBoxLayout(self)
        self.stack = QStackedWidget()
        self.none = QLabel(tr("This item has no options: it collects what the system holds."))
        self.none.setWordWrap(True)
        self.stack.addWidget(self.none)
        self.pages: dict[str, _Options] = {"B5": PathsOptions(), "B6": MemoryOptions(), "B7": CaptureOptions(),
                                           "B9": ImageOptions(), "H4": RecoverOptions()}
        for page in self.pages.values():
            self.stack.addWidget(page)
            page.changed.connect(self.changed)
        lay.addWidget(self.stack)
        self.case = None
        self.item = ""

    def show_item(self, cid: str) -> None:
        self.item = cid
        page = self.pages.get(cid)
        self.stack.setCurrentWidget(page if page is not None else self.none)
        if isinstance(page, RecoverOptions):
            page.refresh(self.case)   # the images taken since are offered by their evidence ids
        elif page is not None and not getattr(page, "loaded", True):
            page.refresh()

    def set_case(self, case) -> None:
        self.case = case
        rec = self.pages["H4"]
        if isinstance(rec, RecoverOptions) and rec.loaded:
            rec.refresh(case)

    def set_options(self, opts: dict) -> None:
        """Show `opts` (as options() gives them) in the item pages: a language switch keeps the choices."""
        for page in self.pages.values():
            page.set_options(opts)

    def options(self, selected: list[str]) -> dict:
        """The collectors' options of the ticked items (an unticked item's settings are kept, not used)."""
        opts: dict = {}
        for cid in selected:
            page = self.pages.get(cid)
            if page is not None:
                opts.update(page.options())
        return opts


class SourceBox(QGroupBox):
    """Where the run collects from: this machine (live), a mounted folder or copied tree, or a disk image
    file (raw/E01/VHD/VMDK/QCOW2) with the volume and shadow copy to read; and "collect again"."""

    changed = Signal()
    LIVE, FOLDER, IMAGE = range(3)

    def __init__(self):
        super().__init__(tr("Source"))
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.mode = QComboBox()
        self.mode.setAccessibleName(tr("Source to collect from"))
        self.mode.addItem(tr("This machine (live)"))
        self.mode.addItem(tr("A mounted folder or copied tree (dead box)"))
        self.mode.addItem(tr("A disk image file (raw, E01, VHD, VMDK, QCOW2)"))
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName(tr("Source path"))
        self.path_edit.setPlaceholderText(tr("the folder or image file"))
        self.path_edit.editingFinished.connect(self._path_changed)
        self.path_edit.textChanged.connect(self._path_typed)
        self.browse_btn = QPushButton(tr("&Browse…"))
        self.browse_btn.clicked.connect(self._browse)
        row.addWidget(self.mode)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_btn)
        lay.addLayout(row)
        vrow = QHBoxLayout()
        self.volume = QComboBox()
        self.volume.setAccessibleName(tr("Volume"))
        self.volume.currentIndexChanged.connect(self._volume_changed)
        self.shadow = QComboBox()
        self.shadow.setAccessibleName(tr("Shadow copy"))
        self.shadow.currentIndexChanged.connect(lambda *_: self.changed.emit())
        self.volume_label = QLabel(tr("Volume:"))
        self.shadow_label = QLabel(tr("Shadow copy:"))
        vrow.addWidget(self.volume_label)
        vrow.addWidget(self.volume, 2)
        vrow.addWidget(self.shadow_label)
        vrow.addWidget(self.shadow, 1)
        lay.addLayout(vrow)
        srow = QHBoxLayout()       # what the image holds, and "collect again", on one line
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.again = QCheckBox(tr("Coll&ect again the items an earlier run already collected"))
        self.again.toggled.connect(lambda *_: self.changed.emit())
        srow.addWidget(self.status, 1)
        srow.addWidget(self.again)
        lay.addLayout(srow)
        self.lang = "vi"          # the language of the reasons shown (set by the page)
        self.wanted_volume: tuple = (None, None)   # (volume, shadow) to choose once the listing comes
        self.listing: dict | None = None
        self.listed_path = ""
        self.error = ""
        self._mode_changed(self.LIVE)

    def _mode_changed(self, mode: int) -> None:
        for w in (self.path_edit, self.browse_btn):
            w.setEnabled(mode != self.LIVE)
        image = mode == self.IMAGE
        for w in (self.volume, self.shadow, self.volume_label, self.shadow_label):
            w.setVisible(image)
        self.listing = None
        self.volume.clear()
        self.shadow.clear()
        self.status.clear()
        if image and self.path_edit.text().strip():
            self.load_volumes()
        self.changed.emit()

    def _browse(self) -> None:
        if self.mode.currentIndex() == self.FOLDER:
            path = QFileDialog.getExistingDirectory(self, tr("Mounted folder to collect from"))
        else:
            path, _ = QFileDialog.getOpenFileName(
                self, tr("Disk image to collect from"), "",
                tr("Disk images") + " (*.raw *.dd *.img *.bin *.E01 *.e01 *.vhd *.vhdx *.vmdk *.qcow2);;"
                + tr("All files") + " (*)")
        if path:
            self.path_edit.setText(path)
            self._path_changed()

    def _path_typed(self, text: str) -> None:
        """While typing: the command follows; an image's volumes are read once the path is entered."""
        self.error = ""
        if self.listing is not None and text.strip() != self.listed_path:
            self.listing = None
            self.volume.clear()
            self.shadow.clear()
        self.changed.emit()

    def _path_changed(self) -> None:
        if self.mode.currentIndex() == self.IMAGE and (self.listing is None or
                                                       self.path_edit.text().strip() != self.listed_path):
            self.listing = None
            self.load_volumes()
        self.changed.emit()

    def load_volumes(self) -> None:
        """Read the image's partitions and shadow copies on a worker thread (`ungcuu volumes`)."""
        from collectors.sources.images import volume_listing

        path = self.path_edit.text().strip()
        self.error = ""
        self.volume.clear()
        self.shadow.clear()
        if not path:
            return
        self.status.setText(tr("Reading the image's volumes…"))
        # a listing that comes back after the path changed again is dropped
        start_call(self, volume_listing, path, on_result=lambda info: self._volumes(info, path),
                   on_failed=lambda message: self._volumes_failed(message, path))

    def _current(self, path: str) -> bool:
        return self.mode.currentIndex() == self.IMAGE and self.path_edit.text().strip() == path

    def _volumes_failed(self, message: str, path: str) -> None:
        from collectors.messages import translate

        if not self._current(path):
            return
        self.listing = None
        self.error = tr("The image cannot be read:") + " " + translate(message, self.lang)
        self.status.setText(self.error)
        self.changed.emit()

    def _volumes(self, info: dict, path: str) -> None:
        from collectors.messages import translate

        if not self._current(path):
            return
        self.listing = info
        self.listed_path = path
        self.volume.blockSignals(True)
        self.volume.clear()
        for v in info["volumes"]:
            fs = v["fs_type"] or tr("unreadable")
            text = f"{v['index']}: {v['description']} — {fs}, {human_size(v['length'])}"
            if v["index"] == info.get("default"):
                text += " " + tr("(default)")
            self.volume.addItem(text, v["index"])
            if not v["fs_type"]:
                self.volume.model().item(self.volume.count() - 1).setEnabled(False)
        want_volume, want_shadow = self.wanted_volume
        self.wanted_volume = (None, None)
        at = self.volume.findData(want_volume) if want_volume is not None else -1
        self.volume.setCurrentIndex(at if at >= 0 else max(self.volume.findData(info.get("default")), 0))
        self.volume.blockSignals(False)
        self._volume_changed()
        if want_shadow is not None and self.shadow.findData(want_shadow) >= 0:
            self.shadow.setCurrentIndex(self.shadow.findData(want_shadow))
        self.status.setText(f"{info['format']}, {human_size(info['media_size'])}, "
                            + tr("%1 volume(s)").replace("%1", str(len(info["volumes"])))
                            + (f" — {translate(info['unreadable'], self.lang)}" if info.get("unreadable") else ""))

    def _volume_changed(self, *_args) -> None:
        self.shadow.blockSignals(True)
        self.shadow.clear()
        self.shadow.addItem(tr("none (the volume as it is)"), None)
        vol = next((v for v in (self.listing or {}).get("volumes", []) if v["index"] == self.volume.currentData()),
                   None)
        for s in (vol or {}).get("shadows", []):
            self.shadow.addItem(f"{s['index']}: {s['created'] or '?'}", s["index"])
        self.shadow.blockSignals(False)
        self.changed.emit()

    def state(self) -> dict:
        return {"mode": self.mode.currentIndex(), "path": self.path_edit.text(), "again": self.again.isChecked(),
                "volume": self.volume.currentData(), "shadow": self.shadow.currentData()}

    def set_state(self, state: dict) -> None:
        """Restore state(): the image's volumes are read again, then the volume and shadow copy chosen."""
        self.path_edit.blockSignals(True)
        self.path_edit.setText(state.get("path", ""))
        self.path_edit.blockSignals(False)
        self.wanted_volume = (state.get("volume"), state.get("shadow"))
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(state.get("mode", self.LIVE))
        self.mode.blockSignals(False)
        self._mode_changed(self.mode.currentIndex())
        self.again.setChecked(bool(state.get("again")))

    def root(self) -> str | None:
        if self.mode.currentIndex() == self.LIVE:
            return None
        return self.path_edit.text().strip() or None

    def options(self) -> dict:
        """`volume` and `shadow` of an image source (none when the image's default volume is kept)."""
        if self.mode.currentIndex() != self.IMAGE or not self.listing:
            return {}
        opts: dict = {}
        vol = self.volume.currentData()
        if vol is not None and vol != self.listing.get("default"):
            opts["volume"] = vol
        if self.shadow.currentData() is not None:
            opts["volume"] = vol
            opts["shadow"] = self.shadow.currentData()
        return opts

    def problem(self) -> str | None:
        """Why the run cannot start from this source (None: it can)."""
        mode = self.mode.currentIndex()
        path = self.root()
        if mode == self.LIVE:
            return None
        if not path:
            return tr("Choose the folder or the image file to collect from.")
        if mode == self.FOLDER and not os.path.isdir(path):
            return tr("No such folder:") + " " + path
        if mode == self.IMAGE:
            if not os.path.exists(path):
                return tr("No such image file:") + " " + path
            if self.error:
                return self.error
            if self.listing is None:
                return tr("The image's volumes are not read yet (or it cannot be read).")
            if self.listing.get("default") is None:
                from collectors.messages import translate

                return tr("The image cannot be read:") + " " + translate(self.listing.get("unreadable") or "", self.lang)
        return None
