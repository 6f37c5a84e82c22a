"""Detection as data: Sigma rules over the case timeline.

- `rules.load(extra_dirs, statuses=..., min_level=..., hunting=False) -> RuleSet` (shipped SigmaHQ rules,
  UngCuu's own rules in ``resources/rules/ungcuu/``, the team's folders);
- `engine.iter_detect(rows, ruleset, cancel) -> generator of DetectProgress, returns DetectResult`;
- `timeline_rows(db)`: the rows of ``timeline.sqlite`` in time order, as the engine reads them;
- `mapping`: the field mappings from UngCuu's events to Sigma field names;
- `origin.account(findings, db, tz)`: the C6 origin account.
"""
from __future__ import annotations

ROW_SQL = "SELECT ts, source, message, fields, evidence_id, locator FROM events ORDER BY ts, id"


def timeline_rows(db):
    """Every timeline event in time order (a streaming cursor: memory stays flat)."""
    return db.execute(ROW_SQL)
