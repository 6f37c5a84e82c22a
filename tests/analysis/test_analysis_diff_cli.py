"""H3 diff of two collections, and the command-line contract of timeline / findings / diff."""
from __future__ import annotations

import json

import pytest
from analysis_helpers import add_json, add_text

from analysis import diff
from desktop.cli import main

MTIME = 1700000000


def _collection(new_case, tmp_path, name, *, openssl, ports, users, cron, extra_files=()):
    c = new_case(name)
    d = tmp_path / f"{name}_src"
    d.mkdir()
    add_json(c, "packages.json", [
        {"name": "openssl", "version": openssl, "arch": "amd64", "manager": "dpkg"},
        {"name": "bash", "version": "5.1-6", "arch": "amd64", "manager": "dpkg"}], "B4")
    add_json(c, "listening_ports.json", ports, "B11")
    add_json(c, "users.json", users, "B4")
    add_json(c, "services.json", [{"name": "ssh.service", "state": "active", "enabled": "enabled",
                                   "exec": "/usr/sbin/sshd -D"}], "B4")
    add_text(c, d, "/etc/crontab", cron, checklist_id="B4")
    for src, text in extra_files:
        add_text(c, d, src, text, checklist_id="B4")
    return c


ROOT = {"name": "root", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/bash"}
SSH = {"proto": "tcp", "laddr": "0.0.0.0", "lport": 22, "pid": 1, "process": "sshd", "exe": "/usr/sbin/sshd"}
BACKDOOR = {"proto": "tcp", "laddr": "0.0.0.0", "lport": 4444, "pid": 2, "process": "kworker", "exe": "/tmp/.k/kworker"}


@pytest.fixture
def pair(new_case, tmp_path):
    before = _collection(new_case, tmp_path, "before", openssl="3.0.2-0ubuntu1.10", ports=[SSH, BACKDOOR],
                         users=[ROOT, {"name": "toor", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/sh"}],
                         cron="* * * * * root /tmp/.k/kworker\n",
                         extra_files=[("/etc/ld.so.preload", "/lib/libhide.so\n")])
    after = _collection(new_case, tmp_path, "after", openssl="3.0.2-0ubuntu1.12", ports=[SSH],
                        users=[ROOT, {"name": "deploy", "uid": 1001, "gid": 1001, "home": "/home/deploy",
                                      "shell": "/bin/bash"}],
                        cron="17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    return before, after


def test_compare_before_and_after_patching(pair):
    before, after = pair
    r = diff.compare(before, after)
    s = r["sections"]
    assert s["packages"]["changed"] == [{"key": "dpkg:openssl:amd64", "before": "3.0.2-0ubuntu1.10",
                                         "after": "3.0.2-0ubuntu1.12"}]
    assert s["packages"]["added"] == [] and s["packages"]["removed"] == []
    assert [x["key"] for x in s["listeners"]["removed"]] == ["tcp 0.0.0.0:4444"]
    assert s["listeners"]["added"] == []
    assert [x["key"] for x in s["accounts"]["removed"]] == ["toor"]
    assert [x["key"] for x in s["accounts"]["added"]] == ["deploy"]
    assert s["services"] == {"added": [], "removed": [], "changed": []}
    removed = sorted(x["key"] for x in s["persistence"]["removed"])
    assert removed == ["H2-extra-uid0 toor", "H2-ld-so-preload /etc/ld.so.preload",
                       "H2-listener-location /tmp/.k/kworker", "H2-suspicious-cron /etc/crontab"]
    assert [x["key"] for x in s["persistence"]["added"]] == ["H2-cron-entries /etc/crontab"]
    assert [x["key"] for x in s["files"]["changed"]] == ["/etc/crontab"]
    assert [x["key"] for x in s["files"]["removed"]] == ["/etc/ld.so.preload"]
    assert r["after_uid0_accounts"] == [] and r["missing"] == {}
    text = diff.render_text(r, "vi")
    assert "Gói phần mềm: 0 thêm, 0 mất, 1 đổi" in text
    assert "- tcp 0.0.0.0:4444" in text


def test_compare_reports_missing_sections(new_case, pair):
    before, _ = pair
    empty = new_case("empty")
    r = diff.compare(before, empty)
    assert r["missing"]["packages"] == ["after"] and "packages" not in r["sections"]
    assert "không có dữ liệu ở lần thu thập sau" in diff.render_text(r, "vi")


def test_cli_diff_json_and_text(pair, capsys):
    before, after = pair
    assert main(["diff", str(before.path), str(after.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["listeners"] == {"added": 0, "removed": 1, "changed": 0}
    assert main(["--lang", "en", "diff", str(before.path), str(after.path)]) == 0
    assert "Packages: 0 added, 0 removed, 1 changed" in capsys.readouterr().out


def test_cli_timeline_formats(new_case, tmp_path, logs, capsys):
    c = new_case("cli")
    add_text(c, tmp_path, "/var/log/auth.log", (logs / "elastic-beats/system_auth_test.log").read_text(), mtime=MTIME)
    out = tmp_path / "t.jsonl"
    assert main(["timeline", "--case", str(c.path), "--format", "jsonl", "--out", str(out), "--source", "auth"]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 10 and lines[0]["timestamp_desc"] == "Event Recorded"
    capsys.readouterr()
    assert main(["timeline", "--case", str(c.path), "--format", "csv", "--grep", "Accepted"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3  # header + 2
    assert main(["timeline", "--case", str(c.path), "--format", "bodyfile"]) == 0
    body = capsys.readouterr().out.strip().split("\n")
    assert len(body) == 1 and body[0].split("|")[1] == "/var/log/auth.log"
    assert main(["timeline", "--case", str(c.path)]) == 0
    assert "auth" in capsys.readouterr().out
    assert main(["timeline", "--case", str(c.path), "--format", "jsonl", "--start", "yesterday"]) == 2


def test_cli_findings_and_unreadable_input(new_case, tmp_path, capsys):
    c = new_case("f")
    add_json(c, "users.json", [{"name": "toor", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/sh"}], "B4")
    assert main(["findings", "--case", str(c.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in out["findings"]] == ["H2-extra-uid0"]
    assert main(["findings", "--case", str(c.path)]) == 0
    assert "[NGHIÊM TRỌNG] H2 Tài khoản toor có UID 0" in capsys.readouterr().out
    not_case = tmp_path / "nothing"
    not_case.mkdir()
    for argv in (["findings", "--case", str(not_case)], ["timeline", "--case", str(not_case)],
                 ["diff", str(not_case), str(c.path)]):
        assert main(argv) == 2
    assert "không phải thư mục hồ sơ" in capsys.readouterr().err  # Vietnamese by default


def test_cli_output_does_not_pass_escape_sequences_from_the_evidence(new_case, tmp_path, capsys):
    """A cron line planted with terminal escape sequences (clear the line, set the title) is printed with
    its control characters shown as \\xNN by `findings`, `diff` and the `timeline` summary."""
    planted = "* * * * * root /tmp/.x/upd \x1b[2K\x1b]0;all clean\x07"
    before = new_case("esc_before")
    after = new_case("esc_after")
    d = tmp_path / "esc_src"
    d.mkdir()
    add_text(after, d, "/etc/cron.d/\x1b[8mhidden", planted + "\n", checklist_id="B4")
    add_text(after, d, "/var/log/\x1b[8mapp.log", "not a syslog line\n")
    outs = []
    assert main(["--lang", "en", "findings", "--case", str(after.path)]) == 0
    outs.append(capsys.readouterr().out)
    assert "/tmp/.x/upd \\x1b[2K\\x1b]0;all clean\\x07" in outs[-1]
    assert main(["--lang", "en", "diff", str(before.path), str(after.path)]) == 0
    outs.append(capsys.readouterr().out)
    assert "/etc/cron.d/\\x1b[8mhidden" in outs[-1] and "\n" in outs[-1]
    assert main(["--lang", "en", "timeline", "--case", str(after.path)]) == 0
    outs.append(capsys.readouterr().out)
    assert "/var/log/\\x1b[8mapp.log" in outs[-1]
    for text in outs:
        assert "\x1b" not in text and "\x07" not in text
