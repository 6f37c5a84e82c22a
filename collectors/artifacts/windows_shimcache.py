"""B4 on Windows: the Application Compatibility Cache (shimcache, SYSTEM Control\\Session Manager\\
AppCompatCache): executables the system looked at, newest first, with their file modification time
(windows_shimcache.json). The binary value is decoded by regipy's ShimCacheParser (XP to Windows 11)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win


@records.record("windows_shimcache", version=1)
@dataclass
class ShimcacheEntry:
    position: int                     # 0 = most recent entry
    path: str
    last_modified: str | None = None  # the file's $STANDARD_INFORMATION modification time (not a run time)
    executed: bool | None = None      # the CSRSS "executed" flag (Windows 7/8 only); None when not recorded
    extra: dict = field(default_factory=dict)


KEY = r"SYSTEM\CurrentControlSet\Control\Session Manager\AppCompatCache"


def shimcache(api, notes: list[str]) -> list[ShimcacheEntry]:
    from regipy.plugins.system.external.ShimCacheParser import get_shimcache_entries

    raw = win._values(api, win.HKLM, KEY).get("AppCompatCache")
    if not isinstance(raw, (bytes, bytearray)):
        notes.append(f"HKLM\\{KEY}: no AppCompatCache value")
        return []
    rows: list[ShimcacheEntry] = []
    try:
        for i, e in enumerate(get_shimcache_entries(bytes(raw)) or []):
            flag = e.get("exec_flag")
            rows.append(ShimcacheEntry(position=i, path=str(e.get("path")), last_modified=win.when(e.get("last_mod_date")),
                                       executed=None if flag in (None, "N/A") else flag == "True"))
    except Exception as exc:  # an unknown layout or a truncated value: what was read before is kept
        notes.append(f"HKLM\\{KEY}: AppCompatCache could not be read past entry {len(rows)} "
                     f"({type(exc).__name__}: {exc})")
    return rows


class WindowsShimcache(win.RegistryArtifact, Collector):
    name = "windows_shimcache"
    version = "1.0"
    os = ("windows",)

    def outputs(self):
        return [("windows_shimcache.json", ShimcacheEntry, f"HKLM\\{KEY}", shimcache)]
