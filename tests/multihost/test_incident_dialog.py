"""The desktop app's import of many hosts into one incident (Case menu): the real dialog, offscreen, over
real bundles built by UngCuu in the session fixtures (web01 and win as ZIP, db01 as an encrypted 7z)."""
from __future__ import annotations

import os
import zipfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6", reason="the desktop app needs PySide6")

from tests.desktop.test_app import new_case  # noqa: E402

PASSPHRASE = "mật khẩu 2026"


@pytest.fixture
def win(qapp, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from desktop.app import create_app, make_window

    create_app()
    w = make_window(qapp, lang="vi", settings=QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(w, before_close_func=lambda x: x.intake_page.discard_changes())
    w.ask_examiner = lambda current: None
    w.show()
    yield w
    w.close()


def _open_dialog(win, tmp_path):
    new_case(win, tmp_path / "INC")
    action = win.import_action
    assert action.text().replace("&", "") == "Nhập các máy vào một sự cố…"
    assert action in win.menuBar().actions()[0].menu().actions()  # in the Case menu
    action.trigger()
    dlg = win.incident_dialog
    assert dlg.isVisible() and dlg.case is win.case
    return dlg


def _wait_import(qtbot, dlg):
    qtbot.waitUntil(lambda: not dlg.busy, timeout=120_000)


def test_import_dialog_imports_every_host_asks_the_passphrase_and_correlates(win, qtbot, tmp_path, bundles,
                                                                             host_cases):
    from PySide6.QtCore import Qt

    from analysis import hosts, timeline
    from desktop.ui.commandline import display
    from desktop.ui.incident import HOSTS_TAB, LINKS_TAB

    dlg = _open_dialog(win, tmp_path)
    sources = [str(bundles["web01"]), str(bundles["db01"]), str(bundles["win"])]
    dlg.add_sources(sources)
    dlg.add_sources([sources[0]])  # once in the list
    assert dlg.source_paths() == sources
    assert dlg.command.text() == display(["ungcuu", "import", "--case", str(win.case.path), *sources])
    qtbot.mouseClick(dlg.import_btn, Qt.LeftButton)
    assert dlg.busy and dlg.cancel_btn.isEnabled() and not dlg.import_btn.isEnabled()
    # the encrypted bundle: its passphrase is asked while the import waits on its thread
    qtbot.waitUntil(lambda: dlg.passphrase_prompt is not None and dlg.passphrase_prompt.isVisible(), timeout=60_000)
    prompt = dlg.passphrase_prompt
    assert "db01.7z" in prompt.labelText() and prompt.textEchoMode() == prompt.textEchoMode().Password
    prompt.setTextValue(PASSPHRASE)
    prompt.accept()
    _wait_import(qtbot, dlg)
    assert [(r.status, r.host) for r in dlg.results] == [("imported", "web01"), ("imported", "db01"),
                                                          ("imported", "WIN-03DLIIOFRRA")]
    text = dlg.result_text.toPlainText()
    assert text.count(": đã nhập — máy ") == 3 and "TỪ CHỐI" not in text
    assert dlg.progress.maximum() == 1 and not dlg.cancel_btn.isEnabled()
    # the incident's timeline spans the hosts, and the window's pages show it
    assert set(timeline.host_counts(win.case)) >= {"web01", "db01", "WIN-03DLIIOFRRA"}
    assert win.timeline_page.host_combo.count() == 1 + len([h for h in timeline.host_counts(win.case) if h])
    # Hosts tab
    dlg.tabs.setCurrentIndex(HOSTS_TAB)
    t = dlg.hosts_table
    assert sorted(t.item(r, 0).text() for r in range(t.rowCount())) == ["WIN-03DLIIOFRRA", "db01", "web01"]
    assert {t.item(r, 1).text() for r in range(t.rowCount())} == {d["case_id"] for d in hosts.current(win.case)}
    assert "3 máy" in dlg.hosts_note.text()
    # the same host again: recognised, not imported twice
    dlg.tabs.setCurrentIndex(0)
    dlg.sources.clear()
    dlg.add_sources([sources[0]])
    before = timeline.count(win.case)
    qtbot.mouseClick(dlg.import_btn, Qt.LeftButton)
    _wait_import(qtbot, dlg)
    assert [r.status for r in dlg.results] == ["already"]
    assert "đã được nhập trước đó (máy web01" in dlg.result_text.toPlainText()
    assert "không nhập lại" in dlg.result_text.toPlainText()
    assert timeline.count(win.case) == before and len(hosts.collections(win.case)) == 3
    # db01's case folder: one custody entry more than its bundle (the bundle's export), a newer collection
    dlg.sources.clear()
    dlg.add_sources([str(host_cases["db01"])])
    qtbot.mouseClick(dlg.import_btn, Qt.LeftButton)
    _wait_import(qtbot, dlg)
    assert [(r.status, r.host) for r in dlg.results] == [("newer", "db01")]
    assert "là lần thu thập mới hơn của máy db01" in dlg.result_text.toPlainText()
    assert timeline.count(win.case) == before and len(hosts.collections(win.case)) == 4
    # Links between hosts (C6), off the GUI thread
    dlg.tabs.setCurrentIndex(LINKS_TAB)
    assert dlg.tabs.tabText(LINKS_TAB) == "Liên kết giữa các máy (C6)"
    assert dlg.command.text() == display(["ungcuu", "correlate", "--case", str(win.case.path)])
    qtbot.mouseClick(dlg.correlate_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.correlation is not None and not dlg.busy, timeout=120_000)
    story = dlg.story_text.toPlainText()
    assert "web01 (10.0.0.5) → db01, tài khoản admin, qua SSH" in story
    assert "203.0.113.9 → web01" in story  # the way in, from outside
    shared = {(dlg.shared_table.item(r, 0).text(), dlg.shared_table.item(r, 1).text())
              for r in range(dlg.shared_table.rowCount())}
    assert ("tài khoản", "admin") in shared
    dlg.reject()


def test_import_dialog_refuses_a_tampered_bundle_naming_the_member(win, qtbot, tmp_path, bundles):
    from PySide6.QtCore import Qt

    from analysis import hosts

    bad = tmp_path / "web01-tampered.zip"
    with zipfile.ZipFile(bundles["web01"]) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("-auth.log"):
                data = data.replace(b"203.0.113.9", b"203.0.113.8")
                victim = info.filename
            zout.writestr(info, data)
    dlg = _open_dialog(win, tmp_path)
    dlg.add_sources([str(bad)])
    qtbot.mouseClick(dlg.import_btn, Qt.LeftButton)
    _wait_import(qtbot, dlg)
    assert [r.status for r in dlg.results] == ["refused"]
    text = dlg.result_text.toPlainText()
    assert f"{bad}: BỊ TỪ CHỐI, không giữ lại gì của nó:" in text
    assert any(victim in line and "SHA-256 không khớp" in line for line in text.splitlines()), text
    assert hosts.collections(win.case) == [] and dlg.hosts_table.rowCount() == 0
    dlg.reject()


def test_import_dialog_cancel_while_the_passphrase_is_asked_keeps_nothing(win, qtbot, tmp_path, bundles):
    from PySide6.QtCore import Qt

    from analysis import hosts

    dlg = _open_dialog(win, tmp_path)
    dlg.add_sources([str(bundles["db01"]), str(bundles["web01"])])
    qtbot.mouseClick(dlg.import_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.passphrase_prompt is not None and dlg.passphrase_prompt.isVisible(), timeout=60_000)
    qtbot.mouseClick(dlg.cancel_btn, Qt.LeftButton)
    _wait_import(qtbot, dlg)
    assert dlg.passphrase_prompt is None
    assert "Đã hủy việc nhập" in dlg.result_text.toPlainText()
    assert hosts.collections(win.case) == []  # neither the encrypted bundle nor the one after it
    assert dlg.import_btn.isEnabled() and not dlg.cancel_btn.isEnabled()
    dlg.reject()


def test_closing_the_window_cancels_an_import_waiting_for_a_passphrase(win, qtbot, tmp_path, bundles):
    from PySide6.QtCore import Qt

    from analysis import hosts

    dlg = _open_dialog(win, tmp_path)
    case_path = win.case.path
    dlg.add_sources([str(bundles["db01"])])
    qtbot.mouseClick(dlg.import_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: dlg.passphrase_prompt is not None and dlg.passphrase_prompt.isVisible(), timeout=60_000)
    worker = dlg.worker
    win.close()  # waits for the import's thread, which stops instead of waiting for the answer
    assert worker.cancel_event.is_set()
    assert hosts.collections(case_path) == []
