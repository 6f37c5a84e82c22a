"""What the Linux case checks share: the typed records of the latest collection, read from the hashed
copies in the case, and the places and shells the checks look for."""
from __future__ import annotations

import ipaddress
import json
import re

from collectors import records

TEMP_PREFIXES = ("/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/run/user/")
SHELLS = ("bash", "sh", "dash", "zsh", "ksh", "ksh93", "mksh", "csh", "tcsh", "fish", "ash", "busybox", "rbash")
RE_TEMP_PATH = re.compile(r"(?<![\w.])(/tmp/|/var/tmp/|/dev/shm/|/run/shm/)\S*")


def rows(case, name: str, cls, *, prefix: bool = False) -> list[tuple[object, object]]:
    """(evidence record, row) of the latest evidence named `name` (or, with prefix, the latest of every
    name starting with it: the parts of one walk). Unreadable or foreign items are left out."""
    latest: dict[str, object] = {}
    for rec in case.evidence():
        if rec.kind != "api":
            continue
        if rec.name == name or prefix and rec.name.startswith(name):
            latest[rec.name] = rec  # case.evidence() is in store order: the last one wins
    out = []
    for rec in latest.values():
        try:
            with case.open_evidence(rec) as fh:
                data = json.load(fh)
            out += [(rec, r) for r in records.load(data, cls)]
        except (OSError, ValueError, records.RecordError):
            continue
    return out


def when(value) -> str | None:
    """A finding's time as ISO 8601 UTC: snapshots may hold epoch seconds or ISO text."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, (int, float)) and value > 0:
        from collectors.util import ts_to_iso
        return ts_to_iso(value)
    return None


def in_temp(path: str | None) -> bool:
    return path is not None and path.startswith(TEMP_PREFIXES)


def temp_paths(text: str) -> list[str]:
    """Paths in a temporary folder named in a command line or unit line."""
    return [m.group(0).rstrip("\"';)") for m in RE_TEMP_PATH.finditer(text or "")]


def internal_host(name: str) -> bool:
    """A private, loopback-free address, or a bare/internal host name (another machine of the network)."""
    host = name.strip("[]").split("]:")[0]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        low = host.lower()
        if low in ("localhost", "localhost.localdomain") or not low:
            return False
        return "." not in low or low.endswith((".local", ".lan", ".internal", ".intranet", ".corp", ".home",
                                                ".localdomain", ".int"))
    return ip.is_private and not ip.is_loopback and not ip.is_link_local
