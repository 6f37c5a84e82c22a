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
