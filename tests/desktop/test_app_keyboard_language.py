"""What a technician under deadline trips over, keyboard only, in Vietnamese and English: reasons shown in
the interface's language (GUI and CLI), timeline time meanings, Alt+letter shortcuts that do one thing,
tables Tab can leave, Enter that creates the case, Ctrl+1…8 that land on the page, fresh translations."""
from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QWidget


def new_case(win, case_dir) -> None:
    win.start_page.folder_edit.setText(str(case_dir))
    assert win.start_page.create_case()


def run(qtbot, win, only, **kw):
    page = win.collection_page
    with qtbot.waitSignal(page.runEnded, timeout=120_000) as blocker:
        assert page.start(only=only, **kw)
    return blocker.args[0]


def _mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&\s])", text.replace("&&", ""))
    return m.group(1).lower() if m else None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_alt_letter_does_one_thing_on_each_page(make_win, lang):
    """Two widgets (or a widget and a menu title) with the same Alt+letter: Qt only cycles the focus between
    them, or calls the shortcut ambiguous and does nothing; e.g. Alt+C for both the Case menu and Cancel."""
    win = make_win(lang)
    menus = {}
    for a in win.menuBar().actions():
        if _mnemonic(a.text()):
            menus.setdefault(_mnemonic(a.text()), []).append("menu " + a.text())
    clashes = []
    for key, page in win.pages.items():
        seen = {k: list(v) for k, v in menus.items()}
        for w in page.findChildren(QWidget):
            text = w.title() if isinstance(w, QGroupBox) else w.text() if isinstance(w, (QAbstractButton, QLabel)) else ""
            if text and not text.startswith("<") and _mnemonic(text):
                seen.setdefault(_mnemonic(text), []).append(text)
        clashes += [(key, k, v) for k, v in seen.items() if len(v) > 1]
        # a letter no Vietnamese technician can type with Alt on a plain keyboard (Đ, Ổ...) is no shortcut
        clashes += [(key, k, v) for k, v in seen.items() if not k.isascii()]
    assert clashes == []


def test_enter_in_the_folder_field_creates_the_case_and_the_cursor_waits_in_the_form(make_win, case_dir, qtbot):
    win = make_win()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    sp = win.start_page
    sp.folder_edit.setText(str(case_dir))
    sp.folder_edit.setFocus()
    QTest.keyClick(sp.folder_edit, Qt.Key_Return)
    assert win.case is not None and (case_dir / "case.sqlite").is_file()
    assert win.stack.currentWidget() is win.intake_page
    assert QApplication.focusWidget() is win.intake_page.widgets["title"]


def test_ctrl_number_from_the_sidebar_lands_on_the_page_and_tab_leaves_every_table(make_win, case_dir, qtbot):
    win = make_win("en")
    new_case(win, case_dir)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    win.nav.setFocus()
    QTest.keyClick(win, Qt.Key_3, Qt.ControlModifier)
    assert QApplication.focusWidget() is win.collection_page.start_btn  # Space or Enter starts
    QTest.keyClick(win, Qt.Key_4, Qt.ControlModifier)
    assert QApplication.focusWidget() is win.evidence_page.view
    for view in (win.collection_page.view, win.evidence_page.view, win.timeline_page.view, win.findings_page.table):
        assert not view.tabKeyNavigation(), view.accessibleName()
    QTest.keyClick(win.evidence_page.view, Qt.Key_Tab)
    assert QApplication.focusWidget() is not win.evidence_page.view


def test_reasons_are_shown_in_vietnamese_with_the_collectors_words_in_the_tooltip(make_win, case_dir, qtbot, tmp_path):
    src = tmp_path / "named"
    src.mkdir()
    (src / "note.txt").write_text("ghi chú\n")
    os.symlink("/etc/hostname", src / "link")
    win = make_win()
    new_case(win, case_dir)
    page = win.collection_page
    assert run(qtbot, win, ["B1"]) == "completed"  # no contact point yet: skipped, with the reason
    cell = page.model.item(page.model.row_of["B1"], page.model.COL_DETAIL)
    assert cell.text().startswith("contact_point: hồ sơ sự cố chưa có đầu mối liên hệ")
    assert "no contact point in the incident record yet" in cell.toolTip()
    assert page.model.detail["B1"].startswith("contact_point: no contact point")  # the stored words
    assert [page.notes.item(i).text() for i in range(page.notes.count())] == [
        "B1 — bỏ qua: " + cell.text()]
    # B5 says "link is a symbolic link ... not followed" while it runs and in its outcome: listed once, in Vietnamese
    assert win.evidence_page.add_paths([str(src)])
    qtbot.waitUntil(lambda: not page.running, timeout=60_000)
    notes = [page.notes.item(i).text() for i in range(page.notes.count())]
    link = [n for n in notes if "liên kết tượng trưng" in n]
    assert len(link) == 1 and link[0].startswith("B5: ") and "không đi theo" in link[0], notes
    assert "symbolic link" in page.notes.item(notes.index(link[0])).toolTip()
    # reopening the case shows the stored reasons in Vietnamese too
    win.set_case(None)
    assert win.open_case(str(case_dir))
    assert win.collection_page.model.item(page.model.row_of["B1"], 5).text().startswith("contact_point: hồ sơ")
    # and in English as they were written
    win.set_language("en")
    cell = win.collection_page.model.item(win.collection_page.model.row_of["B1"], 5)
    assert cell.text().startswith("contact_point: no contact point in the incident record yet")


def test_timeline_time_meanings_in_the_interface_language(make_win, case_dir, qtbot, shared_data):
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    tl.build(win.case)
    page = win.timeline_page
    page.reload()
    assert page.model.rowCount() > 0
    idx = page.model.index(0, 2)
    assert page.model.data(idx) == "Thời điểm ghi sự kiện"
    assert page.model.data(idx, Qt.ToolTipRole) == "Event Recorded"  # what Timesketch calls it
    page.view.setCurrentIndex(page.model.index(0, 0))
    assert "Thời điểm ghi sự kiện (Event Recorded)" in page.detail.toPlainText()
    assert "Máy:" in page.detail.toPlainText()
    win.set_language("en")
    assert win.timeline_page.model.data(win.timeline_page.model.index(0, 2)) == "Event Recorded"


def test_cli_status_and_collect_give_reasons_in_the_chosen_language(tmp_path, capsys):
    from desktop.cli import main

    case = str(tmp_path / "CASE")
    assert main(["collect", "--case", case, "--only", "B1"]) == 0
    out = capsys.readouterr().out
    assert "hồ sơ sự cố chưa có đầu mối liên hệ" in out and "no contact point" not in out
    assert main(["status", "--case", case]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("B1 "))
    assert "bỏ qua" in line and "hồ sơ sự cố chưa có đầu mối liên hệ" in line
    assert main(["status", "--case", case, "--lang", "en"]) == 0
    assert "no contact point in the incident record yet" in capsys.readouterr().out
    assert main(["status", "--case", case, "--json"]) == 0  # machine-readable: the stored words
    items = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    assert items["B1"]["reason"].startswith("contact_point: no contact point")


def test_a_qm_older_than_its_ts_is_not_used(qapp, tmp_path, monkeypatch):
    """After an update of the .ts (git pull) the .qm compiled by an earlier setup would show old strings."""
    from desktop.i18n_build import compile_ts
    from desktop.ui import i18n

    ts = tmp_path / "ungcuu_vi.ts"
    shutil.copy(i18n.I18N_DIR / "ungcuu_vi.ts", ts)
    old = tmp_path / "old.ts"
    old.write_text(ts.read_text(encoding="utf-8").replace("&amp;Bắt đầu thu thập", "CŨ"), encoding="utf-8")
    if compile_ts(old, tmp_path / "ungcuu_vi.qm") is None:
        pytest.skip("pyside6-lrelease is not installed")
    qm = tmp_path / "ungcuu_vi.qm"
    os.utime(qm, (ts.stat().st_mtime - 60,) * 2)
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)
    lang = i18n.Language(qapp)
    try:
        lang.set("vi")
        assert lang.source == "ts" and i18n.tr("&Start collection") == "&Bắt đầu thu thập"
        os.utime(qm, (ts.stat().st_mtime + 60,) * 2)  # compiled after the .ts: used
        lang.set("vi")
        assert lang.source == "qm" and i18n.tr("&Start collection") == "CŨ"
    finally:
        lang.set("en")


def test_verify_all_keeps_what_was_missing_from_an_item_in_view(make_win, case_dir, qtbot, tmp_path):
    big = tmp_path / "big.log"
    big.write_bytes(b"x" * 4096)
    win = make_win()
    new_case(win, case_dir)
    rec = win.case.add_file(big, source="/var/log/big.log", limit=1024, checklist_id="B10", collector="log_files")
    assert rec.incomplete
    ev = win.evidence_page
    ev.set_case(win.case)
    with qtbot.waitSignal(ev.verified, timeout=60_000):
        ev.verify_all()
    cell = ev.model.item(0, 7)
    assert cell.text() == "nguyên vẹn · chưa đầy đủ: đạt giới hạn kích thước 1,0 KiB: chỉ sao chép 1,0 KiB đầu"
    assert "size cap of 1024 bytes" in cell.toolTip()


def test_an_item_that_changes_the_system_runs_only_on_yes_and_the_yes_reaches_the_runner(
        make_win, case_dir, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from collectors import checklist as checklist_mod

    yaml_text = checklist_mod.default_path().read_text(encoding="utf-8")
    b2 = yaml_text.index("  - id: B2")
    yaml_text = yaml_text[:b2] + yaml_text[b2:].replace("changes_system: false", "changes_system: true", 1)
    (tmp_path / "checklist.yaml").write_text(yaml_text, encoding="utf-8")
    win = make_win()
    new_case(win, case_dir)
    page = win.collection_page
    page.checklist = checklist_mod.load(tmp_path / "checklist.yaml")
    asked = []

    def answer(reply):
        def question(parent, title, text, buttons=None, default=None):
            asked.append(default)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.No))
    assert not page.start(only=["B2"])  # No: nothing runs
    assert asked == [QMessageBox.No] and "B2" not in win.case.outcomes()  # No is the default for Enter
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Yes))
    with qtbot.waitSignal(page.runEnded, timeout=60_000):
        assert page.start(only=["B2"])
    assert win.case.outcomes()["B2"]["state"] == "collected"  # not "skipped: needs consent"
    runs = [e for e in win.case.custody.entries() if e["action"] == "run-start" or "argv" in e["details"]]
    assert any("--consent" in (e["details"].get("argv") or []) for e in runs), runs
