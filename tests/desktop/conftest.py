"""Desktop app tests: Qt's offscreen platform, a private QSettings file, the app's fonts and translations."""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import: no display needed

import pytest  # noqa: E402


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    s = QSettings(str(tmp_path / "ungcuu-settings.ini"), QSettings.IniFormat)
    yield s
    s.sync()


@pytest.fixture
def make_win(qapp, qtbot, settings):
    """make_win(lang="vi") -> a shown MainWindow using the private settings (closed after the test)."""
    from desktop.app import create_app, make_window

    create_app()
    made = []

    def make(lang="vi", **kw):
        w = make_window(qapp, lang=lang, settings=kw.pop("settings", settings), **kw)
        # a test's unsaved draft must not open the save question when pytest-qt closes the window
        qtbot.addWidget(w, before_close_func=lambda win: win.intake_page.discard_changes())
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        try:
            w.collection_page.wait(20000)
            if w.case is not None:
                w.case.close()
        except RuntimeError:
            pass


@pytest.fixture
def case_dir(tmp_path):
    return tmp_path / "CASE-01"
