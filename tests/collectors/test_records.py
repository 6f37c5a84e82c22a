"""The typed-record envelope: round trip, old layouts, unknown keys kept, errors named."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from collectors import records
from collectors.case import Case


@records.record("test_widget", version=2)
@dataclass
class Widget:
    name: str
    size: int = 0
    tags: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @staticmethod
    def upgrade(d: dict, from_version: int) -> dict:
        if from_version < 2 and "length" in d:
            d["size"] = d.pop("length")
        return d


def test_round_trip_through_the_case(tmp_path):
    case = Case.create(tmp_path / "c", examiner="t")
    from collectors.base import Context
    ctx = Context(case, run_id=None, checklist_id="B2")
    rec = ctx.put_records("widgets.json", Widget, [Widget("a", 3, ["x"]), Widget("b")], source="test")
    data = json.loads(case.evidence_path(rec).read_bytes())
    assert data["schema"] == "test_widget" and data["version"] == 2
    back = records.read(case, rec, Widget)
    assert back == [Widget("a", 3, ["x"]), Widget("b")]


def test_bare_list_is_version_zero_and_upgraded():
    rows = records.load([{"name": "a", "length": 7, "colour": "red"}], Widget)
    assert rows[0].size == 7
    assert rows[0].extra == {"colour": "red"}       # unknown keys are kept, not dropped
    assert records.to_dict(rows[0])["colour"] == "red"


def test_newer_version_reads_what_it_knows():
    rows = records.load({"schema": "test_widget", "version": 9, "records": [{"name": "n", "future": 1}]}, Widget)
    assert rows[0].name == "n" and rows[0].extra == {"future": 1}


def test_wrong_schema_and_missing_field_are_named():
    with pytest.raises(records.RecordError, match="'other'"):
        records.load({"schema": "other", "version": 1, "records": []}, Widget)
    with pytest.raises(records.RecordError, match="name"):
        records.load([{"size": 1}], Widget)
    with pytest.raises(TypeError):
        records.dump(Widget, [{"name": "a"}])


def test_schema_registered_once():
    with pytest.raises(ValueError, match="twice"):
        @records.record("test_widget")
        @dataclass
        class Other:
            x: int = 0
