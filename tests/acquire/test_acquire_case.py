"""Acquisitions through the case: evidence records (B6, B7, B9, H4), custody entries, recovered.json with
deletion times, resume without duplicates, and the four commands (image, recover, memory, capture)."""
from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import socket
import subprocess
import sys

import pytest

from collectors import records
from collectors.artifacts import deleted_files, disk_image, open_deleted_files, packet_capture, physical_memory, process_dump
from collectors.case import Case
from collectors.errors import NotApplicable
from collectors.messages import translate

from .conftest import needs_root, payload, run


@pytest.fixture
def case(tmp_path):
    c = Case.create(tmp_path / "case", examiner="tester")
    yield c
    c.close()
    # Whatever a test stored, the case must still verify: hashes, index and custody log agree.
    from collectors.verify import verify_case

    result = verify_case(tmp_path / "case", log=False)
    assert result.problems == [], result.problems


def _ext4_with_deletions(tmp_path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    a, b = payload(30000, 3), payload(7000, 4)
    (root / "sub" / "a.bin").write_bytes(a)
    (root / "b.bin").write_bytes(b)
    img = tmp_path / "ext4.img"
    run("mke2fs", "-q", "-t", "ext4", "-b", "1024", "-d", str(root), str(img), "4M")
    env = dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000")
    subprocess.run(["debugfs", "-w", "-R", "rm /sub/a.bin", str(img)], check=True, capture_output=True, env=env)
    subprocess.run(["debugfs", "-w", "-R", "rm /b.bin", str(img)], check=True, capture_output=True, env=env)
    return img, {"a.bin": a, "b.bin": b}


def test_image_then_recover_from_the_evidence_id(case, tmp_path):
    img, files = _ext4_with_deletions(tmp_path)
    whole = img.read_bytes()
    out = disk_image.image_into_case(case, str(img), part_size=1 << 20, verify=True)
    res = out["result"]
    assert res.hashes["sha256"] == hashlib.sha256(whole).hexdigest() and res.verified is True
    parts = [r for r in out["records"] if r.name.startswith("ext4.img.0")]
    assert len(parts) == 4 and all(r.checklist_id == "B9" for r in out["records"])
    assert b"".join(case.evidence_path(r).read_bytes() for r in parts) == whole
    for r in parts:  # stored under evidence/ by hash and kept in images/<name>/
        assert (case.path / "images" / "ext4.img" / r.name).read_bytes() == case.evidence_path(r).read_bytes()
        assert hashlib.sha256(case.evidence_path(r).read_bytes()).hexdigest() == r.sha256
    manifest = records.plain(case.read_json(out["manifest"]))
    assert [p["evidence_id"] for p in manifest["parts"]] == [r.id for r in parts]
    assert manifest["hashes"]["md5"] == hashlib.md5(whole).hexdigest()
    actions = [(e["action"], e["details"].get("event")) for e in case.custody.entries()]
    assert ("note", "image-start") in actions and ("note", "image-done") in actions

    # Running again registers nothing new.
    again = disk_image.image_into_case(case, str(img), part_size=1 << 20)
    assert again["records"] == [] and again["manifest"].id == out["manifest"].id

    rec = deleted_files.recover_into_case(case, out["manifest"].id)
    recovered = {r.name: r for r in rec["records"]}
    assert set(recovered) == {"a.bin", "b.bin"}
    for name, r in recovered.items():
        assert r.checklist_id == "H4"
        assert case.evidence_path(r).read_bytes() == files[name]
        assert r.orig_meta["dtime"] == "2023-11-14T22:13:20Z" and r.orig_meta["deleted"] is True
    listing = records.plain(case.read_json(rec["listing"]))
    assert rec["listing"].name == "recovered.json" and rec["listing"].checklist_id == "H4"
    by_path = {d["path"]: d for d in listing["deleted"]}
    assert by_path["/b.bin"]["dtime"] == "2023-11-14T22:13:20Z"
    assert by_path["/b.bin"]["evidence_id"] == recovered["b.bin"].id
    assert listing["counts"]["recovered"] == 2 and listing["counts"]["unrecoverable"] == 0


def test_recover_lists_unrecoverable_and_carves(case, fat_image, tmp_path):
    img, files = fat_image
    newer = payload(30000, 99)
    (tmp_path / "newer.bin").write_bytes(newer)
    run("mcopy", "-i", str(img), str(tmp_path / "newer.bin"), "::/newer.bin")
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (50, 40), (1, 2, 3)).save(buf, "JPEG")
    jpg = buf.getvalue()
    with open(img, "r+b") as fh:  # a picture in the free space at the end of the volume
        fh.seek(2000 * 512)
        fh.write(jpg)
    out = deleted_files.recover_into_case(case, str(img))
    doc = out["doc"]
    lost = [d for d in doc["deleted"] if d["status"] == "unrecoverable"]
    assert lost and all(d["evidence_id"] is None and d["reason"] for d in lost)
    carved = [c for c in doc["carved"] if c["kind"] == "jpg"]
    assert [c["offset"] for c in carved] == [2000 * 512]
    rec = case.get_evidence(carved[0]["evidence_id"])
    assert case.evidence_path(rec).read_bytes() == jpg and rec.media_type == "image/jpeg"
    assert rec.checklist_id == "H4" and rec.orig_meta["carved_offset"] == 2000 * 512


def test_memory_dump_into_case_and_physical_refusal(case):
    code = "import sys; m = b'CASE-MARKER-' * 50; sys.stdout.write('go\\n'); sys.stdout.flush(); sys.stdin.readline()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        proc.stdout.readline()
        out = process_dump.memory_into_case(case, [proc.pid, 2 ** 22 + 999])
    finally:
        proc.stdin.close()
        proc.wait()
    dump, mp = out["records"]
    assert dump.checklist_id == mp.checklist_id == "B6"
    assert b"CASE-MARKER-" * 50 in case.evidence_path(dump).read_bytes()
    assert records.plain(case.read_json(mp))["dump_evidence_id"] == dump.id and dump.orig_meta["pid"] == proc.pid
    assert len(out["notes"]) == 1 and str(2 ** 22 + 999) in out["notes"][0]
    from collectors.acquire import memory

    if memory.physical_memory_blockers():
        with pytest.raises(NotApplicable) as info:
            physical_memory.physical_into_case(case)
        assert info.value.reasons and "--acquirer" in str(info.value)
        assert any(e["details"].get("event") == "physical-memory-refused" for e in case.custody.entries())


def test_external_acquirer_is_recorded(case, tmp_path):
    tool = tmp_path / "fake-avml"
    tool.write_text("#!/bin/sh\nprintf 'RAM-IMAGE' > \"$1\"\n")
    tool.chmod(0o755)
    out = physical_memory.physical_into_case(case, acquirer=str(tool), check_space=False)
    raw, run_rec = out["records"]
    assert case.evidence_path(raw).read_bytes() == b"RAM-IMAGE"
    doc = records.plain(case.read_json(run_rec))
    assert doc["tool_sha256"] == hashlib.sha256(tool.read_bytes()).hexdigest()
    assert doc["returncode"] == 0 and doc["evidence_id"] == raw.id


def test_open_deleted_into_case(case, tmp_path):
    data = payload(50_000, 21)
    path = tmp_path / "gone.log"
    path.write_bytes(data)
    code = ("import os, sys; fh = open(sys.argv[1], 'rb'); os.unlink(sys.argv[1]); "
            "sys.stdout.write('ok\\n'); sys.stdout.flush(); sys.stdin.readline()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        proc.stdout.readline()
        out = open_deleted_files.open_deleted_into_case(case, pids=[proc.pid])
    finally:
        proc.stdin.close()
        proc.wait()
    rec = [r for r in out["records"] if r.name == "gone.log"][0]
    assert case.evidence_path(rec).read_bytes() == data and rec.checklist_id == "H4"
    assert rec.orig_meta["dtime"] and rec.orig_meta["held_open_by"]["pid"] == proc.pid
    listing = records.plain(case.read_json(out["records"][-1]))
    assert any(d["path"] == str(path) and d["evidence_id"] == rec.id for d in listing["deleted"])


@needs_root
def test_capture_into_case(case):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        out = packet_capture.capture_into_case(case, ["lo"], seconds=0.5,
                                            on_started=lambda: tx.sendto(b"case-probe", ("127.0.0.1", port)))
    finally:
        rx.close()
        tx.close()
    pcap, summary = out["records"]
    assert pcap.checklist_id == summary.checklist_id == "B7"
    assert pcap.media_type == "application/vnd.tcpdump.pcap"
    assert b"case-probe" in case.evidence_path(pcap).read_bytes()
    doc = records.plain(case.read_json(summary))
    assert doc["pcap_evidence_id"] == pcap.id
    assert any(c["b_port"] == port or c["a_port"] == port for c in doc["conversations"])


# ------------------------------------------------------------------------------------------- commands


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="vi")
    sub = parser.add_subparsers()
    for name in ("image", "recover", "memory", "capture"):
        mod = importlib.import_module(f"desktop.commands.{name}")
        assert mod.NAME == name and mod.HELP
        p = sub.add_parser(mod.NAME)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    args = parser.parse_args(argv)
    return args._run(args)


def test_commands_image_and_recover(tmp_path, capsys):
    img, files = _ext4_with_deletions(tmp_path)
    case_dir = tmp_path / "c"
    assert _cli(["image", str(img), "--case", str(case_dir), "--json", "--part-size", "1M"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["hashes"]["sha256"] == hashlib.sha256(img.read_bytes()).hexdigest()
    assert len(data["parts"]) == 4
    assert _cli(["recover", "--case", str(case_dir), data["manifest_evidence_id"], "--json", "--no-carve"]) == 0
    doc = json.loads(capsys.readouterr().out)["image"]
    assert doc["counts"]["recovered"] == 2 and doc["carved"] == []
    assert _cli(["--lang", "en", "recover", "--case", str(case_dir), str(img), "--list"]) == 0
    text = capsys.readouterr().out
    assert "/sub/a.bin" in text and "2023-11-14T22:13:20Z" in text
    assert _cli(["recover", "--case", str(case_dir)]) == 2
    with Case.open(case_dir) as c:
        outcomes = c.outcomes()
        assert outcomes["B9"]["state"] == "collected" and outcomes["B9"]["evidence_count"] == 5
        assert outcomes["H4"]["state"] == "collected"
        assert all(r.run_id for r in c.evidence())  # every item belongs to the run that took it
    assert _cli(["image", str(tmp_path / "missing.img"), "--case", str(case_dir)]) != 0
    assert "không tìm thấy nguồn cần tạo ảnh" in capsys.readouterr().err
    with Case.open(case_dir) as c:
        b9 = c.outcomes()["B9"]
        assert b9["state"] == "failed" and "không tìm thấy" in translate(b9["reason"])
    from collectors.verify import verify_case

    assert verify_case(case_dir, log=False).problems == []


def test_command_memory_estimate_and_missing_choice(tmp_path, capsys):
    case_dir = tmp_path / "c"
    assert _cli(["memory", "--case", str(case_dir)]) == 2
    assert _cli(["memory", "--case", str(case_dir), "--pid", str(os.getpid()), "--estimate", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["needed"] > 0 and data["free"] > 0


def test_command_capture_requires_arguments(tmp_path, capsys):
    assert _cli(["capture", "--case", str(tmp_path / "c")]) == 2
    assert "--iface" in capsys.readouterr().err
    assert _cli(["capture", "--list"]) == 0
    assert "lo" in capsys.readouterr().out.split()


def test_case_on_a_drive_without_hard_links_moves_the_parts(case, tmp_path, monkeypatch):
    """FAT32/exFAT case drives have no hard links: the parts move into the store (no second copy)."""
    img, files = _ext4_with_deletions(tmp_path)

    def no_links(*a, **k):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    out = disk_image.image_into_case(case, str(img), part_size=1 << 20)
    parts = [r for r in out["records"] if r.name.startswith("ext4.img.0")]
    assert len(parts) == 4
    assert b"".join(case.evidence_path(r).read_bytes() for r in parts) == img.read_bytes()
    assert not list((case.path / "images" / "ext4.img").glob("ext4.img.0*"))  # moved, not copied
    assert not list(case.tmp_dir.iterdir())
    rec = deleted_files.recover_into_case(case, out["manifest"].id, carve=False)
    assert {r.name for r in rec["records"]} == {"a.bin", "b.bin"}
    again = disk_image.image_into_case(case, str(img), part_size=1 << 20)
    assert again["records"] == []


def test_checklist_collectors_drive_the_same_acquisitions(case, tmp_path):
    from collectors.artifacts.deleted_files import DeletedFiles
    from collectors.artifacts.disk_image import DiskImage
    from collectors.artifacts.process_dump import ProcessDump
    from collectors.base import Context, Incomplete, Progress

    img, files = _ext4_with_deletions(tmp_path)
    ctx = Context(case, run_id=None, checklist_id="B9", options={})
    assert "no device" in DiskImage().why_not(ctx)
    assert "opt-in" in ProcessDump().why_not(Context(case, run_id=None, checklist_id="B6", options={}))
    ctx = Context(case, run_id=None, checklist_id="B9", options={"image_sources": [str(img), str(tmp_path / "nope")]})
    events = list(DiskImage().collect(ctx))
    assert any(isinstance(e, Progress) for e in events)
    assert [e.reason for e in events if isinstance(e, Incomplete)][0].startswith(str(tmp_path / "nope"))
    manifest = [r for r in ctx.stored if r.name.endswith(".manifest.json")][0]
    ctx = Context(case, run_id=None, checklist_id="H4", options={"recover_sources": [manifest.id], "carve": False})
    list(DeletedFiles().collect(ctx))
    assert {r.name for r in ctx.stored} == {"a.bin", "b.bin", "recovered.json"}
    assert all(r.checklist_id == "H4" for r in ctx.stored)


def test_first_ctrl_c_cancels_cleanly_second_interrupts():
    import signal

    from desktop.commands._acquire import CancelOnSigint

    before = signal.getsignal(signal.SIGINT)
    with CancelOnSigint() as cancel:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # the handler runs between bytecodes of the main thread
            if cancel.is_set():
                break
        assert cancel.is_set()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
    assert signal.getsignal(signal.SIGINT) is before


def test_two_sources_with_the_same_name_do_not_overwrite_each_other(case, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "disk.img", tmp_path / "b" / "disk.img"
    first.write_bytes(payload(100_000, 1))
    second.write_bytes(payload(100_000, 2))
    one = disk_image.image_into_case(case, str(first))
    two = disk_image.image_into_case(case, str(second))
    assert one["result"].name == "disk.img" and two["result"].name == "disk.img-2"
    assert (case.path / "images" / "disk.img" / "disk.img.001").read_bytes() == first.read_bytes()
    assert (case.path / "images" / "disk.img-2" / "disk.img-2.001").read_bytes() == second.read_bytes()
    again = disk_image.image_into_case(case, str(first))  # the same source again: found, not redone
    assert again["records"] == [] and again["result"].name == "disk.img"
