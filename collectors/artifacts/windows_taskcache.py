"""B4 on Windows: the Task Scheduler's own registry cache (SOFTWARE Schedule\\TaskCache): every registered
task by path, with its creation, last run and last success times (DynamicInfo) and the commands in its
Actions value, and whether its Tree key still has its security descriptor (SD). A task whose SD was
removed is hidden from schtasks and the Task Scheduler UI; a task with no XML file under
System32\\Tasks was hidden by deleting the file: windows_taskcache.json."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, find_case_insensitive
from . import _windows as win
from ._hives import filetime_at


@records.record("windows_taskcache", version=1)
@dataclass
class CachedTask:
    path: str                          # \Microsoft\Windows\Defrag\ScheduledDefrag
    id: str | None = None              # {GUID} of Tasks\
    created: str | None = None         # DynamicInfo (ISO 8601 UTC)
    last_run: str | None = None
    last_success: str | None = None
    last_result: int | None = None
    actions: list = field(default_factory=list)  # UTF-16 strings of the Actions value (commands, arguments)
    author: str | None = None
    has_sd: bool | None = None         # the Tree key's security descriptor: False = hidden from schtasks
    xml_present: bool | None = None    # offline: Windows/System32/Tasks<path> exists
    extra: dict = field(default_factory=dict)


BASE = r"Software\Microsoft\Windows NT\CurrentVersion\Schedule\TaskCache"
# UTF-16LE runs of at least 3 characters: ASCII and Latin-1, Latin Extended and Vietnamese (U+01xx, U+1Exx)
UTF16 = re.compile(rb"(?:[\x20-\x7e\xa0-\xff]\x00|[\x00-\xff][\x01\x1e]){3,}")


def utf16_strings(data: bytes) -> list[str]:
    out = []
    for m in UTF16.finditer(data):
        s = m.group().decode("utf-16-le", "replace").strip()
        if len(s) >= 3 and s.isprintable() and s not in out:
            out.append(s)
    return out


def _tree(api, key: str, prefix: str, out: dict) -> None:
    for name in win.subkeys(api, win.HKLM, key):
        sub = f"{key}\\{name}"
        v = win._values(api, win.HKLM, sub)
        path = f"{prefix}\\{name}"
        if "Id" in v:
            out[path] = {"id": v.get("Id"), "has_sd": "SD" in v}
        _tree(api, sub, path, out)


def cached_tasks(api, root=None) -> list[CachedTask]:
    tree: dict = {}
    _tree(api, f"{BASE}\\Tree", "", tree)
    by_id = {}
    for guid in win.subkeys(api, win.HKLM, f"{BASE}\\Tasks"):
        by_id[guid.upper()] = win._values(api, win.HKLM, f"{BASE}\\Tasks\\{guid}")
    rows = []
    for path, t in sorted(tree.items()):
        v = by_id.get(str(t["id"] or "").upper(), {})
        raw = v.get("DynamicInfo")
        dyn = bytes(raw) if isinstance(raw, (bytes, bytearray)) else b""
        row = CachedTask(path=path, id=t["id"], created=filetime_at(dyn, 4), last_run=filetime_at(dyn, 12),
                         last_success=filetime_at(dyn, 28) if len(dyn) >= 36 else None,
                         last_result=int.from_bytes(dyn[24:28], "little") if len(dyn) >= 28 else None,
                         actions=utf16_strings(bytes(v["Actions"])) if isinstance(v.get("Actions"), (bytes, bytearray)) else [],
                         author=v.get("Author"), has_sd=t["has_sd"])
        if root is not None:
            row.xml_present = find_case_insensitive(root, "Windows/System32/Tasks" + path.replace("\\", "/")) is not None
        rows.append(row)
    return rows


class WindowsTaskCache(win.RegistryArtifact, Collector):
    name = "windows_taskcache"
    version = "1.0"
    os = ("windows",)
    HIVES = ("SOFTWARE",)
    WHERE = "SOFTWARE hive"

    def collect(self, ctx):
        self._root = None if ctx.live else ctx.root
        yield from super().collect(ctx)

    def outputs(self):
        return [("windows_taskcache.json", CachedTask, f"HKLM\\{BASE}",
                 lambda api, notes: cached_tasks(api, self._root))]
