"""Windows updates for H3: the installed KBs and the OS build read from a SOFTWARE hive (CBS packages,
HotFix keys, CurrentVersion) into windows_hotfixes.json, matched against Microsoft's security-update
document (MSRC CVRF JSON): each CVE whose fixing KB is not in effect on the host's product is reported,
and not after the "patch".

The feed below is written for the test in the layout of the MSRC Security Updates API's CVRF JSON
(https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2024-Jan with ``Accept: application/json``; documented in
github.com/microsoft/MSRC-Microsoft-Security-Updates-API): ProductTree.Branch[].Items[] and
FullProductName[] name the ProductIDs; Vulnerability[].Threats[] with Type 3 carry the severity per
ProductID; Remediations[] with Type 2 ("Vendor Fix") carry the KB in Description.Value and URL, the
ProductIDs, FixedBuild and Supercedence. The real documents have the same keys (and many more).

No real SOFTWARE hive is among the shared samples (only Amcache and NTUSER hives): the hive here is a
real REGF file written by tests/windows/regf.py and parsed by regipy through the collector."""
from __future__ import annotations

import json

import pytest

from analysis import recheck, vulns
from analysis import remediation as plan_mod
from collectors.case import Case
from desktop import cli
from tests.windows.regf import REG_DWORD, REG_EXPAND_SZ, REG_SZ, build_hive, key, merge, path_tree

pytest.importorskip("regipy")

CBS = r"Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages"
NT = r"Microsoft\Windows NT\CurrentVersion"
FT = 133490000000000000  # 2024-01-10


def cbs(state: int, **more) -> dict:
    return key({"CurrentState": (REG_DWORD, state), "InstallTimeHigh": (REG_DWORD, FT >> 32),
                "InstallTimeLow": (REG_DWORD, FT & 0xFFFFFFFF), **more})


def software(ubr: int, packages: dict) -> bytes:
    tree = merge(
        path_tree(NT, key({"ProductName": (REG_SZ, "Windows Server 2019 Standard"), "CurrentBuild": (REG_SZ, "17763"),
                           "UBR": (REG_DWORD, ubr), "EditionID": (REG_SZ, "ServerStandard"),
                           "InstallationType": (REG_SZ, "Server"), "ReleaseId": (REG_SZ, "1809")})),
        path_tree(NT + r"\HotFix", key(KB2919355=key({"Installed": (REG_DWORD, 1)}))),
        path_tree(CBS, key(**packages)))
    return build_hive(tree, r"\??\C:\Windows\System32\Config\SOFTWARE")


BEFORE = {
    "Package_for_KB5034127~31bf3856ad364e35~amd64~~17763.5329.1.11": cbs(0x70),
    # a cumulative update names its KB only in the .cab it came from; superseded = its fixes are in
    "Package_for_RollupFix~31bf3856ad364e35~amd64~~17763.5206.1.7": cbs(
        0x50, InstallLocation=(REG_EXPAND_SZ, r"\\?\C:\Windows\SoftwareDistribution\Download\ab\Windows10.0-KB5033371-x64.cab")),
    "Package_for_KB5034863~31bf3856ad364e35~amd64~~17763.5400.1.2": cbs(0x60),   # waits for a restart
    "Package_for_ServicingStack_5300~31bf3856ad364e35~amd64~~17763.5300.1.0": cbs(0x70),  # no KB
}
AFTER = BEFORE | {
    "Package_for_KB5034863~31bf3856ad364e35~amd64~~17763.5400.1.2": cbs(0x50),
    "Package_for_KB5035849~31bf3856ad364e35~amd64~~17763.5576.1.5": cbs(0x70),
}

S2019, CORE, W10, S2022 = "11571", "11572", "11568", "12085"


def remediation(kb, pids, fixed_build=None, supersedes=None, typ=2):
    r = {"Description": {"Value": kb}, "URL": f"https://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB{kb}",
         "ProductID": pids, "Type": typ, "SubType": "Security Update"}
    if fixed_build:
        r["FixedBuild"] = fixed_build
    if supersedes:
        r["Supercedence"] = supersedes
    return r


def threat(sev, pids):
    return {"Description": {"Value": sev}, "ProductID": pids, "Type": 3}


CVRF = {
    "DocumentTitle": {"Value": "January 2024 Security Updates"},
    "DocumentTracking": {"Identification": {"ID": {"Value": "2024-Jan"}}, "CurrentReleaseDate": "2024-03-12T07:00:00"},
    "ProductTree": {"Branch": [{"Type": 0, "Name": "Microsoft", "Items": [{"Type": 0, "Name": "Windows", "Items": [
        {"ProductID": S2019, "Value": "Windows Server 2019"},
        {"ProductID": CORE, "Value": "Windows Server 2019 (Server Core installation)"},
        {"ProductID": W10, "Value": "Windows 10 Version 1809 for x64-based Systems"}]}]}],
        "FullProductName": [{"ProductID": S2022, "Value": "Windows Server 2022"}]},
    "Vulnerability": [
        {"CVE": "CVE-2024-20674", "Title": {"Value": "Windows Kerberos Security Feature Bypass Vulnerability"},
         "Threats": [threat("Critical", [S2019, CORE, W10, S2022])],
         "Remediations": [remediation("5034127", [S2019, CORE, W10], "10.0.17763.5329", "5033371"),
                          remediation("5034129", [S2022], "10.0.20348.2227")]},
        {"CVE": "CVE-2024-20700", "Title": {"Value": "Windows Hyper-V Remote Code Execution Vulnerability"},
         "Threats": [threat("Important", [S2019, CORE]), {"Description": {"Value": "Exploitation Less Likely"},
                                                         "ProductID": [S2019], "Type": 1}],
         "Remediations": [remediation("5035849", [S2019, CORE], "10.0.17763.5576"),
                          {"Description": {"Value": "Disable Hyper-V"}, "ProductID": [S2019], "Type": 0}]},
        {"CVE": "CVE-2024-20666", "Title": {"Value": "BitLocker Security Feature Bypass Vulnerability"},
         "Threats": [threat("Important", [S2019])],
         "Remediations": [remediation("5034863", [S2019], "10.0.17763.5400", typ="Vendor Fix")]},
        # fixed by KB5032196, which KB5033371 (installed, superseded since) replaces; no FixedBuild here
        {"CVE": "CVE-2023-36025", "Title": {"Value": "Windows SmartScreen Security Feature Bypass"},
         "Threats": [threat("Important", [S2019])],
         "Remediations": [remediation("5032196", [S2019])]},
        {"CVE": "CVE-2023-99999", "Title": {"Value": "A fix in KB5033371"},
         "Remediations": [remediation("5033371", [S2019], None, "5032196")]},
        {"CVE": "CVE-2024-21307", "Title": {"Value": "Only on Server 2022"}, "Threats": [threat("Critical", [S2022])],
         "Remediations": [remediation("5034129", [S2022], "10.0.20348.2227")]},
        {"CVE": "CVE-2024-21399", "Title": {"Value": "Edge: a version, not a KB"},
         "Remediations": [{"Description": {"Value": "120.0.2210.133"}, "ProductID": [S2019], "Type": 2}]},
    ],
}


def build_root(root, packages, ubr):
    cfg = root / "Windows/System32/config"
    cfg.mkdir(parents=True)
    (cfg / "SOFTWARE").write_bytes(software(ubr, packages))
    (cfg / "SYSTEM").write_bytes(build_hive(merge(
        path_tree("Select", key({"Current": (REG_DWORD, 1)})),
        path_tree(r"ControlSet001\Control\Session Manager\Environment",
                  key({"PROCESSOR_ARCHITECTURE": (REG_SZ, "AMD64")}))), r"\??\C:\Windows\System32\Config\SYSTEM"))
    return root


def test_msrc_cvrf_parsed(tmp_path):
    p = tmp_path / "2024-Jan.json"
    p.write_text(json.dumps(CVRF))
    feed = vulns.load_feed(p)
    assert feed.sources[0]["format"] == "msrc-cvrf" and feed.sources[0]["date"] == "2024-03-12T07:00:00"
    assert feed.advisories == 7
    assert feed.msrc_products[CORE] == "Windows Server 2019 (Server Core installation)"
    assert feed.msrc_products[S2022] == "Windows Server 2022"
    fixes = {(f.cve, f.kb) for f in feed.msrc}
    assert ("CVE-2024-20666", "KB5034863") in fixes          # Type "Vendor Fix" as a string too
    assert not any(f.cve == "CVE-2024-21399" for f in feed.msrc)  # no KB: not a KB fix
    k = next(f for f in feed.msrc if f.kb == "KB5034127")
    assert k.fixed_build == "10.0.17763.5329" and k.supersedes == ["KB5033371"] and k.severity[S2019] == "Critical"


def test_host_products():
    assert vulns.host_products({"product_name": "Windows Server 2019 Standard", "installation_type": "Server Core",
                                "arch": "AMD64"})[0] == "Windows Server 2019 (Server Core installation)"
    assert "Windows 11 Version 23H2 for x64-based Systems" in vulns.host_products(
        {"product_name": "Windows 10 Pro", "build": "22631", "display_version": "23H2", "arch": "AMD64"})
    assert "Windows 10 Version 22H2 for 32-bit Systems" in vulns.host_products(
        {"product_name": "Windows 10 Enterprise", "build": "19045", "display_version": "22H2"})


def test_collected_kbs_then_open_cves_before_and_after_patching(tmp_path, capsys):
    root = build_root(tmp_path / "root", BEFORE, 5329)
    feed = tmp_path / "msrc-2024-Jan.json"
    feed.write_text(json.dumps(CVRF))
    case_dir = tmp_path / "case"
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", "B4"]) == 0
    case = Case.open(case_dir, affected_root="")
    rec = case.latest("windows_hotfixes.json")
    assert rec is not None
    data = case.read_json(rec)
    case.close()
    assert data["schema"] == "windows_hotfixes"
    upd = data["record"]
    assert (upd["product_name"], upd["build"], upd["ubr"], upd["arch"]) == (
        "Windows Server 2019 Standard", "17763", 5329, "AMD64")
    rows = {u["kb"]: u for u in upd["updates"]}
    assert set(rows) == {"KB5034127", "KB5033371", "KB5034863", "KB2919355"}
    assert rows["KB5034127"]["state"] == "installed" and rows["KB5034127"]["in_effect"]
    assert rows["KB5034127"]["version"] == "17763.5329.1.11" and rows["KB5034127"]["installed"].startswith("2024-01-")
    assert rows["KB5033371"]["state"] == "superseded" and rows["KB5033371"]["in_effect"]
    assert rows["KB5034863"]["state"] == "install_pending" and not rows["KB5034863"]["in_effect"]
    assert rows["KB2919355"]["source"] == "hotfix"
    assert upd["packages_seen"] == 4

    capsys.readouterr()
    args = ["--lang", "en", "vulns", "--case", str(case_dir), "--feed", str(feed), "--json"]
    assert cli.main(args) == 0
    res = json.loads(capsys.readouterr().out)
    wv = res["after"]["windows_vulnerable"]
    assert set(wv["product_ids"]) == {S2019}  # a full install: not the Server Core entries, not Windows 10
    # 20674 by its KB, 36025 through KB5033371 superseding its fix; 21307 is not for this product
    assert wv["applicable"] == 5 and wv["fixed"] == 3
    open_ = {v["cve"]: v for v in wv["vulnerable"]}
    assert list(open_) == ["CVE-2024-20666", "CVE-2024-20700"]
    assert open_["CVE-2024-20700"]["kbs"] == ["KB5035849"] and open_["CVE-2024-20700"]["severity"] == "Important"
    assert open_["CVE-2024-20666"]["pending_restart"] == ["KB5034863"]
    assert cli.main(args[:-1]) == 0
    out = capsys.readouterr().out
    assert "CVE-2024-20700 [Important] Windows Hyper-V Remote Code Execution Vulnerability: needs KB5035849" in out
    assert "installed, pending restart: KB5034863" in out
    # the plan: install the missing KB, restart for the pending one; each with the hotfix snapshot
    assert cli.main(["--lang", "en", "remediate", "--case", str(case_dir), "--json", "plan"]) == 0
    kb_steps = {s["target"]["kb"]: s for s in json.loads(capsys.readouterr().out)["steps"]
                if s["action"] == "install_update"}
    assert set(kb_steps) == {"KB5035849", "KB5034863"}
    assert kb_steps["KB5035849"]["title_en"] == "Install the Microsoft security update KB5035849 (CVE-2024-20700)"
    assert kb_steps["KB5035849"]["commands"][0] == "Get-HotFix -Id KB5035849   # before: not found"
    assert kb_steps["KB5035849"]["commands"][-1].endswith("CurrentBuild, UBR   # expect 17763.5576 or later")
    assert kb_steps["KB5034863"]["title_en"].startswith("Restart so that the update KB5034863 takes effect")
    assert kb_steps["KB5035849"]["evidence_ids"] == [rec.id]
    case = Case.open(case_dir, affected_root="")
    before_ids = {r.id for r in case.evidence()}
    plan = {s.target["kb"]: s for s in plan_mod.steps(case) if s.action == "install_update"}
    view = recheck.CaseView(case, before_ids)
    assert recheck.probe(view, plan["KB5035849"])[0] == recheck.PRESENT
    assert recheck.probe(view, plan["KB5034863"])[:2] == (recheck.CHANGED, "KB5034863 install_pending, not in effect yet")
    case.close()

    # the patch: the restart done, the March update installed; collected again
    (root / "Windows/System32/config/SOFTWARE").write_bytes(software(5576, AFTER))
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", "B4",
                     "--again"]) == 0
    capsys.readouterr()
    assert cli.main(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["after"]["windows_vulnerable"]["vulnerable"] == []
    assert {v["cve"] for v in res["windows_fixed"]} == {"CVE-2024-20666", "CVE-2024-20700"}
    case = Case.open(case_dir, affected_root="")
    view = recheck.CaseView(case, {r.id for r in case.evidence()} - before_ids)
    assert recheck.probe(view, plan["KB5035849"])[:2] == (recheck.GONE, "KB5035849 installed")
    assert recheck.probe(view, plan["KB5034863"])[0] == recheck.GONE
    e = [e for e in case.custody.entries() if e["action"] == "vulns_check"][-1]
    det = json.loads(e["details"]) if isinstance(e["details"], str) else e["details"]
    assert det["windows_open_cves"] == 0 and det["windows_fixed_cves"] == 2 and det["feeds"][0]["format"] == "msrc-cvrf"
    assert "2 CVE Windows đã vá" in case.incident()["actions"][-1]["result"]
    case.close()


def test_fixed_build_alone_is_enough():
    """A host whose build is at the fix's FixedBuild has the fix even when the KB is not listed."""
    feed = vulns.Feed()
    vulns._add_msrc(feed, CVRF, [])
    win = {"os": {"product_name": "Windows Server 2019 Datacenter", "build": "17763", "ubr": 5576, "arch": "AMD64"},
           "kbs_in_effect": []}
    res = vulns.match_msrc(win, feed)
    assert [v["cve"] for v in res["vulnerable"]] == ["CVE-2023-36025", "CVE-2023-99999"]  # no FixedBuild given


def test_other_product_and_no_snapshot_said_plainly(tmp_path, capsys):
    root = build_root(tmp_path / "root", BEFORE, 5329)
    feed = tmp_path / "msrc.json"
    feed.write_text(json.dumps(CVRF))
    case_dir = tmp_path / "case"
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", "B4"]) == 0
    capsys.readouterr()
    assert cli.main(["vulns", "--case", str(case_dir), "--feed", str(feed),
                     "--windows-product", "Windows 11 Version 23H2 for x64-based Systems"]) == 0
    assert "không sản phẩm nào của nguồn dữ liệu là sản phẩm Windows của máy này" in capsys.readouterr().out
    # a Linux case: the feed's Windows part cannot apply, and it says why
    from .conftest import build_root as linux_root

    lin = linux_root(tmp_path / "lin")
    lcase = tmp_path / "lcase"
    assert cli.main(["--lang", "en", "collect", "--case", str(lcase), "--root", str(lin), "--only", "B4"]) == 0
    capsys.readouterr()
    assert cli.main(["--lang", "en", "vulns", "--case", str(lcase), "--feed", str(feed)]) == 0
    assert "no installed-updates snapshot" in capsys.readouterr().out


def test_without_a_software_hive_the_outcome_says_so(tmp_path, capsys):
    """The shared samples hold no SOFTWARE hive; neither does this root: the collector says why it has
    nothing, and the MSRC check says it cannot match rather than reporting the host clean."""
    root = build_root(tmp_path / "root", BEFORE, 5329)
    (root / "Windows/System32/config/SOFTWARE").unlink()
    case_dir = tmp_path / "case"
    checklist = tmp_path / "checklist.yaml"   # B4 with the installed-updates collector alone
    checklist.write_text("version: 1\nprofiles:\n  triage: [B4]\n  full: [B4]\nitems:\n  - id: B4\n"
                         "    label_vi: Cấu hình\n    label_en: Configuration\n    volatility: 3\n"
                         "    os: [linux, windows]\n    needs_admin: false\n    changes_system: false\n"
                         "    collectors: [windows_hotfixes]\n")
    cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--checklist", str(checklist)])
    case = Case.open(case_dir, affected_root="")
    assert case.latest("windows_hotfixes.json") is None
    out = case.outcomes()["B4"]
    case.close()
    assert out["state"] == "skipped"
    assert out["reason"] == "windows_hotfixes: no Windows/System32/config/SOFTWARE in this offline root"
    feed = tmp_path / "msrc.json"
    feed.write_text(json.dumps(CVRF))
    capsys.readouterr()
    assert cli.main(["--lang", "en", "vulns", "--case", str(case_dir), "--feed", str(feed), "--json"]) == 0
    wv = json.loads(capsys.readouterr().out)["after"]["windows_vulnerable"]
    assert wv["vulnerable"] == [] and "no installed-updates snapshot" in wv["note"]


def test_installed_updates_notes_in_vietnamese():
    from collectors.messages import translate

    assert translate("windows_hotfixes: 12 Component Based Servicing packages, none naming a KB", "vi") == \
        "windows_hotfixes: 12 gói Component Based Servicing, không gói nào ghi số KB"
    assert translate(r"HKLM\Software\Microsoft\Windows NT\CurrentVersion not found: OS build unknown", "vi") == \
        r"không tìm thấy HKLM\Software\Microsoft\Windows NT\CurrentVersion: không biết bản dựng (build) của hệ điều hành"


def test_damaged_cvrf_loses_nothing_readable(tmp_path):
    """Wrong types in a CVRF document: what can be read is kept, the rest skipped, nothing raised."""
    doc = json.loads(json.dumps(CVRF))
    doc["DocumentTracking"] = "junk"
    doc["Vulnerability"] += [None, 7, {"CVE": 12}, {"CVE": "CVE-2026-7", "Threats": "x", "Remediations": {"a": 1}},
                             {"CVE": "CVE-2026-8", "Threats": [None, {"Type": 3, "ProductID": S2019,
                                                                     "Description": "Critical"}],
                              "Remediations": [None, {"Type": 2, "Description": {"Value": "5099999"},
                                                      "ProductID": S2019, "Supercedence": None}]}]
    p = tmp_path / "damaged.json"
    p.write_text(json.dumps(doc))
    feed = vulns.load_feed(p)
    assert feed.advisories == 9
    fix = next(f for f in feed.msrc if f.cve == "CVE-2026-8")
    assert fix.kb == "KB5099999" and fix.product_ids == [S2019] and fix.severity == {S2019: "Critical"}
