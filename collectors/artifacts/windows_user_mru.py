"""B4 on Windows: what each user opened, typed and connected to (NTUSER.DAT): RecentDocs, Explorer
TypedPaths, RunMRU, and the Remote Desktop client's history (Terminal Server Client Default MRU and
Servers with their UsernameHint): windows_user_mru.json. The newest entry of each list carries the
key's last write time (the only time these lists keep)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win
from ._hives import utf16z


@records.record("windows_user_mru", version=1)
@dataclass
class UserMruEntry:
    kind: str                     # recent_doc, typed_path, run_mru, rdp_server
    user: str | None
    sid: str | None
    key: str
    position: int | None          # 0 = most recent (MRUListEx / MRUList order)
    value: str
    key_last_write: str | None = None  # for position 0: when that entry became the newest
    extra: dict = field(default_factory=dict)


EXPLORER = r"Software\Microsoft\Windows\CurrentVersion\Explorer"
RECENT = EXPLORER + r"\RecentDocs"
TYPED = EXPLORER + r"\TypedPaths"
RUNMRU = EXPLORER + r"\RunMRU"
RDP = r"Software\Microsoft\Terminal Server Client"


def _order_ex(v: dict) -> list[str]:
    raw = v.get("MRUListEx")
    if not isinstance(raw, (bytes, bytearray)):
        return sorted((k for k in v if k.isdigit()), key=int)
    out = []
    for i in range(0, len(raw) - 3, 4):
        n = int.from_bytes(raw[i:i + 4], "little")
        if n == 0xFFFFFFFF:
            break
        out.append(str(n))
    return out


def _recent(api, prefix, sid, user) -> list[UserMruEntry]:
    rows = []
    for sub in [""] + sorted(win.subkeys(api, win.HKU, f"{prefix}\\{RECENT}")):
        key = RECENT + (f"\\{sub}" if sub else "")
        v = win._values(api, win.HKU, f"{prefix}\\{key}")
        stamp = win.key_time(api, win.HKU, f"{prefix}\\{key}")
        for pos, n in enumerate(_order_ex(v)):
            data = v.get(n)
            if not isinstance(data, (bytes, bytearray)):
                continue
            rows.append(UserMruEntry(kind="recent_doc", user=user, sid=sid, key=key, position=pos,
                                     value=utf16z(bytes(data)), key_last_write=stamp if pos == 0 else None,
                                     extra={"extension": sub} if sub else {}))
    return rows


def user_mru(api) -> list[UserMruEntry]:
    rows: list[UserMruEntry] = []
    for prefix, sid, user in win.user_hive_keys(api):
        rows += _recent(api, prefix, sid, user)
        v = win._values(api, win.HKU, f"{prefix}\\{TYPED}")
        stamp = win.key_time(api, win.HKU, f"{prefix}\\{TYPED}")
        for name in sorted((k for k in v if k.lower().startswith("url") and k[3:].isdigit()), key=lambda k: int(k[3:])):
            pos = int(name[3:]) - 1
            rows.append(UserMruEntry(kind="typed_path", user=user, sid=sid, key=TYPED, position=pos, value=str(v[name]),
                                     key_last_write=stamp if pos == 0 else None))
        v = win._values(api, win.HKU, f"{prefix}\\{RUNMRU}")
        stamp = win.key_time(api, win.HKU, f"{prefix}\\{RUNMRU}")
        for pos, letter in enumerate(str(v.get("MRUList") or "")):
            if letter in v:
                rows.append(UserMruEntry(kind="run_mru", user=user, sid=sid, key=RUNMRU, position=pos,
                                         value=str(v[letter]).removesuffix("\\1"), key_last_write=stamp if pos == 0 else None))
        v = win._values(api, win.HKU, f"{prefix}\\{RDP}\\Default")
        stamp = win.key_time(api, win.HKU, f"{prefix}\\{RDP}\\Default")
        for name in sorted((k for k in v if k.startswith("MRU") and k[3:].isdigit()), key=lambda k: int(k[3:])):
            pos = int(name[3:])
            rows.append(UserMruEntry(kind="rdp_mru", user=user, sid=sid, key=RDP + r"\Default", position=pos,
                                     value=str(v[name]), key_last_write=stamp if pos == 0 else None))
        for server in sorted(win.subkeys(api, win.HKU, f"{prefix}\\{RDP}\\Servers")):
            key = f"{RDP}\\Servers\\{server}"
            hint = win._values(api, win.HKU, f"{prefix}\\{key}").get("UsernameHint")
            rows.append(UserMruEntry(kind="rdp_server", user=user, sid=sid, key=key, position=None, value=server,
                                     key_last_write=win.key_time(api, win.HKU, f"{prefix}\\{key}"),
                                     extra={"username_hint": hint} if hint else {}))
    return rows


class WindowsUserMru(win.RegistryArtifact, Collector):
    name = "windows_user_mru"
    version = "1.0"
    os = ("windows",)
    HIVES = ("USERS",)
    WHERE = "user hives (NTUSER.DAT)"

    def outputs(self):
        return [("windows_user_mru.json", UserMruEntry, "RecentDocs, TypedPaths, RunMRU, Terminal Server Client",
                 lambda api, notes: user_mru(api))]
