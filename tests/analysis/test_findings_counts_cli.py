"""`ungcuu findings` says what the team's rules, the IOC list and the YARA rules checked and matched
(the same counts the desktop app's findings page shows)."""
from __future__ import annotations

import hashlib
import json

from collectors.case import Case
from desktop.cli import main
from tests.desktop.test_app_analysis import APPCMD, BAD_RULE, TEAM_RULE


def test_findings_prints_and_returns_the_counts_of_rules_iocs_and_yara(tmp_path, shared_data, capsys):
    evtx = shared_data / "evtx" / "attack-samples" / APPCMD
    with Case.create(tmp_path / "case", examiner="pytest", affected_root="") as c:
        c.add_file(evtx, checklist_id="B10", collector="test", source="C:\\x.evtx")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ours.yml").write_text(TEAM_RULE, encoding="utf-8")
    (rules / "bad.yml").write_text(BAD_RULE, encoding="utf-8")
    ioc = tmp_path / "iocs.txt"
    ioc.write_text(hashlib.sha256(evtx.read_bytes()).hexdigest() + "\n10.9.8.7\nevil.example.invalid\n")
    yar = tmp_path / "r.yar"
    yar.write_text('rule appcmd_in_file { strings: $a = "appcmd" wide nocase condition: $a }\n')
    argv = ["findings", "--case", str(tmp_path / "case"), "--rules", str(rules), "--ioc", str(ioc), "--yara", str(yar)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "1 luật của đội, 1 luật khớp" in out
    assert "IOC: 3 chỉ báo, 1 khớp" in out and "YARA: 1 luật, 1 tệp đã quét, 1 tệp khớp" in out
    assert main(argv + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["indicators"] == {"ioc": {"indicators": 3, "matched": 1}, "yara": {"rules": 1, "files": 1, "matched": 1}}
    assert doc["rules"]["custom"] == 1 and doc["rules"]["custom_matched"] == 1 and doc["rules"]["matched"] >= 1
