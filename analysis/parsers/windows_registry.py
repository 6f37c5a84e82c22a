"""Timeline events from the Windows registry artifacts (the typed records of collectors/artifacts/
windows_*.py): each time a record holds becomes one event whose ``timestamp_desc`` says what the time
means. Times are UTC (the registry keeps FILETIMEs). A record without a usable time is not an error
(most MRU positions have none); a record that is not an object, or a time that does not parse, is
counted as skipped."""
from __future__ import annotations

import json
from typing import Callable, Iterator

from analysis.events import DESC_BIRTH, DESC_LOGIN, Event, ParseReport, parse_iso

DESC_KEY_WRITE = "Key Last Write Time"
DESC_EXECUTED_LAST = "Last Time Executed"
DESC_FILE_MODIFIED = "File Last Modification Time"
DESC_FIRST_CONNECT = "First Connection Time"
DESC_LAST_CONNECT = "Last Connection Time"
DESC_LAST_REMOVED = "Last Removal Time"
DESC_PASSWORD = "Last Password Reset"
DESC_FAILED = "Last Failed Login"
DESC_SHELLBAG_LAST = "Folder Last Opened (shellbag)"
DESC_SHELLBAG_FIRST = "Folder First Opened (shellbag)"

Msg = Callable[[dict], str]

# schema -> [(field holding the time, timestamp_desc, message)]
TIMES: dict[str, list[tuple[str, str, Msg]]] = {
    "windows_sam_accounts": [
        ("created", DESC_BIRTH, lambda r: f"Local account created: {r.get('name')} (RID {r.get('rid')})"),
        ("last_logon", DESC_LOGIN, lambda r: f"Last logon of local account {r.get('name')} ({r.get('logon_count')} logons)"),
        ("password_last_set", DESC_PASSWORD, lambda r: f"Password set for local account {r.get('name')}"),
        ("last_failed_logon", DESC_FAILED, lambda r: f"Failed logon of local account {r.get('name')} "
                                                     f"({r.get('failed_logons')} since the last good one)"),
    ],
    "windows_usb_devices": [
        ("first_installed", DESC_FIRST_CONNECT, lambda r: f"USB device first connected: {_usb(r)}"),
        ("last_connected", DESC_LAST_CONNECT, lambda r: f"USB device last connected: {_usb(r)}"),
        ("last_removed", DESC_LAST_REMOVED, lambda r: f"USB device last removed: {_usb(r)}"),
    ],
    "windows_shimcache": [
        ("last_modified", DESC_FILE_MODIFIED, lambda r: f"Shimcache entry {r.get('position')}: {r.get('path')}"),
    ],
    "windows_bam": [
        ("last_run", DESC_EXECUTED_LAST, lambda r: f"{r.get('source', 'bam').upper()}: {r.get('path')} run by "
                                                   f"{r.get('user') or r.get('sid')}"),
    ],
    "windows_userassist": [
        ("last_run", DESC_EXECUTED_LAST, lambda r: f"UserAssist: {r.get('name')} run by {r.get('user')} "
                                                   f"({r.get('run_count')} times)"),
    ],
    "windows_amcache": [
        ("key_last_write", DESC_KEY_WRITE, lambda r: f"Amcache entry (first seen): {r.get('path')}"
                                                     + (f" SHA-1 {r['sha1']}" if r.get("sha1") else "")),
    ],
    "windows_autoruns": [
        ("key_last_write", DESC_KEY_WRITE, lambda r: f"Autostart {r.get('location')}: {r.get('target') or r.get('name')}"
                                                     f" = {r.get('value')}"),
    ],
    "windows_taskcache": [
        ("created", DESC_BIRTH, lambda r: f"Scheduled task registered: {r.get('path')} {' '.join(r.get('actions') or [])}"),
        ("last_run", DESC_EXECUTED_LAST, lambda r: f"Scheduled task ran: {r.get('path')}"),
    ],
    "windows_user_mru": [
        ("key_last_write", DESC_KEY_WRITE, lambda r: f"{_MRU.get(str(r.get('kind')), r.get('kind'))} of {r.get('user')}: "
                                                     f"{r.get('value')}"),
    ],
    "windows_security": [
        ("audit_policy_changed", DESC_KEY_WRITE, lambda r: "Audit policy last changed (Policy\\PolAdtEv)"
                                                           + (f"; not audited: {', '.join(r['not_audited'])}"
                                                              if r.get("not_audited") else "")),
    ],
    "windows_shellbags": [
        ("last_interacted", DESC_SHELLBAG_LAST, lambda r: f"Folder opened by {r.get('user') or r.get('sid')}: "
                                                         f"{r.get('path')} ({r.get('hive')})"),
        ("first_interacted", DESC_SHELLBAG_FIRST, lambda r: f"Folder first opened by {r.get('user') or r.get('sid')}: "
                                                           f"{r.get('path')} ({r.get('hive')})"),
    ],
}
_MRU: dict[str, str] = {"recent_doc": "Most recent document", "typed_path": "Path typed in Explorer", "run_mru": "Run dialog command",
        "rdp_mru": "Remote Desktop connection", "rdp_server": "Remote Desktop server connected"}
SOURCE = {"windows_sam_accounts": "sam", "windows_usb_devices": "usb", "windows_shimcache": "shimcache",
          "windows_bam": "bam", "windows_userassist": "userassist", "windows_amcache": "amcache",
          "windows_autoruns": "registry", "windows_user_mru": "registry", "windows_taskcache": "task",
          "windows_shellbags": "shellbags", "windows_security": "registry"}
NAMES = {f"{schema}.json": schema for schema in TIMES}


def _usb(r: dict) -> str:
    name = r.get("friendly_name") or " ".join(x for x in (r.get("vendor"), r.get("product")) if x)
    return f"{name} serial {r.get('serial')}"


def parse(path: str, report: ParseReport, *, schema: str, host: str = "", evidence_id: str = "") -> Iterator[Event]:
    yield from parse_records(path, report, schema=schema, times=TIMES, sources=SOURCE, parser="windows_registry",
                             host=host, evidence_id=evidence_id)


def parse_records(path: str, report: ParseReport, *, schema: str, times: dict, sources: dict, parser: str,
                  host: str = "", evidence_id: str = "") -> Iterator[Event]:
    """Events of a typed-record envelope: one per time field of `times[schema]` (a list of times is one
    event each, e.g. Prefetch's last eight runs)."""
    report.parser = parser
    try:
        with open(path, "rb") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        report.fatal = f"unreadable JSON: {exc}"
        return
    rows = data.get("records") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        report.fatal = f"not a {schema} record list"
        return
    source = sources.get(schema, "registry")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            report.skip(f"record {i}", "not an object")
            continue
        for fname, desc, msg in times[schema]:
            value = row.get(fname)
            if not value:
                continue
            for j, v in enumerate(value if isinstance(value, list) else [value]):
                p = parse_iso(v) if isinstance(v, str) else None
                if p is None:
                    report.skip(f"record {i}", f"{fname}: not a time ({str(v)[:40]})")
                    continue
                report.events += 1
                loc = f"record {i} {fname}" + (f"[{j}]" if isinstance(value, list) else "")
                yield Event(p[0], desc, source, parser, msg(row), host, dict(row), 0, evidence_id, loc)
