"""Translations of the desktop app: English source strings, Vietnamese by default.

Every user-facing string of desktop/ui is written as ``tr("English text")`` (one Qt context, "UngCuu").
The Vietnamese text lives in the Qt Linguist source ``resources/i18n/ungcuu_vi.ts``. At start-up the app
loads ``ungcuu_vi.qm`` (compiled by ``python -m desktop.i18n_build``, which the setup script runs) and,
when no compiled file is there (a fresh checkout, a build machine without lrelease), reads the ``.ts``
directly with `TsTranslator`, so Vietnamese never depends on a build step. A ``.qm`` older than its
``.ts`` (the ``.ts`` changed after the setup compiled it) is not used: the ``.ts`` is read instead.

Reasons and notes the collectors wrote (English, as stored in the case) are shown through
`collectors.messages.translate`, and timeline time meanings through `collectors.messages.time_desc`.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

CONTEXT = "UngCuu"
LANGUAGES = ("vi", "en")
I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"


def tr(text: str) -> str:
    """Translate an English UI string into the current language."""
    return QCoreApplication.translate(CONTEXT, text)


def read_ts(path: Path) -> dict[tuple[str, str], str]:
    """(context, source) -> translation of every finished message of a .ts file."""
    out: dict[tuple[str, str], str] = {}
    root = ET.parse(path).getroot()
    for ctx in root.iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            src = msg.findtext("source")
            t = msg.find("translation")
            if src is None or t is None or t.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            if t.text:
                out[(name, src)] = t.text
    return out


class TsTranslator(QTranslator):
    """A translator that reads a Qt Linguist .ts source directly (used when no .qm was built)."""

    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.messages = read_ts(self.path)

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: N802 - Qt override
        return self.messages.get((context, source_text))   # None: Qt falls back to the source text

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return not self.messages

    def language(self) -> str:
        return "vi"


# Qt's own strings (message box and dialog buttons, the file chooser) in Vietnamese: PySide6 ships no
# qtbase_vi.qm. Keys are (Qt context, Qt's English source).
_QT_BUTTONS = {
    "OK": "OK", "&OK": "&OK", "Save": "Lưu", "&Save": "&Lưu", "Save All": "Lưu tất cả", "Open": "Mở", "&Open": "&Mở",
    "&Yes": "&Có", "Yes": "Có", "Yes to &All": "Có cho &tất cả", "&No": "&Không", "No": "Không",
    "N&o to All": "K&hông cho tất cả", "Abort": "Hủy bỏ", "Retry": "Thử lại", "Ignore": "Bỏ qua",
    "Close": "Đóng", "Cancel": "Hủy", "&Cancel": "&Hủy", "Discard": "Bỏ thay đổi", "Don't Save": "Không lưu",
    "Help": "Trợ giúp", "Apply": "Áp dụng", "Reset": "Đặt lại", "Restore Defaults": "Khôi phục mặc định",
    "Close without Saving": "Đóng không lưu",
}
QT_VI: dict[tuple[str, str], str] = {("QPlatformTheme", k): v for k, v in _QT_BUTTONS.items()}
QT_VI.update({("QDialogButtonBox", k): v for k, v in _QT_BUTTONS.items()})
QT_VI.update({("QFileDialog", k): v for k, v in {
    "Look in:": "Tìm trong:", "File &name:": "Tên &tệp:", "Files of type:": "Loại tệp:", "&Open": "&Mở",
    "&Save": "&Lưu", "&Choose": "&Chọn", "Open": "Mở", "Save As": "Lưu thành", "Find Directory": "Chọn thư mục",
    "Directory:": "Thư mục:", "Back": "Quay lại", "Forward": "Tiến tới", "Parent Directory": "Thư mục cha",
    "Create New Folder": "Tạo thư mục mới", "New Folder": "Thư mục mới", "List View": "Dạng danh sách",
    "Detail View": "Dạng chi tiết", "All Files (*)": "Mọi tệp (*)", "Directories": "Thư mục",
    "&Delete": "&Xóa", "&Rename": "Đổi &tên", "Show &hidden files": "Hiện tệp ẩ&n", "&New Folder": "Thư mục &mới",
    "Are you sure you want to delete '%1'?": "Có chắc muốn xóa '%1'?", "My Computer": "Máy tính",
    "%1 already exists.\nDo you want to replace it?": "%1 đã có.\nGhi đè lên nó?",
    "Recent Places": "Nơi dùng gần đây", "Computer": "Máy tính",
}.items()})
QT_VI.update({("QFileSystemModel", k): v for k, v in {
    "Name": "Tên", "Size": "Kích thước", "Type": "Loại", "Kind": "Loại", "Date Modified": "Ngày sửa",
    "My Computer": "Máy tính", "Computer": "Máy tính"}.items()})
QT_VI.update({("QInputDialog", "Enter a value:"): "Nhập giá trị:"})


class QtBaseTranslator(QTranslator):
    """Qt's own dialog strings in Vietnamese (see QT_VI)."""

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: N802 - Qt override
        return QT_VI.get((context, source_text))   # None: not ours, the next translator answers

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return False


class Language:
    """Installs the translators of one language into the application (and removes the previous ones)."""

    def __init__(self, app: QCoreApplication):
        self.app = app
        self.code = "en"
        self._installed: list[QTranslator] = []
        self.source = "none"  # "qm", "ts" or "none": which file gave the strings

    def set(self, code: str) -> str:
        code = code if code in LANGUAGES else "vi"
        for t in self._installed:
            self.app.removeTranslator(t)
        self._installed.clear()
        self.code = code
        self.source = "none"
        if code == "en":
            return code
        qm = I18N_DIR / f"ungcuu_{code}.qm"
        ts = I18N_DIR / f"ungcuu_{code}.ts"
        t: QTranslator | None = None
        # A .qm older than its .ts (the .ts changed since the setup compiled it) would show stale strings.
        if qm.is_file() and not (ts.is_file() and ts.stat().st_mtime > qm.stat().st_mtime):
            cand = QTranslator(self.app)
            if cand.load(str(qm)):
                t, self.source = cand, "qm"
        if t is None and ts.is_file():
            t, self.source = TsTranslator(ts, self.app), "ts"
        if t is not None:
            self.app.installTranslator(t)
            self._installed.append(t)
        # Qt's own dialogs (file chooser, Yes/No/Save buttons): Qt's file when it ships that language,
        # then ours (installed last, so it is asked first; it answers only the strings it knows).
        qt_tr = QTranslator(self.app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt_tr.load(f"qtbase_{code}", qt_dir):
            self.app.installTranslator(qt_tr)
            self._installed.append(qt_tr)
        if code == "vi":
            ours = QtBaseTranslator(self.app)
            self.app.installTranslator(ours)
            self._installed.append(ours)
        return code
