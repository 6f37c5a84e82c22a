"""Hostile and hand-edited bundles: every one is refused (exit 2) or has its differences named (exit 1) by
the real `ungcuu verify` command, never a traceback; nothing is written outside the chosen folder."""
from __future__ import annotations

import hashlib
import json
import struct
import zipfile

import pytest
from test_reports_bundle import make_zip, rewrite

from desktop.cli import main as ungcuu
from reports import bundle_io
from reports.bundle import BundleError, BundleRefused, build_bundle, extract_bundle, verify_bundle


@pytest.fixture(scope="module")
def plain(module_case, tmp_path_factory):
    path = tmp_path_factory.mktemp("attacks") / "plain.zip"
    build_bundle(module_case, path, include_reports=False, include_timeline=False)
    return path


def _manifest(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def _dump(m: dict) -> bytes:
    return json.dumps(m, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _verify_exit(path, capsys) -> tuple[int, str]:
    code = ungcuu(["verify", str(path)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_verify_exit_codes(plain, tmp_path, capsys):
    assert _verify_exit(plain, capsys)[0] == 0
    bad = tmp_path / "bad.zip"
    rewrite(plain, bad, lambda n, d: d + b"x" if n == "evidence/E000002-roles.json" else d)
    code, text = _verify_exit(bad, capsys)
    assert code == 1 and "E000002 (evidence/E000002-roles.json): kích thước" in text
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not really")
    assert _verify_exit(tmp_path / "junk.zip", capsys)[0] == 2


@pytest.mark.parametrize("edit, words", [
    (lambda m: m["items"][0].update(size="abc"), "kích thước không hợp lệ ('abc')"),
    (lambda m: m["items"][0].update(path=["x"]), "mục chứng cứ thứ 1 không hợp lệ"),
    (lambda m: m["items"][1].update(sha256=None), "SHA-256 không hợp lệ (None)"),
    (lambda m: m.update(files=["custody.jsonl"]), "'files' không phải bảng tên tệp"),
    (lambda m: m.update(items={"a": 1}), "'items' không phải danh sách"),
    (lambda m: m["files"].update({"incident.json": "x"}), "incident.json: mục không hợp lệ"),
    (lambda m: m["items"][1].update(path=m["items"][0]["path"]), "trùng đường dẫn"),
])
def test_malformed_manifest_is_a_named_difference(plain, tmp_path, capsys, edit, words):
    """A hand-edited manifest used to crash verify (a Python traceback, exit status 1 by accident)."""
    m = _manifest(plain)
    edit(m)
    bad = tmp_path / "m.zip"
    rewrite(plain, bad, lambda n, d: _dump(m) if n == "manifest.json" else d)
    code, text = _verify_exit(bad, capsys)
    assert code == 1 and "Traceback" not in text
    assert words in text


def test_manifest_not_json_object_is_unreadable(plain, tmp_path, capsys):
    for body in (b"[1, 2]", b"[" * 100_000, b"\xff\xfe"):
        bad = tmp_path / "m.zip"
        rewrite(plain, bad, lambda n, d: body if n == "manifest.json" else d)
        code, text = _verify_exit(bad, capsys)
        assert code == 2 and "Traceback" not in text


def test_dropped_member_with_its_manifest_entry_is_named(plain, tmp_path, capsys):
    """Drop one evidence file, its manifest item and its SHA256SUMS line (all hashes consistent): the custody
    log in the bundle still recorded it, so verify names it."""
    m = _manifest(plain)
    gone = m["items"].pop(3)
    bad = tmp_path / "drop.zip"
    rewrite(plain, bad, lambda n, d: _dump(m) if n == "manifest.json" else d, drop=(gone["path"],), resum=True)
    res = verify_bundle(bad)
    assert res.problems == [f"{gone['id']}: có trong nhật ký chuỗi lưu giữ nhưng không có trong danh mục "
                            "(mục chứng cứ bị bỏ khỏi gói)"]
    assert _verify_exit(bad, capsys)[0] == 1


def test_swapped_members_are_named(plain, tmp_path):
    a, b = "evidence/E000001-system.json", "evidence/E000002-roles.json"
    with zipfile.ZipFile(plain) as zf:
        da, db = zf.read(a), zf.read(b)
    bad = tmp_path / "swap.zip"
    rewrite(plain, bad, lambda n, d: db if n == a else (da if n == b else d))
    res = verify_bundle(bad)
    assert [p.split(":")[0] for p in res.problems] == [f"E000001 ({a})", f"E000001 ({a})", f"E000002 ({b})",
                                                       f"E000002 ({b})"]


def test_hostile_custody_lines(plain, tmp_path):
    """A custody line that is JSON but not an entry (a number, a list) is named, not a crash."""
    m = _manifest(plain)
    with zipfile.ZipFile(plain) as zf:
        text = zf.read("custody.jsonl")
    new = text + b"5\n[1]\n"
    m["files"]["custody.jsonl"] = {"size": len(new), "sha256": hashlib.sha256(new).hexdigest()}
    bad = tmp_path / "c.zip"
    rewrite(plain, bad, lambda n, d: _dump(m) if n == "manifest.json" else (new if n == "custody.jsonl" else d),
            resum=True)
    res = verify_bundle(bad)
    assert res.problems == ["custody.jsonl dòng %d: không phải một mục nhật ký" % (text.count(b"\n") + 1),
                            "custody.jsonl dòng %d: không phải một mục nhật ký" % (text.count(b"\n") + 2)]


def test_large_custody_log_is_checked_whole(plain, monkeypatch):
    """The custody log and the manifest were read into memory only up to MAX_SMALL (64 MiB): for a B5
    collection of ~100 000 files the custody log came out truncated (an intact bundle reported as altered)
    and the manifest was refused as too large (exit 2)."""
    with zipfile.ZipFile(plain) as zf:
        assert zf.getinfo("custody.jsonl").file_size > 4096 and zf.getinfo("manifest.json").file_size > 4096
    monkeypatch.setattr(bundle_io, "MAX_SMALL", 4096)
    res = verify_bundle(plain)
    assert res.ok, res.problems


def test_many_small_members_zip_bomb_refused(tmp_path, capsys):
    """Each member is under the per-member ratio threshold, but together they declare 1.5 GiB for a few KiB."""
    members = [("manifest.json", b"{}", None)] + [(f"evidence/E{i:06d}-x", b"\0" * 1024, None) for i in range(100)]
    path = make_zip(tmp_path / "bomb.zip", members)
    raw = bytearray(path.read_bytes())
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:                          # central directory: uncompressed size := 15 MiB
        struct.pack_into("<I", raw, pos + 24, 15 << 20)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(raw))
    with pytest.raises(BundleRefused, match="tổng tỉ lệ nén bất thường"):
        verify_bundle(path)
    dest = tmp_path / "dest"
    with pytest.raises(BundleRefused):
        extract_bundle(path, dest)
    assert not dest.exists() or list(dest.iterdir()) == []
    assert _verify_exit(path, capsys)[0] == 2


@pytest.mark.parametrize("name", ["evidence/x:hidden", "reports/a\x07b", "D:x"])
def test_windows_and_control_names_refused(tmp_path, name):
    path = make_zip(tmp_path / "w.zip", [("manifest.json", b"{}", None), (name, b"x", None)])
    with pytest.raises(BundleRefused):
        verify_bundle(path)


def test_symlinked_destination_folder_refused(plain, tmp_path):
    """A folder inside the destination that is a link elsewhere: nothing is written through it."""
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "evidence").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BundleRefused, match="nằm ngoài thư mục đích"):
        extract_bundle(plain, dest)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("where", ["case.sqlite", "custody.jsonl", "evidence/zz.zip", "tmp/b.zip", "images/x.zip", "."])
def test_bundle_and_report_never_replace_case_files(case, tmp_path, where):
    """--out inside the case folder (but exports/) used to replace case.sqlite or the custody mirror."""
    from collectors.errors import UngCuuError
    from reports.render import render_report

    target = case.path / where
    before = {p: p.read_bytes() for p in case.path.rglob("*") if p.is_file() and not p.name.startswith("case.sqlite")}
    entries = len(case.custody.entries())
    with pytest.raises(BundleError, match="trong thư mục vụ việc"):
        build_bundle(case, target, include_reports=False, include_timeline=False)
    with pytest.raises(UngCuuError, match="trong thư mục vụ việc"):
        render_report(case, "initial", "pdf", target)
    after = {p: p.read_bytes() for p in case.path.rglob("*") if p.is_file() and not p.name.startswith("case.sqlite")}
    assert after == before and len(case.custody.entries()) == entries
    assert verify_bundle(build_bundle(case, case.path / "exports" / "ok.zip", include_reports=False,
                                      include_timeline=False) and case.path / "exports" / "ok.zip").ok


def test_extract_keeps_no_altered_member(plain, tmp_path):
    """Extraction used to write whatever bytes the bundle held: a tampered member is now hashed as it is
    written, removed, and named."""
    bad = tmp_path / "bad.zip"
    rewrite(plain, bad, lambda n, d: d.replace(b"nginx", b"NGINX") if n == "evidence/E000002-roles.json" else d)
    dest = tmp_path / "out"
    with pytest.raises(BundleRefused, match="evidence/E000002-roles.json: SHA-256 không khớp") as info:
        extract_bundle(bad, dest)
    assert not (dest / "evidence" / "E000002-roles.json").exists()
    assert (dest / "evidence" / "E000001-system.json").resolve() in info.value.written
    assert all(p.resolve().is_relative_to(dest.resolve()) for p in info.value.written)


@pytest.mark.parametrize("edit", [
    lambda m: m["files"].update({"evidence/E000001-SYSTEM.json": m["files"]["incident.json"]}),   # same name twice
    lambda m: m["items"][0].update(path="../outside.txt"),
    lambda m: m["items"][0].update(size=None),
])
def test_extract_refuses_a_bad_manifest_before_writing(plain, tmp_path, edit):
    m = _manifest(plain)
    edit(m)
    bad = tmp_path / "m.zip"
    rewrite(plain, bad, lambda n, d: _dump(m) if n == "manifest.json" else d)
    dest = tmp_path / "out"
    with pytest.raises(BundleRefused):
        extract_bundle(bad, dest)
    assert not dest.exists() or list(dest.rglob("*")) == []
    assert not (tmp_path / "outside.txt").exists()


def test_edited_readme_is_named(plain, tmp_path):
    """The README (how to verify, never encrypted) was not covered by the manifest: instructions could be
    rewritten in a signed bundle without verify noticing."""
    bad = tmp_path / "readme.zip"
    rewrite(plain, bad, lambda n, d: d.replace(b"sha256sum -c", b"echo OK #") if n == "README.txt" else d)
    assert verify_bundle(bad).problems == ["README.txt: nội dung khác với danh mục (hướng dẫn kiểm tra đã bị sửa)"]


def _patch_sizes(path, size):
    """Set every central-directory entry's uncompressed size (a lying header)."""
    raw = bytearray(path.read_bytes())
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", raw, pos + 24, size)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(raw))


def test_declared_total_size_cap(tmp_path, capsys):
    path = make_zip(tmp_path / "huge.zip", [("manifest.json", b"{}", None)] +
                    [(f"evidence/E{i:06d}-x", b"x", None) for i in range(300)])
    _patch_sizes(path, 0xFFFFFFF0)                 # 300 x 4 GiB declared > 1 TiB
    with pytest.raises(BundleRefused, match="vượt giới hạn"):
        verify_bundle(path)
    assert _verify_exit(path, capsys)[0] == 2


def test_member_longer_than_declared_is_named_not_followed(plain, tmp_path, capsys):
    """A member that inflates past its declared size: reading stops at the declared size, the CRC fails,
    the member is named (exit 1); nothing beyond the declared size is ever produced."""
    bad = tmp_path / "lie.zip"
    bad.write_bytes(plain.read_bytes())
    with zipfile.ZipFile(bad) as zf:
        info = zf.getinfo("evidence/E000002-roles.json")
    raw = bytearray(bad.read_bytes())
    pos = raw.find(b"PK\x01\x02")
    while pos != -1 and raw[pos + 46: pos + 46 + len(info.filename)] != info.filename.encode():
        pos = raw.find(b"PK\x01\x02", pos + 4)
    struct.pack_into("<I", raw, pos + 24, 10)       # declared 10 bytes
    bad.write_bytes(bytes(raw))
    code, text = _verify_exit(bad, capsys)
    assert code == 1 and "E000002 (evidence/E000002-roles.json): không đọc được trong gói (hỏng)" in text


def test_exported_reports_whose_safe_names_collide(case, tmp_path):
    """Two exported reports with one safe name ("Báo cáo.pdf", "Bào cáo.pdf", "b_o_c_o.PDF") were put in the
    bundle under the same member name: the bundle was refused by verify as holding duplicate names."""
    exports = case.path / "exports"
    exports.mkdir(exist_ok=True)
    for i, name in enumerate(["Báo cáo.pdf", "Bào cáo.pdf", "b_o_c_o.PDF"]):
        (exports / name).write_bytes(b"%PDF-1.4 " + bytes([48 + i]))
    out = tmp_path / "b.zip"
    build_bundle(case, out, include_timeline=False)
    res = verify_bundle(out)
    assert res.ok, res.problems
    with zipfile.ZipFile(out) as zf:
        got = sorted(zf.read(n) for n in zf.namelist() if n.startswith("reports/exported/"))
    assert got == [b"%PDF-1.4 0", b"%PDF-1.4 1", b"%PDF-1.4 2"]


def test_out_may_be_a_folder(case, tmp_path, capsys):
    """--out naming an existing folder: the file goes inside it under its usual name (it used to be written
    as a hidden temporary file in the folder's parent, then fail)."""
    from reports.render import render_report

    folder = tmp_path / "usb"
    folder.mkdir()
    res = render_report(case, "initial", "pdf", folder)
    assert res.path == folder / "initial-146-BC-TTCNTT.pdf" and res.path.read_bytes().startswith(b"%PDF")
    assert ungcuu(["bundle", "--case", str(case.path), "--out", str(folder), "--no-reports", "--no-timeline"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == str(folder / f"bundle-{case.case_id}.zip")
    assert verify_bundle(folder / f"bundle-{case.case_id}.zip").ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "usb"]


def test_case_with_a_disk_image_verifies_intact(tmp_path, capsys):
    """`ungcuu image` logs a custody note on the image manifest's evidence id carrying the image's own
    SHA-256: verify took it for the manifest's hash and called every bundle of such a case altered."""
    src = tmp_path / "disk.raw"
    src.write_bytes(bytes(range(256)) * 1024)
    case_dir = tmp_path / "IMG"
    assert ungcuu(["image", str(src), "--case", str(case_dir)]) == 0
    out = tmp_path / "img.zip"
    assert ungcuu(["bundle", "--case", str(case_dir), "--out", str(out), "--no-reports", "--no-timeline"]) == 0
    capsys.readouterr()
    code, text = _verify_exit(out, capsys)
    assert code == 0, text


def test_damaged_manifest_member_is_unreadable_for_extract_too(plain, tmp_path, capsys):
    """One flipped bit inside manifest.json's compressed data: verify said 'unreadable' but extraction
    crashed with zipfile.BadZipFile / zlib.error."""
    from collectors.errors import UnreadableInput

    raw = bytearray(plain.read_bytes())
    with zipfile.ZipFile(plain) as zf:
        info = zf.getinfo("manifest.json")
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    raw[info.header_offset + 30 + name_len + extra_len + info.compress_size // 2] ^= 0x10
    bad = tmp_path / "m.zip"
    bad.write_bytes(bytes(raw))
    with pytest.raises(UnreadableInput, match="gói hỏng"):
        extract_bundle(bad, tmp_path / "out")
    assert _verify_exit(bad, capsys)[0] == 2


@pytest.mark.parametrize("field, value", [
    ("orig_meta", {"mtime": "2001-01-01T00:00:00Z"}),          # the source's MACB times: the timeline
    ("incomplete", ["size cap of 1 bytes reached"]),           # the note that only part was copied
    ("collected_at", "2020-01-01T00:00:00.000000Z"),
    ("privileges", {"uid": 0, "euid": 0, "is_admin": True}),
])
def test_an_edited_index_field_in_the_manifest_is_named(plain, tmp_path, capsys, field, value):
    """Every field of an evidence row is hashed into its custody entry: a forger who edits one in the
    manifest (and fixes SHA256SUMS so the standard route passes) is still caught, with the field named."""
    m = _manifest(plain)
    item = m["items"][2]
    item["index_row"][field] = value
    if field in item:
        item[field] = value
    bad = tmp_path / f"edit-{field}.zip"
    rewrite(plain, bad, lambda n, d: _dump(m) if n == "manifest.json" else d, resum=True)
    res = verify_bundle(bad)
    assert any(p.startswith(f"{item['id']}: dòng chỉ mục") and field in p for p in res.problems), res.problems
    assert _verify_exit(bad, capsys)[0] == 1


def test_an_untouched_bundle_has_every_index_row(plain):
    m = _manifest(plain)
    assert all(set(it["index_row"]) >= {"orig_meta", "incomplete", "privileges", "fingerprint", "run_id"}
               for it in m["items"])
    assert verify_bundle(plain).ok
