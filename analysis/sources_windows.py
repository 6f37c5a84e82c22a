"""Which parser reads which Windows evidence item (called from analysis/sources.py): the registry and
file artifacts' typed records, and the Windows files copied for the timeline (firewall and IIS W3C logs,
setupapi, PowerShell history and transcripts, browser history, legacy .job tasks, Defender's detection
history and protection log MPLog-*.log)."""
from __future__ import annotations

import posixpath
from typing import Iterator

from analysis.events import Event, ParseReport
from analysis.parsers import (
    _text,
    browser,
    defender,
    mplog,
    powershell,
    setupapi,
    w3c,
    windows_files,
    windows_registry,
    winjob,
)

KINDS = ("windows_registry", "windows_files", "w3c", "setupapi", "powershell_history", "powershell_transcript",
         "browser", "winjob", "defender", "mplog")
PARSER_OF = {"powershell_history": "powershell", "powershell_transcript": "powershell"}


def _user(src: str) -> str:
    parts = src.strip("/").split("/")
    return parts[1] if len(parts) > 2 and parts[0].lower() == "users" else ""


def choose(rec, ctx) -> tuple[str | None, dict]:
    """(job kind, options) for a Windows evidence item, or (None, {})."""
    host = rec.host or ctx.host
    if rec.kind != "file":
        if rec.name in windows_registry.NAMES:
            return "windows_registry", {"host": host, "schema": windows_registry.NAMES[rec.name]}
        if rec.name in windows_files.NAMES:
            return "windows_files", {"host": host, "schema": windows_files.NAMES[rec.name]}
        return None, {}
    src = (rec.source or "").replace("\\", "/")
    low = src.lower()
    base = posixpath.basename(low)
    if "/logfiles/firewall/" in low and (base.endswith(".log") or base.endswith(".log.old")):
        return "w3c", {"host": host, "kind": "firewall", "offset_s": ctx.offset_s}
    if ("/inetpub/logs/" in low or "/logfiles/w3svc" in low) and base.endswith(".log"):
        return "w3c", {"host": host, "kind": "iis", "offset_s": ctx.offset_s}
    if base.startswith("setupapi") and base.endswith(".log"):
        return "setupapi", {"host": host, "offset_s": ctx.offset_s}
    if "/psreadline/" in low and base.endswith("_history.txt"):
        from analysis.sources import _mtime_us

        return "powershell_history", {"host": host, "user": _user(src), "mtime_us": _mtime_us(rec)}
    if base.startswith("powershell_transcript.") and base.endswith(".txt"):
        return "powershell_transcript", {"host": host, "offset_s": ctx.offset_s}
    if base == "history" and ("/user data/" in low):
        name = "edge" if "/microsoft/edge/" in low else ("chromium" if "/chromium/" in low else "chrome")
        return "browser", {"host": host, "browser": name, "user": _user(src)}
    if base in ("places.sqlite", "downloads.sqlite") and "/mozilla/firefox/" in low:
        return "browser", {"host": host, "browser": "firefox", "user": _user(src)}
    if "/windows defender/scans/history/service/detectionhistory/" in low:
        return "defender", {"host": host}
    if "/windows defender/support/" in low and base.startswith("mplog-") and base.endswith(".log"):
        return "mplog", {"host": host, "offset_s": ctx.offset_s}
    if base.endswith(".job") and "/windows/tasks/" in low:
        return "winjob", {"host": host, "offset_s": ctx.offset_s, "name": posixpath.basename(src)}
    return None, {}


def run(kind: str, path: str, opts: dict, report: ParseReport) -> Iterator[Event]:
    lines = lambda: _text.iter_lines(path, report)  # noqa: E731
    if kind == "windows_registry":
        yield from windows_registry.parse(path, report, **opts)
    elif kind == "windows_files":
        yield from windows_files.parse(path, report, **opts)
    elif kind == "w3c":
        yield from w3c.parse(lines(), report, **opts)
    elif kind == "setupapi":
        yield from setupapi.parse(lines(), report, **opts)
    elif kind == "powershell_history":
        yield from powershell.parse_history(lines(), report, **opts)
    elif kind == "powershell_transcript":
        yield from powershell.parse_transcript(lines(), report, **opts)
    elif kind == "browser":
        yield from browser.parse(path, report, **opts)
    elif kind == "winjob":
        yield from winjob.parse(path, report, **opts)
    elif kind == "defender":
        yield from defender.parse(path, report, **opts)
    elif kind == "mplog":
        yield from mplog.parse(path, report, **opts)
    else:
        raise ValueError(f"unknown job kind {kind!r}")
