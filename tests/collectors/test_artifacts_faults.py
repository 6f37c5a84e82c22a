"""Faults the spine collectors must survive: a process that vanishes mid-read, a journal
export that fails, links that point outside an offline root, files that are not what they claim."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from collectors import records
from collectors.artifacts import journal as journal_mod
from collectors.artifacts import processes as processes_mod
from collectors.artifacts._common import ExeHasher
from collectors.artifacts.journal import Journal
from collectors.base import Context, EvidenceRecord

EXPORT = b"__CURSOR=s=1;i=1\n__REALTIME_TIMESTAMP=1700000000000000\nMESSAGE=Accepted password for root\n\n"


def test_a_process_that_vanishes_mid_read_is_noted(case, monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    doomed = psutil.Process(child.pid)   # listed while alive ...
    child.kill()
    child.wait()                         # ... gone before it is read
    me = psutil.Process()
    monkeypatch.setattr(processes_mod.psutil, "process_iter", lambda *a, **k: iter([me, doomed]))
    ctx = Context(case, run_id=None, checklist_id="B8", collector_name="processes")
    rows, stats = processes_mod.snapshot(ctx, ExeHasher())
    assert [r["pid"] for r in rows] == [os.getpid()]
    assert stats["vanished"] == [child.pid]
    events = list(processes_mod.Processes().collect(ctx))
    recs = [e for e in events if isinstance(e, EvidenceRecord)]
    assert [r.name for r in recs] == ["processes.json"]
    assert f"1 processes ended while they were read: {child.pid}" in ctx.notes


def _fake_journalctl(tmp_path, body: str):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "journalctl"
    exe.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    exe.chmod(0o755)
    return bindir


@pytest.fixture
def journal_dir(tmp_path, monkeypatch):
    d = tmp_path / "journal" / "0123abcd"
    d.mkdir(parents=True)
    (d / "system.journal").write_bytes(b"LPKSHHRH" + b"\0" * 56)
    monkeypatch.setattr(journal_mod, "JOURNAL_DIRS", (str(tmp_path / "journal"), str(tmp_path / "none")))
    return d


def test_journal_export_is_streamed_into_the_store(case, tmp_path, monkeypatch, journal_dir):
    export = tmp_path / "export.bin"
    export.write_bytes(EXPORT * 1000)
    bindir = _fake_journalctl(tmp_path, f'[ "$1 $2" = "-o export" ] || exit 3\ncat "{export}"\n')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    ctx = Context(case, run_id=None, checklist_id="B10", collector_name="journal")
    assert Journal().why_not(ctx) is None
    events = list(Journal().collect(ctx))
    rec = next(e for e in events if isinstance(e, EvidenceRecord))
    assert rec.name == "journal.export" and rec.kind == "command" and rec.checklist_id == "B10"
    assert rec.source == f"{bindir}/journalctl -o export"
    assert case.evidence_path(rec).read_bytes() == EXPORT * 1000
    assert ctx.notes == []


def test_journal_export_failure_keeps_what_was_read_and_says_so(case, tmp_path, monkeypatch, journal_dir):
    bindir = _fake_journalctl(tmp_path, 'printf "MESSAGE=partial\\n"\necho "Failed to open journal: corrupt" >&2\nexit 1\n')
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    ctx = Context(case, run_id=None, checklist_id="B10", collector_name="journal")
    rec = next(e for e in Journal().collect(ctx) if isinstance(e, EvidenceRecord))
    assert case.evidence_path(rec).read_bytes() == b"MESSAGE=partial\n"
    assert ctx.notes == ["journalctl exit code 1: Failed to open journal: corrupt"]


def test_no_journal_is_not_applicable(case, tmp_path, monkeypatch):
    monkeypatch.setattr(journal_mod, "JOURNAL_DIRS", (str(tmp_path / "nothing"), str(tmp_path / "none")))
    ctx = Context(case, run_id=None, checklist_id="B10", collector_name="journal")
    assert "no systemd journal here" in Journal().why_not(ctx)


def test_offline_journal_files_are_copied(case, tmp_path):
    root = tmp_path / "root"
    d = root / "var/log/journal/0123abcd"
    d.mkdir(parents=True)
    (d / "system.journal").write_bytes(b"LPKSHHRH" + b"\1" * 56)
    (d / "user-1000.journal~").write_bytes(b"LPKSHHRH" + b"\2" * 56)
    (d / "notes.txt").write_text("not a journal")
    ctx = Context(case, run_id=None, checklist_id="B10", root=root, collector_name="journal")
    recs = [e for e in Journal().collect(ctx) if isinstance(e, EvidenceRecord)]
    assert sorted(r.source for r in recs) == ["/var/log/journal/0123abcd/system.journal",
                                              "/var/log/journal/0123abcd/user-1000.journal~"]


def test_sparse_lastlog_is_capped_and_says_so(case, tmp_path, monkeypatch):
    from collectors.artifacts import log_files as log_mod

    monkeypatch.setattr(log_mod, "SPARSE_CAP", 1 << 20)
    root = tmp_path / "root"
    (root / "var/log").mkdir(parents=True)
    with open(root / "var/log/lastlog", "wb") as fh:   # 8 MiB apparent, a few bytes real (uid 65534 logged in)
        fh.write(b"\1" * 292)
        fh.truncate(8 << 20)
    (root / "var/log/syslog").write_bytes(b"x" * (2 << 20))  # a dense file over the cap is copied whole
    ctx = Context(case, run_id=None, checklist_id="B10", root=root, collector_name="log_files")
    recs = {e.source: e for e in log_mod.LogFiles().collect(ctx) if isinstance(e, EvidenceRecord)}
    last = recs["/var/log/lastlog"]
    assert last.size == 1 << 20 and last.orig_meta["size"] == 8 << 20
    assert last.incomplete == [f"size cap of {1 << 20} bytes reached: only the first {1 << 20} bytes were copied"]
    assert recs["/var/log/syslog"].size == 2 << 20 and recs["/var/log/syslog"].incomplete == []
    assert ctx.notes == [f"/var/log/lastlog: size cap of {1 << 20} bytes reached: only the first {1 << 20} bytes were copied"]


def test_cancel_stops_log_copy_after_the_current_file(case, tmp_path):
    from collectors.artifacts.log_files import LogFiles

    root = tmp_path / "root"
    (root / "var/log").mkdir(parents=True)
    for i in range(20):
        (root / f"var/log/app.{i}.log").write_text(f"line {i}\n")
    ctx = Context(case, run_id=None, checklist_id="B10", root=root, collector_name="log_files")
    stored = []
    for ev in LogFiles().collect(ctx):
        if isinstance(ev, EvidenceRecord):
            stored.append(ev)
            ctx.cancel.set()
    assert len(stored) == 1 and stored[0].source == "/var/log/app.0.log"
    assert case.evidence_path(stored[0]).read_text() == "line 0\n"


def test_network_tables_parse_exactly():
    from collectors.artifacts.network_config import parse_proc_arp, parse_proc_ipv6_route, parse_proc_route, parse_resolv_conf

    route = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
             "eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
             "eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n")
    assert parse_proc_route(route) == [
        {"family": "ipv4", "destination": "0.0.0.0/0", "gateway": "10.0.2.1", "iface": "eth0", "metric": 100},
        {"family": "ipv4", "destination": "10.0.0.0/24", "gateway": None, "iface": "eth0", "metric": 100}]
    v6 = ("fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
          "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n")
    assert parse_proc_ipv6_route(v6) == [
        {"family": "ipv6", "destination": "fd00::/64", "gateway": None, "iface": "eth0", "metric": 256}]
    arp = ("IP address       HW type     Flags       HW address            Mask     Device\n"
           "10.0.2.1         0x1         0x2         52:54:00:12:35:02     *        eth0\n")
    assert parse_proc_arp(arp) == [{"address": "10.0.2.1", "lladdr": "52:54:00:12:35:02", "iface": "eth0", "state": "0x2"}]
    assert parse_resolv_conf("# x\nnameserver 10.0.0.53\nnameserver ::1\nsearch a.vn b.vn\noptions edns0\n") == {
        "nameservers": ["10.0.0.53", "::1"], "search": ["a.vn", "b.vn"], "options": ["edns0"]}


def test_damaged_account_and_package_files_keep_every_good_row():
    from collectors.artifacts.accounts import parse_group, parse_passwd
    from collectors.artifacts.packages import parse_dpkg_status

    users = parse_passwd("root:x:0:0:root:/root:/bin/bash\n\x00\x01garbage\nbob:x:notanumber:100::/home/bob:/bin/sh\n")
    assert [u["name"] for u in users] == ["root", "\x00\x01garbage", "bob"]
    assert users[0]["uid"] == 0 and users[2]["uid"] is None and users[2]["gid"] == 100
    assert parse_group("adm:x:4:syslog,alice\nbroken\n")[0] == {"name": "adm", "gid": 4, "members": ["syslog", "alice"]}
    status = "Package: a\nVersion: 1\nStatus: install ok installed\n\n\xff\xfe junk\n\nPackage: b\nVersion: 2\n"
    assert [(p["name"], p["version"], p["installed"]) for p in parse_dpkg_status(status)] == [
        ("a", "1", True), ("b", "2", False)]


def test_a_zombie_is_listed_as_such_not_as_hidden(case):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = 50
        while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE and deadline:
            time.sleep(0.05)
            deadline -= 1
        ctx = Context(case, run_id=None, checklist_id="B8", collector_name="processes")
        rows, stats = processes_mod.snapshot(ctx, ExeHasher())
        row = next(r for r in rows if r["pid"] == child.pid)
        assert row["status"] == "zombie" and row["exe"] is None and row["ppid"] == os.getpid()
        assert child.pid not in stats["denied"] and child.pid not in stats["vanished"]
    finally:
        child.wait()


def test_cancel_during_memory_maps_stores_no_half_list(case):
    from collectors.artifacts.process_maps import ProcessMaps
    from collectors.base import Progress
    from collectors.errors import Cancelled

    ctx = Context(case, run_id=None, checklist_id="B6", collector_name="process_maps")
    gen = ProcessMaps().collect(ctx)
    assert isinstance(next(gen), Progress)
    ctx.cancel.set()
    with pytest.raises(Cancelled):
        list(gen)
    assert case.evidence() == [] and list((case.path / "tmp").iterdir()) == []
    done = list(ProcessMaps().collect(Context(case, run_id=None, checklist_id="B6", collector_name="process_maps")))
    rec = next(e for e in done if isinstance(e, EvidenceRecord))
    assert {m["pid"] for m in records.plain(case.read_json(rec))} >= {os.getpid()}
