"""The Linux collectors that walk folders (fs_timeline, temp_dirs, boot_files, web roots, /etc, SSH files,
containers, ld.so.preload, anacron) read an ext4 image made with mkfs.ext4 -d from a planted fake root and
give the same records as from the fake root itself."""
from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
from linux.test_config_access_containers_web import build

from collectors import records
from collectors.artifacts.boot_files import BootFiles
from collectors.artifacts.containers import Containers
from collectors.artifacts.etc_tree import EtcTree
from collectors.artifacts.fs_timeline import FsTimeline
from collectors.artifacts.kernel_state import KernelState
from collectors.artifacts.sysctl_state import SysctlState
from collectors.artifacts.temp_dirs import TempDirs
from collectors.artifacts.user_access import UserAccess
from collectors.artifacts.web_servers import WebServers
from collectors.base import Context, Incomplete
from collectors.case import Case, EvidenceRecord
from collectors.sources.images import open_image

from .conftest import ext4_disk

# What an image made by mkfs.ext4 -d cannot hold as the folder does: the birth time is when mkfs wrote the
# inode, the access time of a folder changes when mkfs reads it, inode numbers are new, and times are
# copied to the second (compared to the second below); a folder's size is its file system's block size.
VARIES = {"btime", "atime", "inode", "device", "read_from", "id", "evidence_id", "config_evidence",
          "log_evidence", "_m", "_c"}
COLLECTORS = [FsTimeline, TempDirs, BootFiles, WebServers, EtcTree, UserAccess, Containers, KernelState,
              SysctlState]


def _plant(root):
    build(root)
    (root / "tmp/.x").mkdir(parents=True)
    (root / "tmp/.x/updater").write_bytes(b"#!/bin/sh\nxmrig\n")
    os.chmod(root / "tmp/.x/updater", 0o755)
    (root / "tmp/notes.txt").write_bytes(b"staged\n")
    (root / "tmp/link").symlink_to("/etc/passwd")
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/libhide.so").write_bytes(b"\x7fELF hider")
    (root / "etc/ld.so.preload").write_text("/usr/lib/libhide.so\n")
    (root / "var/spool/anacron").mkdir(parents=True)
    (root / "var/spool/anacron/cron.daily").write_text("20261130\n")
    (root / "boot/vmlinuz").symlink_to("vmlinuz-6.1.0")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    d = tmp_path_factory.mktemp("planted")
    root = d / "root"
    root.mkdir()
    _plant(root)
    return root, ext4_disk(d, root, size_mb=24)


ISO = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d+Z$")


def _scrub(obj):
    if isinstance(obj, dict):
        folder = obj.get("type") == "dir" or str(obj.get("mode", "")).startswith("d")
        return {k: _scrub(v) for k, v in obj.items() if k not in VARIES and not (folder and k == "size")}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    if isinstance(obj, str) and ISO.match(obj):
        return ISO.sub(r"\1Z", obj)
    return obj


def _body_line(line: str) -> str:
    """A bodyfile line without its inode, access and birth times (see VARIES), times to the second."""
    f = line.split("|")
    if f[3].startswith("d"):
        f[6] = "(folder size: a property of the file system)"
    return "|".join(f[:2] + f[3:7] + [t.split(".")[0] for t in f[8:10]])


def _collect(coll, case, root) -> dict:
    ctx = Context(case, run_id=None, checklist_id="B4", root=root, collector_name=coll.name,
                  collector_version=coll.version)
    assert coll.why_not(ctx) is None, coll.name
    out: dict = {}
    for ev in coll.collect(ctx):
        if isinstance(ev, Incomplete):
            out.setdefault("notes", []).append(ev.reason)
        if not isinstance(ev, EvidenceRecord):
            continue
        data = case.evidence_path(ev).read_bytes()
        if ev.kind == "api" and ev.name.endswith(".json"):
            out[ev.name] = _scrub(records.rows_of(json.loads(data)))
        elif ev.name.endswith(".body"):
            out[ev.name] = sorted(_body_line(x) for x in data.decode("utf-8", "surrogateescape").splitlines())
        else:
            out[f"{ev.source} ({ev.kind})"] = ev.sha256
    return out


@pytest.mark.parametrize("cls", COLLECTORS, ids=lambda c: c.name)
def test_same_records_from_the_image_as_from_the_folder(tmp_path, planted, cls):
    root, disk = planted
    coll = cls()
    with Case.create(tmp_path / "folder", examiner="t") as case:
        from_folder = _collect(coll, case, root)
    with open_image(disk) as img, Case.create(tmp_path / "image", examiner="t") as case:
        from_image = _collect(coll, case, img.root())
    assert from_folder, cls.name
    notes_folder = from_folder.pop("notes", [])
    notes_image = from_image.pop("notes", [])
    # mkfs made /lost+found, which the planted folder does not have
    from_image = {k: [x for x in v if "/lost+found" not in x] if k == "bodyfile-root.body" else v
                  for k, v in from_image.items() if "lost+found" not in k}
    assert from_image == from_folder
    assert [n for n in notes_image if "statx" not in n] == [n for n in notes_folder if "statx" not in n]


def test_the_image_walk_reads_what_was_planted(tmp_path, planted):
    """The comparison above is not between two empty results: the image's records hold the planted files."""
    _root, disk = planted
    with open_image(disk) as img, Case.create(tmp_path / "image", examiner="t") as case:
        temp = _collect(TempDirs(), case, img.root())["temp_entries.json"]
        boot = _collect(BootFiles(), case, img.root())["boot_files.json"]
        body = _collect(FsTimeline(), case, img.root())
        web = _collect(WebServers(), case, img.root())["web_files.json"]
    by_path = {r["path"]: r for r in temp}
    assert by_path["/tmp/.x/updater"]["executable"] is True
    assert by_path["/tmp/link"]["link_target"] == "/etc/passwd"
    assert by_path["/tmp/notes.txt"]["sha256"] == hashlib.sha256(b"staged\n").hexdigest()
    assert {r["path"]: r.get("link_target") for r in boot}["/boot/vmlinuz"] == "vmlinuz-6.1.0"
    assert any("/srv/shop/public/uploads/cmd.php" in line for line in body["bodyfile-srv.body"])
    assert [w["path"] for w in web if w["script"]] == ["/srv/shop/public/index.php",
                                                       "/srv/shop/public/uploads/cmd.php"]


def test_ungcuu_collect_of_the_image_runs_them(tmp_path, planted):
    """`ungcuu collect --root IMAGE`: the walking collectors run on the image (no refusal), and their
    records are in the case."""
    import subprocess
    import sys
    from pathlib import Path

    _root, disk = planted
    repo = Path(__file__).resolve().parents[2]
    res = subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", "collect", "--case", str(tmp_path / "c"),
                          "--root", str(disk)], cwd=repo, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "mount the image" not in res.stdout + res.stderr
    with Case.open(tmp_path / "c") as case:
        names = {r.name for r in case.evidence()}
    assert {"bodyfile-tmp.body", "temp_entries.json", "boot_files.json", "web_files.json", "etc_secrets.json",
            "ssh_keys.json", "containers.json", "ld_preload.json"} <= names
