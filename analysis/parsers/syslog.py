"""Syslog files: RFC 3164 (with year inference across rotation), RFC 5424, rsyslog high-precision
(ISO 8601) timestamps, ChromeOS-style lines with a severity instead of a host; continuation lines are
joined to the record they belong to. auth.log / secure lines from sshd, sudo, su, useradd, usermod,
groupadd, passwd, userdel get typed fields (``event``, ``user``, ``ip``, ``port``, ``method``...);
cron and kernel lines get their own ``source``.

RFC 3164 has neither year nor zone: the caller passes the zone of the host (``offset_s``) and either the
year of the first line (``year``) or a reference time (``ref_us``, usually the file's modification time)
from which `guess_start_year` counts back the year rollovers (a month lower than the previous one).
"""
from __future__ import annotations

import calendar
import datetime as _dt
import json
import re
from collections import deque
from itertools import chain, groupby
from operator import itemgetter
from typing import Iterable, Iterator

from analysis.events import (
    DESC_RECORDED,
    MAX_OFFSET_S,
    MAX_US,
    MIN_US,
    Event,
    ParseReport,
    Rows,
    dumps_fields,
    time_problem,
    us_from_dt,
)

NAME = "syslog"

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
SEVERITIES = {"DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERR", "ERROR", "CRIT", "ALERT", "EMERG"}

RE_3164 = re.compile(r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?:? (.*)", re.S)
RE_3164_LOOSE = re.compile(r"\S{3} {1,2}\d{1,2} \d\d:\d\d:\d\d")
RE_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)? (.*)", re.S)
RE_5424 = re.compile(r"<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[(?:[^\]\\]|\\.)*\](?:\[(?:[^\]\\]|\\.)*\])*)(?: (.*))?", re.S)
# the program name goes into hand-made JSON: no quote, backslash or control character (others take the
# general path, whose JSON encoder escapes them)
RE_FAST = re.compile(
    r"([A-Z][a-z]{2}) ([ \d]?\d) (\d\d):(\d\d):(\d\d) ([^\s:]+) ([^\s\[\]:\"\\\x00-\x1f\x7f]+)(?:\[(\d+)\])?: (.*)", re.S)
# RE_FAST with the month names themselves (a line with another word there takes the general path)
RE_FAST_MONTH = re.compile("(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)" + RE_FAST.pattern[len("([A-Z][a-z]{2})"):], re.S)
RE_TAG = re.compile(r"([^\s\[\]:]+)(?:\[(\d+)\])?: ?(.*)", re.S)

AUTH_PROGRAMS = {"sshd", "sudo", "su", "useradd", "usermod", "userdel", "groupadd", "groupdel",
                 "groupmod", "passwd", "chpasswd", "login", "pam", "systemd-logind", "chage", "gpasswd",
                 "dropbear", "vsftpd", "polkitd", "unix_chkpwd", "sshd-session"}
CRON_PROGRAMS = {"CRON", "cron", "crond", "anacron", "/sbin/anacron", "/usr/sbin/cron", "atd"}

_IP = r"(?P<ip>[0-9A-Fa-f:.]+)"
AUTH_RULES: list[tuple[str, re.Pattern]] = [
    ("ssh_accepted", re.compile(r"Accepted (?P<method>\S+) for (?P<user>\S+) from " + _IP + r" port (?P<port>\d+)")),
    ("ssh_failed", re.compile(r"Failed (?P<method>\S+) for (?:invalid user )?(?P<user>\S*) from " + _IP + r" port (?P<port>\d+)")),
    ("ssh_invalid_user", re.compile(r"[Ii]nvalid user (?P<user>\S*) from " + _IP + r"(?: port (?P<port>\d+))?")),
    ("ssh_no_identification", re.compile(r"Did not receive identification string from " + _IP)),
    ("ssh_disconnect", re.compile(r"(?:Connection closed|Disconnected) by (?:(?:authenticating|invalid) user (?P<user>\S+) )?" + _IP + r"(?: port (?P<port>\d+))?")),
    ("ssh_auth_failure", re.compile(r"pam_unix\(sshd:auth\): authentication failure;.*rhost=" + _IP + r"(?:\s+user=(?P<user>\S+))?")),
    ("sudo_denied", re.compile(r"^\s*(?P<user>\S+) : (?:user NOT in sudoers|\d+ incorrect password attempts|command not allowed)[^;]*;.*?USER=(?P<target>\S+) ; COMMAND=(?P<command>.*)")),
    ("sudo", re.compile(r"^\s*(?P<user>\S+) : (?:TTY=(?P<tty>\S+) ; )?PWD=(?P<pwd>.*?) ; USER=(?P<target>\S+) ; (?:.*?; )?COMMAND=(?P<command>.*)")),
    ("su", re.compile(r"(?:Successful su for (?P<target>\S+) by (?P<user>\S+)|\(to (?P<target2>\S+)\) (?P<user2>\S+) on)")),
    ("session_opened", re.compile(r"pam_unix\((?P<service>[^:]+):session\): session opened for user (?P<user>[^\s(]+)(?:\(uid=\d+\))?(?: by (?P<by>\S*))?")),
    ("session_closed", re.compile(r"pam_unix\((?P<service>[^:]+):session\): session closed for user (?P<user>[^\s(]+)")),
    ("user_added", re.compile(r"new user: name=(?P<user>[^,]+), UID=(?P<uid>\d+), GID=(?P<gid>\d+)(?:, home=(?P<home>[^,]+))?(?:, shell=(?P<shell>[^,\s]+))?")),
    ("group_added", re.compile(r"new group: name=(?P<group>[^,]+), GID=(?P<gid>\d+)")),
    ("user_modified", re.compile(r"(?:change user '(?P<user>[^']+)'|add '(?P<user2>[^']+)' to (?:shadow )?group '(?P<group>[^']+)')")),
    ("user_deleted", re.compile(r"delete user '(?P<user>[^']+)'")),
    ("password_changed", re.compile(r"password changed for (?P<user>\S+)")),
    ("logout", re.compile(r"user (?P<user>\S+) logged out")),
]


SOURCE_OF = {p: "auth" for p in AUTH_PROGRAMS} | {p: "cron" for p in CRON_PROGRAMS} | {"kernel": "kernel"}



PID_DIGITS = 19   # more digits is no process id: a 64-bit number has at most 19 (and int() refuses > 4300)


def pid_value(digits: str) -> int | str:
    """The pid of a syslog tag as a number, or as the text it is when it is too long to be one (a hostile or
    damaged line keeps its digits and does not stop the file)."""
    return int(digits) if len(digits) <= PID_DIGITS else digits

def classify(program: str) -> str:
    return SOURCE_OF.get(program, "syslog")


# keyword that must be in the message before a rule's regex is tried (cheap pre-check)
_KEYWORDS = {"ssh_accepted": "Accepted ", "ssh_failed": "Failed ", "ssh_invalid_user": "nvalid user ",
             "ssh_no_identification": "identification", "ssh_disconnect": " by ", "ssh_auth_failure": "pam_unix",
             "sudo_denied": " : ", "sudo": "COMMAND=", "su": " ", "session_opened": "session opened",
             "session_closed": "session closed", "user_added": "new user", "group_added": "new group",
             "user_modified": "'", "user_deleted": "delete user", "password_changed": "password changed",
             "logout": "logged out"}
_RULES_FOR: dict[str, list] = {}


def _rules_for(program: str) -> list:
    """(event, keyword, regex, groups) of the rules that apply to a program; ``groups`` lists each group's
    field name (a trailing ``2`` dropped: an alternative spelling) and whether it is a number."""
    rules = _RULES_FOR.get(program)
    if rules is None:
        rules = []
        for event, rx in AUTH_RULES:
            if event.startswith("ssh_") and not program.startswith(("sshd", "dropbear")):
                continue
            if event.startswith("sudo") and program != "sudo":
                continue
            if event == "su" and program != "su":
                continue
            names = sorted(rx.groupindex, key=rx.groupindex.__getitem__)
            groups = [(n.rstrip("2"), n.rstrip("2") in ("port", "uid", "gid")) for n in names]
            rules.append((event, _KEYWORDS.get(event, ""), rx, groups))
        _RULES_FOR[program] = rules
    return rules


_REPEATED = re.compile(r"message repeated (\d+) times: \[")


def auth_fields(program: str, msg: str) -> dict | None:
    """Typed fields of an authentication line (None when no rule matches); rsyslog's "message repeated N
    times: [ ... ]" adds ``repeat: N``."""
    rules = _RULES_FOR.get(program)
    for event, kw, rx, groups in _rules_for(program) if rules is None else rules:
        if kw not in msg:
            continue
        m = rx.search(msg)
        if m:
            out = {"event": event}
            for (k, number), v in zip(groups, m.groups()):
                if v is None:
                    continue
                # A number of thousands of digits is not a port: kept as text (int() refuses it).
                out[k] = int(v) if number and len(v) <= 20 else v.strip()
            if event == "ssh_failed" and "invalid user" in msg:
                out["invalid_user"] = True
            if msg.startswith("message repeated") and (r := _REPEATED.match(msg)) and len(r.group(1)) <= 20:
                out["repeat"] = int(r.group(1))
            return out
    return None


# One match per line, from its start to its end: the month and day of a line that starts with a stamp,
# two empty groups for any other line (consuming whole lines is faster than trying ^ at every byte).
_RE_STAMP_AT_LINE_START = re.compile(
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) [^\n]*(?:\n|\Z)|[^\n]*(?:\n|\Z)")
_MONTHS_B = {k.encode(): v for k, v in MONTHS.items()}
LATE_DAYS = 7  # a line dated up to this many days before the line above it, across a month end, is late


def month_step(prev_mon: int | None, prev_day: int, mon: int, day: int) -> tuple[int | None, int, bool]:
    """How the month of the next RFC 3164 line moves the year, reading a file in order.

    Returns (the month to remember, years to add from this line on, whether this one line is late).
    A month lower than the one before is a new year (Dec -> Jan) unless the line is merely late: dated
    within `LATE_DAYS` before the line above it, across a month end (``Jan 31 23:59:59`` logged after
    ``Feb  1 00:00:01`` by a daemon with its own clock; ``Dec 31`` after ``Jan  1``: the year before).
    A late line belongs to the month before and leaves the remembered month as it was.
    """
    if prev_mon is None or mon == prev_mon:
        return mon, 0, False
    if mon == (prev_mon - 2) % 12 + 1 and prev_day + 31 - day <= LATE_DAYS:
        return prev_mon, 0, True
    return mon, (1 if mon < prev_mon else 0), False


def month_change(prev_mon: int | None, prev_dd: str, mon: int, dd: str, year: int) -> tuple[int | None, str, int, int]:
    """Apply `month_step` where the month changes while parsing: (month to remember, day to remember,
    year from now on, this line's year). A late line keeps the remembered day and belongs to the
    month before (the year before, across a new year)."""
    prev_mon, roll, late = month_step(prev_mon, int(prev_dd), mon, int(dd))
    year += roll
    if late:
        return prev_mon, prev_dd, year, (year - 1 if prev_mon == 1 else year)
    return prev_mon, dd, year, year


# The year scan's piece of a file: one regular expression pass over 256 KiB holds the interpreter lock ~5 ms
# (1 MiB held it 20 ms, time the desktop app's GUI thread could not run)
SCAN_CHUNK = 1 << 18


def _line_chunks(fh, size: int = SCAN_CHUNK) -> Iterator[bytes]:
    """A binary file in pieces of about `size` bytes that end at a line end (the last one as it is)."""
    tail = b""
    while True:
        chunk = fh.read(size)
        if not chunk:
            break
        chunk = tail + chunk
        cut = chunk.rfind(b"\n") + 1
        tail = chunk[cut:]
        yield chunk[:cut]
    if tail:
        yield tail  # a last line without its newline


def guess_start_year(lines, ref: _dt.datetime) -> int:
    """Year of the first RFC 3164 line, counting rollovers back from `ref` (the last line's year).

    ``lines`` is an iterable of text lines or a binary file object (read in chunks, much faster).
    Lines with a month after `ref`'s month at the end of the file belong to the year before `ref`.
    The rollovers are counted exactly as `parse` will count them (`month_step`).
    """
    if hasattr(lines, "read"):
        months: dict = _MONTHS_B
        found: Iterable = filter(itemgetter(0), chain.from_iterable(
            _RE_STAMP_AT_LINE_START.findall(c) for c in _line_chunks(lines)))
    else:
        months = MONTHS
        found = (m.group(1, 2) for line in lines if (m := RE_3164.match(line)) and m.group(1) in MONTHS)
    rollovers = 0
    prev, prev_day = None, 0
    # Lines come in runs of one month: the rule is applied line by line only where the month changes (a late
    # line is one of those); inside a run only the run's last day matters, taken without a Python loop.
    for name, run in groupby(found, key=itemgetter(0)):
        mon = months[name]
        for _, day_text in run:
            day = int(day_text)
            if mon == prev:
                prev_day = day
                break  # the rest of the run below
            prev, roll, late = month_step(prev, prev_day, mon, day)
            if not late:
                rollovers += roll
                prev_day = day
        else:
            continue
        last = deque(run, maxlen=1)  # noqa: B031 - the same iterator, resumed where the loop above stopped
        if last:
            prev_day = int(last[0][1])
    end_year = ref.year
    if prev is not None and prev > ref.month:
        end_year -= 1
    return end_year - rollovers


class _Clock:
    """RFC 3164 stamps (no year, no zone) to epoch microseconds, for every line of one file in order: the
    year rule (`month_change`) and a cache of day starts (a handful of entries, so memory stays flat
    whatever the file size). Both the fast path and the general path read their stamps through it."""

    def __init__(self, year: int, offset_s: int):
        self.year = year
        self.offset_us = offset_s * 1_000_000
        self.prev_mon: int | None = None
        self.prev_dd = "0"
        self.days: dict = {}

    def day(self, mon: int, dd: str, line: str) -> int:
        """The start of the day of a line dated `mon dd` (epoch µs), moving the year as the file goes;
        ValueError for a date that does not exist. Called again with the same day right after, it
        returns the same value and changes nothing (the fast path of `parse` relies on that)."""
        if mon != self.prev_mon:
            self.prev_mon, self.prev_dd, self.year, line_year = month_change(self.prev_mon, self.prev_dd, mon, dd,
                                                                             self.year)
        else:
            line_year = self.year
            self.prev_dd = dd
        key = (line_year, mon, dd)
        base = self.days.get(key)
        if base is None:
            if mon == 2 and dd.strip() == "29":
                while not calendar.isleap(line_year):  # a Feb 29 line: the latest leap year up to the guess (plaso)
                    line_year -= 1
            try:
                base = us_from_dt(_dt.datetime(line_year, mon, int(dd))) - self.offset_us
            except ValueError:
                raise ValueError(f"invalid date {line[:15]!r} in year {line_year}") from None
            if len(self.days) > 4096:
                self.days.clear()
            self.days[key] = base
        return base

    def ts(self, mon: int, dd: str, hh: str, mi: str, ss: str, line: str) -> int:
        """The time of a line dated `mon dd hh:mi:ss`; ValueError names what is wrong (date or time)."""
        base = self.day(mon, dd, line)
        if hh > "23" or mi > "59" or ss > "60":
            raise ValueError(f"invalid time {line[:15]!r}")
        return base + (int(hh) * 3600 + int(mi) * 60 + int(ss)) * 1_000_000


def _typed(src: str, prog: str, msg: str, fields: dict) -> bool:
    """Add the typed fields of an authentication line; True when there were any."""
    if src == "auth":
        extra = auth_fields(prog, msg)
        if extra:
            fields.update(extra)
            return True
    return False


def _rfc5424(m: re.Match, offset_s: int, host: str, report: ParseReport, n: int):
    """(ts, offset, source, message, host, fields) of an RFC 5424 line, or None (skipped, said why)."""
    p = _iso(m.group(3), offset_s)
    if p is None:
        report.skip(f"line {n}", "bad RFC 5424 timestamp")
        return None
    ts, off = p
    pri = int(m.group(1))
    app, procid, msgid = m.group(5), m.group(6), m.group(7)
    msg = (m.group(9) or "").lstrip()
    h = "" if m.group(4) == "-" else m.group(4)
    app = "" if app == "-" else app
    fields: dict = {"program": app, "facility": pri >> 3, "severity": pri & 7}
    if procid != "-":
        fields["pid"] = pid_value(procid) if procid.isdigit() else procid
    if msgid != "-":
        fields["msgid"] = msgid
    if m.group(8) != "-":
        fields["structured_data"] = m.group(8)
    label = f"{app}[{procid}]" if procid != "-" else app
    src = classify(app)
    _typed(src, app, msg, fields)
    return ts, off, src, (f"{label}: {msg}" if label else msg), h or host, fields


def _iso_stamp(m: re.Match, offset_s: int) -> tuple[int, int]:
    """(ts, offset) of an rsyslog high-precision (ISO 8601) stamp; ValueError for an impossible date."""
    ts = us_from_dt(_dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                                 int(m.group(4)), int(m.group(5)), int(m.group(6))))
    frac = m.group(7)
    if frac:
        ts += int(frac[:6].ljust(6, "0"))
    z = m.group(8)
    off = offset_s if z is None else (0 if z == "Z" else _offset(z))
    return ts - off * 1_000_000, off


def _header(rest: str, host: str) -> tuple[str, dict, str, str, str]:
    """What follows a stamp ("host tag[pid]: msg", "tag: msg", "--- last message repeated ---",
    "SEVERITY tag: msg") -> (host, fields, program, message, body: the line after the host)."""
    h = host
    first, _, tail = rest.partition(" ")
    severity = None
    if first.endswith(":") or first.startswith("---") or not tail:
        body = rest
    elif first in SEVERITIES:
        severity = first
        body = tail
    else:
        h = first
        body = tail
    t = RE_TAG.match(body)
    fields: dict
    if t:
        prog, pid, msg = t.group(1), t.group(2), t.group(3)
        fields = {"program": prog}
        if pid:
            fields["pid"] = pid_value(pid)
    else:
        prog, msg = "", body
        fields = {}
    if severity:
        fields["severity"] = severity
    return h, fields, prog, msg, body


def parse(lines: Iterable[tuple[int, str]], report: ParseReport, *, year: int | None = None,
          offset_s: int = 0, host: str = "", evidence_id: str = "") -> Iterator[Event]:
    """Parse (line number, text) pairs. ``offset_s`` is the host's UTC offset for zone-less stamps."""
    report.parser = report.parser or NAME
    clock = _Clock(year if year is not None else _dt.datetime.now(_dt.timezone.utc).year, offset_s)
    pending: Event | None = None
    mfast, m3164, m5424, miso = RE_FAST.match, RE_3164.match, RE_5424.match, RE_ISO.match
    months, source_of, encode = MONTHS, SOURCE_OF.get, dumps_fields
    day_mon: int | None = None  # the day of the last fast-path line and its start (µs)
    day_dd, day_us = "", 0
    for n, line in lines:
        if not line:
            continue
        event = None
        # fast path: the common "Mon dd hh:mm:ss host prog[pid]: msg"
        m = mfast(line)
        if m is not None and (mon := months.get(m.group(1))) is not None:
            _, dd, hh, mi, ss, h, prog, pid, msg = m.groups()
            if mon != day_mon or dd != day_dd:  # another day than the line before: ask the clock
                try:
                    day_us = clock.day(mon, dd, line)
                except ValueError as exc:
                    day_mon = None
                    report.skip(f"line {n}", str(exc))
                    continue
                day_mon, day_dd = mon, dd
            if hh > "23" or mi > "59" or ss > "60":
                report.skip(f"line {n}", f"invalid time {line[:15]!r}")
                continue
            ts = day_us + (int(hh) * 3600 + int(mi) * 60 + int(ss)) * 1_000_000
            src = source_of(prog, "syslog")
            fields = {"program": prog, "pid": pid_value(pid)} if pid else {"program": prog}
            fj: str | None
            if src == "auth" and (extra := auth_fields(prog, msg)):
                fields.update(extra)
                fj = encode(fields)
            elif pid:  # JSON by hand: the fast regex admits no character JSON escapes in a program name
                fj = f'{{"program":"{prog}","pid":{pid}}}' if pid[0] != "0" and len(pid) <= PID_DIGITS else None
            else:
                fj = f'{{"program":"{prog}"}}'
            event = Event(ts, DESC_RECORDED, src, NAME, line[m.end(6) + 1:], h, fields, offset_s, evidence_id,
                          f"line {n}", fj)
        elif line[0] in months_first and (m := m3164(line)):
            mon = months.get(m.group(1))
            day_mon = None  # the clock moves here too: the fast path asks it again
            if mon is None:
                report.skip(f"line {n}", "unknown month")
                continue
            try:
                ts = clock.ts(mon, m.group(2), m.group(3), m.group(4), m.group(5), line)
            except ValueError as exc:
                report.skip(f"line {n}", str(exc))
                continue
            if m.group(6):
                ts += int(m.group(6).ljust(6, "0"))
            event = _general(ts, offset_s, m.group(7), host, evidence_id, n)
        elif line[0] == "<" and (m := m5424(line)):
            got = _rfc5424(m, offset_s, host, report, n)
            if got is None:
                continue
            ts, off, src, msg, h, fields = got
            event = Event(ts, DESC_RECORDED, src, NAME, msg, h, fields, off, evidence_id, f"line {n}")
        elif line[0].isdigit() and (m := miso(line)):
            try:
                ts, off = _iso_stamp(m, offset_s)
            except ValueError:
                report.skip(f"line {n}", "invalid date")
                continue
            event = _general(ts, off, m.group(9), host, evidence_id, n)
        elif RE_3164_LOOSE.match(line):
            report.skip(f"line {n}", f"unreadable timestamp {line[:15]!r}")
        elif pending is not None:
            pending.message += " " + line.strip()  # a continuation line joins the record above it
        else:
            report.skip(f"line {n}", "not a syslog line")
        if event is not None:
            if pending is not None:
                report.events += 1
                yield pending
            pending = event
    if pending is not None:
        report.events += 1
        yield pending


def parse_rows(lines: Iterable[tuple[int, str]], report: ParseReport, *, year: int | None = None,
               offset_s: int = 0, host: str = "", evidence_id: str = "", batch: int = 5000) -> Iterator[Rows]:
    """The events of `parse` as timeline rows (`Rows` of up to `batch`), the same events, skips and
    problems in the same order, without an `Event` or a fields dict per common line; events whose time
    cannot be stored are skipped here (`time_problem`), where the timeline would skip them."""
    report.parser = report.parser or NAME
    clock = _Clock(year if year is not None else _dt.datetime.now(_dt.timezone.utc).year, offset_s)
    rows = Rows()
    append = rows.append
    pending: tuple | None = None
    mfast, m3164, m5424, miso = RE_FAST_MONTH.match, RE_3164.match, RE_5424.match, RE_ISO.match
    months, source_of, encode = MONTHS, SOURCE_OF.get, dumps_fields
    lo, hi, off_lo, off_hi = MIN_US, MAX_US, -MAX_OFFSET_S, MAX_OFFSET_S
    day_name: str | None = None  # the day of the last fast-path line and its start (µs)
    day_dd, day_us = "", 0
    for n, line in lines:
        if not line:
            continue
        row: tuple | None = None
        m = mfast(line)
        if m is not None:
            name, dd, hh, mi, ss, h, prog, pid, msg = m.groups()
            if name != day_name or dd != day_dd:  # another day than the line before: ask the clock
                try:
                    day_us = clock.day(months[name], dd, line)
                except ValueError as exc:
                    day_name = None
                    report.skip(f"line {n}", str(exc))
                    continue
                day_name, day_dd = name, dd
            if hh > "23" or mi > "59" or ss > "60":
                report.skip(f"line {n}", f"invalid time {line[:15]!r}")
                continue
            src = source_of(prog, "syslog")
            if src == "auth" and (extra := auth_fields(prog, msg)):
                fields = {"program": prog, "pid": pid_value(pid)} if pid else {"program": prog}
                fields.update(extra)
                fj = encode(fields)
            elif pid:  # JSON by hand: the fast regex admits no character JSON escapes in a program name
                # the pid as it is when that is how JSON writes the number, else as `pid_value` gives it
                fj = (f'{{"program":"{prog}","pid":{pid}}}' if len(pid) <= PID_DIGITS and pid[0] != "0"
                      else f'{{"program":"{prog}","pid":{json.dumps(pid_value(pid))}}}')
            else:
                fj = f'{{"program":"{prog}"}}'
            row = (day_us + (int(hh) * 3600 + int(mi) * 60 + int(ss)) * 1_000_000, offset_s, DESC_RECORDED, src,
                   NAME, h, line[m.end(6) + 1:], fj, evidence_id, f"line {n}")
        else:
            event = None
            if line[0] in months_first and (m := m3164(line)):
                mon = months.get(m.group(1))
                day_name = None  # the clock moves here too: the fast path asks it again
                if mon is None:
                    report.skip(f"line {n}", "unknown month")
                    continue
                try:
                    ts = clock.ts(mon, m.group(2), m.group(3), m.group(4), m.group(5), line)
                except ValueError as exc:
                    report.skip(f"line {n}", str(exc))
                    continue
                if m.group(6):
                    ts += int(m.group(6).ljust(6, "0"))
                event = _general(ts, offset_s, m.group(7), host, evidence_id, n)
            elif line[0] == "<" and (m := m5424(line)):
                got = _rfc5424(m, offset_s, host, report, n)
                if got is None:
                    continue
                ts, off, src, text, h, fields = got
                event = Event(ts, DESC_RECORDED, src, NAME, text, h, fields, off, evidence_id, f"line {n}")
            elif line[0].isdigit() and (m := miso(line)):
                try:
                    ts, off = _iso_stamp(m, offset_s)
                except ValueError:
                    report.skip(f"line {n}", "invalid date")
                    continue
                event = _general(ts, off, m.group(9), host, evidence_id, n)
            elif RE_3164_LOOSE.match(line):
                report.skip(f"line {n}", f"unreadable timestamp {line[:15]!r}")
            elif pending is not None:  # a continuation line joins the record above it
                pending = pending[:6] + (pending[6] + " " + line.strip(),) + pending[7:]
            else:
                report.skip(f"line {n}", "not a syslog line")
            if event is None:
                continue
            row = (event.timestamp, event.offset_s, DESC_RECORDED, event.source, NAME, event.host, event.message,
                   encode(event.fields) if event.fields else None, evidence_id, event.locator)
        if pending is not None:
            ts, off = pending[0], pending[1]
            if lo <= ts <= hi and off_lo <= off <= off_hi:
                append(pending)
                if len(rows) >= batch:
                    report.events += len(rows)
                    yield rows
                    rows = Rows()
                    append = rows.append
            else:
                report.skip(pending[9], time_problem(ts, off) or "time not storable")
        pending = row
    if pending is not None:
        ts, off = pending[0], pending[1]
        if lo <= ts <= hi and off_lo <= off <= off_hi:
            append(pending)
        else:
            report.skip(pending[9], time_problem(ts, off) or "time not storable")
    if rows:
        report.events += len(rows)
        yield rows


def _general(ts: int, off: int, rest: str, host: str, evidence_id: str, n: int) -> Event:
    h, fields, prog, msg, body = _header(rest, host)
    src = classify(prog) if prog else "syslog"
    _typed(src, prog, msg, fields)
    return Event(ts, DESC_RECORDED, src, NAME, body, h, fields, off, evidence_id, f"line {n}")


months_first = {m[0] for m in MONTHS}


def _offset(z: str) -> int:
    sign = -1 if z[0] == "-" else 1
    z = z[1:].replace(":", "")
    return sign * (int(z[:2]) * 3600 + int(z[2:4]) * 60)


def _iso(text: str, default_offset: int):
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$", text)
    if not m:
        return None
    try:
        y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
        ts = us_from_dt(_dt.datetime(y, mo, d, h, mi, s))
    except ValueError:
        return None
    if m.group(7):
        ts += int(m.group(7)[:6].ljust(6, "0"))
    off = default_offset if m.group(8) is None else (0 if m.group(8) == "Z" else _offset(m.group(8)))
    return ts - off * 1_000_000, off
