"""Apache / nginx access logs in the common and combined formats (optionally with a leading vhost)."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Iterable, Iterator

from analysis.events import DESC_RECORDED, Event, ParseReport, us_from_dt
from analysis.parsers.syslog import MONTHS

# Linear in time and memory whatever the line length: a quoted field is written as the "unrolled loop"
# `[^"\\]*(?:\\.[^"\\]*)*` (a run of plain characters is one single-character repeat, which Python's
# engine backtracks without a stack; the group repeats once per backslash escape only). The form
# `(?:[^"\\]|\\.)*` pushed one backtracking frame per character: about 500 MB for a 1 MiB request.
# The size is at most 20 digits (a 30000-digit number is not a size, and int() refuses it).
_QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'
RE_ACCESS = re.compile(
    r'(?:(?P<vhost>[^\s:]+(?::\d+)?) )?(?P<ip>\S+) (?P<ident>\S+) (?P<user>\S+) '
    r'\[(?P<d>\d{1,2})/(?P<mon>[A-Z][a-z]{2})/(?P<y>\d{4}):(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?: (?P<z>[+-]\d{4}))?\] '
    rf'"(?P<request>{_QUOTED})" (?P<status>\d{{3}}|-) (?P<size>\d{{1,20}}(?!\d)|-)'
    rf'(?: "(?P<referer>{_QUOTED})" "(?P<agent>{_QUOTED})")?')


def parse(lines: Iterable[tuple[int, str]], report: ParseReport, *, server: str = "web", host: str = "",
          evidence_id: str = "") -> Iterator[Event]:
    report.parser = report.parser or "access_log"
    cache: dict = {}
    for n, line in lines:
        if not line.strip():
            continue
        m = RE_ACCESS.match(line)
        if not m:
            report.skip(f"line {n}", "not a common/combined log line")
            continue
        g = m.groupdict()
        key = (g["y"], g["mon"], g["d"], g["H"], g["M"], g["S"], g["z"])
        ts_off = cache.get(key)
        if ts_off is None:
            mon = MONTHS.get(g["mon"])
            try:
                base = us_from_dt(_dt.datetime(int(g["y"]), mon or 0, int(g["d"]), int(g["H"]), int(g["M"]), int(g["S"])))
            except (ValueError, TypeError):
                report.skip(f"line {n}", "invalid date")
                continue
            z = g["z"] or "+0000"
            off = (-1 if z[0] == "-" else 1) * (int(z[1:3]) * 3600 + int(z[3:5]) * 60)
            ts_off = (base - off * 1_000_000, off)
            if len(cache) > 50_000:
                cache.clear()
            cache[key] = ts_off
        req = g["request"]
        parts = req.split(" ")
        method, path, proto = (parts + ["", "", ""])[:3] if len(parts) >= 2 else ("", req, "")
        status = int(g["status"]) if g["status"] != "-" else 0
        fields = {"ip": g["ip"], "user": "" if g["user"] == "-" else g["user"], "method": method, "path": path,
                  "protocol": proto, "status": status, "size": int(g["size"]) if g["size"] != "-" else 0,
                  "server": server}
        if g["referer"] is not None:
            fields["referer"] = g["referer"]
            fields["user_agent"] = g["agent"]
        if g["vhost"]:
            fields["vhost"] = g["vhost"]
        report.events += 1
        yield Event(ts_off[0], DESC_RECORDED, "web", "access_log", f"{g['ip']} {req} -> {g['status']}", host,
                    fields, ts_off[1], evidence_id, f"line {n}")
