"""The activity strip: events per time bin over the case's span, with the findings marked by ATT&CK tactic.

One picture for the timeline page (desktop) and the findings report (PDF and DOCX): the bars are the
timeline's event counts (`analysis.timeline.histogram` over the whole timeline, every bin listed), and
under them one lane per tactic that has findings, in attack order (`analysis.findings.TACTICS`, "other"
last), each with its own colour. A finding is marked in the bin of its first matching event (``time``);
findings of one tactic in one bin share a mark, which keeps their matched events so a click on it can
show them in the timeline.

``build(case, findings, bins=120) -> Strip | None`` (None when the timeline is empty); ``case`` is a
`Case`, a case folder or a timeline connection; ``findings`` are `analysis.findings.Finding` objects or
their ``to_dict()`` form (``ungcuu findings --json``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis import timeline
from analysis.events import parse_iso
from analysis.findings import OTHER, TACTIC_ALIASES, TACTIC_ORDER, TACTICS

# one colour per tactic, distinct side by side and in print (attack order)
TACTIC_COLORS = {
    "reconnaissance": "#6a3d9a",
    "resource_development": "#9e7bc4",
    "initial_access": "#e31a1c",
    "execution": "#ff7f00",
    "persistence": "#b15928",
    "privilege_escalation": "#c51b7d",
    "stealth": "#33a02c",
    "defense_impairment": "#7fbf3f",
    "credential_access": "#f0b400",
    "discovery": "#1f78b4",
    "lateral_movement": "#00a6a6",
    "collection": "#6b8e23",
    "command_and_control": "#8b0000",
    "exfiltration": "#d9468f",
    "impact": "#222222",
    "other": "#8c8c8c",
}
BAR_COLOR = "#1a5fb4"
KEEP_EVENTS = 200  # matched events kept per mark (what a click shows)


@dataclass
class LegendEntry:
    tactic: str
    attack_id: str
    name_vi: str
    name_en: str
    color: str

    def name(self, lang: str = "vi") -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass
class Mark:
    """The findings of one tactic whose first match falls in one bin."""
    tactic: str
    bin: int
    time_us: int                                     # the earliest first match among them
    color: str
    findings: list[Any] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # their matched events {"evidence_id", "locator"}

    @property
    def time_iso(self) -> str:
        from analysis.events import iso_z

        return iso_z(self.time_us)


@dataclass
class Strip:
    start_us: int                 # first bin's start (µs UTC)
    bin_us: int                   # width of a bin
    counts: list[int]             # events per bin
    marks: list[Mark] = field(default_factory=list)      # by lane (legend order), then time
    legend: list[LegendEntry] = field(default_factory=list)  # the tactics present, in attack order
    unplaced: int = 0             # findings without a time or outside the timeline's span

    @property
    def end_us(self) -> int:
        return self.start_us + self.bin_us * len(self.counts)

    def bin_of(self, us: int) -> int | None:
        """The bin holding ``us``, or None outside the span."""
        if us < self.start_us or us >= self.end_us:
            return None
        return (us - self.start_us) // self.bin_us

    def lane_of(self, tactic: str) -> int:
        return next(i for i, e in enumerate(self.legend) if e.tactic == tactic)


def _get(f: Any, name: str, default: Any = None) -> Any:
    return f.get(name, default) if isinstance(f, dict) else getattr(f, name, default)


def tactic_of(f: Any) -> str:
    """The tactic a finding is marked under: its first in attack order, or 'other'."""
    got = _get(f, "tactics")
    if got is None:
        got = [t.split(".", 1)[1].replace("-", "_").lower() for t in (_get(f, "tags") or [])
               if str(t).lower().startswith("attack.")]
    known = [TACTIC_ALIASES.get(t, t) for t in got]
    known = [t for t in known if t in TACTIC_ORDER]
    return min(known, key=TACTIC_ORDER.__getitem__) if known else "other"


def _time_us(f: Any) -> int | None:
    text = _get(f, "time")
    if not text:
        return None
    try:
        parsed = parse_iso(str(text))
    except (ValueError, OverflowError):
        return None
    return parsed[0] if parsed else None


def build(case, findings: list | None = None, bins: int = 120) -> Strip | None:
    """The strip over the whole timeline; None when the timeline holds no event."""
    db = timeline._conn(case)
    hist = timeline.histogram(db, None, buckets=bins)
    if not hist:
        return None
    bin_us = (hist[1][0] - hist[0][0]) if len(hist) > 1 else max(1, _span(db))
    strip = Strip(start_us=hist[0][0], bin_us=bin_us, counts=[c for _, c in hist])
    by_key: dict[tuple[str, int], Mark] = {}
    for f in findings or []:
        us = _time_us(f)
        b = strip.bin_of(us) if us is not None else None
        if us is None or b is None:
            strip.unplaced += 1
            continue
        tactic = tactic_of(f)
        mark = by_key.get((tactic, b))
        if mark is None:
            mark = by_key[(tactic, b)] = Mark(tactic, b, us, TACTIC_COLORS[tactic])
        mark.time_us = min(mark.time_us, us)
        mark.findings.append(f)
        for e in _get(f, "events") or []:
            if len(mark.events) < KEEP_EVENTS:
                mark.events.append({"evidence_id": e.get("evidence_id"), "locator": e.get("locator")})
    present = {t for t, _ in by_key}
    for tag, tid, en, vi, _expl in TACTICS + [OTHER]:
        if tag in present:
            strip.legend.append(LegendEntry(tag, tid, vi, en, TACTIC_COLORS[tag]))
    order = {e.tactic: i for i, e in enumerate(strip.legend)}
    strip.marks = sorted(by_key.values(), key=lambda m: (order[m.tactic], m.bin))
    return strip


def _span(db) -> int:
    rng = timeline.time_range(db)
    return 1 if rng is None else rng[1] + 1 - rng[0]
