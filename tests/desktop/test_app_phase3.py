"""The phase 3 page driven through its real widgets offscreen, on a case collected from a fake root with
planted backdoors (tests/phase3/conftest.py): the plan in the table, marks with the examiner (a skip
without a reason refused), the re-check run off the GUI thread and stopped, then run to the end after
the fix with its answer beside each step; the vulnerability check with a feed picked; the backup check
of a dirty and a clean copy; the equivalent command of each."""
from __future__ import annotations

import json
import os
import shutil

import pytest
from PySide6.QtCore import Qt

from desktop import cli
from tests.phase3.conftest import CRON_LINE, GOOD_KEY, build_root

OSV = {"id": "DSA-9999-1", "modified": "2026-11-30T00:00:00Z", "aliases": ["CVE-2026-0001"],
       "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssh-server"},
                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2+deb12u3"}]}]}]}


@pytest.fixture
def collected(tmp_path):
    root = build_root(tmp_path / "root")
    case_dir = tmp_path / "case"
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root),
                     "--profile", "triage"]) == 0
    return case_dir, root


def _page(make_win, case_dir):
    win = make_win()
    assert win.open_case(str(case_dir), examiner="Nguyễn Văn An")
    win.show_page("phase3")
    return win, win.phase3_page


def _make_plan(qtbot, page):
    qtbot.mouseClick(page.plan_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=60_000)
    qtbot.waitUntil(lambda: page.plan_btn.isEnabled(), timeout=10_000)


def _row_of(page, pred):
    for i, s in enumerate(page.plan):
        if pred(s):
            return i, s
    raise AssertionError("no such step")


def _cell(page, row, col):
    return page.table.item(row, col).text()


def test_plan_table_marks_and_recheck(make_win, collected, qtbot):
    case_dir, root = collected
    win, page = _page(make_win, case_dir)
    assert page.table.rowCount() == 0 and "Chưa có kế hoạch" in page.plan_status.text()
    assert page.command.text().startswith(f"ungcuu remediate --case {case_dir} plan")
    _make_plan(qtbot, page)
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    assert headers == ["Bước", "Việc cần làm", "Chứng cứ", "Lệnh cần chạy", "Trạng thái", "Kiểm tra lại"]
    cron_row, cron = _row_of(page, lambda s: s.action == "remove_line" and s.target.get("path") == "/etc/crontab")
    assert _cell(page, cron_row, 0) == cron.id
    assert cron.evidence_ids[0] in _cell(page, cron_row, 2)
    assert "grep -vxF" in page.table.item(cron_row, 3).toolTip() and _cell(page, cron_row, 4) == "chưa thực hiện"
    assert _cell(page, cron_row, 3) == cron.commands[0] + f" (+{len(cron.commands) - 1} lệnh nữa)"
    assert _cell(page, cron_row, 1).startswith("Xoá") or "crontab" in _cell(page, cron_row, 1)

    # done, with the examiner typed in
    page.table.selectRow(cron_row)
    assert "grep -vxF" in page.commands_view.toPlainText()
    page.by_edit.setText("Trần Thị Bình")
    assert page.command.text().startswith(f"ungcuu remediate --case {case_dir} mark {cron.id} --done --by")
    qtbot.mouseClick(page.done_btn, Qt.LeftButton)
    cron_row, _ = _row_of(page, lambda s: s.id == cron.id)
    assert _cell(page, cron_row, 4).startswith("đã làm — Trần Thị Bình")

    # skipped needs a reason: refused without one, recorded with it
    key_row, key = _row_of(page, lambda s: s.action == "remove_ssh_key" and s.target.get("comment") == "admin@tinh")
    page.table.selectRow(key_row)
    qtbot.mouseClick(page.skip_btn, Qt.LeftButton)
    assert "cần có lý do" in page.mark_message.text()
    page.reason_edit.setText("khoá của quản trị viên")
    qtbot.mouseClick(page.skip_btn, Qt.LeftButton)
    # failed on the account
    acct_row, acct = _row_of(page, lambda s: s.action == "lock_account")
    page.table.selectRow(acct_row)
    qtbot.mouseClick(page.failed_btn, Qt.LeftButton)
    assert "1 đã làm, 1 bỏ qua, 1 không thành công" in page.plan_status.text()
    case = win.case
    marks = [e for e in case.custody.entries() if e["action"] == "remediation_mark"]
    det = [m["details"] if isinstance(m["details"], dict) else json.loads(m["details"]) for m in marks]
    assert [(m["target"], d["status"], d["by"]) for m, d in zip(marks, det)] == [
        (cron.id, "done", "Trần Thị Bình"), (key.id, "skipped", "Trần Thị Bình"), (acct.id, "failed", "Trần Thị Bình")]
    assert det[1]["reason"] == "khoá của quản trị viên"
    acts = case.incident()["actions"]
    assert acts[-3]["action"].startswith(f"[{cron.id}] ") and acts[-2]["result"] == "bỏ qua: khoá của quản trị viên"

    # the re-check off the GUI thread, stopped at once: nothing compared, said plainly
    page.root_edit.setText(str(root))
    assert page.recheck_command.text().startswith(f"ungcuu recheck --case {case_dir} --root {root}")
    qtbot.mouseClick(page.recheck_btn, Qt.LeftButton)
    assert page.recheck_progress.maximum() == 0 and page.recheck_cancel.isEnabled() and not page.recheck_btn.isEnabled()
    qtbot.mouseClick(page.recheck_cancel, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.recheck_worker is None, timeout=120_000)
    assert "đã dừng trước khi so sánh" in page.recheck_status.text()
    assert all(_cell(page, i, 5) == "" for i in range(page.table.rowCount()))

    # the fix applied to the tree (the /etc/cron.d backdoor left in place), then the re-check to the end
    crontab = root / "etc/crontab"
    crontab.write_text("\n".join(ln for ln in crontab.read_text().splitlines() if ln != CRON_LINE) + "\n")
    os.unlink(root / "etc/systemd/system/multi-user.target.wants/implant.service")
    os.unlink(root / "etc/systemd/system/implant.service")
    (root / "root/.ssh/authorized_keys").write_text(GOOD_KEY + "\n")
    passwd = root / "etc/passwd"
    passwd.write_text("".join(ln + "\n" for ln in passwd.read_text().splitlines() if not ln.startswith("backdoor:")))
    qtbot.mouseClick(page.recheck_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.recheck_worker is None, timeout=300_000)
    assert page.recheck_result is not None, page.recheck_status.text()
    import shlex

    assert json.loads(win.case.runs()[-1]["argv"]) == shlex.split(page.recheck_command.text())  # what custody keeps
    status = {s.id: page.table.item(i, 5).data(Qt.UserRole) for i, s in enumerate(page.plan)}
    crond = next(s for s in page.plan if s.action == "remove_line" and s.target.get("path") == "/etc/cron.d/job")
    unit = next(s for s in page.plan if s.action == "disable_unit")
    assert status[cron.id] == "gone" and status[unit.id] == "gone" and status[acct.id] == "gone"
    assert status[crond.id] == "still_present"
    crond_row, _ = _row_of(page, lambda s: s.id == crond.id)
    assert _cell(page, crond_row, 5) == "vẫn còn" and _cell(page, cron_row, 5) == "đã hết"
    assert page.recheck_status.text().startswith(f"Kiểm tra lại {page.recheck_result['run_id']}:")
    assert "vẫn còn" in page.recheck_status.text()
    acts = win.case.incident()["actions"]
    assert acts[-1]["action"].startswith("Kiểm tra lại toàn bộ hệ thống") and "vẫn còn" in acts[-1]["result"]

    # reopened: the plan and the last re-check come back beside the steps
    page.set_case(win.case)
    crond_row, _ = _row_of(page, lambda s: s.id == crond.id)
    assert _cell(page, crond_row, 5) == "vẫn còn"


def test_vulnerability_and_backup_checks(make_win, collected, qtbot, tmp_path):
    case_dir, root = collected
    win, page = _page(make_win, case_dir)
    feed = tmp_path / "osv.json"
    feed.write_text(json.dumps([OSV]))

    class Picker:  # what QFileDialog would answer
        file = str(feed)
        folder = ""

        @staticmethod
        def getOpenFileName(*_a):
            return Picker.file, ""

        @staticmethod
        def getExistingDirectory(*_a):
            return Picker.folder

    page.file_dialog = Picker
    page.tabs.setCurrentIndex(1)
    assert page.command.text() == f"ungcuu vulns --case {case_dir}"
    vtab = page.tabs.widget(1)
    add_file = next(b for b in vtab.findChildren(type(page.vulns_btn)) if b.text() == "Thêm &tệp nguồn dữ liệu…")
    qtbot.mouseClick(add_file, Qt.LeftButton)
    assert page.feeds() == [str(feed)]
    assert page.command.text() == f"ungcuu vulns --case {case_dir} --feed {feed}"
    # stopped at once: nothing recorded, said so
    qtbot.mouseClick(page.vulns_btn, Qt.LeftButton)
    assert page.vulns_cancel.isEnabled()
    qtbot.mouseClick(page.vulns_cancel, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.vulns_worker is None, timeout=120_000)
    assert page.vulns_text.toPlainText() == "Đã dừng kiểm tra lỗ hổng: chưa ghi nhận gì."
    assert not [e for e in win.case.custody.entries() if e["action"] == "vulns_check"]
    qtbot.mouseClick(page.vulns_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.vulns_worker is None, timeout=120_000)
    text = page.vulns_text.toPlainText()
    assert "openssh-server 1:9.2p1-2+deb12u2" in text and "CVE-2026-0001" in text and "bản sửa 1:9.2p1-2+deb12u3" in text
    assert win.case.incident()["actions"][-1]["result"].startswith("1 gói còn lỗ hổng")
    page.set_case(win.case)   # reopened: the last result is shown
    assert page.vulns_text.toPlainText().startswith("Lần kiểm tra gần nhất:") and "CVE-2026-0001" in page.vulns_text.toPlainText()

    # backup check: a copy of the compromised tree is flagged, a clean one passes
    page.tabs.setCurrentIndex(2)
    dirty = tmp_path / "backup-dirty"
    shutil.copytree(root, dirty, symlinks=True)
    Picker.folder = str(dirty)
    btab = page.tabs.widget(2)
    pick_dir = next(b for b in btab.findChildren(type(page.backup_btn)) if b.text() == "Thư mục…")
    qtbot.mouseClick(pick_dir, Qt.LeftButton)
    assert page.backup_edit.text() == str(dirty)
    assert page.command.text() == f"ungcuu backup-check --case {case_dir} {dirty}"
    qtbot.mouseClick(page.backup_btn, Qt.LeftButton)
    assert page.backup_progress.maximum() == 0
    qtbot.waitUntil(lambda: page.backup_worker is None, timeout=120_000)
    assert page.backup_verdict.property("verdict") == "contains_indicators", page.backup_verdict.text()
    assert page.backup_verdict.text().startswith("KHÔNG SẠCH")
    clean = tmp_path / "backup-clean"
    (clean / "etc").mkdir(parents=True)
    (clean / "etc/hostname").write_text("web01\n")
    (clean / "etc/crontab").write_text("SHELL=/bin/sh\n")
    os.utime(clean / "etc/hostname", (1_000_000_000, 1_000_000_000))
    os.utime(clean / "etc/crontab", (1_000_000_000, 1_000_000_000))
    page.backup_edit.setText(str(clean))
    qtbot.mouseClick(page.backup_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.backup_worker is None, timeout=120_000)
    assert page.backup_verdict.property("verdict") == "clean", page.backup_text.toPlainText()
    assert page.backup_verdict.text().startswith("SẠCH")
    # a path that does not exist: said, nothing started
    page.backup_edit.setText(str(tmp_path / "nowhere"))
    qtbot.mouseClick(page.backup_btn, Qt.LeftButton)
    assert page.backup_worker is None and "có thật" in page.backup_verdict.text()
    # the language switch keeps the feeds and the results, shown in English
    page.backup_edit.setText(str(dirty))
    qtbot.mouseClick(page.backup_btn, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.backup_worker is None, timeout=120_000)
    win.set_language("en")
    page = win.phase3_page
    assert page.tabs.currentIndex() == 2 and page.tabs.tabText(1) == "Vulnerabilities after patching"
    assert page.feeds() == [str(feed)] and "fixed in 1:9.2p1-2+deb12u3" in page.vulns_text.toPlainText()
    assert page.backup_verdict.property("verdict") == "contains_indicators"
    assert page.backup_verdict.text().startswith("NOT CLEAN") and page.backup_edit.text() == str(dirty)
    assert page.command.text() == f"ungcuu backup-check --case {case_dir} {dirty}"
    c = win.case
    assert [e for e in c.custody.entries() if e["action"] == "vulns_check"]
