"""Windows benchmarks: prints wall time, records/s and peak RSS (no assertions; see tests/ for correctness).

    .venv/bin/python bench/bench_windows.py [--mft-records 100000]

$MFT part: a $MFT of about 100k file records to a bodyfile. The records are real ones: the file
records of the NTFS volume in ../shared/data/windows/vsstest.qcow2 (read through collectors/sources),
repeated with their record numbers rewritten (the fixups stay valid). Target: at least 50k records/s.
"""
from __future__ import annotations

import argparse
import os
import resource
import struct
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLES = REPO.parent / "shared" / "data" / "windows"
RECORD = 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_mft(out: Path, records: int) -> int:
    """Write a $MFT of `records` records made from the in-use file records of the sample volume."""
    from collectors.sources.images import open_image

    with open_image(SAMPLES / "vsstest.qcow2") as img:
        real = (img.root() / "$MFT").read_bytes()
    templates = [real[i:i + RECORD] for i in range(0, len(real), RECORD)
                 if real[i:i + 4] == b"FILE" and real[i + 0x16] & 1]  # in use
    with open(out, "wb") as fh:
        fh.write(real[: 16 * RECORD])  # the system records ($MFT, $MFTMirr, ..., root) as they are
        for n in range(16, records):
            rec = bytearray(templates[n % len(templates)])
            struct.pack_into("<I", rec, 0x2C, n)  # the record's own number (outside the fixup words)
            fh.write(rec)
    return records


def bench_mft_bodyfile(records: int = 100_000) -> dict:
    from analysis.events import ParseReport
    from analysis.parsers import mft

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "$MFT"
        build_mft(path, records)
        out_path = Path(d) / "mft.body"
        t0 = time.perf_counter()
        report = ParseReport()
        with open(out_path, "w", encoding="utf-8", newline="\n") as out:
            n = mft.to_bodyfile(str(path), out, report=report)
        wall = time.perf_counter() - t0
        lines = sum(1 for _ in open(out_path, encoding="utf-8"))
    return {"part": "mft_bodyfile", "records": n, "bodyfile_lines": lines, "skipped": report.skipped,
            "wall_s": round(wall, 3), "records_per_s": int(n / wall) if wall else None,
            "target_records_per_s": 50_000, "peak_rss_mb": round(peak_rss_mb(), 1)}


def bench_usnjrnl(copies: int = 20_000) -> dict:
    from analysis.events import ParseReport
    from analysis.parsers import usnjrnl

    import io

    data = (SAMPLES / "UsnJrnl.raw").read_bytes() * copies
    t0 = time.perf_counter()
    report = ParseReport()
    n = sum(1 for _ in usnjrnl.parse(io.BytesIO(data), report))
    wall = time.perf_counter() - t0
    return {"part": "usnjrnl", "records": n, "wall_s": round(wall, 3), "records_per_s": int(n / wall),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mft-records", type=int, default=100_000)
    p.add_argument("--usn-copies", type=int, default=20_000)
    args = p.parse_args(argv)
    for res in (bench_mft_bodyfile(args.mft_records), bench_usnjrnl(args.usn_copies)):
        print("  ".join(f"{k}={v}" for k, v in res.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
