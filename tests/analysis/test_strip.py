"""The activity strip: exact event counts per bin over the case's span and the findings marked by tactic."""
from __future__ import annotations

import pytest

from analysis import strip, timeline
from analysis.events import iso_z
from analysis.findings import Finding

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
OFFSETS = [0, 10, 20, 3600, 7199]  # seconds after T0 of the five shell commands


@pytest.fixture
def case(new_case):
    c = new_case()
    text = "".join(f"#{T0 + s}\ncmd{i}\n" for i, s in enumerate(OFFSETS))
    c.add_bytes(text.encode(), checklist_id="B10", collector="test", source="/root/.bash_history",
                name=".bash_history")
    timeline.build(c)
    return c


def _finding(rule: str, at: int | None, tags: list[str], locator: str = "line 1") -> Finding:
    return Finding("sigma", "C5", "high", "tóm tắt", "summary", rule,
                   time=iso_z((T0 + at) * 1_000_000) if at is not None else None, tags=tags,
                   events=[{"evidence_id": "E000001", "locator": locator}])


def test_bins_cover_the_whole_timeline_with_exact_counts(case):
    s = strip.build(case, [], bins=4)
    span_us = 7199 * 1_000_000 + 1  # the last event's bin includes it
    assert s.start_us == T0 * 1_000_000
    assert s.bin_us == -(-span_us // 4) == 1_799_750_001
    assert s.counts == [3, 0, 1, 1]
    assert sum(s.counts) == timeline.count(case)
    assert s.end_us > (T0 + 7199) * 1_000_000
    assert s.marks == [] and s.legend == [] and s.unplaced == 0


def test_findings_marked_by_tactic_in_attack_order(case):
    found = [
        _finding("persist", 10, ["attack.persistence", "attack.t1547.001"], "line 3"),
        _finding("exec-a", 20, ["attack.execution", "attack.persistence"], "line 5"),   # first in attack order
        _finding("exec-b", 3600, ["attack.execution"], "line 7"),
        _finding("exec-c", 3605, ["attack.execution"], "line 7"),                     # same bin: same mark
        _finding("evasion", 7199, ["attack.defense_evasion"], "line 9"),              # the old name of stealth
        _finding("plain", 0, [], "line 1"),                                            # no tactic: "other"
        _finding("no-time", None, ["attack.impact"]),
        _finding("before", -100, ["attack.impact"]),
    ]
    s = strip.build(case, found, bins=4)
    assert [e.tactic for e in s.legend] == ["execution", "persistence", "stealth", "other"]
    assert [e.attack_id for e in s.legend] == ["TA0002", "TA0003", "TA0005", ""]
    assert s.legend[0].name("vi") == "Thực thi mã" and s.legend[0].name("en") == "Execution"
    assert len({e.color for e in s.legend}) == 4
    got = [(m.tactic, m.bin, [f.rule for f in m.findings], m.time_us) for m in s.marks]
    assert got == [
        ("execution", 0, ["exec-a"], (T0 + 20) * 1_000_000),
        ("execution", 2, ["exec-b", "exec-c"], (T0 + 3600) * 1_000_000),
        ("persistence", 0, ["persist"], (T0 + 10) * 1_000_000),
        ("stealth", 3, ["evasion"], (T0 + 7199) * 1_000_000),
        ("other", 0, ["plain"], T0 * 1_000_000),
    ]
    assert s.marks[1].events == [{"evidence_id": "E000001", "locator": "line 7"}] * 2
    assert s.marks[1].color == strip.TACTIC_COLORS["execution"]
    assert s.unplaced == 2  # no time, and a time before the first event
    assert s.lane_of("stealth") == 2


def test_findings_as_json_dicts_give_the_same_marks(case):
    objs = [_finding("exec-b", 3600, ["attack.execution"]), _finding("persist", 10, ["attack.persistence"])]
    a = strip.build(case, objs, bins=4)
    b = strip.build(case, [f.to_dict() for f in objs], bins=4)
    assert [(m.tactic, m.bin, m.time_us) for m in a.marks] == [(m.tactic, m.bin, m.time_us) for m in b.marks]


def test_every_tactic_has_its_own_colour():
    from analysis.findings import TACTICS

    tags = [t[0] for t in TACTICS] + ["other"]
    assert set(strip.TACTIC_COLORS) == set(tags)
    assert len(set(strip.TACTIC_COLORS.values())) == len(tags)


def test_empty_timeline_gives_no_strip(new_case):
    c = new_case("empty")
    timeline.build(c)
    assert strip.build(c, [_finding("x", 0, ["attack.execution"])]) is None
