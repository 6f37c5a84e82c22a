"""Defects a first-time user hit, each driven through the real widgets offscreen."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.desktop.test_app import new_case

VN = dt.timezone(dt.timedelta(hours=7))


def _timeline(make_win, case_dir, qtbot, shared_data):
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    tl.build(win.case)
    page = win.timeline_page
    win.show_page("timeline")
    page.set_case(win.case)
    qtbot.waitUntil(lambda: bool(page.histogram.buckets), timeout=20_000)
    return win, page, tl


def test_histogram_click_narrows_to_that_bar(make_win, case_dir, qtbot, shared_data):
    win, page, tl = _timeline(make_win, case_dir, qtbot, shared_data)
    hist = page.histogram
    busiest = max(range(len(hist.buckets)), key=lambda i: hist.buckets[i][1])
    start, n = hist.buckets[busiest]
    x = int((busiest + 0.5) * hist.width() / len(hist.buckets))
    qtbot.mouseClick(hist, Qt.LeftButton, pos=QPoint(x, hist.height() // 2))
    lo = page.current_filter().start
    hi = page.current_filter().end
    assert lo is not None and lo.bit_length() > 32          # never wrapped to 1970 by a 32-bit signal
    assert lo <= start < hi and hi - lo <= hist.width_us + 2_000_000
    assert "1970" not in page.start_edit.text()
    while page.model.canFetchMore():
        page.model.fetchMore()
    assert page.model.rowCount() >= n > 0


def test_times_in_the_incident_zone_by_default_utc_on_request(make_win, case_dir, qtbot, shared_data):
    win, page, tl = _timeline(make_win, case_dir, qtbot, shared_data)
    row = page.model.rows[0]
    utc = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=row["ts"])
    shown = page.model.data(page.model.index(0, 0))
    assert shown == utc.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S") + " +07:00"
    assert "+07:00" in page.start_edit.placeholderText()
    page.start_edit.setText(utc.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S"))
    assert page.current_filter().start == row["ts"] // 1_000_000 * 1_000_000
    page.utc_box.setChecked(True)
    assert page.model.data(page.model.index(0, 0)) == utc.strftime("%d/%m/%Y %H:%M:%S") + " +00:00"
    # the bound typed in +07:00 keeps its instant when the view switches to UTC
    assert page.start_edit.text() == utc.strftime("%d/%m/%Y %H:%M:%S")
    assert page.current_filter().start == row["ts"] // 1_000_000 * 1_000_000
    assert "UTC" in page.start_edit.placeholderText()


def test_wheel_over_an_unfocused_drop_down_changes_nothing(make_win, case_dir, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QComboBox

    win = make_win()
    new_case(win, case_dir)
    win.show_page("intake")
    page = win.intake_page
    combos = [w for w in page.widgets.values() if isinstance(w, QComboBox)]
    assert combos
    win.activateWindow()
    page.scroll.setFocus()

    def wheel(w, dy):
        ev = QWheelEvent(QPointF(5, 5), QPointF(w.mapToGlobal(QPointF(5, 5).toPoint())), QPoint(0, 0),
                         QPoint(0, dy), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(w, ev)

    before = {id(c): c.currentIndex() for c in combos}
    for c in combos:
        assert not c.hasFocus()
        assert c.focusPolicy() == Qt.StrongFocus
        wheel(c, -120)
        wheel(c, -120)
    assert {id(c): c.currentIndex() for c in combos} == before   # nothing changed under the pointer
    level = page.widgets["system.level"]
    level.setFocus()
    qtbot.waitUntil(level.hasFocus, timeout=2000)
    start = level.currentIndex()
    wheel(level, -120)
    assert level.currentIndex() != start                          # a focused drop-down still takes the wheel


def test_start_after_cancel_finishes_an_interrupted_b5(make_win, case_dir, qtbot, tmp_path):
    src = tmp_path / "named"
    src.mkdir()
    for i in range(1500):
        (src / f"f{i:04d}.txt").write_text(f"tệp {i}\n")
    win = make_win()
    new_case(win, case_dir)
    page = win.collection_page
    stored = []
    page.worker = None
    with qtbot.waitSignal(page.runEnded, timeout=120_000):
        assert win.evidence_page.add_paths([str(src)])
        page.worker.storedBatch.connect(lambda b: (stored.extend(b), page.cancel() if len(stored) < 5000 else None))
    assert win.case.outcomes()["B5"]["state"] == "interrupted"
    first = len(win.case.evidence("B5"))
    assert 0 < first < 1500
    runs = win.case.runs()
    assert '"add"' in runs[-1]["argv"] and str(src) in runs[-1]["argv"]   # the equivalent command is the argv
    # Start on the collection page (B5 ticked, no paths given again) resumes it with the same paths
    page.model.set_checked(["B5"])
    with qtbot.waitSignal(page.runEnded, timeout=120_000) as blocker:
        assert page.start()
    assert blocker.args[0] == "completed"
    assert win.case.outcomes()["B5"]["state"] == "collected"
    names = {r.name for r in win.case.evidence("B5")}
    assert {f"f{i:04d}.txt" for i in range(1500)} <= names          # every file, none copied twice
    assert len([r for r in win.case.evidence("B5") if r.name.startswith("f")]) == 1500


def test_intake_refuses_a_future_detection_and_a_report_before_it(make_win, case_dir):
    from tests.desktop.test_app import fill, fill_m03

    win = make_win()
    new_case(win, case_dir)
    page = win.intake_page
    t0 = (dt.datetime.now(VN) + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    fill_m03(page, t0)
    assert not page.save()
    assert "detected_at" not in win.case.incident().get("detection", {})        # nothing stored
    text = page.problems.text()
    assert "ở tương lai" in text and t0.strftime("%d/%m/%Y %H:%M") in text
    assert "Ngày, thời gian phát hiện sự cố" in text and "detection.detected_at" not in text  # labels, not key paths
    # a report made before the detection is refused too, with both times named
    t0 = (dt.datetime.now(VN) - dt.timedelta(hours=5)).replace(second=0, microsecond=0)
    fill_m03(page, t0)
    fill(page, "reported_at", (t0 - dt.timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"))
    assert not page.save()
    assert "trước thời điểm phát hiện" in page.problems.text()
    fill(page, "reported_at", (t0 + dt.timedelta(hours=1)).strftime("%d/%m/%Y %H:%M"))
    assert page.save()


def test_unsaved_intake_edits_are_not_lost_on_quit_and_missing_list_is_live(make_win, case_dir, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tests.desktop.test_app import fill

    win = make_win()
    new_case(win, case_dir)
    page = win.intake_page
    before = page.problems.text()
    n_before = len(page.show_missing(page.form_values()))
    fill(page, "contact.name", "Nguyễn Văn Đức")
    # the "still missing" list follows the typing, without a save
    qtbot.waitUntil(lambda: page.problems.text() != before, timeout=3000)
    assert len(page.show_missing(page.form_values())) == n_before - 1
    assert page.is_dirty()
    asked = []
    answer = {"v": QMessageBox.Cancel}
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: asked.append(a[2]) or answer["v"]))
    assert not win.close()                      # Cancel: the window stays, the edit with it
    assert asked and win.isVisible() and page.widgets["contact.name"].text() == "Nguyễn Văn Đức"
    answer["v"] = QMessageBox.Save
    assert win.close()
    from collectors.case import Case

    case = Case.open(case_dir)
    try:
        assert case.incident()["contact"]["name"] == "Nguyễn Văn Đức"   # saved on the way out
    finally:
        case.close()


def test_a_clean_form_quits_without_asking(make_win, case_dir, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    win = make_win()
    new_case(win, case_dir)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: pytest.fail("asked")))
    assert not win.intake_page.is_dirty()
    assert win.close()
