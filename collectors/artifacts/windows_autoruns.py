"""B4 on Windows: the persistence places beyond Run/RunOnce (which windows_config lists): Image File
Execution Options Debugger and GlobalFlag, SilentProcessExit MonitorProcess, AppInit_DLLs, Winlogon
Shell/Userinit/Taskman/Notify, and each user's Winlogon and Run keys' neighbours
(windows_autoruns.json). Each row names the key and its last write time."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector
from . import _windows as win


@records.record("windows_autoruns", version=1)
@dataclass
class Autorun:
    location: str               # ifeo_debugger, ifeo_globalflag, silent_process_exit, appinit_dlls, winlogon
    hive: str                   # HKLM or HKU
    key: str
    name: str                   # the value name
    value: str | int | list | None = None
    target: str | None = None   # the executable it hooks (IFEO, SilentProcessExit)
    key_last_write: str | None = None
    user: str | None = None
    extra: dict = field(default_factory=dict)


NT = r"Software\Microsoft\Windows NT\CurrentVersion"
WOW_NT = r"Software\Wow6432Node\Microsoft\Windows NT\CurrentVersion"
FLG_MONITOR_SILENT_PROCESS_EXIT = 0x200
WINLOGON_NAMES = ("Shell", "Userinit", "Taskman", "AppSetup", "GinaDLL", "VmApplet")


def _plain(v):
    return v.hex() if isinstance(v, (bytes, bytearray)) else v


def autoruns(api) -> list[Autorun]:
    rows: list[Autorun] = []
    H = win.HKLM
    for base in (NT, WOW_NT):
        ifeo = f"{base}\\Image File Execution Options"
        for exe in sorted(win.subkeys(api, H, ifeo)):
            key = f"{ifeo}\\{exe}"
            v = win._values(api, H, key)
            for name, loc in (("Debugger", "ifeo_debugger"), ("GlobalFlag", "ifeo_globalflag")):
                if name not in v or v[name] in ("", None):
                    continue
                value = v[name]
                if name == "GlobalFlag":
                    value = int(value, 16) if isinstance(value, str) and value.lower().startswith("0x") else value
                    if not isinstance(value, int) or not value & FLG_MONITOR_SILENT_PROCESS_EXIT:
                        continue  # only the flag that makes SilentProcessExit run something matters here
                rows.append(Autorun(location=loc, hive=H, key=key, name=name, value=_plain(value), target=exe,
                                    key_last_write=win.key_time(api, H, key)))
        spe = f"{base}\\SilentProcessExit"
        for exe in sorted(win.subkeys(api, H, spe)):
            key = f"{spe}\\{exe}"
            v = win._values(api, H, key)
            if v.get("MonitorProcess"):
                rows.append(Autorun(location="silent_process_exit", hive=H, key=key, name="MonitorProcess",
                                    value=v["MonitorProcess"], target=exe, key_last_write=win.key_time(api, H, key),
                                    extra={"ReportingMode": v.get("ReportingMode")}))
        win_key = f"{base}\\Windows"
        v = win._values(api, H, win_key)
        if v.get("AppInit_DLLs"):
            rows.append(Autorun(location="appinit_dlls", hive=H, key=win_key, name="AppInit_DLLs", value=v["AppInit_DLLs"],
                                key_last_write=win.key_time(api, H, win_key),
                                extra={"LoadAppInit_DLLs": v.get("LoadAppInit_DLLs"),
                                       "RequireSignedAppInit_DLLs": v.get("RequireSignedAppInit_DLLs")}))
    wl = f"{NT}\\Winlogon"
    v = win._values(api, H, wl)
    for name in WINLOGON_NAMES:
        if v.get(name):
            rows.append(Autorun(location="winlogon", hive=H, key=wl, name=name, value=_plain(v[name]),
                                key_last_write=win.key_time(api, H, wl)))
    for notify in sorted(win.subkeys(api, H, f"{wl}\\Notify")):
        key = f"{wl}\\Notify\\{notify}"
        dll = win._values(api, H, key).get("DLLName")
        if dll:
            rows.append(Autorun(location="winlogon_notify", hive=H, key=key, name="DLLName", value=dll,
                                key_last_write=win.key_time(api, H, key)))
    for prefix, _sid, user in win.user_hive_keys(api):
        key = f"{prefix}\\{NT}\\Winlogon"
        v = win._values(api, win.HKU, key)
        for name in ("Shell", "Userinit"):
            if v.get(name):
                rows.append(Autorun(location="winlogon", hive=win.HKU, key=key, name=name, value=_plain(v[name]),
                                    key_last_write=win.key_time(api, win.HKU, key), user=user))
        key = f"{prefix}\\{NT}\\Windows"
        v = win._values(api, win.HKU, key)
        for name in ("Load", "Run"):
            if v.get(name):
                rows.append(Autorun(location="user_windows_load", hive=win.HKU, key=key, name=name, value=_plain(v[name]),
                                    key_last_write=win.key_time(api, win.HKU, key), user=user))
    return rows


class WindowsAutoruns(win.RegistryArtifact, Collector):
    name = "windows_autoruns"
    version = "1.0"
    os = ("windows",)
    HIVES = ("SOFTWARE", "USERS")
    WHERE = "SOFTWARE and user hives"

    def outputs(self):
        return [("windows_autoruns.json", Autorun, "Image File Execution Options, SilentProcessExit, Windows, Winlogon",
                 lambda api, notes: autoruns(api))]
