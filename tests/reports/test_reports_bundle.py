"""The evidence bundle: round trip, tampering named member by member, encryption, signature, hostile zips."""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import stat
import struct
import zipfile

import pytest

from collectors.errors import UnreadableInput
from reports.bundle import (
    BundlePassphraseError,
    BundleRefused,
    build_bundle,
    extract_bundle,
    generate_keypair,
    verify_bundle,
    verify_main,
)

SYSLOG = "evidence/E000008-syslog_syslog"


def rewrite(src, dst, change=None, drop=(), add=(), resum=False):
    """Copy a zip member by member, letting `change(name, data)` alter contents (CRC stays valid).

    With `resum`, SHA256SUMS is rewritten to match the changed members (lines of dropped ones removed), as a
    forger without the signing key would: only the signature (or the custody chain) can then tell."""
    seen: dict[str, str] = {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if change is not None:
                data = change(info.filename, data)
            if resum and info.filename == "SHA256SUMS":
                lines = []
                for line in data.decode().splitlines():
                    name = line.split("  ", 1)[1]
                    if name in drop:
                        continue
                    lines.append(f"{seen.get(name, line[:64])}  {name}\n")
                data = "".join(lines).encode()
            seen[info.filename] = hashlib.sha256(data).hexdigest()
            zout.writestr(info, data)
        for name, data in add:
            zout.writestr(name, data)


def flip(data: bytes, at: int = 10) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.fixture(scope="module")
def bundles(module_case, tmp_path_factory):
    d = tmp_path_factory.mktemp("bundles")
    priv, pub = generate_keypair(d / "team.key", d / "team.pub")
    plain = d / "plain.zip"
    sha_plain = build_bundle(module_case, plain)
    signed = d / "signed.zip"
    build_bundle(module_case, signed, signing_key=priv)
    enc = d / "enc.7z"
    build_bundle(module_case, enc, passphrase="Mật khẩu đủ dài 2026!", signing_key=priv)
    return {"dir": d, "plain": plain, "sha_plain": sha_plain, "signed": signed, "enc": enc, "priv": priv, "pub": pub}


def test_round_trip(bundles, module_case):
    path = bundles["plain"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == bundles["sha_plain"]
    res = verify_bundle(path)
    assert res.ok and res.problems == [] and res.items == 9 and res.signature == "absent"
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read(SYSLOG) == (module_case.evidence_path(module_case.get_evidence("E000008"))).read_bytes()
        readme = zf.read("README.txt").decode("utf-8")
        sums = zf.read("SHA256SUMS").decode()
    assert {"README.txt", "manifest.json", "SHA256SUMS", "incident.json", "custody.jsonl", "reports/findings.pdf",
            "reports/initial.pdf", "reports/closing.pdf", SYSLOG} <= set(names)
    assert manifest["build"]["source"] == "git" and len(manifest["build"]["commit"]) == 40
    assert manifest["build"]["libraries"]["py7zr"][0].isdigit() and manifest["time_zone"]["name"]
    assert manifest["host_identity"]["hostname"] == manifest["host"]
    item = [i for i in manifest["items"] if i["id"] == "E000008"][0]
    rec = module_case.get_evidence("E000008")
    assert (item["checklist_id"], item["source"], item["size"], item["sha256"], item["collected_at"], item["collector"],
            item["host"]) == ("B10", "/var/log/syslog", 1509, rec.sha256, rec.collected_at, "test", rec.host)
    assert rec.sha256 == "1f0105612f6ad2d225d6bd9ba631148740e312598878adcd2b74098a3dab50c4"   # shared/data README
    assert f"{rec.sha256}  {SYSLOG}\n" in sums
    assert "ungcuu verify" in readme and "sha256sum -c --quiet SHA256SUMS" in readme and "HƯỚNG DẪN KIỂM TRA" in readme
    # the bundle's own hash went to the custody log
    exports = [e for e in module_case.custody.entries() if e["action"] == "export" and e["target"] == str(path)]
    assert exports and exports[0]["details"]["bundle_sha256"] == bundles["sha_plain"]


def test_timeline_in_bundle(bundles):
    with zipfile.ZipFile(bundles["plain"]) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        lines = zf.read("timeline/timeline.jsonl").decode().splitlines()
    assert manifest["timeline_events"] == len(lines) > 0
    first = json.loads(lines[0])
    assert {"message", "datetime", "timestamp_desc", "evidence_id"} <= set(first)
    from analysis.export_siem import BASE, COMMON

    keys = set().union(*(json.loads(x) for x in lines))  # the bounded field set of the jsonl export
    assert keys <= set(BASE) | set(COMMON)


def test_tampered_member_is_named(bundles, tmp_path):
    bad = tmp_path / "bad.zip"
    rewrite(bundles["plain"], bad, lambda n, d: flip(d) if n == SYSLOG else d)
    res = verify_bundle(bad)
    assert not res.ok
    assert res.problems == [f"E000008 ({SYSLOG}): SHA-256 không khớp (có "
                            f"{hashlib.sha256(flip(zipfile.ZipFile(bundles['plain']).read(SYSLOG))).hexdigest()}, "
                            "danh mục ghi 1f0105612f6ad2d225d6bd9ba631148740e312598878adcd2b74098a3dab50c4)"]
    assert verify_main(bad, out=io.StringIO(), err=io.StringIO()) == 1


def test_raw_byte_flip_in_file_is_named(bundles, tmp_path):
    raw = bytearray(bundles["plain"].read_bytes())
    with zipfile.ZipFile(bundles["plain"]) as zf:
        info = zf.getinfo("evidence/E000001-system.json")
    # the member's data follow its local header (30 bytes + name + extra)
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    raw[info.header_offset + 30 + name_len + extra_len + 5] ^= 0xFF
    bad = tmp_path / "flip.zip"
    bad.write_bytes(bytes(raw))
    res = verify_bundle(bad)
    assert not res.ok and len(res.problems) == 1
    assert res.problems[0].startswith("E000001 (evidence/E000001-system.json): ")


def test_custody_added_missing_members(bundles, tmp_path):
    def edit_custody(n, d):
        if n != "custody.jsonl":
            return d
        lines = d.decode().splitlines(True)
        e = json.loads(lines[1])
        e["actor"] = "kẻ giả mạo"
        lines[1] = json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n"
        return "".join(lines).encode()

    bad = tmp_path / "custody.zip"
    rewrite(bundles["plain"], bad, edit_custody, drop=("reports/initial.pdf",), add=[("evidence/extra.bin", b"x")])
    res = verify_bundle(bad)
    assert "evidence/extra.bin: mục không có trong danh mục (được thêm vào sau)" in res.problems
    assert "reports/initial.pdf: thiếu trong gói" in res.problems
    assert any(p.startswith("custody.jsonl: SHA-256 không khớp") for p in res.problems)
    assert any("custody log: entry 2" in p and "was modified" in p for p in res.problems)


def test_signature(bundles, tmp_path):
    from reports.bundle import _load_public_key, public_key_fingerprint

    res = verify_bundle(bundles["signed"], public_key=bundles["pub"])
    assert res.ok and res.signature == "valid"
    fp = public_key_fingerprint(_load_public_key(bundles["pub"]))
    assert res.manifest["signer"] == {"algorithm": "Ed25519", "public_key_sha256": fp}
    assert f"chữ ký hợp lệ, khóa công khai SHA-256 {fp}" in res.notes
    res = verify_bundle(bundles["signed"])       # a signature nobody checked is not a pass
    assert not res.ok and res.signature == "not_checked"
    assert res.problems == ["chữ ký chưa được kiểm tra (signature not checked): gói có chữ ký, cần --public-key "
                            "để kiểm tra"]
    assert verify_main(bundles["signed"], out=io.StringIO(), err=io.StringIO()) == 1
    other_priv, other_pub = generate_keypair(tmp_path / "o.key", tmp_path / "o.pub")
    res = verify_bundle(bundles["signed"], public_key=other_pub)
    assert not res.ok and res.signature == "invalid"
    # a forged manifest and SHA256SUMS (hashes of a replaced member updated) still fail on the signature
    new = b"forged"

    def forge(n, d):
        if n == SYSLOG:
            return new
        if n == "SHA256SUMS":
            return d.replace(hashlib.sha256(zipfile.ZipFile(bundles["signed"]).read(SYSLOG)).hexdigest().encode(),
                             hashlib.sha256(new).hexdigest().encode())
        if n == "manifest.json":
            m = json.loads(d)
            for it in m["items"]:
                if it["id"] == "E000008":
                    it["sha256"], it["size"] = hashlib.sha256(new).hexdigest(), len(new)
            return json.dumps(m, ensure_ascii=False, indent=1, sort_keys=True).encode()
        return d

    bad = tmp_path / "forged.zip"
    rewrite(bundles["signed"], bad, forge)
    res = verify_bundle(bad, public_key=bundles["pub"])
    assert res.signature == "invalid"
    assert "chữ ký của SHA256SUMS KHÔNG hợp lệ (SHA256SUMS bị sửa hoặc khóa khác)" in res.problems
    assert "E000008: SHA-256 trong danh mục khác với nhật ký chuỗi lưu giữ" in res.problems
    res = verify_bundle(bundles["plain"], public_key=bundles["pub"])
    assert res.problems == ["gói không có chữ ký (SHA256SUMS.sig) dù đã đưa khóa công khai"]


def test_encrypted_bundle(bundles, tmp_path):
    """A standard 7z archive, AES-256 with encrypted headers: nothing readable without the passphrase."""
    path = bundles["enc"]
    raw = path.read_bytes()
    assert raw[:6] == b"7z\xbc\xaf\x27\x1c"
    assert "Cẩm Xuyên".encode() not in raw and b"syslog" not in raw and b"manifest" not in raw
    res = verify_bundle(path, passphrase="Mật khẩu đủ dài 2026!", public_key=bundles["pub"])
    assert res.ok and res.encrypted and res.signature == "valid" and res.items == 9, res.problems
    with pytest.raises(BundlePassphraseError, match="cần mật khẩu"):
        verify_bundle(path)
    with pytest.raises(BundlePassphraseError, match="sai mật khẩu"):
        verify_bundle(path, passphrase="sai")
    assert verify_main(path, passphrase="sai", out=io.StringIO(), err=io.StringIO()) == 2
    out = tmp_path / "x"
    written = extract_bundle(path, out, passphrase="Mật khẩu đủ dài 2026!")
    assert (out / SYSLOG).read_bytes().startswith(b"Jan 22 07:52:33")
    assert {p.relative_to(out).as_posix() for p in written} >= {"SHA256SUMS", "SHA256SUMS.sig", "README.txt", SYSLOG}
    # one flipped byte of the ciphertext: 7z's AES stream no longer decrypts to what the lists say
    bad = tmp_path / "enc-bad.7z"
    data = bytearray(raw)
    data[64] ^= 0x01
    bad.write_bytes(bytes(data))
    try:
        res = verify_bundle(bad, passphrase="Mật khẩu đủ dài 2026!")
    except UnreadableInput:
        pass                                        # the damaged stream does not decrypt at all
    else:
        assert not res.ok and res.problems


def test_encrypted_bundle_opens_with_7z(bundles, tmp_path):
    """The `7z` command (p7zip) opens it with the passphrase alone, and the standard route then passes."""
    import shutil
    import subprocess

    seven = shutil.which("7z")
    if seven is None:
        pytest.skip("the 7z command is not installed (p7zip-full; scripts/setup.sh --test installs it)")
    listing = subprocess.run([seven, "l", "-pwrong", str(bundles["enc"])], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL)
    assert listing.returncode != 0 and "manifest.json" not in listing.stdout      # names are encrypted too
    out = tmp_path / "goi"
    done = subprocess.run([seven, "x", "-pMật khẩu đủ dài 2026!", f"-o{out}", str(bundles["enc"])],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / SYSLOG).read_bytes().startswith(b"Jan 22 07:52:33")
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    sig = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(bundles["pub"]), "-rawin",
                          "-in", "SHA256SUMS", "-sigfile", "SHA256SUMS.sig"], cwd=out, capture_output=True, text=True)
    assert sig.returncode == 0 and "Signature Verified Successfully" in sig.stdout


def make_zip(path, members):
    """members: list of (name, data, mode or None)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


@pytest.mark.parametrize("members, words", [
    ([("manifest.json", b"{}", None), ("../../etc/cron.d/x", b"x", None)], "vượt ra ngoài"),
    ([("manifest.json", b"{}", None), ("/etc/passwd", b"x", None)], "đường dẫn tuyệt đối"),
    ([("manifest.json", b"{}", None), ("C:/Windows/x", b"x", None)], "đường dẫn tuyệt đối"),
    ([("manifest.json", b"{}", None), ("evidence\\..\\x", b"x", None)], "dấu '\\'"),
    ([("manifest.json", b"{}", None), ("link", b"/etc/shadow", stat.S_IFLNK | 0o777)], "liên kết tượng trưng"),
    ([("manifest.json", b"{}", None), ("a.txt", b"1", None), ("a.txt", b"2", None)], "tên trùng lặp"),
    ([("manifest.json", b"{}", None), ("bomb.bin", b"\0" * (24 << 20), None)], "nghi zip bomb"),
])
def test_hostile_zips_refused(tmp_path, members, words):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # zipfile warns about the duplicate name
        path = make_zip(tmp_path / "h.zip", members)
    with pytest.raises(BundleRefused) as info:
        verify_bundle(path)
    assert words in str(info.value)
    dest = tmp_path / "dest"
    with pytest.raises(BundleRefused):
        extract_bundle(path, dest)
    assert list(dest.iterdir()) == [] if dest.exists() else True
    assert verify_main(path, out=io.StringIO(), err=io.StringIO()) == 2


def test_overlapping_members_refused(tmp_path):
    path = make_zip(tmp_path / "o.zip", [("manifest.json", b"{}" * 100, None), ("b.txt", b"y" * 100, None)])
    raw = bytearray(path.read_bytes())
    cd = [i for i in range(len(raw)) if raw[i:i + 4] == b"PK\x01\x02"]
    struct.pack_into("<I", raw, cd[1] + 42, 0)       # b.txt's header offset -> manifest.json's data
    path.write_bytes(bytes(raw))
    with pytest.raises(BundleRefused, match="chồng lên nhau"):
        verify_bundle(path)


def test_unreadable_inputs(tmp_path, bundles):
    notzip = tmp_path / "n.zip"
    notzip.write_bytes(b"this is not a zip file" * 10)
    with pytest.raises(UnreadableInput, match="không phải gói ZIP"):
        verify_bundle(notzip)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(bundles["plain"].read_bytes()[:4000])
    with pytest.raises(UnreadableInput):
        verify_bundle(cut)
    with pytest.raises(UnreadableInput, match="không có tệp"):
        verify_bundle(tmp_path / "nope.zip")
    other = make_zip(tmp_path / "other.zip", [("a.txt", b"a", None)])
    with pytest.raises(UnreadableInput, match="không có manifest.json"):
        verify_bundle(other)


def test_extract_writes_only_inside_dest(bundles, tmp_path):
    dest = tmp_path / "out"
    written = extract_bundle(bundles["plain"], dest)
    assert all(p.resolve().is_relative_to(dest.resolve()) for p in written)
    sums = (dest / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        sha, name = line.split("  ", 1)
        assert hashlib.sha256((dest / name).read_bytes()).hexdigest() == sha
    with pytest.raises(FileExistsError):          # never overwrites
        extract_bundle(bundles["plain"], dest)


def test_store_tampering_is_reported_at_build(case, tmp_path):
    rec = case.get_evidence("E000002")
    p = case.evidence_path(rec)
    p.chmod(0o644)
    p.write_bytes(p.read_bytes().replace(b"nginx", b"NGINX"))
    warnings: list[str] = []
    build_bundle(case, tmp_path / "b.zip", warnings=warnings, include_reports=False, include_timeline=False)
    assert any(w.startswith("E000002: nội dung trong kho không khớp SHA-256") for w in warnings)
    res = verify_bundle(tmp_path / "b.zip")
    assert any(p.startswith("E000002 (evidence/E000002-roles.json): SHA-256 không khớp") for p in res.problems)


def _run(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def test_cli_bundle(case, tmp_path, capsys):
    from desktop.commands import bundle as cmd

    assert _run(cmd, ["--gen-key", str(tmp_path / "doi")]) == 0
    assert (tmp_path / "doi.key").stat().st_mode & 0o077 == 0
    assert _run(cmd, ["--gen-key", str(tmp_path / "doi")]) == 2           # never overwrites a key
    capsys.readouterr()
    (tmp_path / "pass.txt").write_text("bí mật 123\n", encoding="utf-8")
    out = tmp_path / "goi.zip"
    assert _run(cmd, ["--case", str(case.path), "--out", str(out), "--sign-key", str(tmp_path / "doi.key"),
                      "--passphrase-file", str(tmp_path / "pass.txt"), "--no-timeline"]) == 0
    printed = capsys.readouterr().out
    sha = printed.split("SHA-256: ")[1].split()[0]
    out = out.with_suffix(".7z")                        # encrypted: a 7z archive, named so
    assert printed.splitlines()[0] == str(out)
    assert sha == hashlib.sha256(out.read_bytes()).hexdigest()
    last = case.custody.entries()[-1]
    assert last["action"] == "export" and last["details"]["bundle_sha256"] == sha and last["details"]["encrypted"]
    assert verify_main(out, public_key=tmp_path / "doi.pub", passphrase="bí mật 123",
                       out=io.StringIO(), err=io.StringIO()) == 0
    assert _run(cmd, ["--case", str(tmp_path / "missing"), "--out", str(out)]) == 2
    # `ungcuu extract` reads it back with the passphrase; without it, exit 2 and nothing written
    from desktop.cli import main as ungcuu

    assert ungcuu(["extract", str(out), str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").iterdir())
    assert ungcuu(["extract", str(out), str(tmp_path / "ext"), "--passphrase-file", str(tmp_path / "pass.txt")]) == 0
    assert (tmp_path / "ext" / "SHA256SUMS.sig").is_file() and (tmp_path / "ext" / "manifest.json").is_file()
    assert ungcuu(["extract", str(out), str(tmp_path / "ext"), "--passphrase-file", str(tmp_path / "pass.txt")]) == 2


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs: a real full disk (needs root; skipped elsewhere)."""
    import os
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and tmpfs to simulate a full disk")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


@pytest.mark.root
def test_disk_full_leaves_no_partial_file(case, tiny_disk):
    from collectors.errors import DestinationFull
    from reports.render import render_report

    before = len(case.custody.entries())
    with pytest.raises(DestinationFull, match="đĩa đầy"):
        build_bundle(case, tiny_disk / "b.zip")          # the reports alone exceed 64 KiB
    assert list(tiny_disk.iterdir()) == []                # the partial bundle was removed
    import os

    fd = os.open(tiny_disk / "filler", os.O_WRONLY | os.O_CREAT)   # fill the disk: not even a small PDF fits
    with pytest.raises(OSError):
        while True:
            os.write(fd, b"\0" * 4096)
    os.close(fd)
    with pytest.raises(DestinationFull):
        render_report(case, "findings", "pdf", tiny_disk / "f.pdf")
    assert [p.name for p in tiny_disk.iterdir()] == ["filler"]
    assert len(case.custody.entries()) == before          # nothing logged for exports that failed


def test_hostile_7z_names_refused_before_anything_is_written(tmp_path):
    import py7zr

    path = tmp_path / "h.7z"
    with py7zr.SevenZipFile(path, "w", password="pw", header_encryption=True) as z:
        z.writestr(b"{}", "manifest.json")
        z._writestr(b"x", "../../etc/cron.d/x")          # the public writer refuses such a name: forge it
    with pytest.raises(BundleRefused, match="vượt ra ngoài"):
        verify_bundle(path, passphrase="pw")
    dest = tmp_path / "dest"
    with pytest.raises(BundleRefused):
        extract_bundle(path, dest, passphrase="pw")
    assert not dest.exists() and not (tmp_path.parent / "etc").exists()
    assert verify_main(path, passphrase="pw", out=io.StringIO(), err=io.StringIO()) == 2
