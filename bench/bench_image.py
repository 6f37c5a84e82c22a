"""Raw imaging with hashing (B9) against `dd bs=4M` copying without hashing.

Both make the copy durable (dd conv=fsync; the imager fsyncs its parts). The source is read from the
page cache in both runs (warmed by `cat` before each), which is the worst case for the imager: on a
real disk the read is the bottleneck and the hashing threads hide completely behind it.
Also prints the imager's peak RSS for two image sizes (it must stay flat).

    .venv/bin/python bench/bench_image.py [--size-mib 1024] [--rounds 3] [--dir /path/on/target/disk]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from collectors.acquire.imaging import image_source
algs = tuple(sys.argv[4].split(","))
t = time.perf_counter()
r = image_source(sys.argv[2], sys.argv[3], algorithms=algs)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "sha256": r.hashes["sha256"]}))
"""


def _image(src: Path, out: Path, algs: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(REPO), str(src), str(out), algs],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _warm(src: Path) -> None:
    subprocess.run(["cat", str(src)], stdout=subprocess.DEVNULL, check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(dir=a.dir, prefix="ungcuu-bench-image-"))
    try:
        src = work / "source.bin"
        with open(src, "wb") as fh:
            for _ in range(a.size_mib):
                fh.write(os.urandom(1 << 20))
        size = src.stat().st_size
        expected = subprocess.run(["sha256sum", str(src)], capture_output=True, text=True,
                                  check=True).stdout.split()[0]
        dd_t, both_t, sha_t = [], [], []
        rss = {}
        for r in range(a.rounds):
            _warm(src)
            dst = work / "dd.bin"
            t = time.perf_counter()
            subprocess.run(["dd", f"if={src}", f"of={dst}", "bs=4M", "conv=fsync", "status=none"], check=True)
            dd_t.append(time.perf_counter() - t)
            dst.unlink()
            for algs, bucket in (("sha256,md5", both_t), ("sha256", sha_t)):
                _warm(src)
                out = work / f"img-{r}-{algs}"
                res = _image(src, out, algs)
                if res["sha256"] != expected:  # a fast wrong image is worth nothing
                    raise SystemExit(f"image SHA-256 {res['sha256']} differs from sha256sum {expected}")
                bucket.append(res["seconds"])
                rss[(size, algs)] = max(rss.get((size, algs), 0), res["rss_kib"])
                shutil.rmtree(out)
        # Peak RSS against a 4x smaller image: flat means it does not grow with the size.
        small = work / "small.bin"
        with open(src, "rb") as fi, open(small, "wb") as fo:  # in 1 MiB pieces: the parent's RSS is
            for _ in range(size // 4 // (1 << 20)):             # inherited by the child's ru_maxrss
                fo.write(fi.read(1 << 20))
        res_small = _image(small, work / "img-small", "sha256,md5")
        dd, both, sha = min(dd_t), min(both_t), min(sha_t)
        mb = size / 1e6
        print(f"image size                      : {size / (1 << 20):.0f} MiB, {os.cpu_count()} CPUs; every "
              f"image's SHA-256 = sha256sum of the source")
        print(f"dd bs=4M conv=fsync (best of {a.rounds})  : {dd:.3f} s  ({mb / dd:.0f} MB/s)")
        print(f"imager SHA-256 + MD5            : {both:.3f} s  ({mb / both:.0f} MB/s)  ratio {both / dd:.2f}x "
              f"(target <= 1.15x)")
        print(f"imager SHA-256 only (--no-md5)  : {sha:.3f} s  ({mb / sha:.0f} MB/s)  ratio {sha / dd:.2f}x")
        print(f"peak RSS imager, {size >> 20} MiB image   : {rss[(size, 'sha256,md5')] / 1024:.1f} MiB")
        print(f"peak RSS imager, {(size // 4) >> 20} MiB image    : {res_small['rss_kib'] / 1024:.1f} MiB")
        # The floor with MD5: hashing 1 GiB with MD5 alone, on one core, without reading or writing.
        import hashlib

        block = memoryview(bytearray(os.urandom(4 << 20)))
        h = hashlib.md5()
        t = time.perf_counter()
        for _ in range(size // len(block)):
            h.update(block)
        md5_only = time.perf_counter() - t
        print(f"MD5 alone over the same bytes   : {md5_only:.3f} s  (= {md5_only / dd:.2f}x dd: the floor with MD5 "
              f"on this CPU)")
        # Carving (H4) throughput over the same incompressible bytes (no file to find: pure scanning).
        from collectors.acquire.carve import RangeReader, carve

        fd = os.open(src, os.O_RDONLY)
        try:
            reader = RangeReader(lambda off, n: os.pread(fd, n, off), [(0, size)])
            t = time.perf_counter()
            found = carve(reader)
            dt = time.perf_counter() - t
        finally:
            os.close(fd)
        print(f"carving scan, all formats       : {dt:.3f} s  ({mb / dt:.0f} MB/s, {len(found)} false hits)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
