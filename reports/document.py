"""A small document model shared by the PDF, DOCX and plain-text renderers.

A report is a `Doc` (title, number, date, case id) holding blocks in order. Renderers never decide the
content; so the PDF, the DOCX and the e-mail body carry the same words.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .incident import parse_datetime, tzinfo_for

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: Any) -> str:
    """Text safe for PDF and DOCX (XML): control characters (log lines, odd file names) shown as '�'."""
    return _CONTROL.sub("\ufffd", str(text))


BOX_ON = "☒"
BOX_OFF = "☐"
EMPTY = "…………"


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Para:
    text: str
    style: str = "normal"  # normal | small | italic | center | bold


@dataclass
class FieldLine:
    label: str
    value: str
    required: bool = False
    sources: list[str] = field(default_factory=list)  # evidence ids the value came from
    unconfirmed: bool = False                           # from evidence only: the responder must confirm


@dataclass
class Checks:
    label: str
    items: list[tuple[str, bool]]
    required: bool = False
    sources: list[str] = field(default_factory=list)
    unconfirmed: bool = False


@dataclass
class PageBreak:
    pass


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float]           # fractions of the text width
    mono: set = field(default_factory=set)   # column indexes set in a monospace font
    small: bool = True


@dataclass
class Letterhead:
    """The Vietnamese administrative header: issuing body and number on the left, the national motto and
    place/date on the right."""
    org: str
    number: str
    place_date: str


@dataclass
class Signature:
    title: str
    name: str
    note: str = "(Ký tên, đóng dấu)"


@dataclass
class Doc:
    kind: str
    title: str
    subtitle: str = ""
    number: str = ""
    date: str = ""
    case_id: str = ""
    lang: str = "vi"
    blocks: list[Any] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # mandatory fields still empty
    attachments_note: str = ""

    def add(self, *blocks) -> "Doc":
        self.blocks.extend(blocks)
        return self

    def plain_text(self) -> str:
        """The document as plain text (e-mail body, tests)."""
        out = [self.title]
        if self.subtitle:
            out.append(self.subtitle)
        for b in self.blocks:
            if isinstance(b, Letterhead):
                out += [b.org, f"Số: {b.number}" if b.number else "", b.place_date]
            elif isinstance(b, Heading):
                out += ["", b.text]
            elif isinstance(b, Para):
                out.append(b.text)
            elif isinstance(b, FieldLine):
                out.append(f"{b.label}{' (*)' if b.required else ''}: {b.value}{source_note(b)}")
            elif isinstance(b, Checks):
                items = "  ".join(f"{BOX_ON if on else BOX_OFF} {t}" for t, on in b.items)
                out.append(f"{b.label}{' (*)' if b.required else ''}: {items}{source_note(b)}")
            elif isinstance(b, Bullets):
                out += [f"  - {i}" for i in b.items]
            elif isinstance(b, Table):
                out.append(" | ".join(b.headers))
                out += [" | ".join(r) for r in b.rows]
            elif isinstance(b, Signature):
                out += ["", b.title, b.note, b.name]
        return "\n".join(x for x in out if x is not None) + "\n"


def source_note(b) -> str:
    if not b.sources:
        return ""
    ids = ", ".join(b.sources[:6]) + (f" (+{len(b.sources) - 6})" if len(b.sources) > 6 else "")
    if b.unconfirmed:
        return f" [điền sẵn từ chứng cứ {ids} — cần xác nhận]"
    return f" [chứng cứ: {ids}]"


def fmt_dt(value: Any, tz_name: str | None = None, with_offset: bool = True) -> str:
    """'20/11/2026 07:40 (+07:00)' for an ISO time; EMPTY when missing."""
    if not value:
        return EMPTY
    try:
        d = parse_datetime(value, tzinfo_for(tz_name))
    except (ValueError, TypeError):
        return str(value)
    if tz_name:
        d = d.astimezone(tzinfo_for(tz_name))
    s = d.strftime("%d/%m/%Y %H:%M")
    if with_offset:
        off = d.strftime("%z")
        s += f" ({off[:3]}:{off[3:]})" if off else ""
    return s


def to_local(value: Any, tz_name: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value, tzinfo_for(tz_name)).astimezone(tzinfo_for(tz_name))
    except (ValueError, TypeError):
        return None


def fmt_date_long(value: Any, tz_name: str | None, place: str = "") -> str:
    """'Hà Tĩnh, ngày 20 tháng 11 năm 2026' (the place/date line of an administrative document)."""
    d = to_local(value, tz_name)
    if d is None:
        return f"{place + ', ' if place else ''}ngày … tháng … năm ……"
    return f"{place + ', ' if place else ''}ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def fmt_size(n: Any) -> str:
    try:
        n = int(n)
    except (TypeError, ValueError):
        return str(n)
    return f"{n:,}".replace(",", ".")


def utc_short(value: str) -> str:
    """'2026-11-24T20:20:02.739403Z' -> '2026-11-24\n20:20:02Z' (day and time on two lines of a table cell)."""
    text = str(value or "")
    if "T" in text:
        day, _, rest = text.partition("T")
        rest = rest.split(".")[0].rstrip("Z")
        return f"{day}\n{rest}Z"
    return text
