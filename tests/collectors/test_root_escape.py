"""`--root` never reads the examiner's own machine: absolute links in the middle of a path (a home, a
config folder, a folder a glob walks into, a Windows folder) resolve inside the root, and names taken from
the examined system (a registry profile path) cannot climb out with '..' (issue 2: dead-box triage)."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from collectors.base import Context, find_case_insensitive
from collectors.case import Case
from desktop import cli

SECRET = b"the examiner's own file: must never become evidence of the image\n"


def _outside(tmp_path: Path) -> Path:
    """A tree outside the root, laid out like the files the collectors look for."""
    out = tmp_path / "examiner"
    for rel in ("home/bob/.bash_history", "home/bob/.bashrc", "ssh/sshd_config", "cron/job",
                "winevt/Logs/Security.evtx", "Tasks/task", "Users/eve/NTUSER.DAT", "log/secret.log"):
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(SECRET)
    return out


def test_links_in_the_middle_of_a_path_stay_inside_the_root(tmp_path):
    out = _outside(tmp_path)
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    (root / "home").mkdir()
    (root / "var").mkdir()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    (root / "etc/hostname").write_text("web01\n")
    os.symlink(str(out / "home/bob"), root / "home/bob")       # a home moved to another disk
    os.symlink(str(out / "ssh"), root / "etc/ssh")             # /etc/ssh -> an absolute path
    os.symlink(str(out / "cron"), root / "etc/cron.d")         # a folder a glob (/etc/cron.*/*) walks into
    os.symlink(str(out / "log"), root / "var/log")             # /var/log itself
    case_dir = tmp_path / "case"
    assert cli.main(["collect", "--case", str(case_dir), "--root", str(root), "--only", "B2,B4,B10"]) in (0, 1)
    case = Case.open(case_dir, affected_root="")
    try:
        leaked = [r for r in case.evidence() if r.sha256 == hashlib.sha256(SECRET).hexdigest()]
        assert leaked == [], [r.source for r in leaked]
        assert [r.name for r in case.evidence() if r.source == "/etc/passwd" and r.kind == "file"] == ["passwd"]
    finally:
        case.close()


def test_context_path_resolves_the_folders_inside_the_root(tmp_path):
    out = _outside(tmp_path)
    root = tmp_path / "image"
    (root / "data/bob").mkdir(parents=True)
    (root / "data/bob/.bashrc").write_text("inside\n")
    (root / "home").mkdir()
    os.symlink("/data/bob", root / "home/bob")               # absolute: re-based under the root
    os.symlink(str(out / "ssh"), root / "home/ssh")
    os.symlink("/data/bob/.bashrc", root / "home/link")      # the last part stays a link (never followed)
    ctx = Context.__new__(Context)
    ctx.root = root.resolve()
    assert ctx.path("/home/bob/.bashrc") == ctx.root / "data/bob/.bashrc"
    assert ctx.path("/home/bob/.bashrc").read_text() == "inside\n"
    assert not ctx.path("/home/ssh/sshd_config").exists()
    assert ctx.path("/home/link") == ctx.root / "home/link" and ctx.path("/home/link").is_symlink()
    assert ctx.path("/") == ctx.root


def test_windows_paths_follow_no_link_and_no_dot_dot(tmp_path):
    out = _outside(tmp_path)
    root = tmp_path / "win"
    (root / "Windows/System32").mkdir(parents=True)
    (root / "Users/alice").mkdir(parents=True)
    os.symlink(str(out / "winevt"), root / "Windows/System32/winevt")
    os.symlink(str(out / "Tasks"), root / "Windows/System32/Tasks")
    assert find_case_insensitive(root, "windows/system32/WINEVT/Logs") is None
    assert find_case_insensitive(root, "Windows/System32/Tasks") is None
    # a ProfileImagePath such as C:\..\..\examiner\Users\eve read from a hostile SOFTWARE hive
    rel = os.path.relpath(out / "Users/eve", root)
    assert rel.startswith("..")
    assert find_case_insensitive(root, f"{rel}/NTUSER.DAT") is None
    assert find_case_insensitive(root, "users/ALICE") == root / "Users/alice"
    case_dir = tmp_path / "case"
    cli.main(["collect", "--case", str(case_dir), "--root", str(root), "--only", "B4,B10"])
    case = Case.open(case_dir, affected_root="")
    try:
        assert [r.source for r in case.evidence() if r.sha256 == hashlib.sha256(SECRET).hexdigest()] == []
    finally:
        case.close()
