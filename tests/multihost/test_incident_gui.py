"""The timeline page of an incident case: a host filter (hidden for a single-host case) that shows what the
core's host filter returns, and the host beside each event's source. Offscreen Qt window."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6", reason="the desktop app needs PySide6")


def test_timeline_page_filters_by_host(incident, qapp, qtbot, tmp_path):
    from PySide6.QtCore import QSettings, Qt

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
        col = page.model.HOST_COL
        assert not page.view.isColumnHidden(col) and page.view.horizontalHeader().visualIndex(col) == 1
        assert page.model.headerData(col, Qt.Horizontal) == "Máy"
        assert {page.model.data(page.model.index(i, col)) for i in range(page.model.rowCount())} == {"db01"}
        assert page.model.data(page.model.index(0, 1)) == page.model.rows[0]["source"]
    finally:
        win.close()
        case.close()


def test_single_host_timeline_hides_host_column_and_filter(host_cases, qapp, qtbot, tmp_path):
    """One host's own case: no host filter, no Host column."""
    import shutil

    from PySide6.QtCore import QSettings

    from analysis import timeline as tl
    from collectors.case import Case
    from desktop.app import create_app, make_window

    create_app()
    win = make_window(qapp, lang="vi", settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win, before_close_func=lambda w: w.intake_page.discard_changes())
    win.show()
    shutil.copytree(host_cases["web01"], tmp_path / "web01")
    case = Case.open(tmp_path / "web01", affected_root="")
    try:
        tl.build(case)
        # its syslog relays lines of other machines: names in the host column, yet one examined host
        assert "web01" in tl.host_counts(case)
        page = win.timeline_page
        win.show_page("timeline")
        page.set_case(case)
        qtbot.waitUntil(lambda: page.apply_btn.isEnabled(), timeout=20_000)
        assert page.model.rowCount() > 0
        assert not page.host_combo.isVisible()
        assert page.view.isColumnHidden(page.model.HOST_COL)
        assert page.current_filter().hosts is None
    finally:
        win.close()
        case.close()


def test_findings_page_shows_the_host_of_each_finding(incident, host_cases, qapp, qtbot, tmp_path):
    """Analysing an incident case: a Host column (after Severity) naming the hosts each finding's evidence
    comes from; a host's own case has no such column."""
    import shutil

    from PySide6.QtCore import QSettings, Qt

    from collectors.case import Case
    from desktop.app import create_app, make_window
    from desktop.ui.results import HOST_COL

    create_app()
    win = make_window(qapp, lang="vi", settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win, before_close_func=lambda w: w.intake_page.discard_changes())
    win.show()
    case = Case.open(incident, affected_root="")
    shutil.copytree(host_cases["web01"], tmp_path / "web01")
    single = Case.open(tmp_path / "web01", affected_root="")
    try:
        page = win.findings_page
        win.show_page("findings")
        page.set_case(case)
        qtbot.mouseClick(page.run_btn, Qt.LeftButton)
        qtbot.waitUntil(lambda: page._ran and page.run_btn.isEnabled(), timeout=120_000)
        assert page.table.rowCount() > 0
        assert not page.table.isColumnHidden(HOST_COL)
        assert page.table.horizontalHeader().visualIndex(HOST_COL) == 2
        assert page.table.horizontalHeaderItem(HOST_COL).text() == "Máy"
        shown = {}
        for r, f in enumerate(page.shown):
            want = sorted({e.split("/", 1)[0] for e in f.evidence_ids + [x["evidence_id"] for x in f.events] if "/" in e})
            assert page.table.item(r, HOST_COL).text() == ", ".join(want)
            shown[f.rule] = want
        assert ["WIN-03DLIIOFRRA"] in shown.values()  # the Windows host's account findings
        assert any({"db01", "web01"} <= set(h) for h in shown.values())  # one finding over the SSH logons of both
        row = next(r for r, f in enumerate(page.shown) if len(shown[f.rule]) > 1)
        page.table.setCurrentCell(row, 3)
        assert "Máy: " + ", ".join(shown[page.shown[row].rule]) in page.details.toPlainText()
        page.set_case(single)
        qtbot.mouseClick(page.run_btn, Qt.LeftButton)
        qtbot.waitUntil(lambda: page._ran and page.run_btn.isEnabled(), timeout=120_000)
        assert page.table.rowCount() > 0 and page.table.isColumnHidden(HOST_COL)
    finally:
        win.close()
        case.close()
        single.close()
