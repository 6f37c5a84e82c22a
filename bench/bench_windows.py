"""Windows dead-box speed: a full offline Windows root built from the shared samples (tests/windows/
winroot.py, with --profiles extra copies of the Windows 7 user profile), then

- registry: the registry collectors (B2+B4: every hive copied, hashed, logs applied, parsed into typed
  records) against regipy's own plugins (run_relevant_plugins) on the same hive files;
- full: collect (triage profile) + timeline of the whole root: wall time, records/s, events/s;

each in its own process for its peak RSS.

    .venv/bin/python bench/bench_windows.py [--profiles 20] [--part registry,full]
Goal: the registry collectors no slower than regipy's plugins on the same hives.
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
DATA = Path(os.environ.get("UNGCUU_SHARED_DATA", REPO.parent / "shared" / "data")) / "windows"


def build_root(base: Path, profiles: int) -> Path:
    from tests.windows import winroot

    root = winroot.build(base / "root", DATA)
    for i in range(profiles):
        winroot.place(root, f"Users/user{i:03d}/NTUSER.DAT", DATA / "NTUSER-WIN7.DAT")
    return root


def hive_files(root: Path) -> list[Path]:
    from collectors.base import find_case_insensitive

    out = [p for n in ("SYSTEM", "SOFTWARE", "SAM") if (p := find_case_insensitive(root, f"Windows/System32/config/{n}"))]
    out += sorted(root.glob("Users/*/NTUSER.DAT"))
    out.append(root / "Windows/AppCompat/Programs/Amcache.hve")
    return out


def count_records(case) -> int:
    from collectors import records

    n = 0
    for rec in case.evidence():
        if rec.kind == "file" or not rec.name.endswith(".json"):
            continue
        try:
            data = case.read_json(rec)
        except (OSError, ValueError):
            continue
        rows = records.rows_of(data)
        n += len(rows) if rows else 0
    return n


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_registry(profiles: int) -> dict:
    """Our registry collectors (B2+B4 of the root) vs regipy's plugins on the same hive files."""
    from collectors.case import Case
    from desktop import cli

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        root = build_root(Path(tmp), profiles)
        t0 = time.perf_counter()
        cli.main(["--lang", "en", "collect", "--case", f"{tmp}/case", "--root", str(root), "--only", "B2,B4"])
        ours = time.perf_counter() - t0
        case = Case.open(f"{tmp}/case", affected_root="")
        n = count_records(case)
        case.close()
        from regipy.plugins.utils import run_relevant_plugins
        from regipy.registry import RegistryHive

        t0 = time.perf_counter()
        theirs_n = 0
        for p in hive_files(root):
            result = run_relevant_plugins(RegistryHive(str(p)), as_json=True)
            theirs_n += sum(len(v) if isinstance(v, (list, dict)) else 1 for v in result.values())
        theirs = time.perf_counter() - t0
    return {"part": "registry", "profiles": profiles, "ungcuu_s": round(ours, 3), "ungcuu_records": n,
            "ungcuu_records_per_s": round(n / ours), "regipy_plugins_s": round(theirs, 3),
            "regipy_entries": theirs_n, "ratio_ungcuu_to_regipy": round(ours / theirs, 2), "peak_rss_mb": round(rss_mb())}


def run_full(profiles: int) -> dict:
    """collect (triage) + timeline of the whole offline root."""
    from analysis import timeline
    from collectors.case import Case
    from desktop import cli

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        root = build_root(Path(tmp), profiles)
        t0 = time.perf_counter()
        cli.main(["--lang", "en", "collect", "--case", f"{tmp}/case", "--root", str(root), "--profile", "triage"])
        collect_s = time.perf_counter() - t0
        case = Case.open(f"{tmp}/case", affected_root="")
        n = count_records(case)
        t1 = time.perf_counter()
        summary = timeline.build(case)
        timeline_s = time.perf_counter() - t1
        evidence = len(case.evidence())
        case.close()
    total = collect_s + timeline_s
    return {"part": "full", "profiles": profiles, "evidence_items": evidence, "records": n,
            "collect_s": round(collect_s, 3), "timeline_s": round(timeline_s, 3), "events": summary.events,
            "wall_s": round(total, 3), "records_per_s": round(n / collect_s), "events_per_s": round(summary.events / timeline_s),
            "peak_rss_mb": round(rss_mb())}


PARTS = {"registry": run_registry, "full": run_full}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profiles", type=int, default=20, help="extra copies of the Windows 7 user profile")
    ap.add_argument("--part", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(PARTS[a.one](a.profiles)))
        return
    for part in a.part.split(","):
        out = subprocess.run([sys.executable, __file__, "--one", part, "--profiles", str(a.profiles)],
                             capture_output=True, text=True, cwd=REPO)
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        try:
            print(json.dumps(json.loads(line)))
        except ValueError:
            print(f"{part}: failed\n{out.stderr[-2000:]}")


if __name__ == "__main__":
    main()
