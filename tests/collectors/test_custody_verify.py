"""Custody chain and `ungcuu verify` on a case folder: every kind of tampering is named."""
from __future__ import annotations

import json
import os
import sqlite3

import pytest

from collectors.case import Case
from collectors.custody import GENESIS, entry_hash, verify_chain
from desktop.cli import main


@pytest.fixture
def filled(tmp_path):
    c = Case.create(tmp_path / "case", examiner="tester", affected_root="")
    log = tmp_path / "auth.log"
    log.write_bytes(b"line one\nline two\n")
    recs = [
        c.add_file(log, checklist_id="B10", collector="test", source="/var/log/auth.log"),
        c.add_json({"hostname": "web01"}, checklist_id="B2", name="system.json", source="api", collector="test"),
    ]
    c.set_incident({"contact": {"name": "Nguyễn Văn A"}})
    c.close()
    return tmp_path / "case", recs


def _sql(case_dir, sql, *args):
    con = sqlite3.connect(case_dir / "case.sqlite")
    con.execute(sql, args)
    con.commit()
    con.close()


def test_chain_links_and_hashes(filled):
    case_dir, _ = filled
    c = Case.open(case_dir, affected_root="")
    entries = c.custody.entries()
    assert entries[0]["prev_hash"] == GENESIS
    assert all(e["hash"] == entry_hash(e) for e in entries)
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:]))
    assert [e["action"] for e in entries] == ["create", "collect", "collect", "incident"]
    assert entries[1]["details"]["sha256"] and entries[1]["tool_version"] and entries[1]["host"]


def test_intact_case_verifies_and_logs_the_verification(filled, capsys):
    case_dir, _ = filled
    assert main(["verify", str(case_dir)]) == 0
    c = Case.open(case_dir, affected_root="")
    assert c.custody.entries()[-1]["action"] == "verify"
    assert main(["verify", str(case_dir)]) == 0  # the verify entry itself verifies


def test_one_byte_of_evidence_changed_is_named(filled, capsys):
    case_dir, recs = filled
    f = case_dir / "evidence" / recs[0].sha256[:2] / recs[0].sha256
    os.chmod(f, 0o644)
    data = bytearray(f.read_bytes())
    data[3] ^= 0x01
    f.write_bytes(bytes(data))
    assert main(["verify", str(case_dir)]) == 1
    out = capsys.readouterr().out
    assert f"evidence {recs[0].id} (auth.log, from /var/log/auth.log): content changed" in out


def test_edited_custody_entry_is_named(filled, capsys):
    case_dir, _ = filled
    _sql(case_dir, "UPDATE custody SET actor = 'mallory' WHERE seq = 2")
    assert main(["verify", "--no-log", str(case_dir)]) == 1
    out = capsys.readouterr().out
    assert "custody log: entry 2 (collect E000001) was modified" in out


def test_deleted_custody_entry_is_named(filled, capsys):
    case_dir, _ = filled
    _sql(case_dir, "DELETE FROM custody WHERE seq = 3")
    assert main(["verify", "--no-log", str(case_dir)]) == 1
    out = capsys.readouterr().out
    assert "entry 4 has sequence number" in out or "entry 3 has sequence number 4" in out
    assert "E000002" in out  # its evidence is no longer backed by the log


def test_edited_index_row_is_named(filled, capsys):
    case_dir, recs = filled
    _sql(case_dir, "UPDATE evidence SET source = '/tmp/innocent.log' WHERE id = ?", recs[0].id)
    assert main(["verify", "--no-log", str(case_dir)]) == 1
    out = capsys.readouterr().out
    assert f"evidence {recs[0].id} (auth.log, from /tmp/innocent.log): index field 'source'" in out


def test_removed_evidence_file_and_planted_file(filled, capsys):
    case_dir, recs = filled
    f = case_dir / "evidence" / recs[1].sha256[:2] / recs[1].sha256
    os.chmod(f.parent, 0o755)
    f.unlink()
    (case_dir / "evidence" / "00").mkdir()
    (case_dir / "evidence" / "00" / "planted").write_bytes(b"x")
    assert main(["verify", "--no-log", str(case_dir)]) == 1
    out = capsys.readouterr().out
    assert f"evidence {recs[1].id} (system.json, from api): file evidence/" in out and "is missing" in out
    assert "unexpected file evidence/00/planted" in out


def test_mirror_edit_and_incident_edit(filled, capsys):
    case_dir, _ = filled
    lines = (case_dir / "custody.jsonl").read_text().splitlines()
    e = json.loads(lines[1])
    e["details"]["source"] = "/elsewhere"
    lines[1] = json.dumps(e)
    (case_dir / "custody.jsonl").write_text("\n".join(lines) + "\n")
    _sql(case_dir, "UPDATE incident SET data = ? WHERE id = 1", json.dumps({"contact": {"name": "X"}}))
    assert main(["verify", "--no-log", str(case_dir)]) == 1
    out = capsys.readouterr().out
    assert "custody log entry 2 differs between case.sqlite and custody.jsonl line 2" in out
    assert "incident record was changed outside UngCuu" in out


def test_unreadable_input_exits_2(tmp_path, capsys):
    (tmp_path / "notacase").mkdir()
    assert main(["verify", str(tmp_path / "notacase")]) == 2
    assert main(["verify", str(tmp_path / "missing")]) == 2
    bad = tmp_path / "garbage"
    bad.mkdir()
    (bad / "case.sqlite").write_bytes(b"this is not sqlite" * 100)
    assert main(["verify", str(bad)]) == 2


def test_verify_chain_on_reordered_entries():
    entries = []
    prev = GENESIS
    for i in range(1, 4):
        e = {"seq": i, "ts": "t", "actor": "a", "action": "collect", "target": f"E{i}", "details": {},
             "tool_version": "0", "host": "h", "prev_hash": prev}
        e["hash"] = entry_hash(e)
        prev = e["hash"]
        entries.append(e)
    assert verify_chain(entries) == []
    swapped = [entries[0], entries[2], entries[1]]
    assert verify_chain(swapped)
