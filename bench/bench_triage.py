"""Benchmark: the full live triage profile (B1-B4, B6-B11, with the file-system timeline, package
integrity, temporary folders, process/kernel state, /etc, containers and web servers) on this machine.

Prints the items and their outcomes, files walked (bodyfile lines), files hashed (file-system walk,
temporary folders, package files checked), files copied, evidence bytes, wall time and peak RSS.
Targets on a 2-core machine with about 100 processes and an OS of about 400k files: at most 36 s wall
(1/8 of UAC ir_triage's 293 s measured there), peak RSS under 300 MB.

    .venv/bin/python bench/bench_triage.py [--case DIR] [--keep] [--skip /PATH ...]
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
    ap.add_argument("--skip", action="append", default=[],
                    help="a folder (or glob) the file-system walk and the temporary-folder listing leave out")
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
        t0, cpu0 = time.perf_counter(), time.process_time()
        case = Case.open_or_create(case_dir, examiner="bench", affected_root="")
        finished = []
        per_item = {}
        t_item = time.perf_counter()
        import glob

        skip = sorted({p for pat in args.skip for p in (glob.glob(pat) or [pat])})
        for ev in run_checklist(case, cl, profile="triage", again=True, options={"fs_skip": skip}):
            if isinstance(ev, ItemFinished):
                now = time.perf_counter()
                per_item[ev.checklist_id] = now - t_item
                t_item = now
                finished.append(ev)
            elif isinstance(ev, RunFinished):
                run = ev
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # before counting below
        ev_all = [e for e in case.evidence() if e.run_id == run.run_id]
        counts = _counts(case, ev_all)
        case.close()
        children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"machine: {os.cpu_count()} CPUs, {nproc} processes")
        for f in finished:
            print(f"  {f.checklist_id:4} {f.state:10} {f.evidence_count:5} items  {per_item[f.checklist_id]:6.2f} s"
                  + (f"  {f.reason[:110]}" if f.reason else ""))
        print(f"run: {run.state}")
        print(f"files walked: {counts['walked']}; hashed: {counts['hashed']} (walk {counts['fs_hashed']}, temp "
              f"{counts['temp_hashed']}, package files checked {counts['pkg_checked']}); copied: {counts['copied']} "
              f"files, {counts['copied_bytes'] / 1e6:.1f} MB")
        print(f"wall: {wall:.2f} s (target <= 36 s); CPU {cpu:.1f} s (all threads); load average "
              f"{os.getloadavg()[0]:.1f} (other work on the machine stretches the wall time)")
        print(f"peak RSS: {peak_kb / 1024:.1f} MB (target < 300 MB); largest child process: {children_kb / 1024:.1f} MB")
        print(f"items: {len(finished)}; evidence: {len(ev_all)} records, {sum(e.size for e in ev_all)} bytes "
              f"({sum(e.size for e in ev_all) / 1e6:.1f} MB)")
        ok = wall <= 36 and peak_kb / 1024 < 300
        print("result:", "within targets" if ok else "OUTSIDE TARGETS")
        return 0 if ok else 1
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def _counts(case, ev_all) -> dict:
    """Files walked, hashed and copied, counted from the evidence by streaming (flat memory)."""
    import json

    def occurrences(rec, needle: bytes) -> int:
        n, tail = 0, b""
        with case.open_evidence(rec) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                chunk = tail + block
                n += chunk.count(needle)
                tail = chunk[max(0, len(chunk) - len(needle) + 1):] if len(needle) > 1 else b""
        return n

    c = dict(walked=0, fs_hashed=0, temp_hashed=0, pkg_checked=0, copied=0, copied_bytes=0)
    for e in ev_all:
        if e.kind == "file":
            c["copied"] += 1
            c["copied_bytes"] += e.size
        elif e.name.startswith("bodyfile-"):
            c["walked"] += occurrences(e, b"\n")
        elif e.name.startswith("fs_hashes-"):
            c["fs_hashed"] += occurrences(e, b'"sha256": "')
        elif e.name == "temp_entries.json":
            c["temp_hashed"] += occurrences(e, b'"sha256": "')
        elif e.name == "package_integrity_summary.json":
            with case.open_evidence(e) as fh:
                c["pkg_checked"] += sum(r.get("files_checked", 0) for r in json.load(fh)["records"])
    c["hashed"] = c["fs_hashed"] + c["temp_hashed"] + c["pkg_checked"]
    return c


if __name__ == "__main__":
    sys.exit(main())
