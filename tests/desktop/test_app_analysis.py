"""The analysis side of the job in the desktop app, driven through the real widgets offscreen: the team's
Sigma rules folder on the findings page with the counts of what the rules, indicators and YARA rules
checked and matched."""
from __future__ import annotations

import hashlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.desktop.test_app import new_case

APPCMD = "Credential_Access/discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx"
TEAM_RULE = ("title: Team rule - appcmd lists app pools\nid: team-1\nlevel: low\nauthor: CERT Hà Tĩnh\n"
             "logsource: {product: windows, category: process_creation}\n"
             "detection:\n  sel:\n    CommandLine|contains|all: [appcmd, ' list apppool']\n  condition: sel\n")
BAD_RULE = "title: bad\nlogsource: {product: windows}\ndetection:\n  sel: {Image: x}\n  condition: sel or nope\n"


def test_the_team_sigma_folder_is_used_and_the_counts_of_rules_iocs_and_yara_are_shown(
        make_win, case_dir, qtbot, tmp_path, shared_data, monkeypatch):
    evtx = shared_data / "evtx" / "attack-samples" / APPCMD
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "ours.yml").write_text(TEAM_RULE, encoding="utf-8")
    (rules / "bad.yml").write_text(BAD_RULE, encoding="utf-8")
    ioc = tmp_path / "iocs.txt"
    ioc.write_text(hashlib.sha256(evtx.read_bytes()).hexdigest() + "\nevil.example.invalid\n")
    yar = tmp_path / "appcmd.yar"
    yar.write_text('rule appcmd_in_file { strings: $a = "appcmd" wide nocase condition: $a }\n'
                   'rule never_there { strings: $b = "ungcuu-no-such-string" condition: $b }\n')
    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(evtx, checklist_id="B10", collector="test", source="C:\\Windows\\System32\\winevt\\Logs\\x.evtx")
    win.show_page("findings")
    page = win.findings_page
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(rules))
    rules_btn = next(b for b in page.findChildren(type(page.run_btn)) if b.text() == "Luật Sigma…")
    qtbot.mouseClick(rules_btn, Qt.LeftButton)
    assert page.rules_edit.text() == str(rules)
    page.ioc_edit.setFocus()
    qtbot.keyClicks(page.ioc_edit, str(ioc))
    page.yara_edit.setFocus()
    qtbot.keyClicks(page.yara_edit, str(yar))
    assert not page.counts.isVisible()
    qtbot.mouseClick(page.run_btn, Qt.LeftButton)
    qtbot.waitUntil(page.counts.isVisible, timeout=240_000)
    text = page.counts.text()
    report = page.report
    assert report.rules["custom"] == 1 and report.rules["custom_matched"] == 1
    total = report.rules["rules"] + report.rules["correlations"]
    assert total > 1000
    assert (f"Luật Sigma: đã nạp {total} (1 từ thư mục của đội), {report.rules['failed']} không đọc được, "
            f"{report.rules['matched']} khớp.") in text
    assert report.rules["matched"] >= 1 and report.rules["failed"] >= 1
    failures = next(line for line in text.splitlines() if line.startswith("Tệp luật không đọc được: "))
    assert str(rules / "bad.yml") + ":" in failures and "ours.yml" not in failures
    assert "IOC: đã kiểm tra 2 chỉ báo, 1 khớp." in text
    assert "YARA: 2 luật trên 1 tệp, 1 tệp khớp." in text
    assert any(f.rule == "team-1" for f in page.findings)
    # the counts stay when the language is switched (the page keeps its state)
    win.set_language("en")
    page = win.findings_page
    assert page.rules_edit.text() == str(rules) and "IOC: 2 indicators checked, 1 matched." in page.counts.text()


def test_the_timeline_export_dialog_writes_the_chosen_format_off_thread_and_a_cancel_leaves_no_file(
        make_win, case_dir, qtbot, tmp_path, shared_data, monkeypatch):
    from analysis import export
    from analysis import timeline as tl

    win = make_win()
    new_case(win, case_dir)
    win.case.add_file(shared_data / "logs/plaso-test-data/syslog_syslog", source="/var/log/syslog", name="syslog",
                      checklist_id="B10", collector="log_files")
    win.case.add_file(shared_data / "evtx" / "attack-samples" / APPCMD, checklist_id="B10", collector="test",
                      source="C:\\Windows\\System32\\winevt\\Logs\\x.evtx")
    win.show_page("timeline")
    page = win.timeline_page
    qtbot.mouseClick(page.export_btn, Qt.LeftButton)
    dlg = page.export_dialog
    assert dlg is not None and dlg.isVisible()
    formats = [dlg.format.itemData(i) for i in range(dlg.format.count())]
    assert formats == ["jsonl", "csv", "timesketch", "ecs", "ecs-bulk", "bodyfile", "mactime"]
    # the same choices as the command line's --format (less its "summary")
    from desktop.cli import build_parser

    sub = next(a for a in build_parser()[0]._actions if a.dest == "command").choices["timeline"]
    assert formats == [c for c in next(a for a in sub._actions if a.dest == "format").choices if c != "summary"]
    assert dlg.out_edit.text() == str(case_dir.resolve() / "exports" / "timeline.jsonl")
    dlg.format.setFocus()
    qtbot.keyClick(dlg.format, Qt.Key_Down)                       # csv
    assert dlg.format.currentData() == "csv"
    assert dlg.out_edit.text().endswith("timeline.csv")
    out = tmp_path / "tl.csv"
    dlg.out_edit.setFocus()
    dlg.out_edit.selectAll()
    qtbot.keyClicks(dlg.out_edit, str(out))
    assert dlg.command.text() == f"ungcuu timeline --case {case_dir.resolve()} --format csv --out {out}"
    qtbot.mouseClick(dlg.export_btn, Qt.LeftButton)
    assert dlg.running and not dlg.close_btn.isEnabled()
    qtbot.waitUntil(lambda: not dlg.running, timeout=120_000)
    n = tl.count(win.case)
    assert n > 20 and dlg.last_count == n                          # one line per event (and the header)
    assert out.read_text(encoding="utf-8") == export.to_string(win.case, "csv")
    assert out.read_text(encoding="utf-8").count("\n") == n + 1
    assert dlg.status.text() == f"Đã ghi {n} dòng vào {out}"
    assert dlg.bar.value() == dlg.bar.maximum()

    # Cancel pressed while it runs: the worker is held before its first line until the click is made
    import threading

    gate = threading.Event()
    ensure = tl.ensure
    monkeypatch.setattr(tl, "ensure", lambda case, **kw: (gate.wait(30), ensure(case, **kw))[1])
    monkeypatch.setattr(export, "PROGRESS_EVERY", 1)
    dlg.format.setCurrentIndex(0)
    second = tmp_path / "tl.jsonl"
    dlg.out_edit.setText(str(second))
    qtbot.mouseClick(dlg.export_btn, Qt.LeftButton)
    assert dlg.running and dlg.cancel_btn.isEnabled()
    qtbot.mouseClick(dlg.cancel_btn, Qt.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: not dlg.running, timeout=120_000)
    assert dlg.status.text() == "Đã hủy xuất: không tệp nào được ghi."
    assert not second.exists() and not (tmp_path / "tl.jsonl.part").exists()
    # a folder as the output is refused with the reason
    dlg.out_edit.setText(str(tmp_path))
    assert not dlg.start() and dlg.status.text() == "Đường dẫn kết quả là một thư mục: hãy chọn tên tệp."


def _collection(case, tmp_path, *, openssl: str, ports: list, users: list, cron: str):
    src = tmp_path / f"{case.path.name}-crontab"
    src.write_text(cron)
    case.add_json([{"name": "openssl", "version": openssl, "arch": "amd64", "manager": "dpkg"},
                   {"name": "bash", "version": "5.1-6", "arch": "amd64", "manager": "dpkg"}],
                  checklist_id="B4", name="packages.json", source="test", collector="test")
    case.add_json(ports, checklist_id="B11", name="listening_ports.json", source="test", collector="test")
    case.add_json(users, checklist_id="B4", name="users.json", source="test", collector="test")
    case.add_file(src, checklist_id="B4", collector="test", source="/etc/crontab")


def test_the_h3_comparison_of_two_collections_runs_off_thread_and_lists_the_differences(
        make_win, case_dir, qtbot, tmp_path, monkeypatch):
    from collectors.case import Case

    root = {"name": "root", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/bash"}
    ssh = {"proto": "tcp", "laddr": "0.0.0.0", "lport": 22, "pid": 1, "process": "sshd", "exe": "/usr/sbin/sshd"}
    door = {"proto": "tcp", "laddr": "0.0.0.0", "lport": 4444, "pid": 2, "process": "kworker", "exe": "/tmp/.k/kworker"}
    win = make_win()
    new_case(win, case_dir)                                        # the open case: the collection before
    _collection(win.case, tmp_path, openssl="3.0.2-0ubuntu1.10", ports=[ssh, door],
                users=[root, {"name": "toor", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/sh"}],
                cron="* * * * * root /tmp/.k/kworker\n")
    after_dir = tmp_path / "AFTER-01"
    with Case.create(after_dir, examiner="pytest", affected_root="") as after:
        _collection(after, tmp_path, openssl="3.0.2-0ubuntu1.12", ports=[ssh],
                    users=[root, {"name": "backup", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/sh"}],
                    cron="17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    win.compare_action.trigger()
    dlg = win.compare_dialog
    assert dlg.isVisible() and dlg.before_edit.text() == str(case_dir.resolve())
    qtbot.mouseClick(dlg.compare_btn, Qt.LeftButton)              # the after folder is missing: said so
    assert dlg.status.text() == "Hãy chọn cả hai thư mục hồ sơ: lần thu thập trước và lần thu thập sau."
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    qtbot.mouseClick(dlg.after_btn, Qt.LeftButton)
    qtbot.mouseClick(dlg.compare_btn, Qt.LeftButton)              # not a case folder
    assert dlg.status.text() == f"Không phải thư mục hồ sơ: {tmp_path}"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(case_dir))
    qtbot.mouseClick(dlg.after_btn, Qt.LeftButton)
    qtbot.mouseClick(dlg.compare_btn, Qt.LeftButton)              # the same folder twice
    qtbot.waitUntil(dlg.compare_btn.isEnabled, timeout=30_000)
    assert dlg.status.text() == ("Không so sánh được: hai lần thu thập là cùng một thư mục hồ sơ: "
                                 "hãy chọn lần trước và lần sau") and dlg.result is None
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(after_dir))
    qtbot.mouseClick(dlg.after_btn, Qt.LeftButton)
    assert dlg.command.text() == f"ungcuu diff {case_dir.resolve()} {after_dir}"
    qtbot.mouseClick(dlg.compare_btn, Qt.LeftButton)
    assert not dlg.compare_btn.isEnabled()                        # running on the worker thread
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=60_000)
    qtbot.waitUntil(dlg.compare_btn.isEnabled, timeout=10_000)
    tops = {dlg.tree.topLevelItem(i).text(0): dlg.tree.topLevelItem(i) for i in range(dlg.tree.topLevelItemCount())}
    packages = tops["Gói phần mềm: 0 thêm, 0 mất, 1 đã thay đổi"]
    assert [packages.child(i).text(c) for i in range(packages.childCount()) for c in range(3)] == [
        "~ dpkg:openssl:amd64 (đã thay đổi)", "3.0.2-0ubuntu1.10", "3.0.2-0ubuntu1.12"]
    ports = tops["Cổng đang mở: 0 thêm, 1 mất, 0 đã thay đổi"]
    assert ports.child(0).text(0) == "- tcp 0.0.0.0:4444 (mất)" and "/tmp/.k/kworker" in ports.child(0).text(1)
    accounts = tops["Tài khoản: 1 thêm, 1 mất, 0 đã thay đổi"]
    assert sorted(accounts.child(i).text(0) for i in range(2)) == ["+ backup (thêm)", "- toor (mất)"]
    assert "Dịch vụ: không có dữ liệu ở lần thu thập trước, sau" in tops
    assert "Tài khoản UID 0 ngoài root (sau): backup" in tops
    total = sum(len(v) for s in dlg.result["sections"].values() for v in s.values())
    assert dlg.status.text().endswith(f": {total} khác biệt") and total >= 4
