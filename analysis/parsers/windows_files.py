"""Timeline events from the Windows file artifacts' typed records: Prefetch runs (each of the last eight),
Recycle Bin deletions (H4), and shortcut / jump list times (the target's times as the link recorded them,
and a jump list entry's last use)."""
from __future__ import annotations

from typing import Iterator

from analysis.events import DESC_ACCESS, DESC_BIRTH, DESC_WRITTEN, Event, ParseReport
from analysis.parsers.windows_registry import DESC_EXECUTED_LAST, parse_records

DESC_DELETED = "Deletion Time"
DESC_LAST_USED = "Last Visited Time"


def _lnk(r: dict) -> str:
    kind = {"lnk": "Shortcut", "jumplist_auto": "Jump list", "jumplist_custom": "Jump list", "destlist": "Jump list entry"}
    who = f" ({r.get('user')})" if r.get("user") else ""
    return f"{kind.get(str(r.get('kind')), 'Shortcut')}{who}: {r.get('target')}"


TIMES = {
    "windows_prefetch": [
        ("last_runs", DESC_EXECUTED_LAST, lambda r: f"Prefetch: {r.get('path') or r.get('executable')} run "
                                                    f"({r.get('run_count')} runs)"),
    ],
    "windows_recycle_bin": [
        ("deleted", DESC_DELETED, lambda r: f"Deleted to the Recycle Bin: {r.get('original_path')} ({r.get('size')} bytes)"),
    ],
    "windows_lnk": [
        ("last_access", DESC_LAST_USED, _lnk),
        ("target_created", DESC_BIRTH, lambda r: _lnk(r) + " (target created)"),
        ("target_modified", DESC_WRITTEN, lambda r: _lnk(r) + " (target modified)"),
        ("target_accessed", DESC_ACCESS, lambda r: _lnk(r) + " (target accessed)"),
    ],
}
SOURCE = {"windows_prefetch": "prefetch", "windows_recycle_bin": "recycle_bin", "windows_lnk": "lnk"}
NAMES = {f"{schema}.json": schema for schema in TIMES}


def parse(path: str, report: ParseReport, *, schema: str, host: str = "", evidence_id: str = "") -> Iterator[Event]:
    yield from parse_records(path, report, schema=schema, times=TIMES, sources=SOURCE, parser="windows_files",
                             host=host, evidence_id=evidence_id)
