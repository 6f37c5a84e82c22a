"""H3: installed packages against small offline feeds made here (OSV and the Debian security tracker):
the vulnerable version found, not found after its upgrade; dpkg and rpm ordering."""
from __future__ import annotations

import json
import zipfile

import pytest

from analysis import vulns
from collectors.case import Case
from desktop import cli

from .conftest import DPKG_STATUS, build_root, write

OSV = {
    "id": "DSA-9999-1", "modified": "2026-11-30T00:00:00Z", "aliases": ["CVE-2026-0001"],
    "summary": "openssh: pre-auth remote code execution",
    "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssh-server"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2+deb12u3"}]}],
                  "ecosystem_specific": {"urgency": "high"}},
                 {"package": {"ecosystem": "Debian:11", "name": "nginx"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.9"}]}]}],
}
TRACKER = {"nginx": {"CVE-2026-0002": {"description": "nginx resolver overflow", "releases": {
    "bookworm": {"status": "resolved", "fixed_version": "1.22.1-9+deb12u1", "urgency": "medium"},
    "bullseye": {"status": "resolved", "fixed_version": "1.18.0-6.1+deb11u4"}}},
    "CVE-2026-0003": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "0"}}}},
    "openssh": {"CVE-2026-0004": {"releases": {"bookworm": {"status": "open", "urgency": "low"}}}}}


@pytest.mark.parametrize("a, b, want", [
    ("1.0", "1.0", 0), ("1:1.0", "2.0", 1), ("1.0~rc1", "1.0", -1), ("1.0~rc1", "1.0~rc2", -1), ("1.0~", "1.0", -1),
    ("1.0~~", "1.0~", -1), ("1.0-1", "1.0-1+deb12u1", -1), ("1.0a", "1.0", 1), ("1.0+", "1.0", 1),
    ("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", -1), ("2.30-10", "2.30-9", 1), ("1.2.3", "1.2.03", 0),
    ("0:1.0", "1.0", 0), ("1.0-1", "1.0", 1)])
def test_dpkg_order(a, b, want):
    assert vulns.dpkg_compare(a, b) == want and vulns.dpkg_compare(b, a) == -want


@pytest.mark.parametrize("a, b, want", [
    ("1.0-1", "1.0-1", 0), ("1.0-1.el9", "1.0-2.el9", -1), ("1:1.0-1", "2.0-1", 1), ("1.0~rc1-1", "1.0-1", -1),
    ("1.0^git1-1", "1.0-1", 1), ("1.0^git1-1", "1.0.1-1", -1), ("1.10-1", "1.9-1", 1), ("1.0a-1", "1.0-1", 1),
    ("2.0", "2.0-5", 0), ("(none):1.0-1", "1.0-1", 0), ("1.0.0-1", "1.0-1", 1), ("a-1", "1-1", -1)])
def test_rpm_order(a, b, want):
    assert vulns.rpm_compare(a, b) == want and vulns.rpm_compare(b, a) == -want


def _collect(case_dir, root):
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", "B4"]) == 0


def test_vulnerable_found_then_not_after_upgrade(tmp_path, capsys):
    root = build_root(tmp_path / "root")
    feeds = tmp_path / "feeds"
    osv_zip = feeds / "Debian" / "all.zip"
    osv_zip.parent.mkdir(parents=True)
    with zipfile.ZipFile(osv_zip, "w") as z:
        z.writestr("DSA-9999-1.json", json.dumps(OSV))
    tracker = write(feeds, "debian-tracker.json", json.dumps(TRACKER))
    case_dir = tmp_path / "case"
    _collect(case_dir, root)
    capsys.readouterr()
    args = ["--lang", "en", "vulns", "--case", str(case_dir), "--feed", str(osv_zip), "--feed", str(tracker), "--json"]
    assert cli.main(args) == 0
    res = json.loads(capsys.readouterr().out)
    vul = {v["package"]: v for v in res["after"]["vulnerable"]}
    assert set(vul) == {"openssh-server", "nginx"}
    ssh = vul["openssh-server"]
    assert ssh["version"] == "1:9.2p1-2+deb12u2" and ssh["cves"] == ["CVE-2026-0001"]
    assert ssh["advisories"][0]["fixed"] == "1:9.2p1-2+deb12u3" and ssh["advisories"][0]["severity"] == "high"
    # the Debian:11 range of the OSV entry does not apply to this Debian 12 host; the tracker's bookworm one does
    assert [a["id"] for a in vul["nginx"]["advisories"]] == ["CVE-2026-0002"]
    assert vul["nginx"]["advisories"][0]["fixed"] == "1.22.1-9+deb12u1"
    srcs = res["after"]["feed"]["sources"]
    assert srcs[0]["kind"] == "zip" and srcs[0]["date"] == "2026-11-30T00:00:00Z"
    import hashlib
    assert srcs[1]["sha256"] == hashlib.sha256(tracker.read_bytes()).hexdigest()
    # the plan names the patches, with their CVEs, fixed versions and the package snapshot
    capsys.readouterr()
    assert cli.main(["--lang", "en", "remediate", "--case", str(case_dir), "--json", "plan"]) == 0
    patches = {s["target"]["package"]: s for s in json.loads(capsys.readouterr().out)["steps"]
               if s["action"] == "apply_patch"}
    assert set(patches) == {"openssh-server", "nginx"}
    assert patches["openssh-server"]["title_en"].startswith("Patch openssh-server 1:9.2p1-2+deb12u2 (CVE-2026-0001) "
                                                            "to 1:9.2p1-2+deb12u3 or later")
    assert patches["openssh-server"]["commands"][1] == "apt-get install --only-upgrade openssh-server"
    assert patches["nginx"]["evidence_ids"] == [res["after"]["snapshot"]]
    # the "upgrade": both fixed versions installed, collected again
    (root / "var/lib/dpkg/status").write_text(DPKG_STATUS.replace("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3")
                                              .replace("1.22.1-9\n", "1.22.1-9+deb12u1\n"))
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", "B4",
                     "--again"]) == 0
    capsys.readouterr()
    assert cli.main(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["after"]["vulnerable"] == []
    assert {(v["package"], v["version"], v["now"]) for v in res["fixed"]} == {
        ("openssh-server", "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"), ("nginx", "1.22.1-9", "1.22.1-9+deb12u1")}
    case = Case.open(case_dir, affected_root="")
    entries = [e for e in case.custody.entries() if e["action"] == "vulns_check"]
    det = entries[-1]["details"]
    det = json.loads(det) if isinstance(det, str) else det
    assert [f["sha256"] for f in det["feeds"]] == [s["sha256"] for s in srcs]
    assert vulns.latest(case)["fixed"]
    assert case.incident()["actions"][-1]["result"].startswith("0 gói còn lỗ hổng, 2 gói đã vá")
    case.close()


def test_without_a_feed_it_says_so(tmp_path, capsys):
    root = build_root(tmp_path / "root")
    case_dir = tmp_path / "case"
    _collect(case_dir, root)
    capsys.readouterr()
    assert cli.main(["vulns", "--case", str(case_dir)]) == 0
    assert "Chưa có nguồn dữ liệu lỗ hổng ngoại tuyến" in capsys.readouterr().out
    case = Case.open(case_dir, affected_root="")
    e = [e for e in case.custody.entries() if e["action"] == "vulns_check"][-1]
    det = json.loads(e["details"]) if isinstance(e["details"], str) else e["details"]
    assert det["no_feed"] is True and det["feeds"] is None
    case.close()


def test_bad_feed_is_a_clear_error(tmp_path):
    bad = write(tmp_path, "feed.json", "{not json")
    with pytest.raises(Exception) as exc:
        vulns.load_feed([bad])
    assert "vulnerability feed" in str(exc.value)


def test_osv_folder_and_list_feeds(tmp_path):
    folder = tmp_path / "osv"
    write(folder, "Debian/DSA-9999-1.json", json.dumps(OSV))
    write(folder, "AlmaLinux/ALSA-1.json", json.dumps({
        "id": "ALSA-2026:1", "aliases": ["CVE-2026-0009"], "affected": [
            {"package": {"ecosystem": "AlmaLinux:8", "name": "openssl"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-25.el9_3"}]}]}]}))
    write(folder, "broken.json", "{")
    feed = vulns.load_feed([folder])
    assert feed.advisories == 2 and len(feed.problems) == 1 and "broken.json" in feed.problems[0]
    pk = [{"name": "openssl", "version": "1:3.0.7-24.el9", "manager": "rpm"},
          {"name": "openssh-server", "version": "1:9.2p1-2+deb12u3", "manager": "dpkg", "installed": True}]
    found = vulns.match(pk, feed, {"VERSION_ID": "8.9"})
    assert [(v["package"], v["cves"]) for v in found] == [("openssl", ["CVE-2026-0009"])]
    pk[0]["version"] = "1:3.0.7-25.el9_3"
    assert vulns.match(pk, feed, {"VERSION_ID": "8.9"}) == []
    lst = write(tmp_path, "list.json", json.dumps([OSV]))
    assert vulns.load_feed(lst).sources[0]["format"] == "osv"
