"""The portable build: build the one-folder PyInstaller bundle, then run the built program in a
clean environment (no Python, no PYTHONPATH, an empty HOME: `env -i`), collect into a new case, verify it
with the bundle and with the source tree, and start the bundled desktop app offscreen for a few seconds.

    .venv/bin/python bench/bench_portable.py [--dist DIR] [--keep]

Prints the build time, the bundle size, the collection time and the verification results; exit 1 on any
failure. Needs `pip install pyinstaller` in .venv. Writes only under a temporary folder (or --dist).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", help="build here (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    from desktop.commands.build import build

    tmp = Path(tempfile.mkdtemp(prefix="ungcuu-portable-"))
    dist = Path(args.dist) if args.dist else tmp / "dist"
    t0 = time.perf_counter()
    out = build(dist, tmp / "work")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"build: {time.perf_counter() - t0:.0f} s, {out} = {size / 2**20:.0f} MiB, "
          f"{sum(1 for _ in out.rglob('*'))} files")
    exe = out / ("ungcuu.exe" if os.name == "nt" else "ungcuu")
    home = tmp / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    case = tmp / "CASE-PORTABLE"
    ok = True
    t0 = time.perf_counter()
    p = subprocess.run([str(exe), "collect", "--case", str(case), "--only", "B2,B3,B8,B11", "--examiner", "bench"],
                       env=env, capture_output=True, text=True, timeout=600, cwd=tmp)
    print(f"bundle collect B2,B3,B8,B11: exit {p.returncode}, {time.perf_counter() - t0:.1f} s")
    print("  " + "\n  ".join(p.stdout.strip().splitlines()[-6:]))
    ok &= p.returncode == 0
    example = out / "_internal" / "resources" / "incident_example.yaml"  # the copy inside the bundle
    p = subprocess.run([str(exe), "incident", "--case", str(case), "--file", str(example)], env=env,
                       capture_output=True, text=True, timeout=120, cwd=tmp)
    print(f"bundle incident --file {example.name} (from the bundle): exit {p.returncode} {p.stderr.strip()[-300:]}")
    ok &= p.returncode == 0 and example.exists()
    p = subprocess.run([str(exe), "collect", "--case", str(case), "--only", "B1"], env=env, capture_output=True,
                       text=True, timeout=600, cwd=tmp)
    print(f"bundle collect B1 (contact point from the incident): exit {p.returncode}")
    print("  " + "\n  ".join(p.stdout.strip().splitlines()[-3:]))
    ok &= p.returncode == 0
    p = subprocess.run([str(exe), "verify", str(case)], env=env, capture_output=True, text=True, timeout=600)
    print(f"bundle verify: exit {p.returncode}: {p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr}")
    ok &= p.returncode == 0
    samples = REPO.parent / "shared" / "data" / "windows"
    for image in ("image-split.E01", "vsstest.qcow2", "image.vmdk", "image.vhd"):  # the bundled image readers
        if (samples / image).exists():
            p = subprocess.run([str(exe), "volumes", str(samples / image), "--json"], env=env, capture_output=True,
                               text=True, timeout=120, cwd=tmp)
            found = p.returncode == 0 and '"fs_type": "' in p.stdout
            print(f"bundle volumes {image}: exit {p.returncode}{'' if found else ' ' + p.stderr.strip()[-300:]}")
            ok &= found
    from collectors.verify import verify_case

    r = verify_case(case, log=False)
    print(f"source-tree verify_case: {r.summary()}")
    ok &= r.ok and r.checked_items >= 5
    # the desktop app's findings run in a child process: the built program as that child
    from desktop.childproc import CHILD_FLAG, run_in_child

    try:
        _, probe = run_in_child("desktop.childproc:probe", ticks=3, command=[str(exe), CHILD_FLAG])
        print(f"bundle child process: frozen={probe['frozen']}, {probe['ticks']} items")
        ok &= probe["frozen"] and probe["ticks"] == 3
        t0 = time.perf_counter()
        items, report = run_in_child("analysis.findings:iter_run_case", str(case), "bench",
                                     command=[str(exe), CHILD_FLAG])
        print(f"bundle findings in a child process: {len(report.findings)} findings, {report.rules['rules']} rules, "
              f"{len(items)} progress items, {time.perf_counter() - t0:.1f} s")
        ok &= report.rules["rules"] > 1000
    except Exception as exc:
        print(f"bundle child process: FAILED {type(exc).__name__}: {exc}")
        ok = False
    gui = out / ("ungcuu-gui.exe" if os.name == "nt" else "ungcuu-gui")
    if gui.exists():
        try:
            p = subprocess.run([str(gui), "--case", str(case)], env=dict(env, QT_QPA_PLATFORM="offscreen"),
                               capture_output=True, text=True, timeout=8)
            print(f"bundle desktop app: exited early with {p.returncode}: {p.stderr[-400:]}")
            ok = False
        except subprocess.TimeoutExpired:
            print("bundle desktop app: started offscreen and kept running for 8 s (stopped)")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PORTABLE OK" if ok else "PORTABLE FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
