"""Bad Windows input gets a clear outcome and loses nothing else: truncated and garbage hives, a dirty
hive without logs (plaso's Amcache.hve), a log that does not fit its hive, no SOFTWARE hive (users still
found by walking Users/*), and damaged Prefetch, $I, LNK, jump list, browser and .job files."""
from __future__ import annotations

import pytest

pytest.importorskip("regipy")

from collectors import records  # noqa: E402
from collectors.case import Case  # noqa: E402
from desktop import cli  # noqa: E402
from tests.windows import winroot  # noqa: E402
from tests.windows.regf import build_hive  # noqa: E402


def collect(tmp_path, root, only="B2,B4,B10"):
    rc = cli.main(["--lang", "en", "collect", "--case", str(tmp_path / "case"), "--root", str(root), "--only", only])
    return rc, Case.open(tmp_path / "case", affected_root="")


def rows(case, name):
    rec = case.latest(name)
    assert rec is not None, name
    return records.rows_of(case.read_json(rec))


def test_no_software_hive_users_found_by_walking_profiles(tmp_path, win_data):
    root = winroot.build(tmp_path / "root", win_data, software=False)
    rc, case = collect(tmp_path, root, only="B2,B4")
    try:
        assert rc == 0
        system = case.read_json(case.latest("system.json"))
        assert system["hostname"] == "SRV-HATINH01" and system["utc_offset"] == "+07:00"
        assert system["os"]["line"] is None
        reasons = case.outcomes()["B4"]["reason"]
        assert "os_config: offline Windows root" not in reasons  # SYSTEM is there: it runs and says what is missing
        assert r"the Windows version was not found (HKLM\Software\Microsoft\Windows NT\CurrentVersion)" in reasons
        ua = rows(case, "windows_userassist.json")
        # without ProfileList every profile is keyed by its folder; the SIDs are unknown
        assert {(r["user"], r["sid"]) for r in ua} == {("alice", None), ("nfury", None), (winroot.VIET, None)}
        bam = rows(case, "windows_bam.json")
        assert [b["user"] for b in bam] == [None, None]  # a SID without a profile list: no name for it
        assert {a["name"] for a in rows(case, "windows_sam_accounts.json")} >= {"alice", "support$"}
    finally:
        case.close()


def test_truncated_system_and_garbage_sam(tmp_path, win_data):
    root = tmp_path / "root"
    full = build_hive(winroot.SYSTEM, "SYSTEM")
    winroot.place(root, "Windows/System32/config/SYSTEM", full[:4096 + 1024])  # the base block and 1 KiB of cells
    winroot.place(root, "Windows/System32/config/SAM", b"regf" + b"\x00" * 60)
    winroot.place(root, "Windows/System32/config/SOFTWARE", build_hive(winroot.SOFTWARE, "SOFTWARE"))
    winroot.place(root, "Users/nfury/NTUSER.DAT", win_data / "NTUSER-WIN7.DAT")
    rc, case = collect(tmp_path, root, only="B2,B4")
    try:
        assert rc == 0
        out = case.outcomes()
        assert out["B4"]["state"] == "partial"
        assert "/Windows/System32/config/SAM: not a readable registry hive" in out["B4"]["reason"]
        # SOFTWARE and the user hive still give their artifacts
        assert case.read_json(case.latest("os_release.json"))["windows"]["line"] == \
            "Windows Server 2019 Standard (1809, build 17763.3435)"
        assert len(rows(case, "windows_userassist.json")) == 90
        assert {r["location"] for r in rows(case, "windows_autoruns.json")} >= {"ifeo_debugger", "appinit_dlls"}
        assert rows(case, "windows_usb_devices.json") == []  # the truncated SYSTEM holds none readable
    finally:
        case.close()


def test_dirty_hive_without_logs_and_a_log_that_does_not_fit(tmp_path, win_data):
    root = tmp_path / "root"
    winroot.place(root, "Windows/System32/config/SYSTEM", build_hive(winroot.SYSTEM, "SYSTEM"))
    # plaso's Amcache.hve is dirty (sequence numbers 41 and 40) and comes without its logs
    winroot.place(root, "Windows/AppCompat/Programs/Amcache.hve", win_data / "winreg" / "Amcache.hve")
    hive, _log = winroot.dirty_with_log(winroot.ALICE, "ntuser.dat", r"\Temp\OneDrive", r"\Tmp2\OneDrive")
    winroot.place(root, "Users/alice/NTUSER.DAT", hive)
    winroot.place(root, "Users/alice/NTUSER.DAT.LOG1", b"regf" + b"\x01" * 508 + b"JUNK" + b"\x00" * 600)
    rc, case = collect(tmp_path, root, only="B4")
    try:
        assert rc == 0
        reason = case.outcomes()["B4"]["reason"]
        assert ("/Windows/AppCompat/Programs/Amcache.hve: dirty hive (sequence numbers 41 and 40 differ) without "
                "transaction logs: parsed as found, its last changes may be missing") in reason
        assert "/Users/alice/NTUSER.DAT: dirty hive, applying NTUSER.DAT.LOG1 failed (RegistryRecoveryException" in reason
        amcache = rows(case, "windows_amcache.json")
        assert len(amcache) == 1367 and all(r["sha1"] for r in amcache)
        runs = {r["name"]: r["value"] for r in case.read_json(case.latest("windows_run_keys.json"))}
        assert runs["OneDrive"] == r"C:\Users\alice\AppData\Local\Temp\OneDrive.exe /background"  # as found
        assert not [r for r in case.evidence() if r.kind == "derived"]
    finally:
        case.close()


def test_damaged_file_artifacts_are_named_and_the_rest_kept(tmp_path, win_data):
    root = tmp_path / "root"
    winroot.place(root, "Windows/System32/config/SYSTEM", build_hive(winroot.SYSTEM, "SYSTEM"))
    winroot.place(root, "Windows/Prefetch/CMD.EXE-087B4001.pf", win_data / "winprefetch" / "CMD.EXE-087B4001.pf")
    winroot.place(root, "Windows/Prefetch/EVIL.EXE-00000000.pf", b"MAM\x04" + b"\xff" * 200)
    winroot.place(root, "$Recycle.Bin/S-1-5-21-9/$IAAAAAA.txt", b"\x07" + b"\0" * 40)
    winroot.place(root, "$Recycle.Bin/S-1-5-21-9/$I103S5F.jpg", win_data / "recycler" / "$I103S5F.jpg")
    recent = "Users/bob/AppData/Roaming/Microsoft/Windows/Recent"
    winroot.place(root, f"{recent}/broken.lnk", b"L\0\0\0" + b"\0" * 20)
    winroot.place(root, f"{recent}/example.lnk", win_data / "example.lnk")
    winroot.place(root, f"{recent}/AutomaticDestinations/ffff.automaticDestinations-ms", b"not an OLE file")
    winroot.place(root, "Users/bob/AppData/Local/Google/Chrome/User Data/Default/History", b"SQLite format 3\0garbage")
    winroot.place(root, "Windows/Tasks/bad.job", b"\x01\x06" * 10)
    rc, case = collect(tmp_path, root, only="B4,B10")
    try:
        assert rc == 0
        reason = case.outcomes()["B10"]["reason"]
        assert "/Windows/Prefetch/EVIL.EXE-00000000.pf: not a readable Prefetch file" in reason
        assert "/$Recycle.Bin/S-1-5-21-9/$IAAAAAA.txt: not a Recycle Bin record (unknown $I version 7)" in reason
        assert "/Users/bob/AppData/Roaming/Microsoft/Windows/Recent/AutomaticDestinations/ffff.automaticDestinations-ms: " \
               "not readable as a shortcut or jump list" in reason
        assert "broken.lnk: not readable as a shortcut or jump list" in reason
        assert [r["executable"] for r in rows(case, "windows_prefetch.json")] == ["CMD.EXE"]
        assert [r["original_path"] for r in rows(case, "windows_recycle_bin.json")] == [r"C:\Users\random\Downloads\bunnies.jpg"]
        assert [r["target"] for r in rows(case, "windows_lnk.json")] == [r"%windir%\system32\migwiz\migwiz.exe"]
        # every damaged file is still in the case, hashed
        assert "/Windows/Tasks/bad.job: not a readable .job task (too short for a .job file (20 bytes))" in \
            case.outcomes()["B4"]["reason"]
        sources = {r.source for r in case.evidence()}
        assert {"/Windows/Prefetch/EVIL.EXE-00000000.pf", "/Windows/Tasks/bad.job",
                "/Users/bob/AppData/Local/Google/Chrome/User Data/Default/History"} <= sources
        from analysis import timeline

        summary = timeline.build(case)
        fatal = {r["parser"]: r["fatal"] for r in (x if isinstance(x, dict) else x.to_dict() for x in summary.reports)
                 if r.get("fatal")}
        assert fatal["browser"].startswith("not a readable SQLite database")
        assert fatal["winjob"].startswith("not a readable .job task: too short")
    finally:
        case.close()


def test_the_notes_read_in_vietnamese():
    from collectors.messages import time_desc, translate

    assert translate("windows_amcache: /Windows/AppCompat/Programs/Amcache.hve: dirty hive (sequence numbers 41 and 40 "
                     "differ) without transaction logs: parsed as found, its last changes may be missing") == (
        "windows_amcache: /Windows/AppCompat/Programs/Amcache.hve: hive chưa ghi trọn (số thứ tự 41 và 40 khác nhau) "
        "và không có nhật ký giao dịch: đã phân tích nguyên trạng, có thể thiếu những thay đổi cuối")
    assert translate("windows_sam: no Windows/System32/config/SAM in this offline root") == \
        "windows_sam: không có Windows/System32/config/SAM trong thư mục gốc ngoại tuyến này"
    assert time_desc("Last Time Executed") == "Lần chạy gần nhất"
