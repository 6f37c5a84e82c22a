"""Web browser history and downloads from the SQLite files: Chrome/Edge/Chromium ``History`` (visits and
downloads; times in microseconds since 1601, old downloads tables in seconds since 1970) and Firefox
``places.sqlite`` (visits, download annotations) / ``downloads.sqlite`` (microseconds since 1970).
The hashed copy is opened read-only and immutable (nothing written beside it, no journal replayed)."""
from __future__ import annotations

import sqlite3
from typing import Iterator
from urllib.parse import quote

from analysis.events import Event, ParseReport

DESC_VISIT = "Last Visited Time"
DESC_DOWNLOAD = "File Downloaded"
WEBKIT_EPOCH_US = 11644473600 * 1_000_000


def _webkit(v) -> int | None:
    if not isinstance(v, (int, float)) or v <= 0:
        return None
    if v < 1e11:  # Chrome before version 26 kept download start times in seconds since 1970
        return int(v * 1_000_000)
    return int(v) - WEBKIT_EPOCH_US


def _columns(db, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def _open(path: str):
    db = sqlite3.connect(f"file:{quote(path)}?mode=ro&immutable=1", uri=True)
    # a damaged page can hold text that is not UTF-8: kept, with U+FFFD where bytes were lost
    db.text_factory = lambda b: b.decode("utf-8", "replace")
    return db


def parse(path: str, report: ParseReport, *, browser: str = "chrome", user: str = "", host: str = "",
          evidence_id: str = "") -> Iterator[Event]:
    report.parser = "browser"
    try:
        db = _open(path)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:   # a damaged schema page: names not UTF-8
        report.fatal = f"not a readable SQLite database: {exc}"
        return
    try:
        if "visits" in tables and "urls" in tables:
            yield from _chrome(db, tables, report, browser, user, host, evidence_id)
        elif "moz_places" in tables or "moz_downloads" in tables:
            yield from _firefox(db, tables, report, user, host, evidence_id)
        else:
            report.fatal = "no browser history tables (urls/visits, moz_places, moz_downloads)"
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        report.skip("database", f"stopped reading: {exc}")
    finally:
        db.close()


def _ev(us, desc, browser, msg, fields, host, evidence_id, loc):
    return Event(us, desc, f"{browser}_history", "browser", msg, host, fields, 0, evidence_id, loc)


def _chrome(db, tables, report, browser, user, host, evidence_id):
    who = f"{user}: " if user else ""
    for vid, url, title, t, transition in db.execute(
            "SELECT visits.id, urls.url, urls.title, visits.visit_time, visits.transition "
            "FROM visits JOIN urls ON urls.id = visits.url ORDER BY visits.id"):
        us = _webkit(t)
        if us is None:
            report.skip(f"visit {vid}", "no visit time")
            continue
        report.events += 1
        yield _ev(us, DESC_VISIT, browser, f"{who}{url}" + (f" ({title})" if title else ""),
                  {"url": url, "title": title, "user": user, "transition": (transition or 0) & 0xFF}, host,
                  evidence_id, f"visit {vid}")
    if "downloads" not in tables:
        return
    cols = _columns(db, "downloads")
    target = "target_path" if "target_path" in cols else "full_path"
    src = "tab_url" if "tab_url" in cols else ("url" if "url" in cols else "NULL")
    chains = "downloads_url_chains" in tables
    for did, path, url, t, size in db.execute(
            f"SELECT id, {target}, {src}, start_time, {'total_bytes' if 'total_bytes' in cols else 'NULL'} FROM downloads"):
        if chains and not url:
            row = db.execute("SELECT url FROM downloads_url_chains WHERE id = ? ORDER BY chain_index DESC LIMIT 1",
                             (did,)).fetchone()
            url = row[0] if row else None
        us = _webkit(t)
        if us is None:
            report.skip(f"download {did}", "no start time")
            continue
        report.events += 1
        yield _ev(us, DESC_DOWNLOAD, browser, f"{who}downloaded {url} to {path}",
                  {"url": url, "path": path, "size": size, "user": user}, host, evidence_id, f"download {did}")


def _firefox(db, tables, report, user, host, evidence_id):
    who = f"{user}: " if user else ""
    if "moz_historyvisits" in tables and "moz_places" in tables:
        for vid, url, title, t in db.execute(
                "SELECT v.id, p.url, p.title, v.visit_date FROM moz_historyvisits v JOIN moz_places p "
                "ON p.id = v.place_id ORDER BY v.id"):
            if not isinstance(t, int) or t <= 0:
                report.skip(f"visit {vid}", "no visit time")
                continue
            report.events += 1
            yield _ev(t, DESC_VISIT, "firefox", f"{who}{url}" + (f" ({title})" if title else ""),
                      {"url": url, "title": title, "user": user}, host, evidence_id, f"visit {vid}")
    if "moz_annos" in tables and "moz_anno_attributes" in tables:
        for aid, url, content, t in db.execute(
                "SELECT a.id, p.url, a.content, a.dateAdded FROM moz_annos a JOIN moz_anno_attributes n "
                "ON n.id = a.anno_attribute_id JOIN moz_places p ON p.id = a.place_id "
                "WHERE n.name = 'downloads/destinationFileURI'"):
            if not isinstance(t, int) or t <= 0:
                report.skip(f"annotation {aid}", "no time")
                continue
            report.events += 1
            yield _ev(t, DESC_DOWNLOAD, "firefox", f"{who}downloaded {url} to {content}",
                      {"url": url, "path": content, "user": user}, host, evidence_id, f"download {aid}")
    if "moz_downloads" in tables:
        for did, url, target, t, size in db.execute("SELECT id, source, target, startTime, maxBytes FROM moz_downloads"):
            if not isinstance(t, int) or t <= 0:
                report.skip(f"download {did}", "no start time")
                continue
            report.events += 1
            yield _ev(t, DESC_DOWNLOAD, "firefox", f"{who}downloaded {url} to {target}",
                      {"url": url, "path": target, "size": size, "user": user}, host, evidence_id, f"download {did}")
