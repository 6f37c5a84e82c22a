"""Windows access behind a small seam: the registry, services and scheduled tasks.

The collectors call the pure functions below with an API object. `RealWindowsAPI` uses winreg and psutil
on a running Windows; tests pass a fake with the same four methods (`ctx.options['windows_api']`), so the
logic (which keys, how values become rows) is tested on any OS. Scheduled tasks are parsed from the task
XML files under Windows/System32/Tasks, which works live and on an offline root alike.
"""
from __future__ import annotations

import datetime as _dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Protocol

from .. import sources
from ..util import decode_path

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
                    name, value, _typ = self.winreg.EnumValue(k, i)
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
                    out.append(self.winreg.EnumKey(k, i))
                except OSError:
                    break
                i += 1
        return out

    def services(self) -> list[dict]:
        import psutil

        rows = []
        for svc in psutil.win_service_iter():
            try:
                rows.append(svc.as_dict())
            except Exception as exc:  # a service removed mid-listing, or access denied
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
            if sid.startswith("S-1-5-21-") and not sid.endswith("_Classes"):
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
    rows = []
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
    return {"product_name": v.get("ProductName"), "display_version": v.get("DisplayVersion") or v.get("ReleaseId"),
            "edition": v.get("EditionID"), "build": build,
            "install_date": _ts(installed) if isinstance(installed, int) else None,
            "registered_owner": v.get("RegisteredOwner")}


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


def scheduled_tasks(tasks_dir: Path, notes: list[str], logical=lambda p: str(p)) -> list[dict]:
    """Every task file under System32/Tasks, parsed; unreadable or malformed ones are noted."""
    rows: list[dict] = []
    stack = [tasks_dir]
    while stack:
        cur = stack.pop()
        try:
            entries = sorted(sources.scandir(cur), key=lambda e: e.name)
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
                with sources.open_read(p) as fh:
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
    named by Select\\Current, HKU\\<SID> -> the NTUSER.DAT of that profile (found through ProfileList).
    There is no current user offline: HKCU does not exist.
    """

    def __init__(self, root: Path, notes: list[str] | None = None, logical=lambda p: str(p)):
        from ..base import find_case_insensitive

        self.root = root if sources.is_virtual(root) else Path(root)
        self.notes = notes if notes is not None else []
        self.logical = logical
        self._find = find_case_insensitive
        self._hives: dict[str, Any] = {}
        self.paths: dict[str, Path] = {}
        for name in ("SOFTWARE", "SYSTEM"):
            p = find_case_insensitive(self.root, f"Windows/System32/config/{name}")
            if p is not None and p.is_file():
                self.paths[name] = p
        self._users: dict[str, Path] | None = None
        self._control_set: str | None = None
        self._said: set[str] = set()

    def note(self, message: str) -> None:
        """A problem with the hives, said once (the collectors share one parsed root)."""
        if message not in self._said:
            self._said.add(message)
            self.notes.append(message)

    @property
    def available(self) -> bool:
        return bool(self.paths)

    def _hive(self, name: str):
        if name not in self._hives:
            from regipy.registry import RegistryHive

            path = self.paths.get(name)
            if path is None:
                raise FileNotFoundError(f"no {name} hive")
            try:
                self._hives[name] = RegistryHive(_hive_file(path))
            except PermissionError:
                self.note(f"{self.logical(path)}: permission denied")
                raise
            except Exception as exc:  # a damaged hive: say so once, go on without it
                self.note(f"{self.logical(path)}: not a readable registry hive ({type(exc).__name__}: {exc})")
                self._hives[name] = None
        if self._hives[name] is None:
            raise FileNotFoundError(f"{name} hive unreadable")
        return self._hives[name]

    def _current_control_set(self) -> str:
        if self._control_set is None:
            current = 1
            try:
                for v in self._hive("SYSTEM").get_key("\\Select").iter_values(trim_values=False):
                    if v.name == "Current" and isinstance(v.value, int):
                        current = v.value
            except Exception:
                pass
            self._control_set = f"ControlSet{current:03d}"
        return self._control_set

    def user_hives(self) -> dict[str, Path]:
        """SID -> NTUSER.DAT, from ProfileList (ProfileImagePath C:\\Users\\x -> <root>/Users/x/NTUSER.DAT)."""
        if self._users is None:
            self._users = {}
            try:
                sids = self.reg_subkeys(HKLM, PROFILE_LIST_KEY)
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
                p = self._find(self.root, f"{rel}/NTUSER.DAT") if rel else None
                if p is not None and p.is_file():
                    self._users[sid] = p
        return self._users

    def _locate(self, hive: str, key: str):
        """(hive object, path inside it) for a logical key."""
        parts = [p for p in key.split("\\") if p]
        if hive == HKLM and parts and parts[0].lower() == "software":
            return self._hive("SOFTWARE"), parts[1:]
        if hive == HKLM and parts and parts[0].lower() == "system":
            rest = parts[1:]
            if rest and rest[0].lower() == "currentcontrolset":
                rest = [self._current_control_set()] + rest[1:]
            return self._hive("SYSTEM"), rest
        if hive == HKU and parts:
            path = self.user_hives().get(parts[0])
            if path is None:
                raise FileNotFoundError(key)
            name = f"user:{parts[0]}"
            if name not in self.paths:
                self.paths[name] = path
            return self._hive(name), parts[1:]
        raise FileNotFoundError(f"{hive}\\{key}: not in the hives of an offline root")

    def _key(self, hive: str, key: str):
        from regipy.exceptions import RegistryKeyNotFoundException

        h, parts = self._locate(hive, key)
        try:
            return h.get_key("\\" + "\\".join(parts)) if parts else h.root
        except (RegistryKeyNotFoundException, Exception) as exc:
            raise FileNotFoundError(f"{hive}\\{key}") from exc

    def reg_values(self, hive: str, key: str) -> dict[str, Any]:
        k = self._key(hive, key)
        return {v.name: v.value for v in (k.iter_values(trim_values=False) or [])}

    def reg_subkeys(self, hive: str, key: str) -> list[str]:
        if hive == HKU and not key.strip("\\"):
            return sorted(self.user_hives())
        k = self._key(hive, key)
        return [s.name for s in (k.iter_subkeys() or [])]

    def services(self) -> list[dict]:
        base = r"SYSTEM\CurrentControlSet\Services"
        rows = []
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
            rows.append({"name": name, "display_name": v.get("DisplayName"), "status": None,
                         "start_type": SERVICE_START.get(v.get("Start"), v.get("Start")),
                         "type": SERVICE_TYPES.get(v.get("Type"), v.get("Type")), "binpath": v.get("ImagePath"),
                         "username": v.get("ObjectName"), "pid": None, "description": v.get("Description")})
        return rows

    def system_root(self) -> str:
        p = self._find(self.root, "Windows")
        return str(p if p is not None else self.root / "Windows")

    def computer_name(self) -> str | None:
        try:
            return self.reg_values(HKLM, r"SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName").get("ComputerName")
        except (FileNotFoundError, PermissionError):
            return None

    def time_zone(self) -> str | None:
        try:
            v = self.reg_values(HKLM, r"SYSTEM\CurrentControlSet\Control\TimeZoneInformation")
        except (FileNotFoundError, PermissionError):
            return None
        return v.get("TimeZoneKeyName") or v.get("StandardName")


def _hive_file(path) -> str | int:
    """What regipy's `open(hive_path, "rb")` reads: a real path, or for a hive inside an image (a
    VPath) the read end of a pipe a thread fills from it, so nothing is written anywhere."""
    if not sources.is_virtual(path):
        return str(path)
    import shutil
    import threading

    r, w = os.pipe()

    def feed() -> None:
        try:
            with sources.open_read(path) as fh, open(w, "wb") as out:
                shutil.copyfileobj(fh, out, 1 << 20)
        except OSError:
            pass  # regipy stopped reading (a damaged hive): it says so itself

    threading.Thread(target=feed, name="ungcuu-hive", daemon=True).start()
    return r


def offline_api(ctx) -> HiveWindowsAPI | None:
    """The hive-backed seam for an offline Windows root, or None when the hives cannot be parsed here."""
    if ctx.live or ctx.os != "windows" or not hive_support():
        return None
    root = ctx.root
    if _HIVE_CACHE.get("root") == root:
        return _HIVE_CACHE["api"]
    api = HiveWindowsAPI(root, logical=ctx.logical)
    if not api.available:
        return None
    _HIVE_CACHE.clear()  # one offline root at a time: the parsed hives of the last one are kept
    _HIVE_CACHE.update(root=root, api=api)
    return api


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
