"""States and custody actions have one source (collectors/states.py): the case refuses any other, and
every one the responder can see has its Vietnamese label."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from collectors import states
from collectors.case import Case
from desktop.commands._common import STATE_VI

REPO = Path(__file__).resolve().parents[2]


def test_every_state_has_its_vietnamese_label():
    shown = set(states.ITEM_STATES) | set(states.RUN_STATES) | {states.COLLECTED_EARLIER, states.PENDING}
    assert shown - {"running"} <= set(STATE_VI), shown - set(STATE_VI)


def test_the_case_refuses_an_unknown_state_or_action(tmp_path):
    case = Case.create(tmp_path / "c", examiner="t")
    run = case.start_run(profile=None, items=["B2"], root=None)
    with pytest.raises(ValueError, match="unknown item state 'done'"):
        case.record_outcome(run, "B2", "done", None, 0, "2026-01-01T00:00:00Z")
    with pytest.raises(ValueError, match="unknown run state 'finished'"):
        case.finish_run(run, "finished")
    with pytest.raises(ValueError, match="unknown custody action 'copy'"):
        case.custody.append("copy", "x", {})
    case.finish_run(run, "failed: the disk is full")  # a reason may follow the state
    case.close()


def test_every_custody_action_the_code_writes_is_listed():
    written = set()
    for path in (REPO / "collectors").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'custody\.append\("([a-z-]+)"', text))
        written |= set(re.findall(r'custody_action="([a-z-]+)"', text))
    for path in [p for d in ("analysis", "reports", "desktop") for p in (REPO / d).rglob("*.py")]:
        written |= set(re.findall(r'custody\.append\("([a-z-]+)"', path.read_text(encoding="utf-8")))
    assert written and written <= states.CUSTODY_ACTIONS, written - states.CUSTODY_ACTIONS
