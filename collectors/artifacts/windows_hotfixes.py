"""B4 on Windows: the installed updates (KBs) and the OS build they leave (windows_hotfixes.json), what the
H3 vulnerability check compares with Microsoft's security-update feed (analysis/vulns.py).

Read from the SOFTWARE hive (live: the registry through the same seam):

- ``Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages``: one key per servicing
  package, e.g. ``Package_for_KB5034127~31bf3856ad364e35~amd64~~17763.5329.1.11``; the KB is in the key
  name, or for a cumulative ``Package_for_RollupFix~...`` in its InstallName / InstallLocation (the .cab
  it came from). CurrentState says what became of it: 0x70 installed, 0x80 permanent, 0x50 superseded
  (installed, then replaced by a newer update that carries its fixes), 0x60 install pending (waits for a
  restart: not in effect), 0x40 staged, 0x05 uninstall pending, 0x00 absent. Install time is the FILETIME
  of InstallTimeHigh/InstallTimeLow.
- ``Microsoft\\Windows NT\\CurrentVersion\\HotFix\\KBnnnnnnn`` where present (Windows XP / Server 2003 era).
- ``Microsoft\\Windows NT\\CurrentVersion``: ProductName, EditionID, DisplayVersion or ReleaseId,
  InstallationType, CurrentBuild and UBR (the build's update revision: 17763.5329 after the January 2024
  cumulative update); PROCESSOR_ARCHITECTURE from the SYSTEM hive's Session Manager\\Environment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win

CBS_PACKAGES = r"Software\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages"
HOTFIX = r"Software\Microsoft\Windows NT\CurrentVersion\HotFix"
ENVIRONMENT = r"SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
KB_RE = re.compile(r"KB(\d{6,8})", re.I)
CBS_STATES = {0x00: "absent", 0x05: "uninstall_pending", 0x10: "resolving", 0x20: "resolved", 0x30: "staging",
              0x40: "staged", 0x50: "superseded", 0x60: "install_pending", 0x65: "partially_installed",
              0x70: "installed", 0x80: "permanent", -32: "failed"}
IN_EFFECT = ("installed", "permanent", "superseded")   # states whose fixes are on the system


@records.record("windows_hotfixes", version=1)
@dataclass
class WindowsUpdates:
    """windows_hotfixes.json: the OS build and every update package that names a KB.

    ``updates`` rows: kb ("KB5034127"), source ("cbs" or "hotfix"), package (the CBS key or HotFix key
    name), state (see CBS_STATES; "installed" for a HotFix key), state_code (CurrentState), in_effect
    (its fixes are on the system), installed (ISO 8601 UTC, when recorded), version (the package's
    build, from its name, e.g. "17763.5329.1.11")."""
    product_name: str | None = None
    edition: str | None = None
    display_version: str | None = None
    installation_type: str | None = None   # Client, Server, Server Core
    build: str | None = None               # CurrentBuild, e.g. "17763"
    ubr: int | None = None                 # update build revision, e.g. 5329
    arch: str | None = None                # PROCESSOR_ARCHITECTURE: AMD64, x86, ARM64
    updates: list[dict] = field(default_factory=list)
    packages_seen: int = 0                 # CBS package keys read (with or without a KB)


def _int(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def _state(code: int | None) -> str | None:
    if code is None:
        return None
    if code > 0x7FFFFFFF:
        code -= 1 << 32      # a DWORD read unsigned: 0xFFFFFFE0 is -32
    return CBS_STATES.get(code, f"0x{code:x}")


def cbs_updates(api, notes: list[str]) -> tuple[list[dict], int]:
    from ._hives import filetime_iso

    names = win.subkeys(api, win.HKLM, CBS_PACKAGES)
    rows = []
    for name in sorted(names):
        vals = win._values(api, win.HKLM, f"{CBS_PACKAGES}\\{name}")
        where = " ".join(str(vals.get(k) or "") for k in ("InstallName", "InstallLocation"))
        m = KB_RE.search(name) or KB_RE.search(where)
        if m is None:
            continue
        code = _int(vals.get("CurrentState"))
        state = _state(code)
        hi, lo = _int(vals.get("InstallTimeHigh")), _int(vals.get("InstallTimeLow"))
        installed = filetime_iso((hi << 32) | lo) if hi is not None and lo is not None else None
        parts = name.split("~")
        rows.append({"kb": f"KB{m.group(1)}", "source": "cbs", "package": name, "state": state,
                     "state_code": code, "in_effect": state in IN_EFFECT, "installed": installed,
                     "version": parts[-1] if len(parts) >= 5 and parts[-1] else None})
    if names and not rows:
        notes.append(f"{len(names)} Component Based Servicing packages, none naming a KB")
    return rows, len(names)


def hotfix_keys(api) -> list[dict]:
    rows = []
    for name in sorted(win.subkeys(api, win.HKLM, HOTFIX)):
        m = KB_RE.search(name)
        if m is None:
            continue
        vals = win._values(api, win.HKLM, f"{HOTFIX}\\{name}")
        rows.append({"kb": f"KB{m.group(1)}", "source": "hotfix", "package": name, "state": "installed",
                     "state_code": _int(vals.get("Installed")), "in_effect": True,
                     "installed": win.key_time(api, win.HKLM, f"{HOTFIX}\\{name}"), "version": None})
    return rows


def windows_updates(api, notes: list[str]) -> WindowsUpdates:
    cur = win._values(api, win.HKLM, win.CURRENT_VERSION_KEY)
    if not cur:
        notes.append(f"HKLM\\{win.CURRENT_VERSION_KEY} not found: OS build unknown")
    cbs, seen = cbs_updates(api, notes)
    env = win._values(api, win.HKLM, ENVIRONMENT)
    build = cur.get("CurrentBuild") or cur.get("CurrentBuildNumber")
    return WindowsUpdates(
        product_name=cur.get("ProductName"), edition=cur.get("EditionID"),
        display_version=cur.get("DisplayVersion") or cur.get("ReleaseId"),
        installation_type=cur.get("InstallationType"), build=str(build) if build is not None else None,
        ubr=_int(cur.get("UBR")), arch=env.get("PROCESSOR_ARCHITECTURE") or None,
        updates=cbs + hotfix_keys(api), packages_seen=seen)


class WindowsHotfixes(win.RegistryArtifact, Collector):
    name = "windows_hotfixes"
    version = "1.0"
    os = ("windows",)
    HIVES = ("SOFTWARE",)
    WHERE = "SOFTWARE hive"

    def collect(self, ctx):
        api = win.api_for(ctx)
        notes: list[str] = []
        yield ctx.progress(0, 1, "installed updates")
        upd = windows_updates(api, notes)
        yield ctx.put_record("windows_hotfixes.json", upd,
                             source=("registry" if ctx.live else self.WHERE)
                             + f": HKLM\\{CBS_PACKAGES}, HKLM\\{HOTFIX}, HKLM\\{win.CURRENT_VERSION_KEY}")
        for n in notes + win.drain_notes(api, ctx):
            yield ctx.incomplete(n)
