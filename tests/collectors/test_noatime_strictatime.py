"""Reading the examined system changes no access time: a full `ungcuu collect --root` over a Linux and a
Windows layout on a real ext4 disk mounted `strictatime` (every read would update atime) leaves the access
time of every file and folder under the root as it was.

Symbolic links are not compared: the kernel updates a link's own atime on readlink(2) whatever flags
were used, and following a link inside the root is how a dead-box root is read.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_artifacts_hives import NTUSER, SOFTWARE, SYSTEM, build_hive
from test_artifacts_offline import TASK_XML, build_linux_root

REPO = Path(__file__).resolve().parents[2]
OLD = 1_000_000_000            # 2001-09-09: every atime is set to this before collecting


@pytest.fixture
def strict_disk(tmp_path):
    """A 96 MiB ext4 image mounted loop,strictatime (needs root, mkfs.ext4 and loop devices)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a loop device (strictatime ext4 image)")
    mkfs = shutil.which("mkfs.ext4") or "/sbin/mkfs.ext4"
    if not os.path.exists(mkfs):
        pytest.skip("mkfs.ext4 is not installed (e2fsprogs)")
    img, mnt = tmp_path / "disk.img", tmp_path / "mnt"
    with open(img, "wb") as fh:
        fh.truncate(96 << 20)
    subprocess.run([mkfs, "-q", "-F", str(img)], check=True, capture_output=True)
    mnt.mkdir()
    done = subprocess.run(["mount", "-o", "loop,strictatime", str(img), str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a loop device here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _windows_root(root: Path) -> None:
    files = {
        "Windows/System32/config/SOFTWARE": build_hive(SOFTWARE, r"\??\C:\Windows\System32\Config\SOFTWARE"),
        "Windows/System32/config/SYSTEM": build_hive(SYSTEM, r"\??\C:\Windows\System32\Config\SYSTEM"),
        "Users/alice/NTUSER.DAT": build_hive(NTUSER, r"\??\C:\Users\alice\ntuser.dat"),
        "Windows/System32/Tasks/Microsoft/Updater": TASK_XML.encode("utf-16"),
        "Windows/System32/winevt/Logs/Security.evtx": b"ElfFile\0" + b"\0" * 4088,
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _age(root: Path) -> list[Path]:
    """Set every file's and folder's atime to OLD (mtime kept); return them (links left out)."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if not p.is_symlink():
                paths.append(p)
        paths.append(Path(dirpath))
    for p in paths:
        st = os.lstat(p)
        os.utime(p, ns=(OLD * 10**9, st.st_mtime_ns), follow_symlinks=False)
    os.sync()
    return paths


def _changed(paths: list[Path]) -> list[str]:
    return sorted(str(p) for p in paths if os.lstat(p).st_atime_ns != OLD * 10**9)


def _collect(case: Path, root: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", "collect", "--case", str(case),
                           "--root", str(root), "--profile", "full", *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def test_strictatime_mount_really_updates_atime(strict_disk):
    """The test disk is the strict one it claims to be: a plain read changes the access time."""
    p = strict_disk / "probe"
    p.write_bytes(b"x")
    os.utime(p, ns=(OLD * 10**9, OLD * 10**9))
    with open(p, "rb") as fh:
        fh.read()
    assert os.stat(p).st_atime_ns != OLD * 10**9
    d = strict_disk / "dir"
    d.mkdir()
    os.utime(d, ns=(OLD * 10**9, OLD * 10**9))
    os.listdir(d)
    assert os.stat(d).st_atime_ns != OLD * 10**9


@pytest.mark.root
@pytest.mark.slow
def test_full_collect_of_a_linux_root_changes_no_access_time(strict_disk, tmp_path, shared_data):
    root = strict_disk / "linux"
    root.mkdir()
    build_linux_root(root, shared_data)
    paths = _age(root)
    done = _collect(tmp_path / "case", root)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert (tmp_path / "case" / "case.sqlite").is_file()
    assert _changed(paths) == []


@pytest.mark.root
@pytest.mark.slow
def test_full_collect_of_a_windows_root_changes_no_access_time(strict_disk, tmp_path):
    root = strict_disk / "win"
    _windows_root(root)
    paths = _age(root)
    done = _collect(tmp_path / "case", root)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    from collectors.case import Case

    case = Case.open(tmp_path / "case", affected_root="")
    try:
        assert case.outcomes()["B4"]["state"] in ("collected", "partial")
        assert any(r.source.endswith("SOFTWARE") for r in case.evidence())
    finally:
        case.close()
    assert _changed(paths) == []
