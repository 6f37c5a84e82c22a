"""Deep acquisition on real media: files inside deleted folders, ext4 deleted by the Linux kernel, a part
boundary on resume, and imaging refused before anything is written onto the source."""
from __future__ import annotations

import argparse
import errno
import hashlib
import json
import os
import threading

import pytest

from collectors import records
from collectors.acquire import imaging, recover
from collectors.base import Progress
from collectors.errors import AccessDenied
from collectors.messages import translate

from .conftest import needs_root, payload, require, run


def _recover_bytes(img_path, d) -> bytes:
    img = recover.open_image(img_path)
    out = bytearray()
    recover.read_deleted(img, d, out.extend)
    return bytes(out)


def test_files_inside_a_deleted_folder_are_listed_and_recovered(tmp_path):
    """`mdeltree` (or Explorer) removes a folder and its files: the files are still there, listed under it."""
    require("mkfs.vfat", "mcopy", "mmd", "mdeltree")
    img = tmp_path / "f32.img"
    run("mkfs.vfat", "-F", "32", "-C", str(img), "65536")
    files = {"bao_cao.bin": payload(1_234_567, 1), "nhat_ky.bin": payload(4096, 2)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    run("mmd", "-i", str(img), "::/gone")
    for name in files:
        run("mcopy", "-i", str(img), str(tmp_path / name), f"::/gone/{name}")
    run("mdeltree", "-i", str(img), "::/gone")
    scan = recover.scan_deleted(img)
    assert scan.errors == []
    inside = [d for d in scan.deleted if d.path.startswith("/_one/")]  # FAT replaced the first letter
    assert sorted(d.size for d in inside) == [4096, 1_234_567]
    got = {hashlib.sha256(_recover_bytes(img, d)).hexdigest() for d in inside}
    assert all(d.status == recover.RECOVERABLE for d in inside)
    assert got == {hashlib.sha256(v).hexdigest() for v in files.values()}


def test_a_deleted_folder_whose_cluster_was_reused_is_not_read_as_a_listing(tmp_path):
    """The folder's cluster now holds another file's bytes (made to look like FAT directory entries): they
    must not become made-up deleted files now that deleted folders are opened."""
    require("mkfs.vfat", "mcopy", "mmd", "mdeltree")
    img = tmp_path / "f.img"
    run("mkfs.vfat", "-C", str(img), "4096")
    (tmp_path / "x.bin").write_bytes(payload(3000, 3))
    run("mmd", "-i", str(img), "::/keep", "::/gone")
    run("mcopy", "-i", str(img), str(tmp_path / "x.bin"), "::/gone/x.bin")
    run("mdeltree", "-i", str(img), "::/gone")
    fake = bytearray()
    for i in range(64):
        fake += f"EVIL{i:04d}BIN".encode()[:11] + bytes([0x20]) + bytes(14) + (3).to_bytes(2, "little") \
            + (5000).to_bytes(4, "little")
    (tmp_path / "new.bin").write_bytes(bytes(fake) * 8)
    run("mcopy", "-i", str(img), str(tmp_path / "new.bin"), "::/keep/new.bin")  # takes the freed clusters
    scan = recover.scan_deleted(img)
    assert [d.path for d in scan.deleted if d.is_dir] == ["/_one"]
    assert not [d for d in scan.deleted if "EVIL" in d.path.upper()], [d.path for d in scan.deleted]


@needs_root
def test_ext4_files_deleted_by_linux_are_listed_unrecoverable_with_their_deletion_time(tmp_path):
    """A recent kernel wipes the names and zeroes size and extents on unlink; libtsk's $OrphanFiles fails
    on such volumes. The deleted files must still be listed (with dtime), as unrecoverable with the true
    reason, never as a recoverable "empty file"."""
    require("mke2fs")
    img = tmp_path / "ext4.img"
    with open(img, "wb") as fh:
        fh.truncate(16 << 20)
    run("mke2fs", "-q", "-t", "ext4", "-b", "1024", str(img))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    loop = run("losetup", "-f", "--show", str(img)).stdout.decode().strip()
    try:
        run("mount", loop, str(mnt))
        try:
            (mnt / "dir").mkdir()
            (mnt / "a.log").write_bytes(payload(100_000, 5))
            (mnt / "dir" / "b.bin").write_bytes(payload(7000, 6))
            (mnt / "dir" / "c.bin").write_bytes(payload(30000, 7))
            (mnt / "keep.txt").write_bytes(b"keep")
            os.sync()
            (mnt / "a.log").unlink()
            (mnt / "dir" / "b.bin").unlink()
            (mnt / "dir" / "c.bin").unlink()
            (mnt / "dir").rmdir()
            os.sync()
        finally:
            run("umount", str(mnt))
    finally:
        run("losetup", "-d", loop)
    scan = recover.scan_deleted(img)
    assert scan.errors == []
    files = [d for d in scan.deleted if not d.is_dir]
    assert len(files) == 3, [(d.path, d.size, d.status) for d in scan.deleted]
    for d in files:
        assert d.status == recover.UNRECOVERABLE and d.dtime, (d.path, d.status, d.reason)
        assert "kích thước về 0" in translate(d.reason) and "carving" in translate(d.reason)
    assert len([d for d in scan.deleted if d.is_dir]) == 1


def test_resume_exactly_at_a_part_boundary(tmp_path):
    """Source = 3 parts exactly, cancelled with 2 parts done: no empty 4th part, hashes of the whole."""
    part = 1 << 20
    data = payload(3 * part, 40)
    src = tmp_path / "s.raw"
    src.write_bytes(data)
    out = tmp_path / "out"
    cancel = threading.Event()

    def on_item(item):
        if isinstance(item, Progress) and item.stage == "image" and item.done >= 2 * part:
            cancel.set()

    assert imaging.image_source(src, out, part_size=part, chunk=256 * 1024, cancel=cancel, progress=on_item).cancelled
    assert json.loads((out / "s.raw.state.json").read_text())["done"] == 2 * part
    res = imaging.image_source(src, out, part_size=part, chunk=256 * 1024)
    assert res.resumed_from == 2 * part
    assert res.hashes == {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest()}
    assert [p.size for p in res.parts] == [part] * 3
    assert [p.sha256 for p in res.parts] == [hashlib.sha256(data[i:i + part]).hexdigest()
                                              for i in range(0, len(data), part)]
    assert sorted(os.listdir(out)) == ["s.raw.001", "s.raw.002", "s.raw.003", "s.raw.manifest.json"]


def test_denied_as_root_does_not_say_become_root(tmp_path, monkeypatch):
    """A container's device cgroup refuses /dev/vda even to root: "run as root" would be false advice."""
    src = tmp_path / "d.raw"
    src.write_bytes(b"x" * 4096)
    real_open = os.open

    def refused(path, flags, *a, **k):
        if os.fspath(path) == str(src):
            raise PermissionError(errno.EPERM, "Operation not permitted", str(src))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", refused)
    monkeypatch.setattr(imaging, "is_admin", lambda: True)
    with pytest.raises(AccessDenied) as info:
        imaging.Source(src)
    assert "dù đang chạy với quyền root" in translate(str(info.value))
    monkeypatch.setattr(imaging, "is_admin", lambda: False)
    with pytest.raises(AccessDenied) as info:
        imaging.Source(src)
    assert "cần quyền root" in translate(str(info.value))


def _cli(argv):
    from desktop.commands import image

    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="vi")
    image.add_arguments(parser)
    args = parser.parse_args(argv)
    return image.run(args)


@needs_root
def test_image_onto_its_own_source_is_refused_before_the_case_is_created(tmp_path, capsys):
    require("mke2fs", "losetup")
    backing = tmp_path / "usb.img"
    with open(backing, "wb") as fh:
        fh.truncate(16 << 20)
    run("mke2fs", "-q", "-t", "ext4", str(backing))
    loop = run("losetup", "-f", "--show", str(backing)).stdout.decode().strip()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    try:
        run("mount", loop, str(mnt))
        try:
            assert _cli([loop, "--case", str(mnt / "case")]) == 2
            err = capsys.readouterr().err
            assert "từ chối" in err and "chính thiết bị" in err  # the true reason, not "not enough space"
            assert sorted(os.listdir(mnt)) == ["lost+found"]  # nothing written onto the source
        finally:
            run("umount", str(mnt))
    finally:
        run("losetup", "-d", loop)


@needs_root
def test_store_refuses_before_writing_a_custody_note(tmp_path):
    """Through the store (the GUI and `collect` path): refused before any custody entry is written."""
    from collectors.artifacts import disk_image
    from collectors.case import Case

    backing = tmp_path / "usb.img"
    with open(backing, "wb") as fh:
        fh.truncate(16 << 20)
    run("mke2fs", "-q", "-t", "ext4", str(backing))
    loop = run("losetup", "-f", "--show", str(backing)).stdout.decode().strip()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    try:
        run("mount", loop, str(mnt))
        try:
            case = Case.create(mnt / "case", examiner="t")
            try:
                before = len(case.custody.entries())
                with pytest.raises(imaging.SameDeviceRefused):
                    disk_image.image_into_case(case, loop, check_space=False)
                assert len(case.custody.entries()) == before
                assert not (mnt / "case" / "images").exists()
            finally:
                case.close()
        finally:
            run("umount", str(mnt))
    finally:
        run("losetup", "-d", loop)


@needs_root
def test_destination_full_gives_the_space_back_and_resumes_to_the_source_hash(tmp_path):
    """Disk full mid-image: what lies past the kept point is removed (the case drive stays writable for
    the outcome and the custody log), and after making room the run continues to the source's exact hash."""
    import shutil
    import subprocess

    data = payload(3 << 20, 41)
    src = tmp_path / "s.raw"
    src.write_bytes(data)
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)], check=True)
    try:
        from collectors.errors import DestinationFull

        # checkpoints far apart: without keeping what was written, nothing would be kept at all
        with pytest.raises(DestinationFull) as info:
            imaging.image_source(src, small / "out", chunk=256 * 1024, checkpoint_every=1 << 30)
        assert shutil.disk_usage(small).free > 0  # the torn write past the kept point is gone
        state = json.loads((small / "out" / "s.raw.state.json").read_text())
        assert state["done"] == info.value.done > 0 and state["done"] % (1 << 20) == 0
        assert (small / "out" / "s.raw.001").read_bytes() == data[: state["done"]]
        assert f"{state['done'] >> 20}.0 MiB" in str(info.value)
        subprocess.run(["mount", "-o", "remount,size=8m", str(small)], check=True)  # the responder made room
        res = imaging.image_source(src, small / "out", chunk=256 * 1024)
        assert res.resumed_from == state["done"]
        assert res.hashes["sha256"] == hashlib.sha256(data).hexdigest()
        assert (small / "out" / "s.raw.001").read_bytes() == data
    finally:
        subprocess.run(["umount", str(small)], check=True)


@needs_root
def test_output_on_an_overlay_over_the_source_is_refused(tmp_path):
    """An overlay (or btrfs, or any mount with an anonymous 0:NN device number) hides which disk it writes
    to from /sys/dev/block; /proc/self/mountinfo tells, and the write onto the source is refused."""
    require("mke2fs", "losetup")
    backing = tmp_path / "usb.img"
    with open(backing, "wb") as fh:
        fh.truncate(16 << 20)
    run("mke2fs", "-q", "-t", "ext4", str(backing))
    loop = run("losetup", "-f", "--show", str(backing)).stdout.decode().strip()
    mnt, ov = tmp_path / "mnt", tmp_path / "ov"
    mnt.mkdir()
    ov.mkdir()
    try:
        run("mount", loop, str(mnt))
        try:
            for d in ("lower", "upper", "work"):
                (mnt / d).mkdir()
            try:
                run("mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={mnt / 'lower'},upperdir={mnt / 'upper'},workdir={mnt / 'work'}", str(ov))
            except Exception:
                pytest.skip("overlayfs not available")
            try:
                assert os.major(os.stat(ov).st_dev) == 0  # anonymous: unknown to /sys/dev/block
                with pytest.raises(imaging.SameDeviceRefused):
                    imaging.image_source(loop, ov / "case" / "images")
                assert os.listdir(mnt / "upper") == []
            finally:
                run("umount", str(ov))
        finally:
            run("umount", str(mnt))
    finally:
        run("losetup", "-d", loop)


@needs_root
def test_external_acquirer_output_is_adopted_not_copied(tmp_path):
    """A RAM image from avml/winpmem is as large as the RAM: the case drive must not need room for two."""
    import subprocess

    from collectors.artifacts import physical_memory
    from collectors.case import Case
    from collectors.verify import verify_case

    tool = tmp_path / "fake-avml"
    tool.write_text("#!/bin/sh\nhead -c 3145728 /dev/urandom > \"$1\"\n")
    tool.chmod(0o755)
    drive_dir = tmp_path / "usb"
    drive_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(drive_dir)], check=True)
    try:
        case = Case.create(drive_dir / "case", examiner="t")
        try:
            out = physical_memory.physical_into_case(case, acquirer=str(tool), check_space=False)
            raw, run_rec = out["records"]
            assert raw.size == 3 << 20 and raw.checklist_id == "B6"
            assert hashlib.sha256(case.evidence_path(raw).read_bytes()).hexdigest() == raw.sha256
            assert records.plain(case.read_json(run_rec))["evidence_id"] == raw.id
            assert list(case.tmp_dir.iterdir()) == []
        finally:
            case.close()
        assert verify_case(drive_dir / "case", log=False).problems == []
    finally:
        subprocess.run(["umount", str(drive_dir)], check=True)


@needs_root
def test_ntfs_files_inside_a_deleted_folder_are_listed_and_recovered(tmp_path):
    require("mkntfs", "ntfs-3g")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse for ntfs-3g")
    img = tmp_path / "ntfs.img"
    with open(img, "wb") as fh:
        fh.truncate(16 << 20)
    run("mkntfs", "-q", "-F", "-f", str(img))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    a, d = payload(100_000, 8), payload(1_234_567, 9)
    run("ntfs-3g", str(img), str(mnt))
    try:
        (mnt / "thu_muc" / "con").mkdir(parents=True)
        (mnt / "thu_muc" / "a.bin").write_bytes(a)
        (mnt / "thu_muc" / "con" / "d.bin").write_bytes(d)
        (mnt / "giu.txt").write_bytes(b"keep")
        os.sync()
        import shutil

        shutil.rmtree(mnt / "thu_muc")
    finally:
        run("umount", str(mnt))
    scan = recover.scan_deleted(img)
    by_path = {x.path: x for x in scan.deleted}
    assert {"/thu_muc", "/thu_muc/con", "/thu_muc/a.bin", "/thu_muc/con/d.bin"} <= set(by_path)
    assert _recover_bytes(img, by_path["/thu_muc/a.bin"]) == a
    assert _recover_bytes(img, by_path["/thu_muc/con/d.bin"]) == d


def test_carving_random_bytes_finds_nothing():
    """Noise must not become evidence: 32 MiB of incompressible bytes carve to nothing."""
    import random

    from collectors.acquire import carve

    data = random.Random(77).randbytes(32 << 20)
    reader = carve.RangeReader(lambda o, n: data[o:o + n], [(0, len(data))])
    assert carve.carve(reader) == []


@needs_root
def test_open_deleted_file_too_big_for_the_case_drive_is_named_not_copied(tmp_path):
    """A deleted log still held by a daemon may be larger than the case drive's free space: it is listed
    with that reason, the smaller ones are still copied, and the case stays writable and verifies."""
    import subprocess
    import sys

    from collectors.artifacts import open_deleted_files
    from collectors.case import Case
    from collectors.verify import verify_case

    big, small = tmp_path / "huge.log", tmp_path / "small.log"
    big.write_bytes(b"x" * (40 << 20))
    small.write_bytes(payload(10_000, 2))
    code = ("import os, sys; fhs = [open(p, 'rb') for p in sys.argv[1:]]; [os.unlink(p) for p in sys.argv[1:]]; "
            "sys.stdout.write('ok\\n'); sys.stdout.flush(); sys.stdin.readline()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(big), str(small)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    usb = tmp_path / "usb"
    usb.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(usb)], check=True)
    try:
        proc.stdout.readline()
        case = Case.create(usb / "case", examiner="t")
        try:
            out = open_deleted_files.open_deleted_into_case(case, pids=[proc.pid])
            listing = records.plain(case.read_json(out["records"][-1]))
        finally:
            case.close()
        rows = {r["path"]: r for r in listing["deleted"]}
        assert rows[str(big)]["status"] == "unrecoverable" and "không đủ chỗ trống" in translate(rows[str(big)]["reason"])
        assert rows[str(small)]["evidence_id"] and any("không đủ chỗ trống" in translate(n) for n in out["notes"])
        assert verify_case(usb / "case", log=False).problems == []
    finally:
        proc.stdin.close()
        proc.wait()
        subprocess.run(["umount", str(usb)], check=True)
