"""The timeline page of an incident case: a host filter (hidden for a single-host case) that shows what the
core's host filter returns, and the host beside each event's source. Offscreen Qt window."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6", reason="the desktop app needs PySide6")


def test_timeline_page_filters_by_host(incident, qapp, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from analysis import timeline as tl
    from collectors.case import Case
    from desktop.app import create_app, make_window

    create_app()
    win = make_window(qapp, lang="vi", settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win, before_close_func=lambda w: w.intake_page.discard_changes())
    win.show()
    case = Case.open(incident, affected_root="")
    try:
        page = win.timeline_page
        win.show_page("timeline")
        page.set_case(case)
        qtbot.waitUntil(lambda: page.apply_btn.isEnabled(), timeout=20_000)
        assert page.host_combo.isVisible()
        items = [page.host_combo.itemData(i) for i in range(page.host_combo.count())]
        assert items == [None, "WIN-03DLIIOFRRA", "db01", "web01"]
        assert page.host_combo.itemText(0) == "mọi máy"
        page.host_combo.setCurrentIndex(items.index("db01"))
        want = tl.count(case, tl.Filter(hosts=["db01"]))
        while page.model.canFetchMore():
            page.model.fetchMore()
        assert page.model.rowCount() == want > 0
        assert {r["host"] for r in page.model.rows} == {"db01"}
        assert page.model.data(page.model.index(0, 1)).startswith("db01 · ")
    finally:
        win.close()
        case.close()
