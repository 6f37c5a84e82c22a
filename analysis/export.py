"""Timeline exports.

- ``jsonl`` / ``csv``: import into Timesketch as they are — ``message``, ``datetime`` (ISO 8601 with an
  offset), ``timestamp`` (µs UTC), ``timestamp_desc``, plus the event's fields and provenance
  (``evidence_id``, ``locator``).
  jsonl: the bounded record of analysis/export_siem.py (``timesketch_record``): ``datetime`` in the source's
  own offset; the common fields (`export_siem.COMMON`) as their own columns, written as text, because
  Timesketch's index types a field by the first value it sees and rejects every later event whose value
  does not fit (``status`` is a number for a web request, a word for dpkg; an EVTX ``ProcessId`` is a
  number in one record and hex text in the next); every other field in one text field ``extra`` (JSON),
  so the field set stays the same whatever the sources (an EVTX record's EventData names alone are more
  than Timesketch's default limit of 1,000 fields in an index).
  csv: Timesketch reads it with pandas, which drops a whole chunk of rows whose ``datetime`` column mixes
  offsets, so every row is written in one offset, the host's (the source's own offset is the
  ``source_offset`` column); the fields as one JSON column.
- ``timesketch`` (bounded field set, one timeline per host), ``ecs`` / ``ecs-bulk`` (SIEM NDJSON in the
  Elastic Common Schema): analysis/export_siem.py.
- ``bodyfile``: Sleuth Kit 3.x body file, ``MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime``,
  one line per collected file (its original metadata) and per line of any collected body file.
- ``mactime``: the mactime-style view of the file-system events (date, size, macb, mode, uid, gid, inode,
  name), one line per (time, file), the date left blank when it repeats.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
from pathlib import Path
from typing import IO, Iterable

from analysis import export_siem, timeline
from analysis.events import EPOCH, iso_from_us
from analysis.parsers import _text, bodyfile

CSV_COLUMNS = ["message", "datetime", "timestamp", "timestamp_desc", "source", "parser", "hostname", "event",
               "user", "ip", "evidence_id", "locator", "source_offset", "fields"]


def write_jsonl(rows: Iterable[dict], out: IO[str]) -> int:
    """The bounded Timesketch JSONL (one line per row); returns the number of lines."""
    return export_siem.write_timesketch(rows, out)


class _CsvWriter:
    """csv.writer with LF line ends that also quotes a row holding a bare CR: the csv module quotes only
    the characters of its line terminator, and pandas (Timesketch), Excel and csv readers in universal
    newline mode split an unquoted CR (a file named ``a\rb``) into two broken rows."""

    def __init__(self, out: IO[str]):
        self._minimal = csv.writer(out, lineterminator="\n")
        self._quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writerow(self, row: list) -> None:
        cr = any(isinstance(x, str) and "\r" in x for x in row)
        (self._quoted if cr else self._minimal).writerow(row)


def write_csv(rows: Iterable[dict], out: IO[str], offset_s: int = 0) -> int:
    """``datetime`` of every row in `offset_s` (one offset for the file); ``source_offset`` the source's."""
    w = _CsvWriter(out)
    w.writerow(CSV_COLUMNS)
    n = 0
    for row in rows:
        f = row.get("fields") or {}
        w.writerow([row["message"], iso_from_us(row["ts"], offset_s), row["ts"], row["timestamp_desc"], row["source"],
                    row["parser"], row.get("host") or "", f.get("event", ""), f.get("user", ""), f.get("ip", ""),
                    row["evidence_id"], row["locator"], row["datetime"][26:] or "+00:00",
                    json.dumps(f, ensure_ascii=False, default=str) if f else ""])
        n += 1
    return n


def write_bodyfile(case, out: IO[str]) -> int:
    """Collected files' original metadata, then the lines of collected body files (valid ones)."""
    n = 0
    for rec in case.evidence():
        if rec.kind == "file" and rec.orig_meta:
            meta = dict(rec.orig_meta)
            mode = meta.get("mode")
            if isinstance(mode, str) and len(mode) == 10:
                t = "r" if mode[0] == "-" else mode[0]
                meta["mode"] = f"{t}/{t}{mode[1:]}"
            out.write(bodyfile.bodyfile_line(rec.source or rec.name, meta) + "\n")
            n += 1
    for rec in case.evidence():
        name = (rec.source or rec.name).lower()
        if rec.collector == "ntfs_metadata" and rec.name == "$MFT":  # every file record of the volume (C2)
            from analysis.parsers import mft

            counted = _Counting(out)
            mft.to_bodyfile(str(case.evidence_path(rec)), counted)
            n += counted.lines
        elif name.endswith((".body", ".bodyfile")) or rec.name == "bodyfile":
            from analysis.events import ParseReport
            for _, line in _text.iter_lines(case.evidence_path(rec), ParseReport()):
                if line and not line.startswith("#") and bodyfile.columns(line) is not None:
                    out.write(line + "\n")
                    n += 1
    return n


class _Counting:
    """A text output that counts the lines written through it."""

    def __init__(self, out: IO[str]):
        self.out, self.lines = out, 0

    def write(self, text: str) -> None:
        self.lines += text.count("\n")
        self.out.write(text)


def _mactime_date(us: int, offset_s: int) -> str:
    tz = _dt.timezone(_dt.timedelta(seconds=offset_s))
    return (EPOCH + _dt.timedelta(microseconds=us)).astimezone(tz).strftime("%a %b %d %Y %H:%M:%S")


def write_mactime(case, out: IO[str], offset_s: int = 0) -> int:
    """mactime-style listing of file-system events (source 'file'), in the given display offset."""
    out.write("Date,Size,Type,Mode,UID,GID,Meta,File Name\n")
    last = None
    n = 0
    w = _CsvWriter(out)
    for row in timeline.events(case, timeline.Filter(sources=["file"])):
        f = row["fields"]
        date = _mactime_date(row["ts"], offset_s)
        w.writerow([date if date != last else "", f.get("size", ""), f.get("macb", ""), f.get("mode", ""),
                    f.get("uid", ""), f.get("gid", ""), f.get("inode", ""), f.get("path", "")])
        last = date
        n += 1
    return n


def export(case, fmt: str, out: IO[str], flt: timeline.Filter | None = None, lang: str | None = None) -> int:
    """Write the timeline in ``fmt`` (FORMATS); returns the number of lines. With ``lang`` the formats that
    carry a message take it from the event's formatter (resources/formatters/) in that language, the
    source's own line kept as the field raw_message; without it, the source's own line as stored."""
    if fmt in ROW_FORMATS:
        rows: Iterable[dict] = timeline.events(case, flt)
        if lang:
            from . import formatters

            rows = formatters.with_messages(rows, lang)
        if fmt == "jsonl":
            return write_jsonl(rows, out)
        if fmt == "csv":
            offset = timeline.meta(case).get("host_offset_s") or "0"
            return write_csv(rows, out, int(offset) if offset.lstrip("-").isdigit() else 0)
        if fmt == "timesketch":  # bounded field sets: analysis/export_siem.py
            return export_siem.write_timesketch(rows, out)
        return export_siem.write_ecs(rows, out, index="ungcuu" if fmt == "ecs-bulk" else None)
    if fmt == "bodyfile":
        return write_bodyfile(case, out)
    if fmt == "mactime":
        return write_mactime(case, out)
    raise ValueError(f"unknown format {fmt!r} (jsonl, csv, timesketch, ecs, ecs-bulk, bodyfile, mactime)")


FORMATS = ("jsonl", "csv", "timesketch", "ecs", "ecs-bulk", "bodyfile", "mactime")
ROW_FORMATS = ("jsonl", "csv", "timesketch", "ecs", "ecs-bulk")   # one line per timeline event (a known total)
PROGRESS_EVERY = 2000


class _Watched:
    """A text output that counts lines, reports progress every PROGRESS_EVERY lines and stops the export
    (Cancelled) when `cancel` is set."""

    def __init__(self, out: IO[str], total: int | None, progress=None, cancel=None):
        self.out, self.total, self.progress, self.cancel = out, total, progress, cancel
        self.lines = 0
        self._next = PROGRESS_EVERY

    def write(self, text: str) -> int:
        self.out.write(text)
        self.lines += text.count("\n")
        if self.lines >= self._next:
            self._next = self.lines + PROGRESS_EVERY
            if self.cancel is not None and self.cancel.is_set():
                from collectors.errors import Cancelled

                raise Cancelled("timeline export cancelled")
            if self.progress is not None:
                self.progress(self.lines, self.total)
        return len(text)


def export_file(case, fmt: str, path, flt: timeline.Filter | None = None, *, progress=None, cancel=None,
                lang: str | None = None) -> int:
    """Export into the file `path` through `path.part`, renamed when complete (a cancelled or failed export
    leaves no partial file). ``progress(lines, total)`` (total None when unknown); ``cancel``: an Event."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} ({', '.join(FORMATS)})")
    path = Path(path)
    total = timeline.count(case, flt) if fmt in ROW_FORMATS else None
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "w", encoding="utf-8", newline="") as fh:
            watched = _Watched(fh, total, progress, cancel)
            n = export(case, fmt, watched, flt, lang)  # type: ignore[arg-type]
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(n, total if total is not None else n)
    return n


def to_string(case, fmt: str, flt=None) -> str:
    buf = io.StringIO()
    export(case, fmt, buf, flt)
    return buf.getvalue()
