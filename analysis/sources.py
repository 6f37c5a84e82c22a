"""Which parser reads which evidence item, and the context it needs (host, zone, year, users).

`plan(case)` returns one `Job` per evidence item that yields events: log files by their original path
(rotations ``.1``, ``.2.gz`` included), the journal export, EVTX, binary login records, histories, JSON
snapshots (processes, packages, system), and the MACB times of every collected file (C2).
"""
from __future__ import annotations

import datetime as _dt
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from analysis import sources_windows
from analysis.events import DESC_INSTALL, DESC_LOGIN, DESC_START, Event, ParseReport, Rows, parse_iso, parse_offset
from analysis.parsers import (
    _text,
    access_log,
    auditd,
    bodyfile,
    evtx,
    journal,
    journal_file,
    packages,
    shell_history,
    syslog,
    utmp,
)
from collectors import records
from collectors.artifacts.packages import Package
from collectors.artifacts.processes import Process
from collectors.artifacts.system_info import System

if TYPE_CHECKING:
    from collectors.case import EvidenceRecord

ROTATION = re.compile(r"(?:[.-]\d+|[.-]\d{8})?(?:\.gz|\.bz2|\.xz)?$")
SYSLOG_NAMES = {"syslog", "messages", "auth.log", "secure", "kern.log", "cron", "cron.log", "daemon.log",
                "user.log", "mail.log", "maillog", "debug", "boot.log", "auth", "authpriv", "sshd.log"}


@dataclass
class Context:
    host: str = ""
    offset_s: int = 0  # the examined host's UTC offset, for sources writing local time without a zone
    users: dict[int, str] = field(default_factory=dict)


@dataclass
class Job:
    """One evidence item to parse. ``spec`` = (kind, path, options) is plain data (picklable), so a job
    can run in another process; ``run(report)`` runs it here."""

    record: EvidenceRecord
    parser: str
    spec: tuple
    size: int = 0

    def run(self, report: ParseReport) -> Iterator[Event | Rows]:
        return run_spec(self.spec, report)


def base_name(rec) -> str:
    src = rec.source or rec.name
    src = src.replace("\\", "/")
    return posixpath.basename(src) or rec.name


def logical_name(rec) -> str:
    """'auth.log.2.gz' -> 'auth.log'; 'syslog.1' -> 'syslog'."""
    base = base_name(rec)
    return ROTATION.sub("", base) or base


def _mtime_us(rec) -> int | None:
    meta = rec.orig_meta or {}
    p = parse_iso(meta.get("mtime") or "") if isinstance(meta.get("mtime"), str) else None
    return p[0] if p else None


def _ref_local(rec, ctx: Context) -> _dt.datetime:
    """The file's modification time (else collection time) in the host's local time: year inference."""
    us = _mtime_us(rec)
    if us is None:
        p = parse_iso(rec.collected_at or "")
        us = p[0] if p else int(_dt.datetime.now(_dt.timezone.utc).timestamp() * 1e6)
    return _dt.datetime(1970, 1, 1) + _dt.timedelta(microseconds=us + ctx.offset_s * 1_000_000)


def context(case) -> Context:
    """Host name, UTC offset and uid->name map from system.json / users.json / passwd if collected."""
    ctx = Context()
    rec = case.latest("system.json")
    if rec is not None:
        try:
            sysinfo = records.row_of(case.read_json(rec))
            ctx.host = sysinfo.get("hostname") or ""
            zone = _zone_offset(sysinfo.get("timezone"), rec.collected_at)
            # a live collection knows the host's offset; an offline root (dead-box image) only its zone
            # name, and the collecting machine's own offset (rec.tz_offset) is not the image's
            ctx.offset_s = parse_offset(sysinfo.get("utc_offset")) if sysinfo.get("utc_offset") else (
                zone if zone is not None else parse_offset(rec.tz_offset))
        except (OSError, ValueError, AttributeError):
            pass
    else:
        recs = case.evidence()
        if recs:
            ctx.offset_s = parse_offset(recs[0].tz_offset)
            ctx.host = recs[0].host or ""
    rec = case.latest("users.json")
    if rec is not None:
        try:
            for u in records.rows_of(case.read_json(rec)):
                ctx.users[int(u["uid"])] = u["name"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    if not ctx.users:
        for r in case.evidence():
            if r.kind == "file" and (r.source or "").endswith("/etc/passwd"):
                try:
                    with case.open_evidence(r) as fh:
                        for line in fh.read().decode("utf-8", "replace").splitlines():
                            parts = line.split(":")
                            if len(parts) >= 7 and parts[2].isdigit():
                                ctx.users[int(parts[2])] = parts[0]
                except OSError:
                    pass
    return ctx


def _zone_offset(name, when: str | None) -> int | None:
    """UTC offset (seconds) of an IANA zone (``Asia/Ho_Chi_Minh``) at `when` (ISO 8601), or None when the
    name is not a zone this machine knows (a Windows zone name, no tz database)."""
    if not isinstance(name, str) or "/" not in name:
        return None
    try:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(name.strip())
    except (ValueError, OSError, ImportError, KeyError):
        return None
    p = parse_iso(when or "")
    at = (_dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(microseconds=p[0])) if p else \
        _dt.datetime.now(_dt.timezone.utc)
    off = at.astimezone(tz).utcoffset()
    return int(off.total_seconds()) if off is not None else None


def _history_user(source: str) -> str:
    m = re.match(r"^/home/([^/]+)/", source or "")
    if m:
        return m.group(1)
    if (source or "").startswith("/root/"):
        return "root"
    return ""


def plan(case, ctx: Context | None = None) -> list[Job]:
    ctx = ctx or context(case)
    jobs: list[Job] = []
    for rec in case.evidence():
        job = job_for(case, rec, ctx)
        if job is not None:
            jobs.append(job)
        meta = rec.orig_meta or {}
        if any(isinstance(meta.get(k), str) and meta.get(k) for k in ("mtime", "atime", "ctime", "btime", "dtime")):
            jobs.append(Job(rec, "file_meta", ("file_meta", "", {
                "meta": meta, "source": rec.source, "sha256": rec.sha256, "host": rec.host or ctx.host,
                "evidence_id": rec.id})))
    return jobs


def job_for(case, rec, ctx: Context) -> Job | None:
    """The parsing job for an evidence item, or None when no parser reads it."""
    kind, opts = _choose(rec, ctx)
    if kind is None:
        return None
    opts.setdefault("evidence_id", rec.id)
    parser = PARSER_OF.get(kind) or sources_windows.PARSER_OF.get(kind, kind)
    return Job(rec, parser, (kind, str(case.evidence_path(rec)), opts), rec.size or 0)


PARSER_OF = {"syslog_maybe": "syslog", "bash": "shell_history", "zsh": "shell_history", "fish": "shell_history", "apt": "apt_history",
             "wtmp": "utmp", "btmp": "utmp", "utmp": "utmp"}


def _choose(rec, ctx: Context) -> tuple[str | None, dict]:
    base = base_name(rec)
    name = logical_name(rec)
    lower = base.lower()
    src = (rec.source or "").replace("\\", "/")
    common = {"host": ctx.host}
    kind, opts = sources_windows.choose(rec, ctx)
    if kind is not None:
        return kind, opts
    if rec.name == "journal.export" or lower.startswith("journal") and lower.endswith(".export"):
        return "journal", common
    if getattr(rec, "collector", None) == "ntfs_metadata" and base in ("$MFT", "$UsnJrnl:$J"):
        if base == "$MFT":
            return "mft", common
        return "usnjrnl", common | {"base_offset": int((rec.orig_meta or {}).get("copied_from_offset") or 0)}
    if lower.endswith(".evtx"):
        return "evtx", common
    if lower.endswith((".journal", ".journal~")):
        return "journal_file", common
    if name in ("audit.log", "selinux.log") or lower.startswith("audit.log"):
        return "auditd", common
    if name in ("wtmp", "btmp", "utmp") or lower.startswith(("wtmp", "btmp")):
        return ("btmp" if lower.startswith("btmp") else ("utmp" if name == "utmp" else "wtmp")), common
    if name == "lastlog":
        return "lastlog", common | {"users": ctx.users}
    if name == "dpkg.log":
        return "dpkg", common | {"offset_s": ctx.offset_s}
    if name == "history.log" and "/apt/" in src or name == "apt_history.log":
        return "apt", common | {"offset_s": ctx.offset_s}
    if name in ("yum.log", "dnf.log", "dnf.rpm.log"):
        return "yum", common | {"offset_s": ctx.offset_s, "ref": _ref_local(rec, ctx)}
    if name in (".bash_history", "bash_history", ".zsh_history", "zsh_history", ".histfile", "fish_history") \
            or lower.endswith("_history") and not lower.endswith(".json"):
        kind = "zsh" if ("zsh" in name or name == ".histfile") else ("fish" if "fish" in name else "bash")
        return kind, common | {"user": _history_user(src), "mtime_us": _mtime_us(rec)}
    if "access" in name and (name.endswith(".log") or name.endswith("_log") or name == "access"):
        server = "nginx" if "nginx" in src else ("apache" if ("apache" in src or "httpd" in src) else "web")
        return "access", common | {"server": server}
    if name in SYSLOG_NAMES:
        return "syslog", common | {"offset_s": ctx.offset_s, "ref": _ref_local(rec, ctx)}
    if src.startswith("/var/log/") and name.endswith(".log") and rec.kind == "file":
        # other *.log files are read as syslog only when their first lines look like it
        return "syslog_maybe", common | {"offset_s": ctx.offset_s, "ref": _ref_local(rec, ctx)}
    if lower.endswith((".body", ".bodyfile")) or name == "bodyfile":
        return "bodyfile", common
    if rec.name in ("processes.json", "packages.json", "system.json", "recovered.json"):
        return "snapshot", {"host": rec.host or ctx.host, "name": rec.name}
    return None, {}


def looks_like_syslog(path: str, sample: int = 20) -> bool:
    """At least half of the first non-empty lines start with a syslog timestamp."""
    report = ParseReport()
    heads = []
    for _, line in _text.iter_lines(path, report):
        if line.strip():
            heads.append(line)
        if len(heads) >= sample:
            break
    if not heads:
        return False
    ok = sum(1 for h in heads if syslog.RE_3164.match(h) or syslog.RE_ISO.match(h) or syslog.RE_5424.match(h))
    return ok * 2 >= len(heads)


def run_spec(spec: tuple, report: ParseReport) -> Iterator[Event | Rows]:
    """Run a job spec (kind, evidence path, options): the events of that evidence item, as `Event`s or, from
    parsers with a fast path for the timeline (syslog), as batches of ready-made `Rows`."""
    kind, path, o = spec
    o = dict(o)
    if kind == "file_meta":
        yield from _file_meta(report, **o)
        return
    if kind == "snapshot":
        yield from _snapshot(path, o.pop("name"), report, **o)
        return
    if kind in sources_windows.KINDS:
        yield from sources_windows.run(kind, path, o, report)
        return
    lines = lambda: _text.iter_lines(path, report)  # noqa: E731
    if kind == "journal":
        with open(path, "rb") as fh:
            yield from journal.parse(fh, report, **o)
    elif kind == "mft":
        from analysis.parsers import mft

        yield from mft.parse(path, report, **o)
    elif kind == "usnjrnl":
        from analysis.parsers import usnjrnl

        with open(path, "rb") as fh:
            yield from usnjrnl.parse(fh, report, **o)
    elif kind == "evtx":
        yield from evtx.parse(path, report, **o)
    elif kind == "journal_file":
        yield from journal_file.parse(path, report, **o)
    elif kind == "auditd":
        yield from auditd.parse(lines(), report, **o)
    elif kind in ("wtmp", "btmp", "utmp"):
        with _text.open_binary(path, report) as fh:
            yield from utmp.parse_utmp(fh, report, kind=kind, **o)
    elif kind == "lastlog":
        with open(path, "rb") as fh:
            yield from utmp.parse_lastlog(fh, report, **o)
    elif kind == "dpkg":
        yield from packages.parse_dpkg(lines(), report, **o)
    elif kind == "apt":
        yield from packages.parse_apt_history(lines(), report, **o)
    elif kind == "syslog_maybe" and not looks_like_syslog(path):
        report.fatal = "not in a syslog format: not parsed (the file itself is in the case)"
        return
    elif kind in ("yum", "syslog", "syslog_maybe"):
        ref = o.pop("ref")
        with _text.open_binary(path) as fh:
            year = syslog.guess_start_year(fh, ref)
        report.parser = "yum" if kind == "yum" else "syslog"
        if kind == "yum":
            yield from packages.parse_yum(lines(), report, year=year, **o)
        else:  # timeline rows straight from the parser (the same events as syslog.parse)
            yield from syslog.parse_rows(lines(), report, year=year, **o)
    elif kind in ("bash", "zsh", "fish"):
        history = {"bash": shell_history.parse_bash, "zsh": shell_history.parse_zsh,
                   "fish": shell_history.parse_fish}[kind]
        yield from history(lines(), report, **o)
    elif kind == "access":
        yield from access_log.parse(lines(), report, **o)
    elif kind == "bodyfile":
        yield from bodyfile.parse(lines(), report, **o)
    else:
        raise ValueError(f"unknown job kind {kind!r}")


def _file_meta(report: ParseReport, *, meta: dict, source: str, sha256: str | None, host: str,
               evidence_id: str, locator: str = "meta") -> Iterator[Event]:
    """MACB times of a collected (or recovered) file from its original metadata, merged by equal time
    (C2); a deletion time (``dtime``, ext2/3/4 or approximated) is an event of its own (H4)."""
    report.parser = report.parser or "file_meta"
    times = {}
    for k, key in (("m", "mtime"), ("a", "atime"), ("c", "ctime"), ("b", "btime"), ("d", "dtime")):
        p = parse_iso(meta.get(key) or "") if isinstance(meta.get(key), str) else None
        times[k] = p[0] if p else None
    path = meta.get("path") or source
    fields = {"path": path, "size": meta.get("size"), "mode": meta.get("mode"), "uid": meta.get("uid"),
              "gid": meta.get("gid"), "owner": meta.get("owner"), "inode": meta.get("inode")}
    if sha256:
        fields["sha256"] = sha256
    if meta.get("deleted"):
        fields.update(deleted=True, status=meta.get("status"))
    for us, flags in bodyfile.macb_events(times):
        report.events += 1
        yield Event(us, bodyfile.desc_for(flags), "file", "file_meta", f"{flags} {path}", host,
                    dict(fields, macb=flags), 0, evidence_id, f"{locator}:{flags}")
    if times["d"]:
        report.events += 1
        yield Event(times["d"], "Deletion Time", "file", "file_meta", f"deleted {path}", host,
                    dict(fields, macb="....", deleted=True), 0, evidence_id, f"{locator}:deleted")


def _process_starts(data, report: ParseReport, *, host: str, evidence_id: str, when) -> Iterator[Event]:
    for i, p in records.iter_load(data, Process):
        if isinstance(p, records.RecordError):
            report.skip(f"item {i}", str(p))
            continue
        us = when(p.create_time)
        if us is None:
            report.skip(f"item {i}", "no create_time")
            continue
        cmd = " ".join(p.cmdline or []) or p.name or ""
        fields = {"pid": p.pid, "ppid": p.ppid, "name": p.name, "user": p.user, "exe": p.exe,
                  "exe_sha256": p.exe_sha256, "exe_deleted": p.exe_deleted, "cwd": p.cwd, "command_line": cmd}
        report.events += 1
        yield Event(us, DESC_START, "process", "snapshot", f"Process started: [{p.pid}] {cmd}"
                    + (" (deleted executable)" if p.exe_deleted else ""), host, fields, 0, evidence_id,
                    f"pid {p.pid}")


def _package_installs(data, report: ParseReport, *, host: str, evidence_id: str, when) -> Iterator[Event]:
    for i, p in records.iter_load(data, Package):
        if isinstance(p, records.RecordError):
            report.skip(f"item {i}", str(p))
            continue
        us = when(p.install_time)
        if us is None:
            continue  # most package managers do not keep an install time: not an error
        report.events += 1
        yield Event(us, DESC_INSTALL, "package", "snapshot",
                    f"Package installed: {p.name} {p.version or ''}".strip(), host,
                    {"name": p.name, "version": p.version, "arch": p.arch, "manager": p.manager}, 0, evidence_id,
                    f"package {p.name}")


def _snapshot(path: str, name: str, report: ParseReport, *, host: str, evidence_id: str) -> Iterator[Event]:
    """Times inside JSON snapshots: process start times, package install times, boot and login times."""
    report.parser = "snapshot"
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        report.fatal = f"unreadable JSON: {exc}"
        return

    def when(value):
        if isinstance(value, (int, float)) and value > 0:
            return int(value * 1_000_000)
        if isinstance(value, str):
            p = parse_iso(value)
            return p[0] if p else None
        return None

    try:
        if name == "processes.json":
            yield from _process_starts(data, report, host=host, evidence_id=evidence_id, when=when)
        elif name == "packages.json":
            yield from _package_installs(data, report, host=host, evidence_id=evidence_id, when=when)
    except records.RecordError as exc:
        report.fatal = str(exc)
    if name == "recovered.json" and isinstance(data, dict):
        data = records.row_of(data)
        # deleted files that were not recovered (the recovered ones are evidence items with their own times)
        for i, row in enumerate(data.get("deleted") or []):
            if not isinstance(row, dict) or row.get("evidence_id"):
                continue
            meta = dict(row, deleted=True)
            yield from _file_meta(report, meta=meta, source=str(row.get("path") or ""), sha256=None, host=host,
                                  evidence_id=evidence_id, locator=f"deleted {i}")
    elif name == "system.json" and isinstance(data, dict):
        try:
            system = records.load_one(data, System)
        except records.RecordError as exc:
            report.fatal = str(exc)
            return
        data = records.to_dict(system)
        us = when(data.get("boot_time"))
        if us is not None:
            report.events += 1
            yield Event(us, DESC_START, "system", "snapshot", f"System boot ({data.get('hostname', '')})", host,
                        {"event": "boot", "kernel": data.get("kernel")}, 0, evidence_id, "boot_time")
        shutdown = when((data.get("windows") or {}).get("last_shutdown"))
        if shutdown is not None:
            report.events += 1
            yield Event(shutdown, "Last Shutdown Time", "system", "snapshot",
                        f"System shutdown ({data.get('hostname', '')})", host, {"event": "shutdown"}, 0, evidence_id,
                        "windows.last_shutdown")
        for i, u in enumerate(data.get("users") or []):
            us = when((u or {}).get("started"))
            if us is None:
                continue
            report.events += 1
            yield Event(us, DESC_LOGIN, "system", "snapshot",
                        f"Session of {u.get('name')} on {u.get('terminal')} from {u.get('host') or 'local'}", host,
                        {"event": "login", "user": u.get("name"), "terminal": u.get("terminal"),
                         "ip": u.get("host") or ""}, 0, evidence_id, f"user {i}")
