"""B4 on Windows: the Background/Desktop Activity Moderator (BAM/DAM, Windows 10 1709+): the last time
each user ran each executable (SYSTEM Services\\bam and dam, State\\UserSettings\\<SID>):
windows_bam.json."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win


@records.record("windows_bam", version=1)
@dataclass
class BamEntry:
    source: str                 # bam or dam
    sid: str
    path: str                   # as recorded: \Device\HarddiskVolume2\... or a packaged app name
    last_run: str | None = None  # ISO 8601 UTC
    user: str | None = None     # the profile of the SID, when known
    extra: dict = field(default_factory=dict)


SERVICES = r"SYSTEM\CurrentControlSet\Services"
LAYOUTS = (r"{svc}\State\UserSettings", r"{svc}\UserSettings")  # 1809+, then 1709/1803


def bam_entries(api) -> list[BamEntry]:
    users = {}
    profiles = getattr(api, "profiles", None)
    if profiles is not None:
        users = {p["sid"]: p["user"] for p in profiles() if p["sid"]}
    rows: list[BamEntry] = []
    for svc in ("bam", "dam"):
        for layout in LAYOUTS:
            base = f"{SERVICES}\\{layout.format(svc=svc)}"
            sids = win.subkeys(api, win.HKLM, base)
            for sid in sorted(sids):
                for name, data in sorted(win._values(api, win.HKLM, f"{base}\\{sid}").items()):
                    if name in ("Version", "SequenceNumber") or not isinstance(data, (bytes, bytearray)):
                        continue
                    rows.append(BamEntry(source=svc, sid=sid, path=name, last_run=win.when(data), user=users.get(sid)))
            if sids:
                break
    return rows


class WindowsBam(win.RegistryArtifact, Collector):
    name = "windows_bam"
    version = "1.0"
    os = ("windows",)

    def outputs(self):
        return [("windows_bam.json", BamEntry, f"HKLM\\{SERVICES}\\bam, dam", lambda api, notes: bam_entries(api))]
