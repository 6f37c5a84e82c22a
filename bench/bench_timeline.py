"""Timeline speed: a generated syslog (default 1,000,000 lines) into a case timeline, end to end, then a
time-window query; peak RSS for 100k and 1M lines (each size in its own process).

    .venv/bin/python bench/bench_timeline.py [--lines 1000000] [--sizes 100000,1000000]
Goals: >= 150,000 lines/s end to end; window query < 200 ms; the same peak RSS for both sizes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROGRAMS = [("sshd", True), ("CRON", True), ("systemd", False), ("kernel", False), ("nginx", True),
            ("dhclient", True), ("sudo", False)]
MSGS = {
    "sshd": ["Accepted password for admin from 10.0.{a}.{b} port {p} ssh2",
             "Failed password for root from 203.0.{a}.{b} port {p} ssh2",
             "Invalid user test from 198.51.{a}.{b} port {p}",
             "Connection closed by 10.0.{a}.{b} port {p} [preauth]"],
    "CRON": ["(root) CMD (run-parts /etc/cron.hourly)"],
    "systemd": ["Started Session {p} of user admin.", "Reloading."],
    "kernel": ["[{p}.123456] eth0: link up"],
    "nginx": ["worker process {p} exited"],
    "dhclient": ["DHCPACK of 10.0.{a}.{b} from 10.0.0.1"],
    "sudo": ["admin : TTY=pts/0 ; PWD=/home/admin ; USER=root ; COMMAND=/usr/bin/apt update"],
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def generate(path: Path, lines: int) -> None:
    rnd = random.Random(42)
    t = 0
    with open(path, "w") as fh:
        per_day = max(1, lines // 300)
        for i in range(lines):
            day = i // per_day
            mon, dom = MONTHS[min(day // 28, 11)], day % 28 + 1
            t = (i % per_day) * 86400 // per_day
            prog, has_pid = PROGRAMS[rnd.randrange(len(PROGRAMS))]
            msg = rnd.choice(MSGS[prog]).format(a=rnd.randrange(256), b=rnd.randrange(256), p=rnd.randrange(65535))
            tag = f"{prog}[{rnd.randrange(1, 99999)}]" if has_pid else prog
            fh.write(f"{mon} {dom:2d} {t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d} web01 {tag}: {msg}\n")


def one(lines: int) -> dict:
    from analysis import timeline
    from collectors.case import Case

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        log = Path(tmp) / "syslog"
        generate(log, lines)
        case = Case.create(Path(tmp) / "case", examiner="bench", affected_root="")
        case.add_file(log, checklist_id="B10", collector="bench", source="/var/log/syslog")
        t0, c0 = time.perf_counter(), time.process_time()
        summary = timeline.build(case)
        build_s = time.perf_counter() - t0
        cpu_s = time.process_time() - c0
        rng = timeline.time_range(case)
        mid = (rng[0] + rng[1]) // 2
        flt = timeline.Filter(start=mid, end=mid + 3600 * 1_000_000)
        t0 = time.perf_counter()
        n = timeline.count(case, flt)
        rows = timeline.page(case, flt, limit=200)
        query_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        hist = timeline.histogram(case, buckets=200)
        hist_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        timeline.page(case, None, limit=200, offset=lines // 2)
        deep_ms = (time.perf_counter() - t0) * 1000
        case.close()
    return {"lines": lines, "events": summary.events, "skipped": summary.skipped, "build_s": round(build_s, 2),
            "lines_per_s": round(lines / build_s), "lines_per_cpu_s": round(lines / cpu_s), "window_events": n, "window_page": len(rows),
            "window_query_ms": round(query_ms, 1), "histogram_ms": round(hist_ms, 1),
            "deep_offset_page_ms": round(deep_ms, 1), "hist_buckets": len(hist),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one)))
        return
    print(f"load average before: {os.getloadavg()[0]:.2f} (other work on the machine slows the wall-clock figures)")
    for size in [int(s) for s in a.sizes.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr)
            sys.exit(1)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['lines']:>9} lines: {r['events']} events, {r['skipped']} skipped, build {r['build_s']} s = "
              f"{r['lines_per_s']:,} lines/s ({r['lines_per_cpu_s']:,} per CPU second); 1-hour window: {r['window_events']} events, count+page "
              f"{r['window_query_ms']} ms; histogram {r['histogram_ms']} ms; page at offset {size // 2}: "
              f"{r['deep_offset_page_ms']} ms; peak RSS {r['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
