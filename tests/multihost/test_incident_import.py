"""One incident, many hosts: bundles verified and imported under their host, the custody of each host kept
as it was, re-import recognised, the timeline across hosts, cross-host correlation and lateral movement."""
from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from analysis import correlate, findings, hosts, timeline
from collectors.case import Case
from collectors.custody import verify_chain
from desktop import cli
from reports.incident_case import import_sources

from .conftest import DB_AUTH, OUTSIDE_IP, WEB_IP


def _custody(inc: Path) -> list[dict]:
    c = Case.open(inc, affected_root="")
    try:
        return c.custody.entries()
    finally:
        c.close()


def test_each_host_under_its_own_name_with_its_custody_as_it_was(incident, bundles):
    cols = hosts.current(incident)
    assert sorted(d["host"] for d in cols) == ["WIN-03DLIIOFRRA", "db01", "web01"]
    by = {d["host"]: d for d in cols}
    for name in ("web01", "db01"):
        d = by[name]
        folder = Path(d["path"])
        assert d["bundle_sha256"] == hashlib.sha256(bundles[name].read_bytes()).hexdigest()
        # the extracted bundle checks with the standard tool, as the bundle's README says
        done = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=folder / "bundle",
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        entries = [json.loads(x) for x in (folder / "bundle/custody.jsonl").read_text().splitlines()]
        assert verify_chain(entries) == []
        assert entries[-1]["hash"] == d["custody_head"]
    imports = [e for e in _custody(incident) if e["action"] == "import"]
    assert sorted(e["target"].split()[0] for e in imports) == ["WIN-03DLIIOFRRA", "db01", "web01"]
    assert {e["details"]["bundle_sha256"] for e in imports} == {
        hashlib.sha256(p.read_bytes()).hexdigest() for p in bundles.values()}
    assert verify_chain(_custody(incident)) == []


def test_timeline_spans_hosts_with_a_host_filter(incident):
    counts = timeline.host_counts(incident)
    assert set(counts) == {"WIN-03DLIIOFRRA", "db01", "web01"}
    assert counts["WIN-03DLIIOFRRA"] > 2000
    rows = timeline.page(incident, timeline.Filter(hosts=["db01"], sources=["auth"]))
    assert [r["message"] for r in rows if "Accepted" in r["message"]] == [
        f"sshd[200]: Accepted publickey for admin from {WEB_IP} port 40000 ssh2"]
    assert {r["host"] for r in rows} == {"db01"}
    assert all(r["evidence_id"].startswith("db01/E") for r in rows)
    assert timeline.count(incident, timeline.Filter(hosts=["web01", "db01"])) == counts["web01"] + counts["db01"]


def test_reimport_is_recognised_and_a_newer_collection_replaces_the_older(incident, bundles, host_cases,
                                                                          passphrase_file):
    before = timeline.count(incident)
    res = import_sources(incident, [bundles["web01"]])
    assert [r.status for r in res] == ["already"]
    assert timeline.count(incident) == before
    # the case folder of db01 has one more custody entry than its bundle (the bundle's export): newer
    res = import_sources(incident, [host_cases["db01"]])
    assert [(r.status, r.host) for r in res] == [("newer", "db01")]
    assert len([d for d in hosts.collections(incident) if d["host"] == "db01"]) == 2
    assert timeline.count(incident) == before  # the same events, once
    assert [e for e in _custody(incident) if e["action"] == "import"][-1]["details"]["newer_than"]


def test_tampered_bundle_is_refused_naming_the_member(bundles, tmp_path):
    src = bundles["web01"]
    bad = tmp_path / "web01-tampered.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("-auth.log"):
                data = data.replace(b"203.0.113.9", b"203.0.113.8")
                victim = info.filename
            zout.writestr(info, data)
    inc = tmp_path / "INC"
    res = import_sources(inc, [bad])
    assert res[0].status == "refused"
    assert any(victim in p for p in res[0].problems), res[0].problems
    assert not (inc / "hosts").exists() or hosts.collections(inc) == []
    refused = [e for e in _custody(inc) if e["action"] == "import_refused"]
    assert refused and any(victim in p for p in refused[0]["details"]["problems"])
    assert cli.main(["import", "--case", str(tmp_path / "INC2"), str(bad)]) == 1


def test_encrypted_bundle_needs_its_passphrase(bundles, tmp_path, capsys):
    inc = tmp_path / "INC"
    res = import_sources(inc, [bundles["db01"]])  # no passphrase
    assert res[0].status == "refused" and "passphrase" in res[0].problems[0]
    res = import_sources(inc, [bundles["db01"]], passphrase="wrong")
    assert res[0].status == "refused"
    asked = []
    res = import_sources(inc, [bundles["db01"]], passphrase=lambda p: asked.append(p) or "mật khẩu 2026")
    assert res[0].status == "imported" and asked == [bundles["db01"]]
    assert timeline.host_counts(inc) == {"db01": timeline.host_counts(inc)["db01"]}


def test_lateral_movement_from_web01_to_db01(incident):
    res = correlate.run(incident)
    assert res.addresses[WEB_IP] == "web01"  # web01's own hosts file
    moves = [(m.from_host, m.to_host, m.user, m.method, m.source_ip) for m in res.movements]
    assert moves == [("web01", "db01", "admin", "SSH", WEB_IP)]
    m = res.movements[0]
    assert m.evidence_id.startswith("db01/E") and m.locator == "line 1"
    assert m.message == DB_AUTH.split(" db01 ", 1)[1].strip()
    story = res.story("vi")
    assert story == [f"{m.time}: web01 ({WEB_IP}) → db01, tài khoản admin, qua SSH "
                     f"[chứng cứ {m.evidence_id} line 1]"]
    assert [(x.to_host, x.source_ip) for x in res.external if x.method == "SSH"] == [("web01", OUTSIDE_IP)]
    shared = {(s.kind, s.value): s.hosts for s in res.shared}
    assert shared[("account", "admin")] == ["db01", "web01"]


def test_findings_run_over_the_incident_case(incident):
    c = Case.open(incident, affected_root="")
    try:
        got = findings.run(c)
    finally:
        c.close()
    hosts_named = {e["evidence_id"].split("/")[0] for f in got for e in f.events}
    assert {"web01", "db01"} <= hosts_named, [(f.rule, f.summary_en) for f in got]


def test_reports_name_every_host_and_the_movement(incident):
    from reports.kinds import build_doc

    c = Case.open(incident, affected_root="")
    try:
        m03 = build_doc(c, "initial").plain_text()
        m04 = build_doc(c, "closing").plain_text()
        rep = build_doc(c, "findings").plain_text()
    finally:
        c.close()
    hosts_line = "các máy bị ảnh hưởng: WIN-03DLIIOFRRA, db01, web01"
    assert hosts_line in m03 and hosts_line in m04
    for h in ("web01", "db01", "WIN-03DLIIOFRRA"):
        assert f"Máy {h}" in rep
    assert f"web01 ({WEB_IP}) → db01, tài khoản admin, qua SSH" in rep


def test_the_incident_bundle_carries_every_host(incident, bundles, tmp_path):
    from reports.bundle import build_bundle, verify_bundle

    c = Case.open(incident, affected_root="")
    try:
        out = tmp_path / "incident.zip"
        build_bundle(c, out, include_reports=False)
    finally:
        c.close()
    res = verify_bundle(out)
    assert res.ok, res.problems
    items = {i["name"]: i for i in res.manifest["items"]}
    for name, path in bundles.items():
        assert items[path.name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert res.manifest["timeline_events"] == timeline.count(incident)


def test_import_is_a_cancellable_generator(bundles, tmp_path):
    import threading

    from collectors.errors import Cancelled
    from reports.incident_case import iter_import

    stop = threading.Event()
    gen = iter_import(tmp_path / "INC", [bundles["win"]], cancel=stop)
    stages = []
    with pytest.raises(Cancelled):
        for p in gen:
            stages.append(p.stage)
            if p.stage == "parse":
                stop.set()
    assert stages[:2] == ["verify", "extract"]
    assert hosts.collections(tmp_path / "INC") == []
    assert not any((tmp_path / "INC" / "tmp").iterdir())  # the staging folder is removed
