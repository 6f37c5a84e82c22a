"""Disk images as collection sources, read without mounting: formats, partitions, shadow copies, bad
images, and `ungcuu collect --root IMAGE` with exact hashes of what was copied and of the image."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from collectors import records, sources
from collectors.case import Case
from collectors.sources.images import ImageError, open_image

from .conftest import SAMPLES, sha256, sha256_file

PASSWORDS = b"place,user,password\nbank,joesmith,superrich\nalarm system,-,1234\ntreasure chest,-,1111\nuber secret laire,admin,admin\n"
PASSWORDS_SHA = "02a2a6af2f1ecf4720d7d49d640f0d0a269a7ec733e41973bdd34f09dad0e252"


def ungcuu(*args, lang="en"):
    return subprocess.run([sys.executable, "-m", "desktop.cli", "--lang", lang, *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=os.path.dirname(os.path.dirname(
                              os.path.dirname(os.path.abspath(__file__)))))


@pytest.mark.parametrize("name,fmt", [("image.E01", "ewf"), ("image.vhd", "vhdi"), ("image.vmdk", "vmdk"),
                                      ("image.qcow2", "qcow")])
def test_each_format_reads_the_same_file_system(name, fmt):
    with open_image(SAMPLES / name) as img:
        assert img.format == fmt
        (vol,) = img.volumes()
        assert (vol.index, vol.offset, vol.fs_type) == (0, 0, "ext2")
        root = img.root()
        assert sources.is_virtual(root)
        names = sorted(p.name for p in root.iterdir())
        assert {"a_directory", "lost+found", "passwords.txt"} <= set(names)
        assert "$OrphanFiles" not in names  # TSK's virtual folder is not part of the file system
        data = (root / "passwords.txt").read_bytes()
        assert data == PASSWORDS and sha256(data) == PASSWORDS_SHA
        assert sorted(p.name for p in (root / "a_directory").iterdir()) == ["a_file", "another_file"]


def test_e01_records_its_stored_md5_and_split_e01_opens_every_segment():
    import hashlib

    with open_image(SAMPLES / "image.E01") as img:
        assert img.stored_hashes == {"md5": "d73c51f10c7ee6a681b7b619ccc6f1c4"}
        assert hashlib.md5(img.img.read(0, img.size)).hexdigest() == img.stored_hashes["md5"]
    with open_image(SAMPLES / "image-split.E01") as img:
        assert [os.path.basename(f) for f in img.files] == ["image-split.E01", "image-split.E02"]
        assert img.size == 1474560
        vols = img.volumes()
        assert [(v.index, v.offset, v.fs_type) for v in vols] == [(1, 512, None), (2, 180224, "ext2")]
        assert "Cannot determine file system type" in vols[0].error
        assert img.choose_volume().index == 2


def test_partitioned_raw_image_and_a_symbolic_link_inside_an_image():
    with open_image(SAMPLES / "tsk_volume_system.raw") as img:
        assert img.format == "raw"
        assert [v.description for v in img.volumes()] == ["Linux (0x83)", "Linux (0x83)"]
    with open_image(SAMPLES / "image.vmdk") as img:
        link = img.root() / "a_link"
        assert link.is_symlink() and link.readlink() == "a_directory/another_file"
        assert link.is_file()  # followed inside the image


def test_volume_shadow_copies_are_listed_and_selectable():
    with open_image(SAMPLES / "vsstest.qcow2") as img:
        (vol,) = img.volumes()
        assert vol.fs_type == "NTFS"
        assert [(s.index, s.identifier, s.created) for s in vol.shadows] == [
            (1, "600f0b69-5bdf-11e3-9d6c-005056c00008", "2013-12-03T06:35:09.736378Z"),
            (2, "600f0b6d-5bdf-11e3-9d6c-005056c00008", "2013-12-03T06:37:48.919058Z")]
        users = lambda root: sorted(p.name for p in root.iterdir() if not p.name.startswith("$"))  # noqa: E731
        assert users(img.root()) == ["System Volume Information", "another_file", "password.txt", "syslog.gz"]
        assert users(img.root(shadow=1)) == ["System Volume Information", "syslog"]
        assert users(img.root(shadow=2)) == ["System Volume Information", "another_file", "syslog.gz"]
        with pytest.raises(ImageError, match="no shadow copy 3"):
            img.root(shadow=3)


def test_unknown_partition_table_says_so_before_the_case_is_made(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(bytes(range(256)) * 4096)
    with open_image(junk) as img:
        assert img.volumes() == []
        assert "no partition table" in img.why_unreadable()
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", junk)
    assert res.returncode != 0
    assert "no partition table (MBR, GPT, ...) and no file system" in res.stderr
    vi = ungcuu("collect", "--case", tmp_path / "case", "--root", junk, lang="vi")
    assert vi.returncode != 0 and "không có bảng phân vùng (MBR, GPT, ...)" in vi.stderr
    assert "ảnh raw dung lượng 1,0 MiB" in vi.stderr
    assert not (tmp_path / "case").exists()


def test_a_20_gb_sparse_image(tmp_path, linux_disk):
    """20 GB of which a few MB are written: partitions are found at once (nothing reads the holes);
    a 20 GB image without any file system is refused at once too."""
    import time

    big = tmp_path / "big.raw"
    with open(linux_disk["path"], "rb") as src, open(big, "wb") as out:
        out.write(src.read())
        out.truncate(20 << 30)
    t0 = time.monotonic()
    with open_image(big) as img:
        assert img.size == 20 << 30
        assert [v.fs_type for v in img.volumes()] == ["FAT12", "ext4"]
        assert img.root().posix == "/" and (img.root() / "etc" / "hostname").read_bytes() == b"srv-hatinh-01\n"
    empty = tmp_path / "empty.raw"
    with open(empty, "wb") as fh:
        fh.truncate(20 << 30)
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", empty)
    assert res.returncode != 0 and "no partition table" in res.stderr
    assert time.monotonic() - t0 < 120  # nothing read 20 GB (a full read takes minutes here)


def _evidence_by_source(case):
    return {r.source: r for r in case.evidence()}


def test_collect_from_a_partitioned_linux_image(tmp_path, linux_disk):
    disk = linux_disk["path"]
    before = (sha256_file(disk), os.stat(disk).st_mtime_ns, os.stat(disk).st_atime_ns)
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", disk, "--only", "B2,B4,B10")
    assert res.returncode == 0, res.stderr + res.stdout
    assert "partition 2 (ext4)" in res.stdout
    with Case.open(tmp_path / "case") as case:
        ev = _evidence_by_source(case)
        for rel in ("etc/passwd", "etc/hostname", "var/log/auth.log", "home/an/.bash_history"):
            rec = ev["/" + rel]
            assert rec.sha256 == linux_disk["hashes"][rel]
            assert rec.orig_meta["image_sha256"] == before[0] and rec.orig_meta["volume"] == 2
            assert rec.orig_meta["file_system"] == "ext4" and rec.host == "srv-hatinh-01"
        assert "/etc/resolv.conf" not in ev  # a link in the image: recorded, never followed outside it
        (entry,) = [e for e in case.custody.entries() if e["action"] == "source-image"]
        assert entry["details"]["files"][0]["sha256"] == before[0]
        assert entry["details"]["volume"] == 2 and entry["details"]["read_only"] is True
        assert [v["fs_type"] for v in entry["details"]["volumes"]] == ["FAT12", "ext4"]
        system = records.plain(case.read_json(case.latest("system.json")))
        assert system["hostname"] == "srv-hatinh-01"
    after = (sha256_file(disk), os.stat(disk).st_mtime_ns, os.stat(disk).st_atime_ns)
    assert after == before  # the image is read, never written; not even its access time moved

    again = ungcuu("collect", "--case", tmp_path / "case", "--root", disk, "--only", "B2,B4,B10")
    assert again.returncode == 0 and "collected-earlier" in again.stdout
    with Case.open(tmp_path / "case") as case:
        entries = [e for e in case.custody.entries() if e["action"] == "source-image"]
        assert len(entries) == 2 and entries[1]["details"]["files"] == entries[0]["details"]["files"]


def test_choosing_a_volume_and_bad_choices(tmp_path, linux_disk):
    res = ungcuu("collect", "--case", tmp_path / "c1", "--root", linux_disk["path"], "--volume", "1", "--only", "B4")
    assert res.returncode == 0, res.stderr
    assert "partition 1 (FAT12)" in res.stdout
    res = ungcuu("collect", "--case", tmp_path / "c2", "--root", linux_disk["path"], "--volume", "9")
    assert res.returncode != 0 and "no volume 9" in res.stderr
    res = ungcuu("collect", "--case", tmp_path / "c3", "--root", tmp_path, "--volume", "1")
    assert res.returncode != 0 and "--volume and --shadow need --root IMAGE" in res.stderr


def test_volumes_command_lists_partitions_and_shadow_copies():
    res = ungcuu("volumes", SAMPLES / "vsstest.qcow2", "--json")
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["format"] == "qcow" and info["media_size"] == 1073741824
    assert [s["identifier"] for s in info["volumes"][0]["shadows"]] == [
        "600f0b69-5bdf-11e3-9d6c-005056c00008", "600f0b6d-5bdf-11e3-9d6c-005056c00008"]
    text = ungcuu("volumes", SAMPLES / "image-split.E01", lang="vi")
    assert text.returncode == 0 and "ext2" in text.stdout


def test_collect_a_windows_image_with_hives_of_every_profile(tmp_path, windows_disk):
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", windows_disk["path"], "--only", "B4,B10")
    assert res.returncode == 0, res.stderr + res.stdout
    with Case.open(tmp_path / "case") as case:
        ev = _evidence_by_source(case)
        for rel, digest in windows_disk["hashes"].items():
            if rel.startswith("Windows/System32/Tasks") or rel.startswith("Windows/appcompat"):
                continue
            rec = ev["/" + rel]
            assert rec.sha256 == digest, rel
            assert case.evidence_path(rec).stat().st_size == rec.size
            assert rec.orig_meta["file_system"] == "NTFS"
        tasks = records.plain(case.read_json(case.latest("windows_scheduled_tasks.json")))
        assert [t["path"] for t in tasks] == ["\\Backdoor"]


@pytest.mark.parametrize("subformat", ["dynamic", "fixed"])
def test_collect_a_vhdx_made_by_qemu_img_from_an_ntfs_disk(tmp_path, windows_disk, subformat):
    """The NTFS disk (mkntfs + ntfs-3g, MBR) converted to VHDX by qemu-img is read through libvhdi the same
    way: the same partition, the same files with the same SHA-256, and the image's own hash recorded."""
    from .conftest import need

    vhdx = tmp_path / "disk.vhdx"
    subprocess.run([need("qemu-img"), "convert", "-f", "raw", "-O", "vhdx", "-o", f"subformat={subformat}",
                    str(windows_disk["path"]), str(vhdx)], check=True, capture_output=True, timeout=300)
    assert vhdx.read_bytes()[:8] == b"vhdxfile"
    with open_image(vhdx) as img:
        assert img.format == "vhdi" and img.size == windows_disk["path"].stat().st_size
        (vol,) = img.volumes()
        assert (vol.index, vol.offset, vol.fs_type) == (1, 1 << 20, "NTFS")
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", vhdx, "--only", "B4,B10")
    assert res.returncode == 0, res.stderr + res.stdout
    with Case.open(tmp_path / "case") as case:
        ev = _evidence_by_source(case)
        for rel in ("Users/admin/NTUSER.DAT", "Windows/System32/winevt/Logs/System.evtx", "Windows/System32/config/SOFTWARE"):
            assert ev["/" + rel].sha256 == windows_disk["hashes"][rel], rel
            assert ev["/" + rel].orig_meta["file_system"] == "NTFS"
        digest = sha256_file(vhdx)
        assert ev["/Users/admin/NTUSER.DAT"].orig_meta["image_sha256"] == digest
        (entry,) = [e for e in case.custody.entries() if e["action"] == "source-image"]
        assert entry["details"]["files"][0]["sha256"] == digest


def test_cancel_while_hashing_the_image_leaves_no_custody_entry(tmp_path, linux_disk):
    import threading

    from collectors.errors import Cancelled
    from collectors.sources.image_root import prepare_image_root

    cancel = threading.Event()
    with Case.create(tmp_path / "case", examiner="t") as case:
        gen = prepare_image_root(case, linux_disk["path"], cancel=cancel)
        first = next(gen)
        assert first.done == 0 and first.total == os.path.getsize(linux_disk["path"])
        cancel.set()
        with pytest.raises(Cancelled):
            next(gen)
        assert [e for e in case.custody.entries() if e["action"] == "source-image"] == []


def test_split_raw_parts_read_as_one_disk(tmp_path, linux_disk):
    data = linux_disk["path"].read_bytes()
    third = len(data) // 3 + 7  # parts that do not end on a sector boundary
    for i, start in enumerate(range(0, len(data), third), 1):
        (tmp_path / f"disk.{i:03d}").write_bytes(data[start:start + third])
    with open_image(tmp_path / "disk.001") as img:
        assert [os.path.basename(f) for f in img.files] == ["disk.001", "disk.002", "disk.003"]
        assert img.size == len(data)
        assert [v.fs_type for v in img.volumes()] == ["FAT12", "ext4"]
        assert sha256((img.root() / "etc" / "passwd").read_bytes()) == linux_disk["hashes"]["etc/passwd"]


def test_collect_from_a_shadow_copy_and_verify_the_case(tmp_path):
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", SAMPLES / "vsstest.qcow2", "--shadow", "1",
                 "--only", "B4")
    assert res.returncode == 0, res.stderr
    assert "whole image (NTFS), shadow copy 1]" in res.stdout
    with Case.open(tmp_path / "case") as case:
        (entry,) = [e for e in case.custody.entries() if e["action"] == "source-image"]
        assert (entry["details"]["volume"], entry["details"]["shadow"]) == (0, 1)
        assert entry["details"]["files"][0]["sha256"] == sha256_file(SAMPLES / "vsstest.qcow2")
    ver = ungcuu("verify", tmp_path / "case")
    assert ver.returncode == 0, ver.stdout + ver.stderr


def test_a_block_device_as_root_is_read_in_place_and_not_hashed(tmp_path, linux_disk):
    import shutil

    if os.geteuid() != 0 or shutil.which("losetup") is None:
        pytest.skip("a loop device needs root and losetup")
    copy = tmp_path / "disk.raw"
    shutil.copyfile(linux_disk["path"], copy)
    made = subprocess.run(["losetup", "-f", "--show", "-P", str(copy)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"no loop device here: {made.stderr.strip()}")
    dev = made.stdout.strip()
    try:
        res = ungcuu("collect", "--case", tmp_path / "case", "--root", dev, "--only", "B4")
        assert res.returncode == 0, res.stderr
        with Case.open(tmp_path / "case") as case:
            (entry,) = [e for e in case.custody.entries() if e["action"] == "source-image"]
            (f,) = entry["details"]["files"]
            assert f["path"] == dev and f["sha256"] is None and "changes while it is read" in f["not_hashed"]
            rec = _evidence_by_source(case)["/etc/passwd"]
            assert rec.sha256 == linux_disk["hashes"]["etc/passwd"] and rec.orig_meta["image_sha256"] is None
    finally:
        subprocess.run(["losetup", "-d", dev], capture_output=True)


def test_a_truncated_image_gives_partial_items_and_nothing_stops(tmp_path, windows_disk):
    data = windows_disk["path"].read_bytes()
    cut = tmp_path / "cut.raw"
    cut.write_bytes(data[: len(data) // 2])  # the partition table still says the full size
    res = ungcuu("collect", "--case", tmp_path / "case", "--root", cut, "--only", "B4,B10")
    assert res.returncode == 0, res.stderr + res.stdout
    with Case.open(tmp_path / "case") as case:
        outcomes = case.outcomes()
        assert outcomes["B4"]["state"] == "partial" and outcomes["B10"]["state"] == "partial"
        cut_items = [r for r in case.evidence() if any("truncated image" in n for n in r.incomplete)]
        assert cut_items and all(r.sha256 != windows_disk["hashes"][r.source.lstrip("/")] for r in cut_items)
    for name in ("image.E01", "image.vmdk"):  # the image format's reader fails at the first byte
        short = tmp_path / name
        short.write_bytes((SAMPLES / name).read_bytes()[:2000 if name.endswith("E01") else 60000])
        res = ungcuu("collect", "--case", tmp_path / f"c-{name}", "--root", short)
        assert res.returncode != 0 and "could not be read, damaged or truncated" in res.stderr, res.stderr
        assert "Volume_Info" not in res.stderr  # no raw library noise


def test_a_read_error_mid_copy_keeps_the_bytes_before_it(tmp_path):
    """The store hashes what reached its temporary file before a source read error (it reads that file
    back, so it must not be write-only)."""
    import errno
    import io

    class FailsAfterFive(io.RawIOBase):
        def __init__(self):
            self.calls = 0

        def readable(self):
            return True

        def readinto(self, b):
            self.calls += 1
            if self.calls > 1:
                raise OSError(errno.EIO, "Input/output error")
            b[:5] = b"hello"
            return 5

    with Case.create(tmp_path / "case", examiner="t") as case:
        rec = case.add_stream(FailsAfterFive(), checklist_id="B5", name="x", source="x", collector="t")
        assert (rec.size, rec.sha256) == (5, sha256(b"hello"))
        assert rec.incomplete == ["read error after 5 bytes: Input/output error; the item holds the bytes before it"]


def test_volumes_verify_compares_the_media_with_the_hashes_the_e01_stores(monkeypatch, capsys):
    from collectors.sources.images import DiskImage
    from desktop.cli import main

    for name, md5 in (("image.E01", "d73c51f10c7ee6a681b7b619ccc6f1c4"),
                      ("image-split.E01", "38ea5af8a80e16e46c095c9110242fc0")):
        with open_image(SAMPLES / name) as img:
            assert img.verify_stored_hashes() == {"md5": {"stored": md5, "computed": md5, "match": True}}
    with open_image(SAMPLES / "image.qcow2") as img:
        assert img.verify_stored_hashes() == {}  # QCOW2 stores no hash of its media
    assert main(["--lang", "en", "volumes", str(SAMPLES / "image.E01"), "--verify"]) == 0
    assert "MD5: d73c51f10c7ee6a681b7b619ccc6f1c4 matches" in capsys.readouterr().out
    real = DiskImage.verify_stored_hashes

    def with_another_stored_hash(self, **kw):
        self.stored_hashes = {"md5": "0" * 32}  # as if the media had been changed since acquisition
        return real(self, **kw)

    monkeypatch.setattr(DiskImage, "verify_stored_hashes", with_another_stored_hash)
    assert main(["--lang", "en", "volumes", str(SAMPLES / "image.E01"), "--verify"]) == 1
    assert "DOES NOT MATCH " + "0" * 32 in capsys.readouterr().out


def test_a_windows_physical_drive_goes_to_the_sleuth_kit_device_reader(monkeypatch):
    r"""`--root \\.\PhysicalDriveN` on Windows: recognised as a device (never hashed as a fixed image) and
    opened by pytsk3's own Img_Info, which reads Windows devices in whole sectors. No such drive exists
    here, so what is checked is the path taken and its clear refusal; docs/windows.md says so."""
    from collectors.sources import images

    monkeypatch.setattr(images.sys, "platform", "win32")
    drive = "\\\\.\\PhysicalDrive7"
    assert images.is_device(drive) and images.is_image(drive)
    with pytest.raises(ImageError) as exc:
        images.DiskImage(drive)
    assert str(exc.value).startswith(drive + ": not a readable raw image (")
