"""DOCX rendering with python-docx: the same blocks as the PDF, editable in Word / LibreOffice.

Text is set in Times New Roman (the font of Vietnamese administrative documents, present on the
recipients' machines; Word substitutes when it is absent), tables in the 'Table Grid' style with the
header row repeated on every page, and a footer with the case id, the report number and page X/Y."""
from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from .document import BOX_OFF, BOX_ON, Bullets, Checks, Doc, FieldLine, Heading, Letterhead, Para, Signature, clean, source_note
from .document import PageBreak as DocPageBreak
from .document import Table as DocTable

FONT = "Times New Roman"
MONO = "Courier New"


def _run(p, text: str):
    return p.add_run(clean(text))


def _font(run, name: str = FONT, size: float | None = None, bold: bool | None = None, italic: bool | None = None,
          color: str | None = None) -> None:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _field(paragraph, code: str) -> None:
    """Insert a field (PAGE, NUMPAGES) that Word computes."""
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._element.append(el)
    _font(run, size=8)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed column widths (the grid and every cell): Word and LibreOffice otherwise share the width out
    by content, and the national motto or the signature title wraps."""
    table.autofit = False
    for col, w in zip(table.columns, widths_mm):
        col.width = Mm(w)
        for cell in col.cells:
            cell.width = Mm(w)


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _note_run(p, b) -> None:
    n = source_note(b)
    if n:
        _font(_run(p, n), size=9, italic=True, color="7A4100")


def _para(d, text: str = "", *, size: float = 13, bold=None, italic=None, align=None, indent_mm: float = 0,
          space_after: float = 3):
    p = d.add_paragraph()
    if text:
        _font(_run(p, text), size=size, bold=bold, italic=italic)
    if align is not None:
        p.alignment = align
    pf = p.paragraph_format
    pf.space_after = Pt(space_after)
    pf.space_before = Pt(0)
    if indent_mm:
        pf.left_indent = Mm(indent_mm)
    return p


def render_docx(doc: Doc, out: str | Path | None = None) -> bytes:
    d = Document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin, sec.right_margin = Mm(25), Mm(18)
    sec.top_margin, sec.bottom_margin = Mm(18), Mm(18)
    normal = d.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), FONT)
    d.core_properties.title = doc.title
    d.core_properties.subject = doc.subtitle or doc.title
    d.core_properties.author = "UngCuu"
    d.core_properties.keywords = doc.case_id
    vi = doc.lang != "en"

    # Header and footer: case id, report number, page X/Y.
    hp = sec.header.paragraphs[0]
    parts = []
    if doc.case_id:
        parts.append(("Vụ việc: " if vi else "Case: ") + doc.case_id)
    parts.append(("Số: " if vi else "No.: ") + (doc.number or "—"))
    parts.append(doc.title)
    _font(_run(hp, "   ·   ".join(parts)), size=8, color="444444")
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(_run(fp, "Trang " if vi else "Page "), size=8)
    _field(fp, "PAGE")
    _font(_run(fp, "/"), size=8)
    _field(fp, "NUMPAGES")

    width_mm = 210 - 25 - 18

    def title():
        _para(d, doc.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
        if doc.subtitle:
            _para(d, doc.subtitle, size=11, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)

    if not any(isinstance(b, Letterhead) for b in doc.blocks):
        title()
    for b in doc.blocks:
        if isinstance(b, Letterhead):
            t = d.add_table(rows=1, cols=2)
            _no_borders(t)
            left, right = t.rows[0].cells
            # the national motto on one line (12 pt bold needs ~100 mm), as on the printed documents
            _widths(t, [width_mm * 0.38, width_mm * 0.62])
            for cell, lines in ((left, [(b.org, True, False), (("Số: " if vi else "No.: ") + b.number, False, False)]),
                                (right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
                                         ("Độc lập - Tự do - Hạnh phúc", True, False),
                                         (b.place_date, False, True)])):
                cell.paragraphs[0].text = ""
                for i, (text, bold, italic) in enumerate(lines):
                    p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    p.paragraph_format.space_after = Pt(0)
                    _font(_run(p, text), size=12, bold=bold, italic=italic)
            _para(d, "", space_after=4)
            title()
        elif isinstance(b, DocPageBreak):
            d.add_page_break()
        elif isinstance(b, Heading):
            pf = _para(d, b.text, size=13, bold=True, space_after=2).paragraph_format
            pf.space_before = Pt(6)
            pf.keep_with_next = True        # never alone at the foot of a page
            pf.keep_together = True
        elif isinstance(b, Para):
            p = _para(d, b.text, size=11 if b.style == "small" else 13, bold=b.style == "bold" or None,
                      italic=b.style == "italic" or None,
                      align=WD_ALIGN_PARAGRAPH.CENTER if b.style == "center" else WD_ALIGN_PARAGRAPH.JUSTIFY)
        elif isinstance(b, FieldLine):
            p = _para(d, indent_mm=4)
            if b.label:
                _font(_run(p, b.label + (" (*)" if b.required else "") + ": "), size=13)
            _font(_run(p, b.value), size=13)
            _note_run(p, b)
        elif isinstance(b, Checks):
            p = _para(d, indent_mm=4)
            if b.label:
                _font(_run(p, b.label + (" (*)" if b.required else "") + ": "), size=13)
            _font(_run(p, "    ".join(f"{BOX_ON if on else BOX_OFF} {text}" for text, on in b.items)), size=13)
            _note_run(p, b)
        elif isinstance(b, Bullets):
            for item in b.items:
                p = _para(d, indent_mm=8)
                _font(_run(p, "• " + item), size=13)
        elif isinstance(b, DocTable):
            t = d.add_table(rows=1, cols=len(b.headers))
            t.style = "Table Grid"
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            t.autofit = False
            for i, h in enumerate(b.headers):
                cell = t.rows[0].cells[i]
                cell.paragraphs[0].text = ""
                _font(_run(cell.paragraphs[0], h), size=9, bold=True)
            _repeat_header(t.rows[0])
            for row in b.rows:
                cells = t.add_row().cells
                for i, v in enumerate(row):
                    lines = str(v).split("\n")
                    cells[i].paragraphs[0].text = ""
                    for j, ln in enumerate(lines):
                        p = cells[i].paragraphs[0] if j == 0 else cells[i].add_paragraph()
                        p.paragraph_format.space_after = Pt(0)
                        mono = i in b.mono or re.fullmatch(r"[0-9a-f]{64}", ln) is not None
                        _font(_run(p, ln), name=MONO if mono else FONT, size=7 if mono else 9)
            for row in t.rows:
                for i, cell in enumerate(row.cells):
                    cell.width = Mm(width_mm * b.widths[i])
            _para(d, "", space_after=2)
        elif isinstance(b, Signature):
            # keep the signature with the paragraph before it (a page holding only a signature is not valid)
            prev = d.element.body[-2] if len(d.element.body) >= 2 else None   # [-1] is the section properties
            if prev is not None and prev.tag == qn("w:p"):
                Paragraph(prev, d._body).paragraph_format.keep_with_next = True
            t = d.add_table(rows=1, cols=2)
            _widths(t, [width_mm * 0.38, width_mm * 0.62])
            trpr = t.rows[0]._tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:cantSplit"))
            _no_borders(t)
            cell = t.rows[0].cells[1]
            cell.paragraphs[0].text = ""
            lines = [(x, True, False) for x in b.title.split("\n")] + [(b.note, False, True), ("", False, False),
                                                                       ("", False, False), (b.name, True, False)]
            for i, (text, bold, italic) in enumerate(lines):
                p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.keep_with_next = i < len(lines) - 1
                if text:
                    _font(_run(p, text), size=13, bold=bold, italic=italic)
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    if out is not None:
        Path(out).write_bytes(data)
    return data


def docx_text(data: bytes) -> str:
    """All text of a DOCX (paragraphs and table cells, in order), for tests and checks."""
    d = Document(io.BytesIO(data))
    out: list[str] = []
    body = d.element.body
    for el in body.iterchildren():
        if el.tag == qn("w:p"):
            out.append("".join(t.text or "" for t in el.iter(qn("w:t"))))
        elif el.tag == qn("w:tbl"):
            for tr in el.iter(qn("w:tr")):
                cells = []
                for tc in tr.iter(qn("w:tc")):
                    cells.append("\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p"))))
                out.append(" | ".join(cells))
    return "\n".join(out)
