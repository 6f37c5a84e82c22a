"""The registry artifacts through the live seam (winreg on a running Windows): the same functions run
on a fake registry holding values as winreg returns them (bytes for REG_BINARY, str, int), with the
user hives loaded under HKU\\<SID> and a Properties key that only SYSTEM may read."""
from __future__ import annotations

import codecs

from collectors.artifacts import windows_autoruns, windows_bam, windows_usb, windows_user_mru, windows_userassist
from tests.windows.winroot import _ft_bytes, userassist_value

SID = "S-1-5-21-1-2-3-1001"
USB = r"SYSTEM\CurrentControlSet\Enum\USBSTOR\Disk&Ven_SanDisk&Prod_Cruzer&Rev_1.00\4C530001&0"


class LiveFake:
    def __init__(self):
        self.reg = {
            ("HKLM", USB): {"FriendlyName": "SanDisk Cruzer USB Device"},
            ("HKLM", r"SYSTEM\CurrentControlSet\Services\bam\State\UserSettings" + "\\" + SID): {
                "Version": 1, r"\Device\HarddiskVolume3\Temp\x.exe": _ft_bytes("2024-05-01T01:02:03Z") + b"\0" * 16},
            ("HKLM", r"Software\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\utilman.exe"): {
                "Debugger": r"C:\Windows\System32\cmd.exe"},
            ("HKU", SID + r"\Software\Microsoft\Windows\CurrentVersion\Explorer\UserAssist\{GUID}\Count"): {
                codecs.encode(r"C:\Temp\x.exe", "rot-13"): userassist_value(3, 1, 10, "2024-05-01T01:05:00Z")},
            ("HKU", SID + r"\Software\Microsoft\Terminal Server Client\Servers\10.1.1.1"): {"UsernameHint": "admin"},
            ("HKU", SID): {}, ("HKU", SID + "_Classes"): {},
        }
        self.denied = {("HKLM", USB + r"\Properties\{83da6326-97a6-4088-9453-a1923f573b29}\0064")}

    def reg_values(self, hive, key):
        if (hive, key) in self.denied:
            raise PermissionError(key)
        if (hive, key) not in self.reg:
            raise FileNotFoundError(key)
        return dict(self.reg[(hive, key)])

    def reg_subkeys(self, hive, key):
        prefix = key + "\\" if key else ""
        subs = {k[len(prefix):].split("\\", 1)[0] for h, k in self.reg if h == hive and k.startswith(prefix) and k != key}
        if not subs and (hive, key) not in self.reg:
            raise FileNotFoundError(key)
        return sorted(subs)

    def reg_key_time(self, hive, key):
        if (hive, key) not in self.reg and not self.reg_subkeys(hive, key):
            raise FileNotFoundError(key)
        return "2024-05-01T00:00:00.000000Z"


def test_live_registry_artifacts():
    api = LiveFake()
    usb = windows_usb.usb_devices(api)
    assert [(u.vendor, u.product, u.serial, u.friendly_name, u.first_installed) for u in usb] == [
        ("SanDisk", "Cruzer", "4C530001", "SanDisk Cruzer USB Device", None)]  # Properties denied: unknown, not fatal
    bam = windows_bam.bam_entries(api)
    assert [(b.sid, b.path, b.last_run, b.user) for b in bam] == [
        (SID, r"\Device\HarddiskVolume3\Temp\x.exe", "2024-05-01T01:02:03.000000Z", None)]
    auto = windows_autoruns.autoruns(api)
    assert [(a.location, a.target, a.value) for a in auto] == [("ifeo_debugger", "utilman.exe", r"C:\Windows\System32\cmd.exe")]
    notes = []
    ua = windows_userassist.userassist(api, notes)
    assert [(u.sid, u.name, u.run_count, u.last_run) for u in ua] == [(SID, r"C:\Temp\x.exe", 3, "2024-05-01T01:05:00.000000Z")]
    assert notes == []
    mru = windows_user_mru.user_mru(api)
    assert [(m.kind, m.value, m.extra) for m in mru] == [("rdp_server", "10.1.1.1", {"username_hint": "admin"})]
