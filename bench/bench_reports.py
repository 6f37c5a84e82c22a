"""Benchmark: every report kind as PDF and DOCX on a case of N evidence items.

Builds a case holding the example incident, the reports tests' evidence (system, roles, services,
network, firewall, processes, ports, two real log files from ../shared/data) and N-9 small files, builds
its timeline, then renders each kind in a fresh process and prints its wall time and peak RSS.
Targets on a 2-core machine: every kind within 10 s at 4 000 items and within 60 s at 40 000, peak RSS
under 300 MB; the long evidence and custody tables go to the bundle's CSV annexes.

    .venv/bin/python bench/bench_reports.py [--items 4000] [--case DIR] [--kinds findings,initial] [--formats pdf,docx]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "reports"))


def build(case_dir: Path, items: int, shared: Path) -> dict:
    from reports_helpers import make_case

    t0 = time.perf_counter()
    case = make_case(case_dir, shared)
    base = len(case.evidence())
    for i in range(max(items - base, 0)):
        case.add_bytes(f"tệp {i}\n".encode(), checklist_id="B5", name=f"tài-liệu-{i:06d}.txt",
                       source=f"/home/ketoan/Tài liệu/{i // 1000:03d}/tài-liệu-{i:06d}.txt", collector="bench")
    t_add = time.perf_counter() - t0
    from analysis import timeline

    t1 = time.perf_counter()
    timeline.ensure(case)
    t_tl = time.perf_counter() - t1
    n = len(case.evidence())
    case.close()
    return {"items": n, "add_s": t_add, "timeline_s": t_tl}


def render_one(case_dir: str, kind: str, fmt: str, out_dir: str) -> None:
    """In a child process: render one report and print its figures as JSON."""
    from collectors.case import Case
    from reports.render import render_report

    case = Case.open(case_dir)
    t0 = time.perf_counter()
    res = render_report(case, kind, fmt, Path(out_dir) / f"{kind}.{fmt}")
    wall = time.perf_counter() - t0
    case.close()
    pages = None
    if fmt == "pdf":
        try:
            info = subprocess.run(["pdfinfo", str(res.path)], capture_output=True, text=True).stdout
            pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
        except Exception:
            pages = None
    print(json.dumps({"wall_s": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "size": res.size, "pages": pages}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=4000)
    ap.add_argument("--case", help="existing case folder built by an earlier run (skips the build)")
    ap.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    ap.add_argument("--formats", default="pdf,docx")
    ap.add_argument("--render", nargs=3, metavar=("CASE", "KIND", "FMT"), help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.render:
        render_one(*args.render, args.out)
        return 0
    from reports.kinds import KINDS

    tmp = tempfile.mkdtemp(prefix="ungcuu-bench-reports-")
    if args.case:
        case_dir = Path(args.case)
        print(f"case: {case_dir} (reused)")
    else:
        case_dir = Path(tmp) / "case"
        shared = Path(os.environ.get("UNGCUU_SHARED_DATA", REPO.parent / "shared" / "data"))
        info = build(case_dir, args.items, shared)
        print(f"case: {info['items']} evidence items, built in {info['add_s']:.1f} s, "
              f"timeline in {info['timeline_s']:.1f} s")
    kinds = [k for k in (args.kinds.split(",") if args.kinds else KINDS)]
    fmts = args.formats.split(",")
    print(f"{'kind':<14}{'format':<8}{'wall s':>8}{'RSS MB':>9}{'pages':>7}{'bytes':>10}")
    worst = 0.0
    peak = 0.0
    for kind in kinds:
        for fmt in fmts:
            proc = subprocess.run([sys.executable, __file__, "--render", str(case_dir), kind, fmt, "--out", tmp],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{kind:<14}{fmt:<8} FAILED: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            worst, peak = max(worst, r["wall_s"]), max(peak, r["rss_mb"])
            print(f"{kind:<14}{fmt:<8}{r['wall_s']:>8.2f}{r['rss_mb']:>9.0f}{str(r['pages'] or ''):>7}{r['size']:>10}")
    print(f"slowest: {worst:.2f} s; peak RSS: {peak:.0f} MB")
    if not args.case:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
