"""setupapi.dev.log / setupapi.app.log (Windows\\INF): one event per device or driver installation
section, at its start time (local time of the host), with what was installed and its exit status.
Device ids such as USBSTOR\\Disk&Ven_...&Prod_... tell when a USB device was first connected."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Iterable, Iterator

from analysis.events import Event, ParseReport

RE_TITLE = re.compile(r"^>>>\s+\[(?P<title>.*)\]\s*$")
RE_START = re.compile(r"^>>>\s+Section start (?P<t>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?)")
RE_EXIT = re.compile(r"^<<<\s+\[Exit status: (?P<s>[^\]]*)\]")
EPOCH = _dt.datetime(1970, 1, 1)
DESC_INSTALL_START = "Start Time"


def _us(text: str) -> int | None:
    try:
        t = _dt.datetime.strptime(text, "%Y/%m/%d %H:%M:%S.%f" if "." in text else "%Y/%m/%d %H:%M:%S")
    except ValueError:
        return None
    return int((t - EPOCH).total_seconds() * 1_000_000)


def parse(lines: Iterable[tuple[int, str]], report: ParseReport, *, host: str = "", offset_s: int = 0,
          evidence_id: str = "") -> Iterator[Event]:
    report.parser = "setupapi"
    title, pending = None, None

    def done(status):
        us, t, n = pending
        report.events += 1
        fields = {"title": t, "exit_status": status}
        dev = t.rsplit(" - ", 1)[-1] if " - " in t else None
        if dev:
            fields["device"] = dev
        return Event(us - offset_s * 1_000_000, DESC_INSTALL_START, "setupapi", "setupapi",
                     f"{t}" + (f" ({status})" if status else ""), host, fields, offset_s, evidence_id, f"line {n}")

    for n, line in lines:
        line = line.lstrip("\ufeff")
        m = RE_TITLE.match(line)
        if m:
            if pending:
                yield done(None)
                pending = None
            title = m.group("title")
            continue
        m = RE_START.match(line)
        if m:
            us = _us(m.group("t"))
            if us is None:
                report.skip(f"line {n}", "section start without a valid time")
            elif title is None:
                report.skip(f"line {n}", "section start without a title")
            else:
                pending = (us, title, n)
            title = None
            continue
        m = RE_EXIT.match(line)
        if m and pending:
            yield done(m.group("s").strip())
            pending = None
    if pending:
        yield done(None)
