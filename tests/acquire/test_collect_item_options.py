"""`ungcuu collect` takes the per-item acquisition options (B6 processes, B7 capture, B9 image, H4 recovery)
and hands them to the collectors of that run; a flag for an item the run does not collect, or missing the
flag it needs, is refused with the reason before the case is touched."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from collectors import records
from collectors.case import Case
from desktop.cli import build_parser, main

from .conftest import payload
from .test_acquire_capture import _udp_pair
from .test_acquire_memory import CHILD, HOLDER

MiB = 1 << 20


def _options(*argv):
    from desktop.commands.collect import item_options

    args = build_parser()[0].parse_args(["collect", "--case", "x", *argv])
    only = args.only.split(",") if args.only else ["B6", "B7", "B9"]
    return item_options(args, only)


def test_each_flag_becomes_the_option_its_collector_reads():
    assert _options("--only", "B6", "--pid", "12", "--pid", "34", "--physical-memory") == {
        "pids": [12, 34], "physical_memory": True}
    assert _options("--only", "B7", "--iface", "lo", "--iface", "eth0", "--capture-seconds", "5",
                    "--capture-filter", "udp") == {
        "interfaces": ["lo", "eth0"], "capture_seconds": 5.0, "capture_filter": "udp"}
    # a packet count alone has no time limit (the collector's 30 s default would otherwise stop it)
    assert _options("--only", "B7", "--iface", "lo", "--capture-count", "9") == {
        "interfaces": ["lo"], "capture_seconds": None, "capture_count": 9}
    assert _options("--only", "B9", "--image-source", "/dev/sdb", "--image-part-size", "2G", "--image-verify",
                    "--no-image-md5", "--image-name", "disk") == {
        "image_sources": ["/dev/sdb"], "image_part_size": 2 << 30, "image_verify": True, "image_md5": False,
        "image_name": "disk"}
    assert _options("--only", "H4", "--recover-source", "E7", "--carve", "JPG,pdf", "--open-deleted") == {
        "recover_sources": ["E7"], "carve_kinds": ["jpg", "pdf"], "open_deleted": True}
    assert _options("--only", "H4", "--recover-source", "a.img", "--no-carve") == {
        "recover_sources": ["a.img"], "carve": False}
    assert _options("--only", "B2") == {}


@pytest.mark.parametrize("argv,vi,en", [
    (["--only", "B2", "--pid", "1"], "--pid dành cho mục B6, nhưng lượt chạy này không thu thập B6: thêm B6 vào --only",
     "--pid is for B6, which this run does not collect: add B6 to --only"),
    (["--recover-source", "x.img"], "--recover-source dành cho mục H4", "--recover-source is for H4"),
    (["--only", "B7", "--capture-seconds", "5"], "--capture-seconds cần có --iface", "--capture-seconds needs --iface"),
    (["--only", "B9", "--image-verify"], "--image-verify cần có --image-source", "--image-verify needs --image-source"),
    (["--only", "H4", "--recover-source", "x", "--carve", "jpg,exe"], "--carve jpg,exe: không có loại exe (các loại: jpg",
     "--carve jpg,exe: unknown kind exe (known: jpg"),
    (["--only", "H4", "--recover-source", "x", "--carve", "jpg", "--no-carve"], "không dùng --carve cùng --no-carve",
     "--carve and --no-carve cannot be given together"),
    (["--only", "B7", "--iface", "lo", "--capture-seconds", "0"], "--capture-seconds 0.0: phải là số dương",
     "--capture-seconds 0.0: must be a positive number"),
    (["--only", "B6", "--pid", "-3"], "--pid -3: không phải mã tiến trình", "--pid -3: not a process id"),
])
def test_a_wrong_item_option_is_refused_before_the_case_is_touched(tmp_path, capsys, argv, vi, en):
    case = tmp_path / "case"
    assert main(["collect", "--case", str(case), *argv]) == 2
    assert vi in capsys.readouterr().err
    assert main(["--lang", "en", "collect", "--case", str(case), *argv]) == 2
    assert en in capsys.readouterr().err
    assert not case.exists()


def test_a_bad_part_size_is_an_argparse_error_in_vietnamese(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["collect", "--case", str(tmp_path / "c"), "--only", "B9", "--image-source", "x",
              "--image-part-size", "lots"])
    assert exc.value.code == 2
    assert "không hiểu kích thước 'lots'" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_the_new_flags_have_vietnamese_help(capsys):
    with pytest.raises(SystemExit):
        main(["collect", "--help"])
    out = capsys.readouterr().out
    for text in ("B6: dump bộ nhớ của tiến trình này", "B7: bắt gói tin trên giao diện mạng này",
                 "B9: tạo ảnh thô của ổ đĩa", "H4: khôi phục tệp đã xóa", "jpg,png,pdf,zip,eml,mbox"):
        assert text in " ".join(out.split()), text


def test_collect_images_a_file_in_parts_and_verifies_it(tmp_path, capsys):
    data = payload(3 * MiB + 5000, 3)
    src = tmp_path / "disk.raw"
    src.write_bytes(data)
    case = tmp_path / "case"
    assert main(["collect", "--case", str(case), "--only", "B9", "--image-source", str(src), "--image-part-size", "1M",
                 "--image-verify", "--no-image-md5", "--image-name", "usb"]) == 0, capsys.readouterr()
    with Case.open(case) as c:
        man = next(r for r in c.evidence("B9") if r.name.endswith(".manifest.json"))
        m = records.row_of(c.read_json(man))
        assert m["name"] == "usb" and m["size"] == len(data) and m["verified"] is True
        assert m["hashes"] == {"sha256": hashlib.sha256(data).hexdigest()}      # --no-image-md5
        assert [p["size"] for p in m["parts"]] == [MiB, MiB, MiB, 5000]           # --image-part-size 1M
        argv = json.loads(c.runs()[-1]["argv"])
        assert "--image-source" in argv and "--image-verify" in argv


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", payload(3000, 6))
    return buf.getvalue()


def test_collect_recovers_deleted_files_carving_only_the_kinds_asked(tmp_path, capsys, fat_image):
    from .conftest import run

    img, files = fat_image
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    for name, data in (("notes.zip", _zip()), ("doc.pdf", pdf)):
        (tmp_path / name).write_bytes(data)
        run("mcopy", "-i", str(img), str(tmp_path / name), f"::/{name}")
    run("mdel", "-i", str(img), "::/notes.zip", "::/doc.pdf")
    kinds = {}
    for carve in ("pdf", None):
        case = tmp_path / f"case-{carve}"
        extra = ["--carve", carve] if carve else []
        assert main(["collect", "--case", str(case), "--only", "H4", "--recover-source", str(img), *extra]) == 0, \
            capsys.readouterr()
        with Case.open(case) as c:
            listing = records.row_of(c.read_json(next(r for r in c.evidence("H4") if r.name == "recovered.json")))
            assert "eport.bin" in {d["name"][1:].lower() for d in listing["deleted"]}  # FAT overwrote the first byte
            kinds[carve] = {k["kind"] for k in listing["carved"]}
    assert kinds == {"pdf": {"pdf"}, None: {"pdf", "zip"}}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_collect_dumps_the_chosen_process_and_copies_open_deleted_files(tmp_path, capsys):
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    held = tmp_path / "dropper.bin"
    data = payload(200_000, 4)
    held.write_bytes(data)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(held)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        marker = child.stdout.readline().strip()
        assert holder.stdout.readline().strip() == "ready"
        case = tmp_path / "case"
        code = main(["collect", "--case", str(case), "--only", "B6,H4", "--pid", str(child.pid), "--open-deleted"])
        out = capsys.readouterr()
        assert code in (0, 1), out            # 1: physical memory is refused here (not asked for)
        with Case.open(case) as c:
            dumps = [r for r in c.evidence("B6") if r.name == f"pid{child.pid}_python.mem"]
            assert len(dumps) == 1
            assert marker.encode() in c.evidence_path(dumps[0]).read_bytes()
            assert hashlib.sha256(data).hexdigest() in {r.sha256 for r in c.evidence("H4")}
            assert c.outcomes()["H4"]["state"] in ("collected", "partial")
    finally:
        for p in (child, holder):
            p.stdin.close()
            p.wait(timeout=10)


def test_collect_captures_on_the_chosen_interface_for_the_count_asked(tmp_path, capsys):
    from collectors.acquire import capture

    if capture.capture_blocker():
        pytest.skip("no capture rights here: the refusal is tested in test_acquire_capture")
    rx, tx = _udp_pair()
    port = rx.getsockname()[1]
    import threading

    stop = threading.Event()

    def send():
        while not stop.wait(0.05):
            tx.sendto(b"ungcuu-collect-probe", ("127.0.0.1", port))

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        case = tmp_path / "case"
        assert main(["collect", "--case", str(case), "--only", "B7", "--iface", "lo", "--capture-count", "4",
                     "--capture-seconds", "60"]) == 0, capsys.readouterr()
    finally:
        stop.set()
        sender.join()
        rx.close()
        tx.close()
    with Case.open(case) as c:
        conv = records.row_of(c.read_json(next(r for r in c.evidence("B7") if r.name == "conversations.json")))
        assert conv["interfaces"] == ["lo"] and conv["packets"] == 4 and conv["stopped_by"] == "count"
