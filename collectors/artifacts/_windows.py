"""Windows access behind a small seam: the registry, services and scheduled tasks.

The collectors call the pure functions below with an API object. `RealWindowsAPI` uses winreg and psutil
on a running Windows; tests pass a fake with the same four methods (`ctx.options['windows_api']`), so the
logic (which keys, how values become rows) is tested on any OS. Scheduled tasks are parsed from the task
XML files under Windows/System32/Tasks, which works live and on an offline root alike.
"""
from __future__ import annotations

import datetime as _dt
import os
import struct
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Protocol

from .. import sources
from ..util import decode_path, open_source

# What regipy raises on a damaged or unexpected hive: its own exceptions, and construct's parse errors.
try:
    from construct import ConstructError
    from regipy.exceptions import RegipyException
    REGISTRY_ERRORS: tuple[type[Exception], ...] = (RegipyException, ConstructError)
except ImportError:  # pragma: no cover - regipy is a dependency; without it hives are copied, not parsed
    REGISTRY_ERRORS = ()
DAMAGED_HIVE = REGISTRY_ERRORS + (OSError, ValueError, struct.error)
MISSING_KEY = REGISTRY_ERRORS + (FileNotFoundError, PermissionError)

HKLM, HKCU, HKU = "HKLM", "HKCU", "HKU"

RUN_KEYS = (
    r"Software\Microsoft\Windows\CurrentVersion\Run",
    r"Software\Microsoft\Windows\CurrentVersion\RunOnce",
    r"Software\Microsoft\Windows\CurrentVersion\RunOnceEx",
    r"Software\Microsoft\Windows\CurrentVersion\RunServices",
    r"Software\Microsoft\Windows\CurrentVersion\RunServicesOnce",
    r"Software\Microsoft\Windows\CurrentVersion\Policies\Explorer\Run",
    r"Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Run",
    r"Software\Wow6432Node\Microsoft\Windows\CurrentVersion\RunOnce",
)
WINLOGON_KEY = r"Software\Microsoft\Windows NT\CurrentVersion\Winlogon"
WINLOGON_VALUES = ("Shell", "Userinit")
UNINSTALL_KEYS = (
    (r"Software\Microsoft\Windows\CurrentVersion\Uninstall", None),
    (r"Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall", "x86"),
)
CURRENT_VERSION_KEY = r"Software\Microsoft\Windows NT\CurrentVersion"
PROFILE_LIST_KEY = r"Software\Microsoft\Windows NT\CurrentVersion\ProfileList"
OFFLINE_WINDOWS = "offline Windows root: this is in the registry hives, copied by windows_config (not parsed yet)"


class WindowsAPI(Protocol):
    def reg_values(self, hive: str, key: str) -> dict[str, Any]: ...  # FileNotFoundError when absent
    def reg_subkeys(self, hive: str, key: str) -> list[str]: ...      # FileNotFoundError when absent
    def services(self) -> list[dict]: ...
    def system_root(self) -> str: ...


class RealWindowsAPI:  # pragma: no cover - runs on Windows only
    def __init__(self):
        import winreg

        self.winreg = winreg
        self.hives = {HKLM: winreg.HKEY_LOCAL_MACHINE, HKCU: winreg.HKEY_CURRENT_USER, HKU: winreg.HKEY_USERS}

    def _open(self, hive: str, key: str):
        wr = self.winreg
        return wr.OpenKey(self.hives[hive], key, 0, wr.KEY_READ | getattr(wr, "KEY_WOW64_64KEY", 0))

    def reg_values(self, hive: str, key: str) -> dict[str, Any]:
        out = {}
        with self._open(hive, key) as k:
            i = 0
            while True:
                try:
                    name, value, _typ = self.winreg.EnumValue(k, i)  # type: ignore[attr-defined]  # Windows only
                except OSError:
                    break
                out[name] = value
                i += 1
        return out

    def reg_subkeys(self, hive: str, key: str) -> list[str]:
        out = []
        with self._open(hive, key) as k:
            i = 0
            while True:
                try:
                    out.append(self.winreg.EnumKey(k, i))  # type: ignore[attr-defined]  # Windows only
                except OSError:
                    break
                i += 1
        return out

    def reg_key_time(self, hive: str, key: str) -> str | None:
        from ._hives import filetime_iso

        with self._open(hive, key) as k:
            return filetime_iso(self.winreg.QueryInfoKey(k)[2])  # type: ignore[attr-defined]  # Windows only

    def services(self) -> list[dict]:
        import psutil

        rows = []
        for svc in psutil.win_service_iter():
            try:
                rows.append(svc.as_dict())
            except (psutil.Error, OSError) as exc:  # a service removed mid-listing, or access denied
                rows.append({"name": svc.name(), "error": str(exc)})
        return rows

    def system_root(self) -> str:
        return os.environ.get("SystemRoot", r"C:\Windows")


def default_api(options: dict) -> WindowsAPI:
    api = options.get("windows_api")
    return api if api is not None else RealWindowsAPI()


def _jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def _user_hives(api: WindowsAPI) -> list[tuple[str, str]]:
    """(hive, prefix) pairs: HKLM, HKCU, and each loaded user hive under HKU (SIDs, not *_Classes)."""
    pairs = [(HKLM, ""), (HKCU, "")]
    try:
        for sid in api.reg_subkeys(HKU, ""):
            # a profile found only by its folder (no ProfileList offline) is keyed Users\<name>
            if sid.startswith(("S-1-5-21-", "Users\\")) and not sid.endswith("_Classes"):
                pairs.append((HKU, sid + "\\"))
    except (FileNotFoundError, OSError):
        pass
    return pairs


def run_keys(api: WindowsAPI, notes: list[str]) -> list[dict]:
    """Autostart values: Run/RunOnce (machine, current user, each loaded user) and Winlogon Shell/Userinit."""
    rows: list[dict] = []
    for hive, prefix in _user_hives(api):
        for key in RUN_KEYS:
            full = prefix + key
            try:
                values = api.reg_values(hive, full)
            except FileNotFoundError:
                continue
            except PermissionError:
                notes.append(f"{hive}\\{full}: access denied")
                continue
            for name, value in sorted(values.items()):
                rows.append({"hive": hive, "key": full, "name": name, "value": _jsonable(value)})
    try:
        values = api.reg_values(HKLM, WINLOGON_KEY)
        for name in WINLOGON_VALUES:
            if name in values:
                rows.append({"hive": HKLM, "key": WINLOGON_KEY, "name": name, "value": _jsonable(values[name])})
    except (FileNotFoundError, PermissionError):
        pass
    return rows


def install_date(value: Any) -> str | None:
    """Uninstall keys keep InstallDate as YYYYMMDD; anything else is returned as found."""
    if value is None:
        return None
    s = str(value).strip()
    if len(s) == 8 and s.isdigit():
        try:
            return _dt.date(int(s[:4]), int(s[4:6]), int(s[6:])).isoformat()
        except ValueError:
            return s
    return s or None


def uninstall_entries(api: WindowsAPI, notes: list[str]) -> list[dict]:
    """Installed programs from the uninstall keys (machine 64/32-bit and the current user)."""
    rows: list[dict] = []
    sources = [(HKLM, k, arch) for k, arch in UNINSTALL_KEYS] + [(HKCU, UNINSTALL_KEYS[0][0], None)]
    for hive, key, arch in sources:
        try:
            subkeys = api.reg_subkeys(hive, key)
        except FileNotFoundError:
            continue
        except PermissionError:
            notes.append(f"{hive}\\{key}: access denied")
            continue
        for sub in sorted(subkeys):
            try:
                v = api.reg_values(hive, f"{key}\\{sub}")
            except (FileNotFoundError, PermissionError):
                notes.append(f"{hive}\\{key}\\{sub}: could not be read")
                continue
            if not v.get("DisplayName"):
                continue  # updates and components without a name are not programs
            rows.append({
                "name": v.get("DisplayName"), "version": v.get("DisplayVersion"), "publisher": v.get("Publisher"),
                "install_date": install_date(v.get("InstallDate")), "install_location": v.get("InstallLocation"),
                "uninstall_string": v.get("UninstallString"), "system_component": bool(v.get("SystemComponent")),
                "arch": arch, "hive": hive, "key": f"{key}\\{sub}",
            })
    return rows


def packages_from_uninstall(entries: list[dict]) -> list[dict]:
    """packages.json rows from the uninstall entries."""
    return [{"name": e["name"], "version": e["version"], "arch": e["arch"], "manager": "windows",
             "install_time": e["install_date"], "publisher": e["publisher"]} for e in entries]


def services_rows(api: WindowsAPI) -> tuple[list[dict], list[dict]]:
    """(services.json rows, windows_services.json rows)."""
    full = [{k: _jsonable(v) for k, v in row.items()} for row in api.services()]
    rows = [{"name": s.get("name"), "state": s.get("status"), "sub_state": None, "enabled": s.get("start_type"),
             "exec": s.get("binpath"), "unit_path": f"HKLM\\SYSTEM\\CurrentControlSet\\Services\\{s.get('name')}",
             "user": s.get("username"), "pid": s.get("pid"), "display_name": s.get("display_name")}
            for s in full]
    return rows, full


def profiles(api: WindowsAPI, notes: list[str]) -> list[dict]:
    """users.json rows from the ProfileList key: every account that has a profile on this machine."""
    rows: list[dict] = []
    try:
        sids = api.reg_subkeys(HKLM, PROFILE_LIST_KEY)
    except (FileNotFoundError, PermissionError) as exc:
        notes.append(f"HKLM\\{PROFILE_LIST_KEY}: {'access denied' if isinstance(exc, PermissionError) else 'not found'}")
        return rows
    for sid in sorted(sids):
        try:
            v = api.reg_values(HKLM, f"{PROFILE_LIST_KEY}\\{sid}")
        except (FileNotFoundError, PermissionError):
            notes.append(f"HKLM\\{PROFILE_LIST_KEY}\\{sid}: could not be read")
            continue
        home = v.get("ProfileImagePath")
        name = str(home).replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1] if home else None
        rows.append({"name": name, "uid": sid, "gid": None, "home": home, "shell": None, "gecos": None})
    return rows


TCPIP_KEY = r"SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"


def _multi(v: Any) -> list[str]:
    """REG_MULTI_SZ or a comma/space separated REG_SZ as a list."""
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return [str(x) for x in v if x and str(x) != "0.0.0.0"]
    return [x for x in str(v).replace(",", " ").split() if x != "0.0.0.0"]


def network_from_registry(api: WindowsAPI, notes: list[str]) -> dict:
    """network_config.json from Tcpip\\Parameters: configured and DHCP-leased addresses, gateways, DNS."""
    data: dict = {"interfaces": [], "addresses": [], "routes": [], "neighbours": [], "dns": None}
    try:
        params = api.reg_values(HKLM, TCPIP_KEY)
    except (FileNotFoundError, PermissionError):
        notes.append(f"HKLM\\{TCPIP_KEY}: not found")
        return data
    servers: list[str] = []
    try:
        guids = api.reg_subkeys(HKLM, TCPIP_KEY + "\\Interfaces")
    except (FileNotFoundError, PermissionError):
        guids = []
    for guid in guids:
        try:
            v = api.reg_values(HKLM, f"{TCPIP_KEY}\\Interfaces\\{guid}")
        except (FileNotFoundError, PermissionError):
            continue
        dhcp = bool(v.get("EnableDHCP"))
        data["interfaces"].append({"name": guid, "mac": None, "up": None, "mtu": v.get("MTU"), "speed_mbps": None,
                                   "flags": "dhcp" if dhcp else "static", "domain": v.get("Domain") or v.get("DhcpDomain")})
        addrs = _multi(v.get("DhcpIPAddress")) if dhcp else _multi(v.get("IPAddress"))
        masks = _multi(v.get("DhcpSubnetMask")) if dhcp else _multi(v.get("SubnetMask"))
        for i, a in enumerate(addrs):
            data["addresses"].append({"iface": guid, "family": "ipv6" if ":" in a else "ipv4", "address": a,
                                      "netmask": masks[i] if i < len(masks) else None, "broadcast": None})
        for gw in (_multi(v.get("DhcpDefaultGateway")) if dhcp else _multi(v.get("DefaultGateway"))):
            data["routes"].append({"family": "ipv4", "destination": "0.0.0.0/0", "gateway": gw, "iface": guid,
                                   "metric": None})
        servers += _multi(v.get("NameServer")) + _multi(v.get("DhcpNameServer"))
    servers = _multi(params.get("NameServer")) + servers
    data["dns"] = {"nameservers": list(dict.fromkeys(servers)),
                   "search": _multi(params.get("SearchList")) or ([params["Domain"]] if params.get("Domain") else []),
                   "options": []}
    data["hostname"] = params.get("Hostname")
    return data


def os_version(api: WindowsAPI) -> dict:
    try:
        v = api.reg_values(HKLM, CURRENT_VERSION_KEY)
    except (FileNotFoundError, PermissionError):
        return {}
    build = v.get("CurrentBuild") or v.get("CurrentBuildNumber")
    if build and v.get("UBR") is not None:
        build = f"{build}.{v.get('UBR')}"
    installed = v.get("InstallDate")
    out = {"product_name": v.get("ProductName"), "display_version": v.get("DisplayVersion") or v.get("ReleaseId"),
           "edition": v.get("EditionID"), "build": build,
           "install_date": _ts(installed) if isinstance(installed, int) else None,
           "registered_owner": v.get("RegisteredOwner")}
    out["line"] = os_line(out)
    return out


def os_line(ver: dict) -> str | None:
    """'Windows Server 2019 Standard (1809, build 17763.3435)' from os_version()."""
    name = ver.get("product_name")
    if not name:
        return None
    build = str(ver.get("build") or "")
    major = build.split(".", 1)[0]
    if name.startswith("Windows 10") and major.isdigit() and int(major) >= 22000:
        name = "Windows 11" + name[len("Windows 10"):]  # Windows 11 still names itself Windows 10 here
    inside = ", ".join(x for x in (ver.get("display_version"), f"build {build}" if build else None) if x)
    return f"{name} ({inside})" if inside else name


COMPUTER_NAME_KEY = r"SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName"
TIME_ZONE_KEY = r"SYSTEM\CurrentControlSet\Control\TimeZoneInformation"
WINDOWS_CONTROL_KEY = r"SYSTEM\CurrentControlSet\Control\Windows"


def _values(api, hive: str, key: str) -> dict:
    try:
        return api.reg_values(hive, key)
    except (FileNotFoundError, PermissionError, OSError):
        return {}


def computer_name(api) -> str | None:
    return _values(api, HKLM, COMPUTER_NAME_KEY).get("ComputerName") or None


def domain_name(api) -> str | None:
    v = _values(api, HKLM, TCPIP_KEY)
    return v.get("Domain") or v.get("DhcpDomain") or None


def _signed32(v) -> int | None:
    if not isinstance(v, int):
        return None
    return v - (1 << 32) if v >= 1 << 31 else v


def offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    m = abs(minutes)
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


def time_zone(api) -> dict | None:
    """TimeZoneInformation decoded: its name (UTF-16 up to the NUL, done by the seam) and the UTC offset
    in force when the system last ran (-ActiveTimeBias; -Bias when there is no active bias)."""
    v = _values(api, HKLM, TIME_ZONE_KEY)
    if not v:
        return None
    bias, active = _signed32(v.get("Bias")), _signed32(v.get("ActiveTimeBias"))
    use = active if active is not None else bias
    return {"name": v.get("TimeZoneKeyName") or v.get("StandardName") or None,
            "standard_name": v.get("StandardName"), "daylight_name": v.get("DaylightName"),
            "bias_minutes": bias, "active_bias_minutes": active,
            "utc_offset": offset_text(-use) if use is not None else None,
            "dynamic_daylight_disabled": bool(v.get("DynamicDaylightTimeDisabled")) if "DynamicDaylightTimeDisabled" in v else None}


def last_shutdown(api) -> str | None:
    """Control\\Windows ShutdownTime: a FILETIME in 8 bytes (ISO 8601 UTC)."""
    from ._hives import filetime_at

    raw = _values(api, HKLM, WINDOWS_CONTROL_KEY).get("ShutdownTime")
    return filetime_at(bytes(raw), 0) if isinstance(raw, (bytes, bytearray)) else None


def _ts(v: int) -> str | None:
    try:
        return _dt.datetime.fromtimestamp(v, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


# ------------------------------------------------------------------ scheduled tasks (XML files)
def _strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el, *path):
    cur = el
    for name in path:
        if cur is None:
            return None
        cur = next((c for c in cur if _strip_ns(c.tag) == name), None)
    return cur


def _text(el, *path) -> str | None:
    found = _find(el, *path)
    return found.text.strip() if found is not None and found.text else None


def parse_task_xml(data: bytes, task_path: str) -> dict:
    """One scheduled task (Task Scheduler 1.2+ XML, usually UTF-16) as a row."""
    root = ET.fromstring(data)
    actions = []
    acts = _find(root, "Actions")
    for a in (acts if acts is not None else []):
        kind = _strip_ns(a.tag)
        if kind == "Exec":
            actions.append({"type": "exec", "command": _text(a, "Command"), "arguments": _text(a, "Arguments"),
                            "working_directory": _text(a, "WorkingDirectory")})
        elif kind == "ComHandler":
            actions.append({"type": "com", "class_id": _text(a, "ClassId"), "data": _text(a, "Data")})
        else:
            actions.append({"type": kind.lower()})
    triggers = []
    trg = _find(root, "Triggers")
    for t in (trg if trg is not None else []):
        triggers.append({"type": _strip_ns(t.tag), "start": _text(t, "StartBoundary"),
                         "enabled": _text(t, "Enabled") != "false"})
    principals = _find(root, "Principals")
    principal = principals[0] if principals is not None and len(principals) else None
    return {
        "path": task_path,
        "author": _text(root, "RegistrationInfo", "Author"),
        "registered": _text(root, "RegistrationInfo", "Date"),
        "description": _text(root, "RegistrationInfo", "Description"),
        "enabled": _text(root, "Settings", "Enabled") != "false",
        "hidden": _text(root, "Settings", "Hidden") == "true",
        "user": _text(principal, "UserId") if principal is not None else None,
        "run_level": _text(principal, "RunLevel") if principal is not None else None,
        "actions": actions,
        "triggers": triggers,
    }


def scheduled_tasks(tasks_dir: sources.AnyPath, notes: list[str], logical=lambda p: str(p)) -> list[dict]:
    """Every task file under System32/Tasks, parsed; unreadable or malformed ones are noted."""
    rows: list[dict] = []
    stack = [tasks_dir]
    while stack:
        cur = stack.pop()
        try:
            entries = sources.scandir(cur)
        except PermissionError:
            notes.append(f"{logical(cur)}: permission denied (tasks not listed; needs Administrator)")
            continue
        except OSError:
            continue
        for e in entries:
            p = sources.entry_path(e)
            if e.is_symlink():
                continue
            if e.is_dir(follow_symlinks=False):
                stack.append(p)
                continue
            rel = "\\" + "\\".join(p.relative_to(tasks_dir).parts)
            if not e.is_file(follow_symlinks=False):
                notes.append(f"{logical(p)}: not a regular file (a device, socket or pipe): not read")
                continue
            try:
                if sources.is_virtual(p):
                    fh = sources.open_read(p)
                else:
                    fd = open_source(p, expect=e.stat(follow_symlinks=False))   # O_NOATIME, the file listed
                    fh = os.fdopen(fd, "rb")
                with fh:
                    data = fh.read(4 << 20)
                rows.append(parse_task_xml(data, decode_path(rel)))
            except PermissionError:
                notes.append(f"{logical(p)}: permission denied")
            except ET.ParseError as exc:
                notes.append(f"{logical(p)}: not a valid task XML ({exc})")
            except OSError as exc:
                notes.append(f"{logical(p)}: {exc.strerror or exc}")
    return rows


# ------------------------------------------------------------------ offline: the registry hive files
SERVICE_START = {0: "boot", 1: "system", 2: "automatic", 3: "manual", 4: "disabled"}
SERVICE_TYPES = {1: "kernel_driver", 2: "file_system_driver", 4: "adapter", 8: "recognizer_driver",
                 16: "own_process", 32: "share_process", 80: "user_own_process", 96: "user_share_process"}


def hive_support() -> bool:
    try:
        import regipy  # noqa: F401
    except ImportError:
        return False
    return True


class HiveWindowsAPI:
    """The same seam over the hive files of an offline Windows root (parsed with regipy, read only).

    HKLM\\Software -> config/SOFTWARE, HKLM\\SYSTEM\\CurrentControlSet -> config/SYSTEM with the control set
    named by Select\\Current, HKLM\\SAM and HKLM\\SECURITY -> config/SAM and config/SECURITY, HKU\\<SID> ->
    the NTUSER.DAT of that profile and HKU\\<SID>_Classes -> its UsrClass.dat. Profiles are found through
    ProfileList and by walking Users/*, so users are known even when SOFTWARE is missing (a profile with
    no ProfileList entry is keyed by its folder, ``Users\\<name>``). There is no current user offline:
    HKCU does not exist. Every hive is read from its copy in the case (see _hives.HiveFiles).
    """

    MACHINE_HIVES = ("SOFTWARE", "SYSTEM", "SAM", "SECURITY", "DEFAULT")

    def __init__(self, root: sources.AnyPath, notes: list[str] | None = None, logical=lambda p: str(p)):
        from ..base import find_case_insensitive
        from ._hives import HiveFiles

        self.root = root if isinstance(root, sources.VPath) else Path(root)
        self.files = HiveFiles()
        if notes is not None:
            self.files.notes = notes
        self.logical = logical
        self._find = find_case_insensitive
        self.paths: dict[str, sources.AnyPath] = {}
        for name in self.MACHINE_HIVES:
            p = find_case_insensitive(self.root, f"Windows/System32/config/{name}")
            if p is not None and p.is_file():
                self.paths[name] = p
        self._profiles: list[dict] | None = None
        self._control_set: str | None = None
        self._subkey_cache: dict[int, tuple] = {}  # id(key) -> (the key, kept alive; its subkeys by name)

    @property
    def notes(self) -> list[str]:
        return self.files.notes

    def bind(self, ctx) -> "HiveWindowsAPI":
        self.files.bind(ctx)
        self.logical = ctx.logical
        return self

    def note(self, message: str) -> None:
        """A problem with the hives, said once (the collectors share one parsed root)."""
        self.files.note(message)

    @property
    def available(self) -> bool:
        return bool(self.paths) or bool(self.profiles())

    def _hive(self, name: str):
        path = self.paths.get(name)
        if path is None:
            raise FileNotFoundError(f"no {name} hive")
        hive = self.files.open(path)
        if hive is None:
            raise FileNotFoundError(f"{name} hive unreadable")
        return hive

    def hive_file(self, name: str):
        """The parsed hive for a name (SYSTEM, SOFTWARE, SAM, user:<key>, classes:<key>), or None."""
        try:
            return self._hive(name)
        except FileNotFoundError:
            return None

    def _current_control_set(self) -> str:
        if self._control_set is None:
            current = 1
            try:
                for v in self._hive("SYSTEM").get_key("\\Select").iter_values(trim_values=False):
                    if v.name == "Current" and isinstance(v.value, int):
                        current = v.value
            except MISSING_KEY:
                pass
            self._control_set = f"ControlSet{current:03d}"
        return self._control_set

    def profiles(self) -> list[dict]:
        """Every user profile: key (SID, else Users\\<folder>), sid, user, home, ntuser, usrclass paths."""
        if self._profiles is not None:
            return self._profiles
        found: dict[str, dict] = {}
        by_folder: dict[str, str] = {}
        self._profiles = []  # ProfileList is read through the seam, which asks for profiles: no recursion
        try:
            sids = self.reg_subkeys(HKLM, PROFILE_LIST_KEY) if "SOFTWARE" in self.paths else []
        except (FileNotFoundError, PermissionError):
            sids = []
        for sid in sids:
            try:
                home = self.reg_values(HKLM, f"{PROFILE_LIST_KEY}\\{sid}").get("ProfileImagePath")
            except (FileNotFoundError, PermissionError):
                continue
            if not home or ":" not in str(home):
                continue
            rel = str(home).split(":", 1)[1].replace("\\", "/").strip("/")
            folder = self._find(self.root, rel) if rel else None
            if folder is None or not folder.is_dir():
                continue
            found[sid] = {"key": sid, "sid": sid, "user": folder.name, "home": str(home), "folder": folder}
            by_folder[str(folder)] = sid
        users = self._find(self.root, "Users")
        try:
            folders = sorted(sources.entry_path(e) for e in sources.scandir(users)
                             if e.is_dir(follow_symlinks=False)) if users else []
        except OSError:
            folders = []
        for folder in folders:
            if str(folder) in by_folder:
                continue
            key = f"Users\\{folder.name}"
            found[key] = {"key": key, "sid": None, "user": folder.name, "home": f"C:\\Users\\{folder.name}",
                          "folder": folder}
        for prof in found.values():
            nt = self._find(prof["folder"], "NTUSER.DAT")
            uc = self._find(prof["folder"], "AppData/Local/Microsoft/Windows/UsrClass.dat")
            prof["ntuser"] = nt if nt is not None and nt.is_file() else None
            prof["usrclass"] = uc if uc is not None and uc.is_file() else None
            if prof["ntuser"] is not None:
                self.paths[f"user:{prof['key']}"] = prof["ntuser"]
            if prof["usrclass"] is not None:
                self.paths[f"classes:{prof['key']}"] = prof["usrclass"]
        self._profiles = sorted((p for p in found.values() if p["ntuser"] or p["usrclass"]), key=lambda p: p["key"])
        return self._profiles

    def user_hives(self) -> dict[str, Path]:
        """Profile key (SID, else Users\\<folder>) -> NTUSER.DAT."""
        return {p["key"]: p["ntuser"] for p in self.profiles() if p["ntuser"] is not None}

    def _locate(self, hive: str, key: str):
        """(hive object, path inside it) for a logical key."""
        parts = [p for p in key.split("\\") if p]
        head = parts[0].lower() if parts else ""
        if hive == HKLM and head in ("software", "sam", "security"):
            return self._hive(head.upper()), parts[1:]
        if hive == HKLM and head == "system":
            rest = parts[1:]
            if rest and rest[0].lower() == "currentcontrolset":
                rest = [self._current_control_set()] + rest[1:]
            return self._hive("SYSTEM"), rest
        if hive == HKU and parts:
            self.profiles()
            # a folder-keyed profile spans two parts (Users\\<name>)
            for n in (2, 1):
                if len(parts) < n:
                    continue
                name, rest = "\\".join(parts[:n]), parts[n:]
                kind = "user"
                if name.endswith("_Classes"):
                    name, kind = name[: -len("_Classes")], "classes"
                if f"{kind}:{name}" in self.paths:
                    return self._hive(f"{kind}:{name}"), rest
            raise FileNotFoundError(key)
        raise FileNotFoundError(f"{hive}\\{key}: not in the hives of an offline root")

    def _children(self, node) -> dict:
        """name (lower case) -> subkey of a key, each key's subkey list parsed once (regipy's get_key
        re-parses every subkey of every level on each call)."""
        cached = self._subkey_cache.get(id(node))
        if cached is None:
            cached = (node, {s.name.lower(): s for s in (node.iter_subkeys() or [])})
            self._subkey_cache[id(node)] = cached
        return cached[1]

    def _key(self, hive: str, key: str):
        h, parts = self._locate(hive, key)
        node = h.root
        try:
            for part in parts:
                node = self._children(node).get(part.lower())
                if node is None:
                    raise FileNotFoundError(f"{hive}\\{key}")
        except FileNotFoundError:
            raise
        except Exception as exc:  # a damaged cell on the way
            raise FileNotFoundError(f"{hive}\\{key}") from exc
        return node

    def reg_values(self, hive: str, key: str) -> dict[str, Any]:
        from ._hives import value_of

        k = self._key(hive, key)
        try:
            return {v.name: value_of(v) for v in (k.iter_values(trim_values=False) or [])}
        except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
            self.note(f"{hive}\\{key}: values could not be read ({type(exc).__name__})")
            return {}

    def reg_subkeys(self, hive: str, key: str) -> list[str]:
        if hive == HKU and not key.strip("\\"):
            return sorted(self.user_hives())
        k = self._key(hive, key)
        try:
            return [s.name for s in self._children(k).values()]
        except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
            self.note(f"{hive}\\{key}: subkeys could not be read ({type(exc).__name__})")
            return []

    def reg_key_time(self, hive: str, key: str) -> str | None:
        """The key's last write time (ISO 8601 UTC)."""
        from ._hives import filetime_iso

        return filetime_iso(self._key(hive, key).header.last_modified)

    def services(self) -> list[dict]:
        base = r"SYSTEM\CurrentControlSet\Services"
        rows: list[dict] = []
        try:
            names = self.reg_subkeys(HKLM, base)
        except FileNotFoundError:
            if "SYSTEM" not in self.paths:
                self.note("no SYSTEM hive (Windows/System32/config/SYSTEM): services not known")
            return rows
        for name in names:
            try:
                v = self.reg_values(HKLM, f"{base}\\{name}")
            except FileNotFoundError:
                continue
            if "Type" not in v and "ImagePath" not in v:
                continue  # a settings key, not a service
            start, kind = v.get("Start"), v.get("Type")  # DWORDs; a damaged hive may hold anything
            rows.append({"name": name, "display_name": v.get("DisplayName"), "status": None,
                         "start_type": SERVICE_START.get(start, start) if isinstance(start, int) else start,
                         "type": SERVICE_TYPES.get(kind, kind) if isinstance(kind, int) else kind,
                         "binpath": v.get("ImagePath"),
                         "username": v.get("ObjectName"), "pid": None, "description": v.get("Description"),
                         "service_dll": self._service_dll(base, name)})
        return rows

    def _service_dll(self, base: str, name: str) -> str | None:
        try:
            return self.reg_values(HKLM, f"{base}\\{name}\\Parameters").get("ServiceDll")
        except FileNotFoundError:
            return None

    def system_root(self) -> str:
        p = self._find(self.root, "Windows")
        return str(p if p is not None else self.root / "Windows")


def offline_api(ctx) -> HiveWindowsAPI | None:
    """The hive-backed seam for an offline Windows root, or None when the hives cannot be parsed here.

    One per root, case and run, bound to the collector asking now (the hives it copies are stored under
    that collector's checklist item)."""
    if ctx.live or ctx.os != "windows" or not hive_support():
        return None
    root = ctx.root if sources.is_virtual(ctx.root) else Path(ctx.root)
    key = (root, str(ctx.case.path), ctx.run_id)
    if _HIVE_CACHE.get("key") == key:
        return _HIVE_CACHE["api"].bind(ctx)
    api = HiveWindowsAPI(root, logical=ctx.logical)
    if not api.available:
        return None
    _HIVE_CACHE.clear()  # one offline root at a time: the parsed hives of the last one are kept
    _HIVE_CACHE.update(key=key, api=api)
    return api.bind(ctx)


_HIVE_CACHE: dict = {}


def api_for(ctx):
    """The seam for this context: the live registry (or a test fake), or the hives of an offline root."""
    if ctx.live:
        return default_api(ctx.options)
    api = offline_api(ctx)
    if api is None:
        raise FileNotFoundError("the registry hives of this offline root cannot be parsed here")
    return api


def offline_reason(ctx) -> str | None:
    """Why a registry-based collector cannot run on this offline Windows root (None when it can)."""
    if ctx.live or ctx.os != "windows":
        return None
    from ..base import find_case_insensitive

    if not any(find_case_insensitive(ctx.root, f"Windows/System32/config/{n}") for n in ("SOFTWARE", "SYSTEM")):
        return "offline Windows root without SOFTWARE or SYSTEM hive (Windows/System32/config)"
    if not hive_support():
        return OFFLINE_WINDOWS + "; install regipy to parse them"
    return None if offline_api(ctx) is not None else "the registry hives of this offline root could not be opened"


def drain_notes(api, ctx) -> list[str]:
    """Problems with the hives not yet said in this checklist item (each item names them once)."""
    notes = list(getattr(api, "notes", []) or [])
    if not notes:
        return []
    said = api.__dict__.setdefault("_said_in", {}).setdefault(ctx.checklist_id, set())
    fresh = [n for n in notes if n not in said]
    said.update(fresh)
    return fresh


# ------------------------------------------------------------------ helpers of the registry artifacts
def subkeys(api, hive: str, key: str) -> list[str]:
    try:
        return api.reg_subkeys(hive, key)
    except (FileNotFoundError, PermissionError, OSError):
        return []


def key_time(api, hive: str, key: str) -> str | None:
    """A key's last write time (ISO 8601 UTC), when the seam knows it."""
    fn = getattr(api, "reg_key_time", None)
    if fn is None:
        return None
    try:
        return fn(hive, key)
    except (FileNotFoundError, PermissionError, OSError):
        return None


def when(value) -> str | None:
    """A registry time value (datetime from regipy, or 8 FILETIME bytes) as ISO 8601 UTC."""
    from ._hives import filetime_at

    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (bytes, bytearray)) and len(value) >= 8:
        return filetime_at(bytes(value), 0)
    if isinstance(value, int):
        from ._hives import filetime_iso

        return filetime_iso(value)
    return None


def registry_reason(ctx, *hives: str) -> str | None:
    """Why a registry artifact cannot be read here: offline, one of `hives` (SYSTEM, SOFTWARE, SAM,
    USERS for the user hives) must exist and regipy be installed. None when it can run."""
    if ctx.live or ctx.os != "windows":
        return None
    if not hive_support():
        return OFFLINE_WINDOWS + "; install regipy to parse them"
    api = offline_api(ctx)
    if api is None:
        return "offline Windows root without registry hives (Windows/System32/config, Users/*/NTUSER.DAT)"
    have = [h for h in hives if (h == "USERS" and api.profiles()) or h in api.paths]
    if not have:
        names = ", ".join("Users/*/NTUSER.DAT" if h == "USERS" else f"Windows/System32/config/{h}" for h in hives)
        return f"no {names} in this offline root"
    return None


def user_hive_keys(api) -> list[tuple[str, str | None, str | None]]:
    """(HKU key prefix, SID, user name) of every user hive: the loaded ones live, every profile offline."""
    profiles = getattr(api, "profiles", None)
    if profiles is not None:
        return [(p["key"], p["sid"], p["user"]) for p in profiles() if p["ntuser"] is not None]
    out: list[tuple[str, str | None, str | None]] = []
    for hive, prefix in _user_hives(api):
        if hive == HKU:
            out.append((prefix.rstrip("\\"), prefix.rstrip("\\"), None))
    return out


class RegistryArtifact:
    """Mixin of the registry artifact collectors: `HIVES` they need offline, `WHERE` (the hives, for the
    evidence source) and `outputs()`: (file name, record class, key(s) read, rows(api, notes)) each."""

    HIVES: tuple[str, ...] = ("SYSTEM",)
    WHERE = "SYSTEM hive"

    def outputs(self) -> list[tuple]:  # pragma: no cover - abstract
        raise NotImplementedError

    def check(self, ctx) -> str | None:
        return registry_reason(ctx, *self.HIVES)

    def collect(self, ctx):
        api = api_for(ctx)
        notes: list[str] = []
        outs = self.outputs()
        for i, (name, cls, keys, rows) in enumerate(outs):
            yield ctx.progress(i, len(outs), name)
            yield ctx.put_records(name, cls, rows(api, notes),
                                  source=("registry" if ctx.live else self.WHERE) + f": {keys}")
        for n in notes + drain_notes(api, ctx):
            yield ctx.incomplete(n)
