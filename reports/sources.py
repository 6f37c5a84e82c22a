"""What the reports read from a case besides the incident record: evidence rows, the custody log, and
(when the analysis package provides them) key timeline events and findings.

The analysis package is built alongside; every call to it is guarded so a report is still produced,
with a note saying what is missing, when the timeline has not been built or the API is absent.
"""
from __future__ import annotations

import importlib
from typing import Any

MAX_KEY_EVENTS = 200
MAX_WINDOW_EVENTS = 60      # events around detection shown when no finding or mark points at any

from .document import utc_short  # noqa: E402


def _val(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if isinstance(obj, dict) and obj.get(n) not in (None, ""):
            return obj[n]
        v = getattr(obj, n, None)
        if v not in (None, ""):
            return v
    return default


def _ids(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _module(name: str):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def evidence_per_item(case) -> dict[str, tuple[int, int]]:
    """{checklist id: (items, total bytes)} from one query."""
    rows = case.db.execute("SELECT checklist_id, COUNT(*), COALESCE(SUM(size), 0) FROM evidence "
                           "GROUP BY checklist_id ORDER BY checklist_id")
    return {str(cid): (int(n), int(total)) for cid, n, total in rows}


def iter_custody(case):
    """The custody log entry by entry (a case of 40 000 items holds as many entries: ~100 MB as a list)."""
    import json

    for r in case.db.execute("SELECT * FROM custody ORDER BY seq"):
        e = dict(r)
        e["details"] = json.loads(e["details"])
        yield e


def custody_summary(case) -> dict:
    """{"count", "first_ts", "last_ts", "last_hash"} of the custody log, from one query."""
    n, first, last = case.db.execute("SELECT COUNT(*), MIN(ts), MAX(ts) FROM custody").fetchone()
    row = case.db.execute("SELECT hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
    return {"count": n, "first_ts": first, "last_ts": last, "last_hash": row[0] if row else None}


def custody_rows(case, entries: list[dict] | None = None) -> list[list[str]]:
    if case is None:
        return []
    rows = []
    for e in case.custody.entries() if entries is None else entries:
        rows.append([str(e["seq"]), utc_short(e["ts"]), str(e.get("actor") or ""), str(e["action"]),
                     str(e.get("target") or ""), str(e["hash"])[:12] + "…"])
    return rows


def custody_problems(case, entries: list[dict] | None = None) -> list[str]:
    if case is None:
        return []
    try:
        from collectors.custody import verify_chain

        return verify_chain(iter_custody(case) if entries is None else entries)
    except Exception as exc:  # pragma: no cover
        return [f"không kiểm tra được nhật ký lưu giữ: {exc}"]


def recipients_for(incident: dict) -> list[dict]:
    from .regimes import RegimeError, recipients

    try:
        return recipients(incident)
    except RegimeError:
        return list(incident.get("recipients") or [])


def _event_row(e: Any) -> dict:
    time = _val(e, "datetime", "time", "timestamp_iso", "when", default="")
    if not isinstance(time, str):
        iso = getattr(time, "isoformat", None)
        time = iso() if iso else str(time)
    return {
        "time": _short_utc(str(time)), "iso": str(time),
        "source": str(_val(e, "source", "parser", "source_short", "data_type", default="")),
        "message": str(_val(e, "message", "text", "description", default="")),
        "evidence": (_ids(_val(e, "evidence_id", "evidence", "evidence_ids")) + "\n" +
                     str(_val(e, "locator", default=""))).strip(),
    }


def _short_utc(text: str) -> str:
    """'2021-04-10T20:00:00.000000+00:00' -> '2021-04-10 20:00:00' (the column header says UTC)."""
    import datetime as dt

    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M:%S") + (f".{t.microsecond:06d}" if t.microsecond else "")


KEY_WINDOW_BEFORE_T0_DAYS = 3


def key_events(case, t0=None, marked_only: bool = False, lang: str = "vi") -> tuple[list[dict], str]:
    """(rows of key timeline events, note in `lang`). Events marked relevant first; else (unless
    `marked_only`) the events from three days before detection (T0, an aware datetime) on, when there
    are any; else the first events."""
    def L(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    tl = _module("analysis.timeline")
    if tl is None or case is None:
        return [], L("Chưa có dòng thời gian (mô-đun phân tích chưa sẵn sàng).", "Timeline not available.")
    try:
        marked = list(tl.marks(case)) if hasattr(tl, "marks") else []
    except Exception:
        marked = []
    if marked:
        rows = []
        for m in marked[:MAX_KEY_EVENTS]:
            ts = m.get("ts")
            when = _iso_us(ts) if isinstance(ts, int) else str(ts or "")
            source = ""
            try:
                ev = tl.find_by_key(case, m["evidence_id"], m["locator"])
                if ev:
                    source = str(ev[0].get("source") or "")
            except Exception:
                pass
            msg = str(m.get("message") or "")
            if m.get("note"):
                msg += f" — {m['note']}"
            rows.append({"time": when, "iso": _iso_full(ts) if isinstance(ts, int) else "",
                         "source": source or str(m.get("locator") or ""), "message": msg,
                         "evidence": f"{m.get('evidence_id') or ''}\n{m.get('locator') or ''}".strip()})
        more = L(f" (hiện {MAX_KEY_EVENTS} sự kiện đầu)", f" (first {MAX_KEY_EVENTS} shown)") \
            if len(marked) > MAX_KEY_EVENTS else ""
        return rows, L(f"{len(marked)} sự kiện được người phân tích đánh dấu là quan trọng{more}.",
                       f"{len(marked)} events marked relevant by the analyst{more}.")
    if marked_only:
        return [], ""
    note = ensure_timeline(case)  # the report shows the timeline of the evidence as it is now
    if note:
        return [], L("Không dựng được dòng thời gian: ", "Timeline could not be built: ") + note
    try:
        total = tl.count(case)
        if t0 is not None and hasattr(tl, "Filter"):
            import datetime as dt

            start = t0 - dt.timedelta(days=KEY_WINDOW_BEFORE_T0_DAYS)
            flt = tl.Filter(start=int((start - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
                                      // dt.timedelta(microseconds=1)))
            items = tl.page(case, flt, limit=MAX_WINDOW_EVENTS)
            if items:
                rows = [_event_row(e) for e in items]
                since = f"{start:%d/%m/%Y %H:%M}"
                return rows, L(f"Chưa có phát hiện hay sự kiện nào được đánh dấu; hiện {len(rows)} sự kiện đầu tiên "
                               f"kể từ {since} ({KEY_WINDOW_BEFORE_T0_DAYS} ngày trước thời điểm phát hiện), trong "
                               f"{total} sự kiện của dòng thời gian.",
                               f"No finding or marked event; the first {len(rows)} events from {since} "
                               f"({KEY_WINDOW_BEFORE_T0_DAYS} days before detection) of {total} are shown.")
        items = tl.page(case, limit=MAX_WINDOW_EVENTS)
    except Exception as exc:
        return [], L("Không đọc được dòng thời gian: ", "Timeline could not be read: ") + str(exc)
    if not items:
        return [], L("Dòng thời gian chưa có sự kiện.", "The timeline holds no event.")
    rows = [_event_row(e) for e in items]
    return rows, L(f"Chưa có phát hiện hay sự kiện nào được đánh dấu; hiện {len(rows)} trong {total} sự kiện đầu "
                   "tiên của dòng thời gian.", f"No finding or marked event; the first {len(rows)} of {total} "
                   "events are shown.")


def _iso_us(us: int) -> str:
    import datetime as dt

    return (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=us)).strftime(
        "%Y-%m-%d %H:%M:%S")


def _iso_full(us: int) -> str:
    import datetime as dt

    return (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=us)).isoformat()


def ensure_timeline(case) -> str:
    """Build or refresh the timeline when the analysis package can; returns a note on failure."""
    tl = _module("analysis.timeline")
    if tl is None or not hasattr(tl, "ensure"):
        return "timeline not available (analysis package missing)"
    try:
        tl.ensure(case)
    except Exception as exc:
        return f"timeline could not be built: {exc}"
    return ""


def timeline_export(case, out) -> tuple[int | None, str]:
    """Write the timeline as Timesketch JSONL to the text stream `out`; (events written or None, note)."""
    exp = _module("analysis.export")
    tl = _module("analysis.timeline")
    if exp is None or tl is None or not hasattr(exp, "export"):
        return None, "timeline export not available (analysis package missing)"
    try:
        if hasattr(tl, "path_of") and not tl.path_of(case).exists():
            return None, "timeline not built (ungcuu timeline --case DIR)"
        return int(exp.export(case, "jsonl", out)), ""
    except Exception as exc:
        return None, f"timeline export failed: {exc}"


SEVERITY_VI = {"critical": "nghiêm trọng", "high": "cao", "medium": "trung bình", "low": "thấp", "info": "thông tin"}
_SEV_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def finding_objects(case) -> tuple[list, str]:
    """(the analysis package's findings, most severe first; note when they could not be computed)."""
    mod = _module("analysis.findings")
    if mod is None or case is None or not hasattr(mod, "run"):
        return [], "Chưa có kết quả phân tích tự động (mô-đun findings chưa sẵn sàng) — findings not available."
    try:
        items = list(mod.run(case))
    except Exception as exc:
        return [], f"Không tính được các phát hiện tự động: {exc}"
    items.sort(key=lambda f: (_SEV_ORDER.get(str(_val(f, "severity", default="")), 9),
                              str(_val(f, "time", default="") or "")))
    return items, ""


def finding_row(f: Any, lang: str = "vi") -> dict:
    summary = getattr(f, "summary", None)
    text = summary(lang) if callable(summary) else str(_val(f, "summary_vi", "summary", "message", default=""))
    sev = str(_val(f, "severity", default=""))
    refs = _val(f, "references", default=[]) or []
    return {
        "severity": SEVERITY_VI.get(sev, sev) if lang == "vi" else sev,
        "rank": _SEV_ORDER.get(sev, 9),
        "time": str(_val(f, "time", default="") or ""),
        "checklist_id": str(_val(f, "checklist_id", default="") or ""),
        "title": str(_val(f, "title_vi" if lang == "vi" else "title_en", "title_en", default="") or ""),
        "text": text,
        "tags": [str(t) for t in (_val(f, "tags", default=[]) or [])],
        "author": str(_val(f, "author", default="") or ""),
        "references": [str(r) for r in refs] if isinstance(refs, (list, tuple)) else [str(refs)],
        "rule": str(_val(f, "rule", default="") or ""),
        "evidence": _ids(_val(f, "evidence_ids", "evidence", "evidence_id")),
    }


MAX_EVENTS_PER_FINDING = 5


def finding_events(case, items: list, limit: int = MAX_KEY_EVENTS) -> list[dict]:
    """The timeline events behind the findings (their `events` keys), most severe finding first, at most
    MAX_EVENTS_PER_FINDING each: {"us", "offset_s", "source", "message", "evidence_id", "locator", "finding"}.
    One pass over the events of the evidence items involved."""
    tl = _module("analysis.timeline")
    wanted: dict[tuple[str, str], Any] = {}
    for f in items:
        for k in list(_val(f, "events", default=[]) or [])[:MAX_EVENTS_PER_FINDING]:
            if isinstance(k, dict) and k.get("evidence_id") and k.get("locator") is not None:
                wanted.setdefault((str(k["evidence_id"]), str(k["locator"])), f)
        if len(wanted) >= limit:
            break
    if not wanted or tl is None:
        return []
    try:
        db = tl.connect(case)
        ids = sorted({e for e, _ in wanted})
        sql = (f"SELECT ts, offset_s, source, message, evidence_id, locator FROM events "
               f"WHERE evidence_id IN ({','.join('?' * len(ids))}) ORDER BY ts, id")
        rows = []
        for ts, off, source, message, eid, loc in db.execute(sql, ids):
            f = wanted.get((eid, str(loc)))
            if f is not None:
                rows.append({"us": ts, "offset_s": off, "source": source or "", "message": message or "",
                             "evidence_id": eid, "locator": str(loc), "finding": f})
        try:
            db.close()
        except Exception:  # pragma: no cover
            pass
    except Exception:
        return []
    return rows[:limit]


def origin_account(case, items: list, lang: str = "vi") -> list[str]:
    """The C6 account of where the incident came from, as paragraphs. The analysis package's own summary
    (`analysis.origin.summary(case, lang)` or `analysis.findings.origin_summary(case, lang)`) when it has
    one; otherwise the C6 findings' summaries."""
    for name, attr in (("analysis.origin", "summary"), ("analysis.findings", "origin_summary")):
        mod = _module(name)
        fn = getattr(mod, attr, None) if mod is not None else None
        if callable(fn):
            try:
                got = fn(case, lang)
            except TypeError:
                got = fn(case)
            except Exception:
                continue
            if isinstance(got, str):
                return [p for p in got.split("\n\n") if p.strip()]
            if got:
                return [str(p) for p in got]
    return [finding_row(f, lang)["text"] for f in items if str(_val(f, "checklist_id", default="")) == "C6"]


def timeline_total(case) -> int | None:
    tl = _module("analysis.timeline")
    try:
        return int(tl.count(case)) if tl is not None else None
    except Exception:
        return None
