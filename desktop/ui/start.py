"""Start page: create a case on a drive the user picks (warned when it is the affected system's own
disk), open an existing case, or reopen a recent one."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from PySide6.QtCore import QStorageInfo, Qt
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPushButton, QVBoxLayout, QWidget,
)

from .i18n import tr


def same_disk_as_system(path: str, affected_root: str = "/") -> bool:
    """True when `path` (or its nearest existing parent) is on the file system of the affected root."""
    from collectors.case import same_filesystem

    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return bool(same_filesystem(p, affected_root))
    except Exception:
        return False


def _buddy(text: str, widget) -> QLabel:
    """A label whose Alt+letter moves the focus to `widget` (QFormLayout cannot when the field is a layout)."""
    lab = QLabel(text)
    lab.setBuddy(widget)
    return lab


class StartPage(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<h1>UngCuu</h1>"))
        intro = QLabel(tr("Evidence collection and incident reporting for the response team. Create a case "
                          "folder on a separate drive (a USB disk), fill in the incident, collect, verify, report."))
        intro.setWordWrap(True)
        lay.addWidget(intro)

        new = QGroupBox(tr("New case"))
        form = QFormLayout(new)
        self.drive_combo = QComboBox()
        self.drive_combo.setAccessibleName(tr("Drive"))
        self.drive_combo.currentIndexChanged.connect(self._drive_changed)
        refresh = QPushButton(tr("Refresh drives"))
        refresh.clicked.connect(self.refresh_drives)
        drow = QHBoxLayout()
        drow.addWidget(self.drive_combo, 1)
        drow.addWidget(refresh)
        form.addRow(_buddy(tr("&Drive for the case folder:"), self.drive_combo), drow)
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName(tr("Case folder"))
        self.folder_edit.textChanged.connect(self._check_location)
        browse = QPushButton(tr("&Browse…"))
        browse.clicked.connect(self._browse_new)
        frow = QHBoxLayout()
        frow.addWidget(self.folder_edit, 1)
        frow.addWidget(browse)
        form.addRow(_buddy(tr("Case &folder:"), self.folder_edit), frow)
        self.examiner_edit = QLineEdit()
        self.examiner_edit.setAccessibleName(tr("Examiner"))
        # the last examiner who created a case from this drive (the login name is often just `root`)
        self.examiner_edit.setText(str(self.window.settings.value("examiner") or "") or os.environ.get("USER")
                                   or os.environ.get("USERNAME") or "")
        form.addRow(tr("&Examiner (your name):"), self.examiner_edit)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #a86500; font-weight: bold")
        self.warning.hide()
        form.addRow(self.warning)
        self.create_btn = QPushButton(tr("C&reate the case"))
        self.create_btn.clicked.connect(self.create_case)
        # Enter in the folder or the name field creates the case (keyboard alone, no hunting for the button).
        self.folder_edit.returnPressed.connect(self.create_case)
        self.examiner_edit.returnPressed.connect(self.create_case)
        form.addRow(self.create_btn)
        lay.addWidget(new)

        old = QGroupBox(tr("Open a case"))
        v = QVBoxLayout(old)
        self.open_btn = QPushButton(tr("&Open a case folder…"))
        self.open_btn.clicked.connect(self._browse_open)
        v.addWidget(self.open_btn)
        v.addWidget(QLabel(tr("Recent cases (Enter to open):")))
        self.recent = QListWidget()
        self.recent.setAccessibleName(tr("Recent cases"))
        self.recent.itemActivated.connect(lambda it: self.window.open_case(it.data(Qt.UserRole)))
        v.addWidget(self.recent)
        lay.addWidget(old, 1)
        self.refresh_drives()
        self.refresh_recent()

    # ------------------------------------------------------------------ drives
    def refresh_drives(self) -> None:
        self.drive_combo.blockSignals(True)
        self.drive_combo.clear()
        for vol in QStorageInfo.mountedVolumes():
            if not vol.isValid() or not vol.isReady() or vol.isReadOnly():
                continue
            root = vol.rootPath()
            fs = bytes(vol.fileSystemType()).decode(errors="replace")
            if fs in ("proc", "sysfs", "devpts", "cgroup", "cgroup2", "tmpfs", "overlay", "squashfs") and root != "/":
                continue
            free = vol.bytesAvailable() / (1 << 30)
            system = same_disk_as_system(root)
            label = f"{root}  ({vol.displayName()}, {free:.1f} GiB {tr('free')})"
            if system:
                label += "  — " + tr("the affected system's own disk!")
            self.drive_combo.addItem(label, root)
        self.drive_combo.blockSignals(False)
        # Prefer a drive that is not the system disk.
        for i in range(self.drive_combo.count()):
            if not same_disk_as_system(self.drive_combo.itemData(i)):
                self.drive_combo.setCurrentIndex(i)
                break
        self._drive_changed()

    def _drive_changed(self, *_):
        root = self.drive_combo.currentData()
        if root:
            name = "CASE-" + dt.datetime.now().strftime("%Y%m%d-%H%M")
            self.folder_edit.setText(str(Path(root) / name))

    def _check_location(self, text: str) -> None:
        if text and same_disk_as_system(text):
            self.warning.setText(tr("Warning: this folder is on the affected system's own disk. Writing there "
                                    "may overwrite deleted data that is evidence. Prefer a USB or network drive."))
            self.warning.show()
        else:
            self.warning.hide()

    def _browse_new(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Folder for the new case"), self.folder_edit.text())
        if path:
            self.folder_edit.setText(path)

    def _browse_open(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Open a case folder"))
        if path:
            self.window.open_case(path)

    def create_case(self) -> bool:
        path = self.folder_edit.text().strip()
        if not path:
            self.folder_edit.setFocus()
            return False
        examiner = self.examiner_edit.text().strip() or None
        if examiner:
            self.window.settings.setValue("examiner", examiner)
        return self.window.open_case(path, create=True, examiner=examiner)

    def refresh_recent(self) -> None:
        self.recent.clear()
        for path in self.window.recent_cases():
            it = QListWidgetItem(path)
            it.setData(Qt.UserRole, path)
            if not (Path(path) / "case.sqlite").is_file():
                it.setText(path + "  " + tr("(not found)"))
                it.setForeground(Qt.gray)
            self.recent.addItem(it)
