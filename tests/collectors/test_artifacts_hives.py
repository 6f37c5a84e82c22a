"""B2-B4 on an offline Windows root: the registry hive files parsed (regipy) behind the same seam as the
live registry. The hives are built here in the REGF format (base block, one hbin, nk/lf/vk cells), so
the expected values are exact; a damaged hive is said to be damaged and nothing else is lost."""
from __future__ import annotations

from pathlib import Path

import pytest

from collectors import records

pytest.importorskip("regipy")

from collectors.case import Case  # noqa: E402
from desktop import cli  # noqa: E402
from tests.windows.regf import REG_DWORD, REG_EXPAND_SZ, REG_SZ, build_hive, key, merge, path_tree  # noqa: E402

SID = "S-1-5-21-3623811015-3361044348-30300820-1013"


SOFTWARE = merge(
    path_tree(r"Microsoft\Windows\CurrentVersion\Run", key({"Updater": (REG_SZ, r"C:\Users\Public\updater.exe -k")})),
    path_tree(r"Microsoft\Windows\CurrentVersion\Uninstall\{23170F69-40C1-2702-2301-000001000000}", key({
        "DisplayName": (REG_SZ, "7-Zip 23.01 (x64 edition)"), "DisplayVersion": (REG_SZ, "23.01.00.0"),
        "Publisher": (REG_SZ, "Igor Pavlov"), "InstallDate": (REG_SZ, "20240115")})),
    path_tree(r"Microsoft\Windows NT\CurrentVersion", key({
        "ProductName": (REG_SZ, "Windows Server 2019 Standard"), "ReleaseId": (REG_SZ, "1809"),
        "CurrentBuild": (REG_SZ, "17763"), "UBR": (REG_DWORD, 5830), "EditionID": (REG_SZ, "ServerStandard")})),
    path_tree(r"Microsoft\Windows NT\CurrentVersion\ProfileList", key(**{
        "S-1-5-18": key({"ProfileImagePath": (REG_EXPAND_SZ, r"%systemroot%\system32\config\systemprofile")}),
        SID: key({"ProfileImagePath": (REG_EXPAND_SZ, r"C:\Users\alice")})})),
)
SYSTEM = merge(
    key(Select=key({"Current": (REG_DWORD, 2), "Default": (REG_DWORD, 2)})),
    path_tree(r"ControlSet001\Control\ComputerName\ComputerName", key({"ComputerName": (REG_SZ, "OLD-NAME")})),
    path_tree(r"ControlSet002\Control\ComputerName\ComputerName", key({"ComputerName": (REG_SZ, "SRV-HATINH01")})),
    path_tree(r"ControlSet002\Control\TimeZoneInformation", key({"TimeZoneKeyName": (REG_SZ, "SE Asia Standard Time")})),
    path_tree(r"ControlSet002\Services", key(
        W3SVC=key({"Type": (REG_DWORD, 32), "Start": (REG_DWORD, 2), "DisplayName": (REG_SZ, "World Wide Web Publishing Service"),
                   "ImagePath": (REG_EXPAND_SZ, r"%systemroot%\system32\svchost.exe -k iissvcs"),
                   "ObjectName": (REG_SZ, "LocalSystem")}),
        evilsvc=key({"Type": (REG_DWORD, 16), "Start": (REG_DWORD, 2), "ImagePath": (REG_EXPAND_SZ, r"C:\ProgramData\x.exe")}),
        Tcpip=key(Parameters=key({"Hostname": (REG_SZ, "srv-hatinh01"), "Domain": (REG_SZ, "hatinh.gov.vn")},
                                 Interfaces=key(**{
                                     "{1A2B}": key({"EnableDHCP": (REG_DWORD, 0), "IPAddress": (REG_SZ, "10.0.0.5"),
                                                    "SubnetMask": (REG_SZ, "255.255.255.0"),
                                                    "DefaultGateway": (REG_SZ, "10.0.0.1"),
                                                    "NameServer": (REG_SZ, "10.0.0.53,8.8.8.8")}),
                                     "{3C4D}": key({"EnableDHCP": (REG_DWORD, 1), "DhcpIPAddress": (REG_SZ, "192.168.1.20"),
                                                    "DhcpSubnetMask": (REG_SZ, "255.255.255.0"),
                                                    "DhcpDefaultGateway": (REG_SZ, "192.168.1.1"),
                                                    "DhcpNameServer": (REG_SZ, "192.168.1.1")})}))),
    )),
)
NTUSER = path_tree(r"Software\Microsoft\Windows\CurrentVersion\Run",
                   key({"OneDrive": (REG_SZ, r"C:\Users\alice\AppData\Local\Microsoft\OneDrive\OneDrive.exe /background")}))


def write(root: Path, rel: str, data: bytes) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


@pytest.fixture(scope="module")
def win_case(tmp_path_factory):
    base = tmp_path_factory.mktemp("hives")
    root = base / "win"
    write(root, "Windows/System32/config/SOFTWARE", build_hive(SOFTWARE, r"\??\C:\Windows\System32\Config\SOFTWARE"))
    write(root, "Windows/System32/config/SYSTEM", build_hive(SYSTEM, r"\??\C:\Windows\System32\Config\SYSTEM"))
    write(root, "Users/alice/NTUSER.DAT", build_hive(NTUSER, r"\??\C:\Users\alice\ntuser.dat"))
    write(root, "Windows/System32/winevt/Logs/Application.evtx", b"ElfFile\0" + b"\0" * 4088)
    rc = cli.main(["--lang", "en", "collect", "--case", str(base / "case"), "--root", str(root), "--profile", "triage"])
    case = Case.open(base / "case", affected_root="")
    yield case, rc
    case.close()


def load(case, name):
    rec = case.latest(name)
    assert rec is not None, name
    return records.plain(case.read_json(rec))


def test_offline_windows_outcomes(win_case):
    case, rc = win_case
    assert rc == 0
    out = case.outcomes()
    assert out["B3"]["state"] == "collected" and out["B10"]["state"] == "collected"
    # every gap of B4 is named: no SAM (so no local groups), no AppCompatCache, no SECURITY, no Amcache here
    assert out["B4"]["state"] == "partial"
    reason = out["B4"]["reason"]
    assert reason.startswith(
        "accounts: local groups of Windows are not collected here (users come from the profile list; the SAM hive "
        "holds them, readable offline); "
        r"windows_shimcache: HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\AppCompatCache: no AppCompatCache "
        "value; config_files: not available on windows; windows_sam: no Windows/System32/config/SAM in this offline "
        "root; windows_security: no Windows/System32/config/SECURITY in this offline root; "
        "windows_amcache: no Windows/AppCompat/Programs/Amcache.hve here")
    # the Linux-only collectors of B4 then say so (the runner may shorten the list: "and N more")


def test_system_from_the_hives(win_case):
    case, _ = win_case
    system = load(case, "system.json")
    assert system["hostname"] == "SRV-HATINH01"  # from the control set Select\Current names, not ControlSet001
    assert system["timezone"] == "SE Asia Standard Time"
    assert system["os"]["distro"] == "Windows Server 2019 Standard" and system["os"]["build"] == "17763.5830"
    assert load(case, "os_release.json")["windows"]["display_version"] == "1809"


def test_autostart_services_programs_users_from_the_hives(win_case):
    case, _ = win_case
    runs = {(r["hive"], r["name"]): r for r in load(case, "windows_run_keys.json")}
    assert runs[("HKLM", "Updater")]["value"] == r"C:\Users\Public\updater.exe -k"
    assert runs[("HKU", "OneDrive")]["key"] == SID + r"\Software\Microsoft\Windows\CurrentVersion\Run"
    services = {s["name"]: s for s in load(case, "services.json")}
    assert set(services) == {"W3SVC", "evilsvc"}  # Tcpip has no Type/ImagePath: a settings key
    assert services["evilsvc"]["exec"] == r"C:\ProgramData\x.exe" and services["evilsvc"]["enabled"] == "automatic"
    assert services["W3SVC"]["state"] is None  # not known offline
    full = {s["name"]: s for s in load(case, "windows_services.json")}
    assert full["W3SVC"]["type"] == "share_process" and full["W3SVC"]["username"] == "LocalSystem"
    pkgs = load(case, "packages.json")
    assert pkgs == [{"name": "7-Zip 23.01 (x64 edition)", "version": "23.01.00.0", "arch": None, "manager": "windows",
                     "install_time": "2024-01-15", "publisher": "Igor Pavlov"}]
    assert len(load(case, "windows_uninstall.json")) == 1
    users = {u["uid"]: u for u in load(case, "users.json")}
    assert users[SID]["name"] == "alice" and users[SID]["home"] == r"C:\Users\alice"
    roles = load(case, "roles.json")
    assert [(r["role"], r["service"]) for r in roles] == [("web", "W3SVC")]
    # each hive is copied once, by the first collector that parses it (system_info in B2), and parsed from there
    copies = [r.source for r in case.evidence() if r.kind == "file" and ("config/" in r.source or "NTUSER" in r.source)]
    assert sorted(copies) == ["/Users/alice/NTUSER.DAT", "/Windows/System32/config/SOFTWARE",
                              "/Windows/System32/config/SYSTEM"]


def test_network_settings_from_the_hives(win_case):
    case, _ = win_case
    net = load(case, "network_config.json")
    assert [(a["iface"], a["address"], a["netmask"]) for a in net["addresses"]] == [
        ("{1A2B}", "10.0.0.5", "255.255.255.0"), ("{3C4D}", "192.168.1.20", "255.255.255.0")]
    assert [(r["iface"], r["gateway"]) for r in net["routes"]] == [("{1A2B}", "10.0.0.1"), ("{3C4D}", "192.168.1.1")]
    assert net["dns"] == {"nameservers": ["10.0.0.53", "8.8.8.8", "192.168.1.1"], "search": ["hatinh.gov.vn"],
                          "options": []}
    assert [i["flags"] for i in net["interfaces"]] == ["static", "dhcp"]


def test_damaged_hive_is_named_and_the_rest_still_collected(tmp_path):
    root = tmp_path / "win"
    good = build_hive(SYSTEM, "SYSTEM")
    write(root, "Windows/System32/config/SYSTEM", good)
    write(root, "Windows/System32/config/SOFTWARE", b"regf" + b"\xff" * 100)  # truncated, garbage
    rc = cli.main(["--lang", "en", "collect", "--case", str(tmp_path / "case"), "--root", str(root), "--only", "B2,B4"])
    case = Case.open(tmp_path / "case", affected_root="")
    try:
        assert rc == 0
        out = case.outcomes()
        assert out["B4"]["state"] == "partial"
        assert "/Windows/System32/config/SOFTWARE: not a readable registry hive" in out["B4"]["reason"]
        assert {s["name"] for s in load(case, "services.json")} == {"W3SVC", "evilsvc"}
        assert load(case, "system.json")["hostname"] == "SRV-HATINH01"
    finally:
        case.close()
