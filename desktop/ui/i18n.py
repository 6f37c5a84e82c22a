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
        return self.messages.get((context, source_text), "")

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return not self.messages

    def language(self) -> str:
        return "vi"


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
        # Qt's own dialogs (file chooser buttons) when Qt ships that language.
        qt_tr = QTranslator(self.app)
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt_tr.load(f"qtbase_{code}", qt_dir):
            self.app.installTranslator(qt_tr)
            self._installed.append(qt_tr)
        return code
