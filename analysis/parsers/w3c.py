"""W3C extended log files: IIS (u_ex*.log, times in UTC) and the Windows Firewall log (pfirewall.log,
``#Time Format: Local``: times in the host's zone). The ``#Fields:`` directive names the columns and may
change mid-file; a line whose column count does not match, or whose date does not parse, is skipped
and counted."""
from __future__ import annotations

import datetime as _dt
from typing import Iterable, Iterator

from analysis.events import DESC_RECORDED, Event, ParseReport

EPOCH = _dt.datetime(1970, 1, 1)


def _us(date: str, time: str) -> int | None:
    try:
        t = _dt.datetime.strptime(f"{date} {time[:15]}", "%Y-%m-%d %H:%M:%S.%f" if "." in time else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return int((t - EPOCH).total_seconds() * 1_000_000)


def _message(kind: str, f: dict) -> str:
    g = lambda k: f.get(k) or "-"  # noqa: E731
    if kind == "firewall":
        return f"{g('action')} {g('protocol')} {g('src-ip')}:{g('src-port')} -> {g('dst-ip')}:{g('dst-port')} {g('path')}"
    query = f"?{f['cs-uri-query']}" if f.get("cs-uri-query") not in (None, "-") else ""
    return f"{g('c-ip')} {g('cs-method')} {g('cs-uri-stem')}{query} {g('sc-status')} {g('cs(User-Agent)')}"


def parse(lines: Iterable[tuple[int, str]], report: ParseReport, *, kind: str = "iis", host: str = "",
          offset_s: int = 0, evidence_id: str = "") -> Iterator[Event]:
    """kind: iis (UTC unless the file says local) or firewall (local time)."""
    report.parser = "w3c"
    fields: list[str] | None = None
    local = kind == "firewall"
    for n, line in lines:
        line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        if line.startswith("#"):
            head, _, rest = line[1:].partition(":")
            if head.strip().lower() == "fields":
                fields = rest.split()
            elif head.strip().lower() == "time format":
                local = rest.strip().lower() == "local"
            continue
        if fields is None:
            report.skip(f"line {n}", "a record before any #Fields directive")
            continue
        cols = line.split()  # fields never hold spaces (W3C writes them as +); a doubled space is not an empty field
        if len(cols) != len(fields):
            report.skip(f"line {n}", f"{len(cols)} columns where #Fields names {len(fields)}")
            continue
        f = dict(zip(fields, cols))
        us = _us(f.get("date", ""), f.get("time", ""))
        if us is None:
            report.skip(f"line {n}", "no date and time")
            continue
        off = offset_s if local else 0
        report.events += 1
        yield Event(us - off * 1_000_000, DESC_RECORDED, kind, "w3c", _message(kind, f), host,
                    {k: v for k, v in f.items() if v != "-"}, off, evidence_id, f"line {n}")
