"""The desktop app: `ungcuu gui [--case DIR]` (and `ungcuu` with no arguments).

Loads the DejaVu fonts shipped in resources/fonts (every Vietnamese glyph renders on a machine with no
fonts and no network), installs the Vietnamese translation (or English, from the menu; remembered in
the settings with the window state), and opens the main window. Makes no network calls.

Nothing is written on the examined host: the settings are an INI file beside the portable folder on the
responder's drive and Qt's caches and runtime folder point there too (desktop/portable_env.py).
"""
from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parents[1] / "resources" / "fonts"
ORG, APP = "UngCuu", "UngCuu"


def load_fonts() -> list[str]:
    """Register the shipped fonts and make DejaVu Sans the application font; returns the families loaded."""
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    families: list[str] = []
    if FONTS_DIR.is_dir():
        for f in sorted(FONTS_DIR.glob("*.ttf")):
            fid = QFontDatabase.addApplicationFont(str(f))
            if fid >= 0:
                families.extend(QFontDatabase.applicationFontFamilies(fid))
    if "DejaVu Sans" in families:
        font = QFont("DejaVu Sans", 10)
        QApplication.setFont(font)
    return sorted(set(families))


def create_app(argv: list[str] | None = None):
    """The QApplication (created once), with fonts loaded."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.portable_env import prepare_environment

    if QApplication.instance() is None:
        prepare_environment()       # before Qt reads XDG_* (fontconfig cache, runtime folder)
    QCoreApplication.setOrganizationName(ORG)
    QCoreApplication.setApplicationName(APP)
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    load_fonts()
    from desktop.ui.common import install_wheel_guard

    install_wheel_guard(app)
    return app


def make_window(app, *, case: str | None = None, lang: str | None = None, settings=None):
    """Build the main window (also used by the tests and the screenshot script)."""
    from desktop.portable_env import open_settings
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow

    settings = settings or open_settings()
    code = lang or settings.value("language") or os.environ.get("UNGCUU_LANG") or "vi"
    language = getattr(app, "_ungcuu_language", None)
    if language is None:
        language = Language(app)
        app._ungcuu_language = language
    code = language.set(str(code))
    win = MainWindow(language=language, settings=settings, lang=code)
    if case:
        win.open_case(case, create=not (Path(case) / "case.sqlite").exists(), ask=False)
    return win


def freeze_startup_objects() -> None:
    """The objects existing now (the built window, the imported modules: they live as long as the app)
    are left out of the garbage collector's scans, so its full passes, which hold the interpreter lock
    and so the GUI thread, stay short."""
    gc.collect()
    gc.freeze()


def broken_qt() -> str | None:
    """Why this PySide6 build cannot run the app, or None.

    PySide6 6.12.0 on Python < 3.12 drops a reference to True on every signal emit and to None on every
    slot call (harmless where they are immortal, Python >= 3.12); after a few thousand signals the
    interpreter aborts ("deallocating True"). tests/desktop checks the installed build does not leak."""
    import PySide6

    if PySide6.__version__ == "6.12.0" and sys.version_info < (3, 12):
        return ("PySide6 6.12.0 crashes on Python %d.%d (reference-count bug in signals); install another "
                "version: pip install 'PySide6-Essentials==6.11.3'" % sys.version_info[:2])
    return None


def main(case: str | None = None, lang: str | None = None) -> int:
    why = broken_qt()
    if why:
        print(f"ungcuu: {why}", file=sys.stderr)
        return 2
    app = create_app()
    # --lang from the command line defaults to "vi"; only an explicit choice overrides the remembered one.
    explicit = lang if lang and ("--lang" in sys.argv or os.environ.get("UNGCUU_LANG")) else None
    win = make_window(app, case=case, lang=explicit)
    freeze_startup_objects()
    win.show()
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
