"""Parsers of the Linux logs: a real binary journal written by systemd's own systemd-journal-remote
(compact and regular layouts, a ZSTD-compressed field, a truncated copy) read by the pure-Python reader
and compared with journalctl's export; auditd and SELinux from plaso's sample files with exact values;
access-log requests holding raw quotes."""
from __future__ import annotations

import os
import subprocess

import pytest

from analysis import sources
from analysis.events import ParseReport
from analysis.parsers import _text, access_log, auditd, journal, journal_file

REMOTE = "/lib/systemd/systemd-journal-remote"
P = "logs/plaso-test-data"
LONG = "kernel: " + "segfault at 0 ip 00007f " * 60  # > 512 bytes: journald compresses it
ENTRIES = [
    ("sshd", 2201, "Accepted password for root from 10.0.0.9 port 52222 ssh2"),
    ("sudo", 2230, "    bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/bash -i"),
    ("kernel", None, LONG),
    ("sshd", 2240, "Failed password for invalid user admin from 203.0.113.7 port 4711 ssh2"),
]
T0 = 1764600000123456


def export_text() -> str:
    out = []
    for i, (ident, pid, msg) in enumerate(ENTRIES):
        out.append(f"__REALTIME_TIMESTAMP={T0 + i * 1_000_000}\n__MONOTONIC_TIMESTAMP={5_000_000 + i}\n"
                   f"_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=web01\nSYSLOG_IDENTIFIER={ident}\n"
                   + (f"_PID={pid}\n" if pid else "") + f"MESSAGE={msg}\n_TRANSPORT=syslog\n\n")
    return "".join(out)


@pytest.fixture(params=["compact", "regular"])
def journal_path(request, tmp_path):
    if not os.access(REMOTE, os.X_OK):
        pytest.skip("systemd-journal-remote is not installed (scripts/setup.sh --test installs it)")
    src = tmp_path / "in.export"
    src.write_text(export_text())
    out = tmp_path / "system.journal"
    env = dict(os.environ, SYSTEMD_JOURNAL_COMPACT="1" if request.param == "compact" else "0")
    subprocess.run([REMOTE, f"--output={out}", str(src)], check=True, env=env, capture_output=True)
    header = subprocess.run(["journalctl", "--header", "--file", str(out)], capture_output=True, text=True).stdout
    assert ("COMPACT" in header) == (request.param == "compact")
    return out


def test_binary_journal_matches_journalctl_export(journal_path):
    report = ParseReport()
    events = list(journal_file.parse(str(journal_path), report))
    assert report.skipped == 0 and not report.fatal
    assert [e.timestamp for e in events] == [T0 + i * 1_000_000 for i in range(4)]
    assert [e.message for e in events] == [f"{i}[{p}]: {m}" if p else f"{i}: {m}" for i, p, m in ENTRIES]
    assert events[0].source == "auth" and events[0].fields["ip"] == "10.0.0.9" and events[0].fields["user"] == "root"
    assert events[3].fields["ip"] == "203.0.113.7"
    assert events[0].fields["boot_id"] == "0123456789abcdef0123456789abcdef"
    assert [e.locator for e in events] == ["seqnum 1", "seqnum 2", "seqnum 3", "seqnum 4"]
    exported = subprocess.run(["journalctl", "--file", str(journal_path), "-o", "export"], capture_output=True,
                              check=True).stdout
    tmp = journal_path.with_suffix(".export")
    tmp.write_bytes(exported)
    with open(tmp, "rb") as fh:
        via_export = list(journal.parse(fh, ParseReport()))
    assert [(e.timestamp, e.message, e.source) for e in via_export] == [
        (e.timestamp, e.message, e.source) for e in events]


def test_truncated_journal_keeps_complete_entries(journal_path, tmp_path):
    data = journal_path.read_bytes()
    events = list(journal_file.parse(str(journal_path), ParseReport()))
    jf = journal_file.JournalFile(str(journal_path))
    entry_offsets = [off for off, typ, _f, _s in jf._objects() if typ == journal_file.OBJ_ENTRY]
    jf.close()
    cut = tmp_path / "cut.journal~"
    cut.write_bytes(data[: entry_offsets[-1] + 40])  # the last entry object is cut in half
    report = ParseReport()
    kept = list(journal_file.parse(str(cut), report))
    assert [e.message for e in kept] == [e.message for e in events[:3]]
    assert report.skipped >= 1


def test_not_a_journal_is_reported(tmp_path):
    bad = tmp_path / "x.journal"
    bad.write_bytes(b"not a journal at all" * 20)
    report = ParseReport()
    assert list(journal_file.parse(str(bad), report)) == []
    assert "LPKSHHRH" in report.fatal


def test_auditd_enriched_sample(shared_data):
    report = ParseReport()
    events = list(auditd.parse(_text.iter_lines(shared_data / P / "audit_enriched.log", report), report))
    assert len(events) == 29 and report.skipped == 0
    execve = [e for e in events if e.fields["type"] == "EXECVE"]
    assert [e.fields["command_line"] for e in execve] == [
        "id", "/bin/sh -c grep -c . /etc/hostname", "/usr/bin/cat /tmp/my report.txt"]
    assert execve[1].fields["a2"] == "grep -c . /etc/hostname"  # hex-encoded argument decoded
    sc = next(e for e in events if e.fields["type"] == "SYSCALL" and e.fields.get("key") == "specimen_exec")
    assert (sc.fields["syscall"], sc.fields["exe"], sc.fields["comm"], sc.fields["serial"]) == (
        "execve", "/usr/bin/id", "id", 485)
    assert sc.fields["auid_name"] == "root" and sc.timestamp == 1783414661335000
    auth = next(e for e in events if e.fields["type"] == "USER_AUTH")
    assert (auth.fields["acct"], auth.fields["addr"], auth.fields["res"], auth.fields["op"]) == (
        "root", "172.23.112.1", "failed", "pubkey")
    title = next(e for e in events if e.fields["type"] == "PROCTITLE" and e.fields["serial"] == 447)
    assert title.fields["proctitle"] == "sshd-session: root [priv]"


def test_selinux_sample(shared_data):
    report = ParseReport()
    events = list(auditd.parse(_text.iter_lines(shared_data / P / "selinux.log", report), report))
    assert len(events) == 7 and report.skipped == 4  # no milliseconds, empty date, no type, no type value
    avc = next(e for e in events if e.fields["type"] == "AVC")
    assert avc.timestamp == 1243332701744000
    assert (avc.fields["avc_decision"], avc.fields["avc_permissions"], avc.fields["tclass"],
            avc.fields["scontext_type"], avc.fields["tcontext_type"], avc.fields["selinux_path"]) == (
        "denied", ["getattr"], "file", "unlabeled_t", "locale_t", "/usr/lib/locale/locale-archive")
    assert next(e for e in events if e.fields["type"] == "SYSCALL").fields["syscall"] == "fstat64"  # i386 table
    assert {e.fields["type"] for e in events} == {"LOGIN", "SHORTDATE", "NOMSG", "UNDER_SCORE", "UNKNOWN[1323]",
                                                  "AVC", "SYSCALL"}


def test_sources_route_the_new_formats():
    class Rec:
        def __init__(self, name, source):
            self.name, self.source, self.kind, self.orig_meta, self.collected_at = name, source, "file", {}, ""
            self.host, self.id, self.size = "", "E000001", 0
    ctx = sources.Context()
    assert sources._choose(Rec("audit.log.1", "/var/log/audit/audit.log.1"), ctx)[0] == "auditd"
    assert sources._choose(Rec("system@x.journal~", "/var/log/journal/m/system@x.journal~"), ctx)[0] == "journal_file"


def test_access_log_request_with_raw_quotes():
    lines = [
        '10.0.0.9 - - [30/Nov/2026:10:00:00 +0700] "GET /item.php?id=1" OR "1"="1 HTTP/1.1" 200 512 "-" "sqlmap/1.7"',
        '10.0.0.9 - - [30/Nov/2026:10:00:01 +0700] "GET /a"b HTTP/1.1" 404 -',
        '1.2.3.4 - - [30/Nov/2026:10:00:02 +0700] "GET / HTTP/1.1" 200 5 "http://r/" "Mozilla/5.0"',
    ]
    report = ParseReport()
    events = list(access_log.parse(enumerate(lines, 1), report))
    assert report.skipped == 0 and len(events) == 3
    sqli = events[0].fields
    assert (sqli["method"], sqli["path"], sqli["protocol"], sqli["status"], sqli["size"], sqli["user_agent"]) == (
        "GET", '/item.php?id=1" OR "1"="1', "HTTP/1.1", 200, 512, "sqlmap/1.7")
    assert events[1].fields["path"] == '/a"b' and events[1].fields["status"] == 404
    assert events[2].fields["referer"] == "http://r/"


def test_a_long_audit_line_without_keys_is_read_in_linear_time():
    """Found by the fuzzer: a run of key characters with no "=" was rescanned from every position."""
    import tracemalloc

    from analysis.events import ParseReport
    from analysis.parsers import auditd

    line = "type=EXECVE msg=audit(1700000000.000:1): argc=1 a0=" + "x" * 50 + " " + "k" * 2_000_000
    rep = ParseReport("auditd")
    tracemalloc.start()
    events = list(auditd.parse([(1, line)], rep))
    tracemalloc.stop()
    assert len(events) + rep.skipped == 1
    assert auditd.RE_KV.findall("k" * 10 + "=v w=" + "z" * 5) == [("kkkkkkkkkk", "v"), ("w", "zzzzz")]
