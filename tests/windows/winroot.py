"""A full offline Windows root for the tests and bench/bench_windows.py: real samples from
../shared/data/windows (plaso's test data: NTUSER hives, Amcache, Prefetch, LNK, jump lists, Recycle Bin,
IIS, firewall, setupapi, browser history, a .job task, EVTX) where they exist, and SYSTEM, SOFTWARE, SAM
and one user's NTUSER.DAT (dirty, with its .LOG1) written here with known values, because the samples
hold no machine hives. `build(root, data)` lays it out and returns the expected values."""
from __future__ import annotations

import shutil
import struct
from pathlib import Path

from tests.windows.regf import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_FILETIME,
    REG_MULTI_SZ,
    REG_SZ,
    build_hive,
    filetime,
    key,
    merge,
    path_tree,
)

MACHINE = (3623811015, 3361044348, 30300820)
MSID = "S-1-5-21-%d-%d-%d" % MACHINE
ALICE_SID = MSID + "-1001"
VIET_SID = MSID + "-1003"
VIET = "Nguyễn Văn A"
USB_SERIAL = "60A44C3FAE22EEA0797900F7"
USBSTOR = "Disk&Ven_Kingston&Prod_DataTraveler_3.0&Rev_PMAP"
DATES = r"Properties\{83da6326-97a6-4088-9453-a1923f573b29}"


def _ft_bytes(iso: str) -> bytes:
    return struct.pack("<Q", filetime(iso))


def _bin_sid(sid: str) -> bytes:
    parts = [int(x) for x in sid.split("-")[2:]]
    return bytes([1, len(parts) - 1]) + parts[0].to_bytes(6, "big") + struct.pack(f"<{len(parts) - 1}I", *parts[1:])


def shimcache_blob(entries: list[tuple[str, str]]) -> bytes:
    """A Windows 10 AppCompatCache value (header 0x30, '10ts' entries)."""
    out = bytearray(struct.pack("<I", 0x30) + b"\0" * 0x2C)
    for path, iso in entries:
        p = path.encode("utf-16-le")
        body = struct.pack("<H", len(p)) + p + _ft_bytes(iso) + struct.pack("<I", 0)
        out += b"10ts" + struct.pack("<II", 0, len(body)) + body
    return bytes(out)


def sam_f(last_logon: str | None, pwd_set: str | None, rid: int, flags: int, failed: int, logons: int,
          last_failed: str | None = None) -> bytes:
    f = bytearray(0x50)
    f[0:2] = b"\x02\x00"
    for off, iso in ((0x08, last_logon), (0x18, pwd_set), (0x28, last_failed)):
        if iso:
            f[off:off + 8] = _ft_bytes(iso)
    struct.pack_into("<Q", f, 0x20, 0x7FFFFFFFFFFFFFFF)  # never expires
    struct.pack_into("<I", f, 0x30, rid)
    struct.pack_into("<H", f, 0x38, flags)
    struct.pack_into("<HH", f, 0x40, failed, logons)
    return bytes(f)


def sam_v(name: str, full_name: str = "", comment: str = "") -> bytes:
    table = bytearray(0xCC)
    blob = bytearray()
    for i, text in enumerate(("", name, full_name, comment)):
        raw = text.encode("utf-16-le")
        struct.pack_into("<III", table, i * 12, len(blob), len(raw), 0)
        blob += raw + b"\0" * (-len(raw) % 4)
    return bytes(table + blob)


def alias_c(name: str, members: list[str]) -> bytes:
    nm = name.encode("utf-16-le")
    sids = b"".join(_bin_sid(s) for s in members)
    head = bytearray(0x34)
    struct.pack_into("<II", head, 0x10, 0, len(nm))
    struct.pack_into("<III", head, 0x28, len(nm), len(sids), len(members))
    return bytes(head) + nm + sids


SYSTEM = merge(
    key(Select=key({"Current": (REG_DWORD, 1), "Default": (REG_DWORD, 1)})),
    path_tree(r"ControlSet001\Control\ComputerName\ComputerName", key({"ComputerName": (REG_SZ, "SRV-HATINH01")})),
    path_tree(r"ControlSet001\Control\TimeZoneInformation", key({
        # junk after the NUL, as some Windows versions leave it
        "TimeZoneKeyName": (REG_SZ, "SE Asia Standard Time".encode("utf-16-le") + b"\0\0" + "Pacific".encode("utf-16-le")),
        "StandardName": (REG_SZ, "@tzres.dll,-522"), "Bias": (REG_DWORD, 0xFFFFFE5C),
        "ActiveTimeBias": (REG_DWORD, 0xFFFFFE5C), "DynamicDaylightTimeDisabled": (REG_DWORD, 0)})),
    path_tree(r"ControlSet001\Control\Windows", key({"ShutdownTime": (REG_BINARY, _ft_bytes("2024-03-05T10:15:00Z"))})),
    path_tree(r"ControlSet001\Control\Session Manager\AppCompatCache", key({"AppCompatCache": (REG_BINARY, shimcache_blob([
        (r"C:\Users\Public\mimikatz.exe", "2024-03-04T22:10:00Z"),
        (r"C:\Windows\System32\cmd.exe", "2019-09-15T06:00:00Z")]))})),
    path_tree(r"ControlSet001\Enum\USBSTOR\%s\%s&0" % (USBSTOR, USB_SERIAL), merge(
        key({"FriendlyName": (REG_SZ, "Kingston DataTraveler 3.0 USB Device")}, time=filetime("2024-03-04T21:00:00Z")),
        path_tree(DATES, key(**{
            "0064": key({"": (REG_FILETIME, _ft_bytes("2024-03-01T08:00:00Z"))}),
            "0066": key({"": (REG_FILETIME, _ft_bytes("2024-03-04T20:55:00Z"))}),
            "0067": key({"": (REG_FILETIME, _ft_bytes("2024-03-04T23:40:00Z"))})})))),
    path_tree(r"ControlSet001\Enum\USB\VID_0951&PID_1666\%s" % USB_SERIAL,
              key({"DeviceDesc": (REG_SZ, "@usb.inf,%usb\\mass.devicedesc%;USB Mass Storage Device")})),
    path_tree(r"MountedDevices", key({
        r"\DosDevices\C:": (REG_BINARY, bytes.fromhex("a1b2c3d4") + struct.pack("<Q", 1048576)),
        r"\DosDevices\E:": (REG_BINARY, ("_??_USBSTOR#%s#%s&0#{53f56307-b6bf-11d0-94f2-00a0c91efb8b}"
                                          % (USBSTOR, USB_SERIAL)).encode("utf-16-le")),
        r"\??\Volume{11111111-2222-3333-4444-555555555555}": (REG_BINARY, b"DMIO:ID:" + bytes(range(16)))})),
    path_tree(r"ControlSet001\Services", key(
        W3SVC=key({"Type": (REG_DWORD, 32), "Start": (REG_DWORD, 2),
                   "DisplayName": (REG_SZ, "@%SystemRoot%\\system32\\inetsrv\\iisres.dll,-30001"),
                   "ImagePath": (REG_EXPAND_SZ, r"%SystemRoot%\system32\svchost.exe -k iissvcs"),
                   "DependOnService": (REG_MULTI_SZ, ["RpcSs", "HTTP", "WAS"]), "ObjectName": (REG_SZ, "LocalSystem")}),
        updsvc=key({"Type": (REG_DWORD, 16), "Start": (REG_DWORD, 2), "ImagePath": (REG_EXPAND_SZ, r"C:\ProgramData\upd\svc.exe")}),
        bam=key(State=key(UserSettings=key(**{ALICE_SID: key({
            "Version": (REG_DWORD, 1), "SequenceNumber": (REG_DWORD, 9),
            r"\Device\HarddiskVolume2\Users\Public\mimikatz.exe": (REG_BINARY, _ft_bytes("2024-03-04T22:11:00Z") + b"\0" * 16),
            r"\Device\HarddiskVolume2\Windows\System32\cmd.exe": (REG_BINARY, _ft_bytes("2024-03-04T22:05:00Z") + b"\0" * 16)})}))),
        Tcpip=key(Parameters=key({"Hostname": (REG_SZ, "srv-hatinh01"), "Domain": (REG_SZ, "hatinh.gov.vn")}, Interfaces=key(**{
            "{1A2B}": key({"EnableDHCP": (REG_DWORD, 0), "IPAddress": (REG_MULTI_SZ, ["10.0.0.5"]),
                           "SubnetMask": (REG_MULTI_SZ, ["255.255.255.0"]), "DefaultGateway": (REG_MULTI_SZ, ["10.0.0.1"]),
                           "NameServer": (REG_SZ, "10.0.0.53,8.8.8.8")})}))))),
)

# a second control set (LastKnownGood) with the same services: read once, from Select\Current
SYSTEM = merge(SYSTEM, {"values": {}, "keys": {"ControlSet002": {"values": {}, "keys": {
    "Services": SYSTEM["keys"]["ControlSet001"]["keys"]["Services"]}}}})

NT = r"Microsoft\Windows NT\CurrentVersion"
SOFTWARE = merge(
    path_tree(r"Microsoft\Windows\CurrentVersion\Run", key({"Updater": (REG_SZ, r"C:\Users\Public\updater.exe -k")},
                                                           time=filetime("2024-03-04T22:20:00Z"))),
    path_tree(NT, key({"ProductName": (REG_SZ, "Windows Server 2019 Standard"), "ReleaseId": (REG_SZ, "1809"),
                       "CurrentBuild": (REG_SZ, "17763"), "UBR": (REG_DWORD, 3435), "EditionID": (REG_SZ, "ServerStandard"),
                       "InstallDate": (REG_DWORD, 1568527200)})),
    path_tree(NT + r"\ProfileList", key(**{
        "S-1-5-18": key({"ProfileImagePath": (REG_EXPAND_SZ, r"%systemroot%\system32\config\systemprofile")}),
        ALICE_SID: key({"ProfileImagePath": (REG_EXPAND_SZ, r"C:\Users\alice")}),
        VIET_SID: key({"ProfileImagePath": (REG_EXPAND_SZ, "C:\\Users\\" + VIET)})})),
    path_tree(NT + r"\Image File Execution Options", key(**{
        "sethc.exe": key({"Debugger": (REG_SZ, r"C:\Windows\System32\cmd.exe")}, time=filetime("2024-03-04T22:30:00Z")),
        "notepad.exe": key({"GlobalFlag": (REG_DWORD, 0x200)}),
        "chrome.exe": key({"GlobalFlag": (REG_DWORD, 0x2)})})),
    path_tree(NT + r"\SilentProcessExit\notepad.exe", key({"MonitorProcess": (REG_SZ, r"C:\ProgramData\upd\mon.exe"),
                                                           "ReportingMode": (REG_DWORD, 1)})),
    path_tree(NT + r"\Windows", key({"AppInit_DLLs": (REG_SZ, r"C:\ProgramData\upd\hook.dll"),
                                     "LoadAppInit_DLLs": (REG_DWORD, 1)})),
    path_tree(NT + r"\Schedule\TaskCache", key(
        Tree=key(Microsoft=key(Windows=key(Defrag=key(ScheduledDefrag=key({
            "Id": (REG_SZ, "{A1}"), "Index": (REG_DWORD, 3), "SD": (REG_BINARY, b"\x01\x00\x04\x80")})))),
            Updater=key({"Id": (REG_SZ, "{B2}"), "Index": (REG_DWORD, 3)})),  # no SD: hidden from schtasks
        Tasks=key(**{
            "{A1}": key({"Path": (REG_SZ, r"\Microsoft\Windows\Defrag\ScheduledDefrag"),
                         "DynamicInfo": (REG_BINARY, b"\3\0\0\0" + _ft_bytes("2019-09-15T06:10:00Z")
                                         + _ft_bytes("2024-03-03T01:00:00Z") + b"\0" * 12)}),
            "{B2}": key({"Path": (REG_SZ, r"\Updater"), "Author": (REG_SZ, "HATINH\\support$"),
                         "Actions": (REG_BINARY, b"\x03\x00\x0c\x00\x00\x00" + "Author".encode("utf-16-le")
                                     + b"\x66\x66\x00\x00\x00\x00" + r"C:\ProgramData\upd\svc.exe".encode("utf-16-le")
                                     + b"\x00\x00\x00\x00"),
                         "DynamicInfo": (REG_BINARY, b"\3\0\0\0" + _ft_bytes("2024-03-04T22:50:00Z")
                                         + _ft_bytes("2024-03-04T23:00:00Z") + b"\0" * 12)})}))),
    path_tree(NT + r"\Winlogon", key({"Shell": (REG_SZ, "explorer.exe"), "Userinit": (REG_SZ, "C:\\Windows\\system32\\userinit.exe,"),
                                      "CachedLogonsCount": (REG_SZ, "10")})),
)

SAM_USERS = r"SAM\Domains\Account\Users"
SAM = merge(
    path_tree(r"SAM\Domains\Account", key({"V": (REG_BINARY, b"\0" * 0x20 + struct.pack("<III", *MACHINE))})),
    path_tree(SAM_USERS, key(**{
        "000001F4": key({"F": (REG_BINARY, sam_f("2019-09-15T07:00:00Z", "2019-09-15T06:30:00Z", 500, 0x0211, 0, 12)),
                         "V": (REG_BINARY, sam_v("Administrator", "", "Built-in account for administering the computer/domain"))}),
        "000001F5": key({"F": (REG_BINARY, sam_f(None, None, 501, 0x0215, 0, 0)), "V": (REG_BINARY, sam_v("Guest"))}),
        "000003E9": key({"F": (REG_BINARY, sam_f("2024-03-04T20:50:00Z", "2023-01-10T02:00:00Z", 1001, 0x0210, 3, 57,
                                                 "2024-03-04T20:49:00Z")),
                         "V": (REG_BINARY, sam_v("alice", "Alice Trần", ""))}),
        "000003EA": key({"F": (REG_BINARY, sam_f("2024-03-04T22:40:00Z", "2024-03-04T22:35:00Z", 1002, 0x0210, 0, 1)),
                         "V": (REG_BINARY, sam_v("support$"))}),
        "000003EB": key({"F": (REG_BINARY, sam_f(None, "2022-05-01T01:00:00Z", 1003, 0x0210, 0, 4)),
                         "V": (REG_BINARY, sam_v(VIET))}),
        "Names": key(**{
            "Administrator": key({"": (0x1F4, b"")}, time=filetime("2019-09-15T06:00:00Z")),
            "Guest": key({"": (0x1F5, b"")}, time=filetime("2019-09-15T06:00:00Z")),
            "alice": key({"": (0x3E9, b"")}, time=filetime("2022-01-10T02:00:00Z")),
            "support$": key({"": (0x3EA, b"")}, time=filetime("2024-03-04T22:35:00Z")),
            VIET: key({"": (0x3EB, b"")}, time=filetime("2022-05-01T01:00:00Z"))})})),
    path_tree(r"SAM\Domains\Builtin\Aliases", key(**{
        "00000220": key({"C": (REG_BINARY, alias_c("Administrators", [MSID + "-500", MSID + "-1002"]))}),
        "0000022B": key({"C": (REG_BINARY, alias_c("Remote Desktop Users", [ALICE_SID]))})})),
)


DOMAIN_SID = "S-1-5-21-1111111111-2222222222-3333333333"
# PolAdtEv of Windows 10 / Server 2016 (9 categories, 59 subcategories): what is audited here (1 success,
# 2 failure, 3 both); Process Creation is not (the Windows default), so no 4688 can be in the Security log.
AUDITED = {"Security State Change": 1, "Logon": 3, "Logoff": 1, "Special Logon": 1, "Credential Validation": 3,
           "User Account Management": 1, "Security Group Management": 1, "Audit Policy Change": 1,
           "Sensitive Privilege Use": 2}


def poladtev(audited: dict[str, int]) -> bytes:
    from collectors.artifacts.windows_security import AUDIT_CATEGORIES

    values = [audited.get(sub, 0) for _, subs in AUDIT_CATEGORIES for sub in subs]
    footer = 12 + 2 * len(values)
    return (struct.pack("<6H", 1, 0, len(AUDIT_CATEGORIES), 0, footer, 0) + struct.pack(f"<{len(values)}H", *values)
            + struct.pack(f"<{len(AUDIT_CATEGORIES)}H", *(len(subs) for _, subs in AUDIT_CATEGORIES)))


def unicode_string(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<HHI", len(raw), len(raw) + 2, 0) + raw + b"\0\0"


def cached_logon(rid: int, iso: str) -> bytes:
    """An NL$ record: clear header (user name length, RID at 16, written at 32), then 'encrypted' bytes."""
    head = bytearray(96)
    struct.pack_into("<H", head, 0, 10)
    struct.pack_into("<I", head, 16, rid)
    head[32:40] = _ft_bytes(iso)
    return bytes(head) + b"\xaa" * 128


SECRET = b"SECRET-BYTES-NEVER-READ"
SECURITY = merge(
    path_tree(r"Policy\PolAdtEv", key({"": (REG_BINARY, poladtev(AUDITED))}, time=filetime("2024-03-04T22:10:00Z"))),
    path_tree(r"Policy\PolAcDmS", key({"": (REG_BINARY, _bin_sid(MSID))})),
    path_tree(r"Policy\PolAcDmN", key({"": (REG_BINARY, unicode_string("SRV-HATINH01"))})),
    path_tree(r"Policy\PolPrDmN", key({"": (REG_BINARY, unicode_string("HATINH"))})),
    path_tree(r"Policy\PolPrDmS", key({"": (REG_BINARY, _bin_sid(DOMAIN_SID))})),
    path_tree(r"Policy\PolDnDDN", key({"": (REG_BINARY, unicode_string("hatinh.gov.vn"))})),
    path_tree(r"Policy\Secrets", key(**{name: key(CurrVal=key({"": (REG_BINARY, SECRET)}))
                                          for name in ("DefaultPassword", "DPAPI_SYSTEM", "NL$KM", "_SC_backupsvc")})),
    path_tree("Cache", key({"NL$Control": (REG_BINARY, b"\x04\x00\x01\x00" + b"\0" * 4),
                            "NL$1": (REG_BINARY, cached_logon(1105, "2024-03-04T21:50:00Z")),
                            "NL$2": (REG_BINARY, b"\0" * 224)})),
)


def userassist_value(count: int, focus: int, focus_ms: int, iso: str) -> bytes:
    d = bytearray(72)
    struct.pack_into("<IIII", d, 0, 0, count, focus, focus_ms)
    d[60:68] = _ft_bytes(iso)
    return bytes(d)


def rot13(s: str) -> str:
    import codecs

    return codecs.encode(s, "rot-13")


EXPLORER = r"Software\Microsoft\Windows\CurrentVersion\Explorer"
ALICE = merge(
    path_tree(r"Software\Microsoft\Windows\CurrentVersion\Run",
              key({"OneDrive": (REG_SZ, r"C:\Users\alice\AppData\Local\Temp\OneDrive.exe /background")})),
    path_tree(EXPLORER + r"\UserAssist\{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}\Count", key({
        rot13("{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\cmd.exe"): (REG_BINARY, userassist_value(7, 9, 65000, "2024-03-04T22:04:00Z")),
        rot13("UEME_CTLSESSION"): (REG_BINARY, b"\0" * 1612)})),
    path_tree(EXPLORER + r"\RecentDocs", key({
        "MRUListEx": (REG_BINARY, struct.pack("<iii", 1, 0, -1)),
        "0": (REG_BINARY, "passwords.xlsx".encode("utf-16-le") + b"\0\0" + b"\x14\x00junk"),
        "1": (REG_BINARY, "dump.zip".encode("utf-16-le") + b"\0\0")}, time=filetime("2024-03-04T22:45:00Z"))),
    path_tree(EXPLORER + r"\TypedPaths", key({"url1": (REG_SZ, r"\\10.0.0.9\c$")}, time=filetime("2024-03-04T22:25:00Z"))),
    path_tree(r"Software\Microsoft\Terminal Server Client", key(
        Default=key({"MRU0": (REG_SZ, "10.0.0.9"), "MRU1": (REG_SZ, "dc01.hatinh.gov.vn")}, time=filetime("2024-03-04T22:26:00Z")),
        Servers=key(**{"10.0.0.9": key({"UsernameHint": (REG_SZ, "HATINH\\admin")}, time=filetime("2024-03-04T22:26:00Z"))}))),
)


# Alice's UsrClass.dat: a BagMRU (Local Settings\...\Shell\BagMRU) made of real shell items taken from
# the NTUSER.DAT sample (My Computer, C:\, Documents and Settings), with times of its own.
SB_MY_COMPUTER = bytes.fromhex("14001f50e04fd020ea3a6910a2d808002b30309d0000")
SB_VOLUME_C = bytes.fromhex("19002f433a5c000000000000000000000000000000000000000000")
SB_DOCUMENTS = bytes.fromhex(
    "5c00310000000000043b8c791000444f43554d457e310000440003000400efbe4b37f86a043b8c791400000044006f00630075006d"
    "0065006e0074007300200061006e0064002000530065007400740069006e0067007300000018000000")
USRCLASS_BAGMRU = r"Local Settings\Software\Microsoft\Windows\Shell\BagMRU"
MRU0 = struct.pack("<ii", 0, -1)


def usrclass_bags(extra_values: dict | None = None, mru: bytes = MRU0) -> dict:
    r"""The UsrClass.dat tree: My Computer > C:\ > Documents and Settings (no subfolders), and
    `extra_values` beside My Computer in the top BagMRU key."""
    return path_tree(USRCLASS_BAGMRU, key(
        {"MRUListEx": (REG_BINARY, mru), "0": (REG_BINARY, SB_MY_COMPUTER), **(extra_values or {})},
        time=filetime("2024-03-04T22:30:00Z"),
        **{"0": key({"MRUListEx": (REG_BINARY, MRU0), "0": (REG_BINARY, SB_VOLUME_C)}, time=filetime("2024-03-04T22:31:00Z"),
                    **{"0": key({"MRUListEx": (REG_BINARY, MRU0), "NodeSlot": (REG_DWORD, 6), "0": (REG_BINARY, SB_DOCUMENTS)},
                                time=filetime("2024-03-04T22:32:00Z"),
                                **{"0": key({"NodeSlot": (REG_DWORD, 7), "MRUListEx": (REG_BINARY, struct.pack("<i", -1))},
                                            time=filetime("2024-03-04T22:33:00Z"))})})}))


def dirty_with_log(tree: dict, name: str, old: str, new: str) -> tuple[bytes, bytes]:
    """A dirty hive (sequence numbers 2 and 1) whose string `old` the transaction log (DIRT layout)
    changes to `new` (same length): the value is right only after the log is applied."""
    clean = build_hive(tree, name)
    hive = bytearray(build_hive(tree, name, sequence=(2, 1)))
    at = bytes(hive).index(old.encode("utf-16-le"))
    sector = (at - 4096) // 512
    page = bytearray(hive[4096 + sector * 512: 4096 + (sector + 1) * 512])
    rel = at - 4096 - sector * 512
    page[rel: rel + len(new) * 2] = new.encode("utf-16-le")
    hbins = struct.unpack_from("<I", clean, 40)[0]
    bitmap = bytearray(hbins // 4096)
    bitmap[sector // 8] |= 1 << (sector % 8)
    log = bytearray(clean[:512])
    log += b"DIRT" + bytes(bitmap)
    log += b"\0" * (1024 - len(log)) + bytes(page)
    return bytes(hive), bytes(log)


def place(root: Path, rel: str, data: bytes | Path) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, Path):
        shutil.copyfile(data, p)
    else:
        p.write_bytes(data)
    return p


def build(root: Path, data: Path, *, software: bool = True) -> Path:
    """The offline root (registry part and the real samples) under `root`; `data` = shared/data/windows."""
    cfg = "Windows/System32/config/"
    place(root, cfg + "SYSTEM", build_hive(SYSTEM, r"\??\C:\Windows\System32\Config\SYSTEM"))
    if software:
        place(root, cfg + "SOFTWARE", build_hive(SOFTWARE, r"\??\C:\Windows\System32\Config\SOFTWARE"))
    place(root, cfg + "SAM", build_hive(SAM, r"\??\C:\Windows\System32\Config\SAM"))
    place(root, cfg + "SECURITY", build_hive(SECURITY, r"\??\C:\Windows\System32\Config\SECURITY"))
    hive, log = dirty_with_log(ALICE, r"\??\C:\Users\alice\ntuser.dat", r"\Temp\OneDrive", r"\Tmp2\OneDrive")
    place(root, "Users/alice/NTUSER.DAT", hive)
    place(root, "Users/alice/ntuser.dat.LOG1", log)
    place(root, "Users/alice/AppData/Local/Microsoft/Windows/UsrClass.dat",
          build_hive(usrclass_bags(), r"\??\C:\Users\alice\AppData\Local\Microsoft\Windows\UsrClass.dat"))
    place(root, "Users/nfury/NTUSER.DAT", data / "NTUSER-WIN7.DAT")
    place(root, f"Users/{VIET}/NTUSER.DAT", data / "NTUSER.DAT")
    place(root, "Windows/AppCompat/Programs/Amcache.hve", data / "winreg" / "win10-Amcache.hve")
    place(root, "Windows/System32/winevt/Logs/System.evtx", data / "evtx" / "System2.evtx")
    for pf in sorted((data / "winprefetch").glob("*.pf")):
        place(root, f"Windows/Prefetch/{pf.name}", pf)
    for rb in sorted((data / "recycler").glob("$I*")):
        place(root, f"$Recycle.Bin/{ALICE_SID}/{rb.name}", rb)
    place(root, "RECYCLER/S-1-5-21-1-2-3-1003/INFO2", data / "recycler" / "INFO2")
    recent = "Users/alice/AppData/Roaming/Microsoft/Windows/Recent"
    place(root, f"{recent}/example.lnk", data / "example.lnk")
    place(root, f"Users/{VIET}/Desktop/NeroInfoTool.lnk", data / "NeroInfoTool.lnk")
    for kind in ("automaticDestinations-ms", "customDestinations-ms"):
        folder = "AutomaticDestinations" if kind.startswith("auto") else "CustomDestinations"
        for f in sorted((data / kind).iterdir()):
            place(root, f"{recent}/{folder}/{f.name}", f)
    place(root, "Users/alice/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt",
          b"whoami\r\nnet user support$ P@ssw0rd /add\r\nnet localgroup administrators support$ /add\r\n")
    place(root, "Users/alice/Documents/20220721/PowerShell_transcript.SRV.Ab12Cd.20220721023749.txt",
          data / "powershell_transcript.txt")
    place(root, "Users/alice/AppData/Local/Google/Chrome/User Data/Default/History", data / "chrome" / "History")
    for f in ("places.sqlite", "downloads.sqlite"):
        place(root, f"Users/alice/AppData/Roaming/Mozilla/Firefox/Profiles/x1.default/{f}", data / "firefox" / f)
    place(root, "Windows/System32/LogFiles/Firewall/pfirewall.log", data / "windows_firewall.log")
    place(root, "inetpub/logs/LogFiles/W3SVC1/u_ex210401.log", data / "iis" / "iis10.log")
    place(root, "inetpub/logs/LogFiles/W3SVC1/u_ex_edge.log", data / "iis" / "iis10_edge_cases.log")
    place(root, "Windows/INF/setupapi.dev.log", data / "setupapi.dev.log")
    place(root, "Windows/Tasks/GoogleUpdate.job", data / "wintask.job")
    for f in sorted((data / "windefender_history").iterdir()):
        place(root, f"ProgramData/Microsoft/Windows Defender/Scans/History/Service/DetectionHistory/02/{f.name}", f)
    return root
