"""PowerShell: PSReadLine ConsoleHost_history.txt (commands without times: summarised at the file's
modification time, like an untimed shell history) and transcripts (``Start time: yyyyMMddHHmmss`` in the
host's local time; each ``PS path> command`` prompt line is a command, at the latest ``Command start
time`` header before it, else the transcript's start)."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Iterable, Iterator

from analysis.events import DESC_EXECUTED, DESC_START, Event, ParseReport
from analysis.parsers.shell_history import _untimed

RE_TIME = re.compile(r"^(Start time|End time|Command start time):\s*(\d{14})\s*$")
RE_PROMPT = re.compile(r"^PS (?P<cwd>[^>]*)> (?P<cmd>.+)$")
RE_FIELD = re.compile(r"^(Username|RunAs User|Machine|Host Application|Process ID|PSVersion):\s*(.*)$")
EPOCH = _dt.datetime(1970, 1, 1)


def parse_history(lines: Iterable[tuple[int, str]], report: ParseReport, *, user: str = "", host: str = "",
                  evidence_id: str = "", mtime_us: int | None = None) -> Iterator[Event]:
    report.parser = "powershell"
    cmds = [(n, line.lstrip("\ufeff")) for n, line in lines if line.strip()]
    ev = _untimed(cmds, "powershell", user, host, evidence_id, mtime_us, report)
    if ev is not None:
        ev.parser = "powershell"
        yield ev


def parse_transcript(lines: Iterable[tuple[int, str]], report: ParseReport, *, host: str = "", offset_s: int = 0,
                     evidence_id: str = "") -> Iterator[Event]:
    report.parser = "powershell"
    meta: dict = {}
    now = None
    for n, line in lines:
        line = line.lstrip("\ufeff")
        m = RE_TIME.match(line)
        if m:
            t = _dt.datetime.strptime(m.group(2), "%Y%m%d%H%M%S")
            now = int((t - EPOCH).total_seconds() * 1_000_000) - offset_s * 1_000_000
            if m.group(1) != "Command start time":
                report.events += 1
                what = "started" if m.group(1) == "Start time" else "ended"
                yield Event(now, DESC_START if what == "started" else "End Time", "powershell", "powershell",
                            f"PowerShell transcript {what}" + (f" ({meta.get('Username')})" if meta.get("Username") else ""),
                            host, dict(meta), offset_s, evidence_id, f"line {n}")
            continue
        m = RE_FIELD.match(line)
        if m:
            meta[m.group(1)] = m.group(2).strip()
            continue
        m = RE_PROMPT.match(line)
        if m:
            if now is None:
                report.skip(f"line {n}", "a command before any time in the transcript")
                continue
            report.events += 1
            yield Event(now, DESC_EXECUTED, "powershell", "powershell", f"{meta.get('Username', '')}: {m.group('cmd')}",
                        host, {"command": m.group("cmd"), "cwd": m.group("cwd"), "user": meta.get("Username"),
                               "machine": meta.get("Machine")}, offset_s, evidence_id, f"line {n}")
