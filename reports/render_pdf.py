"""PDF rendering with reportlab: DejaVu fonts shipped in resources/fonts (full Vietnamese coverage,
embedded as subsets, text extractable), page numbers, case id and report number on every page,
long tables that break across pages with their header row repeated."""
from __future__ import annotations

import io
import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
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

from .document import BOX_OFF, BOX_ON, Bullets, Checks, Doc, FieldLine, Heading, Letterhead, Para, Signature, clean, source_note
from .document import PageBreak as DocPageBreak
from .document import Table as DocTable

_HEX64 = re.compile(r"[0-9a-f]{64}")
FONTS_DIR = Path(__file__).resolve().parents[1] / "resources" / "fonts"
FONT, FONT_B, FONT_I, FONT_M = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSansMono"
_registered = False
HEADING_ROOM = 28 * mm   # a heading starts a new page unless this much room is left below it


def register_fonts() -> None:
    global _registered
    if _registered:
        return
    for name in (FONT, FONT_B, FONT_I, FONT_M):
        path = FONTS_DIR / f"{name}.ttf"
        if not path.is_file():
            from collectors.errors import UngCuuError

            raise UngCuuError(f"thiếu phông chữ {path} (font missing: reinstall UngCuu)", path=str(path))
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_B, italic=FONT_I, boldItalic=FONT_B)
    _registered = True


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=13.5, spaceAfter=2)
    return {
        "normal": ParagraphStyle("normal", parent=base, alignment=TA_JUSTIFY),
        "field": ParagraphStyle("field", parent=base, leftIndent=4 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "italic": ParagraphStyle("italic", parent=base, fontName=FONT_I),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_B),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_B, fontSize=14, leading=18, alignment=TA_CENTER,
                                spaceBefore=6, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontName=FONT_I, fontSize=9, alignment=TA_CENTER,
                                   spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_B, fontSize=10.5, spaceBefore=8, spaceAfter=3),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_B, fontSize=10, spaceBefore=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0),
        "cellh": ParagraphStyle("cellh", parent=base, fontName=FONT_B, fontSize=7.5, leading=9.5, spaceAfter=0),
        "lh": ParagraphStyle("lh", parent=base, fontSize=9.5, leading=12, alignment=TA_CENTER),
        "sig": ParagraphStyle("sig", parent=base, alignment=TA_CENTER),
        "note": ParagraphStyle("note", parent=base, fontSize=7.5, textColor=colors.HexColor("#7a4100")),
    }


def _t(text: str) -> str:
    return escape(clean(text)).replace("\n", "<br/>")


def _item(text: str) -> str:
    """A check-box item: short ones never break inside, long ones keep their first word by the box."""
    if len(text) <= 28:
        return _t(text).replace(" ", "&nbsp;")
    first, _, rest = text.partition(" ")
    return _t(first) + ("&nbsp;" + _t(rest) if rest else "")


def _note(b) -> str:
    n = source_note(b)
    return f' <font size="7.5" color="#7a4100">{_t(n.strip())}</font>' if n else ""


def _cell(text: str, style: ParagraphStyle, mono: bool) -> Paragraph:
    lines = str(text).split("\n")
    out = []
    for ln in lines:
        if mono:
            out.append(f'<font name="{FONT_M}" size="7">{_t(ln)}</font>')
        elif _HEX64.fullmatch(ln):
            out.append(f'<font name="{FONT_M}" size="6.5">{_t(ln)}</font>')
        else:
            out.append(_t(ln))
    return Paragraph("<br/>".join(out), style)


class _NumberedCanvas(rl_canvas.Canvas):
    """Draws 'Trang X/Y', the case id and the report number once the page count is known."""

    header = ""
    lang = "vi"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initialFontName", FONT)   # no unembedded Helvetica in the file
        kwargs.setdefault("initialFontSize", 10)
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._decorate(total)
            super().showPage()
        super().save()

    def _decorate(self, total: int) -> None:
        w, h = A4
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawString(18 * mm, h - 10 * mm, self.header)
        page = f"Trang {self._pageNumber}/{total}" if self.lang == "vi" else f"Page {self._pageNumber}/{total}"
        self.drawRightString(w - 18 * mm, 10 * mm, page)
        self.drawString(18 * mm, 10 * mm, "UngCuu")
        self.setStrokeColor(colors.HexColor("#999999"))
        self.line(18 * mm, h - 11.5 * mm, w - 18 * mm, h - 11.5 * mm)
        self.restoreState()


def _header_line(doc: Doc) -> str:
    parts = []
    if doc.case_id:
        parts.append(("Vụ việc: " if doc.lang == "vi" else "Case: ") + doc.case_id)
    parts.append(("Số: " if doc.lang == "vi" else "No.: ") + (doc.number or "—"))
    parts.append(doc.title)
    return "   ·   ".join(parts)


def render_pdf(doc: Doc, out: str | Path | None = None) -> bytes:
    """Render to PDF; write to `out` when given; return the bytes."""
    register_fonts()
    st = _styles()
    buf = io.BytesIO()
    tpl = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=doc.title, author="UngCuu", subject=doc.subtitle or doc.title,
                            creator="UngCuu", keywords=doc.case_id)
    width = tpl.width
    story: list = []
    letterhead_done = False
    for b in doc.blocks:
        if isinstance(b, Letterhead):
            left = [Paragraph(f"<b>{_t(b.org)}</b>", st["lh"]),
                    Paragraph(("Số: " if doc.lang == "vi" else "No.: ") + _t(b.number), st["lh"])]
            right = [Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", st["lh"]),
                     Paragraph("<b>Độc lập - Tự do - Hạnh phúc</b>", st["lh"]),
                     Paragraph(f"<i>{_t(b.place_date)}</i>", st["lh"])]
            t = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
            story += [t, Spacer(1, 4 * mm), Paragraph(_t(doc.title), st["title"])]
            if doc.subtitle:
                story.append(Paragraph(_t(doc.subtitle), st["subtitle"]))
            letterhead_done = True
        elif isinstance(b, DocPageBreak):
            story.append(PageBreak())
        elif isinstance(b, Heading):
            # never a heading alone at the foot of a page, its table or list on the next one
            story += [CondPageBreak(HEADING_ROOM), Paragraph(_t(b.text), st["h1" if b.level == 1 else "h2"])]
        elif isinstance(b, Para):
            story.append(Paragraph(_t(b.text), st.get(b.style, st["normal"])))
        elif isinstance(b, FieldLine):
            label = _t(b.label) + (" (*)" if b.required else "")
            story.append(Paragraph(f"{label}: {_t(b.value)}{_note(b)}" if b.label else f"{_t(b.value)}{_note(b)}",
                                   st["field"]))
        elif isinstance(b, Checks):
            boxes = "&nbsp;&nbsp; ".join(f"{BOX_ON if on else BOX_OFF}&nbsp;{_item(text)}" for text, on in b.items)
            label = (_t(b.label) + (" (*)" if b.required else "") + ": ") if b.label else ""
            story.append(Paragraph(f"{label}{boxes}{_note(b)}", st["field"]))
        elif isinstance(b, Bullets):
            story.append(ListFlowable([ListItem(Paragraph(_t(i), st["normal"]), leftIndent=10 * mm) for i in b.items],
                                      bulletType="bullet", start="•", bulletFontName=FONT, leftIndent=8 * mm))
        elif isinstance(b, DocTable):
            cs = st["cell"]
            data = [[Paragraph(_t(h), st["cellh"]) for h in b.headers]]
            for row in b.rows:
                data.append([_cell(v, cs, i in b.mono) for i, v in enumerate(row)])
            t = LongTable(data, colWidths=[width * f for f in b.widths], repeatRows=1)
            t.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#777777")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e3e3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]))
            story += [t, Spacer(1, 2 * mm)]
        elif isinstance(b, Signature):
            title = "<br/>".join(f"<b>{_t(x)}</b>" for x in b.title.split("\n"))
            cell = [Paragraph(title, st["sig"]), Paragraph(f"<i>{_t(b.note)}</i>", st["sig"]), Spacer(1, 16 * mm),
                    Paragraph(f"<b>{_t(b.name)}</b>", st["sig"])]
            t = Table([["", cell]], colWidths=[width * 0.45, width * 0.55])
            # keep the signature with the paragraph before it (a page holding only a signature is not valid)
            prev = [story.pop()] if story and isinstance(story[-1], (Paragraph, ListFlowable)) else []
            story.append(KeepTogether(prev + [Spacer(1, 6 * mm), t]))
    if not letterhead_done:
        story[:0] = [Paragraph(_t(doc.title), st["title"])] + (
            [Paragraph(_t(doc.subtitle), st["subtitle"])] if doc.subtitle else [])

    header = _header_line(doc)

    class _Canvas(_NumberedCanvas):
        pass

    _Canvas.header = header
    _Canvas.lang = doc.lang
    tpl.build(story, canvasmaker=_Canvas)
    data = buf.getvalue()
    if out is not None:
        Path(out).write_bytes(data)
    return data
