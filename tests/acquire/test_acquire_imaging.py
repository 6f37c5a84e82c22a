"""B9: raw imaging — hashes, split parts, resume, unreadable sectors, refusal to image onto the source."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from collectors.acquire import imaging
from collectors.base import Progress
from collectors.errors import DestinationFull, SourceError
from collectors.messages import translate

from .conftest import needs_root, payload, run


def _concat(result) -> bytes:
    return b"".join(open(p.path, "rb").read() for p in result.parts)


def test_image_file_hashes_parts_and_manifest(tmp_path):
    data = payload(3 * 1024 * 1024 + 777, 10)
    src = tmp_path / "disk.raw"
    src.write_bytes(data)
    out = tmp_path / "out"
    items = []
    res = imaging.image_source(src, out, part_size=1 << 20, chunk=256 * 1024, progress=items.append)
    assert res.size == len(data)
    assert res.hashes == {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest()}
    assert [os.path.basename(p.path) for p in res.parts] == ["disk.raw.001", "disk.raw.002", "disk.raw.003",
                                                              "disk.raw.004"]
    assert [p.size for p in res.parts] == [1 << 20] * 3 + [777]
    for i, p in enumerate(res.parts):
        assert p.sha256 == hashlib.sha256(data[i << 20:(i + 1) << 20]).hexdigest()
    assert _concat(res) == data
    manifest = json.loads((out / "disk.raw.manifest.json").read_text())
    assert manifest["hashes"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["bad_sectors"] == [] and manifest["complete"] is True
    assert manifest["source_meta"]["size"] == len(data)
    assert not (out / "disk.raw.state.json").exists()
    progress = [i for i in items if isinstance(i, Progress) and i.stage == "image"]
    assert progress[-1].done == len(data) and progress[-1].total == len(data)


def test_source_is_opened_read_only_and_untouched(tmp_path):
    data = payload(100_000, 11)
    src = tmp_path / "evidence.bin"
    src.write_bytes(data)
    os.chmod(src, 0o444)
    before = os.stat(src)
    res = imaging.image_source(src, tmp_path / "out", verify=True)
    after = os.stat(src)
    assert res.verified is True and res.verify_hashes == res.hashes
    assert (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)
    assert src.read_bytes() == data


def test_cancel_then_resume_gives_the_same_hashes(tmp_path):
    data = payload(5 * 1024 * 1024, 12)
    src = tmp_path / "big.raw"
    src.write_bytes(data)
    out = tmp_path / "out"
    cancel = threading.Event()
    seen = []

    def on_item(item):
        if isinstance(item, Progress) and item.stage == "image":
            seen.append(item.done)
            if item.done >= 3 * 1024 * 1024:
                cancel.set()

    stopped = imaging.image_source(src, out, part_size=2 << 20, chunk=512 * 1024, cancel=cancel,
                                   checkpoint_every=1 << 20, progress=on_item)
    assert stopped.cancelled and stopped.size == 3 * 1024 * 1024 and "run it again to resume" in stopped.note
    assert not (out / "big.raw.manifest.json").exists()
    state = json.loads((out / "big.raw.state.json").read_text())
    assert state["done"] == 3 * 1024 * 1024
    # Simulate a crash after the checkpoint: garbage written past it must be discarded on resume.
    with open(out / "big.raw.002", "ab") as fh:
        fh.write(b"garbage after the checkpoint")
    res = imaging.image_source(src, out, part_size=2 << 20, chunk=512 * 1024)
    assert res.resumed_from == 3 * 1024 * 1024
    assert res.hashes["sha256"] == hashlib.sha256(data).hexdigest()
    assert res.hashes["md5"] == hashlib.md5(data).hexdigest()
    assert [p.sha256 for p in res.parts] == [hashlib.sha256(data[i:i + (2 << 20)]).hexdigest()
                                              for i in range(0, len(data), 2 << 20)]
    assert _concat(res) == data
    assert not (out / "big.raw.state.json").exists()


def test_changed_source_is_not_resumed(tmp_path):
    src = tmp_path / "s.raw"
    src.write_bytes(payload(2 << 20, 13))
    out = tmp_path / "out"
    cancel = threading.Event()
    cancel.set()
    assert imaging.image_source(src, out, cancel=cancel).cancelled
    new = payload(2 << 20, 14)
    src.write_bytes(new)  # different content and mtime: a different source
    res = imaging.image_source(src, out)
    assert res.resumed_from == 0
    assert res.hashes["sha256"] == hashlib.sha256(new).hexdigest()


class FlakySource(imaging.Source):
    """Failing media: reads touching the listed sectors raise EIO, like a disk with bad sectors."""

    def __init__(self, path, bad):
        super().__init__(path)
        self.bad = set(bad)

    def _check(self, n, offset):
        for s in self.bad:
            if offset <= s < offset + n:
                raise OSError(errno.EIO, "Input/output error")

    def pread(self, n, offset):
        self._check(n, offset)
        return super().pread(n, offset)

    def readinto(self, view, offset):
        self._check(len(view), offset)
        return super().readinto(view, offset)


def test_unreadable_sectors_are_zero_filled_and_logged(tmp_path):
    data = payload(1 << 20, 15)
    src = tmp_path / "bad.raw"
    src.write_bytes(data)
    bad = [4096, 4608, 700 * 512]
    res = imaging.image_source(FlakySource(src, bad), tmp_path / "out", chunk=64 * 1024)
    assert res.bad_sectors == bad
    expected = bytearray(data)
    for s in bad:
        expected[s:s + 512] = bytes(512)
    image = _concat(res)
    assert image == bytes(expected)
    assert res.hashes["sha256"] == hashlib.sha256(expected).hexdigest()
    manifest = json.loads(open(res.manifest_path).read())
    assert manifest["bad_sectors"] == bad and manifest["sector_size"] == 512


def test_missing_source_and_directory_are_clear_errors(tmp_path):
    with pytest.raises(SourceError, match="source to image was not found"):
        imaging.image_source(tmp_path / "nope", tmp_path / "out")
    with pytest.raises(imaging.ImageError, match="is a folder"):
        imaging.image_source(tmp_path, tmp_path / "out")


@needs_root
def test_destination_full_keeps_a_resumable_checkpoint(tmp_path):
    data = payload(3 << 20, 16)
    src = tmp_path / "s.raw"
    src.write_bytes(data)
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)], check=True)
    try:
        with pytest.raises(DestinationFull) as info:
            imaging.image_source(src, small / "out", chunk=256 * 1024, checkpoint_every=512 * 1024)
        assert "đầy" in translate(str(info.value))
        state = json.loads((small / "out" / "s.raw.state.json").read_text())
        assert 0 < state["done"] < len(data)
        assert (small / "out" / "s.raw.001").read_bytes()[: state["done"]] == data[: state["done"]]
    finally:
        subprocess.run(["umount", str(small)], check=True)


@needs_root
def test_block_device_image_and_same_device_refusal(tmp_path):
    backing = tmp_path / "dev.img"
    run("mke2fs", "-q", "-t", "ext4", str(backing), "8M")
    expected = hashlib.sha256(backing.read_bytes()).hexdigest()
    loop = run("losetup", "-f", "--show", "-r", str(backing)).stdout.decode().strip()
    try:
        res = imaging.image_source(loop, tmp_path / "out")
        assert res.hashes["sha256"] == expected
        assert res.source_meta["is_block"] is True and res.source_meta["size"] == 8 << 20
    finally:
        run("losetup", "-d", loop)
    # Mounted device: the output folder on it is refused (nothing written).
    other = tmp_path / "fs.img"
    run("mke2fs", "-q", "-t", "ext4", str(other), "8M")
    loop = run("losetup", "-f", "--show", str(other)).stdout.decode().strip()
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    try:
        run("mount", loop, str(mnt))
        try:
            with pytest.raises(imaging.SameDeviceRefused, match="refused: the image folder"):
                imaging.image_source(loop, mnt / "case" / "images")
            assert not (mnt / "case").exists()
        finally:
            run("umount", str(mnt))
    finally:
        run("losetup", "-d", loop)


def test_windows_same_device_rules_with_a_fake_disk_lookup():
    disks = {"E:": 1, "C:": 0}
    lookup = disks.get
    assert imaging.is_windows_device_path("\\\\.\\PhysicalDrive1")
    assert not imaging.is_windows_device_path("/dev/sdb")
    assert imaging.windows_conflict("\\\\.\\E:", "E:\\case\\images", lookup) is True
    assert imaging.windows_conflict("\\\\.\\E:", "D:\\case", lookup) is False
    assert imaging.windows_conflict("\\\\.\\PhysicalDrive1", "E:\\case", lookup) is True
    assert imaging.windows_conflict("\\\\.\\PhysicalDrive1", "C:\\case", lookup) is False
    assert imaging.windows_conflict("\\\\.\\PhysicalDrive2", "Z:\\case", lookup) is True  # unknown: refuse


@needs_root
def test_list_devices_shows_an_attached_disk_and_the_system_disk(tmp_path):
    backing = tmp_path / "usb.img"
    with open(backing, "wb") as fh:
        fh.truncate(6 << 20)
    loop = run("losetup", "-f", "--show", "-r", str(backing)).stdout.decode().strip()
    try:
        devices = {d["device"]: d for d in imaging.list_devices()}
    finally:
        run("losetup", "-d", loop)
    d = devices[loop]
    assert d["size"] == 6 << 20 and d["kind"] == "disk" and d["read_only"] is True
    assert d["backing_file"] == str(backing) and d["system"] is False
    assert any(x["system"] and "/" in x["mounted_on"] for x in devices.values())


def test_closing_the_collector_keeps_a_checkpoint(tmp_path, monkeypatch):
    """The runner closes a collector's generator when the responder cancels: the engine stops at its next
    chunk, the progress is kept, and the same source resumes in the same folder."""
    from collectors.artifacts.disk_image import DiskImage, image_into_case
    from collectors.base import Context
    from collectors.case import Case

    data = payload(12 << 20, 17)
    src = tmp_path / "s.raw"
    src.write_bytes(data)
    case = Case.create(tmp_path / "case", examiner="t")
    slow_read = imaging.Source.readinto

    def readinto(self, view, offset):  # a slow disk: the engine is still reading when the runner closes
        time.sleep(0.2)
        return slow_read(self, view, offset)

    monkeypatch.setattr(imaging.Source, "readinto", readinto)
    ctx = Context(case, run_id=None, checklist_id="B9", options={"image_sources": [str(src)]})
    gen = DiskImage().collect(ctx)
    for item in gen:
        if isinstance(item, Progress) and item.stage == "image" and item.done >= 1 << 20:
            break
    gen.close()
    state = json.loads((case.path / "images" / "s.raw" / "s.raw.state.json").read_text())
    assert 1 << 20 <= state["done"] < 12 << 20
    monkeypatch.setattr(imaging.Source, "readinto", slow_read)
    res = image_into_case(case, str(src))["result"]
    assert res.resumed_from == state["done"] and res.hashes["sha256"] == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in (case.path / "images").iterdir()) == ["s.raw"]
    case.close()


@needs_root
def test_device_without_read_permission_is_a_clear_refusal(tmp_path):
    backing = tmp_path / "d.img"
    with open(backing, "wb") as fh:
        fh.truncate(1 << 20)
    loop = run("losetup", "-f", "--show", "-r", str(backing)).stdout.decode().strip()
    code = (
        "import os\n"
        "from collectors.acquire import imaging\n"
        ""
        "from collectors.errors import AccessDenied\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "try:\n"
        f"    imaging.image_source({loop!r}, {str(tmp_path / 'out')!r})\n"
        "except AccessDenied as exc:\n"
        "    print('DENIED', exc)\n"
    )
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo)
    finally:
        run("losetup", "-d", loop)
    assert "DENIED" in out.stdout and "root" in out.stdout, out.stderr
    assert not (tmp_path / "out").exists()
