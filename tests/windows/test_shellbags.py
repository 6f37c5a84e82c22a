"""Shellbags of every profile of the full offline Windows root: the real NTUSER.DAT samples (Windows 7:
a WebDAV share; XP: ShellNoRoam with a folder chain) and alice's UsrClass.dat (real shell items, a
value that is not a shell item list, a truncated one), read from the hive copies in the case."""
from __future__ import annotations

import struct

import pytest

from analysis import timeline
from tests.windows import winroot
from tests.windows.conftest import records_of

pytest.importorskip("pyfwsi")

KEYS = ["user", "hive", "key", "slot", "path", "item_type", "mru_position", "last_interacted", "first_interacted"]


def _rows(case, user):
    return [{k: r.get(k) for k in KEYS} | {"extra": {k: r[k] for k in ("short_name", "mru", "raw", "description")
                                                      if k in r}}
            for r in records_of(case, "windows_shellbags.json") if r["user"] == user]


def test_windows_7_ntuser_sample_a_webdav_share(win_case):
    case, _ = win_case
    rows = _rows(case, "nfury")
    bag = r"Software\Microsoft\Windows\Shell\BagMRU"
    t = "2010-11-10T07:58:15.827250Z"
    assert [(r["key"], r["path"], r["item_type"], r["mru_position"]) for r in rows] == [
        (bag, "Computers and Devices", "root_folder", 0),
        (bag + r"\0", r"Computers and Devices\controller", "users_property_view", 0),
        (bag + r"\0\0", r"\\controller\WebDavShare", "network_location", 0),  # a UNC location starts its own path
    ]
    assert [r["last_interacted"] for r in rows] == [t, t, t]
    assert [r["first_interacted"] for r in rows] == [None, None, t]  # only the share's key has no subfolders
    assert rows[2]["extra"] == {"description": "Microsoft Network"}


def test_xp_ntuser_sample_shellnoroam_folder_chain(win_case):
    case, _ = win_case
    got = [r for r in records_of(case, "windows_shellbags.json") if r["user"] == winroot.VIET]
    assert [r["path"] for r in got] == [
        "My Computer", "My Computer\\C:\\", "My Computer\\C:\\Documents and Settings",
        "My Computer\\C:\\Documents and Settings\\Administrator",
        "My Computer\\C:\\Documents and Settings\\Administrator\\My Documents"]
    assert all(r["key"].startswith(r"Software\Microsoft\Windows\ShellNoRoam\BagMRU") for r in got)
    assert [r["last_interacted"] for r in got] == [
        "2009-08-04T15:19:16.997750Z", "2009-08-04T15:19:10.669625Z", "2009-08-04T15:19:13.435250Z",
        "2009-08-04T15:19:14.685250Z", "2009-08-04T15:19:16.997750Z"]
    docs = got[-1]
    assert docs["first_interacted"] == "2009-08-04T15:19:16.997750Z" and docs["short_name"] == "MYDOCU~1"
    assert (docs["folder_modified"], docs["folder_created"], docs["folder_accessed"]) == (
        "2009-07-31T20:23:38", "2007-10-11T12:48:36", "2009-08-04T15:10:30")  # FAT date-times as stored
    assert docs["node_slot"] == 5


def test_usrclass_bagmru(win_case):
    case, _ = win_case
    rows = _rows(case, "alice")
    assert all(r["hive"] == "UsrClass.dat" for r in rows)
    bag = winroot.USRCLASS_BAGMRU
    assert [(r["key"], r["slot"], r["path"], r["mru_position"], r["last_interacted"], r["first_interacted"])
            for r in rows] == [
        (bag, "0", "My Computer", 0, "2024-03-04T22:30:00.000000Z", None),
        (bag + r"\0", "0", "My Computer\\C:\\", 0, "2024-03-04T22:31:00.000000Z", None),
        (bag + r"\0\0", "0", "My Computer\\C:\\Documents and Settings", 0, "2024-03-04T22:32:00.000000Z",
         "2024-03-04T22:33:00.000000Z"),
    ]
    assert {r["sid"] for r in records_of(case, "windows_shellbags.json") if r["user"] == "alice"} == {winroot.ALICE_SID}


def test_a_value_that_is_no_shell_item_and_a_truncated_one_lose_only_themselves(tmp_path):
    from collectors.case import Case
    from desktop import cli
    from tests.windows.regf import REG_BINARY, build_hive

    bad = {"1": (REG_BINARY, b"\x05\x00\xff\xff\xff"), "2": (REG_BINARY, winroot.SB_DOCUMENTS[:46])}
    tree = winroot.usrclass_bags(bad, mru=struct.pack("<iii", 0, 2, -1))  # slot 1 is not in MRUListEx
    winroot.place(tmp_path / "root", "Users/bob/AppData/Local/Microsoft/Windows/UsrClass.dat",
                  build_hive(tree, r"\??\C:\Users\bob\AppData\Local\Microsoft\Windows\UsrClass.dat"))
    winroot.place(tmp_path / "root", "Windows/System32/config/SYSTEM", build_hive({"values": {}, "keys": {}}, "SYSTEM"))
    assert cli.main(["--lang", "en", "collect", "--case", str(tmp_path / "case"), "--root", str(tmp_path / "root"),
                     "--only", "B4"]) == 0
    with Case.open(tmp_path / "case", affected_root="") as case:
        rows = _rows(case, "bob")
        bag = winroot.USRCLASS_BAGMRU
        assert [(r["slot"], r["path"], r["mru_position"], r["last_interacted"]) for r in rows] == [
            ("0", "My Computer", 0, "2024-03-04T22:30:00.000000Z"),
            ("0", "My Computer\\C:\\", 0, "2024-03-04T22:31:00.000000Z"),
            ("0", "My Computer\\C:\\Documents and Settings", 0, "2024-03-04T22:32:00.000000Z"),
            ("1", "<unknown shell item>", None, None),   # not in MRUListEx: no time claimed
            ("2", None, 1, None),                         # truncated: its bytes kept, nothing guessed
        ]
        assert rows[3]["extra"] == {"mru": "not in MRUListEx", "raw": "0500ffffff"}
        assert rows[4]["extra"]["raw"] == winroot.SB_DOCUMENTS[:46].hex()
        out = case.outcomes()["B4"]
        assert out["state"] == "partial"
        assert (r"windows_shellbags: HKU\Users\bob_Classes\%s\2: shell item not decodable" % bag) in out["reason"]


def test_the_folder_names_agree_with_regipys_shellbag_plugin(win_data):
    """regipy's own plugin (NTUSER Shell\\BagMRU only) on the Windows 7 sample gives the same folders and
    key times; UngCuu also reads ShellNoRoam and UsrClass and keeps a UNC location as its own path."""
    from regipy.plugins.ntuser.shellbags_ntuser import ShellBagNtuserPlugin
    from regipy.registry import RegistryHive

    plugin = ShellBagNtuserPlugin(RegistryHive(str(win_data / "NTUSER-WIN7.DAT")), as_json=True)
    plugin.run()
    assert [(e["value"], e["shell_type"], e["last_write"]) for e in plugin.entries] == [
        ("Computers and Devices", "Root Folder", "2010-11-10T07:58:15.827250+00:00"),
        ("controller", "Users Property View", "2010-11-10T07:58:15.827250+00:00"),
        (r"\\controller\WebDavShare", "Network Location", "2010-11-10T07:58:15.827250+00:00")]


def test_shellbag_times_are_timeline_events(win_case):
    case, _ = win_case
    timeline.build(case)
    events = [e for e in timeline.events(case) if e["source"] == "shellbags"]
    by = {(e["timestamp_desc"], e["message"]): e for e in events}
    e = by[("Folder First Opened (shellbag)",
            "Folder first opened by alice: My Computer\\C:\\Documents and Settings (UsrClass.dat)")]
    assert e["ts"] == 1709591580000000  # 2024-03-04T22:33:00Z
    assert ("Folder Last Opened (shellbag)", r"Folder opened by nfury: \\controller\WebDavShare (NTUSER.DAT)") in by
    assert len([e for e in events if e["timestamp_desc"] == "Folder Last Opened (shellbag)"]) == 11
    assert len([e for e in events if e["timestamp_desc"] == "Folder First Opened (shellbag)"]) == 3


class LiveRegistry:
    """The seam as a running Windows gives it (winreg): HKU\\<SID> and HKU\\<SID>_Classes loaded, values as
    winreg returns them (bytes, int), key times from the tree; built from the same trees as the hives."""

    def __init__(self, hku: dict):
        self.hku = hku

    def _node(self, hive, key):
        if hive != "HKU":
            raise FileNotFoundError(key)
        node = {"keys": self.hku, "values": {}}
        for part in [p for p in key.split("\\") if p]:
            node = {k.lower(): v for k, v in node["keys"].items()}.get(part.lower())
            if node is None:
                raise FileNotFoundError(key)
        return node

    def reg_values(self, hive, key):
        return {name: data for name, (_t, data) in self._node(hive, key)["values"].items()}

    def reg_subkeys(self, hive, key):
        return sorted(self._node(hive, key)["keys"])

    def reg_key_time(self, hive, key):
        from collectors.artifacts._hives import filetime_iso

        return filetime_iso(self._node(hive, key).get("time", 0))

    def services(self):
        return []

    def system_root(self):
        return r"C:\Windows"


def test_live_registry_reads_ntuser_and_the_classes_hive_of_each_loaded_user():
    from collectors.artifacts.windows_shellbags import shellbags
    from tests.windows.regf import REG_BINARY, filetime, key, path_tree

    sid = winroot.ALICE_SID
    ntuser = path_tree(r"Software\Microsoft\Windows\Shell\BagMRU", key(
        {"MRUListEx": (REG_BINARY, winroot.MRU0), "0": (REG_BINARY, winroot.SB_MY_COMPUTER)},
        time=filetime("2024-03-05T01:00:00Z")))
    api = LiveRegistry({sid: ntuser, sid + "_Classes": winroot.usrclass_bags(), ".DEFAULT": key()})
    notes: list[str] = []
    rows = shellbags(api, notes)
    assert notes == []
    assert [(r.hive, r.sid, r.key, r.path, r.last_interacted, r.first_interacted) for r in rows] == [
        ("NTUSER.DAT", sid, r"Software\Microsoft\Windows\Shell\BagMRU", "My Computer", "2024-03-05T01:00:00.000000Z",
         None),
        ("UsrClass.dat", sid, winroot.USRCLASS_BAGMRU, "My Computer", "2024-03-04T22:30:00.000000Z", None),
        ("UsrClass.dat", sid, winroot.USRCLASS_BAGMRU + r"\0", "My Computer\\C:\\", "2024-03-04T22:31:00.000000Z", None),
        ("UsrClass.dat", sid, winroot.USRCLASS_BAGMRU + r"\0\0", "My Computer\\C:\\Documents and Settings",
         "2024-03-04T22:32:00.000000Z", "2024-03-04T22:33:00.000000Z"),
    ]
    assert rows[-1].folder_created == "2007-10-11T13:23:48" and rows[-1].extra == {"short_name": "DOCUME~1"}
