"""Damaged and hostile log input: a corrupt gzip keeps what was read and counts the damage;
the access-log expression stays linear however long one line is."""
from __future__ import annotations

import gzip
import io
import tracemalloc

from analysis_helpers import add_text

from analysis import timeline
from analysis.events import ParseReport
from analysis.parsers import _text, access_log


def _auth_lines(logs, n: int) -> bytes:
    sample = (logs / "elastic-beats/system_auth_test.log").read_bytes().splitlines()
    return b"".join(sample[i % len(sample)] + b" #%d\n" % i for i in range(n))


def test_a_corrupt_gzip_log_keeps_what_was_read_and_counts_the_damage(new_case, tmp_path, logs):
    data = _auth_lines(logs, 30_000)
    gz = bytearray(gzip.compress(data))
    mid = len(gz) // 2
    gz[mid:mid + 16] = b"\xff" * 16
    c = new_case()
    add_text(c, tmp_path, "/var/log/auth.log.2.gz", bytes(gz), mtime=1625097600)
    timeline.build(c)
    rep = [r for r in timeline.parse_reports(c) if r["parser"] == "syslog"][0]
    assert not rep["fatal"]  # not a "parser failure": the lines before the damage are in the timeline
    assert 10_000 < rep["events"] < 30_000
    # Deflate may decode damaged bits into wrong text until a structural error or the CRC at the end:
    # either way the damage is counted once, at the line where reading stopped.
    damage = [p for p in rep["problems"] if p[1].startswith("corrupt compressed data")]
    assert len(damage) == 1 and 10_000 < int(damage[0][0].split()[1]) <= 30_001


def test_every_byte_before_the_damage_is_read():
    data = b"".join(b"line %06d\n" % i for i in range(50_000))
    gz = bytearray(gzip.compress(data))
    for at in (len(gz) // 3, len(gz) - 6):  # inside the data; in the trailer (CRC/length)
        g = bytearray(gz)
        g[at:at + 4] = b"\xff\xff\xff\xff"
        report = ParseReport()
        got = b"".join(line.encode() + b"\n" for _, line in _text.iter_lines(io.BufferedReader(io.BytesIO(bytes(g))),
                                                                             report))
        kept = len(data) // 4 if at < len(gz) // 2 else len(data) - 100
        assert got[:kept] == data[:kept]  # everything before the damaged spot, exactly
        assert report.skipped == 1 and report.problems[0][1].startswith("corrupt compressed data")
    # A truncated stream, and two members joined (rotated logs concatenated) with zero padding.
    report = ParseReport()
    assert len(list(_text.iter_lines(io.BufferedReader(io.BytesIO(bytes(gz[:len(gz) // 2]))), report))) > 1000
    assert "truncated compressed data" in report.problems[0][1]
    report = ParseReport()
    two = io.BufferedReader(io.BytesIO(bytes(gz) + bytes(gz) + b"\0" * 64))
    assert len(list(_text.iter_lines(two, report))) == 100_000 and report.skipped == 0


def test_one_huge_access_log_line_is_parsed_in_bounded_memory():
    line = ('203.0.113.9 - - [10/Oct/2023:13:55:36 +0700] "GET /' + "A" * (1 << 20) + ' HTTP/1.1" 200 2326 "-" "'
            + "b\\\"" * 1000 + '"')
    report = ParseReport()
    tracemalloc.start()
    try:
        events = list(access_log.parse([(1, line), (2, "x" * (1 << 20))], report))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(events) == 1 and events[0].fields["status"] == 200 and report.skipped == 1
    assert events[0].fields["user_agent"] == "b\\\"" * 1000
    # The old expression pushed one backtracking frame per character: ~150 MB traced for this line.
    assert peak < 40 << 20, peak
