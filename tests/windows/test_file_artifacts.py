"""The Windows file artifacts of the offline root, parsed from their copies in the case, on plaso's real
samples: Prefetch (libscca, formats 17 to 31), Recycle Bin ($I v1/v2, INFO2), LNK and jump lists, and the
logs read by the timeline (PowerShell, browsers, firewall, IIS, setupapi, .job)."""
from __future__ import annotations

import collections

import pytest

from analysis import timeline
from tests.windows import winroot
from tests.windows.conftest import records_of


def test_prefetch(win_case):
    case, _ = win_case
    rows = {r["executable"]: r for r in records_of(case, "windows_prefetch.json")}
    assert len(rows) == 8  # every sample, XP (17) to Windows 11 (31, MAM-compressed)
    assert {r["format_version"] for r in rows.values()} == {17, 23, 26, 30, 31}
    cmd = rows["CMD.EXE"]
    assert (cmd["run_count"], cmd["last_run"], cmd["path"], cmd["prefetch_hash"]) == (
        2, "2013-03-10T10:11:49.281250Z", r"\DEVICE\HARDDISKVOLUME1\WINDOWS\SYSTEM32\CMD.EXE", "087B4001")
    note = rows["NOTEPAD.EXE"]
    assert note["last_runs"][0] == "2019-06-05T19:55:04.877778Z" and len(note["last_runs"]) == 2
    assert rows["BYTECODEGENERATOR.EXE"]["run_count"] == 7 and len(rows["BYTECODEGENERATOR.EXE"]["last_runs"]) == 7
    assert rows["PING.EXE"]["volumes"] == [{"device_path": r"\DEVICE\HARDDISKVOLUME1", "serial": "AC036525",
                                            "created": "2010-11-10T17:37:26.484375Z"}]
    assert all(case.get_evidence(r["evidence_id"]).source.startswith("/Windows/Prefetch/") for r in rows.values())


def test_recycle_bin(win_case):
    case, _ = win_case
    rows = {r["original_path"]: r for r in records_of(case, "windows_recycle_bin.json")}
    assert len(rows) == 6
    bunnies = rows[r"C:\Users\random\Downloads\bunnies.jpg"]
    assert (bunnies["format"], bunnies["deleted"], bunnies["size"], bunnies["sid"]) == (
        "$I v2", "2016-06-29T21:37:45.618000Z", 222255, winroot.ALICE_SID)
    assert bunnies["content_file"].endswith("/$R103S5F.jpg") and bunnies["content_present"] is False
    star = rows[r"C:\Users\nfury\Documents\Alloy Research\StarFury.zip"]
    assert (star["format"], star["deleted"], star["size"]) == ("$I v1", "2012-03-12T20:49:58.633000Z", 724919)
    xp = rows[r"C:\Documents and Settings\Mr. Evil\Desktop\lalsetup250.exe"]
    assert (xp["format"], xp["deleted"], xp["size"], xp["content_file"]) == (
        "INFO2", "2004-08-25T16:18:25.237000Z", 2160128, "/RECYCLER/S-1-5-21-1-2-3-1003/Dc1.exe")


def test_shortcuts_and_jump_lists(win_case):
    case, _ = win_case
    rows = records_of(case, "windows_lnk.json")
    kinds = collections.Counter((r["kind"], r["file"].rsplit("/", 1)[-1]) for r in rows)
    assert kinds == {("lnk", "example.lnk"): 1, ("lnk", "NeroInfoTool.lnk"): 1,
                     ("jumplist_auto", "1b4dd67f29cb1962.automaticDestinations-ms"): 7,
                     ("destlist", "1b4dd67f29cb1962.automaticDestinations-ms"): 7,
                     ("jumplist_auto", "9d1f905ce5044aee.automaticDestinations-ms"): 2,
                     ("destlist", "9d1f905ce5044aee.automaticDestinations-ms"): 2,
                     ("jumplist_custom", "5afe4de1b92fc382.customDestinations-ms"): 9,
                     ("jumplist_custom", "368d807282ccde9d.customDestinations-ms"): 3}
    # c98dce577f884ef8.customDestinations-ms holds 12 bytes and no shortcut: no entry, no error
    nero = next(r for r in rows if r["file"].endswith("NeroInfoTool.lnk"))
    assert (nero["user"], nero["target"], nero["arguments"], nero["drive_serial"], nero["volume_label"]) == (
        winroot.VIET, r"C:\Program Files (x86)\Nero\Nero 9\Nero InfoTool\InfoTool.exe", "-ScParameter=30002  ",
        "0x70ecfa33", "OS")
    assert nero["target_accessed"] == "2010-01-29T21:30:11.332157Z" and nero["target_size"] == 4635160
    dest = sorted((r for r in rows if r["kind"] == "destlist" and r["app_id"] == "1b4dd67f29cb1962"),
                  key=lambda r: r["entry"])
    assert (dest[-1]["entry"], dest[-1]["target"], dest[-1]["machine_id"]) == (7, r"C:\Users\bperry\Downloads", "student-pc1")
    assert dest[-1]["last_access"] == "2015-08-29T15:32:44.034300Z"
    urls = [r["target"] for r in rows if r["kind"] == "destlist" and r["app_id"] == "9d1f905ce5044aee"]
    assert urls[0] == "http://support.microsoft.com/kb/3124263"


@pytest.fixture(scope="module")
def events(win_case):
    case, _ = win_case
    timeline.build(case)
    return list(timeline.events(case))


def test_timeline_of_the_file_artifacts(events):
    by = collections.Counter((e["parser"], e["source"]) for e in events)
    assert by[("windows_files", "prefetch")] == 19  # every stored run time of the 8 files
    assert by[("windows_files", "recycle_bin")] == 6
    assert by[("browser", "chrome_history")] == 71 and by[("browser", "firefox_history")] == 2
    assert by[("w3c", "firewall")] == 15
    assert by[("w3c", "iis")] == 16  # the edge cases' doubled spaces are not empty fields
    assert by[("setupapi", "setupapi")] == 194 and by[("winjob", "task")] == 1
    msgs = {e["message"]: e for e in events}
    job = msgs["Scheduled task GoogleUpdate.job last ran: C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe "
               "/ua /installsource scheduler"]
    assert job["offset_s"] == 25200 and job["ts"] == 1377322920112000  # 2013-08-24 12:42:00.112 at +07:00
    fw = msgs["DROP UDP 123.45.78.90:137 -> 123.156.78.255:137 RECEIVE"]
    assert fw["ts"] == 1113181557000000 and fw["offset_s"] == 25200  # local time, the host's zone from SYSTEM
    ps = [e for e in events if e["parser"] == "powershell"]
    assert [e["message"] for e in ps if e["source"] == "powershell"] == [
        "PowerShell transcript started", "MSEDGEWIN10\\IEUser: whoami", "PowerShell transcript ended (MSEDGEWIN10\\IEUser)"]
    hist = next(e for e in ps if e["source"] == "powershell_history")
    assert "3 commands without time; last: net localgroup administrators support$ /add" in hist["message"]
    dl = [e["message"] for e in events if e["timestamp_desc"] == "File Downloaded"]
    assert "alice: downloaded http://fatloss4idiotsx.com/download/funcats/funcats_scr.exe to " \
           "/home/john/Downloads/funcats_scr.exe" in dl
    usb = [e for e in events if e["parser"] == "setupapi" and "USBSTOR" in e["message"]]
    assert usb and all(e["offset_s"] == 25200 for e in usb)


def test_defender_detection_history(events):
    got = sorted((e["ts"], e["message"]) for e in events if e["parser"] == "defender")
    assert [m for _, m in got] == [
        r"Defender detected PUA:Win32/EICAR_Test_File in C:\Users\testuser\Downloads\PotentiallyUnwanted.exe",
        r"Defender detected Virus:DOS/EICAR_Test_File in C:\Users\testuser\Downloads\eicar_com.zip, "
        r"C:\Users\testuser\Downloads\eicar_com.zip->eicar.com"]
    assert got[0][0] == 1658467948512391  # 2022-07-22T05:32:28.512391Z


def test_job_task_in_the_task_list(win_case):
    case, _ = win_case
    tasks = case.read_json(case.latest("windows_scheduled_tasks.json"))
    job = next(t for t in tasks if t.get("format") == "job")
    assert (job["path"], job["last_run_local"], job["actions"][0]["command"], job["actions"][0]["arguments"]) == (
        "\\GoogleUpdate.job", "2013-08-24T12:42:00.112000",
        r"C:\Program Files (x86)\Google\Update\GoogleUpdate.exe", "/ua /installsource scheduler")
    assert case.get_evidence(job["evidence_id"]).source == "/Windows/Tasks/GoogleUpdate.job"
