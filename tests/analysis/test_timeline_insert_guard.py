"""One bad time never sinks the timeline: times and offsets are range-checked in one place
before insert, the bad ones are counted as skipped with their locators, and one evidence item's failure
never stops the others."""
from __future__ import annotations

import pytest
from analysis_helpers import add_text

from analysis import timeline
from collectors.errors import UnreadableInput

GOOD_US = 1_600_000_000_000_000


@pytest.fixture
def bad_times(new_case, tmp_path):
    c = new_case()
    add_text(c, tmp_path, "/root/.local/share/fish/fish_history",
             "- cmd: ls\n  when: 99999999999999999\n- cmd: id\n  when: 1600000000\n")
    add_text(c, tmp_path, "/var/log/journal.export",
             "__REALTIME_TIMESTAMP=99999999999999999999\nMESSAGE=x\n\n"
             "__REALTIME_TIMESTAMP=1600000000000000\nMESSAGE=y\n\n")
    add_text(c, tmp_path, "/evidence/x.bodyfile",
             "0|/etc/passwd|1|-rw-r--r--|0|0|10|99999999999999|1600000000|1600000000|0\n"
             "0|/etc/b|1|-rw-r--r--|0|0|10|1600000000|1600000000|1600000000|0\n")
    add_text(c, tmp_path, "/var/log/syslog",
             "<34>1 2003-10-11T22:14:15.003+40:01 mymachine su - ID47 - bad offset\n"
             "<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - good\n")
    return c


def test_out_of_range_times_and_offsets_are_skipped_with_their_locators(bad_times):
    summary = timeline.build(bad_times)
    reports = {(r["source"], r["parser"]): r for r in timeline.parse_reports(bad_times)}
    fish = reports[("/root/.local/share/fish/fish_history", "shell_history")]
    assert (fish["events"], fish["skipped"]) == (1, 1) and fish["problems"][0][0] == "line 1"
    assert "time out of range" in fish["problems"][0][1]
    journal = reports[("/var/log/journal.export", "journal")]
    assert (journal["events"], journal["skipped"]) == (1, 1) and journal["problems"][0][0] == "entry 1"
    body = reports[("/evidence/x.bodyfile", "bodyfile")]
    assert body["skipped"] == 1 and body["problems"][0][0].startswith("line 1")
    sys_rep = reports[("/var/log/syslog", "syslog")]
    assert (sys_rep["events"], sys_rep["skipped"]) == (1, 1)
    assert sys_rep["problems"] == [["line 1", "UTC offset out of range (144060 s: beyond ±18:00)"]]
    assert summary.skipped >= 4
    # Every stored event reads back (a +40:01 offset used to break every later read).
    rows = list(timeline.events(bad_times, timeline.Filter()))
    assert len(rows) == summary.events == timeline.count(bad_times)
    assert all(r["datetime"] for r in rows)
    assert any(r["message"].endswith("good") for r in rows)


def test_time_problem_is_the_one_check():
    assert timeline.time_problem(GOOD_US, 7 * 3600) is None
    assert "out of range" in timeline.time_problem(2 ** 70, 0)
    assert "offset out of range" in timeline.time_problem(GOOD_US, 40 * 3600 + 60)
    assert "not a time" in timeline.time_problem(None, 0)


def test_one_items_failure_never_stops_the_others(bad_times, monkeypatch):
    from analysis.parsers import bodyfile

    def refuses(lines, report, **kw):
        yield from ()
        raise UnreadableInput("a parser that gives up with one of our own errors")

    monkeypatch.setattr(bodyfile, "parse", refuses)
    timeline.build(bad_times)
    reports = {(r["source"], r["parser"]): r for r in timeline.parse_reports(bad_times)}
    assert "gives up" in reports[("/evidence/x.bodyfile", "bodyfile")]["fatal"]
    assert reports[("/var/log/syslog", "syslog")]["events"] == 1


def test_a_row_sqlite_refuses_is_skipped_and_the_rest_of_its_batch_kept(new_case, tmp_path, monkeypatch):
    from analysis import sources
    from analysis.events import Event

    c = new_case()
    add_text(c, tmp_path, "/var/log/syslog", "<34>1 2003-10-11T22:14:15.003Z m su - ID47 - good\n")
    real = sources.run_spec

    def with_a_bad_row(spec, report):
        yield Event(GOOD_US, "Event Recorded", "x", "x", "first", locator="line 1")
        yield Event(GOOD_US, "Event Recorded", "x", "x", {"not": "text"}, locator="line 2")  # not storable
        yield Event(GOOD_US, "Event Recorded", "x", "x", "third", locator="line 3")
        yield from real(spec, report)

    monkeypatch.setattr(sources, "run_spec", with_a_bad_row)
    timeline.build(c)
    msgs = {r["message"] for r in timeline.events(c, timeline.Filter()) if r["source"] == "x"}
    assert msgs == {"first", "third"}
    refused = [p for r in timeline.parse_reports(c) for p in r["problems"] if p[1].startswith("not storable")]
    assert refused and {p[0] for p in refused} == {"line 2"}
