"""The record lists of the incident (actions, status history, recipients, plan steps, options, attachments)
edited as tables on the intake page: rows added by typing, removed, moved, saved into the record and
printed in the rendered reports."""
from __future__ import annotations

import subprocess

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.desktop.test_app import new_case


def _type_cell(qtbot, rt, r: int, c: int, text: str) -> None:
    table = rt.table
    table.setCurrentCell(r, c)
    table.editItem(table.item(r, c))
    editors = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    for ch in text:  # key events carrying the text (QTest's keyClicks knows ASCII keys only)
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(editor, QKeyEvent(kind, Qt.Key_unknown, Qt.NoModifier, ch))
    qtbot.keyClick(editor, Qt.Key_Return)
    QApplication.processEvents()  # the delegate commits and closes the editor on a queued call
    assert table.item(r, c).text() == text, (table.item(r, c).text(), text)


def _add(qtbot, rt, *cells: str) -> int:
    qtbot.mouseClick(rt.add_btn, Qt.LeftButton)
    r = rt.table.rowCount() - 1
    for c, text in enumerate(cells):
        if text is not None:
            _type_cell(qtbot, rt, r, c, text)
    return r


def _pdf_text(case, kind: str, tmp_path) -> str:
    from reports.render import render_report

    out = tmp_path / f"{kind}.pdf"
    render_report(case, kind, "pdf", out=out)
    return " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], check=True,
                                   capture_output=True).stdout.decode().split())


def test_record_lists_typed_in_tables_reach_the_record_and_the_reports(make_win, case_dir, qtbot, tmp_path):
    win = make_win()
    new_case(win, case_dir)
    page = win.intake_page
    win.show_page("intake")
    actions = page.widgets["actions"]
    steps = page.widgets["plan.steps"]
    options = page.widgets["direction.options"]
    recipients = page.widgets["recipients"]
    attachments = page.widgets["closing.attachments"]
    history = page.widgets["status_history"]

    r = _add(qtbot, actions)
    assert actions.table.item(r, 1).text() == "Nguyễn Văn An"          # the examiner by default, time now
    _type_cell(qtbot, actions, r, 2, "Cô lập máy chủ web, chặn địa chỉ 203.0.113.9")
    _type_cell(qtbot, actions, r, 3, "Đã chặn")
    _add(qtbot, steps, "Sao lưu nhật ký, rồi cô lập máy chủ")           # commas stay inside one step
    _add(qtbot, steps, "Khôi phục từ bản sao lưu sạch")
    _add(qtbot, options, "Phương án A: dừng dịch vụ, khôi phục ngay")
    _add(qtbot, recipients, "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", "sokhcn@hatinh.gov.vn")
    _add(qtbot, attachments, "Biên bản thu thập chứng cứ, 3 trang")
    hr = _add(qtbot, history)
    box = history.table.cellWidget(hr, 0)
    box.setCurrentIndex(box.findData("contained"))
    assert page.is_dirty()

    qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    rec = win.case.incident()
    assert rec["actions"][-1]["action"] == "Cô lập máy chủ web, chặn địa chỉ 203.0.113.9"
    assert rec["actions"][-1]["by"] == "Nguyễn Văn An" and rec["actions"][-1]["at"].endswith("+07:00")
    assert rec["plan"]["steps"] == ["Sao lưu nhật ký, rồi cô lập máy chủ", "Khôi phục từ bản sao lưu sạch"]
    assert rec["direction"]["options"] == ["Phương án A: dừng dịch vụ, khôi phục ngay"]
    assert rec["recipients"] == [{"name": "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", "email": "sokhcn@hatinh.gov.vn"}]
    assert rec["closing"]["attachments"] == ["Biên bản thu thập chứng cứ, 3 trang"]
    assert [h["status"] for h in rec["status_history"]] == ["contained"]
    assert not page.is_dirty()

    progress = _pdf_text(win.case, "progress", tmp_path)
    assert "Cô lập máy chủ web, chặn địa chỉ 203.0.113.9" in progress
    assert "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh" in progress       # Nơi nhận
    plan = _pdf_text(win.case, "plan", tmp_path)
    assert "Sao lưu nhật ký, rồi cô lập máy chủ" in plan
    direction = _pdf_text(win.case, "direction", tmp_path)
    assert "Phương án A: dừng dịch vụ, khôi phục ngay" in direction
    closing = _pdf_text(win.case, "closing", tmp_path)
    assert "Biên bản thu thập chứng cứ, 3 trang" in closing

    # move the second step up, remove the action: saved as shown
    steps.table.setCurrentCell(1, 0)
    qtbot.mouseClick(steps.up_btn, Qt.LeftButton)
    actions.table.setCurrentCell(actions.table.rowCount() - 1, 0)
    qtbot.mouseClick(actions.remove_btn, Qt.LeftButton)
    qtbot.mouseClick(page.save_btn, Qt.LeftButton)
    rec = win.case.incident()
    assert rec["plan"]["steps"] == ["Khôi phục từ bản sao lưu sạch", "Sao lưu nhật ký, rồi cô lập máy chủ"]
    assert not rec.get("actions")
    assert "Cô lập máy chủ web" not in _pdf_text(win.case, "progress", tmp_path)


def test_untouched_rows_keep_their_stored_times_and_a_bad_row_is_refused_by_its_label(make_win, case_dir, qtbot):
    win = make_win()
    new_case(win, case_dir)
    rec = win.case.incident()
    rec["actions"] = [{"at": "2026-11-20T10:45:37+07:00", "by": "Lê Minh Tuấn", "action": "Ngắt mạng"}]
    win.case.set_incident(rec)
    page = win.intake_page
    page.set_case(win.case)
    actions = page.widgets["actions"]
    assert actions.table.item(0, 0).text() == "20/11/2026 10:45"        # shown in the incident's zone
    assert not page.is_dirty()
    r = _add(qtbot, actions)
    _type_cell(qtbot, actions, r, 0, "31/02/2026 25:00")
    _type_cell(qtbot, actions, r, 2, "Đổi mật khẩu")
    assert not page.save()
    text = page.problems.text()
    assert "Thời điểm" in text and "actions[" not in text               # the printed label, not the key path
    assert len(win.case.incident()["actions"]) == 1                     # nothing stored
    _type_cell(qtbot, actions, r, 0, "21/11/2026 08:00")
    assert page.save()
    saved = win.case.incident()["actions"]
    assert saved[0]["at"] == "2026-11-20T10:45:37+07:00"                # the seconds of the untouched row kept
    assert saved[1]["at"].startswith("2026-11-21T08:00") and saved[1]["action"] == "Đổi mật khẩu"
