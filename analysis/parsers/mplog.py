"""Microsoft Defender's protection log (ProgramData\\Microsoft\\Windows Defender\\Support\\MPLog-*.log):
UTF-16LE text (UTF-8 is read too), one event a line after an ISO 8601 UTC time, and a few blocks
without a time on each line. The line formats are the ones documented publicly (artefacts.help,
"Windows Defender - Support logs"; CERT Intrinsec, "Hunting attackers using Microsoft Protection Logs";
CrowdStrike, "Mind the MPLog"); what is read:

- detections: ``DETECTIONEVENT MPSOURCE_* <threat> file:<path>;...``, ``DETECTION_ADD[#n] <threat> ...``;
- remediations: ``DETECTION_CLEANEVENT MPSOURCE_* <action> <hr> <threat> file:<path>;``;
- command lines the engine flagged: ``Engine:command line reported as lowfi|threat: <command line>``;
- exclusions in force: ``[Exclusion] <path> -> <device path>`` and the ``RTP Perf Log`` block's
  Process/Path/Ext Exclusions lists;
- files and processes the engine saw: ``ProcessImageName: ..., Pid: ...`` (estimated impact),
  ``Engine:EMS scan for process: <name> pid: <pid>, sigseq: ...`` (a memory scan of a running process),
  ``Filter caching disabled for <path> (runtime ...)`` (a file the engine keeps rescanning: PsExec,
  scanners, remote-control tools),
  ``SDN:Issuing SDN query for <path> ... (sha1=..., sha2=...)``, ``Engine:Setting original file name``;
- scans: the ``Begin Resource Scan`` ... ``End Scan`` block (scan id, source, start and end time,
  resource, threats found, signature sequence) and the ``Beginning threat actions`` block (action,
  path, SHA-1, owner).

The blocks' own times (``12-15-2022 11:24:33``) carry no zone: they are read in the host's offset
(``offset_s``, as for the other local-time logs) and say so in their fields. A line that is not
valid UTF-16, a file cut in the middle of a character and a block cut before its end are counted as
skipped with the reason, and everything else is kept.
"""
from __future__ import annotations

import codecs
import datetime as _dt
import io
import re
from typing import Iterator

from analysis.events import DESC_RECORDED, DESC_START, Event, ParseReport, parse_iso

DESC_DETECTED = "Detection Time"
DESC_REMEDIATED = "Remediation Time"
DESC_END = "End Time"
MAX_BYTES = 512 << 20  # a protection log is rotated at a few MB; a file larger than this is read up to here

TS = r"(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) "
LINE = re.compile(TS + r"(?P<rest>.*)$")
DETECTION = re.compile(r"DETECTIONEVENT (?P<source>MPSOURCE_\S+) (?P<threat>\S+) (?P<res>.*)$")
DETECTION_ADD = re.compile(r"DETECTION_ADD(?:#\d+)? (?P<threat>\S+) (?P<res>.*)$")
CLEAN = re.compile(r"DETECTION_CLEANEVENT (?P<source>MPSOURCE_\S+) (?P<action>\S+) (?P<hr>0x[0-9A-Fa-f]+) "
                   r"(?P<threat>\S+) (?P<res>.*)$")
CMDLINE = re.compile(r"Engine:command line reported as (?P<level>lowfi|threat): (?P<cmd>.*)$")
EXCLUSION = re.compile(r"\[Exclusion\] (?P<path>.+?) -> (?P<device>.+)$")
IMPACT = re.compile(r"ProcessImageName: (?P<name>[^,]*), (?:Pid: (?P<pid>\d+), )?TotalTime: (?P<total>\d+), "
                    r"Count: (?P<count>\d+)(?:, MaxTime: (?P<max>\d+), MaxTimeFile: (?P<file>.*?))?"
                    r"(?:, EstimatedImpact: (?P<impact>\d+)%)?$")
SDN = re.compile(r"SDN:Issuing SDN query for (?P<path>\S.*?) \((?P<alt>[^()]*)\) \(sha1=(?P<sha1>[0-9A-Fa-f]+), "
                 r"sha2=(?P<sha2>[0-9A-Fa-f]+)\)?$")
EMS = re.compile(r"Engine:EMS scan for process: (?P<name>.+?) pid: (?P<pid>\d+), sigseq: (?P<sigseq>\w+)")
NO_CACHE = re.compile(r"Filter caching disabled for (?P<path>.+?) \(runtime (?P<why>[^)]*)\)")
ORIGINAL = re.compile(r'Engine:Setting original file name "(?P<orig>[^"]*)" for "(?P<path>[^"]*)", hr=(?P<hr>\w+)')
RESOURCE = re.compile(r"(?P<kind>file|process|containerfile|webfile|regkey|service|startup|behavior):"
                      r"(?P<value>[^;]*?)(?=;|\s+PropBag \[|$)")
BLOCK_TIME = "%m-%d-%Y %H:%M:%S"
BLOCKS = {"Begin Resource Scan": ("scan", "End Scan"), "Beginning threat actions": ("threat_action",
                                                                                     "Finished threat actions"),
          "RTP Perf Log": ("rtp", "END RTP Perf Log")}
MAX_BLOCK_LINES = 5000


def resources(text: str) -> list[dict]:
    """'file:C:\\x.exe;process:pid:1,ProcessStart:2;' -> [{'kind': 'file', 'path': 'C:\\x.exe'}, ...]."""
    return [{"kind": m["kind"], "path": m["value"].strip()} for m in RESOURCE.finditer(text)
            if m["value"].strip()]


def decode_lines(path: str, report: ParseReport) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-16LE (BOM or not) or UTF-8 file, undecodable bytes as U+FFFD."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
        utf16 = head[:2] == b"\xff\xfe" or (len(head) >= 2 and head[1] == 0 and head[0] != 0)
        if head[:2] == b"\xff\xfe":
            fh.seek(2)
        if size > MAX_BYTES:
            report.skip("file", f"larger than {MAX_BYTES >> 20} MiB: read up to there")
        decoder = codecs.getincrementaldecoder("utf-16-le" if utf16 else "utf-8")(errors="replace")
        pending, n, read = "", 0, fh.tell()
        while read < min(size, MAX_BYTES):
            chunk = fh.read(min(1 << 20, MAX_BYTES - read))
            if not chunk:
                break
            read += len(chunk)
            text = pending + decoder.decode(chunk)
            parts = text.split("\n")
            pending = parts.pop()
            for part in parts:
                n += 1
                yield n, part.rstrip("\r")
        tail = decoder.decode(b"", final=True)
        if utf16 and (size - (2 if head[:2] == b"\xff\xfe" else 0)) % 2 and size <= MAX_BYTES:
            report.skip("end of file", "cut in the middle of a UTF-16 character (truncated file)")
        pending += tail
        if pending.strip("\r\0\ufffd"):
            yield n + 1, pending.rstrip("\r")


def _block_time(value: str, offset_s: int) -> int | None:
    try:
        t = _dt.datetime.strptime(value.strip(), BLOCK_TIME)
    except ValueError:
        return None
    return int((t - _dt.datetime(1970, 1, 1)).total_seconds() - offset_s) * 1_000_000


class _Block:
    def __init__(self, kind: str, end: str, line: int):
        self.kind, self.end, self.line = kind, end, line
        self.pairs: list[tuple[str, str]] = []
        self.lists: dict[str, list[str]] = {}
        self._list: str | None = None

    def add(self, text: str) -> None:
        if self.kind == "rtp":
            head = text.strip()
            if head.endswith("Exclusions:"):
                self._list = head[:-1]
                self.lists[self._list] = []
                return
            if text.startswith((" ", "\t")) and self._list:
                self.lists[self._list].append(head)
                return
            self._list = None
        key, sep, value = text.partition(":")
        if sep:
            self.pairs.append((key.strip(), value.strip()))

    def first(self, key: str) -> str | None:
        return next((v for k, v in self.pairs if k == key), None)

    def all(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]


def _line_event(rest: str, us: int, host: str, eid: str, loc: str) -> Event | None:
    m = DETECTION.match(rest)
    if m:
        res = resources(m["res"])
        files = [r["path"] for r in res if r["kind"] in ("file", "containerfile")]
        d = {"kind": "detection", "threat": m["threat"], "source": m["source"], "resources": res}
        return Event(us, DESC_DETECTED, "defender", "mplog",
                     f"Defender detected {m['threat']} in {', '.join(files) or _first(res)} ({m['source']})",
                     host, d, 0, eid, loc)
    m = DETECTION_ADD.match(rest)
    if m:
        res = resources(m["res"])
        d = {"kind": "detection_add", "threat": m["threat"], "resources": res}
        return Event(us, DESC_DETECTED, "defender", "mplog",
                     f"Defender added detection {m['threat']}: {_first(res)}", host, d, 0, eid, loc)
    m = CLEAN.match(rest)
    if m:
        res = resources(m["res"])
        action = m["action"].removeprefix("MP_THREAT_ACTION_").lower()
        d = {"kind": "remediation", "threat": m["threat"], "action": action, "hr": m["hr"], "source": m["source"],
             "resources": res}
        return Event(us, DESC_REMEDIATED, "defender", "mplog",
                     f"Defender {action}: {m['threat']} in {_first(res)}", host, d, 0, eid, loc)
    m = CMDLINE.match(rest)
    if m:
        d = {"kind": "command_line", "level": m["level"], "command_line": m["cmd"]}
        return Event(us, DESC_RECORDED, "defender", "mplog",
                     f"Defender reported a command line as {m['level']}: {m['cmd']}", host, d, 0, eid, loc)
    m = EXCLUSION.match(rest)
    if m:
        d = {"kind": "exclusion", "path": m["path"], "device_path": m["device"]}
        return Event(us, DESC_RECORDED, "defender", "mplog", f"Defender exclusion in force: {m['path']}",
                     host, d, 0, eid, loc)
    m = IMPACT.match(rest)
    if m:
        d = {"kind": "process_scanned", "process": m["name"], "pid": int(m["pid"]) if m["pid"] else None,
             "files_scanned": int(m["count"]), "total_time_ms": int(m["total"]),
             "max_time_file": m["file"], "estimated_impact": int(m["impact"]) if m["impact"] else None}
        return Event(us, DESC_RECORDED, "defender", "mplog",
                     f"Defender scanned {m['count']} file(s) opened by {m['name']}"
                     + (f" (pid {m['pid']})" if m["pid"] else ""), host, d, 0, eid, loc)
    m = SDN.match(rest)
    if m:
        d = {"kind": "cloud_lookup", "path": m["path"], "sha1": m["sha1"].lower(), "sha256": m["sha2"].lower()}
        return Event(us, DESC_RECORDED, "defender", "mplog",
                     f"Defender cloud lookup of {m['path']} (SHA-256 {d['sha256']})", host, d, 0, eid, loc)
    m = EMS.search(rest)
    if m:
        d = {"kind": "memory_scan", "process": m["name"], "pid": int(m["pid"]), "sig_seq": m["sigseq"]}
        return Event(us, DESC_RECORDED, "defender", "mplog",
                     f"Defender scanned the memory of process {m['name']} (pid {m['pid']})", host, d, 0, eid, loc)
    m = NO_CACHE.match(rest)
    if m:
        d = {"kind": "no_cache", "path": m["path"], "why": m["why"]}
        return Event(us, DESC_RECORDED, "defender", "mplog",
                     f"Defender keeps rescanning {m['path']} (filter caching disabled)", host, d, 0, eid, loc)
    m = ORIGINAL.search(rest)
    if m:
        d = {"kind": "original_name", "path": m["path"], "original_name": m["orig"], "hr": m["hr"]}
        return Event(us, DESC_RECORDED, "defender", "mplog",
                     f"Defender: the original name of {m['path']} is {m['orig']}", host, d, 0, eid, loc)
    return None


def _first(res: list[dict]) -> str:
    return res[0]["path"] if res else "unknown resource"


def _block_events(b: _Block, last_us: int | None, host: str, offset_s: int, eid: str,
                  report: ParseReport) -> Iterator[Event]:
    loc = f"line {b.line}"
    d: dict
    if b.kind == "scan":
        threats = b.all("Threat Name")
        paths = b.all("Resource Path")
        d = {"kind": "scan", "scan_id": b.first("Scan ID"), "scan_source": b.first("Scan Source"),
             "start": b.first("Start Time"), "end": b.first("End Time"), "resource": paths[0] if paths else None,
             "result_count": int(b.first("Result Count") or 0) if (b.first("Result Count") or "").isdigit() else None,
             "threats": threats, "threat_resources": paths[1:], "sig_seq": b.first("Extended Info - SigSeq"),
             "sig_sha": b.first("Extended Info - SigSha"), "times": "as written, read in the host's offset"}
        found = f"{len(threats)} threat(s): {', '.join(threats)}" if threats else "no threat"
        for field_name, desc, word in (("start", DESC_START, "started"), ("end", DESC_END, "ended")):
            us = _block_time(d[field_name] or "", offset_s)
            if us is None:
                report.skip(loc, f"scan block: {field_name} time missing or not MM-DD-YYYY HH:MM:SS")
                continue
            report.events += 1
            yield Event(us, desc, "defender", "mplog",
                        f"Defender scan of {d['resource'] or 'unknown resource'} {word} ({found})", host, d,
                        offset_s, eid, loc)
    elif b.kind == "threat_action":
        d = {"kind": "threat_action", "threat": b.first("Threat Name"), "threat_id": b.first("Threat ID"),
             "action": b.first("Action"), "results": b.all("Resource action complete"),
             "path": (b.first("Path") or "").removeprefix("\\\\?\\") or None,
             "sha1": (b.first("File to act on SHA1") or "").lower() or None, "owner": b.first("File owner"),
             "start": b.first("Start time"), "times": "as written, read in the host's offset"}
        us = _block_time(d["start"] or "", offset_s)
        if us is None:
            report.skip(loc, "threat actions block: start time missing or not MM-DD-YYYY HH:MM:SS")
            return
        report.events += 1
        yield Event(us, DESC_REMEDIATED, "defender", "mplog",
                    f"Defender {d['action'] or 'action'} on {d['threat']}: {d['path']}"
                    + (f" (SHA-1 {d['sha1']}, owner {d['owner']})" if d["sha1"] else ""), host, d, offset_s, eid, loc)
    elif b.kind == "rtp":
        lists = {k.split()[0].lower(): v for k, v in b.lists.items()}
        d = {"kind": "exclusions", "processes": lists.get("process", []), "paths": lists.get("path", []),
             "extensions": lists.get("ext", []), "time": "of the log line before the block"}
        if not any((d["processes"], d["paths"], d["extensions"])):
            return
        if last_us is None:
            report.skip(loc, "RTP Perf Log block before any timed line: exclusions kept without a time")
            return
        report.events += 1
        parts = [f"{k} {', '.join(v)}" for k, v in (("paths", d["paths"]), ("processes", d["processes"]),
                                                    ("extensions", d["extensions"])) if v]
        yield Event(last_us, DESC_RECORDED, "defender", "mplog", f"Defender exclusions in force: {'; '.join(parts)}",
                    host, d, 0, eid, loc)


def parse(path: str, report: ParseReport, *, host: str = "", offset_s: int = 0,
          evidence_id: str = "") -> Iterator[Event]:
    report.parser = "mplog"
    block: _Block | None = None
    last_us: int | None = None
    bad = 0
    try:
        for n, text in decode_lines(path, report):
            if "\ufffd" in text:
                bad += 1
                if bad <= 20:
                    report.skip(f"line {n}", "not valid UTF-16 text (garbled): read as far as it makes sense")
            if block is not None:
                if text.strip().strip("*").strip() == block.end or text.strip() == block.end:
                    yield from _block_events(block, last_us, host, offset_s, evidence_id, report)
                    block = None
                    continue
                if LINE.match(text) or len(block.pairs) > MAX_BLOCK_LINES:
                    report.skip(f"line {block.line}", f"{block.kind} block without its end line: read as it was")
                    yield from _block_events(block, last_us, host, offset_s, evidence_id, report)
                    block = None
                else:
                    block.add(text)
                    continue
            head = text.strip().strip("*").strip()
            for start, (kind, end) in BLOCKS.items():
                if head == start or head.endswith(" " + start):
                    block = _Block(kind, end, n)
                    break
            if block is not None:
                continue
            m = LINE.match(text)
            if not m:
                continue  # continuation text, banners, separators
            p = parse_iso(m["ts"])
            if p is None:
                report.skip(f"line {n}", f"not a time: {m['ts']}")
                continue
            last_us = p[0]
            ev = _line_event(m["rest"], p[0], host, evidence_id, f"line {n}")
            if ev is not None:
                report.events += 1
                yield ev
    except OSError as exc:
        report.fatal = f"not a readable protection log: {exc}"
        return
    if block is not None:
        report.skip(f"line {block.line}", f"{block.kind} block cut by the end of the file: read as it was")
        yield from _block_events(block, last_us, host, offset_s, evidence_id, report)
    if bad > 20:
        report.skip("file", f"{bad} garbled lines in all", count=0)
