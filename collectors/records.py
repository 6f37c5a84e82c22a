"""Typed records: the schema between a collector and everything that reads its evidence.

Each artifact module declares the record it writes at its top, as a dataclass registered here:

    @records.record("processes", version=2)
    @dataclass
    class Process:
        pid: int
        name: str | None = None
        ...

The collector writes a list of them with ``ctx.put_records("processes.json", Process, rows, source=...)``;
the file is an envelope ``{"schema": "processes", "version": 2, "records": [...]}``. An artifact that is one
object (system.json) is written with ``ctx.put_record(name, obj, source=...)`` as
``{"schema": ..., "version": ..., "record": {...}}`` and read with ``records.load_one``. A parser, a detection
rule's field mapping or a report reads it back with ``records.load(data, Process)`` (or
``records.read(case, rec)``), which also accepts what an older version wrote:

- a bare JSON list (the layout before envelopes) is version 0;
- keys the dataclass does not know are kept in ``extra`` (nothing written is ever dropped);
- fields the file lacks take their defaults;
- ``upgrade(d, from_version) -> d`` on the class, when present, renames or converts old keys first.

A collector that builds its rows as dicts turns them into records with ``records.from_dicts(cls, rows)``:
a key the record does not declare is an error there (the writer's typo never reaches evidence), unless
the record has an ``extra`` field.

Only standard types go in a record (str, int, float, bool, None, lists and dicts of them), so the JSON is
readable by anyone with a text editor and the field names are the documented contract.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable, Iterator, TypeVar

T = TypeVar("T")

_REGISTRY: dict[str, type] = {}


class _Absent:
    """The value of a field the writer did not set (see ``absent()``): falsy, never written."""
    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "ABSENT"

    def __copy__(self) -> "_Absent":
        return self

    def __deepcopy__(self, memo: dict) -> "_Absent":
        return self


ABSENT: Any = _Absent()


def absent() -> Any:
    """A field that only some writers fill (``publisher`` of a Windows package): left out of the JSON when
    it was not set, so a dpkg row does not grow a null ``publisher``. Reads back as ``ABSENT`` (falsy)."""
    return dataclasses.field(default=ABSENT)


class RecordError(ValueError):
    """Evidence JSON that does not hold the expected record type."""


def record(schema: str, *, version: int = 1):
    """Class decorator: register a dataclass as the record of ``schema`` at ``version``."""
    def wrap(cls):
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass to be a record")
        if schema in _REGISTRY and _REGISTRY[schema] is not cls:
            raise ValueError(f"record schema {schema!r} registered twice "
                             f"({_REGISTRY[schema].__module__} and {cls.__module__})")
        cls.SCHEMA = schema
        cls.VERSION = version
        _REGISTRY[schema] = cls
        return cls
    return wrap


def registered() -> dict[str, type]:
    """Every record type imported so far, by schema name."""
    return dict(_REGISTRY)


def schema_of(cls) -> str:
    return cls.SCHEMA


def to_dict(rec: Any) -> dict:
    d = {k: v for k, v in dataclasses.asdict(rec).items() if v is not ABSENT}
    extra = d.pop("extra", None)
    if extra:
        for k, v in extra.items():
            d.setdefault(k, v)
    return d


def dump(cls, rows: Iterable[Any]) -> dict:
    """The envelope written to evidence: schema, version and the records as plain dicts."""
    out = []
    for r in rows:
        if not isinstance(r, cls):
            raise TypeError(f"expected {cls.__name__}, got {type(r).__name__}")
        out.append(to_dict(r))
    return {"schema": cls.SCHEMA, "version": cls.VERSION, "records": out}


def dump_one(obj: Any) -> dict:
    """The envelope of an artifact that is a single object."""
    cls = type(obj)
    if not hasattr(cls, "SCHEMA"):
        raise TypeError(f"{cls.__name__} is not a registered record")
    return {"schema": cls.SCHEMA, "version": cls.VERSION, "record": to_dict(obj)}


def from_dict(cls: Any, d: dict) -> Any:
    """A record of ``cls`` (current version) from a dict the collector built; undeclared keys are an
    error unless the record has an ``extra`` field."""
    names = {f.name for f in dataclasses.fields(cls)}
    if "extra" not in names:
        unknown = sorted(k for k in d if k not in names)
        if unknown:
            raise RecordError(f"{cls.SCHEMA}: undeclared field(s) {', '.join(unknown)}")
    return _from_dict(cls, d, cls.VERSION)


def from_dicts(cls: type[T], rows: Iterable[dict]) -> list[T]:
    return [from_dict(cls, d) for d in rows]


def _from_dict(cls, d: dict, version: int):
    if not isinstance(d, dict):
        raise RecordError(f"{cls.SCHEMA}: a record is {type(d).__name__}, not an object")
    upgrade = getattr(cls, "upgrade", None)
    if upgrade is not None and version < cls.VERSION:
        d = upgrade(dict(d), version)
    names = {f.name for f in dataclasses.fields(cls)}
    known = {k: v for k, v in d.items() if k in names and k != "extra"}
    unknown = {k: v for k, v in d.items() if k not in names}
    missing = [f.name for f in dataclasses.fields(cls)
               if f.name not in known and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING and f.name != "extra"]
    if missing:
        raise RecordError(f"{cls.SCHEMA}: record lacks required field(s) {', '.join(missing)}")
    obj = cls(**known)
    if unknown:
        if "extra" in names:
            obj.extra = {**(getattr(obj, "extra", None) or {}), **unknown}
    return obj


def load(data: Any, cls: Any) -> list[Any]:
    """Records of ``cls`` from parsed JSON: an envelope of any version, or a bare list (version 0)."""
    if isinstance(data, list):
        version, rows = 0, data
    elif isinstance(data, dict) and "records" in data:
        if data.get("schema") not in (None, cls.SCHEMA):
            raise RecordError(f"evidence holds {data.get('schema')!r} records, not {cls.SCHEMA!r}")
        version = int(data.get("version") or 0)
        if version > cls.VERSION:
            # Written by a newer UngCuu: read what this version knows, keep the rest in extra.
            version = cls.VERSION
        rows = data["records"]
        if not isinstance(rows, list):
            raise RecordError(f"{cls.SCHEMA}: 'records' is not a list")
    else:
        raise RecordError(f"not a {cls.SCHEMA} record list")
    return [_from_dict(cls, r, version) for r in rows]


def load_one(data: Any, cls: Any) -> Any:
    """The record of a single-object artifact: its envelope, or a bare object (version 0)."""
    if isinstance(data, dict) and "record" in data and "schema" in data:
        if data.get("schema") != cls.SCHEMA:
            raise RecordError(f"evidence holds {data.get('schema')!r}, not {cls.SCHEMA!r}")
        version = min(int(data.get("version") or 0), cls.VERSION)
        return _from_dict(cls, data["record"], version)
    if isinstance(data, dict):
        return _from_dict(cls, data, 0)
    raise RecordError(f"not a {cls.SCHEMA} record")


def iter_load(data: Any, cls: Any) -> Iterator[tuple[int, Any]]:
    """(index, record) for each row of an envelope or bare list; a row that is not a valid record gives
    (index, RecordError) instead, so a parser can count what it skipped and read on."""
    if isinstance(data, list):
        version, rows = 0, data
    elif isinstance(data, dict) and isinstance(data.get("records"), list):
        if data.get("schema") not in (None, cls.SCHEMA):
            raise RecordError(f"evidence holds {data.get('schema')!r} records, not {cls.SCHEMA!r}")
        version, rows = min(int(data.get("version") or 0), cls.VERSION), data["records"]
    else:
        raise RecordError(f"not a {cls.SCHEMA} record list")
    for i, row in enumerate(rows):
        try:
            yield i, _from_dict(cls, row, version)
        except (RecordError, TypeError) as exc:
            yield i, exc if isinstance(exc, RecordError) else RecordError(str(exc))


def loads(text: str | bytes, cls: type[T]) -> list[T]:
    return load(json.loads(text), cls)


def rows_of(data: Any) -> list:
    """The raw record dicts of an envelope or a bare list, for readers that only need plain dicts."""
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        return data["records"]
    if isinstance(data, list):
        return data
    return []


def row_of(data: Any) -> dict:
    """The raw dict of a single-object artifact (its envelope or a bare object); {} for anything else."""
    if isinstance(data, dict):
        if "schema" in data and isinstance(data.get("record"), dict):
            return data["record"]
        return data
    return {}


def plain(data: Any) -> Any:
    """What an envelope holds, as plain JSON (records list or the one record); anything else as it is."""
    if isinstance(data, dict) and "schema" in data:
        if isinstance(data.get("records"), list):
            return data["records"]
        if isinstance(data.get("record"), dict):
            return data["record"]
    return data


def read(case, rec, cls: type[T]) -> list[T]:
    """Records of ``cls`` from one evidence item of ``case`` (read from the hashed copy)."""
    with case.open_evidence(rec) as fh:
        return load(json.load(fh), cls)
