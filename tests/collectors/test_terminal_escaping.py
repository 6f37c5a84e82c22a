"""Strings from the examined system never reach the terminal raw: a crafted file name must not
clear the screen and print a fake "intact" in verify, evidence, status or the collect table; --json
keeps them exact."""
from __future__ import annotations

import json
import sqlite3

from collectors import base
from collectors.base import Collector
from collectors.case import Case
from desktop.cli import main

EVIL = "/tmp/\x1b[2J\x1b[H\rintact: 0 problems\x07\x9b31m"

_CHECKLIST = """\
version: 1
profiles:
  triage: [B10]
items:
  - {id: B10, label_vi: Log, label_en: Logs, volatility: 5, os: [linux, windows], needs_admin: false,
     changes_system: false, collectors: [evil]}
"""


class Evil(Collector):
    name = "evil"

    def collect(self, ctx):
        yield ctx.put_json("x\x1b]0;owned\x07.json", {"a": 1}, source=EVIL)
        yield ctx.incomplete(f"{EVIL}: permission denied")


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0]


def test_collect_evidence_status_and_verify_escape_what_the_system_wrote(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(base, "_REGISTRY", dict(base.registry(), evil=Evil()))
    cl = tmp_path / "checklist.yaml"
    cl.write_text(_CHECKLIST, encoding="utf-8")
    case_dir = tmp_path / "case"
    capsys.readouterr()
    main(["--lang", "en", "collect", "--case", str(case_dir), "--checklist", str(cl), "--only", "B10"])
    out, err = capsys.readouterr()
    assert "\\x1b[2J" in out and not _raw_controls(out + err), (out, err)

    assert main(["--lang", "en", "evidence", "--case", str(case_dir)]) == 0
    out, err = capsys.readouterr()
    assert "\\x1b[2J" in out and not _raw_controls(out + err)
    assert main(["--lang", "en", "evidence", "--case", str(case_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["source"] == EVIL  # exact in JSON

    assert main(["--lang", "en", "status", "--case", str(case_dir)]) == 0
    out, err = capsys.readouterr()
    assert "\\x1b[2J" in out and not _raw_controls(out + err)
    assert main(["--lang", "en", "status", "--case", str(case_dir), "--json"]) == 0
    items = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    assert EVIL in items["B10"]["reason"]

    con = sqlite3.connect(case_dir / "case.sqlite")
    con.execute("UPDATE evidence SET size = size + 1")
    con.commit()
    con.close()
    assert main(["--lang", "en", "verify", "--no-log", str(case_dir)]) == 1
    out, err = capsys.readouterr()
    assert "\\x1b[2J" in out and not _raw_controls(out + err), out
    Case.open(case_dir, affected_root="").close()

