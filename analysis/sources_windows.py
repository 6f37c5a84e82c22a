"""Which parser reads which Windows evidence item (called from analysis/sources.py): the registry
artifacts' typed records and the Windows file artifacts (Prefetch, Recycle Bin $I, LNK and jump lists,
PowerShell history and transcripts, browser history, firewall/IIS W3C logs, setupapi, .job tasks)."""
from __future__ import annotations

from typing import Iterator

from analysis.events import Event, ParseReport
from analysis.parsers import windows_registry

KINDS = ("windows_registry",)


def choose(rec, ctx) -> tuple[str | None, dict]:
    """(job kind, options) for a Windows evidence item, or (None, {})."""
    schema = windows_registry.NAMES.get(rec.name)
    if schema is not None and rec.kind != "file":
        return "windows_registry", {"host": rec.host or ctx.host, "schema": schema}
    return None, {}


def run(kind: str, path: str, opts: dict, report: ParseReport) -> Iterator[Event]:
    if kind == "windows_registry":
        yield from windows_registry.parse(path, report, **opts)
    else:
        raise ValueError(f"unknown job kind {kind!r}")
