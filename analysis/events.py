"""The one event model of the timeline, and the report of what a parser could not read.

An `Event` is one point in time from one piece of evidence:

- ``timestamp``: microseconds since 1970-01-01 UTC (an int, so sorting and range queries are exact);
- ``offset_s``: the UTC offset (seconds) the source wrote the time in, so exports can show the original
  local time (``+07:00`` for a Vietnamese host's syslog); 0 when the source wrote UTC;
- ``timestamp_desc``: what the time means (Timesketch vocabulary: ``Event Recorded``, ``Last Login``,
  ``Content Modification Time``...);
- ``source`` (short type: ``syslog``, ``auth``, ``evtx``, ``wtmp``...), ``parser`` (the module), ``host``;
- ``message``: one human-readable line; ``fields``: typed details (JSON-serialisable);
- provenance: ``evidence_id`` (``E000012``) and ``locator`` (``line 381``, ``record 4410``, ``offset 768``)
  which, together, stay the same when the timeline is rebuilt from the same evidence.

Parsers are generators yielding `Event`s; each takes a `ParseReport` and counts there what it could not
parse (`report.skip(locator, reason)`), so a corrupt or truncated input keeps every good record.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
UTC = _dt.timezone.utc

# Timestamp descriptions (kept to the strings Timesketch and plaso use).
DESC_RECORDED = "Event Recorded"
DESC_WRITTEN = "Content Modification Time"
DESC_ACCESS = "Last Access Time"
DESC_CHANGE = "Metadata Modification Time"
DESC_BIRTH = "Creation Time"
DESC_LOGIN = "Last Login Time"
DESC_START = "Start Time"
DESC_INSTALL = "Installation Time"
DESC_EXECUTED = "Command Executed"


@dataclass(slots=True)
class Event:
    timestamp: int  # microseconds since the epoch, UTC
    timestamp_desc: str
    source: str
    parser: str
    message: str
    host: str = ""
    fields: dict | None = None
    offset_s: int = 0
    evidence_id: str = ""
    locator: str = ""
    fields_json: str | None = None  # optional pre-encoded `fields` (hot paths); must equal json.dumps(fields)

    @property
    def datetime(self) -> _dt.datetime:
        """The time in the source's own offset (aware datetime)."""
        tz = _dt.timezone(_dt.timedelta(seconds=self.offset_s)) if self.offset_s else UTC
        return (EPOCH + _dt.timedelta(microseconds=self.timestamp)).astimezone(tz)

    def iso(self) -> str:
        return iso_from_us(self.timestamp, self.offset_s)


@dataclass
class ParseReport:
    """What a parser read and what it could not (kept short: the first `keep` reasons are listed)."""

    parser: str = ""
    evidence_id: str = ""
    events: int = 0
    skipped: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    keep: int = 50
    fatal: str = ""  # set when the input could not be read at all

    def skip(self, locator: str, reason: str, count: int = 1) -> None:
        self.skipped += count
        if len(self.problems) < self.keep:
            self.problems.append((locator, reason))

    def to_dict(self) -> dict:
        return {
            "parser": self.parser,
            "evidence_id": self.evidence_id,
            "events": self.events,
            "skipped": self.skipped,
            "problems": [list(p) for p in self.problems],
            "fatal": self.fatal,
        }


# What every reader of the timeline can turn into a date: years 1..9999 (one day kept clear at each end for
# the offset) and offsets within ±18:00 (the widest any zone uses; `+40:01` would break every later read).
MIN_US = -62135596800_000_000 + 86_400_000_000
MAX_US = 253402300799_000_000 - 86_400_000_000
MAX_OFFSET_S = 18 * 3600


def time_problem(ts, offset_s) -> str | None:
    """Why an event's time cannot be stored (None when it can): the one range check before insert."""
    try:
        if not MIN_US <= ts <= MAX_US:
            return f"time out of range ({ts} µs since 1970: outside years 1-9999)"
        if not -MAX_OFFSET_S <= offset_s <= MAX_OFFSET_S:
            return f"UTC offset out of range ({offset_s} s: beyond ±18:00)"
    except TypeError:
        return f"not a time ({type(ts).__name__} {ts!r}, offset {offset_s!r})"
    return None


class Rows(list):
    """Events as ready-made rows of the timeline's events table, a batch of them, yielded by a parser's fast
    path instead of `Event`s: tuples (timestamp, offset_s, timestamp_desc, source, parser, host, message,
    fields JSON or None, evidence_id, locator). The parser has already applied `time_problem` (events whose
    time cannot be stored are skipped in its report), and every row carries its evidence id."""

    __slots__ = ()


def us_from_dt(value: _dt.datetime) -> int:
    """Microseconds since the epoch for an aware datetime (naive = UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def iso_from_us(us: int, offset_s: int = 0) -> str:
    """ISO 8601 with microseconds and the offset: ``2024-03-01T08:15:00.000000+07:00``."""
    tz = _dt.timezone(_dt.timedelta(seconds=offset_s)) if offset_s else UTC
    value = (EPOCH + _dt.timedelta(microseconds=us)).astimezone(tz)
    text = value.isoformat(timespec="microseconds")
    return text


def iso_z(us: int) -> str:
    """ISO 8601 UTC with 'Z' (the house format for times in JSON)."""
    value = EPOCH + _dt.timedelta(microseconds=us)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> tuple[int, int] | None:
    """Parse an ISO 8601 time (with 'Z', an offset, or naive = UTC) -> (microseconds, offset_s)."""
    if not text:
        return None
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        value = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    off = value.utcoffset()
    return us_from_dt(value), int(off.total_seconds()) if off else 0


def parse_offset(text: str | None) -> int:
    """'+07:00', '+0700', '-05:30', 'Z', 'UTC' -> seconds; '' or None -> 0."""
    if not text or text in ("Z", "UTC", "utc"):
        return 0
    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    t = t.lstrip("+-").replace(":", "")
    try:
        hours, minutes = int(t[:2]), int(t[2:4] or 0)
    except ValueError:
        return 0
    return sign * (hours * 3600 + minutes * 60)


try:  # the C helper json itself uses; a pure-Python fallback keeps this working everywhere
    from json.encoder import c_encode_basestring as _enc_str  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring as _enc_str

_json_fallback = __import__("json").JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


_KEYS: dict[str, str] = {}  # a field name -> its JSON text and the colon (the names of a parser are few)


def dumps_fields(d: dict) -> str:
    """Compact JSON of a fields dict, the same text as ``json.dumps(d, ensure_ascii=False,
    separators=(',', ':'))``; flat dicts of str/int/bool/None take a fast path."""
    parts = []
    keys = _KEYS
    for k, v in d.items():
        kj = keys.get(k)
        if kj is None:
            if type(k) is not str:
                return _json_fallback(d)
            if len(keys) >= 4096:  # names made from data (event fields): the cache stays small
                keys.clear()
            kj = keys[k] = _enc_str(k) + ":"
        t = type(v)
        if t is str:
            parts.append(kj + _enc_str(v))
        elif t is int:
            parts.append(kj + str(v))
        elif t is bool:
            parts.append(kj + ("true" if v else "false"))
        elif v is None:
            parts.append(kj + "null")
        else:
            return _json_fallback(d)
    return "{" + ",".join(parts) + "}"
