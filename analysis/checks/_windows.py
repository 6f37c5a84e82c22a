"""Shared by the windows_* case checks: the latest typed records of a Windows artifact, and where a
Windows path points (user-writable and temporary folders, where legitimate programs seldom run from)."""
from __future__ import annotations

import re

from collectors import records

ODD_PLACES = re.compile(
    r"\\(?:users\\public|perflogs|\$recycle\.bin|recycler|windows\\temp|windows\\tasks|windows\\debug"
    r"|users\\[^\\]+\\appdata\\local\\temp|temp|tmp)\\"
    r"|^\\programdata\\[^\\]+\.(?:exe|dll|scr|ps1|bat|cmd|vbs)$"
    r"|^\\users\\[^\\]+\\appdata\\(?:roaming|local)\\[^\\]+\.(?:exe|dll|scr|ps1|bat|cmd|vbs)$",
    re.I)
DEVICE_PREFIX = re.compile(r"^(?:\\device\\harddiskvolume\d+|\\volume\{[^}]*\}|\\\\\?\\[a-z]:|\\\?\?\\[a-z]:|[a-z]:)", re.I)


def norm(path: str) -> str:
    """'C:\\Users\\Public\\x.exe', '\\Device\\HarddiskVolume2\\Users\\...', '\\VOLUME{..}\\USERS\\...' ->
    '\\users\\public\\x.exe' (lower case, no drive or volume)."""
    p = str(path or "").replace("/", "\\").strip().strip('"')
    p = DEVICE_PREFIX.sub("", p)
    p = re.sub(r"^%(?:systemdrive)%", "", p, flags=re.I)
    return p.lower()


def command_path(command: str) -> str:
    """The program of a command line ('"C:\\a b\\x.exe" -k' -> 'C:\\a b\\x.exe')."""
    c = str(command or "").strip()
    if c.startswith('"'):
        return c[1:].split('"', 1)[0]
    m = re.match(r"(.+?\.(?:exe|dll|scr|bat|cmd|ps1|vbs|com))\b", c, re.I)
    return m.group(1) if m else c.split(" ", 1)[0]


EXECUTABLE = re.compile(r"\.(?:exe|com|scr|dll|sys|bat|cmd|ps1|vbs|js|hta|msi|tmp)$", re.I)


def odd_place(path: str) -> bool:
    """An executable file (not a shortcut or document) in a user-writable or temporary folder."""
    p = norm(path)
    return bool(EXECUTABLE.search(p) and ODD_PLACES.search(p))


def latest(case, name: str) -> tuple[list[dict], str | None]:
    """(records, evidence id) of the latest evidence item named `name`; ([], None) when absent or unreadable."""
    rec = case.latest(name)
    if rec is None:
        return [], None
    try:
        return [r for r in records.rows_of(case.read_json(rec)) if isinstance(r, dict)], rec.id
    except (OSError, ValueError):
        return [], None
