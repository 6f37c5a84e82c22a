"""The case timeline: build from evidence, queries for the GUI, marks, exports, cancel and bad input."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading

import pytest
from analysis_helpers import add_json, add_text

from analysis import export, timeline
from analysis.events import iso_z
from collectors.errors import Cancelled, UnreadableInput

P = "plaso-test-data"
MTIME_2021 = 1625097600  # 2021-07-01T00:00:00Z: the year RFC 3164 lines are placed in


@pytest.fixture
def case(new_case, logs, evtx_dir, tmp_path):
    c = new_case()
    add_json(c, "system.json", {"hostname": "web01", "utc_offset": "+07:00", "boot_time": "2021-06-30T01:00:00Z",
                                "users": [{"name": "admin", "terminal": "pts/0", "host": "10.0.0.8",
                                           "started": "2021-06-30T02:00:00Z"}]}, "B2")
    add_text(c, tmp_path, "/var/log/auth.log", (logs / "elastic-beats/system_auth_test.log").read_text(),
             mtime=MTIME_2021)
    add_text(c, tmp_path, "/var/log/wtmp.1", (logs / P / "utmp_wtmp.1").read_bytes())
    add_text(c, tmp_path, "/var/log/dpkg.log", (logs / P / "dpkg.log").read_text())
    add_text(c, tmp_path, "/root/.bash_history", (logs / P / "bash_history").read_text())
    c.add_file(evtx_dir / "evtx-rs-samples/new-user-security.evtx", checklist_id="B10", collector="test",
               source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx")
    add_text(c, tmp_path, "/etc/hostname", "web01\n", checklist_id="B4")
    return c


def test_build_reads_every_source_with_host_zone_and_provenance(case):
    summary = timeline.build(case)
    # 10 auth + 2 wtmp + 4 dpkg + 4 bash + 4 evtx + 2 snapshot + MACB of 6 copied files
    counts = timeline.source_counts(case)
    assert {k: v for k, v in counts.items() if k != "file"} == {
        "auth": 10, "wtmp": 2, "dpkg": 4, "bash_history": 4, "evtx": 4, "system": 2}
    assert counts["file"] >= 6
    assert summary.events == sum(counts.values()) == timeline.count(case)
    assert summary.skipped == 1  # the truncated wtmp record
    reports = {r["source"]: r for r in timeline.parse_reports(case) if r["parser"] != "file_meta"}
    assert reports["/var/log/wtmp.1"]["problems"] == [["offset 1536", "truncated record (1 of 384 bytes)"]]
    rows = timeline.page(case, timeline.Filter(sources=["auth"], text="Accepted"))
    assert [r["datetime"] for r in rows] == ["2021-02-21T21:54:44.000000+07:00", "2021-02-23T00:13:35.000000+07:00"]
    auth_rec = next(r for r in case.evidence() if r.source == "/var/log/auth.log")
    assert rows[0]["evidence_id"] == auth_rec.id
    assert rows[0]["locator"] == "line 1" and rows[0]["fields"]["user"] == "vagrant"
    dpkg = timeline.page(case, timeline.Filter(sources=["dpkg"]))
    assert dpkg[0]["datetime"] == "2009-02-25T11:45:23.000000+07:00"  # local time of the host, +07:00
    assert iso_z(dpkg[0]["ts"]) == "2009-02-25T04:45:23.000000Z"
    assert timeline.meta(case)["host"] == "web01"


def test_queries_count_page_keyset_histogram(case):
    timeline.build(case)
    total = timeline.count(case)
    everything = list(timeline.events(case, batch=7))
    assert len(everything) == total
    assert [r["ts"] for r in everything] == sorted(r["ts"] for r in everything)
    first = timeline.page(case, limit=5)
    second = timeline.page(case, limit=5, after=(first[-1]["ts"], first[-1]["id"]))
    assert [r["id"] for r in first + second] == [r["id"] for r in everything[:10]]
    assert timeline.page(case, limit=5, offset=5) == second
    lo, hi = timeline.time_range(case)
    assert (lo, hi) == (everything[0]["ts"], everything[-1]["ts"])
    window = timeline.Filter(start=everything[3]["ts"], end=everything[8]["ts"])
    assert timeline.count(case, window) == sum(1 for r in everything if everything[3]["ts"] <= r["ts"] < everything[8]["ts"])
    hist = timeline.histogram(case, buckets=10)
    assert len(hist) == 10 and sum(n for _, n in hist) == total and hist[0][0] == lo
    # the index path (time only) and the GROUP BY path (source filter) agree
    all_sources = timeline.Filter(sources=list(timeline.source_counts(case)))
    assert timeline.histogram(case, all_sources, buckets=10) == hist
    day = 86_400_000_000
    by_day = timeline.histogram(case, timeline.Filter(start=lo, end=lo + 3 * day), bucket_us=day)
    assert [b for b, _ in by_day] == [lo, lo + day, lo + 2 * day]
    assert [n for _, n in by_day] == [sum(1 for r in everything if lo + i * day <= r["ts"] < lo + (i + 1) * day)
                                      for i in range(3)]
    assert timeline.count(case, timeline.Filter(text="100%")) == 0  # LIKE wildcards are escaped
    assert timeline.count(case, timeline.Filter(text="ACCEPTED")) == 2  # case-insensitive
    ev = timeline.get_event(case, everything[0]["id"])
    assert ev == everything[0]


def test_marks_survive_a_rebuild(case):
    timeline.build(case)
    row = timeline.page(case, timeline.Filter(text="Invalid user"))[0]
    timeline.mark(case, row, "quét tài khoản từ 10.0.2.2")
    timeline.build(case)  # ids may change, the key does not
    marks = timeline.marks(case)
    assert [(m["evidence_id"], m["locator"], m["note"]) for m in marks] == [
        (row["evidence_id"], row["locator"], "quét tài khoản từ 10.0.2.2")]
    again = timeline.find_by_key(case, row["evidence_id"], row["locator"])
    assert again[0]["message"] == row["message"]
    timeline.mark(case, row, "updated")
    assert timeline.marks(case)[0]["note"] == "updated"
    assert timeline.unmark(case, row) is True and timeline.marks(case) == []
    actions = [e["action"] for e in case.custody.entries()]
    assert "analysis_mark" in actions and "analysis_unmark" in actions


def test_other_logs_are_parsed_only_when_they_look_like_syslog(new_case, tmp_path):
    c = new_case("other")
    add_text(c, tmp_path, "/var/log/apt/term.log", "Log started: 2023-11-09  10:00:00\nSelecting previously "
             "unselected package x.\n")
    add_text(c, tmp_path, "/var/log/myapp.log", "Nov  9 10:00:00 web01 myapp[7]: started\n", mtime=MTIME_2021)
    timeline.build(c)
    reports = {r["source"]: r for r in timeline.parse_reports(c) if r["parser"] != "file_meta"}
    assert reports["/var/log/apt/term.log"]["fatal"].startswith("not in a syslog format")
    assert reports["/var/log/apt/term.log"]["skipped"] == 0
    assert reports["/var/log/myapp.log"]["events"] == 1


def test_rotated_syslogs_get_their_year_from_the_file_time_in_the_host_zone(new_case, tmp_path):
    """Year inference across rotation, in the host's zone (+07:00): syslog.1 was last written at 00:05 local
    on 1 Jan 2024, which is still 31 Dec 2023 in UTC; its last line has no newline yet and one line is late."""
    import gzip

    def local(*a):
        return dt.datetime(*a, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp()

    c = new_case("rotated")
    add_json(c, "system.json", {"hostname": "web01", "utc_offset": "+07:00"}, "B2")
    add_text(c, tmp_path, "/var/log/syslog.2.gz", gzip.compress(b"Dec 30 10:00:00 web01 CRON[1]: two\n"),
             mtime=local(2023, 12, 31, 0, 0))
    add_text(c, tmp_path, "/var/log/syslog.1",
             "Dec 31 23:59:58 web01 CRON[2]: one\nJan  1 00:00:01 web01 CRON[3]: one\n"
             "Dec 31 23:59:59 web01 CRON[4]: one, late\nJan  1 00:04:00 web01 CRON[5]: one, last", mtime=local(2024, 1, 1, 0, 5))
    add_text(c, tmp_path, "/var/log/syslog", "Jan  1 07:00:00 web01 CRON[6]: current\n", mtime=local(2024, 1, 1, 8))
    timeline.build(c)
    rows = timeline.page(c, timeline.Filter(sources=["cron"]))
    assert [(r["datetime"], r["message"].rsplit(": ", 1)[1]) for r in rows] == [
        ("2023-12-30T10:00:00.000000+07:00", "two"),
        ("2023-12-31T23:59:58.000000+07:00", "one"),
        ("2023-12-31T23:59:59.000000+07:00", "one, late"),
        ("2024-01-01T00:00:01.000000+07:00", "one"),
        ("2024-01-01T00:04:00.000000+07:00", "one, last"),
        ("2024-01-01T07:00:00.000000+07:00", "current")]
    assert iso_z(rows[1]["ts"]) == "2023-12-31T16:59:58.000000Z"


def test_offline_root_zone_comes_from_the_image_not_the_examiner(new_case, tmp_path, logs):
    """A dead-box collection (--root) records the image's zone name but no offset; the collecting
    machine's own offset is not the image's: zone-less local times are read in the image's zone."""
    c = new_case("deadbox")
    c.add_json({"hostname": "srv01", "timezone": "Asia/Ho_Chi_Minh", "utc_offset": None, "offline_root": "/mnt/img"},
               checklist_id="B2", name="system.json", source="offline root", collector="test")
    add_text(c, tmp_path, "/var/log/dpkg.log", (logs / P / "dpkg.log").read_text())
    timeline.build(c)
    dpkg = timeline.page(c, timeline.Filter(sources=["dpkg"]))
    assert dpkg[0]["datetime"] == "2009-02-25T11:45:23.000000+07:00"
    assert iso_z(dpkg[0]["ts"]) == "2009-02-25T04:45:23.000000Z"


def test_ensure_rebuilds_only_when_evidence_changed(case, tmp_path):
    assert timeline.ensure(case) is not None
    assert timeline.ensure(case) is None
    add_text(case, tmp_path, "/var/log/syslog", "Jan  5 10:00:00 web01 CRON[5]: (root) CMD (true)\n")
    summary = timeline.ensure(case)
    assert summary is not None and timeline.source_counts(case)["cron"] == 1


def test_cancel_keeps_the_previous_timeline(case):
    timeline.build(case)
    before = timeline.count(case)
    stop = threading.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.done >= 2:
            stop.set()

    with pytest.raises(Cancelled):
        timeline.build(case, progress=progress, cancel=stop)
    assert timeline.count(case) == before
    assert not (case.path / "timeline.sqlite.building").exists()
    assert seen[0] == timeline.Progress(0, seen[0].total, 0) and seen[0].total > 3
    assert seen[-1].done == 2  # stopped right after the item that set the flag


def test_corrupt_and_unreadable_evidence_keeps_the_rest(new_case, tmp_path, logs):
    c = new_case()
    add_text(c, tmp_path, "/var/log/wtmp", b"\x07\x00garbage" * 50)
    add_text(c, tmp_path, "C:/Logs/System.evtx", b"ElfFile\x00" + b"\x00" * 5000)
    add_text(c, tmp_path, "/var/log/auth.log", (logs / "elastic-beats/system_auth_test.log").read_bytes()
             + b"\xff\xfe broken bytes line\nFeb 30 10:00:00 web01 sshd[1]: no such day\n", mtime=MTIME_2021)
    add_json(c, "processes.json", "not a list", "B8")
    summary = timeline.build(c)
    reports = {r["source"]: r for r in timeline.parse_reports(c) if r["parser"] != "file_meta"}
    assert reports["/var/log/auth.log"]["events"] == 10
    assert reports["/var/log/auth.log"]["problems"] == [["line 12", "invalid date 'Feb 30 10:00:00' in year 2021"]]
    last = timeline.find_by_key(c, reports["/var/log/auth.log"]["evidence_id"], "line 10")[0]
    assert last["message"].endswith("\ufffd\ufffd broken bytes line")  # kept, undecodable bytes marked
    assert reports["/var/log/wtmp"]["events"] == 0 and reports["/var/log/wtmp"]["skipped"] >= 1
    evtx_rep = reports["C:/Logs/System.evtx"]
    assert evtx_rep["events"] == 0 and (evtx_rep["fatal"] or evtx_rep["skipped"])
    assert summary.events == timeline.count(c)


def test_no_timeline_is_a_clear_error(new_case):
    c = new_case()
    with pytest.raises(UnreadableInput, match="no timeline"):
        timeline.count(c)
    (c.path / "timeline.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UnreadableInput, match="rebuild"):
        timeline.count(c)


# ----------------------------------------------------------------------------------------- exports
def test_jsonl_is_timesketch_ready(case):
    timeline.build(case)
    buf = io.StringIO()
    n = export.export(case, "jsonl", buf, timeline.Filter(sources=["auth", "evtx"]))
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert n == len(lines) == 14
    for rec in lines:
        assert {"message", "datetime", "timestamp_desc", "timestamp"} <= set(rec)
        assert rec["datetime"][-6] in "+-" and rec["datetime"][10] == "T"
        assert not any(isinstance(v, (dict, list)) for v in rec.values())  # flat for Timesketch
    ev = [r for r in lines if r["source"] == "evtx"][1]
    assert ev["event_id"] == "4720"  # fields as text: one type per field in Timesketch's index
    assert json.loads(ev["extra"])["data"]["TargetUserName"] == "IEUser"  # EventData in the one `extra` field
    assert isinstance(ev["timestamp"], int)


def test_jsonl_field_set_is_bounded_over_every_evtx_sample(new_case, shared_data):
    """Every EVTX file of the shared samples in one case: the jsonl export keeps a small, fixed set of
    top-level keys (each EventData name would be its own key otherwise, more than Timesketch's 1,000-field
    limit), and each row still carries every non-empty field value: the common columns as text, the rest
    in `extra`, which parses back to the event's own values."""
    from analysis import export_siem

    c = new_case("all-evtx")
    files = sorted(shared_data.rglob("*.evtx"))
    assert len(files) > 200
    for i, p in enumerate(files):
        c.add_file(p, checklist_id="B10", collector="test", source=f"C:\\Logs\\{i}-{p.name}")
    timeline.build(c)
    buf = io.StringIO()
    n = export.export(c, "jsonl", buf)
    lines = buf.getvalue().splitlines()
    assert n == len(lines) == timeline.count(c) > 30_000
    keys: set = set()
    data_names: set = set()
    for line, row in zip(lines, timeline.events(c)):
        rec = json.loads(line)
        keys.update(rec)
        assert (rec["evidence_id"], rec["locator"], rec["timestamp"]) == (row["evidence_id"], row["locator"], row["ts"])
        assert not any(isinstance(v, (dict, list)) for v in rec.values())
        fields = {k: v for k, v in row["fields"].items() if v is not None and v != ""}
        extra = json.loads(rec.get("extra", "{}"))
        common = {k: rec[k] for k in export_siem.COMMON if k in rec}
        assert set(extra) | set(common) == set(fields) and not set(extra) & set(common)
        assert extra == {k: v for k, v in fields.items() if k not in export_siem.COMMON}
        assert common == {k: export_siem._text(v) for k, v in fields.items() if k in export_siem.COMMON}
        data_names.update(extra.get("data") or {})
    assert len(data_names) > 500  # the EventData names that would each have been a top-level field
    assert len(keys) < 100
    assert keys <= set(export_siem.BASE) | set(export_siem.COMMON)


def test_timesketch_exports_of_mixed_sources_import_whole(new_case, tmp_path, logs, evtx_dir):
    """Timesketch types a field by the first value it indexes and reads csv with pandas, which skips a
    whole chunk whose datetime column mixes offsets: a +07:00 host's syslog, dpkg and web log beside EVTX
    and wtmp (UTC) must give one type per field (jsonl) and one offset per file (csv)."""
    c = new_case("mixed")
    add_json(c, "system.json", {"hostname": "web01", "utc_offset": "+07:00"}, "B2")
    add_text(c, tmp_path, "/var/log/dpkg.log", (logs / P / "dpkg.log").read_text())  # status: "half-installed"
    add_text(c, tmp_path, "/var/log/nginx/access.log",
             '203.0.113.7 - - [10/Oct/2023:13:55:36 +0700] "GET / HTTP/1.1" 200 5 "-" "curl"\n')  # status: 200
    add_text(c, tmp_path, "/var/log/messages", (logs / P / "syslog_syslog_rsyslog_SyslogProtocol23Format").read_text())
    add_text(c, tmp_path, "/var/log/daemon.log", (logs / P / "syslog_syslog_chromeos").read_text())  # severity: INFO
    add_text(c, tmp_path, "/var/log/wtmp", (logs / P / "utmp_wtmp.1").read_bytes())
    c.add_file(evtx_dir / "evtx-rs-samples/security.evtx", checklist_id="B10", collector="test",
               source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx")  # ProcessId: 4 and "0x3e4"
    timeline.build(c)
    types: dict = {}
    offsets = set()
    for line in export.to_string(c, "jsonl").splitlines():
        rec = json.loads(line)
        offsets.add(rec["datetime"][-6:])
        assert dt.datetime.fromisoformat(rec["datetime"]).timestamp() * 1e6 == pytest.approx(rec["timestamp"], abs=1)
        for k, v in rec.items():
            types.setdefault(k, set()).add(type(v).__name__)
    assert offsets == {"+07:00", "+00:00", "-07:00"}  # jsonl keeps each source's offset (ChromeOS: -07:00)
    assert types.pop("timestamp") == {"int"}
    assert {k: t for k, t in types.items() if t != {"str"}} == {}
    rows = list(csv.DictReader(io.StringIO(export.to_string(c, "csv"))))
    assert {r["datetime"][-6:] for r in rows} == {"+07:00"}  # the host's offset for every row
    assert {r["source_offset"] for r in rows} == {"+07:00", "+00:00", "-07:00"}
    for r in rows:
        assert dt.datetime.fromisoformat(r["datetime"]).timestamp() * 1e6 == pytest.approx(int(r["timestamp"]), abs=1)
    # a file named with a bare CR (bodyfile sample) stays one row for readers in universal newline mode
    add_text(c, tmp_path, "/cases/host.body", (logs / P / "bodyfile_bodyfile").read_bytes())
    timeline.build(c)
    text = export.to_string(c, "csv")
    rows = list(csv.DictReader(io.StringIO(text, newline=None)))
    assert len(rows) == timeline.count(c) and all(r["datetime"] for r in rows)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert any(r["message"] == "ma.. /passwordz\r.txt" for r in rows)
    web = [r for r in rows if r["source"] == "web"][0]
    assert web["datetime"] == "2023-10-10T13:55:36.000000+07:00" and json.loads(web["fields"])["status"] == 200


def test_csv_export_columns(case):
    timeline.build(case)
    text = export.to_string(case, "csv", timeline.Filter(sources=["auth"]))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == export.CSV_COLUMNS
    assert len(rows) == 10
    failed = [r for r in rows if r["event"] == "ssh_failed"][0]
    assert failed["ip"] == "216.160.83.57" and failed["user"] == "root"
    assert failed["datetime"] == "2021-02-20T08:35:22.000000+07:00"
    assert json.loads(failed["fields"])["port"] == 29160


def test_bodyfile_and_mactime_exports(case, new_case, tmp_path, logs):
    timeline.build(case)
    body = export.to_string(case, "bodyfile").splitlines()
    files = [r for r in case.evidence() if r.kind == "file"]
    assert len(body) == len(files)
    cols = body[0].split("|")
    assert len(cols) == 11 and cols[0] == "0"
    rec = files[0]
    meta = rec.orig_meta
    assert cols[1] == rec.source and cols[2] == str(meta["inode"]) and cols[6] == str(rec.size)
    assert cols[3] == "r/r" + meta["mode"][1:]  # '-rw-r--r--' -> TSK 'r/rrw-r--r--'
    mtime = int(dt.datetime.fromisoformat(meta["mtime"].replace("Z", "+00:00")).timestamp())
    assert cols[8] == str(mtime) and cols[10] == "0"  # no birth time on this file system
    # a collected body file passes through, and its times reach the mactime view
    c = new_case("withbody")
    add_text(c, tmp_path, "/cases/host.body", (logs / P / "bodyfile_bodyfile.corrupt").read_bytes())
    add_text(c, tmp_path, "/cases/extra.body", "0|/x|7|r/rrw-r--r--|0|0|1|1337961563|1337961563|1337961563|0\n")
    timeline.build(c)
    body = export.to_string(c, "bodyfile").split("\n")
    assert "0|/passwords\r.txt|15|r/rr--------|151107|5000|116|1337961653|1337961653|1337961663|0" in body
    mac = export.to_string(c, "mactime").split("\n")
    assert mac[0] == "Date,Size,Type,Mode,UID,GID,Meta,File Name"
    assert mac[1] == "Fri May 25 2012 15:59:23,1024,m.c.,d/drwxr-xr-x,151107,5000,12,/a_directory"
    assert mac[2] == ",1,mac.,r/rrw-r--r--,0,0,7,/x"  # same second: the date is left blank
    assert mac[3].startswith("Fri May 25 2012 15:59:24,1024,.a..,")
    # a name holding a bare CR is quoted, or csv readers would cut the row in two
    assert mac[5] == '"Fri May 25 2012 16:01:03","116","..c.","r/rr--------","151107","5000","15","/passwords\r.txt"'
    assert list(csv.reader(io.StringIO(export.to_string(c, "mactime"))))[5][-1] == "/passwords\r.txt"


def test_a_parser_failure_is_reported_and_the_rest_is_kept(case, monkeypatch):
    from analysis.parsers import packages

    def broken(lines, report, **kw):
        yield from ()
        raise ValueError("boom")

    monkeypatch.setattr(packages, "parse_dpkg", broken)
    timeline.build(case)
    reports = {r["source"]: r for r in timeline.parse_reports(case) if r["parser"] != "file_meta"}
    assert reports["/var/log/dpkg.log"]["fatal"] == "parser dpkg failed: ValueError: boom"
    assert timeline.source_counts(case)["auth"] == 10 and "dpkg" not in timeline.source_counts(case)


def test_disk_full_while_storing_is_a_clear_error(case, monkeypatch):
    import sqlite3 as _sqlite3

    from collectors.errors import DestinationFull

    timeline.build(case)
    before = timeline.count(case)
    real_connect = _sqlite3.connect

    class FullConnection:
        def __init__(self, conn):
            self._c = conn

        def executemany(self, *a):
            raise _sqlite3.OperationalError("database or disk is full")

        def __getattr__(self, name):
            return getattr(self._c, name)

    monkeypatch.setattr(timeline.sqlite3, "connect", lambda *a, **k: FullConnection(real_connect(*a, **k)))
    with pytest.raises(DestinationFull, match="is full"):
        timeline.build(case)
    monkeypatch.setattr(timeline.sqlite3, "connect", real_connect)
    assert timeline.count(case) == before  # the previous timeline is intact
    assert not (case.path / "timeline.sqlite.building").exists()


def test_deleted_files_get_deletion_times(new_case):
    """Recovered files (orig_meta with dtime) and the unrecovered rows of recovered.json (H4) reach C2."""
    c = new_case("deleted")
    meta = {"mtime": "2023-11-10T01:00:00Z", "atime": "2023-11-10T01:00:00Z", "ctime": "2023-11-10T02:00:00Z",
            "dtime": "2023-11-10T02:00:00Z", "size": 5, "path": "/home/a/secret.txt", "inode": 14,
            "deleted": True, "status": "recoverable"}
    rec = c.add_bytes(b"hello", checklist_id="H4", name="secret.txt", kind="file", collector="test",
                      source="disk.img:/home/a/secret.txt (inode 14, ext4 @ 1048576)", orig_meta=meta)
    add_json(c, "recovered.json", {"format": "ungcuu-recovered", "deleted": [
        {"path": "/home/a/secret.txt", "inode": 14, "evidence_id": rec.id, "mtime": meta["mtime"]},
        {"path": "/tmp/x.sh", "inode": 20, "evidence_id": None, "status": "unrecoverable", "size": 120,
         "mtime": "2023-11-09T23:00:00Z", "ctime": "2023-11-10T03:00:00Z", "dtime": "2023-11-10T03:00:00Z"}]}, "H4")
    timeline.build(c)
    rows = timeline.page(c, timeline.Filter(sources=["file"]))
    got = [(iso_z(r["ts"]), r["timestamp_desc"], r["fields"]["path"], r["locator"]) for r in rows]
    assert got == [
        ("2023-11-09T23:00:00.000000Z", "Content Modification Time", "/tmp/x.sh", "deleted 1:m..."),
        ("2023-11-10T01:00:00.000000Z", "Content Modification Time; Last Access Time", "/home/a/secret.txt",
         "meta:ma.."),
        ("2023-11-10T02:00:00.000000Z", "Metadata Modification Time", "/home/a/secret.txt", "meta:..c."),
        ("2023-11-10T02:00:00.000000Z", "Deletion Time", "/home/a/secret.txt", "meta:deleted"),
        ("2023-11-10T03:00:00.000000Z", "Metadata Modification Time", "/tmp/x.sh", "deleted 1:..c."),
        ("2023-11-10T03:00:00.000000Z", "Deletion Time", "/tmp/x.sh", "deleted 1:deleted"),
    ]
    assert rows[3]["fields"]["deleted"] is True and rows[3]["fields"]["sha256"] == rec.sha256
