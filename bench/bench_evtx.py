"""EVTX speed: every .evtx sample in ../shared/data into a case timeline, end to end (copy into the case
excluded, parse + store + index included), and the parser alone.

    .venv/bin/python bench/bench_evtx.py [--data ../shared/data] [--repeat 3]
Goal: >= 40,000 records/s end to end.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("UNGCUU_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    from analysis import timeline
    from analysis.events import ParseReport
    from analysis.parsers import evtx
    from collectors.case import Case

    files = sorted(Path(a.data).rglob("*.evtx"))
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} EVTX files, {size / 1e6:.1f} MB; load average {os.getloadavg()[0]:.2f}")
    best_parse = best_build = None
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        n = skipped = 0
        for f in files:
            r = ParseReport()
            for _ev in evtx.parse(f, r):
                n += 1
            skipped += r.skipped
        dt = time.perf_counter() - t0
        best_parse = dt if best_parse is None else min(best_parse, dt)
    print(f"parser alone: {n} records ({skipped} skipped) in {best_parse:.2f} s = {n / best_parse:,.0f} records/s")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        case = Case.create(Path(tmp) / "case", examiner="bench", affected_root="")
        for i, f in enumerate(files):
            case.add_file(f, checklist_id="B10", collector="bench", source=f"C:/Logs/{i:02d}-{f.name}")
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            summary = timeline.build(case)
            dt = time.perf_counter() - t0
            best_build = dt if best_build is None else min(best_build, dt)
        evtx_events = timeline.source_counts(case).get("evtx", 0)
        case.close()
    print(f"end to end into the case timeline: {evtx_events} EVTX records (+{summary.events - evtx_events} file-time "
          f"events) in {best_build:.2f} s = {summary.events / best_build:,.0f} events/s, "
          f"{evtx_events / best_build:,.0f} EVTX records/s (best of {a.repeat})")


if __name__ == "__main__":
    main()
