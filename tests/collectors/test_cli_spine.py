"""The spine's command-line contract: collect/status/evidence/incident/verify names and exit codes."""
from __future__ import annotations

import json
from pathlib import Path

from desktop.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "incident_example.yaml"


def test_b1_is_retried_once_the_incident_record_has_a_contact(tmp_path, capsys):
    case = str(tmp_path / "case")
    assert main(["collect", "--case", case, "--only", "B1"]) == 0
    capsys.readouterr()
    assert main(["status", "--case", case, "--json"]) == 0
    items = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    assert items["B1"]["state"] == "skipped" and "ungcuu incident" in items["B1"]["reason"]
    assert items["B5"]["state"] == "pending"

    assert main(["incident", "--case", case, "--file", str(EXAMPLE)]) == 0
    assert main(["collect", "--case", case, "--only", "B1"]) == 0
    capsys.readouterr()
    assert main(["evidence", "--case", case, "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    contact = [e for e in ev if e["name"] == "contact.json"]
    assert len(contact) == 1 and contact[0]["checklist_id"] == "B1"
    assert set(contact[0]) >= {"id", "checklist_id", "source", "size", "sha256", "collected_at"}
    assert main(["status", "--case", case, "--json"]) == 0
    items = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}
    assert items["B1"]["state"] == "collected" and items["B1"]["evidence_count"] == 1
    assert main(["verify", case]) == 0


def test_unknown_item_is_refused_before_the_case_is_touched(tmp_path, capsys):
    assert main(["collect", "--case", str(tmp_path / "c"), "--only", "B2,B42"]) == 2
    assert "unknown checklist item(s): B42" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_status_of_a_missing_case_is_a_clear_error(tmp_path, capsys):
    assert main(["status", "--case", str(tmp_path / "nope")]) == 2
    assert "không có thư mục hồ sơ tại" in capsys.readouterr().err
    assert main(["status", "--case", str(tmp_path / "nope"), "--lang", "en"]) == 2
    assert "no case folder at" in capsys.readouterr().err


def test_warning_about_the_affected_disk_speaks_the_chosen_language(tmp_path, capsys):
    # tmp_path is on this machine's root file system, like a case folder put on the affected disk
    assert main(["collect", "--case", str(tmp_path / "c"), "--only", "B1"]) == 0
    assert "cảnh báo: thư mục hồ sơ" in capsys.readouterr().err
    assert main(["collect", "--case", str(tmp_path / "c2"), "--only", "B1", "--lang", "en"]) == 0
    assert "warning: the case folder" in capsys.readouterr().err


def test_english_on_request(tmp_path, capsys):
    case = str(tmp_path / "case")
    main(["collect", "--case", case, "--only", "B1"])
    capsys.readouterr()
    main(["status", "--case", case, "--lang", "en"])
    out = capsys.readouterr().out
    assert "Contact point" in out and "skipped" in out
    main(["status", "--case", case])
    out = capsys.readouterr().out
    assert "Thông tin về đầu mối liên hệ" in out and "bỏ qua" in out


def test_add_is_symlink_safe_and_reports_the_size_cap(tmp_path, capsys):
    src = tmp_path / "evidence"
    (src / "sub").mkdir(parents=True)
    (src / "small.txt").write_text("nhỏ")
    (src / "big.bin").write_bytes(b"B" * 5000)
    (src / "sub" / "loop").symlink_to(src)           # a loop: never followed
    (src / "outside").symlink_to("/etc/passwd")      # a link out of the folder: recorded, not copied
    case = str(tmp_path / "case")
    assert main(["add", "--case", case, "--max-file-bytes", "1000", str(src)]) == 0
    capsys.readouterr()
    assert main(["evidence", "--case", case, "--json"]) == 0
    ev = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(ev) == {"small.txt", "big.bin", "symlinks.json"}
    assert ev["big.bin"]["size"] == 1000 and "size cap of 1000 bytes" in ev["big.bin"]["incomplete"][0]
    assert all(e["checklist_id"] == "B5" for e in ev.values())
    assert main(["status", "--case", case, "--json"]) == 0
    b5 = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}["B5"]
    assert b5["state"] == "partial" and "not followed" in b5["reason"] and "size cap" in b5["reason"]


def test_no_display_says_how_to_collect_headless(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert main([]) == 2  # `ungcuu` alone opens the app
    err = capsys.readouterr().err
    assert "không tìm thấy màn hình" in err and "ungcuu collect --case" in err
    assert main(["gui", "--lang", "en"]) == 2
    assert "no display found" in capsys.readouterr().err
