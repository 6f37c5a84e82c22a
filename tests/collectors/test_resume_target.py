"""Resuming is per target: items collected from the live system are not 'collected earlier' for an
offline root (or another host), and the other way round (--root, resume)."""
from __future__ import annotations

import sqlite3

from collectors import checklist
from collectors.base import Collector
from collectors.runner import ItemFinished, run_checklist

CHECKLIST = """\
version: 1
profiles:
  triage: [B4]
items:
  - {id: B4, label_vi: C, label_en: C, volatility: 3, os: [linux], needs_admin: false, changes_system: false,
     collectors: [where]}
"""


class Where(Collector):
    name = "where"

    def collect(self, ctx):
        yield ctx.put_json("where.json", {"root": str(ctx.root)}, source="test")


def _states(case, cl, **kw):
    return {e.checklist_id: e.state for e in run_checklist(case, cl, profile="triage", **kw)
            if isinstance(e, ItemFinished)}


def test_live_then_offline_root_then_the_same_root_again(case, fake_registry, tmp_path):
    fake_registry({"where": Where()})
    cl = checklist.parse(CHECKLIST, known_collectors={"where"})
    image = tmp_path / "mnt" / "image"
    (image / "etc").mkdir(parents=True)
    assert _states(case, cl) == {"B4": "collected"}
    assert _states(case, cl) == {"B4": "collected-earlier"}
    # The dead-box tree is another system: its B4 is collected, not skipped as done.
    assert _states(case, cl, root=str(image)) == {"B4": "collected"}
    # The same tree, named through another path, is done.
    (tmp_path / "alias").symlink_to(tmp_path / "mnt")
    assert _states(case, cl, root=str(tmp_path / "alias" / "image")) == {"B4": "collected-earlier"}
    assert [r.orig_meta for r in case.evidence()] == [{}, {}]
    assert [case.read_json(r)["root"] for r in case.evidence()] == ["None", str(image)]


def test_the_same_case_on_another_live_host(case, fake_registry):
    fake_registry({"where": Where()})
    cl = checklist.parse(CHECKLIST, known_collectors={"where"})
    assert _states(case, cl) == {"B4": "collected"}
    con = sqlite3.connect(case.path / "case.sqlite")
    con.execute("UPDATE runs SET host = 'web01'")  # the case was started on web01, the drive moved here
    con.commit()
    con.close()
    assert _states(case, cl) == {"B4": "collected"}


def test_an_acquisition_under_the_same_id_does_not_stand_for_the_item(case, fake_registry, tmp_path):
    """`ungcuu capture` records B7 'collected' for a pcap; the checklist's B7 (every socket with its
    process) must still run afterwards, and a repeated collect must then resume it."""
    fake_registry({"where": Where()})
    cl = checklist.parse(CHECKLIST, known_collectors={"where"})
    run_id = case.start_run(profile=None, items=["B4"], root=None)
    case.add_bytes(b"pcap", checklist_id="B4", name="capture.pcap", source="lo", collector="acquire.capture",
                   run_id=run_id)
    case.record_outcome(run_id, "B4", "collected", None, 1, "2026-01-01T00:00:00Z")
    case.finish_run(run_id, "completed")
    assert _states(case, cl) == {"B4": "collected"}
    assert _states(case, cl) == {"B4": "collected-earlier"}
