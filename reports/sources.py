"""What the reports read from a case besides the incident record: evidence rows, the custody log, key
timeline events and findings (from analysis/, imported directly).

A case whose timeline cannot be built or read (disk full, a damaged timeline.sqlite) still gets its
report, with a note saying what is missing; any other error is a bug and propagates.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from analysis import export as _export
from analysis import findings as _findings
from analysis import formatters
from analysis import timeline as tl
from collectors.custody import verify_chain
from collectors.errors import UngCuuError

from .document import utc_short

MAX_KEY_EVENTS = 200
# What reading or building the timeline may meet in a real case: reported in the document, not raised.
TIMELINE_ERRORS = (UngCuuError, sqlite3.Error, OSError)


def _ids(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


def evidence_rows(case) -> list[dict]:
    if case is None:
        return []
    return [r.to_dict() for r in case.evidence()]


def custody_rows(case) -> list[list[str]]:
    if case is None:
        return []
    rows = []
    for e in case.custody.entries():
        rows.append([str(e["seq"]), utc_short(e["ts"]), str(e.get("actor") or ""), str(e["action"]),
                     str(e.get("target") or ""), str(e["hash"])[:12] + "…"])
    return rows


def custody_problems(case) -> list[str]:
    if case is None:
        return []
    return verify_chain(case.custody.entries())


def recipients_for(incident: dict) -> list[dict]:
    from .regimes import RegimeError, recipients

    try:
        return recipients(incident)
    except RegimeError:
        return list(incident.get("recipients") or [])


def _event_row(e: dict, lang: str = "vi") -> dict:
    """A timeline row (analysis.timeline.row_dict) as a line of the key-events table, its message from
    the event's formatter (resources/formatters/) in `lang`."""
    return {
        "time": _short_utc(str(e.get("datetime") or "")),
        "source": str(e.get("source") or e.get("parser") or ""),
        "message": formatters.message(e, lang),
        "evidence": f"{e.get('evidence_id') or ''}\n{e.get('locator') or ''}".strip(),
    }


def _short_utc(text: str) -> str:
    """'2021-04-10T20:00:00.000000+00:00' -> '2021-04-10 20:00:00' (the column header says UTC)."""
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S") + (f".{t.microsecond:06d}" if t.microsecond else "")


KEY_WINDOW_BEFORE_T0_DAYS = 3


def key_events(case, t0=None, lang: str = "vi") -> tuple[list[dict], str]:
    """(rows of key timeline events, note). Events marked relevant first; else the events from three days
    before detection (T0, an aware datetime) on, when there are any; else the first events."""
    if case is None:
        return [], "Chưa có dòng thời gian — timeline not available."
    try:
        marked = tl.marks(case)
    except TIMELINE_ERRORS:
        marked = []
    if marked:
        rows = []
        for m in marked[:MAX_KEY_EVENTS]:
            ts = m.get("ts")
            when = _iso_us(ts) if isinstance(ts, int) else str(ts or "")
            source = ""
            try:
                ev = tl.find_by_key(case, m["evidence_id"], m["locator"])
            except TIMELINE_ERRORS:
                ev = []
            if ev:
                source = str(ev[0].get("source") or "")
            msg = str(m.get("message") or "")
            if m.get("note"):
                msg += f" — {m['note']}"
            rows.append({"time": when, "source": source or str(m.get("locator") or ""), "message": msg,
                         "evidence": f"{m.get('evidence_id') or ''}\n{m.get('locator') or ''}".strip()})
        more = f" (hiện {MAX_KEY_EVENTS} sự kiện đầu)" if len(marked) > MAX_KEY_EVENTS else ""
        return rows, f"{len(marked)} sự kiện được người phân tích đánh dấu là quan trọng{more}."
    note = ensure_timeline(case)  # the report shows the timeline of the evidence as it is now
    if note:
        return [], f"Không dựng được dòng thời gian: {note}"
    try:
        total = tl.count(case)
        if t0 is not None:
            start = t0 - dt.timedelta(days=KEY_WINDOW_BEFORE_T0_DAYS)
            flt = tl.Filter(start=int((start - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
                                      // dt.timedelta(microseconds=1)))
            items = tl.page(case, flt, limit=MAX_KEY_EVENTS)
            if items:
                rows = [_event_row(e, lang) for e in items]
                return rows, (f"Chưa có sự kiện nào được đánh dấu; hiện {len(rows)} sự kiện đầu tiên kể từ "
                              f"{start.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC ({KEY_WINDOW_BEFORE_T0_DAYS} "
                              f"ngày trước thời điểm phát hiện), trong {total} sự kiện của dòng thời gian "
                              "(none marked relevant; events from 3 days before detection shown).")
        items = tl.page(case, limit=MAX_KEY_EVENTS)
    except TIMELINE_ERRORS as exc:
        return [], f"Không đọc được dòng thời gian: {exc}"
    if not items:
        return [], "Dòng thời gian chưa có sự kiện."
    rows = [_event_row(e, lang) for e in items]
    return rows, (f"Chưa có sự kiện nào được đánh dấu; hiện {len(rows)} trong {total} sự kiện đầu tiên "
                  "của dòng thời gian (none marked relevant; first events shown).")


def _iso_us(us: int) -> str:
    return (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=us)).strftime(
        "%Y-%m-%d %H:%M:%S")


def ensure_timeline(case) -> str:
    """Build or refresh the timeline; returns a note when it cannot be."""
    try:
        tl.ensure(case)
    except TIMELINE_ERRORS as exc:
        return f"timeline could not be built: {exc}"
    return ""


def timeline_export(case, out) -> tuple[int | None, str]:
    """Write the timeline as Timesketch JSONL to the text stream `out`; (events written or None, note)."""
    if not tl.path_of(case).exists():
        return None, "timeline not built (ungcuu timeline --case DIR)"
    try:
        return int(_export.export(case, "jsonl", out)), ""
    except TIMELINE_ERRORS as exc:
        return None, f"timeline export failed: {exc}"


SEVERITY_VI = {"critical": "nghiêm trọng", "high": "cao", "medium": "trung bình", "low": "thấp", "info": "thông tin"}
_SEV_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def findings(case, lang: str = "vi") -> tuple[list[dict], str]:
    """(rows of findings with their evidence ids, most severe first; note), from `analysis.findings.run`."""
    if case is None:
        return [], "Chưa có kết quả phân tích tự động — findings not available."
    try:
        items = _findings.run(case)
    except TIMELINE_ERRORS as exc:
        return [], f"Không tính được các phát hiện tự động: {exc}"
    rows = []
    for f in items:
        rows.append({
            "severity": SEVERITY_VI.get(f.severity, f.severity) if lang == "vi" else f.severity,
            "rank": _SEV_ORDER.get(f.severity, 9),
            "time": f.time or "",
            "checklist_id": f.checklist_id or "",
            "text": f.summary(lang),
            "evidence": _ids(f.evidence_ids),
        })
    rows.sort(key=lambda r: (r["rank"], r["time"]))
    return rows, "" if rows else "Các quy tắc phân tích tự động không phát hiện điều gì (no automatic findings)."
