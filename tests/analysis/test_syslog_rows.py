"""The timeline's syslog fast path (`syslog.parse_rows`, ready-made rows) stores exactly what the `Event`
path (`syslog.parse` through the timeline's generic insert) stores: the same rows in the same order, the
same skips, problems and failures, on a tricky file, on batch boundaries and on the shared samples."""
from __future__ import annotations

import calendar
import datetime as dt
import io
import json

import pytest
from analysis_helpers import add_text

from analysis import timeline
from analysis.events import ParseReport, Rows
from analysis.parsers import _text, syslog

MTIME = calendar.timegm(dt.datetime(2023, 3, 15, 12, 0).timetuple())  # a year that is not a leap year

TRICKY = b"".join([
    b"  continuation before any record\n",
    b"Dec 30 23:59:58 web01 sshd[0123]: Accepted password for root from 10.0.0.1 port 22 ssh2\n",
    b"Dec 31 23:59:59 web01 sudo:   admin : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/id\n",
    b"    with a continuation line\n",
    b"\tand another\r\n",
    b"Jan  1 00:00:01 web01 kernel: [1.0] year rolled over\n",
    b"Dec 31 23:59:59 web01 late[7]: a late line from the year before\n",
    b"Jan 31 23:59:59 web01 cron[1]: x\n",
    b"Feb  1 00:00:01 web01 cron[1]: y\n",
    b"Jan 31 23:59:58 web01 cron[1]: late across a month end\n",
    b"Feb 29 10:00:00 web01 prog[5]: a leap day in a year that is not a leap year\n",
    b"Feb 30 10:00:00 web01 prog[5]: no such date\n",
    b"Mar  1 25:00:00 web01 prog[5]: bad hour\n",
    b"Mar  1 10:61:00 web01 prog[5]: bad minute\n",
    b"Mar  1 10:00:61 web01 prog[5]: bad second\n",
    b"Mar  1 10:00:60 web01 prog[5]: leap second\n",
    b"Mar  1 10:00:00.123 web01 prog[5]: fractional seconds\n",
    b"Mar  1 10:00:00 web01 pr\"og[5]: a quote in the program name\n",
    b"Mar  1 10:00:00 web01 pr\xffog[5]: not UTF-8 in the program name \xe2\x82\n",
    b"Mar  1 10:00:00 web01 prog[5]: not UTF-8 \xc3\x28 in the message\n",
    b"Mar  1 10:00:00 web01 \xe1\xba\xa1prog: Vi\xe1\xbb\x87t Nam\n",
    b"Mar  1 10:00:00 web01 prog[]: empty pid\n",
    b"Mar  1 10:00:00 web01 --- last message repeated 2 times ---\n",
    b"Mar  1 10:00:01 web01 sshd[9]: message repeated 3 times: [ Failed password for root from 1.2.3.4 port 2 ssh2]\n",
    b"Mar  1 10:00:02 web01 sshd[9]: Failed password for invalid user x from 1.2.3.4 port 99999999999999999999999 ssh2\n",
    b"Mar  1 10:00:03 web01 sshd: Invalid user  from 1.2.3.4\n",
    b"Mar  1 10:00:04 INFO tag[1]: a severity instead of a host\n",
    b"Mar  1 10:00:05 web01 notag\n",
    b"Mar  1 10:00:06\n",
    b"Foo  1 10:00:00 web01 prog: unknown month\n",
    b"Mar 1x 10:00:00 web01 prog: unreadable\n",
    b"<34>1 2023-03-01T10:00:00.003Z mymachine su - ID47 - 'su root' failed for lonvick on /dev/pts/8\n",
    b"<165>1 2023-03-01T10:00:00+40:01 host app 12 ID - bad offset\n",
    b"<165>1 2023-02-30T10:00:00Z host app 12 ID - bad date\n",
    b"<165>1 2023-03-01T10:00:00Z - - - - [exampleSDID@32473 iut=\"3\"] with structured data\n",
    b"2023-03-01T10:00:00.123456+07:00 web01 prog[1]: ISO stamp\n",
    b"2023-03-01T10:00:00Z INFO prog: ISO with a severity\n",
    b"2023-02-30T10:00:00Z web01 prog: ISO bad date\n",
    b"0001-01-01T00:00:00+01:00 web01 prog: before year 1 in UTC\n",
    b"  continuation of the event above, which is not storable\n",
    b"\n",
    b"\n",
    b"Mar  2 10:00:00 web01 systemd[1]: Started Session 3 of user admin.\n",
    b"Mar  2 10:00:00 web01 systemd[1]: last line without its newline",
])


def stored(case) -> tuple[list, list]:
    """Every row of the built timeline (id included: the order) and every parse report."""
    db = timeline.connect(case)
    try:
        rows = [tuple(r) for r in db.execute(f"SELECT {', '.join(timeline.COLUMNS)} FROM events ORDER BY id")]
        reports = [tuple(r) for r in db.execute("SELECT * FROM parse_reports ORDER BY rowid")]
    finally:
        db.close()
    return rows, reports


def both_paths(case, monkeypatch) -> tuple[tuple, tuple]:
    fast = stored(case) if timeline.build(case) else None
    with monkeypatch.context() as m:
        m.setattr(syslog, "parse_rows", syslog.parse)  # the Event path, through the generic insert
        timeline.build(case)
        reference = stored(case)
    return fast, reference


def test_tricky_file_stores_the_same_through_both_paths(new_case, tmp_path, monkeypatch):
    c = new_case()
    add_text(c, tmp_path, "/var/log/syslog", TRICKY, mtime=MTIME)
    # many lines: several batches, a continuation line and a storable and an unstorable event at the ends
    bulk = b"".join(b"Mar  3 %02d:%02d:%02d web01 sshd[%d]: Accepted publickey for u%d from 10.0.0.%d port %d ssh2\n"
                    % (i // 3600 % 24, i // 60 % 60, i % 60, i, i, i % 256, i) + (b"  more\n" if i % 7 == 0 else b"")
                    + (b"0001-01-01T00:00:00+01:00 h p: out of range\n" if i % 4999 == 0 else b"")
                    for i in range(12_000))
    add_text(c, tmp_path, "/var/log/auth.log", bulk, mtime=MTIME)
    # a pid too long to be a number (int() refuses it): kept as text, through both paths alike
    add_text(c, tmp_path, "/var/log/messages", bulk[:bulk.index(b"\n", 400_000) + 1] + b"Mar  4 10:00:00 h p[" + b"9" * 5000 + b"]: x\n",
             mtime=MTIME)
    fast, reference = both_paths(c, monkeypatch)
    rows, reports = fast
    assert (rows, reports) == reference
    by_source = {r[2]: r for r in reports if r[3] == "syslog"}
    tricky = by_source["/var/log/syslog"]
    problems = dict(map(tuple, json.loads(tricky[6])))
    assert problems["line 1"] == "not a syslog line"
    assert "invalid date" in problems["line 12"] and "invalid time" in problems["line 13"]
    assert problems["line 39"].startswith("time out of range")
    assert problems["line 33"].startswith("UTC offset out of range")
    assert by_source["/var/log/auth.log"][4] > 12_000 - 5  # events (the out-of-range ones skipped)
    assert by_source["/var/log/messages"][7] is None               # no fatal: the file was read to its end
    assert any(r[8] == '{"program":"p","pid":"' + "9" * 5000 + '"}' for r in rows)
    messages = {r[7] for r in rows}
    assert any("with a continuation line and another" in m for m in messages)
    leap = [r for r in rows if r[7].endswith("not a leap year")]
    assert leap and timeline.iso_from_us(leap[0][1]).startswith("2020-02-29")
    assert any("\ufffd" in m for m in messages)


@pytest.mark.parametrize("batch", [1, 2, 3, 5000])
def test_rows_equal_events_at_every_batch_size(batch):
    ref_report, rows_report = ParseReport(), ParseReport()
    kw = {"year": 2022, "offset_s": 7 * 3600, "host": "h", "evidence_id": "E000001"}
    events = syslog.parse(_text.iter_lines(io.BytesIO(TRICKY), ref_report), ref_report, **kw)
    expected = [row for b in timeline._batches(events, "E000001", ref_report) for row in b]
    got = list(syslog.parse_rows(_text.iter_lines(io.BytesIO(TRICKY), rows_report), rows_report, batch=batch, **kw))
    assert all(type(b) is Rows and 0 < len(b) <= batch for b in got)
    assert [row for b in got for row in b] == expected
    assert (rows_report.skipped, rows_report.problems) == (ref_report.skipped, ref_report.problems)
    assert rows_report.skipped >= 10


def test_shared_syslog_samples_store_the_same_through_both_paths(logs, new_case, tmp_path, monkeypatch):
    c = new_case()
    names = {"plaso-test-data": ["syslog_syslog", "syslog_syslog_chromeos", "syslog_syslog_cron.log",
                                 "syslog_syslog_rsyslog", "syslog_syslog_rsyslog_SyslogProtocol23Format",
                                 "syslog_syslog_rsyslog_traditional", "syslog_syslog_ssh.log"],
             "elastic-beats": ["system_auth_test.log", "system_auth_timestamp.log",
                               "system_syslog_suse-syslog.log", "system_syslog_tz-offset.log"]}
    for folder, files in names.items():
        for i, name in enumerate(files):
            add_text(c, tmp_path, f"/var/log/{folder}{i}/syslog", (logs / folder / name).read_bytes(), mtime=MTIME)
    fast, reference = both_paths(c, monkeypatch)
    assert fast == reference
    assert len(fast[0]) > 100 and sum(r[3] == "syslog" for r in fast[1]) == 11


def test_a_pid_too_long_to_be_a_number_is_kept_as_text_and_the_file_goes_on():
    """A tag with 5,000 digits (int() refuses more than 4,300) and one of 25: each line keeps its digits as
    text, the lines after them are read, through both paths alike."""
    data = ("Mar  1 10:00:00 h sshd[" + "9" * 5000 + "]: hostile\nMar  1 10:00:01 h cron[12]: next\n"
            "Mar  1 10:00:02 h su[" + "7" * 25 + "]: long\nMar  1 10:00:03 h cron[0123]: zero\n").encode()
    kw = {"year": 2022, "offset_s": 0, "host": "h", "evidence_id": "E000001"}
    ref_report, rows_report = ParseReport(), ParseReport()
    events = list(syslog.parse(_text.iter_lines(io.BytesIO(data), ref_report), ref_report, **kw))
    assert [e.fields.get("pid") for e in events] == ["9" * 5000, 12, "7" * 25, 123]
    expected = [row for b in timeline._batches(iter(events), "E000001", ref_report) for row in b]
    got = [row for b in syslog.parse_rows(_text.iter_lines(io.BytesIO(data), rows_report), rows_report, **kw)
           for row in b]
    assert got == expected and not ref_report.problems and not rows_report.problems
