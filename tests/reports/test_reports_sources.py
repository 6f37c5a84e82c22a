"""reports/ reads analysis/ directly: a real failure of the analysis fails the report; what a real case
may meet (a timeline that cannot be built) is a note in the document."""
from __future__ import annotations

import pytest

from collectors.errors import DestinationFull
from reports import sources


def test_a_bug_in_the_findings_is_not_hidden(case, monkeypatch):
    def broken(*a, **kw):
        raise KeyError("a bug")

    monkeypatch.setattr(sources._findings, "run", broken)
    with pytest.raises(KeyError, match="a bug"):
        sources.findings(case)


def test_a_timeline_that_cannot_be_built_is_a_note(case, monkeypatch):
    def full(*a, **kw):
        raise DestinationFull("the disk holding the case is full")

    monkeypatch.setattr(sources.tl, "ensure", full)
    rows, note = sources.key_events(case)
    assert rows == [] and note == "Không dựng được dòng thời gian: timeline could not be built: the disk holding the case is full"


def test_findings_of_a_case_come_with_their_evidence(case):
    rows, note = sources.findings(case, lang="en")
    assert rows, note
    assert all(r["evidence"].startswith("E") for r in rows if r["evidence"])
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
