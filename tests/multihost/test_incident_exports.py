"""The incident's timeline handed to Timesketch (one bounded timeline per host, checked by Timesketch's own
import client) and to a SIEM (ECS NDJSON, with `_bulk` action lines on request)."""
from __future__ import annotations

import ipaddress
import json
import re

import pytest

from analysis import export, export_siem, timeline
from desktop import cli

ts_importer = pytest.importorskip("timesketch_import_client.importer",
                                  reason="timesketch-import-client is in the test extra (pip install -e .[test])")


class _Capture(ts_importer.ImportStreamer):
    """Timesketch's ImportStreamer with the upload replaced by keeping the lines it would send."""

    def __init__(self):
        super().__init__()
        self.sent: list[dict] = []
        self._sketch = object()  # no server: _ready() only checks a sketch is set

    def _upload_data_buffer(self, end_stream, data_lines=None, retry_count=0):
        self.sent.extend(data_lines if data_lines is not None else self._data_lines)


def test_timesketch_one_bounded_timeline_per_host(incident, tmp_path):
    files = export_siem.write_per_host(incident, "timesketch", tmp_path / "ts")
    assert set(files) == {"web01", "db01", "WIN-03DLIIOFRRA"}
    names = set()
    for host, path in files.items():
        streamer = _Capture()
        streamer.add_file(str(path))      # Timesketch's own JSONL route: json.loads, _fix_dict per line
        streamer.flush(end_stream=True)
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(streamer.sent) == len(lines) == timeline.count(incident, timeline.Filter(hosts=[host]))
        assert streamer._timeline_name == path.stem
        for rec in streamer.sent:
            assert rec["message"] and rec["timestamp_desc"] and rec["datetime"]
            assert rec["hostname"] == host
            assert not any(isinstance(v, (dict, list)) for v in rec.values())
            names.update(rec)
    assert len(names) <= len(export_siem.BASE) + len(export_siem.COMMON) < export_siem.FIELD_LIMIT
    # the legacy jsonl export of the same Windows host is bounded the same way
    legacy = set()
    for line in export.to_string(incident, "jsonl", timeline.Filter(hosts=["WIN-03DLIIOFRRA"])).splitlines():
        legacy.update(json.loads(line))
    assert "extra" in legacy and legacy <= set(export_siem.BASE) | set(export_siem.COMMON)
    win = [json.loads(x) for x in files["WIN-03DLIIOFRRA"].read_text().splitlines()]
    created = [r for r in win if r.get("event_id") == "4720"]
    assert created and json.loads(created[0]["extra"])["data"]["TargetUserName"] == "fsir"


REQUIRED = ("@timestamp", "message", "event", "ecs", "labels")


def test_ecs_ndjson_parses_back_line_by_line(incident, tmp_path):
    out = tmp_path / "incident.ndjson"
    assert cli.main(["timeline", "--case", str(incident), "--format", "ecs", "--out", str(out)]) == 0
    n = 0
    hosts = set()
    for line in out.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        n += 1
        for k in REQUIRED:
            assert k in doc, (k, doc)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", doc["@timestamp"])
        assert doc["event"]["kind"] == "event" and doc["event"]["dataset"].startswith("ungcuu.")
        hosts.add(doc["host"]["name"])
        if "source" in doc:
            ipaddress.ip_address(doc["source"]["ip"])       # an ECS ip field holds only addresses
            assert isinstance(doc["source"].get("port", 0), int)
        if "process" in doc and "pid" in doc["process"]:
            assert isinstance(doc["process"]["pid"], int)
        assert all(isinstance(v, str) for v in doc["labels"].values())  # labels are keywords
    assert n == timeline.count(incident)
    assert hosts == {"web01", "db01", "WIN-03DLIIOFRRA"}
    docs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    ssh = [d for d in docs if d["event"]["action"] == "ssh_accepted" and d["host"]["name"] == "db01"]
    assert len(ssh) == 1
    assert ssh[0]["user"]["name"] == "admin" and ssh[0]["source"] == {"ip": "10.0.0.5", "port": 40000}
    assert ssh[0]["event"]["category"] == ["authentication"] and ssh[0]["event"]["outcome"] == "success"
    assert ssh[0]["labels"]["evidence_id"].startswith("db01/E")


def test_ecs_bulk_alternates_action_and_document(incident, tmp_path):
    files = export_siem.write_per_host(incident, "ecs-bulk", tmp_path / "bulk")
    lines = files["db01"].read_text(encoding="utf-8").splitlines()
    assert len(lines) % 2 == 0 and lines
    for action, doc in zip(lines[::2], lines[1::2]):
        assert json.loads(action) == {"index": {"_index": "ungcuu-db01"}}
        assert json.loads(doc)["host"]["name"] == "db01"
