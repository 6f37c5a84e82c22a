"""Incident scale: HOSTS host collections of EVENTS events each merged into one incident timeline, then
a time-window and a host query, cross-host correlation, and the peak RSS of the whole run.

    .venv/bin/python bench/bench_incident.py [--hosts 50] [--events 200000] [--keep DIR]

Each host's collection is generated streamed, as the import leaves it: ``hosts/<host>/<id>/case/
timeline.sqlite`` (the host's parsed timeline) and ``import.json``; a tenth of the events carry fields
(SSH and Windows logons with users and addresses, some from another host's address, services). The
figure "merge" is the incident's timeline build over the imported hosts (what `ungcuu import` does after
verifying and parsing each bundle; parsing speed per host is bench_timeline.py / bench_evtx.py).
On a shared machine the wall-clock figures include waiting for the CPU: the CPU seconds of the process are
printed beside them (`uptime` shows the load). Goals: import >= 100,000 events/s; a time-window or host query < 200 ms; correlation < 60 s;
peak RSS < 500 MB.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import correlate, hosts, timeline  # noqa: E402
from collectors.case import Case  # noqa: E402

T0 = 1_709_427_600_000_000  # 2024-03-03T01:00:00Z, µs
SPAN = 7 * 86400 * 1_000_000


def _host_ip(i: int) -> str:
    return f"10.1.{i // 250}.{i % 250 + 1}"


def generate_host(folder: Path, i: int, n: int, n_hosts: int) -> None:
    name = f"host{i:02d}"
    work = folder / "case"
    work.mkdir(parents=True)
    db = sqlite3.connect(work / "timeline.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.executescript(timeline._SCHEMA)
    rnd = random.Random(i)
    step = SPAN // n

    def rows():
        for k in range(n):
            ts = T0 + k * step + rnd.randrange(step)
            r = rnd.random()
            if r < 0.05:
                src = rnd.randrange(n_hosts)
                ip = _host_ip(src) if rnd.random() < 0.5 else f"203.0.113.{rnd.randrange(1, 255)}"
                user = rnd.choice(("admin", "backup", f"user{rnd.randrange(500)}"))
                f = {"event": "ssh_accepted", "user": user, "ip": ip, "port": rnd.randrange(1024, 65535)}
                yield (ts, 0, "Event Recorded", "auth", "syslog", name,
                       f"sshd[{k}]: Accepted password for {user} from {ip} port {f['port']} ssh2", json.dumps(f),
                       "E000002", f"line {k}")
            elif r < 0.08:
                src = rnd.randrange(n_hosts)
                f = {"event": "logon", "user": rnd.choice(("Administrator", "svc_sql", f"u{rnd.randrange(300)}")),
                     "logon_type": rnd.choice((3, 10, 5)), "ip": _host_ip(src), "event_id": 4624}
                yield (ts, 0, "Event Recorded", "evtx", "evtx", name, f"[4624] Successful logon: {f['user']}",
                       json.dumps(f), "E000003", f"record {k}")
            elif r < 0.10:
                f = {"event": "service_installed", "service": rnd.choice(("PSEXESVC", "Spooler", f"svc{rnd.randrange(99)}")),
                     "image": rnd.choice(("C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\System32\\spoolsv.exe"))}
                yield (ts, 0, "Event Recorded", "evtx", "evtx", name, f"[7045] Service installed: {f['service']}",
                       json.dumps(f), "E000003", f"record {k}")
            else:
                yield (ts, 0, "Event Recorded", "syslog", "syslog", name,
                       f"CRON[{k}]: (root) CMD (run-parts /etc/cron.hourly) {k}", None, "E000001", f"line {k}")

    db.execute("BEGIN")
    ins = ("INSERT INTO events (ts, offset_s, timestamp_desc, source, parser, host, message, fields, evidence_id, "
           "locator) VALUES (?,?,?,?,?,?,?,?,?,?)")
    batch = []
    for row in rows():
        batch.append(row)
        if len(batch) >= 5000:
            db.executemany(ins, batch)
            batch = []
    if batch:
        db.executemany(ins, batch)
    db.execute("COMMIT")
    db.execute("CREATE INDEX events_ts ON events (ts, id)")
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("host", name), ("schema_version", timeline.SCHEMA_VERSION)])
    db.close()
    (folder / hosts.IMPORT_FILE).write_text(json.dumps({
        "host": name, "case_id": f"UC-BENCH{i:04d}", "custody_head": f"{i:064x}", "custody_entries": 10,
        "kind": "bundle", "imported_at": f"2026-01-01T00:00:{i % 60:02d}Z", "events": n}))


def _ms(f, repeat=5) -> float:
    best = 1e9
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--keep", help="work in this folder and keep it")
    a = ap.parse_args()
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="ungcuu-bench-incident-"))
    total = a.hosts * a.events
    try:
        inc = Case.create(base / "INC", affected_root="")
        t = time.perf_counter()
        for i in range(a.hosts):
            generate_host(base / "INC" / hosts.HOSTS_DIR / f"host{i:02d}" / f"UC-BENCH{i:04d}", i, a.events, a.hosts)
        gen_s = time.perf_counter() - t
        print(f"generated {a.hosts} hosts x {a.events:,} events = {total:,} in {gen_s:.1f} s (peak RSS so far "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
        t, c = time.perf_counter(), time.process_time()
        summary = timeline.build(inc)
        merge_s, merge_cpu = time.perf_counter() - t, time.process_time() - c
        assert summary.events == total, (summary.events, total)
        rss_merge = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"merge (import into the incident timeline, peak RSS so far {rss_merge:.0f} MB): {merge_s:.1f} s = {total / merge_s:,.0f} events/s; "
              f"CPU {merge_cpu:.1f} s = {total / max(merge_cpu, 1e-9):,.0f} events/s per CPU second  (goal >= 100,000/s)")
        mid = T0 + SPAN // 2
        flt_w = timeline.Filter(start=mid, end=mid + 3600 * 1_000_000)
        flt_h = timeline.Filter(hosts=["host07"], start=mid, end=mid + 86400 * 1_000_000)
        print(f"time window 1 h: count {_ms(lambda: timeline.count(inc, flt_w)):.1f} ms, first page "
              f"{_ms(lambda: timeline.page(inc, flt_w)):.1f} ms, histogram {_ms(lambda: timeline.histogram(inc, flt_w)):.1f} ms")
        print(f"host + day: count {_ms(lambda: timeline.count(inc, flt_h)):.1f} ms, first page "
              f"{_ms(lambda: timeline.page(inc, flt_h)):.1f} ms;  whole host count "
              f"{_ms(lambda: timeline.count(inc, timeline.Filter(hosts=['host07']))):.1f} ms  (goal < 200 ms)")
        addresses = {_host_ip(i): f"host{i:02d}" for i in range(a.hosts)}
        t, c = time.perf_counter(), time.process_time()
        res = correlate.run(inc, addresses=addresses)
        corr_s, corr_cpu = time.perf_counter() - t, time.process_time() - c
        print(f"correlation: {corr_s:.1f} s (CPU {corr_cpu:.1f} s), {len(res.shared)} shared values, "
              f"{len(res.movements):,} host-to-host movements ({sum(m.count for m in res.movements):,} logons), "
              f"{len(res.external):,} from outside  (goal < 60 s)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = (base / "INC" / timeline.FILE_NAME).stat().st_size / 2**20
        print(f"peak RSS {rss:.0f} MB (goal < 500 MB); incident timeline {size:,.0f} MB")
        inc.close()
    finally:
        if not a.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
