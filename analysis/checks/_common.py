"""Helpers of the case checks: timeline rows, JSON snapshots in either layout, copied files, patterns."""
from __future__ import annotations

import re

from analysis import timeline
from analysis.events import iso_z
from collectors import records


def key(row: dict) -> dict:
    return {"evidence_id": row["evidence_id"], "locator": row["locator"]}


def t(us: int | None) -> str | None:
    return iso_z(us) if us is not None else None


def rows(db, where: str, args=(), order="ts", limit: int | None = None):
    sql = f"SELECT {', '.join(timeline.COLUMNS)} FROM events WHERE {where} ORDER BY {order}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    for r in db.execute(sql, args):
        yield timeline.row_dict(r)


def evidence_ids(rs) -> list[str]:
    return sorted({r["evidence_id"] for r in rs})


def snapshot(case, name: str):
    """(evidence record, list of row dicts) of the latest JSON snapshot ``name`` (either layout)."""
    rec = case.latest(name)
    if rec is None:
        return None, None
    try:
        return rec, [r for r in records.rows_of(case.read_json(rec)) if isinstance(r, dict)]
    except (OSError, ValueError):
        return rec, None


def text(case, rec, limit: int = 4 << 20) -> str:
    try:
        with case.open_evidence(rec) as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def latest_files(case) -> dict:
    """Copied files by their source path: the last copy of each."""
    latest: dict[str, object] = {}
    for rec in case.evidence():
        if rec.kind == "file" and rec.source:
            latest[rec.source] = rec
    return latest


# Strong signs anywhere: download-and-run, reverse shells, encoded or inline interpreters.
STRONG = re.compile(
    r"\b(curl|wget)\b[^|;\n]*\|\s*(ba|z|da)?sh\b|\b(curl|wget|fetch)\b\s+\S*https?://\d+\.\d+\.\d+\.\d+|"
    r"\bnc(at)?\b\s+(-\w+\s+)*\S+\s+\d+|/dev/tcp/|bash\s+-i\b|base64\s+(-d|--decode)|python[23]?\s+-c|"
    r"perl\s+-e|\bsocat\b|mkfifo|chmod\s+[ugo]*\+?[0-7]*s\b|"
    r"powershell(\.exe)?\s+.*-(e|enc|encodedcommand)\b|frombase64string|iex\s*\(|downloadstring|"
    r"rundll32.*javascript|mshta\s+https?:|regsvr32\s+/s\s+/n\s+/u", re.I)
# Running something from a world-writable place (weak alone in big scripts, strong in a cron line or unit).
FROM_TMP = re.compile(r"(^|[\s;&|`(=])(/tmp|/dev/shm|/var/tmp)/\S|\\appdata\\|\\temp\\|\\users\\public\\", re.I)
USER_WRITABLE = re.compile(r"^(/tmp/|/dev/shm/|/var/tmp/|/home/[^/]+/\.|/run/user/)|\\appdata\\|\\temp\\|"
                           r"\\users\\public\\|\\programdata\\[^\\]+\.exe", re.I)


def suspicious(text: str):
    """STRONG or FROM_TMP: for short entries (a cron line, a unit's Exec, a Run key value)."""
    return STRONG.search(text) or FROM_TMP.search(text)
