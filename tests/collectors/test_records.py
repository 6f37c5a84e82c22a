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


@records.record("test_strict", version=1)
@dataclass
class Strict:
    name: str
    note: str | None = records.absent()


def test_a_writer_typo_is_an_error_and_absent_fields_are_not_written():
    with pytest.raises(records.RecordError, match="undeclared field.*nmae"):
        records.from_dict(Strict, {"nmae": "x"})
    env = records.dump(Strict, [Strict("a"), Strict("b", "n")])
    assert env["records"] == [{"name": "a"}, {"name": "b", "note": "n"}]
    back = records.load(env, Strict)
    assert back[0].note is records.ABSENT and not back[0].note and back[1].note == "n"


def test_single_object_artifact_and_row_by_row_reading():
    env = records.dump_one(Strict("solo"))
    assert env == {"schema": "test_strict", "version": 1, "record": {"name": "solo"}}
    assert records.load_one(env, Strict) == Strict("solo")
    assert records.load_one({"name": "bare"}, Strict) == Strict("bare")   # a bare object is version 0
    assert records.row_of(env) == {"name": "solo"} and records.plain(env) == {"name": "solo"}
    got = list(records.iter_load([{"name": "ok"}, "junk", {"note": "no name"}], Strict))
    assert got[0] == (0, Strict("ok"))
    assert isinstance(got[1][1], records.RecordError) and "not an object" in str(got[1][1])
    assert isinstance(got[2][1], records.RecordError) and "lacks required field(s) name" in str(got[2][1])


def test_every_artifact_writes_typed_records():
    """Evidence JSON of the checklist collectors goes through a registered record, never a bare put_json."""
    from pathlib import Path

    import collectors.artifacts as pkg
    from collectors.base import registry

    registry()
    offenders = [p.name for p in Path(pkg.__path__[0]).glob("*.py") if "ctx.put_json(" in p.read_text()]
    assert offenders == []
    schemas = records.registered()
    for name in ("processes", "listening_ports", "connections", "services", "packages", "users", "groups", "roles",
                 "system", "os_release", "network_config", "disks", "memory", "contact", "symlinks",
                 "windows_run_keys", "windows_services", "windows_uninstall", "windows_scheduled_tasks"):
        assert name in schemas, name


def test_every_collector_lives_in_the_module_named_after_it():
    """ARCHITECTURE.md's one step from a checklist id: checklist.yaml names the collector, and the
    collector is collectors/artifacts/<name>.py."""
    from collectors.base import registry

    assert {name: type(c).__module__ for name, c in registry().items()
            if type(c).__module__ != f"collectors.artifacts.{name}"} == {}
