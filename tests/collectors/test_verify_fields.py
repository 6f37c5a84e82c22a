"""`verify` protects every field of the evidence index and says what it can and cannot prove."""
from __future__ import annotations

import json
import sqlite3

import pytest

from collectors import custody
from collectors.case import INDEX_ROW_FIELDS, Case
from collectors.verify import head, verify_case
from desktop.cli import main


@pytest.fixture
def case_dir(tmp_path):
    c = Case.create(tmp_path / "case", examiner="tester", affected_root="")
    src = tmp_path / "auth.log"
    src.write_bytes(b"Nov 24 10:00:00 host sshd[1]: Accepted password for root\n")
    c.add_file(src, checklist_id="B10", collector="log_files", source="/var/log/auth.log",
               incomplete=["size cap of 10 bytes reached: only the first 10 bytes were copied"],
               media_type="text/plain", run_id="R-1234567890")
    c.close()
    return tmp_path / "case"


def _edited(col: str, value):
    if col in ("orig_meta", "privileges"):
        d = json.loads(value)
        d["edited"] = True
        return json.dumps(d)
    if col == "incomplete":
        return "[]"  # the note that only part of the file was copied, removed
    if col == "size":
        return value + 1
    if col == "collected_at":
        return "2020-01-01T00:00:00.000000Z"
    if col == "tz_offset":
        return "+08:00" if value == "+07:00" else "+07:00"
    return (value or "") + "x"


@pytest.mark.parametrize("col", [c for c in INDEX_ROW_FIELDS if c != "id"])
def test_an_sqlite3_edit_of_any_index_column_is_named(case_dir, col):
    con = sqlite3.connect(case_dir / "case.sqlite")
    value = con.execute(f"SELECT {col} FROM evidence WHERE id = 'E000001'").fetchone()[0]
    con.execute(f"UPDATE evidence SET {col} = ? WHERE id = 'E000001'", (_edited(col, value),))
    con.commit()
    con.close()
    res = verify_case(case_dir, log=False)
    assert not res.ok
    assert any(f"'{col}'" in p for p in res.problems), res.problems


def test_an_edit_to_the_id_is_caught(case_dir):
    con = sqlite3.connect(case_dir / "case.sqlite")
    con.execute("UPDATE evidence SET id = 'E000009' WHERE id = 'E000001'")
    con.commit()
    con.close()
    assert not verify_case(case_dir, log=False).ok


def _rewrite_chain(case_dir, edit):
    """Rewrite every custody entry's details with `edit(entry, con)` and rebuild the chain and the mirror,
    as a forger (or an older UngCuu) would have written them."""
    con = sqlite3.connect(case_dir / "case.sqlite")
    con.row_factory = sqlite3.Row
    entries = [dict(r) for r in con.execute("SELECT * FROM custody ORDER BY seq")]
    prev = custody.GENESIS
    for e in entries:
        e["details"] = json.loads(e["details"])
        edit(e, con)
        e["prev_hash"] = prev
        e["hash"] = custody.entry_hash(e)
        prev = e["hash"]
        con.execute("UPDATE custody SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    (json.dumps(e["details"], ensure_ascii=False, sort_keys=True), e["prev_hash"], e["hash"], e["seq"]))
    con.commit()
    con.close()
    (case_dir / "custody.jsonl").write_text("".join(custody.mirror_line(e) for e in entries), encoding="utf-8")


def _strip_row_hashes(case_dir):
    """Turn the case into one written by an older UngCuu: custody entries without row digests."""
    def edit(e, con):
        e["details"].pop("row_sha256", None)
        e["details"].pop("field_sha256", None)
    _rewrite_chain(case_dir, edit)


def test_an_old_case_without_row_hashes_still_verifies_with_a_clear_note(case_dir, capsys):
    _strip_row_hashes(case_dir)
    res = verify_case(case_dir, log=False)
    assert res.ok, res.problems
    assert any("older UngCuu without a hash of the whole index row" in n for n in res.notes)
    capsys.readouterr()
    assert main(["--lang", "en", "verify", "--no-log", str(case_dir)]) == 0
    assert "older UngCuu" in capsys.readouterr().err
    # The six fields it logged are still compared.
    con = sqlite3.connect(case_dir / "case.sqlite")
    con.execute("UPDATE evidence SET source = '/tmp/x' WHERE id = 'E000001'")
    con.commit()
    con.close()
    assert any("'source'" in p for p in verify_case(case_dir, log=False).problems)


def test_without_an_anchor_verify_says_self_consistent_and_prints_the_head(case_dir, capsys):
    c = Case.open(case_dir, affected_root="")
    noted = head(c)
    c.close()
    assert noted and noted.split(":")[0].isdigit() and len(noted.split(":")[1]) == 64
    capsys.readouterr()
    assert main(["--lang", "en", "verify", "--no-log", str(case_dir)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("self-consistent, no anchor given:") and noted in err and "intact" not in err
    assert main(["--lang", "en", "verify", "--no-log", "--head", noted, str(case_dir)]) == 0
    assert capsys.readouterr().err.startswith("intact:")
    res = verify_case(case_dir, log=True)
    c = Case.open(case_dir, affected_root="")
    assert c.custody.entries()[-1]["details"]["result"] == "self-consistent, no anchor given"
    assert head(c) == res.head
    c.close()


def test_a_whole_chain_rewrite_is_self_consistent_but_caught_by_the_noted_head(case_dir, capsys):
    c = Case.open(case_dir, affected_root="")
    noted = head(c)
    c.close()
    con = sqlite3.connect(case_dir / "case.sqlite")
    con.execute("UPDATE evidence SET name = 'innocent.log' WHERE id = 'E000001'")
    con.commit()
    con.close()
    # The forger rewrites the custody entry and every hash after it, in both copies.
    from collectors.case import index_row_digest

    def edit(e, con):
        if e["target"] == "E000001":
            row = con.execute("SELECT * FROM evidence WHERE id = 'E000001'").fetchone()
            e["details"]["name"] = "innocent.log"
            e["details"]["row_sha256"], e["details"]["field_sha256"] = index_row_digest(row)
    _rewrite_chain(case_dir, edit)
    res = verify_case(case_dir, log=False)
    assert res.ok and not res.anchored and res.summary().startswith("self-consistent, no anchor given")
    res = verify_case(case_dir, log=False, head=noted)
    assert not res.ok and any("noted earlier is not in the log" in p for p in res.problems)
