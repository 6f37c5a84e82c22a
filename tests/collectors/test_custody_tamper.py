"""More tampering `ungcuu verify` must name, and the custody mirror under crashes, a full disk and
several writers ("editing any entry ... is detected by `ungcuu verify`, which names what changed")."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from collectors import checklist
from collectors.base import Collector
from collectors.case import Case
from collectors.errors import DestinationFull
from collectors.runner import run_checklist
from collectors.verify import verify_case
from desktop.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def filled(tmp_path):
    c = Case.create(tmp_path / "case", examiner="tester", affected_root="")
    recs = [
        c.add_bytes(b"first item", checklist_id="B2", name="system.json", source="api", collector="t"),
        c.add_bytes(b"second item", checklist_id="B10", name="auth.log", source="/var/log/auth.log", collector="t"),
        c.add_bytes(b"malware sample", checklist_id="B5", name="dropper.bin", source="/tmp/dropper", collector="t"),
    ]
    c.close()
    return tmp_path / "case", recs


def _sql(case_dir, *statements):
    con = sqlite3.connect(case_dir / "case.sqlite")
    for sql, args in statements:
        con.execute(sql, args)
    con.commit()
    con.close()


def _evidence_file(case_dir, sha):
    f = case_dir / "evidence" / sha[:2] / sha
    os.chmod(f.parent, 0o755)
    return f


def _mirror(case_dir) -> list[str]:
    return (case_dir / "custody.jsonl").read_text(encoding="utf-8").splitlines()


def _verify(case_dir, capsys, *extra) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", "--no-log", *extra, str(case_dir)])
    return code, capsys.readouterr().out


def test_entries_deleted_from_the_database_only_are_not_hidden_by_opening_the_case(filled, capsys):
    """The tail of case.sqlite's log cut with the evidence it names: the mirror still has it, and opening
    the case (as every command does) must not 'repair' the mirror down to the cut log."""
    case_dir, recs = filled
    _sql(case_dir, ("DELETE FROM evidence WHERE id = ?", (recs[2].id,)),
         ("DELETE FROM custody WHERE seq = (SELECT MAX(seq) FROM custody)", ()),
         ("UPDATE sqlite_sequence SET seq = seq - 1", ()))
    _evidence_file(case_dir, recs[2].sha256).unlink()
    Case.open(case_dir, affected_root="").close()
    assert len(_mirror(case_dir)) == 4
    code, out = _verify(case_dir, capsys)
    assert code == 1
    assert "custody.jsonl has entries past 3 that case.sqlite does not hold" in out
    assert f"custody.jsonl line 4: collect {recs[2].id}" in out  # what was cut is named
    assert len(_mirror(case_dir)) == 4


def test_a_tail_cut_in_both_copies(filled, capsys):
    """A 'not intact' verification and an export cut from both copies of the log."""
    case_dir, _ = filled
    c = Case.open(case_dir, affected_root="")
    c.custody.append("verify", c.case_id, {"result": "not intact", "problems": ["evidence E000002: content changed"]})
    c.custody.append("export", "/media/usb/bundle.zip", {"sha256": "0" * 64})
    c.close()
    noted = verify_case(case_dir, log=False).head  # what a reader wrote down (or the report printed)
    assert noted.startswith("6:")
    # The naive cut: rows deleted, mirror lines dropped.
    _sql(case_dir, ("DELETE FROM custody WHERE seq > 4", ()))
    (case_dir / "custody.jsonl").write_text("\n".join(_mirror(case_dir)[:4]) + "\n", encoding="utf-8")
    code, out = _verify(case_dir, capsys)
    assert code == 1 and "entry 6 was written but the log ends at entry 4" in out
    # A careful cut also resets the counter SQLite keeps: only an entry noted earlier reveals it.
    _sql(case_dir, ("UPDATE sqlite_sequence SET seq = 4 WHERE name = 'custody'", ()))
    assert _verify(case_dir, capsys)[0] == 0
    code, out = _verify(case_dir, capsys, "--head", noted)
    assert code == 1 and f"the entry {noted} noted earlier is not in the log (it holds entries 1..4)" in out
    code, out = _verify(case_dir, capsys, "--head", noted.split(":")[1][:12])
    assert code == 1
    intact_head = verify_case(case_dir, log=False).head
    assert _verify(case_dir, capsys, "--head", intact_head)[0] == 0
    assert _verify(case_dir, capsys, "--head", "xyz")[0] == 2


def test_two_evidence_files_swapped(filled, capsys):
    case_dir, recs = filled
    a, b = _evidence_file(case_dir, recs[0].sha256), _evidence_file(case_dir, recs[1].sha256)
    tmp = a.with_name("swap")
    os.replace(a, tmp)
    os.replace(b, a)
    os.replace(tmp, b)
    code, out = _verify(case_dir, capsys)
    assert code == 1
    assert f"evidence {recs[0].id} (system.json, from api): content changed" in out
    assert f"evidence {recs[1].id} (auth.log, from /var/log/auth.log): content changed" in out


def test_two_index_rows_swapped(filled, capsys):
    case_dir, recs = filled
    _sql(case_dir, ("UPDATE evidence SET sha256 = ?, size = ? WHERE id = ?", (recs[1].sha256, recs[1].size, recs[0].id)),
         ("UPDATE evidence SET sha256 = ?, size = ? WHERE id = ?", (recs[0].sha256, recs[0].size, recs[1].id)))
    code, out = _verify(case_dir, capsys)
    assert code == 1
    assert f"evidence {recs[0].id} (system.json, from api): index field 'sha256'" in out
    assert f"evidence {recs[1].id} (auth.log, from /var/log/auth.log): index field 'sha256'" in out


class _One(Collector):
    name = "one"

    def collect(self, ctx):
        yield ctx.put_json("one.json", {"ok": 1}, source="test")


class _Fails(Collector):
    name = "fails"

    def collect(self, ctx):
        raise RuntimeError("could not read")
        yield


CHECKLIST = """\
version: 1
profiles:
  triage: [B2, B8]
items:
  - {id: B8, label_vi: P, label_en: P, volatility: 2, os: [linux], needs_admin: false, changes_system: false,
     collectors: [fails]}
  - {id: B2, label_vi: S, label_en: S, volatility: 3, os: [linux], needs_admin: false, changes_system: false,
     collectors: [one]}
"""


def test_edited_removed_and_planted_outcomes_and_runs(tmp_path, fake_registry, capsys):
    fake_registry({"one": _One(), "fails": _Fails()})
    cl = checklist.parse(CHECKLIST, known_collectors={"one", "fails"})
    c = Case.create(tmp_path / "case", examiner="t", affected_root="")
    list(run_checklist(c, cl, profile="triage"))
    run_id = c.runs()[0]["id"]
    c.close()
    case_dir = tmp_path / "case"
    assert _verify(case_dir, capsys)[0] == 0
    _sql(case_dir,
         ("UPDATE outcomes SET state = 'collected', reason = NULL, evidence_count = 1 WHERE checklist_id = 'B8'", ()),
         ("DELETE FROM outcomes WHERE checklist_id = 'B2'", ()),
         ("INSERT INTO outcomes (run_id, checklist_id, state, reason, evidence_count) VALUES (?, 'B7', 'collected', NULL, 3)",
          (run_id,)),
         ("UPDATE runs SET state = 'completed: all good', root = '/mnt/other' WHERE id = ?", (run_id,)),
         ("UPDATE meta SET value = 'UC-OTHER' WHERE key = 'case_id'", ()),
         ("INSERT INTO runs (id, started_at, state) VALUES ('R-planted', '2020-01-01', 'completed')", ()))
    code, out = _verify(case_dir, capsys)
    assert code == 1
    assert f"outcome of B8 in run {run_id}: state is 'collected' but the custody log recorded 'failed'" in out
    assert f"outcome of B8 in run {run_id}: reason is None but the custody log recorded 'fails: RuntimeError" in out
    assert f"outcome of B2 in run {run_id} (collected) is in the custody log but was removed" in out
    assert f"outcome of B7 in run {run_id} (collected) is not in the custody log" in out
    assert f"run {run_id}: state is 'completed: all good' but the custody log recorded 'completed'" in out
    assert "run R-planted is in case.sqlite but its start is not in the custody log" in out
    assert f"run {run_id}: root is '/mnt/other' but the custody log recorded None" in out
    assert "the case id is 'UC-OTHER' but the custody log created the case as 'UC-" in out


def test_any_field_of_a_mirror_line_edited_is_named(filled, capsys):
    case_dir, _ = filled
    lines = _mirror(case_dir)
    e = json.loads(lines[1])
    e["actor"] = "mallory"
    lines[1] = json.dumps(e, ensure_ascii=False, sort_keys=True)
    (case_dir / "custody.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = _verify(case_dir, capsys)
    assert code == 1 and "custody log entry 2 differs between case.sqlite and custody.jsonl line 2 (actor)" in out


def test_custody_details_that_are_no_longer_json_are_named_not_unreadable(filled, capsys):
    case_dir, _ = filled
    _sql(case_dir, ("UPDATE custody SET details = '{broken' WHERE seq = 3", ()))
    code, out = _verify(case_dir, capsys)
    assert code == 1 and "custody log: entry 3 (collect E000002) was modified" in out


def test_a_planted_copy_in_the_wrong_folder_and_a_link_in_the_store(filled, capsys, tmp_path):
    case_dir, recs = filled
    sha = recs[0].sha256
    other = "00" if not sha.startswith("00") else "ff"
    (case_dir / "evidence" / other).mkdir()
    (case_dir / "evidence" / other / sha).write_bytes(b"first item")
    outside = tmp_path / "outside"
    outside.write_bytes(b"second item")  # same content: the hash still matches, but it is not the stored file
    f = _evidence_file(case_dir, recs[1].sha256)
    f.unlink()
    f.symlink_to(outside)
    code, out = _verify(case_dir, capsys)
    assert code == 1
    assert f"unexpected file evidence/{other}/{sha}" in out
    assert f"evidence {recs[1].id} (auth.log, from /var/log/auth.log): evidence/{recs[1].sha256[:2]}/{recs[1].sha256} " \
           f"is a link to {outside}" in out


_CRASH = """
import os, signal, sys
sys.path.insert(0, {repo!r})
from collectors import custody
from collectors.case import Case
c = Case.open({case!r}, affected_root="")
real = custody._append_lines
def crash(fd, entries):
    if {torn!r}:
        os.lseek(fd, 0, os.SEEK_END)
        os.write(fd, custody.mirror_line(entries[0]).encode()[:40])  # half a line, then the power goes
    os.kill(os.getpid(), signal.SIGKILL)
custody._append_lines = crash
c.add_bytes(b"committed, then the machine died", checklist_id="B2", name="last.txt", source="s", collector="t")
"""


@pytest.mark.parametrize("torn", [False, True])
def test_a_crash_between_commit_and_mirror_is_repaired_on_open(filled, torn):
    case_dir, _ = filled
    proc = subprocess.run([sys.executable, "-c", _CRASH.format(repo=str(REPO), case=str(case_dir), torn=torn)],
                          capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    con = sqlite3.connect(case_dir / "case.sqlite")
    assert con.execute("SELECT COUNT(*) FROM custody").fetchone()[0] == 5  # committed
    con.close()
    assert len((case_dir / "custody.jsonl").read_bytes().splitlines()) == 4 + torn
    res = verify_case(case_dir, log=False)
    assert res.ok, res.problems
    c = Case.open(case_dir, affected_root="")
    assert [json.loads(x) for x in _mirror(case_dir)] == c.custody.entries()
    c.close()


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_disk_that_fills_up_item_by_item_leaves_a_case_that_verifies(tmp_path):
    """Small items until a real (tmpfs) disk is full: whichever write hits the wall (the copy, the index,
    the custody log, the mirror) says 'full', and what was stored verifies."""
    mnt = tmp_path / "usb"
    if not _tmpfs(mnt, "600k"):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        c = Case.create(mnt / "case", examiner="t", affected_root="")
        errors, stored = [], 0
        for i in range(400):
            try:
                c.add_bytes(os.urandom(3000), checklist_id="B2", name=f"n{i}", source="s", collector="t")
                stored += 1
            except Exception as exc:
                errors.append(exc)
                if len(errors) >= 8:
                    break
        c.close()
        assert stored and errors, "the disk never filled"
        assert all(isinstance(e, DestinationFull) for e in errors), [repr(e) for e in errors]
        res = verify_case(mnt / "case", log=False)
        assert res.ok, res.problems
        assert res.checked_items == stored
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


_WRITER = """
import sys
sys.path.insert(0, {repo!r})
from collectors.case import Case
c = Case.open({case!r}, affected_root="")
for i in range(40):
    c.add_bytes(f"{{sys.argv[1]}}-{{i}}".encode(), checklist_id="B2", name=f"{{sys.argv[1]}}-{{i}}", source="s",
                collector="t")
    if i % 9 == 0:
        c.set_incident({{"writer": sys.argv[1], "i": i}})
c.close()
"""


def test_several_processes_and_threads_writing_one_case(filled):
    case_dir, _ = filled
    code = _WRITER.format(repo=str(REPO), case=str(case_dir))
    procs = [subprocess.Popen([sys.executable, "-c", code, f"p{n}"], stderr=subprocess.PIPE) for n in range(3)]
    c = Case.open(case_dir, affected_root="")

    def work(n):
        for i in range(20):
            c.add_bytes(f"t{n}-{i}".encode(), checklist_id="B4", name=f"t{n}-{i}", source="s", collector="t")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    c.close()
    res = verify_case(case_dir, log=False)
    assert res.ok, res.problems
    assert res.checked_items == 3 + 3 * 40 + 2 * 20
    c = Case.open(case_dir, affected_root="")
    assert [json.loads(x) for x in _mirror(case_dir)] == c.custody.entries()
    c.close()


def test_a_case_on_a_read_only_medium_verifies_and_refuses_writes_clearly(tmp_path, capsys):
    """Leadership checks the case from a write-protected drive: verify must read it (a WAL database
    cannot make its -shm file there) and writing must fail with a plain message."""
    mnt = tmp_path / "usb"
    if not _tmpfs(mnt, "20m"):
        pytest.skip("needs root to mount a tmpfs")
    try:
        c = Case.create(mnt / "case", examiner="t", affected_root="")
        c.add_bytes(b"evidence", checklist_id="B2", name="x", source="s", collector="t")
        c.close()
        assert subprocess.run(["mount", "-o", "remount,ro", str(mnt)]).returncode == 0
        capsys.readouterr()
        assert main(["verify", str(mnt / "case")]) == 0  # logging the verification is skipped, not fatal
        assert "self-consistent, no anchor given: 1 evidence items" in capsys.readouterr().err
        assert main(["status", "--case", str(mnt / "case"), "--json"]) == 0
        capsys.readouterr()
        assert main(["collect", "--case", str(mnt / "case"), "--only", "B1"]) == 2
        assert "chỉ đọc: có thể đọc và kiểm tra, không thể ghi" in capsys.readouterr().err  # Vietnamese by default
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
