"""The registry artifacts of a full offline Windows root: SYSTEM (name, zone, shutdown, USB, mounted
devices, shimcache, BAM), SAM accounts, SOFTWARE/NTUSER persistence and activity, Amcache, each read
from the hive copied into the case (a dirty hive with its log applied first)."""
from __future__ import annotations

from collectors import records
from tests.windows import winroot
from tests.windows.conftest import records_of

SID = winroot.ALICE_SID


def test_collect_runs_and_names_what_is_missing(win_case):
    case, rc = win_case
    assert rc == 0
    out = case.outcomes()
    assert out["B2"]["state"] == "partial"  # boot time, clock, hardware: only a running system has them
    assert out["B4"]["state"] == "collected", out["B4"]["reason"]  # every registry artifact was found in this root
    assert out["B10"]["state"] == "collected", out["B10"]["reason"]


def test_system_information_from_system_and_software(win_case):
    case, _ = win_case
    system = records.plain(case.read_json(case.latest("system.json")))
    assert system["hostname"] == "SRV-HATINH01"
    assert system["timezone"] == "SE Asia Standard Time"  # UTF-16 up to the NUL: the junk after it is gone
    assert system["utc_offset"] == "+07:00"  # -ActiveTimeBias (0xFFFFFE5C = -420 minutes)
    assert system["os"]["line"] == "Windows Server 2019 Standard (1809, build 17763.3435)"
    assert system["windows"]["domain"] == "hatinh.gov.vn"
    assert system["windows"]["last_shutdown"] == "2024-03-05T10:15:00.000000Z"
    assert system["windows"]["time_zone"]["standard_name"] == "@tzres.dll,-522"  # a resource name, as stored
    from reports.prefill import prefill

    assert prefill(case)["system_info.os"].value == "Windows Server 2019 Standard (1809, build 17763.3435)"


def test_values_as_a_real_registry_returns_them(win_case):
    case, _ = win_case
    listed = records.plain(case.read_json(case.latest("windows_services.json")))
    assert [s["name"] for s in listed].count("W3SVC") == 1  # ControlSet001 is current; ControlSet002 is not read
    services = {s["name"]: s for s in listed}
    w3 = services["W3SVC"]
    assert w3["display_name"] == r"@%SystemRoot%\system32\inetsrv\iisres.dll,-30001"
    assert w3["binpath"] == r"%SystemRoot%\system32\svchost.exe -k iissvcs"  # REG_EXPAND_SZ unexpanded
    net = records.plain(case.read_json(case.latest("network_config.json")))
    assert [(a["address"], a["netmask"]) for a in net["addresses"]] == [("10.0.0.5", "255.255.255.0")]  # REG_MULTI_SZ


def test_hives_are_parsed_from_the_case_and_the_dirty_one_recovered(win_case):
    case, _ = win_case
    ev = case.evidence()
    sources = sorted(r.source for r in ev if r.kind == "file" and ("config/" in r.source or "NTUSER" in r.source
                                                                   or ".LOG" in r.source or "Amcache" in r.source))
    assert sources == sorted(["/Users/alice/NTUSER.DAT", "/Users/alice/ntuser.dat.LOG1", "/Users/nfury/NTUSER.DAT",
                       f"/Users/{winroot.VIET}/NTUSER.DAT", "/Windows/AppCompat/Programs/Amcache.hve",
                       "/Windows/System32/config/SAM", "/Windows/System32/config/SECURITY",
                       "/Windows/System32/config/SOFTWARE",
                       "/Windows/System32/config/SYSTEM"])  # each once
    derived = [r for r in ev if r.kind == "derived"]
    assert [r.name for r in derived] == ["NTUSER.DAT.recovered"]
    assert derived[0].source == ("/Users/alice/NTUSER.DAT with ntuser.dat.LOG1 applied "
                                 "(regipy apply_transaction_logs, 1 pages)")
    runs = {(r["key"].split("\\")[0], r["name"]): r["value"] for r in records.plain(case.read_json(case.latest("windows_run_keys.json")))}
    # the hive says \Temp\, its log says \Tmp2\: what was parsed is the recovered copy
    assert runs[(SID, "OneDrive")] == r"C:\Users\alice\AppData\Local\Tmp2\OneDrive.exe /background"


def test_usb_and_mounted_devices(win_case):
    case, _ = win_case
    usb = records_of(case, "windows_usb_devices.json")
    assert [(u["kind"], u["vendor"], u["product"], u["serial"]) for u in usb] == [
        ("usbstor", "Kingston", "DataTraveler_3.0", winroot.USB_SERIAL), ("usb", "0951", "1666", winroot.USB_SERIAL)]
    assert (usb[0]["first_installed"], usb[0]["last_connected"], usb[0]["last_removed"]) == (
        "2024-03-01T08:00:00.000000Z", "2024-03-04T20:55:00.000000Z", "2024-03-04T23:40:00.000000Z")
    assert usb[0]["friendly_name"] == "Kingston DataTraveler 3.0 USB Device"
    mounted = {m["name"]: m for m in records_of(case, "windows_mounted_devices.json")}
    assert (mounted[r"\DosDevices\C:"]["disk_signature"], mounted[r"\DosDevices\C:"]["partition_offset"]) == ("D4C3B2A1", 1048576)
    assert mounted[r"\DosDevices\E:"]["device"].startswith(r"_??_USBSTOR#Disk&Ven_Kingston")
    assert mounted[r"\??\Volume{11111111-2222-3333-4444-555555555555}"]["partition_guid"] == \
        "{03020100-0504-0706-0809-0A0B0C0D0E0F}"


def test_shimcache_and_bam(win_case):
    case, _ = win_case
    shim = records_of(case, "windows_shimcache.json")
    assert [(s["position"], s["path"], s["last_modified"]) for s in shim] == [
        (0, r"C:\Users\Public\mimikatz.exe", "2024-03-04T22:10:00.000000Z"),
        (1, r"C:\Windows\System32\cmd.exe", "2019-09-15T06:00:00.000000Z")]
    bam = records_of(case, "windows_bam.json")
    assert [(b["user"], b["path"], b["last_run"]) for b in bam] == [
        ("alice", r"\Device\HarddiskVolume2\Users\Public\mimikatz.exe", "2024-03-04T22:11:00.000000Z"),
        ("alice", r"\Device\HarddiskVolume2\Windows\System32\cmd.exe", "2024-03-04T22:05:00.000000Z")]


def test_sam_accounts(win_case):
    case, _ = win_case
    acc = {a["name"]: a for a in records_of(case, "windows_sam_accounts.json")}
    assert sorted(acc) == sorted(["Administrator", "Guest", "alice", "support$", winroot.VIET])
    admin = acc["Administrator"]
    assert (admin["rid"], admin["disabled"], admin["logon_count"], admin["groups"]) == (500, True, 12, ["Administrators"])
    alice = acc["alice"]
    assert alice["sid"] == SID and alice["full_name"] == "Alice Trần"
    assert (alice["created"], alice["last_logon"], alice["password_last_set"], alice["last_failed_logon"]) == (
        "2022-01-10T02:00:00.000000Z", "2024-03-04T20:50:00.000000Z", "2023-01-10T02:00:00.000000Z",
        "2024-03-04T20:49:00.000000Z")
    assert (alice["logon_count"], alice["failed_logons"], alice["groups"]) == (57, 3, ["Remote Desktop Users"])
    assert acc["support$"]["groups"] == ["Administrators"] and acc["support$"]["created"] == "2024-03-04T22:35:00.000000Z"
    assert acc["Guest"]["disabled"] is True and acc["Guest"]["password_not_required"] is True


def test_persistence_beyond_run_keys(win_case):
    case, _ = win_case
    rows = {(r["location"], r.get("target") or r["name"]): r for r in records_of(case, "windows_autoruns.json")}
    assert sorted(rows) == [("appinit_dlls", "AppInit_DLLs"), ("ifeo_debugger", "sethc.exe"),
                            ("ifeo_globalflag", "notepad.exe"), ("silent_process_exit", "notepad.exe"),
                            ("winlogon", "Shell"), ("winlogon", "Userinit")]  # chrome.exe's GlobalFlag 0x2 is not one
    assert rows[("ifeo_debugger", "sethc.exe")]["value"] == r"C:\Windows\System32\cmd.exe"
    assert rows[("ifeo_debugger", "sethc.exe")]["key_last_write"] == "2024-03-04T22:30:00.000000Z"
    assert rows[("silent_process_exit", "notepad.exe")]["value"] == r"C:\ProgramData\upd\mon.exe"


def test_userassist_of_every_profile(win_case):
    case, _ = win_case
    ua = records_of(case, "windows_userassist.json")
    by_user: dict = {}
    for r in ua:
        by_user.setdefault(r["user"], []).append(r)
    # alice from the synthetic hive; nfury (Windows 7, no ProfileList entry: found by walking Users/*) and
    # the non-ASCII profile (the XP sample) from plaso's real NTUSER hives
    assert {u: len(v) for u, v in by_user.items()} == {"alice": 1, "nfury": 90, winroot.VIET: 14}
    cmd = by_user["alice"][0]
    assert (cmd["name"], cmd["run_count"], cmd["focus_count"], cmd["focus_time_ms"], cmd["last_run"]) == (
        r"%SYSTEM32%\cmd.exe", 7, 9, 65000, "2024-03-04T22:04:00.000000Z")
    assert by_user["nfury"][0]["sid"] is None  # keyed by its folder: Users\nfury


def test_recent_docs_typed_paths_rdp(win_case):
    case, _ = win_case
    rows = [r for r in records_of(case, "windows_user_mru.json") if r["user"] == "alice"]
    assert [(r["kind"], r["position"], r["value"]) for r in rows] == [
        ("recent_doc", 0, "dump.zip"), ("recent_doc", 1, "passwords.xlsx"),  # MRUListEx order; junk after the NUL dropped
        ("typed_path", 0, r"\\10.0.0.9\c$"), ("rdp_mru", 0, "10.0.0.9"), ("rdp_mru", 1, "dc01.hatinh.gov.vn"),
        ("rdp_server", None, "10.0.0.9")]
    assert rows[0]["key_last_write"] == "2024-03-04T22:45:00.000000Z" and rows[1]["key_last_write"] is None
    assert rows[-1]["username_hint"] == "HATINH\\admin"
    nfury = [r for r in records_of(case, "windows_user_mru.json") if r["user"] == "nfury"]
    assert [r["value"] for r in nfury if r["kind"] == "typed_path"] == [r"\\controller"]


def test_amcache_from_the_real_sample(win_case):
    case, _ = win_case
    rows = records_of(case, "windows_amcache.json")
    assert len(rows) == 30
    z = next(r for r in rows if r["name"] == "7z.exe")
    assert (z["path"], z["sha1"], z["publisher"], z["version"], z["size"], z["key_last_write"]) == (
        r"c:\program files\7-zip\7z.exe", "6c7ea8bbd435163ae3945cbef30ef6b9872a4591", "igor pavlov", "19.00", 468992,
        "2019-12-16T21:01:12.793908Z")


def test_task_cache(win_case):
    case, _ = win_case
    rows = {r["path"]: r for r in records_of(case, "windows_taskcache.json")}
    assert sorted(rows) == [r"\Microsoft\Windows\Defrag\ScheduledDefrag", r"\Updater"]
    up = rows[r"\Updater"]
    assert (up["has_sd"], up["xml_present"], up["author"], up["created"], up["last_run"]) == (
        False, False, "HATINH\\support$", "2024-03-04T22:50:00.000000Z", "2024-03-04T23:00:00.000000Z")
    assert up["actions"] == ["Author", r"C:\ProgramData\upd\svc.exe"]
    assert rows[r"\Microsoft\Windows\Defrag\ScheduledDefrag"]["has_sd"] is True
