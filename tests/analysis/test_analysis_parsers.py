"""Every parser on the real samples in ../shared/data, with exact expected values."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import re
import struct

import pytest

from analysis.events import ParseReport, iso_from_us, iso_z, us_from_dt
from analysis.parsers import _text, access_log, bodyfile, evtx, journal, packages, shell_history, syslog, utmp

P = "plaso-test-data"
B = "elastic-beats"


def run(fn, src, **kw):
    r = ParseReport()
    events = list(fn(_text.iter_lines(src, r), r, **kw))
    return events, r


# ---------------------------------------------------------------------------------------------- syslog
def test_syslog_rfc3164_year_rollover_multiline_and_bad_line(logs):
    events, r = run(syslog.parse, logs / P / "syslog_syslog", year=2012)
    assert len(events) == 16
    assert r.skipped == 1 and r.problems == [("line 8", "unreadable timestamp 'MMM 22 07:54:32'")]
    assert events[0].iso() == "2012-01-22T07:52:33.000000+00:00"
    assert events[0].host == "myhostname.myhost.com"
    # the leap day only exists because the first line is in 2012
    assert events[6].iso() == "2012-02-29T01:15:43.000000+00:00"
    # Dec -> Mar: the year rolls over
    assert events[8].iso() == "2013-03-23T23:01:18.000000+00:00"
    assert events[9].timestamp - events[8].timestamp == 123_000  # fractional seconds kept
    assert events[11].message == ("aprocess[10100]: This is a multi-line message that screws up many syslog "
                                  "parsers.")
    assert events[-1].iso() == "2015-11-18T08:31:20.000000+00:00"
    assert [e.source for e in events[2:5]] == ["cron"] * 3
    assert events[-2].source == "kernel" and events[-2].host == ""  # "kernel:" right after the time


def test_syslog_leap_day_in_a_non_leap_year_takes_the_leap_year_before(logs):
    events, r = run(syslog.parse, logs / P / "syslog_syslog", year=2013)
    assert len(events) == 16 and r.skipped == 1  # only the 'MMM 22' line
    leap = next(e for e in events if e.locator == "line 7")
    assert iso_z(leap.timestamp) == "2012-02-29T01:15:43.000000Z"  # the file says: "events take place in 2012"
    assert iso_z(next(e for e in events if e.locator == "line 6").timestamp).startswith("2013-01-22")


def test_syslog_host_zone_applies_to_rfc3164(logs):
    events, _ = run(syslog.parse, logs / P / "syslog_syslog_cron.log", year=2020, offset_s=7 * 3600)
    assert events[0].iso() == "2020-03-11T00:00:00.000000+07:00"
    assert iso_z(events[0].timestamp) == "2020-03-10T17:00:00.000000Z"
    assert events[-1].iso() == "2021-01-22T07:54:01.000000+07:00"  # Mar -> Jan: next year


def test_guess_start_year_counts_rollovers_back_from_the_file_time(logs):
    with open(logs / P / "syslog_syslog_cron.log", "rb") as fh:
        assert syslog.guess_start_year(fh, dt.datetime(2021, 2, 1)) == 2020
    with open(logs / P / "syslog_syslog_cron.log", "rb") as fh:  # last line (Jan) after the file time month
        assert syslog.guess_start_year(fh, dt.datetime(2021, 12, 1)) == 2020
    with open(logs / P / "syslog_syslog_ssh.log", "rb") as fh:  # Mar, file written in Feb: last year
        assert syslog.guess_start_year(fh, dt.datetime(2021, 2, 1)) == 2020


def test_guess_start_year_reads_a_last_line_without_its_newline():
    # a live log copied mid-write: the last line (Jan, after a Dec -> Jan rollover) has no newline yet
    data = b"Dec 31 23:59:00 web01 CRON[1]: a\nJan  1 00:00:01 web01 CRON[2]: b"
    ref = dt.datetime(2024, 1, 1, 0, 5)
    assert syslog.guess_start_year(io.BytesIO(data), ref) == 2023
    assert syslog.guess_start_year(io.BytesIO(data + b"\n"), ref) == 2023
    assert syslog.guess_start_year(data.decode().splitlines(), ref) == 2023


def test_guess_start_year_over_many_scan_pieces_counts_every_rollover():
    """A log of several years, many times the scan's piece size: the file read in pieces ending at line ends
    gives the year the line-by-line scan gives, rollovers at piece boundaries included."""
    lines = []
    for year in range(3):
        for mon in ("Nov", "Dec", "Jan"):
            lines += [f"{mon} {d:2d} 10:00:00 web01 CRON[{i}]: job {year} {i}" for d in (1, 15, 28) for i in range(2500)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) > 4 * syslog.SCAN_CHUNK
    pieces = list(syslog._line_chunks(io.BytesIO(data)))
    assert len(pieces) > 4 and b"".join(pieces) == data and all(p.endswith(b"\n") for p in pieces)
    ref = dt.datetime(2024, 1, 28, 12, 0)
    assert syslog.guess_start_year(io.BytesIO(data), ref) == syslog.guess_start_year(lines, ref) == 2021


def test_syslog_late_line_across_a_month_end_is_not_a_new_year():
    """A daemon with its own clock logs "Jan 31 23:59:59" after "Feb  1": not a rollover (plaso allows the
    same leeway); "Dec 31" logged after "Jan  1" belongs to the year before; a 6-week gap back still rolls."""
    text = ("Jan 31 23:59:58 web01 sshd[1]: a\nFeb  1 00:00:01 web01 sshd[1]: b\n"
            "Jan 31 23:59:59 web01 rsyslogd: late\nJan 31 23:59:59 web01 rsyslogd: late again\n"
            "Feb  1 00:00:02 web01 sshd[1]: c\n")
    with io.BytesIO(text.encode()) as fh:
        assert syslog.guess_start_year(fh, dt.datetime(2024, 2, 1, 1, 0)) == 2024
    events, r = run(syslog.parse, io.BytesIO(text.encode()), year=2024)
    assert [e.iso()[:19] for e in events] == ["2024-01-31T23:59:58", "2024-02-01T00:00:01", "2024-01-31T23:59:59",
                                              "2024-01-31T23:59:59", "2024-02-01T00:00:02"]
    text = ("Dec 31 23:59:59 web01 CRON[1]: a\nJan  1 00:00:01 web01 CRON[2]: b\n"
            "Dec 31 23:59:59 web01 kernel: late\nJan  1 00:00:02 web01 CRON[3]: c\n")
    with io.BytesIO(text.encode()) as fh:
        assert syslog.guess_start_year(fh, dt.datetime(2024, 1, 1, 1, 0)) == 2023
    events, r = run(syslog.parse, io.BytesIO(text.encode()), year=2023)
    assert [e.iso()[:10] for e in events] == ["2023-12-31", "2024-01-01", "2023-12-31", "2024-01-01"]
    # yum.log reads its zone-less stamps the same way
    log = io.BytesIO(b"Feb 01 00:00:01 Installed: a-1.0.x86_64\nJan 31 23:59:59 Installed: b-1.0.x86_64\n"
                     b"Feb 01 00:00:05 Updated: c-2.0.x86_64\n")
    events, r = run(packages.parse_yum, log, year=2024)
    assert [e.iso()[:10] for e in events] == ["2024-02-01", "2024-01-31", "2024-02-01"]


def test_syslog_fast_path_rejects_what_the_general_path_rejects():
    text = ("Jan  1 10:99:00 web01 sshd[1]: minute 99\nJan  1 24:00:00 web01 sshd[1]: hour 24\n"
            "Jan  1 10:00:61 web01 sshd[1]: second 61\nJan  1 10:00:60 web01 sshd[1]: leap second\n"
            "Jan  1 10:00:00 web01 ev\x01il[7]: control character in the program name\n")
    events, r = run(syslog.parse, io.BytesIO(text.encode()), year=2024)
    assert [p[0] for p in r.problems] == ["line 1", "line 2", "line 3"]
    assert events[0].iso() == "2024-01-01T10:01:00.000000+00:00"
    # the hand-made JSON of the fast path never holds a raw control character
    from analysis.events import dumps_fields
    assert events[1].fields["program"] == "ev\x01il"
    assert events[1].fields_json is None or json.loads(events[1].fields_json) == events[1].fields
    json.loads(dumps_fields(events[1].fields))


def test_syslog_rsyslog_high_precision(logs):
    events, r = run(syslog.parse, logs / P / "syslog_syslog_rsyslog", year=2000)
    assert (len(events), r.skipped) == (5, 0)
    assert events[0].iso() == "2020-05-31T00:00:45.698463+00:00"
    assert events[-1].message == "systemd[1]: Started Do daily mandb update."
    assert events[-1].fields == {"program": "systemd", "pid": 1}


def test_syslog_rfc5424(logs):
    events, r = run(syslog.parse, logs / P / "syslog_syslog_rsyslog_SyslogProtocol23Format", year=2000)
    assert (len(events), r.skipped) == (9, 0)
    assert events[0].fields == {"program": "log_tag", "facility": 1, "severity": 7, "msgid": "123"}
    assert events[1].message == "log_tag: this is info with another line"
    assert events[-1].source == "cron" and events[-1].fields["pid"] == 18898
    assert events[-1].iso() == "2021-03-06T04:07:38.269077+00:00"


def test_syslog_iso_with_offsets_and_severity_instead_of_host(logs):
    events, r = run(syslog.parse, logs / B / "system_syslog_tz-offset.log", year=2000, offset_s=3600)
    assert (len(events), r.skipped) == (3, 0)
    assert events[0].iso() == "1986-04-26T01:23:45.101000+04:00"
    assert events[1].iso() == "1986-04-26T01:23:45.388424+04:00"
    assert events[2].iso() == "2019-06-14T10:40:20.912134+01:00"  # no zone written: the host's
    events, _ = run(syslog.parse, logs / P / "syslog_syslog_chromeos", year=2000)
    assert len(events) == 8 and events[0].fields["severity"] == "INFO" and events[0].host == ""
    assert events[0].iso() == "2016-10-25T12:37:23.297265-07:00"


def test_auth_lines_get_typed_fields(logs):
    events, r = run(syslog.parse, logs / B / "system_auth_test.log", year=2019)
    assert (len(events), r.skipped) == (10, 0)
    assert all(e.source == "auth" for e in events)
    by_event: dict = {}
    for e in events:
        by_event.setdefault(e.fields["event"], e.fields)  # the first of each kind
    assert by_event["ssh_accepted"] == {"program": "sshd", "pid": 3402, "event": "ssh_accepted",
                                        "method": "publickey", "user": "vagrant", "ip": "10.0.2.2", "port": 63673}
    assert by_event["ssh_invalid_user"]["user"] == "test"
    assert by_event["ssh_failed"]["ip"] == "216.160.83.57"
    assert by_event["sudo_denied"] == {"program": "sudo", "event": "sudo_denied", "user": "tsg", "target": "root",
                                       "command": "/bin/ls"}
    assert by_event["user_added"]["uid"] == 48 and by_event["user_added"]["shell"] == "/sbin/nologin"
    assert by_event["group_added"] == {"program": "groupadd", "pid": 6991, "event": "group_added",
                                       "group": "apache", "gid": 48}
    sudo = [e.fields for e in events if e.fields.get("event") == "sudo"]
    assert [s["command"] for s in sudo] == ["/bin/ls", "/bin/cat /var/log/secure"]
    ssh, _ = run(syslog.parse, logs / P / "syslog_syslog_ssh.log", year=2019)
    accepted = [e.fields for e in ssh if e.fields.get("event") == "ssh_accepted"]
    assert len(accepted) == 5
    assert accepted[1]["ip"] == "2001:0db8:0a0b:12f0:0000:0000:0000:0001"
    assert [e.fields.get("event") for e in ssh].count("ssh_failed") == 2


def test_syslog_reads_gzip_rotations(logs, tmp_path):
    gz = tmp_path / "auth.log.2.gz"
    gz.write_bytes(gzip.compress((logs / B / "system_auth_test.log").read_bytes()))
    full, r = run(syslog.parse, gz, year=2019)
    assert (len(full), r.skipped) == (10, 0)
    # a truncated gzip keeps what could be read and says so
    cut = tmp_path / "auth.log.3.gz"
    cut.write_bytes(gz.read_bytes()[:-20])
    events, r = run(syslog.parse, cut, year=2019)
    # every byte before the cut is decompressed (the whole last block was once dropped: 9 events)
    assert len(events) == 10 and events[-1].message != full[-1].message
    assert r.skipped == 1 and "truncated compressed data" in r.problems[0][1]


# ---------------------------------------------------------------------------------------------- packages
def test_dpkg_log(logs):
    events, r = run(packages.parse_dpkg, logs / P / "dpkg.log", offset_s=0)
    assert (len(events), r.skipped) == (4, 0)
    assert events[0].iso() == "2009-02-25T11:45:23.000000+00:00"
    assert events[2].fields == {"action": "install", "package": "base-passwd:amd64", "version_old": "<none>",
                                "version_new": "3.5.33"}
    assert events[3].fields["status"] == "half-installed"


def test_apt_history(logs):
    events, r = run(packages.parse_apt_history, logs / P / "apt_history.log", offset_s=7 * 3600)
    assert (len(events), r.skipped) == (10, 0)
    assert events[0].iso() == "2019-07-10T16:38:08.000000+07:00"
    assert len(events[0].fields["upgrade"]) == 8
    assert events[0].fields["upgrade"][0] == {"package": "libdns-export162:amd64",
                                              "versions": "1:9.10.3.dfsg.P4-12.3+deb9u4, 1:9.10.3.dfsg.P4-12.3+deb9u5"}
    assert len(events[1].fields["install"]) == 100
    assert events[4].fields["error"] == "Sub-process /usr/bin/dpkg returned an error code (1)"
    assert events[5].fields["requested_by"] == "jxs (1005)"
    assert events[-1].message == "apt: apt-get autoremove (Remove 6)"


def test_yum_and_dnf_logs(tmp_path):
    log = tmp_path / "yum.log"
    log.write_text("Dec 30 10:00:00 Installed: httpd-2.4.6-40.el7.centos.x86_64\n"
                   "Jan 02 09:15:01 Updated: openssl-1:1.0.2k-19.el7.x86_64\n"
                   "garbage line\n"
                   "Jan 03 11:00:00 Erased: telnet-1:0.17-64.el7.x86_64\n")
    events, r = run(packages.parse_yum, log, year=2020, offset_s=7 * 3600)
    assert [e.iso() for e in events] == ["2020-12-30T10:00:00.000000+07:00", "2021-01-02T09:15:01.000000+07:00",
                                         "2021-01-03T11:00:00.000000+07:00"]
    assert [e.fields["action"] for e in events] == ["installed", "updated", "erased"]
    assert r.skipped == 1 and r.problems[0][0] == "line 3"
    dnf = tmp_path / "dnf.rpm.log"
    dnf.write_text("2021-03-04T10:15:33+0000 SUBDEBUG Installed: nginx-1:1.14.1-9.module_el8.x86_64\n"
                   "2021-03-04T10:15:34+0700 INFO --- logging initialized ---\n")
    events, r = run(packages.parse_yum, dnf, year=2000)
    assert events[0].fields == {"level": "SUBDEBUG", "action": "installed", "package": "nginx-1:1.14.1-9.module_el8.x86_64"}
    assert events[1].iso() == "2021-03-04T10:15:34.000000+07:00"


# ---------------------------------------------------------------------------------------------- utmp
@pytest.mark.parametrize("name,count,skipped,first,last", [
    ("utmp_utmp", 14, 0, "2013-12-13T14:45:09.688666Z", "2013-12-18T22:49:44.251947Z"),
    ("utmp_utmp_x86_64", 5, 0, "2026-07-03T14:58:29.000000Z", "2026-07-03T15:03:29.000000Z"),
    ("utmp_wtmp.1", 2, 1, "2011-12-01T17:36:38.432935Z", "2011-12-02T00:21:18.725048Z"),
    ("utmp_utmp_corrupted", 2, 3, "2023-11-14T22:30:00.000000Z", "2023-11-14T22:46:40.000000Z"),
])
def test_utmp_samples(logs, name, count, skipped, first, last):
    r = ParseReport()
    with open(logs / P / name, "rb") as fh:
        events = list(utmp.parse_utmp(fh, r))
    assert (len(events), r.skipped) == (count, skipped)
    assert iso_z(events[0].timestamp) == first and iso_z(events[-1].timestamp) == last


def test_wtmp_fields_and_corrupt_records(logs):
    r = ParseReport()
    with open(logs / P / "utmp_wtmp.1", "rb") as fh:
        events = list(utmp.parse_utmp(fh, r))
    assert events[0].message == "Login: userA on pts/32 from 10.10.122.1"
    assert events[0].fields["ip"] == "10.10.122.1" and events[0].fields["pid"] == 20060
    assert events[1].fields["event"] == "logout"
    assert r.problems == [("offset 1536", "truncated record (1 of 384 bytes)")]
    r = ParseReport()
    with open(logs / P / "utmp_utmp_corrupted", "rb") as fh:
        events = list(utmp.parse_utmp(fh, r))
    assert [e.fields["user"] for e in events] == ["alice", "bob"]
    assert [p[0] for p in r.problems] == ["offset 384", "offset 768", "offset 1536"]


def test_utmp_64bit_time_layout(tmp_path):
    # 400-byte records: 64-bit ut_session and ut_tv (some 64-bit ABIs)
    st = utmp.LAYOUTS[400]
    recs = b"".join(st.pack(7, 1234, b"pts/1", b"ts/1", b"eve", b"203.0.113.9", 0, 0, 1, 1700000000, 250000,
                            bytes([203, 0, 113, 9]) + b"\0" * 12) for _ in range(3))
    r = ParseReport()
    events = list(utmp.parse_utmp(io.BytesIO(recs), r, kind="btmp"))
    assert len(events) == 3 and r.skipped == 0
    assert iso_z(events[0].timestamp) == "2023-11-14T22:13:20.250000Z"
    assert events[0].fields["event"] == "login_failed" and events[0].fields["ip"] == "203.0.113.9"


def test_lastlog(tmp_path):
    rec = utmp.LASTLOG
    data = rec.pack(0, b"", b"") + rec.pack(1700000000, b"pts/0", b"198.51.100.7") + rec.pack(0, b"", b"") \
        + rec.pack(1600000000, b"tty1", b"")
    r = ParseReport()
    events = list(utmp.parse_lastlog(io.BytesIO(data + b"\0" * 10), r, users={1: "daemon", 3: "sys"}))
    assert [(e.fields["user"], iso_z(e.timestamp)) for e in events] == [
        ("daemon", "2023-11-14T22:13:20.000000Z"), ("sys", "2020-09-13T12:26:40.000000Z")]
    assert events[0].message == "Last login of daemon on pts/0 from 198.51.100.7"
    assert r.skipped == 1  # the trailing 10 bytes


# ---------------------------------------------------------------------------------------------- histories
def test_bash_history_with_timestamps_and_multiline(logs):
    events, r = run(shell_history.parse_bash, logs / P / "bash_history", user="root")
    assert (len(events), r.skipped) == (4, 0)
    assert [iso_z(e.timestamp) for e in events] == ["2013-10-01T12:36:17.000000Z", "2013-10-01T12:36:18.000000Z",
                                                    "2013-10-01T12:36:19.000000Z", "2021-06-10T22:30:36.000000Z"]
    assert events[2].fields["command"] == "/usr/local/bin/splunk -p 8080"
    assert events[3].fields["command"] == 'binary argument1 "--params=\\\nparam1=foo,\nparam2=bar\n" argument2'


def test_bash_history_without_timestamps_is_summarised_at_file_time(tmp_path):
    h = tmp_path / ".bash_history"
    h.write_text("ls\ncd /tmp\nwget http://203.0.113.5/x.sh\n")
    events, r = run(shell_history.parse_bash, h, user="admin", mtime_us=1_700_000_000_000_000)
    assert len(events) == 1 and r.skipped == 0
    assert events[0].fields["untimed_commands"] == 3
    assert events[0].fields["last_commands"][-1] == "wget http://203.0.113.5/x.sh"
    events, r = run(shell_history.parse_bash, h, user="admin", mtime_us=None)
    assert events == [] and r.skipped == 3


def test_zsh_and_fish_history(logs):
    events, r = run(shell_history.parse_zsh, logs / P / "zsh_extended_history.txt")
    assert (len(events), r.skipped) == (4, 0)
    assert events[2].fields["command"] == "echo dfgdfg \\\\\n& touch /tmp/afile"
    assert iso_z(events[-1].timestamp) == "2016-03-26T11:54:57.000000Z"
    events, r = run(shell_history.parse_fish, logs / P / "fish_history")
    assert (len(events), r.skipped) == (10, 0)
    assert events[-2].fields["command"] == "git clone git@github.com:log2timeline/plaso.git"
    assert iso_z(events[-1].timestamp) == "2021-07-11T02:58:35.000000Z"


# ---------------------------------------------------------------------------------------------- web
def test_access_log_combined_and_common(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(
        '203.0.113.7 - - [10/Oct/2023:13:55:36 +0700] "GET /index.php?id=1%27%20OR%201=1 HTTP/1.1" 200 2326 '
        '"-" "sqlmap/1.7"\n'
        '198.51.100.2 - admin [10/Oct/2023:06:56:00 +0000] "POST /login HTTP/1.1" 302 -\n'
        'not a log line\n'
        'vhost.example:443 192.0.2.1 - - [31/Dec/2023:23:59:59 -0500] "GET / HTTP/2.0" 404 12 "ref" "curl"\n')
    events, r = run(access_log.parse, log, server="nginx")
    assert len(events) == 3 and r.skipped == 1 and r.problems[0][0] == "line 3"
    assert events[0].iso() == "2023-10-10T13:55:36.000000+07:00"
    assert iso_z(events[0].timestamp) == "2023-10-10T06:55:36.000000Z"
    assert events[0].fields["path"] == "/index.php?id=1%27%20OR%201=1" and events[0].fields["status"] == 200
    assert events[0].fields["user_agent"] == "sqlmap/1.7"
    assert events[1].fields["user"] == "admin" and events[1].fields["size"] == 0
    assert events[2].fields["vhost"] == "vhost.example:443" and iso_z(events[2].timestamp) == "2024-01-01T04:59:59.000000Z"


# ---------------------------------------------------------------------------------------------- journal
def _journal_entry(fields: dict) -> bytes:
    out = b""
    for k, v in fields.items():
        if isinstance(v, bytes) and (b"\n" in v or b"\0" in v):
            out += k.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
        else:
            out += k.encode() + b"=" + (v if isinstance(v, bytes) else str(v).encode()) + b"\n"
    return out + b"\n"


def test_journal_export_text_and_binary_fields_and_truncation():
    data = (_journal_entry({"__CURSOR": "s=1", "__REALTIME_TIMESTAMP": 1700000000123456, "_HOSTNAME": "web01",
                            "SYSLOG_IDENTIFIER": "sshd", "_PID": 812, "_UID": 0,
                            "MESSAGE": "Failed password for root from 203.0.113.50 port 51022 ssh2"})
            + _journal_entry({"__REALTIME_TIMESTAMP": 1700000001000000, "_HOSTNAME": "web01", "_COMM": "kernel",
                              "SYSLOG_IDENTIFIER": "kernel", "MESSAGE": b"line one\nline two"})
            + _journal_entry({"_HOSTNAME": "web01", "MESSAGE": "no time"})
            + _journal_entry({"__REALTIME_TIMESTAMP": 1700000002000000, "SYSLOG_IDENTIFIER": "systemd", "_PID": 1,
                              "MESSAGE": "Started Daily apt upgrade."}))
    r = ParseReport()
    events = list(journal.parse(io.BytesIO(data), r))
    assert len(events) == 3 and r.skipped == 1 and r.problems[0] == ("entry 3", "no __REALTIME_TIMESTAMP")
    assert iso_z(events[0].timestamp) == "2023-11-14T22:13:20.123456Z"
    assert events[0].source == "auth" and events[0].fields["event"] == "ssh_failed"
    assert events[0].fields["ip"] == "203.0.113.50" and events[0].host == "web01"
    assert events[1].message == "kernel: line one\nline two" and events[1].source == "kernel"
    assert events[2].source == "journal" and events[2].fields["pid"] == 1
    # cut inside a binary field: the entries before are kept
    r = ParseReport()
    cut = data[: data.index(b"line one") + 3]
    events = list(journal.parse(io.BytesIO(cut), r))
    assert len(events) == 1 and r.problems[0][1] == "truncated binary field"


# ---------------------------------------------------------------------------------------------- bodyfile
def test_bodyfile_sample(logs):
    events, r = run(bodyfile.parse, logs / P / "bodyfile_bodyfile")
    assert (len(events), r.skipped) == (40, 0)
    first = events[0]
    assert first.message == "mac. /lost+found" and iso_z(first.timestamp) == "2012-05-25T15:55:50.000000Z"
    assert first.timestamp_desc == "Content Modification Time; Last Access Time; Metadata Modification Time"
    pipes = [e for e in events if "pipes" in e.fields["path"] and "FILE_NAME" not in e.fields["path"]]
    assert [e.fields["macb"] for e in pipes] == ["...b", "ma..", "..c."]
    assert iso_z(pipes[2].timestamp) == "2020-07-30T06:41:05.354067Z"  # nanoseconds cut to microseconds
    assert events[-1].fields["uid"] is None  # empty owner columns


def test_bodyfile_names_are_unescaped_and_unescaped_pipes_keep_their_line(logs, tmp_path):
    events, r = run(bodyfile.parse, logs / P / "bodyfile_bodyfile")
    names = {e.locator.split(":")[0]: e.fields["path"] for e in events}
    assert names["line 20"] == "/file\\with\\backslashes"  # '\\\\' in the file: one backslash each
    assert names["line 22"] == "/file|with|pipes"
    assert names["line 24"] == "/passwordz\r.txt"  # '\\x0d'
    assert names["line 25"] == "\\testdir2"
    assert [e.message for e in events if e.locator.startswith("line 22:")][0] == "...b /file|with|pipes"
    # an older fls writes a '|' in a name as it is: the line is kept, the name whole
    f = tmp_path / "old.body"
    f.write_text("0|/srv/a|b c|7|r/rrw-r--r--|0|0|5|1337961554|1337961554|1337961554|0\n"
                 "0|/neg|8|r/rrw-r--r--|0|0|5|-1|0|0|0\n")
    events, r = run(bodyfile.parse, f)
    assert r.skipped == 0 and events[0].fields["path"] == "/srv/a|b c" and events[0].fields["inode"] == "7"
    assert iso_z(events[-1].timestamp) == "1969-12-31T23:59:59.000000Z"
    assert bodyfile._us("-1.5") == -1_500_000


def test_bodyfile_lines_written_read_back_to_the_same_name(tmp_path):
    names = ["/tmp/a|b", "C:\\Users\\x64dbg\\evil.exe", "/home/u/new\nline", "/a\\|b", "/plain"]
    meta = {"size": 5, "mtime": "2024-01-02T03:04:05Z", "uid": 0, "gid": 0, "mode": "r/rrw-r--r--", "inode": 42}
    f = tmp_path / "out.body"
    f.write_text("".join(bodyfile.bodyfile_line(n, meta) + "\n" for n in names))
    events, r = run(bodyfile.parse, f)
    assert r.skipped == 0 and [e.fields["path"] for e in events] == names


def test_bodyfile_corrupt_sample_keeps_cr_in_names(logs):
    events, r = run(bodyfile.parse, logs / P / "bodyfile_bodyfile.corrupt")
    assert (len(events), r.skipped) == (6, 0)
    assert events[2].fields["path"] == "/passwords\r.txt"
    assert events[4].fields["inode"] == "1688849860339456" and events[4].fields["macb"] == "..cb"


def test_bodyfile_bad_lines_are_counted(tmp_path):
    f = tmp_path / "x.body"
    f.write_text("0|/ok|1|r/rrw-r--r--|0|0|5|10|20|30|40\n0|/short|1\n0|/bad|1|r/r|0|0|x|1|2|3|4\n")
    events, r = run(bodyfile.parse, f)
    assert len(events) == 4 and r.skipped == 2
    assert bodyfile.bodyfile_line("/etc/passwd", {"size": 5, "mtime": "2024-01-02T03:04:05Z", "atime": None,
                                                  "ctime": "2024-01-02T03:04:05.900000Z", "uid": 0, "gid": 0,
                                                  "mode": "r/rrw-r--r--", "inode": 42}) \
        == "0|/etc/passwd|42|r/rrw-r--r--|0|0|5|0|1704164645|1704164645|0"


# ---------------------------------------------------------------------------------------------- evtx
@pytest.mark.parametrize("rel,count,skipped,first,last", [
    ("evtx-rs-samples/security.evtx", 2261, 0, None, None),
    ("evtx-rs-samples/Security_short_selected.evtx", 7, 0, "2016-06-29T15:24:34.346000Z", "2016-06-29T15:25:08.822000Z"),
    ("evtx-rs-samples/new-user-security.evtx", 4, 0, "2013-10-23T16:22:39.973500Z", "2013-10-23T16:22:40.004750Z"),
    ("evtx-rs-samples/sample_with_a_bad_chunk_magic.evtx", 270, 2, None, None),
    ("evtx-rs-samples/sample-with-zero-data-size-event.evtx", 335, 1, None, None),
    ("evtx-rs-samples/sysmon.evtx", 358, 8, "2017-12-26T13:10:29.136879Z", None),
    ("evtx-rs-samples/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx", 1774, 2,
     None, None),
    ("python-evtx-tests/system.evtx", 1601, 0, "2012-03-14T04:17:43.354562Z", "2012-04-08T01:28:13.923482Z"),
])
def test_evtx_counts_and_skips(evtx_dir, rel, count, skipped, first, last):
    r = ParseReport()
    events = list(evtx.parse(evtx_dir / rel, r))
    assert (len(events), r.skipped) == (count, skipped)
    if first:
        assert iso_z(events[0].timestamp) == first
    if last:
        assert iso_z(events[-1].timestamp) == last


def test_evtx_dirty_files_report_what_was_skipped(evtx_dir):
    r = ParseReport()
    list(evtx.parse(evtx_dir / "evtx-rs-samples/sample_with_a_bad_chunk_magic.evtx", r))
    assert ("record 46741", "no valid TimeCreated: kept at its record header time") in r.problems
    assert any("Invalid EVTX chunk header magic" in p[1] for p in r.problems)
    r = ParseReport()
    list(evtx.parse(evtx_dir / "evtx-rs-samples/sample-with-zero-data-size-event.evtx", r))
    assert "Invalid EVTX record data size" in r.problems[0][1]


def test_evtx_record_with_a_lost_template_is_kept_at_its_header_time(evtx_dir):
    """Record 46741 of the bad-chunk sample and record 6 of HelloForBusiness have no TimeCreated (template
    lost, or zero): each is kept at the time its record header was written, flagged, not dropped."""
    for rel, rid, when in (("evtx-rs-samples/sample_with_a_bad_chunk_magic.evtx", 46741, "2018-08-08T03:47:41.475147Z"),
                           ("evtx-rs-samples/Microsoft-Windows-HelloForBusiness%4Operational.evtx", 6,
                            "2018-07-12T00:42:14.285536Z")):
        r = ParseReport()
        [ev] = [e for e in evtx.parse(evtx_dir / rel, r) if e.fields.get("damaged")]
        assert ev.locator == f"record {rid}" and iso_z(ev.timestamp) == when
        assert ev.fields["time_source"] == "record header" and ev.fields["computer"] == "DESKTOP-1N4R894"
        assert ev.message == "[0] event data lost (damaged record: time from the record header)"
        assert (f"record {rid}", "no valid TimeCreated: kept at its record header time") in r.problems


def test_evtx_key_events_have_readable_messages(evtx_dir):
    r = ParseReport()
    ev = list(evtx.parse(evtx_dir / "evtx-rs-samples/new-user-security.evtx", r))
    assert ev[1].message == "[4720] User account created: IE8Win7\\IEUser by WORKGROUP\\WIN-QALA5Q3KJ43$"
    assert ev[3].fields["event"] == "group_member_added" and ev[3].fields["group"] == "Administrators"
    r = ParseReport()
    ev = [e for e in evtx.parse(evtx_dir / "evtx-rs-samples/Security_short_selected.evtx", r)
          if e.fields["event_id"] == 4625]
    assert ev[0].message == ("[4625] Failed logon: TEMPORAL\\Administrator type 10 RemoteInteractive from "
                             "23.94.153.202 (status 0xc000006d/0xc000006a)")
    assert ev[0].fields["ip"] == "23.94.153.202" and ev[0].fields["logon_type"] == 10
    r = ParseReport()
    ev = [e for e in evtx.parse(evtx_dir / "attack-samples/Defense_Evasion/DE_1102_security_log_cleared.evtx", r)
          if e.fields.get("event") == "log_cleared"]
    assert len(ev) == 1 and ev[0].message == "[1102] Event log cleared: Security log by EXAMPLE\\user01"
    r = ParseReport()
    rdp = [e for e in evtx.parse(evtx_dir / "evtx-rs-samples/2-vss_0-Microsoft-Windows-TerminalServices-"
                                            "RemoteConnectionManager%4Operational.evtx", r)
           if e.fields.get("event") == "rdp_auth"]
    assert [(e.fields["user"], e.fields["ip"]) for e in rdp] == [
        ("mpowers", "174.127.93.2"), ("mpowers", "174.127.93.2"), ("administrator", "31.14.75.59"),
        ("A", "103.11.244.223"), ("Administrator", "31.14.75.59")]
    r = ParseReport()
    counts: dict = {}
    for e in evtx.parse(evtx_dir / "evtx-rs-samples/2-vss_7-System.evtx", r):
        counts[e.fields.get("event")] = counts.get(e.fields.get("event"), 0) + 1
    assert counts["update_installed"] == 137 and counts["service_installed"] == 19
    r = ParseReport()
    reg = [e for e in evtx.parse(evtx_dir / "attack-samples/Persistence/sysmon_13_1_persistence_via_winlogon_shell.evtx", r)
           if e.fields.get("event") == "registry"]
    assert len(reg) == 1 and "Winlogon" in reg[0].fields["key"]


def test_evtx_matches_python_evtx_on_clean_files(evtx_dir):
    """Cross-check record ids and times with the independent pure-Python parser on clean files."""
    from Evtx.Evtx import Evtx

    for rel in ("evtx-rs-samples/new-user-security.evtx", "evtx-rs-samples/Security_short_selected.evtx"):
        ours = [(int(e.locator.split()[1]), e.fields["event_id"], e.timestamp)
                for e in evtx.parse(evtx_dir / rel, ParseReport())]
        theirs = []
        with Evtx(str(evtx_dir / rel)) as log:
            for rec in log.records():
                xml = rec.xml()
                stamp = re.search(r'SystemTime="([^"]+)"', xml).group(1)
                eid = int(re.search(r"<EventID[^>]*>(\d+)</EventID>", xml).group(1))
                theirs.append((rec.record_num(), eid, us_from_dt(dt.datetime.fromisoformat(stamp))))
        assert [o[:2] for o in ours] == [t[:2] for t in theirs]
        # python-evtx converts FILETIME through a float: equal within a microsecond
        assert all(abs(o[2] - t[2]) <= 1 for o, t in zip(ours, theirs))


def test_evtx_not_an_evtx_file(tmp_path):
    f = tmp_path / "x.evtx"
    f.write_bytes(b"not an event log" * 100)
    r = ParseReport()
    assert list(evtx.parse(f, r)) == []
    assert r.fatal or r.skipped


def test_iso_from_us_keeps_offset():
    assert iso_from_us(0, 7 * 3600) == "1970-01-01T07:00:00.000000+07:00"


@pytest.mark.parametrize("provider,eid,data,message,event", [
    ("Microsoft-Windows-TerminalServices-LocalSessionManager", 21,
     {"User": "CORP\\bob", "SessionID": 3, "Address": "203.0.113.4"},
     "RDP session logon: CORP\\bob from 203.0.113.4 (session 3)", "rdp_logon"),
    ("Microsoft-Windows-TerminalServices-LocalSessionManager", 24,
     {"User": "CORP\\bob", "SessionID": 3, "Address": "203.0.113.4"},
     "RDP session disconnected: CORP\\bob from 203.0.113.4 (session 3)", "rdp_disconnected"),
    ("Microsoft-Windows-TerminalServices-LocalSessionManager", 25,
     {"User": "CORP\\bob", "SessionID": 3, "Address": "LOCAL"},
     "RDP session reconnection: CORP\\bob from LOCAL (session 3)", "rdp_reconnection"),
    ("Microsoft-Windows-Security-Auditing", 4688,
     {"SubjectUserName": "bob", "SubjectDomainName": "CORP", "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
      "CommandLine": "cmd /c whoami", "ParentProcessName": "C:\\Windows\\explorer.exe"},
     "Process created: C:\\Windows\\System32\\cmd.exe cmd /c whoami by CORP\\bob", "process_created"),
    ("Microsoft-Windows-Security-Auditing", 4697,
     {"ServiceName": "evilsvc", "ServiceFileName": "C:\\Users\\Public\\svc.exe", "SubjectUserName": "bob"},
     "Service installed: evilsvc -> C:\\Users\\Public\\svc.exe", "service_installed"),
    ("Microsoft-Windows-Security-Auditing", 4698,
     {"TaskName": "\\Updater", "SubjectUserName": "bob", "SubjectDomainName": "CORP", "TaskContent": "<Task/>"},
     "Scheduled task created: \\Updater by CORP\\bob", "task_created"),
    ("Microsoft-Windows-Security-Auditing", 4624,
     {"TargetUserName": "bob", "TargetDomainName": "CORP", "LogonType": "10", "IpAddress": "203.0.113.4"},
     "Successful logon: CORP\\bob type 10 RemoteInteractive from 203.0.113.4", "logon"),
    ("Microsoft-Windows-Security-Auditing", 4647, {"TargetUserName": "bob", "TargetDomainName": "CORP"},
     "User initiated logoff: CORP\\bob", "logoff"),
    ("Microsoft-Windows-Sysmon", 3,
     {"Image": "C:\\x.exe", "SourceIp": "10.0.0.2", "DestinationIp": "203.0.113.9", "DestinationPort": 443,
      "Protocol": "tcp"}, "Sysmon network connection: C:\\x.exe 10.0.0.2 -> 203.0.113.9:443 tcp",
     "network_connection"),
    ("Microsoft-Windows-Sysmon", 20, {"Operation": "Created", "Name": "evil", "Destination": "powershell -enc x"},
     "Sysmon WMI event subscription (20): evil", "wmi_subscription"),
])
def test_evtx_messages_for_key_events_not_in_the_samples(provider, eid, data, message, event):
    msg, fields = evtx.describe(provider, eid, data)
    assert msg == message and fields["event"] == event
