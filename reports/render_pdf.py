"""PDF rendering with reportlab in the format of Nghị định 30/2020/NĐ-CP, Phụ lục I.

Liberation Serif (SIL OFL 1.1, metric-compatible with Times New Roman, full Vietnamese coverage) shipped
in resources/fonts and embedded as subsets; DejaVu Sans only for the check-box glyphs (☐ ☒) Liberation
lacks. A4, margins top 20, bottom 20, left 30, right 15 mm; the page number alone in the top margin,
centred, from page 2; nothing else in the margins. Sizes (pt) and weights:

    parent agency 13 upright, issuing agency 13 bold, with a rule under it (two fifths of its line)
    quốc hiệu 12 bold, tiêu ngữ 13 bold with a rule as long as the line, số/ký hiệu 13,
    place and date 14 italic, title 14 bold, trích yếu 14 bold with a rule, Kính gửi 14,
    body 13 (paragraphs justified, first line indented 12.7 mm), signature title and name 14 bold,
    "Nơi nhận:" 12 bold italic and its list 11, page number 13.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    HRFlowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .document import (
    BOX_OFF,
    BOX_ON,
    Bullets,
    Checks,
    Doc,
    FieldLine,
    FormLine,
    Heading,
    KinhGui,
    Letterhead,
    Para,
    Signature,
    StripChart,
    clean,
    noi_nhan_lines,
    source_note,
)
from .document import PageBreak as DocPageBreak
from .document import Table as DocTable

_HEX64 = re.compile(r"[0-9a-f]{64}")
FONTS_DIR = Path(__file__).resolve().parents[1] / "resources" / "fonts"
FONT, FONT_B, FONT_I, FONT_BI = "LiberationSerif-Regular", "LiberationSerif-Bold", "LiberationSerif-Italic", \
    "LiberationSerif-BoldItalic"
FONT_M = "LiberationMono-Regular"
FONT_SYM = "DejaVuSans"          # ☐ ☒ only
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
BODY = 13
HEADING_ROOM = 30 * mm   # a heading starts a new page unless this much room is left below it
_registered = False
_covered: frozenset = frozenset()


def register_fonts() -> None:
    global _registered, _covered
    if _registered:
        return
    for name in (FONT, FONT_B, FONT_I, FONT_BI, FONT_M, FONT_SYM):
        path = FONTS_DIR / f"{name}.ttf"
        if not path.is_file():
            from collectors.errors import UngCuuError

            raise UngCuuError(f"thiếu phông chữ {path} (font missing: reinstall UngCuu)", path=str(path))
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_B, italic=FONT_I, boldItalic=FONT_BI)
    _covered = frozenset(pdfmetrics.getFont(FONT).face.charToGlyph)
    _registered = True


def text_width_mm(text: str, size: float, bold: bool = False) -> float:
    """Width of a line set in Liberation Serif (= Times New Roman's metrics), in mm."""
    register_fonts()
    return pdfmetrics.stringWidth(clean(text), FONT_B if bold else FONT, size) / mm


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=BODY, leading=BODY * 1.2, spaceAfter=3)
    c = dict(alignment=TA_CENTER, spaceAfter=0)
    return {
        "normal": ParagraphStyle("normal", parent=base, alignment=TA_JUSTIFY),
        "body": ParagraphStyle("body", parent=base, alignment=TA_JUSTIFY, firstLineIndent=12.7 * mm, spaceAfter=6),
        "field": ParagraphStyle("field", parent=base),
        "small": ParagraphStyle("small", parent=base, fontSize=11, leading=13.5),
        "ref": ParagraphStyle("ref", parent=base, fontName=FONT_I, fontSize=11, leading=13.5, spaceBefore=4),
        "italic": ParagraphStyle("italic", parent=base, fontName=FONT_I),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_B),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "form": ParagraphStyle("form", parent=base, fontName=FONT_I, fontSize=11, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_B, fontSize=14, leading=17, spaceBefore=10, **c),
        "summary": ParagraphStyle("summary", parent=base, fontName=FONT_B, fontSize=14, leading=17, **c),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontName=FONT_I, fontSize=12, leading=15, **c),
        "kg": ParagraphStyle("kg", parent=base, fontSize=14, leading=17, alignment=TA_LEFT, spaceAfter=0),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_B, spaceBefore=6, spaceAfter=3),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_B, fontSize=BODY, spaceBefore=3),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=12, spaceAfter=0),
        "cellh": ParagraphStyle("cellh", parent=base, fontName=FONT_B, fontSize=10, leading=12, spaceAfter=0),
        "parent": ParagraphStyle("parent", parent=base, fontSize=13, leading=15.5, **c),
        "org": ParagraphStyle("org", parent=base, fontName=FONT_B, fontSize=13, leading=15.5, **c),
        "qh": ParagraphStyle("qh", parent=base, fontName=FONT_B, fontSize=12, leading=15, **c),
        "tn": ParagraphStyle("tn", parent=base, fontName=FONT_B, fontSize=13, leading=15.5, **c),
        "so": ParagraphStyle("so", parent=base, fontSize=13, leading=16, **c),
        "date": ParagraphStyle("date", parent=base, fontName=FONT_I, fontSize=14, leading=17, **c),
        "sig": ParagraphStyle("sig", parent=base, fontName=FONT_B, fontSize=14, leading=17, **c),
        "signote": ParagraphStyle("signote", parent=base, fontName=FONT_I, fontSize=13, leading=16, **c),
        "nn": ParagraphStyle("nn", parent=base, fontName=FONT_BI, fontSize=12, leading=14, spaceAfter=0),
        "nnl": ParagraphStyle("nnl", parent=base, fontSize=11, leading=13, spaceAfter=0),
        "note": ParagraphStyle("note", parent=base, fontSize=10, textColor=colors.HexColor("#7a4100")),
    }


def _t(text: str) -> str:
    """Paragraph markup for text: escaped, line breaks kept, and any character Liberation Serif lacks
    (the '�' standing for a control character, symbols from evidence) set in DejaVu Sans."""
    text = clean(text)
    if all(ord(ch) in _covered or ch == "\n" for ch in text):
        return escape(text).replace("\n", "<br/>")
    out = []
    for ch in text:
        if ch == "\n":
            out.append("<br/>")
        elif ord(ch) in _covered:
            out.append(escape(ch))
        else:
            out.append(f'<font name="{FONT_SYM}">{escape(ch)}</font>')
    return "".join(out)


def _box(on: bool) -> str:
    return f'<font name="{FONT_SYM}" size="11">{BOX_ON if on else BOX_OFF}</font>'


def _item(text: str) -> str:
    """A check-box item: short ones never break inside, long ones keep their first word by the box."""
    if len(text) <= 28:
        return _t(text).replace(" ", "&nbsp;")
    first, _, rest = text.partition(" ")
    return _t(first) + ("&nbsp;" + _t(rest) if rest else "")


def _note(b) -> str:
    n = source_note(b)
    return f' <font size="10" color="#7a4100">{_t(n.strip())}</font>' if n else ""


def _cell(text: str, style: ParagraphStyle, mono: bool) -> Paragraph:
    out = []
    for ln in str(text).split("\n"):
        if _HEX64.fullmatch(ln):
            out.append(f'<font name="{FONT_M}" size="6.5">{_t(ln)}</font>')
        elif mono:
            out.append(f'<font name="{FONT_M}" size="8">{_t(ln)}</font>')
        else:
            out.append(_t(ln))
    return Paragraph("<br/>".join(out), style)


def _rule(width: float) -> HRFlowable:
    return HRFlowable(width=width, thickness=0.6, color=colors.black, spaceBefore=1, spaceAfter=3, hAlign="CENTER")


class _NumberedCanvas(rl_canvas.Canvas):
    """Draws the page number, centred in the top margin, on every page but the first."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initialFontName", FONT)   # no unembedded Helvetica in the file
        kwargs.setdefault("initialFontSize", BODY)
        super().__init__(*args, **kwargs)

    def showPage(self):
        if self._pageNumber > 1:
            w, h = A4
            self.saveState()
            self.setFont(FONT, BODY)
            self.drawCentredString(w / 2, h - MARGIN_TOP / 2 - BODY * 0.35, str(self._pageNumber))
            self.restoreState()
        super().showPage()


def _letterhead(doc: Doc, b: Letterhead, st, width: float) -> list:
    vi = doc.lang != "en"
    left_w, right_w = width * 0.45, width * 0.55
    left = []
    if b.parent:
        left.append(Paragraph(_t(b.parent), st["parent"]))
    left.append(Paragraph(_t(b.org), st["org"]))
    org_w = min(left_w, max(pdfmetrics.stringWidth(clean(b.org), FONT_B, 13), 20 * mm))
    left.append(_rule(org_w * 0.4))
    motto = "Độc lập - Tự do - Hạnh phúc"
    right = [Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st["qh"]), Paragraph(motto, st["tn"]),
             _rule(pdfmetrics.stringWidth(motto, FONT_B, 13))]
    so = Paragraph(("Số: " if vi else "No.: ") + _t(b.number), st["so"])
    date = Paragraph(_t(b.place_date), st["date"])
    t = Table([[left, right], [so, date]], colWidths=[left_w, right_w])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return [t]


def _title(doc: Doc, st) -> list:
    out = [Paragraph(_t(doc.title), st["title"])]
    if doc.summary:
        out.append(Paragraph(_t(doc.summary), st["summary"]))
        out.append(_rule(40 * mm))
    if doc.subtitle:
        out.append(Paragraph(_t(doc.subtitle), st["subtitle"]))
    out.append(Spacer(1, 4 * mm))
    return out


def _kinh_gui(b: KinhGui, st, width: float) -> list:
    """One recipient: "Kính gửi: X." centred; several: "Kính gửi:" and a dashed list beside it."""
    if len(b.names) == 1:
        return [Paragraph(_t(b.label) + " " + _t(b.names[0]) + ".", ParagraphStyle("kg1", parent=st["kg"],
                                                                               alignment=TA_CENTER)),
                Spacer(1, 3 * mm)]
    label = Paragraph(_t(b.label), ParagraphStyle("kgr", parent=st["kg"], alignment=TA_RIGHT))
    lines = [Paragraph(_t(x), st["kg"]) for x in noi_nhan_lines(b.names)]
    t = Table([[label, lines]], colWidths=[width * 0.3, width * 0.7])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (0, 0), 4), ("RIGHTPADDING", (1, 0), (1, 0), 0)]))
    return [t, Spacer(1, 3 * mm)]


def _signature(b: Signature, st, width: float) -> Table:
    share = 0.62 if b.recipients is not None else 0.7      # the forms' long title needs the room
    col = width * share / mm - 2
    title = "<br/>".join(_t(x) for x in b.title.split("\n"))
    # 14 pt, or 13 (NĐ 30 allows 13-14) when a title line would not fit on one line
    big = all(text_width_mm(x, 14, bold=True) <= col for x in b.title.split("\n"))
    cell = [Paragraph(title, st["sig"] if big else ParagraphStyle("sig13", parent=st["sig"], fontSize=13,
                                                                  leading=16)), Paragraph(_t(b.note), st["signote"]), Spacer(1, 22 * mm),
            Paragraph(_t(b.name), st["sig"])]
    left: list = []
    if b.recipients is not None:
        left = [Paragraph(_t(b.recipients_label), st["nn"])] + [Paragraph(_t(x), st["nnl"]) for x in noi_nhan_lines(b.recipients)]
    t = Table([[left, cell]], colWidths=[width * (1 - share), width * share])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def render_pdf(doc: Doc, out: str | Path | None = None) -> bytes:
    """Render to PDF; write to `out` when given; return the bytes."""
    register_fonts()
    st = _styles()
    buf = io.BytesIO()
    tpl = SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT,
                            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=doc.title,
                            author=doc.author or "UngCuu", subject=doc.summary or doc.subtitle or doc.title,
                            creator="UngCuu", keywords=doc.case_id, lang="vi-VN" if doc.lang != "en" else "en")
    width = tpl.width
    story: list = []
    if doc.form:
        story.append(Paragraph(_t(doc.form), st["form"]))
    letterhead_done = False
    for b in doc.blocks:
        if isinstance(b, Letterhead):
            story += _letterhead(doc, b, st, width) + _title(doc, st)
            letterhead_done = True
        elif isinstance(b, DocPageBreak):
            story.append(PageBreak())
        elif isinstance(b, Heading):
            # never a heading alone at the foot of a page, its table or list on the next one
            story += [CondPageBreak(HEADING_ROOM), Paragraph(_t(b.text), st["h1" if b.level == 1 else "h2"])]
        elif isinstance(b, KinhGui):
            story += _kinh_gui(b, st, width)
        elif isinstance(b, Para):
            story.append(Paragraph(_t(b.text), st.get(b.style, st["normal"])))
        elif isinstance(b, FormLine):
            parts = "&nbsp;&nbsp;&nbsp; ".join(
                (f"{_t(label)} {_t(value)}" if label else _t(value)) if value else _t(label) for label, value in b.parts)
            story.append(Paragraph(f"{_t(b.marker) + ' ' if b.marker else ''}{parts}{_note(b)}", st["field"]))
        elif isinstance(b, FieldLine):
            label = _t(b.label) + (" (*)" if b.required else "")
            story.append(Paragraph(f"{label}: {_t(b.value)}{_note(b)}" if b.label else f"{_t(b.value)}{_note(b)}",
                                   st["field"]))
        elif isinstance(b, Checks):
            boxes = "&nbsp;&nbsp;&nbsp; ".join(f"{_box(on)}&nbsp;{_item(text)}" for text, on in b.items)
            if b.verbatim:
                label = _t(b.label) + " " if b.label else ""
            else:
                label = (_t(b.label) + (" (*)" if b.required else "") + ": ") if b.label else ""
            story.append(Paragraph(f"{label}{boxes}{_note(b)}", st["field"]))
        elif isinstance(b, Bullets):
            story.append(ListFlowable([ListItem(Paragraph(_t(i), st["normal"]), leftIndent=8 * mm) for i in b.items],
                                      bulletType="bullet", start="-", bulletFontName=FONT, leftIndent=6 * mm))
        elif isinstance(b, StripChart):
            from .strip_chart import drawing

            story += [KeepTogether([drawing(b.strip, width - 12, b.tz, b.lang), Spacer(1, 1 * mm),
                                    Paragraph(_t(b.caption), st["small"])]), Spacer(1, 2 * mm)]
        elif isinstance(b, DocTable):
            cs = st["cell"]
            data = [[Paragraph(_t(h), st["cellh"]) for h in b.headers]]
            for row in b.rows:
                data.append([_cell(v, cs, i in b.mono) for i, v in enumerate(row)])
            t = LongTable(data, colWidths=[width * f for f in b.widths], repeatRows=1)
            t.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]))
            story += [t, Spacer(1, 2 * mm)]
        elif isinstance(b, Signature):
            # keep the signature with the paragraph before it (a page holding only a signature is not valid)
            prev = [story.pop()] if story and isinstance(story[-1], (Paragraph, ListFlowable)) else []
            if prev and isinstance(prev[0], ListFlowable) and story and isinstance(story[-1], Paragraph) \
                    and story[-1].style.name in ("h1", "h2"):
                prev.insert(0, story.pop())             # the list's heading goes with it
            story.append(KeepTogether(prev + [Spacer(1, 4 * mm), _signature(b, st, width)]))
    if not letterhead_done:
        story[:0] = _title(doc, st)
    tpl.build(story, canvasmaker=_NumberedCanvas)
    pdf = buf.getvalue()
    if out is not None:
        Path(out).write_bytes(pdf)
    return pdf
