"""The incident record (Mẫu 03 / Mẫu 04 + NIST basics): example, validation with line and field, CLI."""
from __future__ import annotations

import argparse
import json

import pytest
from reports_helpers import EXAMPLE

from collectors.case import Case
from reports.incident import (
    FIELDS,
    IncidentError,
    check_incident,
    dump_incident,
    load_incident_file,
    load_incident_text,
    missing_fields,
    t0,
)


def test_example_fills_every_field_of_form_03_and_04():
    data = load_incident_file(EXAMPLE)
    assert missing_fields(data, "m03") == []
    assert missing_fields(data, "m04") == []
    # every field of the schema that is not a record sub-field has a value in the example
    from reports.incident import get
    empty = [f.path for f in FIELDS if "[]" not in f.path and f.path != "evidence_refs"
             and get(data, f.path) is None and f.type != "bool"]
    assert empty == ["detection.other_method", "system_info.services_other", "system_info.security_other",
                     "system_info.attachments_other"]  # the form's "Khác, đó là ..." lines, left blank on purpose
    assert data["contact"] == {
        "name": "Nguyễn Văn Đức", "position": "Phó Giám đốc Trung tâm, Đội trưởng Đội ứng cứu sự cố",
        "phone": "0912 345 678", "email": "ducnv@stttt.hatinh.gov.vn",
        "unit": "Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh"}
    assert data["reporter"]["name"] == "Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh"
    assert data["detection"]["detected_at"] == "2026-11-20T07:40:00+07:00"
    assert t0(data).isoformat() == "2026-11-20T07:40:00+07:00"
    assert [h["status"] for h in data["status_history"]] == [
        "detected", "notified", "analysing", "contained", "eradicated", "recovered"]
    assert data["reports"]["initial"] == {"number": "146/BC-TTCNTT", "date": "2026-11-20T15:30:00+07:00"}
    assert data["system"]["level"] == 2 and data["system_info"]["confidential"] is True


def test_time_without_offset_is_read_in_incident_zone():
    data = load_incident_text("detection:\n  detected_at: 2026-11-20 07:40\n")
    assert data["detection"]["detected_at"] == "2026-11-20T07:40:00+07:00"
    data = load_incident_text("timezone: UTC\ndetection:\n  detected_at: 20/11/2026 07:40\n")
    assert data["detection"]["detected_at"] == "2026-11-20T07:40:00+00:00"
    data = load_incident_text("reported_at: 2026-11-20T00:40:00Z\n")
    assert data["reported_at"] == "2026-11-20T00:40:00+00:00"


@pytest.mark.parametrize("text, line, field, words", [
    ("reporter:\n  name: A\n  email: not-an-email\n", 3, "reporter.email", "email không hợp lệ"),
    ("title: x\ncontcat:\n  name: A\n", 2, "contcat", "không được biết"),
    ("detection:\n  detected_at: hôm qua\n", 2, "detection.detected_at", "thời gian không hợp lệ"),
    ("system:\n  level: 7\n", 2, "system.level", "không thuộc"),
    ("notified_to: [network_member, police]\n", 1, "notified_to", "'police'"),
    ("status_history:\n  - {status: detected, at: 2026-11-20T07:40:00+07:00}\n  - {status: fixed, at: 2026-11-21}\n",
     3, "status_history[1].status", "'fixed'"),
    ("detection:\n  handled: maybe\n", 2, "detection.handled", "true/false"),
    ("system_info:\n  os: Ubuntu\n  public_ips: [113.160.92.10, 192.168.1.5]\n", 3, "system_info.public_ips",
     "192.168.1.5 là địa chỉ nội bộ"),
    ("system:\n  ip_addresses: [10.0.0.1, 300.1.1.1]\n", 2, "system.ip_addresses", "'300.1.1.1' không phải địa chỉ IP"),
])
def test_errors_name_line_and_field(text, line, field, words):
    with pytest.raises(IncidentError) as info:
        load_incident_text(text, "x.yaml")
    err = info.value
    assert err.line == line and err.field == field
    assert f"dòng {line}" in str(err) and field in str(err) and words in str(err)


def test_yaml_syntax_error_names_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("title: a\nreporter:\n  name: [unclosed\n  phone: 1\n", encoding="utf-8")
    with pytest.raises(IncidentError) as info:
        load_incident_file(p)
    assert info.value.line is not None and info.value.line >= 3 and "YAML không hợp lệ" in str(info.value)


def test_not_utf8_and_missing_file(tmp_path):
    p = tmp_path / "latin.yaml"
    p.write_bytes(b"title: ok\ndescription: Ha T\xeenh\n")
    with pytest.raises(IncidentError, match="dòng 2: tệp không phải UTF-8"):
        load_incident_file(p)
    with pytest.raises(IncidentError, match="Không đọc được tệp hồ sơ sự cố"):
        load_incident_file(tmp_path / "nope.yaml")
    with pytest.raises(IncidentError, match="rỗng"):
        (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
        load_incident_file(tmp_path / "empty.yaml")


def test_missing_mandatory_fields_are_listed_not_fatal():
    data = check_incident({"title": "x", "reporter": {"name": "A"}})
    missing = {p.field for p in missing_fields(data, "m03")}
    assert {"reporter.address", "reporter.phone", "reporter.email", "contact.name", "contact.phone",
            "contact.email", "system.operator", "description", "detection.detected_at", "detection.handled",
            "detection.methods", "notified_to", "reported_at"} == missing
    m04 = {p.field for p in missing_fields(data, "m04")}
    assert "reports.initial.number" in m04 and "reports.initial.date" in m04


def test_dump_round_trip_keeps_form_order():
    data = load_incident_file(EXAMPLE)
    text = dump_incident(json.loads(json.dumps(data, sort_keys=True)))
    assert text.index("reporter:") < text.index("contact:") < text.index("system:") < text.index("description:")
    assert load_incident_text(text) == data


def _run(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def test_cli_incident_set_and_show(tmp_path, capsys):
    from desktop.commands import incident as cmd

    case_dir = tmp_path / "case"
    Case.create(case_dir).close()
    assert _run(cmd, ["--case", str(case_dir), "--show"]) == 1
    assert _run(cmd, ["--case", str(case_dir), "--file", str(EXAMPLE)]) == 0
    with Case.open(case_dir) as case:
        stored = case.incident()
        assert stored["contact"]["name"] == "Nguyễn Văn Đức"
        assert any(e["action"] == "incident" for e in case.custody.entries())
    capsys.readouterr()
    assert _run(cmd, ["--case", str(case_dir), "--show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reporter"]["email"] == "ungcuusuco@stttt.hatinh.gov.vn"
    bad = tmp_path / "bad.yaml"
    bad.write_text("reporter:\n  email: x@\n", encoding="utf-8")
    assert _run(cmd, ["--case", str(case_dir), "--file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "dòng 2" in err and "reporter.email" in err
    with Case.open(case_dir) as case:   # the bad file changed nothing
        assert case.incident() == stored
    assert _run(cmd, ["--case", str(tmp_path / "nocase"), "--show"]) == 2


def test_cli_set_and_status(case, capsys):
    from desktop.commands import incident as cmd

    assert _run(cmd, ["--case", str(case.path), "--set", "reports.progress.number=150/BC-TTCNTT",
                      "--set", "system.level=3", "--set", "reporter.phone=0239 3 856 789"]) == 0
    inc = case.incident()
    assert inc["reports"]["progress"] == {"number": "150/BC-TTCNTT"}
    assert inc["system"]["level"] == 3 and inc["reporter"]["phone"] == "0239 3 856 789"
    assert _run(cmd, ["--case", str(case.path), "--status", "closed", "--at", "2026-11-25 10:00", "--by", "Trần Thị Hoa"]) == 0
    assert case.incident()["status_history"][-1] == {"status": "closed", "at": "2026-11-25T10:00:00+07:00",
                                                     "by": "Trần Thị Hoa"}
    capsys.readouterr()
    assert _run(cmd, ["--case", str(case.path), "--set", "system.level=9"]) == 2
    assert "system.level" in capsys.readouterr().err and case.incident()["system"]["level"] == 3
    assert _run(cmd, ["--case", str(case.path), "--status", "done"]) == 2
    capsys.readouterr()
    assert _run(cmd, ["--example"]) == 0
    assert load_incident_text(capsys.readouterr().out) == load_incident_file(EXAMPLE)
