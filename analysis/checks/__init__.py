"""Case checks: detection rules that need more than one timeline event (the case's other evidence).

Event-by-event detection is data (Sigma YAML under ``resources/rules/``). What needs the case itself —
the process list and where each executable lives, package digests, SUID files, accounts from
snapshots, registry artifacts — is a *check*: a module in this package that declares its rules at the
top and yields findings.

    from analysis.checks import CheckRule
    from analysis.findings import Finding

    RULES = [CheckRule(
        id="ungcuu.linux.ld_preload",                 # stable id, shown with every finding
        title_en="Library preloaded into every process (/etc/ld.so.preload)",
        title_vi="Thư viện được nạp sẵn vào mọi tiến trình (/etc/ld.so.preload)",
        explanation_vi="...what it means for the procedure (C5 / C6 / H2)...",
        level="high",                                 # informational, low, medium, high, critical
        tags=["attack.persistence", "attack.t1574.006"],
        checklist_id="H2",
    )]

    def run(case, db):                                 # db: read-only timeline connection
        yield RULES[0].finding(summary_vi=..., summary_en=..., evidence_ids=[...], time=..., details={...})

``analysis.findings.run`` imports every module here and runs it; a module that raises is reported as a
failed check (named), and the others still run. Each rule id is unique across checks and Sigma rules.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

LEVEL_TO_SEVERITY = {"informational": "info", "info": "info", "low": "low", "medium": "medium",
                     "high": "high", "critical": "critical"}


@dataclass(frozen=True)
class CheckRule:
    id: str
    title_en: str
    title_vi: str
    explanation_vi: str
    level: str
    tags: list = field(default_factory=list)
    checklist_id: str = "C5"
    kind: str = "indicator"
    author: str = "UngCuu"
    references: list = field(default_factory=list)

    def finding(self, *, summary_vi: str, summary_en: str, evidence_ids=(), time=None, events=(),
                details=None, level: str | None = None, first_match=None, event_count: int | None = None):
        """``first_match``: the key fields shown with the finding (user, image, commandline, ip...);
        ``event_count``: how many events or items it stands for (default: len(events) or 1)."""
        from analysis.findings import Finding
        events = list(events)
        return Finding(
            kind=self.kind, checklist_id=self.checklist_id,
            severity=LEVEL_TO_SEVERITY[level or self.level],
            summary_vi=summary_vi, summary_en=summary_en, rule=self.id, time=time,
            evidence_ids=sorted(set(evidence_ids)), events=events, details=dict(details or {}),
            tags=list(self.tags), title_en=self.title_en, title_vi=self.title_vi,
            explanation_vi=self.explanation_vi, author=self.author, references=list(self.references),
            event_count=event_count if event_count is not None else (len(events) or 1),
            first_match=dict(first_match or {}), origin="check", level=level or self.level)


def modules(failures: list | None = None):
    """Every check module of this package, imported (sorted by name). A module that cannot be imported is
    appended to ``failures`` as ``{"check", "error"}`` (when given) and left out; without ``failures`` the
    import error propagates."""
    out = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        name = f"{__name__}.{info.name}"
        try:
            out.append(importlib.import_module(name))
        except Exception as exc:
            if failures is None:
                raise
            failures.append({"check": name, "error": f"cannot import: {type(exc).__name__}: {exc}"})
    return out
