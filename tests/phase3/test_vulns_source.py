"""Debian feeds name source packages: the dpkg inventory keeps each binary's ``Source:`` (name, and the
``foo (1.2-3)`` version when it differs), the match uses them and reports the binary packages installed
from a vulnerable source. Feeds made here, in the Debian security tracker and OSV Debian formats."""
from __future__ import annotations

import json

from analysis import vulns
from collectors import records
from collectors.artifacts.packages import Package, parse_dpkg_status
from collectors.case import Case
from desktop import cli

from .conftest import build_root, write

STATUS = (
    "Package: libssl3\nStatus: install ok installed\nSource: openssl\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u1\n\n"
    "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.11-1~deb12u1\n\n"
    # a binNMU: the binary's version has +b1, the source's is the one in brackets
    "Package: libxml2\nStatus: install ok installed\nSource: libxml2 (2.9.14+dfsg-1.3~deb12u1)\n"
    "Architecture: amd64\nVersion: 2.9.14+dfsg-1.3~deb12u1+b1\n\n"
    # a binary versioned on its own: its version would compare wrongly against the source's fixed version
    "Package: gcc\nStatus: install ok installed\nSource: gcc-defaults (1.203)\nArchitecture: amd64\nVersion: 4:12.2.0-3\n\n"
    "Package: openssh-client\nStatus: install ok installed\nSource: openssh\nArchitecture: amd64\n"
    "Version: 1:9.2p1-2+deb12u3\n\n"
    "Package: oldlib\nStatus: deinstall ok config-files\nSource: openssl\nArchitecture: amd64\nVersion: 1.1.1n-0\n")

TRACKER = {
    "openssl": {"CVE-2026-1001": {"description": "openssl overflow", "releases": {
        "bookworm": {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1", "urgency": "high"}}}},
    "libxml2": {"CVE-2026-1002": {"releases": {
        "bookworm": {"status": "resolved", "fixed_version": "2.9.14+dfsg-1.3~deb12u2"}}}},
    "gcc-defaults": {"CVE-2026-1003": {"releases": {
        "bookworm": {"status": "resolved", "fixed_version": "1.204"}}}},
    # keyed by a binary name: a Debian feed never is, and the binary libssl3 must not match it
    "libssl3": {"CVE-2026-1009": {"releases": {"bookworm": {"status": "open"}}}},
    "openssh": {"CVE-2026-1004": {"releases": {
        "bookworm": {"status": "resolved", "fixed_version": "1:9.2p1-2+deb12u3"}}}},
}
OSV_XML = {"id": "DSA-9998-1", "aliases": ["CVE-2026-1005"], "affected": [
    {"package": {"ecosystem": "Debian:12", "name": "libxml2"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.9.14+dfsg-1.3~deb12u1+b2"}]}]}]}


def test_source_field_parsed():
    rows = {r["name"]: r for r in parse_dpkg_status(STATUS)}
    assert (rows["libssl3"]["source"], rows["libssl3"]["source_version"]) == ("openssl", "3.0.11-1~deb12u1")
    assert (rows["libxml2"]["source"], rows["libxml2"]["source_version"]) == ("libxml2", "2.9.14+dfsg-1.3~deb12u1")
    assert (rows["gcc"]["source"], rows["gcc"]["source_version"]) == ("gcc-defaults", "1.203")
    assert "source" not in rows["openssl"] and "source_version" not in rows["openssl"]
    # the typed record keeps them, and leaves them out of the JSON when the entry has none
    recs = records.from_dicts(Package, list(rows.values()))
    dumped = {d["name"]: d for d in records.dump(Package, recs)["records"]}
    assert dumped["gcc"]["source"] == "gcc-defaults" and "source" not in dumped["openssl"]


def test_old_records_without_source_still_read_and_match_by_name():
    old = {"schema": "packages", "version": 1, "records": [
        {"name": "openssl", "version": "3.0.11-1~deb12u1", "arch": "amd64", "manager": "dpkg", "installed": True}]}
    (rec,) = records.load(old, Package)
    assert rec.name == "openssl" and not rec.source and not rec.source_version
    feed = vulns.Feed()
    vulns._add_debian_tracker(feed, TRACKER)
    found = vulns.match(old["records"], feed, {"VERSION_CODENAME": "bookworm"})
    assert [(v["package"], v["cves"], v.get("source")) for v in found] == [("openssl", ["CVE-2026-1001"], None)]


def test_matched_on_source_name_and_version(tmp_path):
    feed = vulns.Feed()
    vulns._add_debian_tracker(feed, TRACKER)
    vulns._add_osv(feed, OSV_XML, [])
    found = {v["package"]: v for v in vulns.match(parse_dpkg_status(STATUS), feed, {"VERSION_ID": "12"})}
    # both binaries of openssl; libssl3 through its source, not the binary-keyed entry
    assert found["libssl3"]["cves"] == ["CVE-2026-1001"] and found["openssl"]["cves"] == ["CVE-2026-1001"]
    assert found["libssl3"]["source"] == "openssl" and "source" not in found["openssl"]
    # the source's version decides: 2.9.14+dfsg-1.3~deb12u1 < ...deb12u2 (tracker) and < ...deb12u1+b2 (OSV)
    assert found["libxml2"]["cves"] == ["CVE-2026-1002", "CVE-2026-1005"]
    assert found["libxml2"]["source_version"] == "2.9.14+dfsg-1.3~deb12u1"
    # gcc 4:12.2.0-3 would be above 1.204; its source gcc-defaults 1.203 is below
    assert found["gcc"]["source"] == "gcc-defaults" and found["gcc"]["cves"] == ["CVE-2026-1003"]
    # fixed source version installed; removed package left out
    assert "openssh-client" not in found and "oldlib" not in found
    groups = {g["source"]: g for g in vulns.by_source(list(found.values()))}
    assert sorted(groups["openssl"]["binaries"]) == ["libssl3 3.0.11-1~deb12u1", "openssl 3.0.11-1~deb12u1"]
    # after the upgrade of the source, neither binary is reported
    fixed = STATUS.replace("3.0.11-1~deb12u1", "3.0.13-1~deb12u1")
    assert not {"libssl3", "openssl"} & {v["package"] for v in vulns.match(parse_dpkg_status(fixed), feed,
                                                                              {"VERSION_ID": "12"})}


def test_cli_reports_the_binaries_of_a_vulnerable_source(tmp_path, capsys):
    root = build_root(tmp_path / "root")
    write(root, "var/lib/dpkg/status", STATUS)
    tracker = write(tmp_path, "tracker.json", json.dumps(TRACKER))
    case_dir = tmp_path / "case"
    assert cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", "B4"]) == 0
    case = Case.open(case_dir, affected_root="")
    rows = {r["name"]: r for r in vulns.packages_of(case, vulns.package_snapshots(case)[-1])}
    assert rows["gcc"]["source_version"] == "1.203"
    case.close()
    capsys.readouterr()
    assert cli.main(["--lang", "en", "vulns", "--case", str(case_dir), "--feed", str(tracker), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)["after"]
    assert {v["package"] for v in res["vulnerable"]} == {"libssl3", "openssl", "libxml2", "gcc"}
    assert {g["source"] for g in res["by_source"]} == {"openssl", "libxml2", "gcc-defaults"}
    assert cli.main(["--lang", "en", "vulns", "--case", str(case_dir), "--feed", str(tracker)]) == 0
    out = capsys.readouterr().out
    assert "libssl3 3.0.11-1~deb12u1 (source openssl 3.0.11-1~deb12u1)" in out


def test_wrong_typed_feed_fields_are_skipped():
    """What the fuzz target found: a tracker entry whose releases is not an object, OSV fields of the
    wrong type; each skipped, the rest of the feed kept."""
    feed = vulns.Feed()
    vulns._add_json(feed, {"openssl": {"CVE-2026-1": {"releases": "bookworm"}, **TRACKER["openssl"]}}, [])
    vulns._add_osv(feed, {"id": "DSA-1", "aliases": 5, "affected": ["x", {"package": "openssl"},
                                                                   {"package": {"ecosystem": "Debian:12", "name": 3}},
                                                                   {"package": {"ecosystem": "Debian:12", "name": "libxml2"},
                                                                    "ranges": [{"type": "ECOSYSTEM", "events": "x"}, 1],
                                                                    "versions": "2.9"}]}, [])
    vulns._add_osv(feed, {"id": ["not", "a", "string"]}, [])
    assert feed.advisories == 3
    found = {v["package"] for v in vulns.match(parse_dpkg_status(STATUS), feed, {"VERSION_ID": "12"})}
    assert found == {"libssl3", "openssl"}
