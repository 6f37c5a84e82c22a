"""Package manager histories (C3): dpkg.log, apt history.log, yum.log, dnf.log / dnf.rpm.log.

All of them write local time without a zone: the caller passes the host's UTC offset (``offset_s``).
yum.log has no year either: ``year`` (or the file time through `syslog.guess_start_year`) supplies it.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Iterable, Iterator

from analysis.events import DESC_RECORDED, DESC_START, Event, ParseReport, us_from_dt
from analysis.parsers.syslog import MONTHS, month_step

RE_DPKG = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (\S+)(?: (.*))?")
# A package name starts where the previous token ended (the look-behind keeps findall from retrying at
# every character of a long token: quadratic on a fuzzed line) and its versions are a bounded field.
RE_APT_PKG = re.compile(r"(?<![^\s,()])([^\s,()]+) \(([^)]{0,1000})\)")
RE_YUM = re.compile(r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (Installed|Updated|Erased|Obsoleted|Reinstalled|Downgraded): (.*)")
RE_DNF = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)? (\w+) (.*)")
RE_DNF_PKG = re.compile(r"(Installed|Upgraded|Upgrade|Updated|Erase|Erased|Removed|Obsoleted|Downgraded|Downgrade|Reinstalled|Reinstall|Install|Cleanup): (\S+)")


def _local(*args: Any) -> int:
    """Microseconds of a local time: year, month, day, hour, minute, second (text or numbers), then the
    offset of the local zone in seconds."""
    y, mo, d, h, mi, s, offset_s = args
    return us_from_dt(_dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))) - offset_s * 1_000_000


def parse_dpkg(lines: Iterable[tuple[int, str]], report: ParseReport, *, offset_s: int = 0, host: str = "",
               evidence_id: str = "") -> Iterator[Event]:
    """dpkg.log: ``2016-08-06 17:35:39 install base-passwd:amd64 <none> 3.5.33``."""
    report.parser = report.parser or "dpkg"
    for n, line in lines:
        if not line.strip():
            continue
        m = RE_DPKG.match(line)
        if not m:
            report.skip(f"line {n}", "not a dpkg.log line")
            continue
        try:
            ts = _local(*m.group(1, 2, 3, 4, 5, 6), offset_s)
        except ValueError:
            report.skip(f"line {n}", "invalid date")
            continue
        action, rest = m.group(7), (m.group(8) or "")
        parts = rest.split()
        fields: dict = {"action": action}
        if action in ("install", "upgrade", "remove", "purge", "trigproc", "configure") and len(parts) >= 3:
            fields.update(package=parts[0], version_old=parts[1], version_new=parts[2])
        elif action == "status" and len(parts) >= 3:
            fields.update(status=parts[0], package=parts[1], version=parts[2])
        elif action == "conffile" and len(parts) >= 2:
            fields.update(path=parts[0], decision=parts[1])
        elif action == "startup" and parts:
            fields.update(detail=" ".join(parts))
        report.events += 1
        yield Event(ts, DESC_RECORDED, "dpkg", "dpkg", f"dpkg {action} {rest}".strip(), host, fields,
                    offset_s, evidence_id, f"line {n}")


_APT_ACTIONS = ("Install", "Upgrade", "Remove", "Purge", "Downgrade", "Reinstall")


def parse_apt_history(lines: Iterable[tuple[int, str]], report: ParseReport, *, offset_s: int = 0,
                      host: str = "", evidence_id: str = "") -> Iterator[Event]:
    """apt history.log: one event per transaction (Start-Date ... End-Date), packages per action."""
    report.parser = report.parser or "apt_history"
    block: dict | None = None
    start_line = 0

    def flush():
        nonlocal block
        b, block = block, None
        if b is None:
            return None
        if "start" not in b:
            report.skip(f"line {start_line}", "transaction without Start-Date")
            return None
        counts = ", ".join(f"{a} {len(b[a.lower()])}" for a in _APT_ACTIONS if b.get(a.lower()))
        cmd = b.get("commandline", "")
        msg = f"apt: {cmd}" + (f" ({counts})" if counts else "") + (f" ERROR: {b['error']}" if b.get("error") else "")
        fields = {k: v for k, v in b.items() if k not in ("start",)}
        report.events += 1
        return Event(b["start"], DESC_START, "apt", "apt_history", msg, host, fields, offset_s, evidence_id,
                     f"line {start_line}")

    for n, line in lines:
        if not line.strip():
            ev = flush()
            if ev:
                yield ev
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            report.skip(f"line {n}", "not a 'Key: value' line")
            continue
        value = value.strip()
        if key == "Start-Date":
            ev = flush()
            if ev:
                yield ev
            block = {}
            start_line = n
            ts = _apt_date(value, offset_s)
            if ts is None:
                report.skip(f"line {n}", f"invalid Start-Date {value!r}")
                block = None
                continue
            block["start"] = ts
            continue
        if block is None:
            report.skip(f"line {n}", f"{key} outside a transaction")
            continue
        if key == "End-Date":
            ts = _apt_date(value, offset_s)
            if ts is not None:
                block["end_us"] = ts
        elif key in _APT_ACTIONS:
            block[key.lower()] = [{"package": p, "versions": v} for p, v in RE_APT_PKG.findall(value)]
        elif key == "Commandline":
            block["commandline"] = value
        elif key == "Requested-By":
            block["requested_by"] = value
        elif key == "Error":
            block["error"] = value
        else:
            block[key.lower().replace("-", "_")] = value
    ev = flush()
    if ev:
        yield ev


def _apt_date(value: str, offset_s: int):
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)\s+(\d\d):(\d\d):(\d\d)", value)
    if not m:
        return None
    try:
        return _local(*m.groups(), offset_s)
    except ValueError:
        return None


def parse_yum(lines: Iterable[tuple[int, str]], report: ParseReport, *, year: int, offset_s: int = 0,
              host: str = "", evidence_id: str = "") -> Iterator[Event]:
    """yum.log (``Mar 04 10:15:33 Installed: httpd-2.4.6-40.el7.x86_64``) and dnf.log / dnf.rpm.log
    (``2021-03-04T10:15:33+0000 SUBDEBUG Installed: foo-1.0-1.x86_64``)."""
    report.parser = report.parser or "yum"
    prev, prev_day = None, 0
    for n, line in lines:
        if not line.strip():
            continue
        m = RE_YUM.match(line)
        if m:
            mon, day = MONTHS.get(m.group(1)), int(m.group(2))
            if mon is None:
                report.skip(f"line {n}", f"unknown month {m.group(1)!r}")
                continue
            prev, roll, late = month_step(prev, prev_day, mon, day)
            year += roll
            line_year = (year - 1 if prev == 1 else year) if late else year
            if not late:
                prev_day = day
            try:
                ts = _local(line_year, mon, day, *m.group(3, 4, 5), offset_s)
            except ValueError:
                report.skip(f"line {n}", "invalid date")
                continue
            action, pkg = m.group(6), m.group(7).strip()
            report.events += 1
            yield Event(ts, DESC_RECORDED, "yum", "yum", f"yum {action}: {pkg}", host,
                        {"action": action.lower(), "package": pkg}, offset_s, evidence_id, f"line {n}")
            continue
        m = RE_DNF.match(line)
        if m:
            try:
                off = offset_s if m.group(7) is None else _off(m.group(7))
                ts = _local(*m.group(1, 2, 3, 4, 5, 6), off)
            except ValueError:
                report.skip(f"line {n}", "invalid date")
                continue
            level, msg = m.group(8), m.group(9)
            fields = {"level": level}
            p = RE_DNF_PKG.match(msg)
            if p:
                fields.update(action=p.group(1).lower(), package=p.group(2))
            report.events += 1
            yield Event(ts, DESC_RECORDED, "dnf", "yum", f"dnf {msg}", host, fields, off, evidence_id,
                        f"line {n}")
            continue
        report.skip(f"line {n}", "not a yum/dnf log line")


def _off(z: str) -> int:
    if z == "Z":
        return 0
    sign = -1 if z[0] == "-" else 1
    z = z[1:].replace(":", "")
    return sign * (int(z[:2]) * 3600 + int(z[2:4]) * 60)
