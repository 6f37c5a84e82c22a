"""The activity strip on the timeline page: bars over the whole case, findings marked by tactic after the
analysis runs on the Findings page, and a click on a mark shows its matched events."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.desktop.test_app import new_case


def test_strip_marks_the_findings_and_a_click_shows_their_events(make_win, case_dir, qtbot, shared_data):
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    win.case.add_file(shared_data / "evtx/attack-samples/Defense_Evasion/DE_1102_security_log_cleared.evtx",
                      source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx", name="Security.evtx",
                      checklist_id="B10", collector="log_files")
    tl.build(win.case)
    page = win.timeline_page
    win.show_page("timeline")
    page.set_case(win.case)
    strip = page.strip
    qtbot.waitUntil(lambda: strip.strip is not None, timeout=20_000)
    assert sum(strip.strip.counts) == tl.count(win.case)       # the whole case, whatever the filter
    assert strip.strip.marks == []                              # not analysed yet: bars only

    fp = win.findings_page
    win.show_page("findings")
    qtbot.mouseClick(fp.run_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: fp._ran, timeout=120_000)
    assert strip.strip.marks == []                  # drawn when the timeline page is shown, not while hidden
    win.show_page("timeline")
    qtbot.waitUntil(lambda: strip.strip is not None and bool(strip.strip.marks), timeout=20_000)
    tactics = [e.tactic for e in strip.strip.legend]
    assert "defense_impairment" in tactics
    from analysis.findings import TACTIC_ORDER

    known = [t for t in tactics if t != "other"]
    assert known == sorted(known, key=TACTIC_ORDER.__getitem__)  # legend in attack order

    qtbot.waitUntil(lambda: strip.isVisible() and strip.width() > 100, timeout=5_000)
    mark = next(m for m in strip.strip.marks if m.tactic == "defense_impairment")
    assert mark.events
    r = strip.mark_rect(mark)
    assert r.right() <= strip.width() and r.bottom() <= strip.height()
    qtbot.mouseClick(strip, Qt.LeftButton, pos=QPoint(int(r.center().x()), int(r.center().y())))
    flt = page.current_filter()
    assert flt.start is not None and flt.end is not None
    while page.model.canFetchMore():
        page.model.fetchMore()
    shown = {(row["evidence_id"], row["locator"]) for row in page.model.rows}
    wanted = {(e["evidence_id"], e["locator"]) for e in mark.events}
    assert wanted <= shown                                      # every matched event is in the view
    assert page.model.rowCount() < tl.count(win.case)           # and the view is narrowed


def test_strip_click_outside_a_mark_changes_nothing(make_win, case_dir, qtbot, shared_data):
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    tl.build(win.case)
    page = win.timeline_page
    win.show_page("timeline")
    page.set_case(win.case)
    qtbot.waitUntil(lambda: page.strip.strip is not None, timeout=20_000)
    with qtbot.assertNotEmitted(page.strip.markClicked):
        qtbot.mouseClick(page.strip, Qt.LeftButton, pos=QPoint(5, 5))
    assert page.start_edit.text() == ""


def test_strip_appears_when_the_analysis_builds_the_timeline(make_win, case_dir, qtbot, shared_data):
    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "evtx/attack-samples/Defense_Evasion/DE_1102_security_log_cleared.evtx",
                      source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx", name="Security.evtx",
                      checklist_id="B10", collector="log_files")
    page = win.timeline_page
    page.set_case(win.case)                                     # no timeline yet: nothing to draw
    assert page.conn is None and page.strip.strip is None
    fp = win.findings_page
    win.show_page("findings")
    qtbot.mouseClick(fp.run_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: fp._ran, timeout=120_000)
    win.show_page("timeline")
    qtbot.waitUntil(lambda: page.strip.strip is not None and bool(page.strip.strip.marks), timeout=20_000)
    assert any(m.tactic == "defense_impairment" for m in page.strip.strip.marks)
