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
    style: str = "normal"  # normal | small | italic | center | bold | body (first-line indent)


@dataclass
class FormLine:
    """A line of a printed form, its labels kept verbatim: "■ Điện thoại (*) <value>   Email (*) <value>".
    `parts` are (printed label, value) pairs; a label with no value is an instruction line."""
    parts: list[tuple[str, str]]
    marker: str = "■"
    sources: list[str] = field(default_factory=list)
    unconfirmed: bool = False

    def text(self) -> str:
        body = "    ".join(f"{label} {value}".strip() if value else label for label, value in self.parts)
        return f"{self.marker} {body}" if self.marker else body


@dataclass
class KinhGui:
    """"Kính gửi:" and the recipients (NĐ 30: 14 pt, upright; one recipient a line, each after a dash)."""
    names: list[str]
    label: str = "Kính gửi:"


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
    verbatim: bool = False     # the label is printed as is (a form's wording), followed by the boxes


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
class StripChart:
    """The activity strip (`analysis.strip.Strip`): events over time with the findings marked by tactic,
    drawn as a picture (`reports.strip_chart`); ``tz`` is the zone of its time axis."""
    strip: Any
    caption: str
    tz: str | None = None
    lang: str = "vi"


@dataclass
class Letterhead:
    """The Vietnamese administrative header (NĐ 30/2020, Phụ lục I): parent agency and issuing agency with
    the rule under it and the number on the left; the national name, the motto with its rule and the
    place/date on the right."""
    org: str
    number: str
    place_date: str
    parent: str = ""


@dataclass
class Signature:
    """The signature block; `recipients` is the "Nơi nhận" list set beside it (None: no Nơi nhận, as on
    the two forms)."""
    title: str
    name: str
    note: str = "(Ký tên, đóng dấu)"
    recipients: list[str] | None = None
    recipients_label: str = "Nơi nhận:"


@dataclass
class Doc:
    kind: str
    title: str
    subtitle: str = ""
    summary: str = ""            # trích yếu: what the document is about (bold, under the title)
    form: str = ""               # "Mẫu số 03" for the official forms
    number: str = ""
    date: str = ""
    case_id: str = ""
    lang: str = "vi"
    author: str = ""             # the examiner (document properties)
    blocks: list[Any] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # mandatory fields still empty
    attachments_note: str = ""

    def add(self, *blocks) -> "Doc":
        self.blocks.extend(blocks)
        return self

    def plain_text(self) -> str:
        """The document as plain text (e-mail body, tests)."""
        out = []
        for b in self.blocks:
            if isinstance(b, Letterhead):
                out += [x for x in (b.parent, b.org) if x] + [f"Số: {b.number}" if b.number else "", b.place_date]
                out += self._title_lines()
            elif isinstance(b, FormLine):
                out.append(b.text() + source_note(b))
            elif isinstance(b, KinhGui):
                out += [f"{b.label} {b.names[0]}" if len(b.names) == 1 else b.label]
                out += noi_nhan_lines(b.names) if len(b.names) > 1 else []
            elif isinstance(b, Heading):
                out += ["", b.text]
            elif isinstance(b, Para):
                out.append(b.text)
            elif isinstance(b, FieldLine):
                out.append(f"{b.label}{' (*)' if b.required else ''}: {b.value}{source_note(b)}")
            elif isinstance(b, Checks):
                items = "  ".join(f"{BOX_ON if on else BOX_OFF} {t}" for t, on in b.items)
                if b.verbatim or not b.label:
                    out.append(f"{b.label + ' ' if b.label else ''}{items}{source_note(b)}")
                else:
                    out.append(f"{b.label}{' (*)' if b.required else ''}: {items}{source_note(b)}")
            elif isinstance(b, Bullets):
                out += [f"  - {i}" for i in b.items]
            elif isinstance(b, StripChart):
                out.append(b.caption)
                out += [f"  ■ {e.name(b.lang)}{f' ({e.attack_id})' if e.attack_id else ''}" for e in b.strip.legend]
            elif isinstance(b, Table):
                out.append(" | ".join(b.headers))
                out += [" | ".join(r) for r in b.rows]
            elif isinstance(b, Signature):
                out += ["", b.title, b.note, b.name]
                if b.recipients is not None:
                    out += ["", b.recipients_label] + noi_nhan_lines(b.recipients)
        if not any(isinstance(b, Letterhead) for b in self.blocks):
            out[:0] = self._title_lines()
        return "\n".join(x for x in out if x is not None) + "\n"

    def _title_lines(self) -> list[str]:
        return [self.title] + [x for x in (self.summary, self.subtitle) if x]


def noi_nhan_lines(names: list[str]) -> list[str]:
    """'- A;' for each recipient, the last (the archive copy, "Lưu: …") ending with a full stop."""
    return [f"- {n}{'.' if i == len(names) - 1 else ';'}" for i, n in enumerate(names)]


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
    # NĐ 30: a day below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 02", "tháng 11")
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{place + ', ' if place else ''}ngày {d.day:02d} tháng {month} năm {d.year}"


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
