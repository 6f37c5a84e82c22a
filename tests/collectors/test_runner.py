"""The runner: one honest outcome per item, cancel, resume, faults."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from collectors import checklist
from collectors.base import Collector
from collectors.errors import DestinationFull
from collectors.runner import ItemFinished, RunFinished, Stored, run_checklist
from collectors.verify import verify_case

REPO = Path(__file__).resolve().parents[2]

CHECKLIST = """\
version: 1
profiles:
  triage: [B2, B4, B6, B8]
items:
  - {id: B6, label_vi: Bộ nhớ, label_en: Memory, volatility: 1, os: [linux, windows], needs_admin: true,
     changes_system: false, collectors: [ok_one]}
  - {id: B8, label_vi: Tiến trình, label_en: Processes, volatility: 2, os: [linux, windows], needs_admin: true,
     changes_system: false, collectors: [ok_one, noted]}
  - {id: B2, label_vi: Hệ thống, label_en: System, volatility: 3, os: [linux, windows], needs_admin: false,
     changes_system: false, collectors: [empty, not_here]}
  - {id: B4, label_vi: Cấu hình, label_en: Configuration, volatility: 3, os: [linux, windows], needs_admin: true,
     changes_system: false, collectors: [boom]}
"""


class OkOne(Collector):
    name = "ok_one"

    def collect(self, ctx):
        yield ctx.put_json(f"{ctx.checklist_id}.json", {"ok": 1}, source="test")


class Noted(Collector):
    name = "noted"

    def collect(self, ctx):
        yield ctx.incomplete("other users' processes hidden without root")


class Empty(Collector):
    name = "empty"

    def collect(self, ctx):
        return
        yield


class NotHere(Collector):
    name = "not_here"
    os = ("plan9",)

    def collect(self, ctx):  # pragma: no cover - never runs
        yield


class Boom(Collector):
    name = "boom"

    def collect(self, ctx):
        raise RuntimeError("parser exploded")
        yield


class Slow(Collector):
    name = "slow"

    def collect(self, ctx):
        for i in range(1000):
            if ctx.cancelled:
                return
            yield ctx.put_json(f"part{i}.json", {"i": i}, source="slow")


class Full(Collector):
    name = "full"

    def collect(self, ctx):
        yield ctx.put_json("first.json", {}, source="t")
        raise DestinationFull("the disk holding the case folder is full")


ALL = {c.name: c() for c in (OkOne, Noted, Empty, NotHere, Boom, Slow, Full)}


@pytest.fixture
def cl(fake_registry):
    fake_registry(ALL)
    return checklist.parse(CHECKLIST, known_collectors=set(ALL))


def test_outcomes_are_honest_and_in_volatility_order(case, cl):
    events = list(run_checklist(case, cl, profile="triage"))
    finished = [e for e in events if isinstance(e, ItemFinished)]
    assert [f.checklist_id for f in finished] == ["B6", "B8", "B2", "B4"]
    by = {f.checklist_id: f for f in finished}
    assert by["B6"].state == "collected" and by["B6"].evidence_count == 1 and by["B6"].reason is None
    assert by["B8"].state == "partial" and "hidden without root" in by["B8"].reason
    assert by["B2"].state == "skipped" and "nothing found" in by["B2"].reason and "not available on" in by["B2"].reason
    assert by["B4"].state == "failed" and "RuntimeError: parser exploded" in by["B4"].reason
    assert isinstance(events[-1], RunFinished) and events[-1].state == "completed"
    assert {k: v["state"] for k, v in case.outcomes().items()} == {
        "B6": "collected", "B8": "partial", "B2": "skipped", "B4": "failed"}
    assert sum(isinstance(e, Stored) for e in events) == 2


def test_second_run_resumes_only_what_is_not_done(case, cl):
    list(run_checklist(case, cl, profile="triage"))
    events = list(run_checklist(case, cl, profile="triage"))
    finished = {e.checklist_id: e.state for e in events if isinstance(e, ItemFinished)}
    assert finished == {"B6": "collected-earlier", "B8": "collected-earlier", "B2": "skipped", "B4": "failed"}
    again = list(run_checklist(case, cl, profile="triage", again=True))
    assert sum(isinstance(e, Stored) for e in again) == 2


def test_cancel_mid_item_leaves_a_valid_case_and_resumes(case, cl, fake_registry):
    slow_cl = checklist.parse(CHECKLIST.replace("collectors: [ok_one]}", "collectors: [slow]}"),
                              known_collectors=set(ALL))
    cancel = threading.Event()
    stored = 0
    for ev in run_checklist(case, slow_cl, only=["B6", "B2"], cancel=cancel):
        if isinstance(ev, Stored):
            stored += 1
            if stored == 5:
                cancel.set()
        last = ev
    assert last.state == "cancelled"
    assert case.outcomes()["B6"]["state"] == "interrupted"
    assert "B2" not in {k for k, v in case.outcomes().items() if v.get("run_id")}
    case.close()
    assert verify_case(case.path, log=False).ok
    events = list(run_checklist(case, slow_cl, only=["B6", "B2"]))
    states = {e.checklist_id: e.state for e in events if isinstance(e, ItemFinished)}
    assert states["B6"] == "collected" and states["B2"] == "skipped"


def test_disk_full_stops_the_run_and_says_so(case, cl):
    full_cl = checklist.parse(CHECKLIST.replace("collectors: [ok_one]}", "collectors: [full]}"),
                              known_collectors=set(ALL))
    events = list(run_checklist(case, full_cl, profile="triage"))
    assert isinstance(events[-1], RunFinished)
    assert events[-1].state == "failed" and "full" in events[-1].reason
    finished = [e for e in events if isinstance(e, ItemFinished)]
    assert [f.checklist_id for f in finished] == ["B6"]  # nothing after the full disk ran
    # Stopped by the destination, not the source: not done, so the next run resumes it.
    assert finished[0].state == "interrupted" and "run the same command again" in finished[0].reason
    assert [r.name for r in case.evidence()] == ["first.json"]
    again = [e for e in run_checklist(case, cl, profile="triage") if isinstance(e, ItemFinished)]
    assert {e.checklist_id: e.state for e in again}["B6"] == "collected"


def test_ctrl_c_on_the_command_line_stops_cleanly_and_resumes(tmp_path):
    """A real `ungcuu add` process interrupted with SIGINT, then run again."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(400):
        (src / f"f{i:03d}.bin").write_bytes(os.urandom(32 << 10))
    case_dir = tmp_path / "case"
    cmd = [sys.executable, "-m", "desktop", "add", "--case", str(case_dir), str(src)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    count = 0
    while time.time() < deadline:
        try:
            con = sqlite3.connect(f"file:{case_dir / 'case.sqlite'}?mode=ro", uri=True, timeout=5)
            count = con.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
            con.close()
        except sqlite3.Error:
            count = 0
        if count >= 10 or proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "stopping" in err.decode()
    assert verify_case(case_dir, log=False).ok
    con = sqlite3.connect(case_dir / "case.sqlite")
    first = con.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
    con.close()
    assert 10 <= first < 400
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()
    con = sqlite3.connect(case_dir / "case.sqlite")
    total, sources = con.execute("SELECT COUNT(*), COUNT(DISTINCT source) FROM evidence").fetchone()
    assert sources == 400 and total == 400  # nothing copied twice
    assert verify_case(case_dir, log=False).ok


def test_item_that_changes_the_system_needs_consent(case, fake_registry):
    fake_registry(ALL)
    text = CHECKLIST.replace("changes_system: false, collectors: [ok_one]}", "changes_system: true, collectors: [ok_one]}")
    cl2 = checklist.parse(text, known_collectors=set(ALL))
    states = {e.checklist_id: (e.state, e.reason) for e in run_checklist(case, cl2, only=["B6"])
              if isinstance(e, ItemFinished)}
    assert states["B6"][0] == "skipped" and "explicit consent" in states["B6"][1]
    assert case.evidence() == []
    states = {e.checklist_id: e.state for e in run_checklist(case, cl2, only=["B6"], consent=True)
              if isinstance(e, ItemFinished)}
    assert states["B6"] == "collected"
