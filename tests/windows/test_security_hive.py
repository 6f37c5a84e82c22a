"""The SECURITY hive: no sample is in ../shared/data, so the full offline root carries one written with
tests/windows/regf.py (audit policy in the Vista and later PolAdtEv layout, domain and machine SIDs, two
cached logon slots, four LSA secrets whose contents must never be read). Also the decoders on their
documented layouts, and the honest outcome without the hive."""
from __future__ import annotations

import json
import struct

import pytest

from analysis import findings, timeline
from collectors.artifacts import windows_security as ws
from tests.windows import winroot
from tests.windows.conftest import records_of


def test_security_policy_from_the_hive_copy(win_case):
    case, _ = win_case
    rows = records_of(case, "windows_security.json")
    assert len(rows) == 1
    row = rows[0]
    assert row["machine_sid"] == winroot.MSID and row["machine_name"] == "SRV-HATINH01"
    assert row["primary_domain"] == "HATINH" and row["primary_domain_sid"] == winroot.DOMAIN_SID
    assert row["dns_domain"] == "hatinh.gov.vn"
    assert row["audit_policy_changed"] == "2024-03-04T22:10:00.000000Z"
    assert len(row["audit_policy"]) == 59
    audited = {(r["category"], r["subcategory"]): r["setting"] for r in row["audit_policy"] if r["setting"] != "No Auditing"}
    assert audited == {
        ("System", "Security State Change"): "Success", ("Logon/Logoff", "Logon"): "Success and Failure",
        ("Logon/Logoff", "Logoff"): "Success", ("Logon/Logoff", "Special Logon"): "Success",
        ("Privilege Use", "Sensitive Privilege Use"): "Failure", ("Policy Change", "Audit Policy Change"): "Success",
        ("Account Management", "User Account Management"): "Success",
        ("Account Management", "Security Group Management"): "Success",
        ("Account Logon", "Credential Validation"): "Success and Failure"}
    assert row["not_audited"] == ["process creations (4688)"]
    assert row["cached_logons_count"] == 10
    assert row["cached_logons"] == [{"slot": "NL$1", "in_use": True, "rid": 1105, "written": "2024-03-04T21:50:00.000000Z"},
                                    {"slot": "NL$2", "in_use": False, "rid": None, "written": None}]
    assert row["secret_names"] == ["DPAPI_SYSTEM", "DefaultPassword", "NL$KM", "_SC_backupsvc"]
    text = json.dumps(case.read_json(case.latest("windows_security.json")))
    assert winroot.SECRET.decode() not in text and "aaaa" not in text  # no secret value, no cached credential bytes


def test_security_timeline_event_and_findings(win_case):
    case, _ = win_case
    timeline.build(case)
    msgs = {e["message"]: e for e in timeline.events(case) if e["parser"] == "windows_registry"}
    e = msgs["Audit policy last changed (Policy\\PolAdtEv); not audited: process creations (4688)"]
    assert e["ts"] == 1709590200000000 and e["timestamp_desc"] == "Key Last Write Time"
    got = {f.rule: (f.severity, f.summary_en, f.summary_vi) for f in findings.run(case, build=False)
           if f.rule in ("ungcuu.windows.audit_gap", "ungcuu.windows.autologon_secret")}
    assert got == {
        "ungcuu.windows.audit_gap": ("low", "Not audited: process creations (4688)",
                                     "Không được kiểm toán: tạo tiến trình (4688)"),
        "ungcuu.windows.autologon_secret": ("medium", "LSA secret DefaultPassword present (name only)",
                                            "Có LSA secret DefaultPassword (chỉ đọc tên)")}


def test_poladtev_of_an_older_windows_has_fewer_subcategories():
    """Windows 7 / Server 2008 R2: 9 categories, the footer gives 4+9+11+3+4+6+6+4+4 subcategories."""
    counts = [4, 9, 11, 3, 4, 6, 6, 4, 4]
    values = [0] * sum(counts)
    values[4] = 3   # Logon/Logoff, first subcategory: Logon
    values[4 + 9 + 11 + 3] = 1  # Detailed Tracking, first: Process Creation
    footer = 12 + 2 * len(values)
    blob = struct.pack("<6H", 1, 0, 9, 0, footer, 0) + struct.pack(f"<{len(values)}H", *values) + struct.pack("<9H", *counts)
    rows = ws.decode_poladtev(blob)
    assert len(rows) == 51
    on = [(r["category"], r["subcategory"], r["setting"]) for r in rows if r["setting"] != "No Auditing"]
    assert on == [("Logon/Logoff", "Logon", "Success and Failure"), ("Detailed Tracking", "Process Creation", "Success")]


@pytest.mark.parametrize("blob,error", [
    (b"\x01\x00", "too short (2 bytes)"),
    (struct.pack("<6H", 1, 0, 9, 0, 400, 0) + b"\0" * 20, "not the Vista and later layout (9 categories, footer at 400, 32 bytes)"),
    (struct.pack("<6H", 1, 0, 1, 0, 14, 0) + b"\0\0" + struct.pack("<H", 50), "50 subcategories do not fit before the footer at 14"),
])
def test_poladtev_that_is_not_the_known_layout_says_why(blob, error):
    with pytest.raises(ValueError) as exc:
        ws.decode_poladtev(blob)
    assert str(exc.value) == error


def test_unicode_string_sid_and_cache_header_decoders():
    assert ws.unicode_string(winroot.unicode_string("HATINH")) == "HATINH"
    assert ws.unicode_string(b"\0\0\0\0\0\0\0\0") is None and ws.unicode_string(b"\x02") is None
    assert ws.sid_of(winroot._bin_sid(winroot.DOMAIN_SID)) == winroot.DOMAIN_SID
    assert ws.sid_of(b"") is None and ws.sid_of(0) is None  # a workgroup machine: no primary domain SID
    assert ws.cache_entry("NL$3", b"\x05\x00" + b"\0" * 10) == {"slot": "NL$3", "in_use": False, "rid": None,
                                                               "written": None}


def test_without_a_security_hive_the_collector_says_so(tmp_path):
    from collectors.base import Context
    from collectors.case import Case

    root = tmp_path / "root"
    winroot.place(root, "Windows/System32/config/SYSTEM",
                  winroot.build_hive(winroot.SYSTEM, r"\??\C:\Windows\System32\Config\SYSTEM"))
    with Case.create(tmp_path / "case", examiner="t") as case:
        ctx = Context(case, run_id=None, checklist_id="B4", root=root, collector_name="windows_security")
        assert ws.WindowsSecurity().check(ctx) == "no Windows/System32/config/SECURITY in this offline root"
        live = Context(case, run_id=None, checklist_id="B4", collector_name="windows_security")
        assert ws.WindowsSecurity().check(live) == ("the SECURITY hive is readable only by SYSTEM on a running Windows "
                                                    "(collect it from an image)")
