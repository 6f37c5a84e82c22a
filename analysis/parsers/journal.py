"""systemd journal export format (``journalctl -o export``): entries separated by an empty line, fields
``KEY=value`` or binary ``KEY\\n<little-endian u64 size><data>\\n``. Time = ``__REALTIME_TIMESTAMP`` (µs UTC).
"""
from __future__ import annotations

import struct
from typing import Any, BinaryIO, Iterator

from analysis.events import DESC_RECORDED, Event, ParseReport
from analysis.parsers.syslog import auth_fields, classify

KEEP = ("_PID", "_UID", "_COMM", "_EXE", "_CMDLINE", "_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER", "PRIORITY",
        "_TRANSPORT", "_BOOT_ID", "SYSLOG_FACILITY", "UNIT", "_SYSTEMD_USER_UNIT")


def _entries(fh: BinaryIO, report: ParseReport):
    """Yield (entry number, byte offset, dict of bytes->bytes)."""
    entry: dict = {}
    n = 0
    start = 0
    pos = 0
    readline = fh.readline
    while True:
        line = readline()
        if not line:
            break
        here = pos
        pos += len(line)
        if line == b"\n":
            if entry:
                n += 1
                yield n, start, entry
                entry = {}
            start = pos
            continue
        if not entry:
            start = here
        body = line[:-1] if line.endswith(b"\n") else line
        eq = body.find(b"=")
        if eq >= 0:
            entry[body[:eq]] = body[eq + 1:]
            continue
        # binary field: name line, then 8-byte little-endian size, data, newline
        size_raw = fh.read(8)
        pos += len(size_raw)
        if len(size_raw) < 8:
            report.skip(f"offset {here}", "truncated binary field")
            entry = {}  # the unfinished entry is not kept
            break
        (size,) = struct.unpack("<Q", size_raw)
        if size > 64 * 1024 * 1024:
            report.skip(f"offset {here}", f"implausible binary field size {size}")
            entry = {}
            break
        data = fh.read(size)
        pos += len(data)
        nl = fh.read(1)
        pos += len(nl)
        if len(data) < size:
            report.skip(f"offset {here}", "truncated binary field")
            entry = {}
            break
        entry[body] = data
    if entry:
        n += 1
        yield n, start, entry


def parse(fh: BinaryIO, report: ParseReport, *, host: str = "", evidence_id: str = "") -> Iterator[Event]:
    report.parser = report.parser or "journal"
    entries = ((n, n, e) for n, _offset, e in _entries(fh, report))
    yield from events_from_entries(entries, report, host=host, evidence_id=evidence_id)


def events_from_entries(entries, report: ParseReport, *, host: str = "", evidence_id: str = "",
                        locator: str = "entry {}") -> Iterator[Event]:
    """Events of journal entries ``(n, locator value, {field bytes: value bytes})``: from an export here,
    from a binary journal file in journal_file.py."""
    for _n, loc, e in entries:
        raw_ts = e.get(b"__REALTIME_TIMESTAMP")
        try:
            ts = int(raw_ts)
        except (TypeError, ValueError):
            report.skip(locator.format(loc), "no __REALTIME_TIMESTAMP")
            continue
        def d(k: bytes, e: dict = e) -> str:
            return e.get(k, b"").decode("utf-8", "replace")
        msg = d(b"MESSAGE")
        ident = d(b"SYSLOG_IDENTIFIER") or d(b"_COMM")
        pid = d(b"_PID") or d(b"SYSLOG_PID")
        fields: dict[str, Any] = {"program": ident}
        if pid.isdigit():
            fields["pid"] = int(pid)
        for k in KEEP:
            v = e.get(k.encode())
            if v is not None:
                fields[k.lower().lstrip("_")] = v.decode("utf-8", "replace")
        fields.pop("pid", None) if not pid.isdigit() else None
        if pid.isdigit():
            fields["pid"] = int(pid)
        src = classify(ident) if ident else "journal"
        if src == "syslog":
            src = "journal"
        if src == "auth":
            extra = auth_fields(ident, msg)
            if extra:
                fields.update(extra)
        label = f"{ident}[{pid}]" if pid else ident
        report.events += 1
        yield Event(ts, DESC_RECORDED, src, "journal", f"{label}: {msg}" if label else msg,
                    d(b"_HOSTNAME") or host, fields, 0, evidence_id, locator.format(loc))
