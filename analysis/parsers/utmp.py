"""utmp / wtmp / btmp (binary login records) and lastlog.

glibc's ``struct utmp`` is 384 bytes on x86, x86_64 and most 64-bit ports (32-bit times kept for
compatibility); ports with 64-bit ``ut_session``/``ut_tv`` (e.g. some big-endian/other 64-bit ABIs) use
400 bytes. The layout is chosen by which one reads plausibly; records that do not (type outside 0-9,
time 0 for a login record) and a trailing partial record are counted as skipped, the rest are kept.
"""
from __future__ import annotations

import ipaddress
import struct
from typing import BinaryIO, Iterator

from analysis.events import DESC_LOGIN, DESC_RECORDED, DESC_START, Event, ParseReport

TYPES = {0: "EMPTY", 1: "RUN_LVL", 2: "BOOT_TIME", 3: "NEW_TIME", 4: "OLD_TIME", 5: "INIT_PROCESS",
         6: "LOGIN_PROCESS", 7: "USER_PROCESS", 8: "DEAD_PROCESS", 9: "ACCOUNTING"}

# (size, struct) : type, pid, line, id, user, host, exit(2 shorts), session, tv_sec, tv_usec, addr_v6
LAYOUTS = {
    384: struct.Struct("<hxxi32s4s32s256shhiii16s20x"),
    400: struct.Struct("<hxxi32s4s32s256shhqqq16s20x4x"),
}
MIN_TS, MAX_TS = 315532800, 4102444800  # 1980 .. 2100


def _s(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _addr(raw: bytes) -> str:
    if not any(raw):
        return ""
    if not any(raw[4:]):
        return str(ipaddress.IPv4Address(raw[:4]))
    return str(ipaddress.IPv6Address(raw))


def _plausible(rec) -> bool:
    t = rec[0]
    if t < 0 or t > 9:
        return False
    if t == 0:
        return True
    return MIN_TS <= rec[9] <= MAX_TS and 0 <= rec[10] < 1_000_000


def detect_layout(data: bytes) -> int:
    """Record size (384 or 400) that reads the first records plausibly."""
    best, best_score = 384, -1
    for size, st in LAYOUTS.items():
        n = min(len(data) // size, 16)
        score = sum(_plausible(st.unpack_from(data, i * size)) for i in range(n))
        # a layout whose size divides the file exactly is preferred on ties
        if score > best_score or (score == best_score and len(data) % size == 0 and len(data) % best):
            best, best_score = size, score
    return best


def parse_utmp(fh: BinaryIO, report: ParseReport, *, kind: str = "wtmp", host: str = "",
               evidence_id: str = "") -> Iterator[Event]:
    """kind: 'wtmp' (logins/logouts), 'btmp' (failed logins) or 'utmp' (current sessions)."""
    report.parser = report.parser or "utmp"
    data = fh.read()
    if not data:
        return
    size = detect_layout(data)
    st = LAYOUTS[size]
    whole = len(data) // size
    for i in range(whole):
        off = i * size
        rec = st.unpack_from(data, off)
        typ, pid, line, id_, user, hostname, _e1, _e2, session, sec, usec, addr = rec
        loc = f"offset {off}"
        if not _plausible(rec):
            report.skip(loc, f"implausible record (type {typ}, time {sec})")
            continue
        if typ == 0:
            continue
        ts = sec * 1_000_000 + usec
        user, line, hostname = _s(user), _s(line), _s(hostname)
        tname = TYPES[typ]
        fields = {"type": tname, "pid": pid, "terminal": line, "user": user, "hostname": hostname,
                  "ip": _addr(addr), "session": session, "id": _s(id_)}
        if kind == "btmp":
            desc, msg = DESC_RECORDED, f"Failed login: {user} on {line} from {hostname or '-'}"
            fields["event"] = "login_failed"
        elif typ == 7:
            desc, msg = DESC_LOGIN, f"Login: {user} on {line} from {hostname or 'local'}"
            fields["event"] = "login"
        elif typ == 8:
            desc, msg = DESC_RECORDED, f"Logout: {line}" + (f" ({user})" if user else "")
            fields["event"] = "logout"
        elif typ == 2:
            desc, msg = DESC_START, f"System boot ({hostname})"
            fields["event"] = "boot"
        elif typ == 1:
            lvl = pid & 0xFF
            desc = DESC_RECORDED
            if user == "shutdown":
                msg, fields["event"] = "System shutdown", "shutdown"
            else:
                msg, fields["event"] = f"Runlevel change to {chr(lvl) if 32 <= lvl < 127 else lvl}", "runlevel"
        else:
            desc, msg = DESC_RECORDED, f"{tname}: {user} {line}".strip()
            fields["event"] = tname.lower()
        report.events += 1
        yield Event(ts, desc, kind, "utmp", msg, host, fields, 0, evidence_id, loc)
    if len(data) % size:
        report.skip(f"offset {whole * size}", f"truncated record ({len(data) % size} of {size} bytes)")


LASTLOG = struct.Struct("<i32s256s")  # 292 bytes: ll_time, ll_line, ll_host


def parse_lastlog(fh: BinaryIO, report: ParseReport, *, users: dict[int, str] | None = None, host: str = "",
                  evidence_id: str = "") -> Iterator[Event]:
    """lastlog is indexed by uid (sparse file); ``users`` maps uid -> name (from users.json / passwd)."""
    report.parser = report.parser or "lastlog"
    users = users or {}
    size = LASTLOG.size
    uid = 0
    while True:
        chunk = fh.read(size * 1024)
        if not chunk:
            break
        for off in range(0, len(chunk) - size + 1, size):
            t, line, hostname = LASTLOG.unpack_from(chunk, off)
            if t:
                if not MIN_TS <= t <= MAX_TS:
                    report.skip(f"uid {uid}", f"implausible time {t}")
                else:
                    name = users.get(uid, f"uid {uid}")
                    fields = {"uid": uid, "user": users.get(uid, ""), "terminal": _s(line),
                              "hostname": _s(hostname), "event": "last_login"}
                    report.events += 1
                    yield Event(t * 1_000_000, DESC_LOGIN, "lastlog", "lastlog",
                                f"Last login of {name} on {_s(line)} from {_s(hostname) or 'local'}", host, fields,
                                0, evidence_id, f"uid {uid}")
            uid += 1
        if len(chunk) % size:
            report.skip(f"uid {uid}", "truncated record")
            break
