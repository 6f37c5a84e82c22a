"""The hosts of an incident case: collections imported under ``CASE/hosts/<host>/<collection>/``.

Each collection folder holds what was imported, as it was (``bundle/`` — the extracted bundle with its
SHA256SUMS, signature and custody.jsonl — or ``case/`` a copied case folder), a working case
``case/`` whose timeline is parsed there, and ``import.json`` (host, case id, custody head, when and
from where it was imported). The incident's own timeline (analysis/timeline.py) merges every current
collection's timeline under its host: evidence ids are prefixed with the host (``web01/E000003``) so
they stay unique and name their host.

A host imported twice from different collections (two cases of the same machine) is merged once: an
event present in both (same time, source, message and locator) is kept once.

- ``collections(case)`` -> every import.json (dicts, with ``path``), oldest first;
  ``current(case)`` -> the collections the timeline uses (the newest of each host + case id).
- ``host_of(evidence_id)`` -> the host an incident's evidence id names ('' for the case's own evidence).
- ``fingerprint(case)`` -> text that changes when a collection is imported (timeline staleness).
- ``iter_merge(db, case, cancel)`` -> yields the number of events merged so far, returns the total.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Generator

HOSTS_DIR = "hosts"
IMPORT_FILE = "import.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_host(name: str) -> str:
    """A host name usable as a folder name (letters, digits, . _ -), never empty or a dot name."""
    s = _UNSAFE.sub("_", (name or "").strip())[:80].strip("._") or "unknown-host"
    return s


def host_of(evidence_id: str) -> str:
    """The host named by an incident timeline's evidence id (``web01/E000003`` -> ``web01``); '' for the
    case's own evidence (``E000003``)."""
    return evidence_id.split("/", 1)[0] if "/" in (evidence_id or "") else ""


def _root(case) -> Path:
    return Path(getattr(case, "path", case)) / HOSTS_DIR


def collections(case) -> list[dict]:
    root = _root(case)
    out: list[dict] = []
    if not root.is_dir():
        return out
    for f in sorted(root.glob(f"*/*/{IMPORT_FILE}")):
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        d["path"] = str(f.parent)
        out.append(d)
    out.sort(key=lambda d: (d.get("imported_at") or "", d["path"]))
    return out


def current(case) -> list[dict]:
    """The newest collection of each (host, case id): the one with the longest custody chain."""
    best: dict[tuple, dict] = {}
    for d in collections(case):
        k = (d.get("host"), d.get("case_id"))
        if k not in best or int(d.get("custody_entries") or 0) >= int(best[k].get("custody_entries") or 0):
            best[k] = d
    return sorted(best.values(), key=lambda d: (d.get("host") or "", d.get("case_id") or ""))


def hosts(case) -> list[str]:
    return sorted({d["host"] for d in current(case)})


def fingerprint(case) -> str:
    cur = current(case)
    return ";".join(f"{d['host']}/{d.get('case_id')}@{d.get('custody_head', '')[:16]}" for d in cur)


def _timeline_of(d: dict) -> Path:
    return Path(d["path"]) / "case" / "timeline.sqlite"


_COLS = "ts, offset_s, timestamp_desc, source, parser, host, message, fields, evidence_id, locator"


def iter_merge(db: sqlite3.Connection, case, cancel=None) -> Generator[int, None, int]:
    """Insert every current collection's events into `db` (an open timeline being built, in a
    autocommit mode: SQLite attaches only outside a transaction). Yields the running total after each collection; returns it."""
    from analysis.timeline import _is_cancelled
    from collectors.errors import Cancelled

    by_host: dict[str, list[dict]] = {}
    for d in current(case):
        if _timeline_of(d).is_file():
            by_host.setdefault(d["host"], []).append(d)
    total = 0
    for host, cols in sorted(by_host.items()):
        names = []
        for i, d in enumerate(cols):
            name = f"h{i}"
            db.execute(f"ATTACH DATABASE ? AS {name}", (str(_timeline_of(d)),))
            names.append(name)
        try:
            db.execute("BEGIN")
            prefix = host + "/"  # in time order per host: ids follow time (correlate takes MIN(id) as the first)
            if len(names) == 1:
                cur = db.execute(
                    f"INSERT INTO events ({_COLS}) SELECT ts, offset_s, timestamp_desc, source, parser, ?, message, "
                    f"fields, ? || evidence_id, locator FROM {names[0]}.events ORDER BY ts, id", (host, prefix))
            else:  # the same host from several cases: an event seen in more than one is kept once
                union = " UNION ALL ".join(
                    f"SELECT ts, offset_s, timestamp_desc, source, parser, message, fields, evidence_id, locator, "
                    f"{k} AS o FROM {n}.events" for k, n in enumerate(names))
                cur = db.execute(
                    f"INSERT INTO events ({_COLS}) SELECT ts, offset_s, timestamp_desc, source, parser, ?, message, "
                    f"fields, ? || evidence_id, locator FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ts, source, "
                    f"message, locator ORDER BY o) AS rn FROM ({union})) WHERE rn = 1 ORDER BY ts",
                    (host, prefix))
            total += cur.rowcount
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            for n in names:
                db.execute(f"DETACH DATABASE {n}")
        if _is_cancelled(cancel):
            raise Cancelled("timeline build cancelled; the previous timeline is kept")
        yield total
    return total
