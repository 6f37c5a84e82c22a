"""Windows NTFS benchmarks (the $MFT and $UsnJrnl part; bench_windows.py has the registry and full-root parts):

    .venv/bin/python bench/bench_windows_mft.py [--mft-records 100000]

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
        t0, c0 = time.perf_counter(), time.process_time()
        report = ParseReport()
        with open(out_path, "w", encoding="utf-8", newline="\n") as out:
            n = mft.to_bodyfile(str(path), out, report=report)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        lines = sum(1 for _ in open(out_path, encoding="utf-8"))
    return {"part": "mft_bodyfile", "records": n, "bodyfile_lines": lines, "skipped": report.skipped,
            "wall_s": round(wall, 3), "records_per_s": int(n / wall) if wall else None,
            "cpu_s": round(cpu, 3), "records_per_cpu_s": int(n / cpu) if cpu else None, "target_records_per_s": 50_000, "peak_rss_mb": round(peak_rss_mb(), 1)}


def _ntfs_with_files(out: Path, files: int) -> str | None:
    """An NTFS image holding `files` small files in 100 folders (mkntfs + ntfs-3g); None or why not."""
    import shutil
    import subprocess

    if os.geteuid() != 0 or not shutil.which("ntfs-3g") or not (shutil.which("mkntfs") or os.path.exists("/usr/sbin/mkntfs")):
        return "needs root, mkntfs and ntfs-3g (the image is filled through an ntfs-3g mount)"
    with open(out, "wb") as fh:
        fh.truncate((64 + files // 200) << 20)
    subprocess.run(["mkntfs", "-F", "-Q", "-q", str(out)], check=True, capture_output=True)
    mnt = out.with_suffix(".mnt")
    mnt.mkdir()
    subprocess.run(["ntfs-3g", str(out), str(mnt)], check=True, capture_output=True)
    try:
        for d in range(100):
            folder = mnt / f"dir{d:03d}"
            folder.mkdir()
            for i in range(files // 100):
                (folder / f"file{i:05d}.txt").write_bytes(b"x")
    finally:
        subprocess.run(["umount", str(mnt)], check=True, capture_output=True)
        mnt.rmdir()
    return None


def bench_tsk_walk_vs_mft(files: int = 20_000) -> dict:
    """The two ways to a bodyfile of an NTFS volume: walking it with pytsk3 (as `fls -r -m` does)
    against copying $MFT and parsing it with the mft package."""
    import io

    from analysis.events import ParseReport
    from analysis.parsers import mft
    from analysis.parsers.bodyfile import bodyfile_line
    from collectors.base import walk_tree
    from collectors.sources.images import open_image

    with tempfile.TemporaryDirectory() as d:
        img_path = Path(d) / "ntfs.img"
        why = _ntfs_with_files(img_path, files)
        if why:
            return {"part": "tsk_walk_vs_mft", "skipped": why}
        with open_image(img_path) as img:
            root = img.root()

            class _Ctx:  # walk_tree only needs notes and logical()
                notes: list = []

                @staticmethod
                def logical(p):
                    return p.posix

            t0 = time.perf_counter()
            out = io.StringIO()
            n_walk = 0
            for p, _kind in walk_tree(_Ctx, root, max_depth=64):
                st = p.lstat()
                out.write(bodyfile_line(p.posix, {"size": st.st_size, "inode": st.st_ino, "atime": st.st_atime,
                                                  "mtime": st.st_mtime, "ctime": st.st_ctime,
                                                  "btime": st.st_birthtime or 0}) + "\n")
                n_walk += 1
            walk_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            mft_path = Path(d) / "$MFT"
            mft_path.write_bytes((root / "$MFT").read_bytes())
            n_mft = mft.to_bodyfile(str(mft_path), io.StringIO(), report=ParseReport())
            mft_s = time.perf_counter() - t0
    return {"part": "tsk_walk_vs_mft", "files": files, "tsk_walk_entries": n_walk, "tsk_walk_s": round(walk_s, 3),
            "tsk_entries_per_s": int(n_walk / walk_s), "mft_records": n_mft, "mft_copy_parse_s": round(mft_s, 3),
            "mft_records_per_s": int(n_mft / mft_s), "peak_rss_mb": round(peak_rss_mb(), 1)}


def bench_usnjrnl(copies: int = 20_000) -> dict:
    import io

    from analysis.events import ParseReport
    from analysis.parsers import usnjrnl

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
    p.add_argument("--walk-files", type=int, default=20_000, help="files in the NTFS image walked with pytsk3 (0: skip)")
    args = p.parse_args(argv)
    parts = [lambda: bench_mft_bodyfile(args.mft_records), lambda: bench_usnjrnl(args.usn_copies)]
    if args.walk_files:
        parts.append(lambda: bench_tsk_walk_vs_mft(args.walk_files))
    for part in parts:
        res = part()
        print("  ".join(f"{k}={v}" for k, v in res.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
