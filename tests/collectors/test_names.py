"""Names that are not UTF-8 (bad input): two files whose names print the same are both
collected, on the first run and when the run is repeated, and the exact bytes of the name are kept."""
from __future__ import annotations

import json
import os

from desktop.cli import main


def test_a_latin1_name_and_its_printed_twin_are_both_collected_and_resumed(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    raw = os.path.join(os.fsencode(src), b"auth\xff.log")
    twin = os.path.join(os.fsencode(src), b"auth\\xff.log")  # prints exactly as the other one does
    with open(raw, "wb") as fh:
        fh.write(b"the real log under a latin-1 name\n")
    with open(twin, "wb") as fh:
        fh.write(b"a decoy with the same size, time!\n")
    for p in (raw, twin):
        os.utime(p, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
    case = str(tmp_path / "case")
    for _ in range(2):  # the second run resumes: nothing new is copied, nothing is lost
        assert main(["add", "--case", case, str(src)]) == 0
    capsys.readouterr()
    assert main(["evidence", "--case", case, "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert len(ev) == 2
    assert {e["name"] for e in ev} == {"auth\\xff.log"}
    assert len({e["sha256"] for e in ev}) == 2
    hexes = sorted(e["orig_meta"].get("name_bytes_hex", "") for e in ev)
    assert hexes == ["", b"auth\xff.log".hex()]
    assert main(["verify", "--no-log", case]) == 0
