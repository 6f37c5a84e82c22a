"""Benchmark: the triage profile (issue 2, B1-B4, B6-B11) on this machine.

Prints wall time, peak RSS, the items and their outcomes, evidence count and bytes.
Targets on a 2-core machine with about 100 processes: under 15 s wall, peak RSS under 300 MB.

    .venv/bin/python bench/bench_triage.py [--case DIR] [--keep]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collectors import checklist  # noqa: E402
from collectors.case import Case  # noqa: E402
from collectors.runner import ItemFinished, RunFinished, run_checklist  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", help="case folder (default: a temporary folder, removed afterwards)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary case folder")
    args = ap.parse_args()
    tmp = None
    if args.case:
        case_dir = Path(args.case)
    else:
        tmp = tempfile.mkdtemp(prefix="ungcuu-bench-")
        case_dir = Path(tmp) / "case"
    try:
        import psutil

        nproc = len(psutil.pids())
        cl = checklist.load()
        t0 = time.perf_counter()
        case = Case.open_or_create(case_dir, examiner="bench", affected_root="")
        finished = []
        per_item = {}
        t_item = time.perf_counter()
        for ev in run_checklist(case, cl, profile="triage", again=True):
            if isinstance(ev, ItemFinished):
                now = time.perf_counter()
                per_item[ev.checklist_id] = now - t_item
                t_item = now
                finished.append(ev)
            elif isinstance(ev, RunFinished):
                run = ev
        wall = time.perf_counter() - t0
        ev_all = [e for e in case.evidence() if e.run_id == run.run_id]
        case.close()
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"machine: {os.cpu_count()} CPUs, {nproc} processes")
        for f in finished:
            print(f"  {f.checklist_id:4} {f.state:10} {f.evidence_count:5} items  {per_item[f.checklist_id]:6.2f} s"
                  + (f"  {f.reason[:110]}" if f.reason else ""))
        print(f"run: {run.state}")
        print(f"wall: {wall:.2f} s (target < 15 s)")
        print(f"peak RSS: {peak_kb / 1024:.1f} MB (target < 300 MB); largest child process: {children_kb / 1024:.1f} MB")
        print(f"items: {len(finished)}; evidence: {len(ev_all)} records, {sum(e.size for e in ev_all)} bytes "
              f"({sum(e.size for e in ev_all) / 1e6:.1f} MB)")
        ok = wall < 15 and peak_kb / 1024 < 300
        print("result:", "within targets" if ok else "OUTSIDE TARGETS")
        return 0 if ok else 1
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
