"""Fixtures for the acquisition tests: real file system images built with mkfs in tmp_path."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (loop devices, FUSE mounts, raw sockets)")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(*argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, **kw)


def require(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"tools not installed: {', '.join(missing)}")


def payload(n: int, seed: int) -> bytes:
    """Deterministic, incompressible-looking content."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:n])


@pytest.fixture
def fat_image(tmp_path):
    """FAT12 image with /docs/report.bin and /keep.txt present, /docs/report.bin and /photo.bin deleted."""
    require("mkfs.vfat", "mcopy", "mdel", "mmd")
    img = tmp_path / "fat.img"
    run("mkfs.vfat", "-C", str(img), "4096")
    files = {"report.bin": payload(20000, 1), "photo.bin": payload(5000, 2), "keep.txt": b"keep me\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    run("mmd", "-i", str(img), "::/docs")
    run("mcopy", "-i", str(img), str(tmp_path / "report.bin"), "::/docs/report.bin")
    run("mcopy", "-i", str(img), str(tmp_path / "photo.bin"), "::/photo.bin")
    run("mcopy", "-i", str(img), str(tmp_path / "keep.txt"), "::/keep.txt")
    run("mdel", "-i", str(img), "::/docs/report.bin", "::/photo.bin")
    return img, files


@pytest.fixture
def ext4_image(tmp_path):
    """ext4 image (1 KiB blocks) made with mke2fs -d; /sub/a.bin and /b.bin removed with debugfs."""
    require("mke2fs", "debugfs")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    files = {"a.bin": payload(30000, 3), "b.bin": payload(7000, 4), "c.txt": b"still here\n"}
    (root / "sub" / "a.bin").write_bytes(files["a.bin"])
    (root / "b.bin").write_bytes(files["b.bin"])
    (root / "c.txt").write_bytes(files["c.txt"])
    img = tmp_path / "ext4.img"
    run("mke2fs", "-q", "-t", "ext4", "-b", "1024", "-d", str(root), str(img), "4M")
    run("debugfs", "-w", "-R", "rm /sub/a.bin", str(img))
    run("debugfs", "-w", "-R", "rm /b.bin", str(img))
    return img, files
