"""Evidence that survives kill -9, a full disk and interrupted or simultaneous creation.

Each crash is real: a child process stops at the dangerous point (collectors/faults.py) and the test
kills it with SIGKILL; the case is then opened and verified as the responder would.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from collectors.case import Case
from collectors.errors import CaseNotFound
from collectors.verify import verify_case
from desktop.cli import main

REPO = Path(__file__).resolve().parents[2]

_STORE = """
import sys
sys.path.insert(0, {repo!r})
from collectors.case import Case
c = Case.open({case!r}, affected_root="")
c.add_json({{"pid": 4242, "name": "xmrig"}}, checklist_id="B8", name="processes.json", source="psutil",
           collector="processes")
print("stored")
"""


def _killed_at(point: str, script: str, tmp_path: Path, *, stdin=None) -> subprocess.Popen:
    """Start `script`, wait until it pauses at fault point `point`, then SIGKILL it."""
    signal_file = tmp_path / f"reached-{point}"
    env = dict(os.environ, UNGCUU_FAULT_PAUSE=point, UNGCUU_FAULT_SIGNAL=str(signal_file))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not signal_file.exists():
        if proc.poll() is not None:
            pytest.fail(f"the child ended before {point}: {proc.stderr.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the child never reached {point}")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    return proc


@pytest.fixture
def case_dir(tmp_path):
    c = Case.create(tmp_path / "case", examiner="tester", affected_root="")
    c.add_bytes(b"before the crash", checklist_id="B2", name="system.json", source="api", collector="t")
    c.close()
    return tmp_path / "case"


@pytest.mark.parametrize("point", ["store-pending", "store-renamed"])
def test_a_kill_between_placing_and_indexing_is_adopted_not_reported_as_planted(case_dir, tmp_path, capsys, point):
    """store-renamed: the content is in evidence/ but its row is not committed (the '1 kill in 5' of the
    fault matrix); store-pending: the row is pending and the content still in tmp/. Either way the
    volatile process list is indexed on open, logged, and verify finds nothing wrong."""
    _killed_at(point, _STORE.format(repo=str(REPO), case=str(case_dir)), tmp_path)
    con = sqlite3.connect(case_dir / "case.sqlite")
    assert con.execute("SELECT COUNT(*) FROM evidence").fetchone()[0] == 1  # the kill left it unindexed
    assert con.execute("SELECT COUNT(*) FROM store_pending").fetchone()[0] == 1
    con.close()

    capsys.readouterr()
    assert main(["--lang", "en", "verify", str(case_dir)]) == 0
    out, err = capsys.readouterr()
    assert "unexpected" not in out and out == ""
    assert "reconciled an interruption" in err and "1 indexed after an interrupted store" in err

    c = Case.open(case_dir, affected_root="")
    rec = c.latest("processes.json")
    assert rec is not None and c.read_json(rec) == {"pid": 4242, "name": "xmrig"}
    entries = c.custody.entries()
    reconcile = [e for e in entries if e["action"] == "reconcile"]
    assert len(reconcile) == 1 and reconcile[0]["details"]["adopted"][0]["id"] == rec.id
    adopted = [e for e in entries if e["target"] == rec.id][0]
    assert adopted["action"] == "collect" and "interrupted store" in adopted["details"]["recovered"]
    assert not list((case_dir / "tmp").glob("*.part"))
    assert c.db.execute("SELECT COUNT(*) FROM store_pending").fetchone()[0] == 0
    c.close()
    assert verify_case(case_dir, log=False).ok


_STREAM = """
import sys
sys.path.insert(0, {repo!r})
from collectors.case import Case
c = Case.open({case!r}, affected_root="")
c.add_stream(sys.stdin.buffer, checklist_id="B10", name="huge.log", source="/var/log/huge.log", collector="t")
"""


def test_a_kill_during_the_copy_leaves_a_fragment_that_opening_removes_and_logs(case_dir, tmp_path):
    r, w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", _STREAM.format(repo=str(REPO), case=str(case_dir))],
                            stdin=r, stderr=subprocess.PIPE)
    os.close(r)
    os.write(w, b"x" * (1 << 20))  # the copy is under way, the source is still open
    deadline = time.monotonic() + 60
    while not any(f.stat().st_size for f in (case_dir / "tmp").glob("*.part")):
        assert time.monotonic() < deadline and proc.poll() is None, "the copy never started"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    os.close(w)
    parts = list((case_dir / "tmp").glob("*.part"))
    assert parts

    c = Case.open(case_dir, affected_root="")
    assert not list((case_dir / "tmp").glob("*.part"))
    removed = c.recovered["removed_parts"]
    assert [p["name"] for p in removed] == [f"tmp/{parts[0].name}"] and removed[0]["size"] >= 1 << 20
    assert c.custody.entries()[-1]["action"] == "reconcile"
    c.close()
    assert verify_case(case_dir, log=False).ok


def test_a_case_open_elsewhere_is_not_reconciled_under_its_writer(case_dir):
    """A second opener must not adopt or delete what a live writer is in the middle of storing."""
    live = Case.open(case_dir, affected_root="")
    fragment = case_dir / "tmp" / "0123456789abcdef.part"
    fragment.write_bytes(b"a copy in progress")
    other = Case.open(case_dir, affected_root="")
    assert fragment.exists() and other.recovered == {}
    other.close()
    live.close()
    third = Case.open(case_dir, affected_root="")
    assert not fragment.exists()
    third.close()


_CREATE = """
import sys
sys.path.insert(0, {repo!r})
from collectors.case import Case
Case.create({case!r}, affected_root="")
"""


def test_a_killed_creation_leaves_nothing_that_looks_like_a_case(tmp_path):
    target = tmp_path / "new-case"
    _killed_at("create-built", _CREATE.format(repo=str(REPO), case=str(target)), tmp_path)
    assert not target.exists()
    assert list(tmp_path.glob(".new-case.creating-*"))  # the half-built case, hidden beside it
    c = Case.create(target, examiner="t", affected_root="")
    assert not list(tmp_path.glob(".new-case.creating-*"))  # removed: no creation holds it
    c.close()
    assert verify_case(target, log=False).ok


def test_a_folder_left_by_an_interrupted_creation_is_not_yet_a_case(tmp_path):
    """What an older version left when killed during creation: case.sqlite without a schema version,
    empty evidence/ and tmp/. Opening says so plainly; collecting into it creates the case."""
    d = tmp_path / "case"
    (d / "evidence").mkdir(parents=True)
    (d / "tmp").mkdir()
    con = sqlite3.connect(d / "case.sqlite")
    con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.commit()
    con.close()
    with pytest.raises(CaseNotFound, match="not a case yet"):
        Case.open(d, affected_root="")
    c = Case.create(d, examiner="t", affected_root="")
    create = c.custody.entries()[0]
    assert create["action"] == "create" and "case.sqlite" in create["details"]["replaced_unfinished_creation"]
    c.close()
    assert verify_case(d, log=False).ok
    # A folder with evidence in it is never taken for an unfinished creation.
    (tmp_path / "other" / "evidence" / "ab").mkdir(parents=True)
    (tmp_path / "other" / "evidence" / "ab" / "abcd").write_bytes(b"x")
    (tmp_path / "other" / "case.sqlite").write_bytes(b"")
    with pytest.raises(Exception, match="cannot be read"):
        Case.create(tmp_path / "other", examiner="t", affected_root="")
    assert (tmp_path / "other" / "evidence" / "ab" / "abcd").read_bytes() == b"x"


_RACE = """
import sys, time
sys.path.insert(0, {repo!r})
from collectors.case import Case
start = float(sys.argv[1])
while time.time() < start:
    pass
c = Case.create({case!r}, affected_root="")
print(c.case_id)
c.close()
"""


@pytest.mark.parametrize("existing_empty", [False, True])
def test_collects_starting_on_one_new_folder_at_the_same_instant_share_one_case(tmp_path, existing_empty):
    target = tmp_path / "case"
    if existing_empty:
        target.mkdir()
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", _RACE.format(repo=str(REPO), case=str(target)), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    ids = set()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        ids.add(out.decode().strip())
    assert len(ids) == 1
    res = verify_case(target, log=False)
    assert res.ok, res.problems
    c = Case.open(target, affected_root="")
    assert [e["action"] for e in c.custody.entries()] == ["create"]
    c.close()
    assert not list(tmp_path.glob(".case.creating-*"))


# ------------------------------------------------------------------ a real small disk
def _tmpfs(path: Path, size: str) -> str | None:
    """Mount a tmpfs; returns why it cannot (for the skip), or None."""
    path.mkdir()
    if os.geteuid() != 0:
        return "mounting a small tmpfs needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return None if proc.returncode == 0 else f"mount -t tmpfs failed: {proc.stderr.decode().strip()}"


def _fill(mnt: Path, leave: int) -> None:
    """Fill the file system until `leave` bytes (or less) are free."""
    with open(mnt / "filler", "wb") as fh:
        while True:
            st = os.statvfs(mnt)
            free = st.f_bavail * st.f_frsize
            if free <= leave:
                break
            fh.write(b"\0" * min(1 << 16, free - leave))
            fh.flush()


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "usb"
    why = _tmpfs(mnt, "8m")
    if why:
        pytest.skip(why)
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.parametrize("free", [0, 16 << 10, 64 << 10])
def test_64k_or_less_free_gives_a_clear_message_and_a_case_that_opens_again(small_disk, tmp_path, capsys, free):
    # A new case on the full disk: a plain "full", and nothing left behind.
    _fill(small_disk, free)
    capsys.readouterr()
    code = main(["--lang", "en", "collect", "--case", str(small_disk / "new"), "--only", "B2"])
    err = capsys.readouterr().err
    assert code != 0 and "is full" in err and "OperationalError" not in err and "Traceback" not in err
    assert not (small_disk / "new").exists() or not any((small_disk / "new").iterdir())
    assert not list(small_disk.glob(".new.creating-*"))

    # An existing case on a disk that fills up: the same, and the case opens and verifies afterwards.
    (small_disk / "filler").unlink()
    c = Case.create(small_disk / "case", examiner="t", affected_root="")
    c.add_bytes(b"stored before the disk filled", checklist_id="B2", name="a", source="s", collector="t")
    c.close()
    _fill(small_disk, free)
    capsys.readouterr()
    code = main(["--lang", "en", "collect", "--case", str(small_disk / "case"), "--only", "B2,B8"])
    err = capsys.readouterr().err
    assert code != 0 and "is full" in err and "OperationalError" not in err and "Traceback" not in err
    copy = tmp_path / "bigger-disk" / "case"
    shutil.copytree(small_disk / "case", copy)
    res = verify_case(copy, log=False)
    assert res.ok, res.problems
    assert res.checked_items >= 1
    Case.open(copy, affected_root="").close()


_LOGS = """\
version: 1
profiles:
  triage: [B10]
items:
  - {id: B10, label_vi: Log, label_en: Logs, volatility: 5, os: [linux], needs_admin: false,
     changes_system: false, collectors: [copy_logs]}
"""


def test_a_disk_full_stop_leaves_the_item_resumable_and_the_rerun_finishes_it(small_disk, tmp_path, fake_registry):
    from collectors import checklist
    from collectors.base import Collector
    from collectors.runner import ItemFinished, RunFinished, run_checklist

    src = tmp_path / "logs"
    src.mkdir()
    for i in range(12):
        (src / f"app{i:02d}.log").write_bytes(os.urandom(600_000))

    class CopyLogs(Collector):
        name = "copy_logs"

        def collect(self, ctx):
            for f in sorted(src.iterdir()):
                yield ctx.put_file(f)

    fake_registry({"copy_logs": CopyLogs()})
    cl = checklist.parse(_LOGS, known_collectors={"copy_logs"})
    c = Case.create(small_disk / "case", examiner="t", affected_root="")
    _fill(small_disk, 2_500_000)
    events = list(run_checklist(c, cl, only=["B10"]))
    c.close()
    first = [e for e in events if isinstance(e, ItemFinished)][0]
    assert first.state == "interrupted" and "full" in first.reason, first
    assert 0 < first.evidence_count < 12
    assert isinstance(events[-1], RunFinished) and events[-1].state == "failed"

    # The responder copies the case to a bigger disk and runs the same command again.
    copy = tmp_path / "bigger" / "case"
    shutil.copytree(small_disk / "case", copy)
    c = Case.open(copy, affected_root="")
    events = list(run_checklist(c, cl, only=["B10"]))
    again = [e for e in events if isinstance(e, ItemFinished)][0]
    assert again.state == "collected" and events[-1].state == "completed"
    assert sorted(r.name for r in c.evidence("B10")) == sorted(f.name for f in src.iterdir())
    c.close()
    assert verify_case(copy, log=False).ok


def test_partial_from_the_source_stays_done(case_dir, fake_registry):
    from collectors import checklist
    from collectors.base import Collector
    from collectors.runner import ItemFinished, run_checklist

    class Hidden(Collector):
        name = "copy_logs"

        def collect(self, ctx):
            yield ctx.put_json("x.json", {}, source="t")
            yield ctx.incomplete("/var/log/secure: permission denied")

    fake_registry({"copy_logs": Hidden()})
    cl = checklist.parse(_LOGS, known_collectors={"copy_logs"})
    c = Case.open(case_dir, affected_root="")
    assert [e.state for e in run_checklist(c, cl, only=["B10"]) if isinstance(e, ItemFinished)] == ["partial"]
    assert [e.state for e in run_checklist(c, cl, only=["B10"]) if isinstance(e, ItemFinished)] == \
        ["collected-earlier"]
    c.close()


def test_a_case_from_before_the_pending_table_stores_while_another_writer_has_it_open(case_dir):
    con = sqlite3.connect(case_dir / "case.sqlite")
    con.execute("DROP TABLE store_pending")
    con.commit()
    con.close()
    first = Case.open(case_dir, affected_root="")  # holds its share of the writer lock
    second = Case.open(case_dir, affected_root="")  # cannot reconcile, must still be able to store
    second.add_bytes(b"x", checklist_id="B2", name="x", source="s", collector="t")
    first.add_bytes(b"y", checklist_id="B2", name="y", source="s", collector="t")
    second.close()
    first.close()
    assert verify_case(case_dir, log=False).ok


def test_a_pending_copy_whose_bytes_changed_is_set_aside_and_logged(case_dir, tmp_path):
    _killed_at("store-pending", _STORE.format(repo=str(REPO), case=str(case_dir)), tmp_path)
    part = next((case_dir / "tmp").glob("*.part"))
    os.chmod(part, 0o644)
    part.write_bytes(b"not what was hashed")
    c = Case.open(case_dir, affected_root="")
    aside = c.recovered["set_aside"]
    assert len(aside) == 1 and aside[0]["name"] == "processes.json"
    assert (case_dir / aside[0]["moved_to"]).read_bytes() == b"not what was hashed"
    assert c.latest("processes.json") is None and c.custody.entries()[-1]["action"] == "reconcile"
    c.close()
    assert verify_case(case_dir, log=False).ok
