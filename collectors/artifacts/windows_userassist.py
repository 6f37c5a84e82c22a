"""B4 on Windows: UserAssist, what each user started from the Explorer shell (NTUSER.DAT
Explorer\\UserAssist\\{GUID}\\Count, ROT13 names): run count, focus count and time, last run
(windows_userassist.json). Every user hive: all loaded ones live, every profile offline."""
from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win
from ._hives import filetime_at


@records.record("windows_userassist", version=1)
@dataclass
class UserAssistEntry:
    user: str | None
    sid: str | None
    guid: str
    name: str                      # decoded (ROT13) and with known folder GUIDs named (%SYSTEM32%\cmd.exe)
    run_count: int | None = None
    focus_count: int | None = None
    focus_time_ms: int | None = None
    last_run: str | None = None    # ISO 8601 UTC
    session: int | None = None
    extra: dict = field(default_factory=dict)


KEY = r"Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist"
KNOWN_FOLDERS = {
    "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}": "%SYSTEM32%", "{6D809377-6AF0-444B-8957-A3773F02200E}": "%PROGRAMFILES%",
    "{7C5A40EF-A0FB-4BFC-874A-C0F2E0B9FA8E}": "%PROGRAMFILES(X86)%", "{F38BF404-1D43-42F2-9305-67DE0B28FC23}": "%WINDIR%",
    "{0139D44E-6AFE-49F2-8690-3DAFCAE6FFB8}": "%PROGRAMDATA%\\Microsoft\\Windows\\Start Menu\\Programs",
    "{9E3995AB-1F9C-4F13-B827-48B24B6C7174}": "%APPDATA%\\Microsoft\\Internet Explorer\\Quick Launch\\User Pinned",
    "{A77F5D77-2E2B-44C3-A6A2-ABA601054A51}": "%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs",
    "{D65231B0-B2F1-4857-A4CE-A8E7C6EA7D27}": "%SYSTEM32%",  # the 32-bit system folder on a 64-bit system
}


def decode(name: str, data: bytes) -> dict | None:
    """One Count value: Windows 7+ (72 bytes) or XP/2003 (16 bytes); None for other layouts."""
    if len(data) >= 72:
        session, count, focus, focus_ms = struct.unpack_from("<IIII", data, 0)
        return {"session": session, "run_count": count, "focus_count": focus, "focus_time_ms": focus_ms,
                "last_run": filetime_at(data, 60)}
    if len(data) == 16:
        session, count = struct.unpack_from("<II", data, 0)
        return {"session": session, "run_count": max(count - 5, 0), "last_run": filetime_at(data, 8)}
    return None


def named(name: str) -> str:
    for guid, folder in KNOWN_FOLDERS.items():
        if name.upper().startswith(guid):
            return folder + name[len(guid):]
    return name


def userassist(api, notes: list[str]) -> list[UserAssistEntry]:
    rows: list[UserAssistEntry] = []
    for prefix, sid, user in win.user_hive_keys(api):
        for guid in sorted(win.subkeys(api, win.HKU, f"{prefix}\\{KEY}")):
            skipped = 0
            for raw_name, data in sorted(win._values(api, win.HKU, f"{prefix}\\{KEY}\\{guid}\\Count").items()):
                name = codecs.decode(raw_name, "rot-13")
                if name.startswith("UEME_CTLSESSION") or not isinstance(data, (bytes, bytearray)):
                    continue
                d = decode(name, bytes(data))
                if d is None:
                    skipped += 1
                    continue
                rows.append(UserAssistEntry(user=user, sid=sid, guid=guid, name=named(name), **d))
            if skipped:
                notes.append(f"HKU\\{prefix}\\{KEY}\\{guid}\\Count: {skipped} value(s) in an unknown layout skipped")
    return rows


class WindowsUserAssist(win.RegistryArtifact, Collector):
    name = "windows_userassist"
    version = "1.0"
    os = ("windows",)
    HIVES = ("USERS",)
    WHERE = "user hives (NTUSER.DAT)"

    def outputs(self):
        return [("windows_userassist.json", UserAssistEntry, f"HKU\\*\\{KEY}", userassist)]
