"""The Windows paths of the spine collectors (B4, B10), run on any OS through the seam in _windows.py:
a fake registry and service manager stand in for winreg and psutil.win_service_iter."""
from __future__ import annotations

import pytest

from collectors.artifacts import _windows as win
from collectors.artifacts.packages import Packages
from collectors.artifacts.services import Services
from collectors.artifacts.windows_config import WindowsConfig
from collectors.artifacts.windows_event_logs import channel_of
from collectors.base import Context, EvidenceRecord, Incomplete

RUN = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUNONCE = r"Software\Microsoft\Windows\CurrentVersion\RunOnce"
UNINST = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"
UNINST32 = r"Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
SID = "S-1-5-21-1111-2222-3333-1001"
PROFILES = r"Software\Microsoft\Windows NT\CurrentVersion\ProfileList"
TASK = """<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Author>Microsoft Corporation</Author></RegistrationInfo>
  <Triggers><TimeTrigger><StartBoundary>2024-01-01T03:00:00</StartBoundary><Enabled>false</Enabled></TimeTrigger></Triggers>
  <Settings><Enabled>false</Enabled></Settings>
  <Actions><ComHandler><ClassId>{0671EB05-7D95-4153-A32B-1426B9FE61DB}</ClassId></ComHandler></Actions>
</Task>"""


class FakeWindows:
    """The registry as {(hive, key): {value: data}}; subkeys are derived from the keys present."""

    def __init__(self, tmp_path, denied=()):
        self.reg = {
            ("HKLM", RUN): {"SecurityHealth": r"%windir%\system32\SecurityHealthSystray.exe",
                            "Updater": r"C:\Users\Public\updater.exe -k"},
            ("HKLM", RUNONCE): {},
            ("HKCU", RUN): {"OneDrive": r"C:\Users\a\OneDrive.exe /background"},
            ("HKU", SID + "\\" + RUN): {"evil": b"\x01\x02"},
            ("HKU", SID): {}, ("HKU", SID + "_Classes"): {}, ("HKU", ".DEFAULT"): {},
            ("HKLM", r"Software\Microsoft\Windows NT\CurrentVersion\Winlogon"): {"Shell": "explorer.exe, evil.exe",
                                                                               "Userinit": "userinit.exe,", "Other": 1},
            ("HKLM", UNINST + r"\{7-Zip}"): {"DisplayName": "7-Zip 23.01 (x64)", "DisplayVersion": "23.01",
                                             "Publisher": "Igor Pavlov", "InstallDate": "20240115"},
            ("HKLM", UNINST + r"\KB5034441"): {"ParentKeyName": "OperatingSystem"},
            ("HKLM", UNINST32 + r"\Notepad++"): {"DisplayName": "Notepad++", "DisplayVersion": "8.6",
                                                "InstallDate": "2024-13-45"},
            ("HKCU", UNINST + r"\Zoom"): {"DisplayName": "Zoom", "DisplayVersion": "5.17"},
            ("HKLM", PROFILES + r"\S-1-5-18"): {"ProfileImagePath": r"%systemroot%\system32\config\systemprofile"},
            ("HKLM", PROFILES + "\\" + SID): {"ProfileImagePath": "C:\\Users\\nguyen.van.a"},
        }
        self.denied = set(denied)
        self.root = tmp_path
        tasks = tmp_path / "System32" / "Tasks" / "Microsoft" / "Windows" / "Defrag"
        tasks.mkdir(parents=True, exist_ok=True)
        (tasks / "ScheduledDefrag").write_bytes(TASK.encode("utf-16"))

    def reg_values(self, hive, key):
        if (hive, key) in self.denied:
            raise PermissionError(key)
        if (hive, key) not in self.reg:
            raise FileNotFoundError(key)
        return dict(self.reg[(hive, key)])

    def reg_subkeys(self, hive, key):
        if (hive, key) in self.denied:
            raise PermissionError(key)
        prefix = key + "\\" if key else ""
        subs = {k[len(prefix):].split("\\", 1)[0] for h, k in self.reg if h == hive and k.startswith(prefix) and k != key}
        if not subs and (hive, key) not in self.reg:
            raise FileNotFoundError(key)
        return sorted(subs)

    def services(self):
        return [
            {"name": "W3SVC", "display_name": "World Wide Web Publishing Service", "status": "running",
             "start_type": "automatic", "binpath": r"C:\Windows\system32\svchost.exe -k iissvcs", "username": "LocalSystem",
             "pid": 4242, "description": "web"},
            {"name": "evilsvc", "display_name": "Windows Update Helper", "status": "stopped", "start_type": "automatic",
             "binpath": r"C:\ProgramData\x.exe", "username": "LocalSystem", "pid": None, "description": ""},
        ]

    def system_root(self):
        return str(self.root)


def test_run_keys_cover_machine_user_and_loaded_hives(tmp_path):
    notes = []
    rows = win.run_keys(FakeWindows(tmp_path), notes)
    got = {(r["hive"], r["name"]): r["value"] for r in rows}
    assert got == {
        ("HKLM", "SecurityHealth"): r"%windir%\system32\SecurityHealthSystray.exe",
        ("HKLM", "Updater"): r"C:\Users\Public\updater.exe -k",
        ("HKCU", "OneDrive"): r"C:\Users\a\OneDrive.exe /background",
        ("HKU", "evil"): "0102",
        ("HKLM", "Shell"): "explorer.exe, evil.exe",
        ("HKLM", "Userinit"): "userinit.exe,",
    }
    assert next(r for r in rows if r["name"] == "evil")["key"] == SID + "\\" + RUN
    assert notes == []


def test_access_denied_is_noted_not_fatal(tmp_path):
    notes = []
    rows = win.run_keys(FakeWindows(tmp_path, denied={("HKLM", RUN)}), notes)
    assert notes == [f"HKLM\\{RUN}: access denied"]
    assert {r["name"] for r in rows} == {"OneDrive", "evil", "Shell", "Userinit"}


def test_uninstall_entries_and_packages(tmp_path):
    notes = []
    entries = win.uninstall_entries(FakeWindows(tmp_path), notes)
    assert [(e["name"], e["version"], e["arch"], e["hive"], e["install_date"]) for e in entries] == [
        ("7-Zip 23.01 (x64)", "23.01", None, "HKLM", "2024-01-15"),
        ("Notepad++", "8.6", "x86", "HKLM", "2024-13-45"),  # an impossible date is kept as found
        ("Zoom", "5.17", None, "HKCU", None),
    ]
    pkgs = win.packages_from_uninstall(entries)
    assert pkgs[0] == {"name": "7-Zip 23.01 (x64)", "version": "23.01", "arch": None, "manager": "windows",
                       "install_time": "2024-01-15", "publisher": "Igor Pavlov"}


def test_scheduled_task_xml(tmp_path):
    notes = []
    fake = FakeWindows(tmp_path)
    tasks = win.scheduled_tasks(tmp_path / "System32" / "Tasks", notes)
    assert notes == [] and len(tasks) == 1
    t = tasks[0]
    assert t["path"] == "\\Microsoft\\Windows\\Defrag\\ScheduledDefrag" and t["enabled"] is False
    assert t["actions"] == [{"type": "com", "class_id": "{0671EB05-7D95-4153-A32B-1426B9FE61DB}", "data": None}]
    assert t["triggers"] == [{"type": "TimeTrigger", "start": "2024-01-01T03:00:00", "enabled": False}]
    assert t["author"] == "Microsoft Corporation" and fake.system_root() == str(tmp_path)


def test_channel_names():
    from pathlib import Path

    assert channel_of(Path("Microsoft-Windows-Sysmon%4Operational.evtx")) == "Microsoft-Windows-Sysmon/Operational"
    assert channel_of(Path("Security.evtx")) == "Security"


@pytest.fixture
def win_ctx(case, tmp_path):
    def make(name):
        ctx = Context(case, run_id=None, checklist_id="B4", options={"windows_api": FakeWindows(tmp_path)},
                      collector_name=name)
        ctx.os = "windows"  # the live Windows branch, with the fake behind the seam
        return ctx
    return make


def test_windows_config_collector_with_the_fake(case, win_ctx):
    ctx = win_ctx("windows_config")
    events = list(WindowsConfig().collect(ctx))
    recs = {e.name: e for e in events if isinstance(e, EvidenceRecord)}
    assert set(recs) == {"windows_run_keys.json", "windows_services.json", "windows_scheduled_tasks.json",
                         "windows_uninstall.json"}
    assert not [e for e in events if isinstance(e, Incomplete)]
    services = case.read_json(recs["windows_services.json"])
    assert [s["name"] for s in services] == ["W3SVC", "evilsvc"]
    assert len(case.read_json(recs["windows_scheduled_tasks.json"])) == 1
    assert len(case.read_json(recs["windows_run_keys.json"])) == 6


def test_packages_and_services_on_windows_with_the_fake(case, win_ctx):
    events = list(Packages().collect(win_ctx("packages")))
    rec = next(e for e in events if isinstance(e, EvidenceRecord))
    assert rec.name == "packages.json"
    assert [p["name"] for p in case.read_json(rec)] == ["7-Zip 23.01 (x64)", "Notepad++", "Zoom"]
    events = list(Services().collect(win_ctx("services")))
    rec = next(e for e in events if isinstance(e, EvidenceRecord))
    rows = case.read_json(rec)
    assert rows[1] == {"name": "evilsvc", "state": "stopped", "sub_state": None, "enabled": "automatic",
                       "exec": r"C:\ProgramData\x.exe", "unit_path": r"HKLM\SYSTEM\CurrentControlSet\Services\evilsvc",
                       "user": "LocalSystem", "pid": None, "display_name": "Windows Update Helper"}


def test_accounts_on_windows_from_the_profile_list(case, win_ctx):
    from collectors.artifacts.accounts import Accounts

    ctx = win_ctx("accounts")
    events = list(Accounts().collect(ctx))
    rec = next(e for e in events if isinstance(e, EvidenceRecord))
    assert case.read_json(rec) == [
        {"name": "systemprofile", "uid": "S-1-5-18", "gid": None,
         "home": r"%systemroot%\system32\config\systemprofile", "shell": None, "gecos": None},
        {"name": "nguyen.van.a", "uid": SID, "gid": None, "home": "C:\\Users\\nguyen.van.a", "shell": None, "gecos": None},
    ]
    assert ctx.notes == ["local groups of Windows are not collected here (users come from the profile list; the SAM "
                         "hive holds them, readable offline)"]
