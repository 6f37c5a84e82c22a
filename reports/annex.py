"""Annexes of the findings report: the long tables (evidence, custody log) as CSV files that travel in the
evidence bundle, so the report stays a readable document of a few pages on a case of 40 000 items.

    ANNEX_ROWS: tables up to this many rows stay in the report itself
    evidence_csv(case) -> bytes ; custody_csv(case) -> bytes   (UTF-8 with BOM: Excel opens Vietnamese right)
    EVIDENCE_NAME, CUSTODY_NAME: their names in the bundle
"""
from __future__ import annotations

import csv
import io

ANNEX_ROWS = 40
EVIDENCE_NAME = "reports/annex/evidence.csv"
CUSTODY_NAME = "reports/annex/custody.csv"

EVIDENCE_COLUMNS = ("id", "checklist_id", "name", "source", "kind", "size", "sha256", "collected_at", "tz_offset",
                    "collector", "collector_version", "host", "incomplete")
CUSTODY_COLUMNS = ("seq", "ts", "actor", "action", "target", "details", "host", "prev_hash", "hash")


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def _cell(value) -> str:
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def evidence_csv(case, records: list | None = None) -> bytes:
    records = case.evidence() if records is None else records
    rows = ([_cell(getattr(r, c, "")) for c in EVIDENCE_COLUMNS] for r in records)
    return _csv(EVIDENCE_COLUMNS, rows)


def custody_csv(case, entries: list[dict] | None = None) -> bytes:
    entries = case.custody.entries() if entries is None else entries
    return _csv(CUSTODY_COLUMNS, ([_cell(e.get(c)) for c in CUSTODY_COLUMNS] for e in entries))
