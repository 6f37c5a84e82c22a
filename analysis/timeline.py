"""The case timeline (C1): every event from every piece of evidence, in ``CASE/timeline.sqlite``.

The file is derived: `build` recreates it from the evidence at any time (into a temporary file renamed
over the old one, so readers never see half a timeline and a cancelled build keeps the old one). Events
are streamed to SQLite in batches, so memory stays flat whatever the input size.

Functions for the GUI and the command line (all take a `Case`, a path to the case folder, or a connection
from `connect`; query functions reuse one read-only connection per thread, reopened after a rebuild):

- ``build(case, progress=None, cancel=None) -> BuildSummary``: ``progress(Progress(done, total, events,
  current, skipped))`` is called between batches; ``cancel`` is a threading.Event (or a callable) checked
  between batches, then `Cancelled` is raised and the previous timeline stays. ``iter_build(case, cancel)``
  is the same as a generator of `Progress` (its return value is the summary), for a Qt worker.
  ``ensure(case)`` builds only when missing or stale (evidence added since); ``is_current(case)``.
- ``connect(case) -> sqlite3.Connection`` (read-only, rows as sqlite3.Row; the caller closes it).
- Rows are dicts: id, ts (µs UTC), offset_s, datetime (ISO 8601 in the source's offset), timestamp_desc,
  source, parser, host, message, fields (dict), evidence_id, locator.
- ``Filter(start=None, end=None, sources=None, text=None, evidence_id=None)`` — ``start``/``end`` are
  microseconds UTC (``end`` exclusive), ``sources`` a list of source names, ``text`` a case-insensitive
  substring of the message; ``hosts`` a list of host names (an incident case's timeline spans the hosts
  imported into it, analysis/hosts.py; ``host_counts(case)`` -> {host: n}).
- ``count(case, flt)`` -> int; ``page(case, flt, limit=200, offset=0, after=None)`` -> list of dicts
  ordered by (time, id); ``after=(ts, id)`` of the last row pages by keyset (fast at any depth).
- ``histogram(case, flt, buckets=100)`` -> list of (bucket_start_us, count) over the filter's range.
- ``time_range(case, flt)`` -> (first_us, last_us) or None; ``source_counts(case)`` -> {source: n}.
- ``get_event(case, event_id)`` -> dict; ``events(case, flt)`` iterates every row (exports).
- ``parse_reports(case)`` -> what each parser read and skipped, per evidence item.
- Marks (kept in case.sqlite, table ``analysis_marks``, keyed by evidence id + locator, so they survive
  a rebuild): ``mark(case, event, note="")``, ``unmark(case, event)``, ``marks(case)``,
  ``marked_keys(case)`` -> set of (evidence_id, locator).
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Generator, Iterable, Iterator

from analysis.events import MAX_OFFSET_S, MAX_US, MIN_US, Event, ParseReport, Rows, dumps_fields, iso_from_us, iso_z, time_problem
from collectors.errors import Cancelled, DestinationFull, DestinationUnwritable, UnreadableInput

FILE_NAME = "timeline.sqlite"
SCHEMA_VERSION = "1"
BATCH = 5_000

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    offset_s INTEGER NOT NULL DEFAULT 0,
    timestamp_desc TEXT NOT NULL,
    source TEXT NOT NULL,
    parser TEXT NOT NULL,
    host TEXT,
    message TEXT NOT NULL,
    fields TEXT,
    evidence_id TEXT NOT NULL,
    locator TEXT NOT NULL);
CREATE TABLE parse_reports (
    evidence_id TEXT NOT NULL, name TEXT, source TEXT, parser TEXT NOT NULL, events INTEGER NOT NULL,
    skipped INTEGER NOT NULL, problems TEXT NOT NULL, fatal TEXT);
"""
# One index: time (every GUI query is a time window or ordered by time). Source/text filters are applied
# to the rows of the window; provenance lookups (marks) are rare and small.
_INDEXES = """
CREATE INDEX events_ts ON events (ts, id);
"""
COLUMNS = ("id", "ts", "offset_s", "timestamp_desc", "source", "parser", "host", "message", "fields",
           "evidence_id", "locator")

_MARKS = """
CREATE TABLE IF NOT EXISTS analysis_marks (
    evidence_id TEXT NOT NULL, locator TEXT NOT NULL, ts INTEGER, message TEXT, note TEXT NOT NULL DEFAULT '',
    examiner TEXT, marked_at TEXT NOT NULL, PRIMARY KEY (evidence_id, locator));
"""


@dataclass
class Progress:
    done: int  # evidence items finished
    total: int
    events: int  # events stored so far
    current: str = ""  # the evidence item being read
    skipped: int = 0


@dataclass
class BuildSummary:
    events: int = 0
    skipped: int = 0
    sources: dict = field(default_factory=dict)
    reports: list = field(default_factory=list)
    seconds: float = 0.0
    path: str = ""


def _case(case):
    if isinstance(case, (str, os.PathLike)):
        from collectors.case import Case
        return Case.open(case)
    return case


def path_of(case) -> Path:
    if isinstance(case, Path) and case.name == FILE_NAME:
        return case
    case = _case(case)
    return Path(case.path) / FILE_NAME


def _fingerprint(case) -> str:
    row = case.db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM evidence").fetchone()
    from analysis import hosts as _hosts

    imported = _hosts.fingerprint(case)  # an incident case: the host collections imported into it
    return f"{row[0]}:{row[1]}" + (f"|{imported}" if imported else "")


def _is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event):
        return cancel.is_set()
    return bool(cancel())


_row = attrgetter("timestamp", "offset_s", "timestamp_desc", "source", "parser", "host", "message", "fields_json",
                  "evidence_id", "locator")
_encode = dumps_fields


def _batches(events: Iterable[Event | Rows], evidence_id: str, report: ParseReport) -> Generator[list, None, None]:
    """Row tuples for the events table, in lists of BATCH; events whose time cannot be stored are counted
    as skipped in `report` with their locators. A parser's `Rows` (checked already) pass through as they
    are, after the events before them."""
    batch: list = []
    append = batch.append
    lo, hi, off_lo, off_hi = MIN_US, MAX_US, -MAX_OFFSET_S, MAX_OFFSET_S  # locals: this loop is hot
    for ev in events:
        if isinstance(ev, Rows):
            if batch:
                yield batch
                batch = []
                append = batch.append
            if ev and not ev[0][8]:
                ev = Rows(r[:8] + (evidence_id, r[9]) for r in ev)
            if ev:
                yield ev
            continue
        row = _row(ev)  # one C call builds the row tuple
        ts, off = row[0], row[1]
        try:
            storable = lo <= ts <= hi and off_lo <= off <= off_hi
        except TypeError:  # None or text where a time should be
            storable = False
        if not storable:
            report.skip(ev.locator or "?", time_problem(ts, off) or "time not storable")
            continue
        if row[7] is None and ev.fields or not row[8]:
            row = row[:7] + (_encode(ev.fields) if ev.fields else None, row[8] or evidence_id, row[9])
        append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
            append = batch.append
    if batch:
        yield batch


def _insert(db, insert: str, batch: list, report: ParseReport) -> int:
    """Insert a batch; a row SQLite refuses (a value of the wrong type) is skipped with its locator, the
    rest of the batch is kept. Storage errors (disk full) propagate: they stop the build."""
    db.execute("SAVEPOINT batch")
    try:
        db.executemany(insert, batch)
        db.execute("RELEASE batch")
        return len(batch)
    except _UNSTORABLE as exc:
        if not _refused_row(exc):
            raise
        db.execute("ROLLBACK TO batch")  # the rows before the bad one, inserted again one by one below
        db.execute("RELEASE batch")
    stored = 0
    for row in batch:
        try:
            db.execute(insert, row)
            stored += 1
        except _UNSTORABLE as exc:
            if not _refused_row(exc):
                raise
            report.skip(str(row[9]) if row[9] else "?", f"not storable: {type(exc).__name__}: {exc}")
    return stored


_UNSTORABLE = (OverflowError, ValueError, TypeError, sqlite3.InterfaceError, sqlite3.IntegrityError,
               sqlite3.ProgrammingError)


def _refused_row(exc: BaseException) -> bool:
    """A value SQLite cannot bind or a constraint: the row's fault, not the database's."""
    return not isinstance(exc, sqlite3.ProgrammingError) or "binding parameter" in str(exc)


def iter_build(case, cancel=None) -> Generator[Progress, None, BuildSummary]:
    """Rebuild the timeline; yields Progress; the generator's return value is the BuildSummary."""
    from analysis import sources as _sources

    case = _case(case)
    t0 = time.perf_counter()
    final = path_of(case)
    tmp = final.with_name(FILE_NAME + ".building")
    for p in (tmp, Path(str(tmp) + "-journal")):
        if p.exists():
            p.unlink()
    fingerprint = _fingerprint(case)
    ctx = _sources.context(case)
    jobs = _sources.plan(case, ctx)
    try:
        db = sqlite3.connect(tmp, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA user_version=1")
    except sqlite3.OperationalError as exc:
        raise DestinationUnwritable(f"cannot write the timeline in {final.parent}: {exc}; copy the case folder "
                                    f"to a writable disk to analyse it", path=str(final.parent)) from exc
    summary = BuildSummary(path=str(final))
    ok = False
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-8192")  # flat memory: 8 MiB whatever the input size
        db.executescript(_SCHEMA)
        insert = ("INSERT INTO events (ts, offset_s, timestamp_desc, source, parser, host, message, fields, "
                  "evidence_id, locator) VALUES (?,?,?,?,?,?,?,?,?,?)")
        yield Progress(0, len(jobs), 0)
        # events per source, counted as the batches are stored (a GROUP BY over the finished table costs
        # a full scan); counted by SQL when a batch was stored only in part or hosts are merged in
        per_source: Counter = Counter()
        counted = True
        source_of = itemgetter(3)
        db.execute("BEGIN")
        for i, job in enumerate(jobs):
            rec = job.record
            report = ParseReport(parser=job.parser, evidence_id=rec.id)
            batches = None
            stored = 0
            while True:
                try:
                    if batches is None:
                        batches = _batches(job.run(report), rec.id, report)
                    batch = next(batches)
                except StopIteration:
                    break
                except (OSError, EOFError) as exc:  # the evidence file could not be read (any more)
                    report.fatal = f"cannot read {rec.name}: {exc}"
                    break
                except (Cancelled, DestinationFull, DestinationUnwritable):
                    raise
                except Exception as exc:  # noqa: BLE001 - a parser bug must not cost the other evidence its timeline
                    report.fatal = f"parser {job.parser} failed: {type(exc).__name__}: {exc}"
                    break
                n = _insert(db, insert, batch, report)  # disk full stops the build
                if n == len(batch):
                    per_source.update(map(source_of, batch))
                else:
                    counted = False
                stored += n
                summary.events += n
                if _is_cancelled(cancel):
                    batches.close()
                    raise Cancelled("timeline build cancelled; the previous timeline is kept")
                yield Progress(i, len(jobs), summary.events, rec.id + " " + rec.name, summary.skipped)
            report.events = stored  # what is in the timeline (events refused at insert are skipped)
            db.execute("INSERT INTO parse_reports VALUES (?,?,?,?,?,?,?,?)",
                       (rec.id, rec.name, rec.source, job.parser, report.events, report.skipped,
                        json.dumps(report.problems, ensure_ascii=False), report.fatal or None))
            summary.skipped += report.skipped
            summary.reports.append(report.to_dict() | {"name": rec.name, "source": rec.source})
            if _is_cancelled(cancel):
                raise Cancelled("timeline build cancelled; the previous timeline is kept")
            yield Progress(i + 1, len(jobs), summary.events, rec.id + " " + rec.name, summary.skipped)
        db.execute("COMMIT")
        from analysis import hosts as _hosts

        imported = _hosts.current(case)
        if imported:  # an incident case: every imported host's timeline, under its host
            own = summary.events
            for merged in _hosts.iter_merge(db, case, cancel):
                summary.events = own + merged
                yield Progress(len(jobs), len(jobs), summary.events, "hosts", summary.skipped)
        db.executescript(_INDEXES)
        if imported:
            db.execute("CREATE INDEX events_host ON events (host, ts)")
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("schema_version", SCHEMA_VERSION), ("evidence_fingerprint", fingerprint),
            ("built_at", iso_z(int(time.time() * 1e6))), ("events", str(summary.events)),
            ("host_offset_s", str(ctx.offset_s)), ("host", ctx.host)])
        if counted and not imported:
            summary.sources.update(sorted(per_source.items()))
        else:
            for src, n in db.execute("SELECT source, COUNT(*) FROM events GROUP BY source ORDER BY source"):
                summary.sources[src] = n
        db.close()
        os.replace(tmp, final)
        ok = True
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():
            raise DestinationFull(f"the disk holding {final.parent} is full: the timeline was not rebuilt",
                                  path=str(final.parent)) from exc
        raise
    finally:
        if not ok:
            db.close()
            if tmp.exists():
                tmp.unlink()
    summary.seconds = time.perf_counter() - t0
    return summary


def build(case, progress=None, cancel=None) -> BuildSummary:
    """Rebuild the timeline; ``progress(Progress)`` is called as it goes; ``cancel`` is a threading.Event
    or a callable returning True to stop (raises Cancelled, the previous timeline stays)."""
    gen = iter_build(case, cancel)
    while True:
        try:
            p = next(gen)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(p)


def is_current(case) -> bool:
    case = _case(case)
    p = path_of(case)
    if not p.exists():
        return False
    try:
        with sqlite3.connect(f"file:{p}?mode=ro", uri=True) as db:
            row = db.execute("SELECT value FROM meta WHERE key='evidence_fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row) and row[0] == _fingerprint(case)


def ensure(case, progress=None, cancel=None) -> BuildSummary | None:
    """Build when the timeline is missing or older than the evidence; None when it was current."""
    case = _case(case)
    if is_current(case):
        return None
    return build(case, progress, cancel)


# ---------------------------------------------------------------------------------------- queries
_local_conns = threading.local()


def connect(case) -> sqlite3.Connection:
    """A read-only connection to the timeline (raises UnreadableInput when it was never built)."""
    p = case if isinstance(case, Path) and case.name == FILE_NAME else path_of(case)
    if not p.exists():
        raise UnreadableInput(f"no timeline in {p.parent}: build it first (ungcuu timeline --case ...)",
                              path=str(p))
    try:
        db = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT 1 FROM events LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise UnreadableInput(f"{p} cannot be read ({exc}); rebuild the timeline", path=str(p)) from exc
    db.row_factory = sqlite3.Row
    return db


def _conn(case_or_conn):
    """The connection to use for a query: the one given, or one cached per thread and per timeline file
    (reopened when a rebuild replaced the file)."""
    if isinstance(case_or_conn, sqlite3.Connection):
        return case_or_conn
    p = path_of(case_or_conn)
    try:
        st = os.stat(p)
    except OSError:
        return connect(case_or_conn)  # raises the clear "no timeline" error
    key = (str(p), st.st_ino, st.st_mtime_ns)
    cache = getattr(_local_conns, "cache", None)
    if cache is None:
        cache = _local_conns.cache = {}
    hit = cache.get(str(p))
    if hit is not None and hit[0] == key:
        return hit[1]
    if hit is not None:
        hit[1].close()
    db = connect(p)
    cache[str(p)] = (key, db)
    return db


@dataclass
class Filter:
    start: int | None = None  # µs UTC, inclusive
    end: int | None = None  # µs UTC, exclusive
    sources: list[str] | None = None
    text: str | None = None
    evidence_id: str | None = None
    hosts: list[str] | None = None  # the host column (an incident case spans hosts)

    def where(self) -> tuple[str, list]:
        clauses: list[str] = []
        args: list[int | str] = []
        if self.start is not None:
            clauses.append("ts >= ?")
            args.append(int(self.start))
        if self.end is not None:
            clauses.append("ts < ?")
            args.append(int(self.end))
        if self.sources:
            clauses.append(f"source IN ({','.join('?' * len(self.sources))})")
            args.extend(self.sources)
        if self.text:
            clauses.append("message LIKE ? ESCAPE '\\'")
            t = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"%{t}%")
        if self.evidence_id:
            clauses.append("evidence_id = ?")
            args.append(self.evidence_id)
        if self.hosts:
            clauses.append(f"host IN ({','.join('?' * len(self.hosts))})")
            args.extend(self.hosts)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def row_dict(row) -> dict:
    d = dict(zip(COLUMNS, row)) if not isinstance(row, sqlite3.Row) else {k: row[k] for k in row.keys()}
    d["fields"] = json.loads(d["fields"]) if d.get("fields") else {}
    d["datetime"] = iso_from_us(d["ts"], d["offset_s"])
    return d


def count(case, flt: Filter | None = None) -> int:
    db = _conn(case)
    where, args = (flt or Filter()).where()
    return db.execute("SELECT COUNT(*) FROM events" + where, args).fetchone()[0]


def page(case, flt: Filter | None = None, limit: int = 200, offset: int = 0, after: tuple | None = None,
         descending: bool = False) -> list[dict]:
    """Rows ordered by (ts, id); ``after=(ts, id)`` of the last row of the previous page (keyset)."""
    db = _conn(case)
    where, args = (flt or Filter()).where()
    if after is not None:
        op = "<" if descending else ">"
        where += (" AND " if where else " WHERE ") + f"(ts, id) {op} (?, ?)"
        args = args + [int(after[0]), int(after[1])]
    order = "DESC" if descending else "ASC"
    sql = f"SELECT {', '.join(COLUMNS)} FROM events{where} ORDER BY ts {order}, id {order} LIMIT ? OFFSET ?"
    return [row_dict(r) for r in db.execute(sql, args + [int(limit), int(offset)])]


def events(case, flt: Filter | None = None, batch: int = 5000) -> Iterator[dict]:
    """Every matching row in time order, fetched in keyset pages (flat memory)."""
    after = None
    while True:
        rows = page(case, flt, limit=batch, after=after)
        if not rows:
            return
        yield from rows
        after = (rows[-1]["ts"], rows[-1]["id"])


def time_range(case, flt: Filter | None = None) -> tuple[int, int] | None:
    db = _conn(case)
    where, args = (flt or Filter()).where()
    row = db.execute("SELECT MIN(ts), MAX(ts) FROM events" + where, args).fetchone()
    return None if row[0] is None else (row[0], row[1])


def histogram(case, flt: Filter | None = None, buckets: int = 100, bucket_us: int | None = None) -> list[tuple[int, int]]:
    """Counts per time bucket over the filter's range (every bucket listed, empty ones with 0)."""
    db = _conn(case)
    flt = flt or Filter()
    rng = time_range(db, flt)
    if rng is None:
        return []
    start = flt.start if flt.start is not None else rng[0]
    end = flt.end if flt.end is not None else rng[1] + 1
    if bucket_us is None:
        bucket_us = max(1, -(-(end - start) // max(1, buckets)))
    n = -(-(end - start) // bucket_us)
    if not (flt.sources or flt.text or flt.evidence_id or flt.hosts) and n <= 5000:
        # time-only: one index range count per bucket (about 8x faster than GROUP BY over 1M rows)
        q = "SELECT COUNT(*) FROM events WHERE ts >= ? AND ts < ?"
        return [(start + i * bucket_us,
                 db.execute(q, (start + i * bucket_us, min(end, start + (i + 1) * bucket_us))).fetchone()[0])
                for i in range(n)]
    where, args = flt.where()
    sql = f"SELECT (ts - ?) / ? AS b, COUNT(*) FROM events{where} GROUP BY b ORDER BY b"
    got = dict(db.execute(sql, [start, bucket_us] + args).fetchall())
    return [(start + i * bucket_us, got.get(i, 0)) for i in range(n)]


def host_counts(case) -> dict[str, int]:
    db = _conn(case)
    return dict(db.execute("SELECT COALESCE(host, ''), COUNT(*) FROM events GROUP BY host ORDER BY host").fetchall())


def source_counts(case) -> dict[str, int]:
    db = _conn(case)
    return dict(db.execute("SELECT source, COUNT(*) FROM events GROUP BY source ORDER BY source").fetchall())


def get_event(case, event_id: int) -> dict | None:
    db = _conn(case)
    row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM events WHERE id = ?", (int(event_id),)).fetchone()
    return row_dict(row) if row else None


def find_by_key(case, evidence_id: str, locator: str) -> list[dict]:
    db = _conn(case)
    return [row_dict(r) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM events WHERE evidence_id = ? AND locator = ?", (evidence_id, locator))]


def parse_reports(case) -> list[dict]:
    db = _conn(case)
    out = []
    for r in db.execute("SELECT * FROM parse_reports"):
        d = {k: r[k] for k in r.keys()}
        d["problems"] = json.loads(d["problems"])
        out.append(d)
    return out


def meta(case) -> dict:
    db = _conn(case)
    return dict(db.execute("SELECT key, value FROM meta").fetchall())


# ---------------------------------------------------------------------------------------- marks
def _marks_table(case):
    case.db.execute(_MARKS)


def _key(event) -> tuple[str, str, int | None, str]:
    if isinstance(event, Event):
        return event.evidence_id, event.locator, event.timestamp, event.message
    return event["evidence_id"], event["locator"], event.get("ts"), event.get("message", "")


def mark(case, event, note: str = "") -> None:
    """Mark an event (a dict from `page`, or an Event) as relevant, with a note; marking again updates."""
    case = _case(case)
    _marks_table(case)
    eid, loc, ts, msg = _key(event)
    with case.transaction():
        case.db.execute(
            "INSERT INTO analysis_marks (evidence_id, locator, ts, message, note, examiner, marked_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (evidence_id, locator) DO UPDATE SET note = excluded.note, "
            "examiner = excluded.examiner, marked_at = excluded.marked_at",
            (eid, loc, ts, msg, note or "", case.examiner, iso_z(int(time.time() * 1e6))))
        case.custody.append("analysis_mark", f"{eid} {loc}", {"note": note or ""})


def unmark(case, event) -> bool:
    case = _case(case)
    _marks_table(case)
    eid, loc, _, _ = _key(event)
    with case.transaction():
        cur = case.db.execute("DELETE FROM analysis_marks WHERE evidence_id = ? AND locator = ?", (eid, loc))
        if cur.rowcount:
            case.custody.append("analysis_unmark", f"{eid} {loc}", {})
    return bool(cur.rowcount)


def marks(case) -> list[dict]:
    case = _case(case)
    _marks_table(case)
    return [{k: r[k] for k in r.keys()} for r in case.db.execute("SELECT * FROM analysis_marks ORDER BY ts")]


def marked_keys(case) -> set[tuple[str, str]]:
    return {(m["evidence_id"], m["locator"]) for m in marks(case)}
