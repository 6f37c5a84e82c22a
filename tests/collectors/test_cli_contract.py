"""The command-line contract around bad input: refused before the case is touched, and an
`add` that added nothing does not exit 0."""
from __future__ import annotations

import json

from desktop.cli import main


def test_a_mistyped_root_is_refused_before_the_case_is_created(tmp_path, capsys):
    case = tmp_path / "case"
    assert main(["collect", "--case", str(case), "--root", str(tmp_path / "mnt" / "typo"), "--only", "B2"]) == 2
    err = capsys.readouterr().err
    assert "--root" in err and "không có thư mục hoặc tệp ảnh đĩa này" in err  # Vietnamese by default
    assert not case.exists()


def test_add_of_nothing_is_not_a_success(tmp_path, capsys):
    case = str(tmp_path / "case")
    assert main(["add", "--case", case, str(tmp_path / "missing.log")]) == 1
    capsys.readouterr()
    assert main(["status", "--case", case, "--json"]) == 0
    b5 = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}["B5"]
    assert b5["state"] == "skipped" and "missing.log: no such file or folder" in b5["reason"]
    real = tmp_path / "real.log"
    real.write_text("x\n")
    assert main(["add", "--case", case, str(real)]) == 0
    assert main(["add", "--case", case, str(real)]) == 0  # again: already stored, still a success


def test_adding_again_does_not_copy_a_capped_file_twice(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(b"B" * 5000)
    (src / "small.txt").write_text("nhỏ")
    case = str(tmp_path / "case")
    for _ in range(3):
        assert main(["add", "--case", case, "--max-file-bytes", "1000", str(src)]) == 0
    capsys.readouterr()
    assert main(["evidence", "--case", case, "--json"]) == 0
    names = sorted(e["name"] for e in json.loads(capsys.readouterr().out))
    assert names == ["big.bin", "small.txt"]
    assert main(["status", "--case", case, "--json"]) == 0
    b5 = {i["id"]: i for i in json.loads(capsys.readouterr().out)["items"]}["B5"]
    assert b5["state"] == "partial" and "size cap of 1000 bytes" in b5["reason"]  # still said on every run
