"""Verifying a case that cannot be written (a write-protected drive) and still holds an item an
interruption left being stored: the item is named in a note, nothing is reconciled, the case is not
changed, and verify does not fail on it."""
from __future__ import annotations

import json
import sqlite3

from collectors.case import Case
from collectors.verify import verify_case


def test_verify_names_pending_items_of_a_read_only_case(tmp_path, monkeypatch):
    Case.create(tmp_path / "case", examiner="t").close()
    db = sqlite3.connect(tmp_path / "case" / "case.sqlite")
    for i, name in enumerate(["auth.log", "syslog", "a", "b", "c", "d"]):
        db.execute("INSERT INTO store_pending VALUES (?, ?, 3, ?, NULL, 'collect', '2026-01-01T00:00:00Z')",
                   (f"{i}.part", f"{i:064x}", json.dumps({"name": name})))
    db.commit()
    db.close()
    before = (tmp_path / "case" / "case.sqlite").read_bytes()
    monkeypatch.setattr(Case, "read_only", property(lambda self: True))  # as on a write-protected drive
    result = verify_case(tmp_path / "case", log=False)
    note = next(n for n in result.notes if "were being stored" in n)
    assert note.startswith("6 item(s) were being stored when UngCuu was interrupted (auth.log, syslog, a, b, c)")
    assert (tmp_path / "case" / "case.sqlite").read_bytes() == before
