"""C2 file-system timeline: the bodyfile of a fake root, its hashes and notable files, folder access times
left alone, hostile names, resume after a cancel, and a 100,000-file folder in flat memory."""
from __future__ import annotations

import hashlib
import os
import shutil
import threading
import tracemalloc

from analysis.events import ParseReport
from analysis.parsers import bodyfile
from collectors.artifacts import _linux_fs as lfs
from collectors.artifacts.fs_timeline import FileHash, FsNotable, FsTimeline, capabilities

from .conftest import run_collector

OLD = 1_000_000_000  # 2001: older than any mtime, so a plain listing would update it (relatime)


def plant(root):
    (root / "usr/bin").mkdir(parents=True)
    (root / "tmp").mkdir()
    (root / "etc").mkdir()
    (root / "proc/1").mkdir(parents=True)
    (root / "proc/1/status").write_text("never walked")
    (root / "usr/bin/tool").write_bytes(b"#!/bin/sh\necho tool\n")
    os.chmod(root / "usr/bin/tool", 0o755)
    shutil.copy("/bin/sh", root / "tmp/.sh")
    os.chmod(root / "tmp/.sh", 0o4755)
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n")
    (root / "var/www").mkdir(parents=True)
    (root / "var/www/x.php").write_text("<?php eval($_POST[1]);")
    (root / os.fsdecode(b"tmp/bad\xffname")).write_bytes(b"x")
    (root / "tmp/esc\x1b[31mred|pipe").write_bytes(b"y")
    for d in ("usr", "usr/bin", "tmp", "etc"):
        os.utime(root / d, (OLD, os.stat(root / d).st_mtime))


def test_bodyfile_hashes_notable_and_atime(tmp_path, case):
    root = tmp_path / "root"
    plant(root)
    ran = run_collector(case, FsTimeline(), root=root, checklist_id="B9")
    body = ran.text("bodyfile-")
    report = ParseReport()
    events = list(bodyfile.parse(enumerate(body.splitlines(), 1), report))
    paths = {e.fields["path"] for e in events}
    assert report.skipped == 0 if hasattr(report, "skipped") else True
    assert {"/usr/bin/tool", "/tmp/.sh", "/etc/hosts", "/usr", "/proc"} <= paths
    assert "/proc/1/status" not in paths  # /proc is never walked
    assert "/tmp/bad\\xffname" in paths  # not UTF-8: the bytes shown as \xNN
    assert "/tmp/esc\x1b[31mred|pipe" in paths  # escape sequence and '|' read back exactly
    tool = next(e for e in events if e.fields["path"] == "/usr/bin/tool")
    st = lfs.statx_path(root / "usr/bin/tool")
    assert tool.fields["inode"] == str(st.ino) and tool.fields["mode"] == "r/rrwxr-xr-x"
    if st.btime_ns:
        assert any(e.fields["path"] == "/usr/bin/tool" and "b" in e.fields["macb"] for e in events)
    hashes = {h.path: h for h in ran.rows("fs_hashes-", FileHash)}
    assert hashes["/usr/bin/tool"].sha256 == hashlib.sha256(b"#!/bin/sh\necho tool\n").hexdigest()
    assert hashes["/tmp/.sh"].why == "suid"
    assert "/tmp/bad\\xffname" not in hashes  # every file of a temp folder is hashed by temp_dirs instead
    assert hashes["/var/www/x.php"].why == "suspect location"
    assert "/etc/hosts" not in hashes  # not executable, not in a suspect location
    notable = ran.rows("fs_notable-", FsNotable)
    kinds = {(n.path, n.kind) for n in notable}
    assert {("/tmp/.sh", "suid"), ("/tmp/.sh", "hidden"), ("/tmp/.sh", "temp_executable"),
            ("/tmp/bad\\xffname", "odd_name"), ("/tmp/esc\x1b[31mred|pipe", "odd_name")} <= kinds
    suid = next(n for n in notable if n.kind == "suid")
    assert suid.sha256 == hashlib.sha256(open("/bin/sh", "rb").read()).hexdigest()
    for d in ("usr", "usr/bin", "tmp", "etc"):
        assert os.stat(root / d).st_atime == OLD, f"{d}: folder access time changed by the walk"


def test_capabilities_decoded():
    raw = bytes.fromhex("01000002" "00200000" "00000000" "00000000" "00000000")  # v2, effective, net_raw
    assert capabilities(raw) == "cap_net_raw+ep"


def test_cancel_then_resume_walks_only_what_is_left(tmp_path, case):
    root = tmp_path / "root"
    plant(root)
    for i in range(30):
        (root / f"d{i:02d}").mkdir()
        (root / f"d{i:02d}/f").write_text("x")
    cancel = threading.Event()
    ctx_events = []
    from collectors.base import Context
    rid = case.start_run(profile=None, items=["B9"], root=str(root), argv=None)
    ctx = Context(case, run_id=rid, checklist_id="B9", root=root, cancel=cancel, collector_name="fs_timeline")
    for ev in FsTimeline().collect(ctx):
        ctx_events.append(ev)
        if getattr(ev, "name", "") == "bodyfile-d03.body":
            cancel.set()
    case.record_outcome(rid, "B9", "interrupted", "cancelled", len(ctx.stored), None)
    case.finish_run(rid, "cancelled")
    done = {r.name for r in ctx.stored if r.name.startswith("bodyfile-")}
    assert "bodyfile-d03.body" in done and "bodyfile-d10.body" not in done
    rid2 = case.start_run(profile=None, items=["B9"], root=str(root), argv=None)
    ran = run_collector(case, FsTimeline(), root=root, checklist_id="B9", run_id=rid2)
    bodies = ran.named("bodyfile-")
    assert {r.name for r in bodies} >= {f"bodyfile-d{i:02d}.body" for i in range(30)}
    reused = [r for r in bodies if r.run_id != rid2]
    assert {r.name for r in reused} == done  # parts finished before the cancel are not walked again


def test_hundred_thousand_files_flat_memory(tmp_path, case):
    root = tmp_path / "root"
    big = root / "data/many"
    big.mkdir(parents=True)
    fd = os.open(big, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(100_000):
            os.close(os.open(f"f{i:06d}", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    tracemalloc.start()
    ran = run_collector(case, FsTimeline(), root=root, checklist_id="B9",
                        options={"hash_max_bytes": 1 << 20})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    body = ran.text("bodyfile-data")
    assert body.count("\n") == 100_001  # /data/many and its files (/data itself is in the root part)
    assert peak < 60 << 20, f"peak Python memory {peak / 1e6:.1f} MB for 100,000 files"
