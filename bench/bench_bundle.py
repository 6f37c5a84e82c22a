"""Evidence bundle build and verify rates.

A case with --items small evidence items (syslog-sized, like a B5 collection) plus --big-mib of one large
item, the example incident and the reports. Prints, for the plain ZIP and the encrypted 7z bundle:
the first build (reports rendered), a second build with nothing changed (reports reused from the case's
report cache), and verify, each as seconds and MiB/s of evidence. Usage:
    .venv/bin/python bench/bench_bundle.py [--items 4000] [--big-mib 256] [--dir /path/on/the/target/disk]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.dont_write_bytecode = True

from collectors.case import Case  # noqa: E402
from reports.bundle import build_bundle, verify_bundle  # noqa: E402
from reports.incident import load_incident_file  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "bench passphrase 2026"


def make_case(path: Path, items: int, big_mib: int) -> tuple[Case, int]:
    case = Case.create(path, examiner="bench", affected_root="")
    case.set_incident(load_incident_file(REPO / "resources" / "incident_example.yaml"))
    line = b"Nov 24 10:00:00 web01 sshd[812]: Accepted password for root from 203.0.113.9 port 50022 ssh2\n"
    total = 0
    for i in range(items):
        data = line * (12 + i % 20) + f"{i}\n".encode()
        case.add_bytes(data, checklist_id="B5", name=f"file-{i:05d}.log", source=f"/var/log/app/{i}.log",
                       collector="bench", kind="file")
        total += len(data)
    if big_mib:
        big = path.parent / "big.bin"
        block = os.urandom(1 << 20)
        with open(big, "wb") as fh:
            for _ in range(big_mib):
                fh.write(block)
        case.add_file(big, checklist_id="B9", source="/dev/sdb1", collector="bench")
        total += big.stat().st_size
        big.unlink()
    return case, total


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=4000)
    ap.add_argument("--big-mib", type=int, default=256)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(dir=a.dir, prefix="ungcuu-bench-bundle-"))
    try:
        case, total = make_case(work / "case", a.items, a.big_mib)
        mib = total / (1 << 20)
        print(f"case                  : {a.items} small items + {a.big_mib} MiB item, {mib:.1f} MiB of evidence")
        for label, pw, suffix in (("plain zip", None, "zip"), ("encrypted 7z", PASSPHRASE, "7z")):
            first, _ = timed(lambda: build_bundle(case, work / f"first.{suffix}", passphrase=pw, include_timeline=False))
            again, _ = timed(lambda: build_bundle(case, work / f"again.{suffix}", passphrase=pw, include_timeline=False))
            ver, res = timed(lambda: verify_bundle(work / f"again.{suffix}", passphrase=pw))
            assert res.ok, res.problems[:5]
            size = (work / f"again.{suffix}").stat().st_size / (1 << 20)
            print(f"{label:<13} build  : first {first:.2f} s ({mib / first:.0f} MiB/s), "
                  f"again {again:.2f} s ({mib / again:.0f} MiB/s, reports reused), bundle {size:.1f} MiB")
            print(f"{label:<13} verify : {ver:.2f} s ({mib / ver:.0f} MiB/s)")
        case.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
