"""R1/H2 on the full offline Windows root (tests/windows/winroot.py): the planted persistence the Windows
case checks find becomes Windows steps (registry, task, account, files) with their evidence."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("regipy")

from collectors.case import Case  # noqa: E402
from desktop import cli  # noqa: E402
from tests.windows import winroot  # noqa: E402


def test_windows_root_plan(tmp_path, shared_data, capsys):
    root = winroot.build(tmp_path / "root", shared_data / "windows")
    case_dir = tmp_path / "case"
    cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--profile", "triage"])
    capsys.readouterr()
    assert cli.main(["--lang", "en", "remediate", "--case", str(case_dir), "--json", "plan"]) == 0
    plan = json.loads(capsys.readouterr().out)["steps"]
    assert plan and all(s["os"] == "windows" for s in plan), [(s["action"], s["os"], s["target"]) for s in plan]
    got = {(s["action"], s["target"].get("name") or s["target"].get("task") or s["target"].get("account")
            or s["target"].get("path")) for s in plan}
    assert ("delete_registry_value", "Debugger") in got           # IFEO sethc.exe
    assert ("delete_registry_value", "Updater") in got            # Run key -> C:\Users\Public\updater.exe
    assert ("delete_task", r"\Updater") in got                    # hidden task
    assert ("lock_account", "support$") in got                    # new admin / hidden account
    assert ("reset_registry_value", "AppInit_DLLs") in got
    q = {s["target"]["path"]: s for s in plan if s["action"] == "quarantine_file"}
    assert r"C:\Users\Public\mimikatz.exe" in q  # \Device\HarddiskVolume2\... as BAM wrote it, read as C:
    assert q[r"C:\Users\Public\mimikatz.exe"]["target"]["seen_as"] == r"\Device\HarddiskVolume2\Users\Public\mimikatz.exe"
    assert not any("->" in p for p in q)  # a zip's member: the zip is quarantined
    exports = [c.split('"')[3] for s in plan for c in s["commands"] if c.startswith("reg export")]
    assert len(exports) == len(set(exports))  # one backup file per step, none overwritten
    case = Case.open(case_dir, affected_root="")
    for s in plan:
        assert s["findings"][0]["rule"].startswith(("ungcuu.windows.", "H2-", "C")), s
        for e in s["evidence_ids"]:
            case.get_evidence(e)
    case.close()
