"""At the default window size no sidebar step or Evidence header is cut (font metrics against the widget),
messages name fields by their printed labels, and sizes are shown as people read them."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItemIterator

from tests.desktop.test_app import new_case


def _cut_steps(win) -> list[str]:
    nav = win.nav
    fm = nav.fontMetrics()
    cut = []
    it = QTreeWidgetItemIterator(nav)
    while it.value():
        item = it.value()
        rect = nav.visualItemRect(item)
        if fm.horizontalAdvance(item.text(0)) + 6 > rect.width() or rect.right() > nav.viewport().width():
            cut.append(item.text(0))
        it += 1
    return cut


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sidebar_steps_fit_at_the_default_size(make_win, case_dir, qtbot, lang):
    win = make_win(lang)
    assert (win.width(), win.height()) == (1280, 820)
    new_case(win, case_dir)
    win.refresh_steps()
    qtbot.waitUntil(lambda: win.nav.viewport().width() >= win.nav.minimumWidth() - 40, timeout=5_000)
    assert _cut_steps(win) == []
    # the evidence count grows the step's text while a run stores: still whole
    win.case.add_bytes(b"x" * 79770, checklist_id="B5", collector="test", source="/tmp/x", name="x.bin")
    win.evidence_page.set_case(win.case)
    win.refresh_evidence_count()
    qtbot.wait(10)
    assert _cut_steps(win) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_evidence_headers_fit_at_the_default_size(make_win, case_dir, qtbot, lang):
    win = make_win(lang)
    new_case(win, case_dir)
    win.show_page("evidence")
    view = win.evidence_page.view
    qtbot.waitUntil(lambda: view.isVisible(), timeout=5_000)
    h = view.horizontalHeader()
    fm = h.fontMetrics()
    model = win.evidence_page.model
    for col in range(model.columnCount()):
        text = model.headerData(col, Qt.Horizontal)
        assert fm.horizontalAdvance(text) + 12 <= h.sectionSize(col), (text, h.sectionSize(col))
    verify = model.headerData(model.columnCount() - 1, Qt.Horizontal)
    assert verify in ("Kiểm tra toàn vẹn", "Verification")
    assert h.sectionViewportPosition(model.columnCount() - 1) + h.sectionSize(model.columnCount() - 1) \
        <= view.viewport().width()                               # the verify column is on screen whole


def test_evidence_preview_gives_a_human_size_with_the_exact_count(make_win, case_dir, qtbot):
    win = make_win()
    new_case(win, case_dir)
    win.case.add_bytes(b"\0" * 79770, checklist_id="B5", collector="test", source="/tmp/x", name="x.bin")
    page = win.evidence_page
    page.set_case(win.case)
    win.show_page("evidence")
    page.view.setCurrentIndex(page.proxy.index(0, 0))
    text = page.preview.toPlainText()
    assert "Kích thước: 77,9 KiB (79.770 byte)" in text
    assert "79.770 bytes" not in text and "79770 bytes" not in text
    assert "(nội dung nhị phân: không xem trước được; 77,9 KiB)" in text
    size_cell = page.proxy.index(0, 4).data()
    assert size_cell == "77,9 KiB"


def test_stored_reasons_show_human_sizes():
    from collectors.messages import translate

    vi = translate("size cap of 1048576 bytes reached: only the first 1048576 bytes were copied", "vi")
    assert vi == "đạt giới hạn kích thước 1,0 MiB: chỉ sao chép 1,0 MiB đầu"
    assert translate("4096 bytes unreadable (zero-filled, see the map)", "vi") == \
        "4,0 KiB không đọc được (ghi bằng 0, xem map)"


def test_cli_evidence_list_shows_human_sizes(tmp_path, capsys):
    from collectors.case import Case
    from desktop.cli import main

    c = Case.create(tmp_path / "c", examiner="t", affected_root="")
    c.add_bytes(b"x" * 79770, checklist_id="B5", collector="test", source="/tmp/x", name="x.bin")
    c.close()
    assert main(["evidence", "--case", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "77,9 KiB" in out and "Kích thước" in out and "79770" not in out


def test_validation_messages_name_the_printed_label(make_win, case_dir):
    from reports.incident import Problem, field_label, missing_fields

    assert field_label("detection.detected_at") == "Ngày, thời gian phát hiện sự cố"
    assert field_label("actions[1].at") == "Các biện pháp đã thực hiện, dòng 2 — Thời điểm"
    assert field_label("reports.initial.number", "en") == "Initial report number"
    assert field_label("no.such") == "no.such"                   # an unknown key the user typed, as typed
    assert Problem("closing.response_ended_at", "x").text() == "Thời điểm kết thúc ứng phó: x"
    # a YAML file's author also gets the key to look for
    assert str(Problem("closing.response_ended_at", "x")) == "Thời điểm kết thúc ứng phó (closing.response_ended_at): x"
    missing = [p.text() for p in missing_fields({}, "m04")]
    assert missing and not any("." in m.split(":")[0] for m in missing)
    win = make_win()
    new_case(win, case_dir)
    page = win.intake_page
    page.widgets["reported_at"].edit.setText("01/01/2020 08:00")
    page.widgets["detection.detected_at"].edit.setText("02/01/2020 08:00")
    assert not page.save()
    text = page.problems.text()
    assert "Thời gian thực hiện báo cáo sự cố" in text and "reported_at" not in text
