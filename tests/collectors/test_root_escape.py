"""`--root` never reads the examiner's own machine: absolute links in the middle of a path (a home, a
config folder, a folder a glob walks into, a Windows folder) resolve inside the root, and names taken from
the examined system (a registry profile path) cannot climb out with '..' (dead-box triage)."""
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


def test_named_pipes_where_files_are_expected_do_not_hang_the_collection(tmp_path):
    """A hostile tree: pipes as /etc/passwd, a unit file, a log and a Windows task. Opening one for
    reading would block forever; each is refused and said so, and the run ends."""
    import subprocess
    import sys

    root = tmp_path / "image"
    for rel in ("etc/systemd/system", "var/log"):
        (root / rel).mkdir(parents=True)
    for rel in ("etc/passwd", "etc/hostname", "etc/systemd/system/evil.service", "var/log/pipe.log"):
        os.mkfifo(root / rel)
    case_dir = tmp_path / "case"
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", "collect", "--case", str(case_dir),
                           "--root", str(root), "--only", "B2,B3,B4,B10"], cwd=repo, capture_output=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    out = proc.stdout.decode()
    assert "/etc/passwd: not a regular file (a device, socket or pipe): not read" in out
    win = tmp_path / "win"
    (win / "Windows/System32/Tasks").mkdir(parents=True)
    os.mkfifo(win / "Windows/System32/Tasks/pipe")
    proc = subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", "collect", "--case", str(tmp_path / "c2"),
                           "--root", str(win), "--only", "B4"], cwd=repo, capture_output=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert "/Windows/System32/Tasks/pipe: not a regular file" in proc.stdout.decode()


def test_a_file_swapped_for_a_link_or_a_pipe_while_it_is_opened(case, tmp_path, monkeypatch):
    """The gap between the check (lstat) and the open: the swapped-in object is never read."""
    import collectors.case as case_mod
    from collectors.errors import SourceError

    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    src = tmp_path / "victim.log"
    real_stat = os.stat

    def swap_after_check(make):
        def fake(path, *a, **k):
            st = real_stat(path, *a, **k)
            if os.fsdecode(path) == str(src) and not k.get("follow_symlinks", True) and not fake.done:
                fake.done = True
                src.unlink()
                make()
            return st
        fake.done = False
        return fake

    for make in (lambda: src.symlink_to(secret), lambda: os.mkfifo(src)):
        if src.exists() or src.is_symlink():
            src.unlink()
        src.write_bytes(b"the file that was checked\n")
        monkeypatch.setattr(case_mod.os, "stat", swap_after_check(make))
        try:
            case.add_file(src, checklist_id="B5", collector="t")
        except SourceError as exc:
            assert "symbolic link" in str(exc) or "replaced while it was being opened" in str(exc)
        else:  # pragma: no cover - the bug
            raise AssertionError("the swapped-in object was read")
        finally:
            monkeypatch.setattr(case_mod.os, "stat", real_stat)
    assert case.evidence() == []


def test_the_host_name_of_an_offline_root_is_read_inside_it(tmp_path):
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    mine = tmp_path / "examiner-hostname"
    mine.write_text("examiner-laptop\n")
    os.symlink(str(mine), root / "etc/hostname")
    ctx = Context(None, run_id=None, checklist_id="B2", root=root)
    assert ctx.host == f"offline root {ctx.root}"
    (root / "etc/hostname").unlink()
    (root / "etc/hostname").write_text("")  # empty: not the examiner's own name either
    ctx = Context(None, run_id=None, checklist_id="B2", root=root)
    assert ctx.host == f"offline root {ctx.root}"
    (root / "etc/hostname").write_text("web01\n")
    assert Context(None, run_id=None, checklist_id="B2", root=root).host == "web01"


def test_add_stops_at_the_total_cap_even_inside_a_file(tmp_path, capsys):
    import json

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.bin").write_bytes(b"a" * 600)
    (src / "b.bin").write_bytes(b"b" * 600)
    (src / "c.bin").write_bytes(b"c" * 600)
    case = str(tmp_path / "case")
    cli.main(["add", "--case", case, "--max-total-bytes", "1000", str(src)])
    capsys.readouterr()
    assert cli.main(["evidence", "--case", case, "--json"]) == 0
    ev = [e for e in json.loads(capsys.readouterr().out) if e["name"].endswith(".bin")]
    assert sum(e["size"] for e in ev) <= 1000
    assert [e["size"] for e in ev] == [600, 400]
