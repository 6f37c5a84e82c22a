"""H4: deleted files in real FAT / ext4 / NTFS images — listed, recovered byte-exact, or reported
unrecoverable with the reason; carving of a JPEG planted in unallocated space."""
from __future__ import annotations

import io
import os
import subprocess

import pytest

from collectors.acquire import carve, recover
from collectors.messages import translate

from .conftest import needs_root, payload, require, run


def _by_name(scan):
    return {d.path: d for d in scan.deleted}


def _recover_bytes(img_path, d) -> bytes:
    img = recover.open_image(img_path)
    out = bytearray()
    recover.read_deleted(img, d, out.extend)
    return bytes(out)


def test_fat_deleted_files_recovered_byte_exact(fat_image):
    img, files = fat_image
    scan = recover.scan_deleted(img)
    assert [fs.fs_type for fs in scan.filesystems] == ["FAT12"]
    deleted = _by_name(scan)
    # FAT overwrites the first byte of a deleted name; TSK shows it as '_'.
    assert set(deleted) == {"/docs/_eport.bin", "/_hoto.bin"}
    report = deleted["/docs/_eport.bin"]
    assert report.status == recover.RECOVERABLE and report.size == 20000
    assert report.dtime is None and "FAT" in report.note
    assert _recover_bytes(img, report) == files["report.bin"]
    assert _recover_bytes(img, deleted["/_hoto.bin"]) == files["photo.bin"]


def test_fat_clusters_reused_is_unrecoverable(fat_image, tmp_path):
    img, files = fat_image
    # A new file written after the deletion takes the freed clusters (FAT allocates the first free ones).
    newer = payload(30000, 99)
    (tmp_path / "newer.bin").write_bytes(newer)
    run("mcopy", "-i", str(img), str(tmp_path / "newer.bin"), "::/newer.bin")
    scan = recover.scan_deleted(img)
    deleted = _by_name(scan)
    lost = [d for d in scan.deleted if d.status == recover.UNRECOVERABLE]
    assert lost, [(d.path, d.status, d.reason) for d in scan.deleted]
    for d in lost:
        assert "ghi đè" in translate(d.reason) and d.blocks_reused == d.blocks
    # Whatever is still reported recoverable really is the original content.
    for d in scan.deleted:
        if d.status == recover.RECOVERABLE:
            original = files["report.bin" if "eport" in d.path else "photo.bin"]
            assert _recover_bytes(img, d) == original
    assert {d.path for d in scan.unrecoverable()} == {d.path for d in lost}
    assert "/docs/_eport.bin" in deleted


def test_ext4_deleted_files_recovered_with_deletion_time(tmp_path):
    require("mke2fs", "debugfs")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    a, b = payload(30000, 3), payload(7000, 4)
    (root / "sub" / "a.bin").write_bytes(a)
    (root / "b.bin").write_bytes(b)
    img = tmp_path / "ext4.img"
    run("mke2fs", "-q", "-t", "ext4", "-b", "1024", "-d", str(root), str(img), "4M")
    env = dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000")  # e2fsprogs' clock: a known dtime
    subprocess.run(["debugfs", "-w", "-R", "rm /sub/a.bin", str(img)], check=True, capture_output=True, env=env)
    env["E2FSPROGS_FAKE_TIME"] = "1700003600"
    subprocess.run(["debugfs", "-w", "-R", "rm /b.bin", str(img)], check=True, capture_output=True, env=env)
    scan = recover.scan_deleted(img)
    assert [fs.fs_type for fs in scan.filesystems] == ["ext4"]
    deleted = _by_name(scan)
    assert set(deleted) == {"/sub/a.bin", "/b.bin"}
    assert deleted["/sub/a.bin"].dtime == "2023-11-14T22:13:20Z"
    assert deleted["/b.bin"].dtime == "2023-11-14T23:13:20Z"
    assert deleted["/b.bin"].orig_meta()["dtime"] == "2023-11-14T23:13:20Z"
    assert _recover_bytes(img, deleted["/sub/a.bin"]) == a
    assert _recover_bytes(img, deleted["/b.bin"]) == b


def test_ext4_blocks_reused_is_unrecoverable(ext4_image, tmp_path):
    img, files = ext4_image
    # Fill the free space with a new file: it takes the blocks the deleted files had.
    filler = tmp_path / "filler.bin"
    filler.write_bytes(payload(2_500_000, 77))
    run("debugfs", "-w", "-R", f"write {filler} /filler.bin", str(img))
    scan = recover.scan_deleted(img)
    deleted = _by_name(scan)
    assert set(deleted) == {"/sub/a.bin", "/b.bin"}
    assert all(d.status == recover.UNRECOVERABLE for d in deleted.values()), \
        [(d.path, d.status, d.reason) for d in deleted.values()]
    # a.bin: its blocks now belong to filler.bin; b.bin: its inode was given to filler.bin.
    assert deleted["/sub/a.bin"].blocks_reused == deleted["/sub/a.bin"].blocks == 30
    assert "ghi đè" in translate(deleted["/sub/a.bin"].reason)
    assert "dùng lại" in translate(deleted["/b.bin"].reason)


@needs_root
def test_ntfs_deleted_files_recovered(tmp_path):
    require("mkntfs", "ntfs-3g")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse for ntfs-3g")
    img = tmp_path / "ntfs.img"
    with open(img, "wb") as fh:
        fh.truncate(8 << 20)
    run("mkntfs", "-q", "-F", "-f", str(img))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    big, small, tiny = payload(40000, 5), payload(9000, 6), b"resident data in the MFT record\n"
    run("ntfs-3g", str(img), str(mnt))
    try:
        (mnt / "docs").mkdir()
        (mnt / "docs" / "big.bin").write_bytes(big)
        (mnt / "small.bin").write_bytes(small)
        (mnt / "tiny.txt").write_bytes(tiny)
        (mnt / "kept.txt").write_bytes(b"kept")
        os.sync()
        for name in ("docs/big.bin", "small.bin", "tiny.txt"):
            (mnt / name).unlink()
    finally:
        run("umount", str(mnt))
    scan = recover.scan_deleted(img)
    assert [fs.fs_type for fs in scan.filesystems] == ["NTFS"]
    deleted = _by_name(scan)
    assert {"/docs/big.bin", "/small.bin", "/tiny.txt"} <= set(deleted)
    assert deleted["/tiny.txt"].resident is True
    for path, data in (("/docs/big.bin", big), ("/small.bin", small), ("/tiny.txt", tiny)):
        d = deleted[path]
        assert d.status == recover.RECOVERABLE, (path, d.reason)
        assert _recover_bytes(img, d) == data


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_carving_finds_a_jpeg_planted_in_unallocated_space(fat_image):
    img, _ = fat_image
    scan = recover.scan_deleted(img)
    info = scan.filesystems[0]
    alloc = scan.allocated[info.offset]
    # Plant the picture at the start of a free run far from the deleted files.
    gaps = [g for g in alloc.gaps(0, info.block_count) if g[1] * info.block_size >= 64 * 1024]
    start_block = gaps[-1][0] + 64
    offset = start_block * info.block_size
    jpg = _jpeg()
    with open(img, "r+b") as fh:
        fh.seek(offset)
        fh.write(jpg)
    from collectors.artifacts.deleted_files import unallocated_ranges

    tsk = recover.open_image(img)
    reader = carve.RangeReader(lambda o, n: tsk.read(o, n), unallocated_ranges(scan, tsk.get_size()))
    found = carve.carve(reader)
    jpgs = [c for c in found if c.kind == "jpg"]
    assert [c.offset for c in jpgs] == [offset]
    out = bytearray()
    carve.read_carved(reader, jpgs[0], out.extend)
    assert bytes(out) == jpg


def test_carving_formats_in_a_raw_stream():
    import zipfile

    from PIL import Image

    im = Image.new("RGB", (32, 24), (200, 30, 40))
    blobs = {}
    for kind, fmt in (("png", "PNG"), ("pdf", "PDF"), ("jpg", "JPEG")):
        b = io.BytesIO()
        im.save(b, fmt)
        blobs[kind] = b.getvalue()
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    blobs["docx"] = b.getvalue()
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("a.txt", "plain zip")
    blobs["zip"] = b.getvalue()
    blobs["eml"] = (b"From: a@example.vn\r\nTo: b@example.vn\r\nSubject: bao cao\r\n"
                    b"Date: Mon, 1 Jan 2024 10:00:00 +0700\r\n\r\nNoi dung thu.\r\n")
    stream = bytearray()
    where = {}
    noise = payload(3000, 42)
    for kind, blob in blobs.items():
        stream += noise
        stream += bytes(-len(stream) % 512)  # each file starts at a sector
        where[len(stream)] = (kind, blob)
        stream += blob
    stream += bytes(4096)
    # Decoys: signatures without a valid structure must not be carved.
    stream += b"\xff\xd8\xff\xe0" + payload(500, 43) + b"\x89PNG\r\n\x1a\n" + payload(100, 44)
    data = bytes(stream)
    reader = carve.RangeReader(lambda o, n: data[o:o + n], [(0, len(data))])
    found = carve.carve(reader)
    got = {}
    for c in found:
        out = bytearray()
        carve.read_carved(reader, c, out.extend)
        got[c.offset] = (c.kind, bytes(out))
    assert got == where


def test_carving_across_two_free_runs():
    jpg = _jpeg()
    half = len(jpg) // 2
    disk = bytearray(payload(64 * 1024, 50))
    disk[4096:4096 + half] = jpg[:half]  # first free run ends here
    disk[40960:40960 + len(jpg) - half] = jpg[half:]  # the next free run continues it
    ranges = [(0, 4096 + half), (40960, 8192)]
    data = bytes(disk)
    reader = carve.RangeReader(lambda o, n: data[o:o + n], ranges)
    found = [c for c in carve.carve(reader, kinds=["jpg"]) if c.kind == "jpg"]
    assert [c.offset for c in found] == [4096]
    out = bytearray()
    carve.read_carved(reader, found[0], out.extend)
    assert bytes(out) == jpg


def test_not_a_file_system_and_missing_image(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(payload(1 << 20, 60))
    scan = recover.scan_deleted(junk)
    assert scan.filesystems == [] and scan.deleted == []
    assert translate(scan.errors[0]).startswith("không nhận ra hệ thống tệp")
    from collectors.errors import SourceError

    with pytest.raises(SourceError):
        recover.scan_deleted(tmp_path / "missing.img")


def test_split_image_reads_like_the_whole(ext4_image, tmp_path):
    img, files = ext4_image
    data = img.read_bytes()
    parts = []
    for i in range(0, len(data), 1 << 20):
        p = tmp_path / f"x.{i // (1 << 20) + 1:03d}"
        p.write_bytes(data[i:i + (1 << 20)])
        parts.append(str(p))
    tsk = recover.open_image(parts)
    scan = recover.scan_deleted("split", img=tsk)
    d = _by_name(scan)["/b.bin"]
    out = bytearray()
    recover.read_deleted(tsk, d, out.extend)
    assert bytes(out) == files["b.bin"]


def test_fat_zeroed_clusters_are_unrecoverable(fat_image):
    img, files = fat_image
    scan = recover.scan_deleted(img)
    photo = _by_name(scan)["/_hoto.bin"]
    bs = scan.filesystems[0].block_size
    with open(img, "r+b") as fh:  # a wiping tool zeroed the deleted photo's clusters
        for addr, length in photo.runs:
            fh.seek(addr * bs)
            fh.write(bytes(length * bs))
    scan = recover.scan_deleted(img)
    photo = _by_name(scan)["/_hoto.bin"]
    report = _by_name(scan)["/docs/_eport.bin"]
    assert photo.status == recover.UNRECOVERABLE and "số 0" in translate(photo.reason)
    assert report.status == recover.RECOVERABLE


def test_fat_partly_reused_file_is_partial(fat_image, tmp_path):
    img, files = fat_image
    # A small new file takes the first free clusters: the start of the deleted report.
    (tmp_path / "small.bin").write_bytes(payload(3000, 7))
    run("mcopy", "-i", str(img), str(tmp_path / "small.bin"), "::/small.bin")
    scan = recover.scan_deleted(img)
    report = _by_name(scan)["/docs/_eport.bin"]
    bs = scan.filesystems[0].block_size
    assert report.status == recover.PARTIAL and 0 < report.blocks_reused < report.blocks
    assert "một phần" in translate(report.reason)
    data = _recover_bytes(img, report)
    reused_bytes = report.blocks_reused * bs
    assert data[reused_bytes:] == files["report.bin"][reused_bytes:]
    assert data[:reused_bytes] != files["report.bin"][:reused_bytes]


def test_partitioned_disk_image(tmp_path):
    """A disk with an MBR partition table: the file system is found inside partition 1."""
    require("mkfs.vfat", "mcopy", "mdel")
    import struct

    disk = tmp_path / "disk.img"
    start, count = 2048, 8192  # sectors
    with open(disk, "wb") as fh:
        fh.truncate((start + count + 100) * 512)
    entry = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0x06, b"\xff\xff\xff", start, count)
    with open(disk, "r+b") as fh:
        fh.seek(0x1BE)
        fh.write(entry)
        fh.seek(510)
        fh.write(b"\x55\xaa")
    run("mkfs.vfat", f"--offset={start}", str(disk), str(count // 2))
    data = payload(12345, 30)
    (tmp_path / "secret.doc").write_bytes(data)
    target = f"{disk}@@{start * 512}"
    run("mcopy", "-i", target, str(tmp_path / "secret.doc"), "::/secret.doc")
    run("mdel", "-i", target, "::/secret.doc")
    scan = recover.scan_deleted(disk)
    assert [(fs.offset, fs.fs_type) for fs in scan.filesystems] == [(start * 512, "FAT12")]
    assert "DOS FAT16" in scan.filesystems[0].partition  # named after the partition table entry (type 06)
    (d,) = scan.deleted
    assert d.path == "/_ecret.doc" and d.fs_offset == start * 512
    assert _recover_bytes(disk, d) == data


@needs_root
def test_scan_a_block_device(ext4_image):
    img, files = ext4_image
    loop = run("losetup", "-f", "--show", "-r", str(img)).stdout.decode().strip()
    try:
        scan = recover.scan_deleted(loop)
        d = _by_name(scan)["/b.bin"]
        assert _recover_bytes(loop, d) == files["b.bin"]
    finally:
        run("losetup", "-d", loop)


def test_scan_and_carve_honour_cancel(fat_image):
    import threading

    img, _ = fat_image
    cancel = threading.Event()
    cancel.set()
    scan = recover.scan_deleted(img, cancel=cancel)
    assert scan.cancelled and scan.deleted == [] and "scanning for deleted files" in scan.note
    assert not recover.scan_deleted(img).cancelled and recover.scan_deleted(img).deleted  # the flag, not the image
    import struct
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")
    data = payload(1 << 20, 3)[:4096] + png + bytes(4096)
    reader = carve.RangeReader(lambda o, n: data[o:o + n], [(0, len(data))])
    assert [c.kind for c in carve.carve(reader)] == ["png"]
    assert carve.carve(reader, cancel=cancel) == []
    assert carve.carve(reader, cancel=lambda: True) == []  # a callable flag


def test_interval_set_overlap_and_gaps():
    s = recover.IntervalSet()
    for start, length in ((10, 5), (12, 10), (40, 2), (0, 0)):
        s.add(start, length)
    s.freeze()
    s.add(50, 5)  # added after a merge: merged with what is there
    s.freeze()
    assert list(zip(s.starts, s.ends)) == [(10, 22), (40, 42), (50, 55)]
    assert s.overlap(0, 100) == 12 + 2 + 5
    assert s.overlap(20, 25) == 2 + 2 and s.overlap(22, 18) == 0 and s.overlap(54, 100) == 1
    assert s.gaps(0, 60) == [(0, 10), (22, 18), (42, 8), (55, 5)]
