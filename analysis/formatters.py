"""Event messages from event data, kept as data (resources/formatters/*.yaml, as plaso keeps its
formatters): a parser stores the fields it read and the raw text; what a person reads — in Vietnamese
or English, from one place — is made here at display time.

    message(event, lang="vi")   # event: a timeline row (analysis.timeline.row_dict) or an Event
    with_messages(rows, lang)   # timeline rows for an export: the formatter's message, the raw one kept

Readers: the reports (reports/sources.py), `ungcuu timeline --format jsonl|csv|timesketch|ecs|ecs-bulk`
and the message column of the desktop timeline.
"""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

FORMATTERS_DIR = Path(__file__).resolve().parent.parent / "resources" / "formatters"


class FormatterError(ValueError):
    """A formatter file that does not hold what this module expects (named, with the file)."""


@lru_cache(maxsize=1)
def formatters() -> dict[str, dict[str, dict[str, str]]]:
    """{data_type: {event: {lang: template}}} from every YAML file of resources/formatters/."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for path in sorted(FORMATTERS_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data_type, events = doc.get("data_type"), doc.get("events")
        if not isinstance(data_type, str) or not isinstance(events, dict):
            raise FormatterError(f"{path.name}: needs data_type (text) and events (a mapping)")
        for event, langs in events.items():
            if not isinstance(langs, dict) or not {"vi", "en"} <= set(langs):
                raise FormatterError(f"{path.name}: event {event!r} needs a vi and an en message")
        out[data_type] = events
    return out


def _field(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, dict) else getattr(event, name, None)


def message(event: Any, lang: str = "vi") -> str:
    """The event's message in `lang`: its formatter's when one fits its fields, else the raw text."""
    raw = str(_field(event, "message") or "")
    fields = _field(event, "fields") or {}
    parser = _field(event, "parser")
    kind = fields.get("event") if isinstance(fields, dict) else None
    template = formatters().get(str(parser), {}).get(str(kind), {}).get("en" if lang == "en" else "vi")
    if not template:
        return raw
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    if not names <= {k for k, v in fields.items() if v not in (None, "")}:
        return raw  # a field this line did not have: the raw line says more than a half-filled sentence
    return template.format(**{k: fields[k] for k in names})


RAW_FIELD = "raw_message"  # where an exported row keeps the line as the source wrote it


def with_messages(rows: Iterable[dict], lang: str = "vi") -> Iterator[dict]:
    """Timeline rows (analysis.timeline.row_dict) with `message` from the event's formatter in `lang`; a row
    whose message changes keeps the source's own line in its fields as `raw_message`."""
    for row in rows:
        text = message(row, lang)
        if text != row.get("message"):
            row = {**row, "message": text, "fields": {**(row.get("fields") or {}), RAW_FIELD: row.get("message")}}
        yield row
