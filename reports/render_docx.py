"""DOCX rendering with python-docx: the same blocks as the PDF, in the format of NĐ 30/2020/NĐ-CP
(the sizes and margins of render_pdf), editable in Word and LibreOffice.

Text is set in Times New Roman (NĐ 30's font, present on the recipients' machines; LibreOffice shows
the metric-compatible Liberation Serif where it is absent). Every table has a fixed layout with its
grid, total and cell widths in twentieths of a point, so neither Word nor LibreOffice re-flows the
columns. The page number is the only thing in the margins: a PAGE field centred in the header from
page 2. Language vi-VN; author, created and modified are the examiner and now; the python-docx
template's thumbnail, custom XML, application name and document id are removed.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

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
from .render_pdf import text_width_mm

FONT = "Times New Roman"
MONO = "Courier New"
SYMBOL = "Segoe UI Symbol"       # ☐ ☒ (Word); LibreOffice falls back to a font that has them
PAGE_W, MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 210, 30, 15, 20, 20
WIDTH_MM = PAGE_W - MARGIN_L - MARGIN_R
BODY = 13
NBSP = "\u00a0"
LANG = "vi-VN"
APP_XML = ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           "<Application>UngCuu</Application><DocSecurity>0</DocSecurity></Properties>")


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
        from docx.shared import RGBColor

        run.font.color.rgb = RGBColor.from_string(color)


def _text(p, text: str, size: float = BODY, **kw):
    r = _run(p, text)
    _font(r, size=size, **kw)
    return r


def _field(paragraph, code: str, size: float = BODY) -> None:
    """Insert a field (PAGE) that Word and LibreOffice compute."""
    run = paragraph.add_run()
    for tag, text in (("begin", None), (None, code), ("separate", None), (None, "2"), ("end", None)):
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
    _font(run, size=size)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _twips(mm: float) -> int:
    return int(round(mm / 25.4 * 1440))


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed layout, total width, grid columns and every cell's width (dxa): Word and LibreOffice keep
    them (without the total and the fixed layout LibreOffice shares the width out by content)."""
    table.autofit = False                       # w:tblLayout w:type="fixed"
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(_twips(w) for w in widths_mm)))
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(_twips(w)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            tcpr = cell._tc.get_or_add_tcPr()
            tcw = tcpr.find(qn("w:tcW"))
            if tcw is None:
                tcw = OxmlElement("w:tcW")
                tcpr.insert(0, tcw)
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), str(_twips(w)))


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _cell_margins(table, left_mm: float = 0, right_mm: float = 0) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side, v in (("left", left_mm), ("right", right_mm)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(_twips(v)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.append(mar)


def _note_run(p, b) -> None:
    n = source_note(b)
    if n:
        _text(p, n, size=10, italic=True, color="7A4100")


def _fmt(p, align=None, space_after: float = 3, space_before: float = 0, indent_mm: float = 0,
         first_mm: float = 0):
    pf = p.paragraph_format
    if align is not None:
        p.alignment = align
    pf.space_after = Pt(space_after)
    pf.space_before = Pt(space_before)
    if indent_mm:
        pf.left_indent = Mm(indent_mm)
    if first_mm:
        pf.first_line_indent = Mm(first_mm)
    return p


def _para(d, text: str = "", *, size: float = BODY, bold=None, italic=None, align=None, indent_mm: float = 0,
          space_after: float = 3, first_mm: float = 0):
    p = _fmt(d.add_paragraph(), align, space_after, indent_mm=indent_mm, first_mm=first_mm)
    if text:
        _text(p, text, size=size, bold=bold, italic=italic)
    return p


def _rule(container, width_mm: float, col_mm: float):
    """A centred rule `width_mm` long: an empty paragraph indented from both sides with a bottom border."""
    p = container.add_paragraph()
    side = max((col_mm - width_mm) / 2, 0)
    _fmt(p, space_after=2)
    pf = p.paragraph_format
    pf.left_indent, pf.right_indent = Mm(side), Mm(side)
    pf.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    ppr.append(bdr)
    return p


def _boxes(p, items: list[tuple[str, bool]], size: float = BODY) -> None:
    """Each box joined to its label by no-break spaces (short labels never break inside)."""
    for i, (text, on) in enumerate(items):
        if i:
            _text(p, "    ", size=size)
        r = _run(p, BOX_ON if on else BOX_OFF)
        _font(r, name=SYMBOL, size=size - 1)
        label = text.replace(" ", NBSP) if len(text) <= 28 else text.replace(" ", NBSP, 1)
        _text(p, NBSP + label, size=size)


def _lang(el) -> None:
    """vi-VN on a run-properties element."""
    lang = el.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        el.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), LANG)


def _setup(d, doc: Doc, now: dt.datetime) -> None:
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin, sec.right_margin = Mm(MARGIN_L), Mm(MARGIN_R)
    sec.top_margin, sec.bottom_margin = Mm(MARGIN_T), Mm(MARGIN_B)
    sec.header_distance, sec.footer_distance = Mm(8), Mm(8)
    normal = d.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY)
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        rfonts.set(qn(attr), FONT)
    _lang(rpr)
    defaults = d.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        drpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if drpr is not None:
            _lang(drpr)
    # the page number: from page 2, centred in the top margin
    sec.different_first_page_header_footer = True
    hp = sec.header.paragraphs[0]
    hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(hp, "PAGE")
    cp = d.core_properties
    cp.title = doc.title
    cp.subject = doc.summary or doc.subtitle or doc.title
    cp.author = doc.author or "UngCuu"
    cp.last_modified_by = doc.author or "UngCuu"
    cp.keywords = doc.case_id
    cp.comments = ""
    cp.language = LANG if doc.lang != "en" else "en"
    cp.created = cp.modified = now.replace(microsecond=0)
    cp.revision = 1
    _clean_template(d)


def _clean_template(d) -> None:
    """Remove what the python-docx template brings along: its thumbnail, custom XML, application name,
    shared document id and English theme language."""
    pkg = d.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype.endswith("/metadata/thumbnail"):
            pkg.rels.pop(rid)
        elif rel.reltype.endswith("/extended-properties"):
            rel.target_part._blob = APP_XML.encode("utf-8")
    for rid, rel in list(d.part.rels.items()):
        if rel.reltype.endswith("/customXml") or rel.reltype.endswith("/stylesWithEffects"):
            d.part.rels.pop(rid)
    settings = d.settings.element
    for tag in ("w14:docId", "w:rsids", "w:savePreviewPicture", "w:proofState"):
        for el in settings.findall(qn(tag)):
            settings.remove(el)
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is not None:
        tfl.set(qn("w:val"), LANG)
        for a in ("w:eastAsia",):
            if tfl.get(qn(a)) is not None:
                del tfl.attrib[qn(a)]


def _letterhead(d, doc: Doc, b: Letterhead) -> None:
    vi = doc.lang != "en"
    lw, rw = WIDTH_MM * 0.45, WIDTH_MM * 0.55
    t = d.add_table(rows=2, cols=2)
    _no_borders(t)
    _cell_margins(t)
    _widths(t, [lw, rw])
    (left, right), (so, date) = t.rows[0].cells, t.rows[1].cells

    def line(cell, text, size, bold=False, italic=False):
        fresh = len(cell.paragraphs) == 1 and not cell.paragraphs[0].runs     # a new cell's empty paragraph
        p = _fmt(cell.paragraphs[0] if fresh else cell.add_paragraph(), WD_ALIGN_PARAGRAPH.CENTER, 0)
        _text(p, text, size=size, bold=bold, italic=italic)

    if b.parent:
        line(left, b.parent, 13)
    line(left, b.org, 13, bold=True)
    _rule(left, min(lw, text_width_mm(b.org, 13, bold=True)) * 0.4, lw)
    line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, bold=True)
    line(right, "Độc lập - Tự do - Hạnh phúc", 13, bold=True)
    _rule(right, text_width_mm("Độc lập - Tự do - Hạnh phúc", 13, bold=True), rw)
    line(so, ("Số: " if vi else "No.: ") + b.number, 13)
    line(date, b.place_date, 14, italic=True)


def _title(d, doc: Doc) -> None:
    _para(d, doc.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0).paragraph_format \
        .space_before = Pt(10)
    if doc.summary:
        _para(d, doc.summary, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
        _rule(d, 40, WIDTH_MM)
    if doc.subtitle:
        _para(d, doc.subtitle, size=12, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(d, "", space_after=4)


def _kinh_gui(d, b: KinhGui) -> None:
    if len(b.names) == 1:
        _para(d, f"{b.label} {b.names[0]}.", size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
        return
    t = d.add_table(rows=1, cols=2)
    _no_borders(t)
    _cell_margins(t, 0, 1.5)
    _widths(t, [WIDTH_MM * 0.3, WIDTH_MM * 0.7])
    label, lines = t.rows[0].cells
    _text(_fmt(label.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, 0), b.label + NBSP, size=14)
    for i, x in enumerate(noi_nhan_lines(b.names)):
        p = lines.paragraphs[0] if i == 0 else lines.add_paragraph()
        _text(_fmt(p, WD_ALIGN_PARAGRAPH.LEFT, 0), x, size=14)
    _para(d, "", space_after=2)


def _signature(d, b: Signature) -> None:
    # keep the signature with the paragraph before it (a page holding only a signature is not valid)
    prev = d.element.body[-2] if len(d.element.body) >= 2 else None   # [-1] is the section properties
    if prev is not None and prev.tag == qn("w:p"):
        Paragraph(prev, d._body).paragraph_format.keep_with_next = True
    t = d.add_table(rows=1, cols=2)
    _no_borders(t)
    _cell_margins(t)
    share = 0.62 if b.recipients is not None else 0.7      # the forms' long title needs the room
    _widths(t, [WIDTH_MM * (1 - share), WIDTH_MM * share])
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    left, cell = t.rows[0].cells
    big = all(text_width_mm(x, 14, bold=True) <= WIDTH_MM * share - 2 for x in b.title.split("\n"))
    lines = [(x, 14 if big else 13, True, False) for x in b.title.split("\n")] + [(b.note, 13, False, True), ("", 13, False, False),
                                                                   ("", 13, False, False), ("", 13, False, False),
                                                                   (b.name, 14, True, False)]
    for i, (text, size, bold, italic) in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        _fmt(p, WD_ALIGN_PARAGRAPH.CENTER, 0)
        p.paragraph_format.keep_with_next = i < len(lines) - 1
        if text:
            _text(p, text, size=size, bold=bold, italic=italic)
    if b.recipients is not None:
        p = _fmt(left.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, 0)
        _text(p, b.recipients_label, size=12, bold=True, italic=True)
        for x in noi_nhan_lines(b.recipients):
            _text(_fmt(left.add_paragraph(), WD_ALIGN_PARAGRAPH.LEFT, 0), x, size=11)


def _table(d, b: DocTable) -> None:
    t = d.add_table(rows=1, cols=len(b.headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(b.headers):
        cell = t.rows[0].cells[i]
        _text(_fmt(cell.paragraphs[0], space_after=0), h, size=10, bold=True)
    _repeat_header(t.rows[0])
    for row in b.rows:
        cells = t.add_row().cells
        for i, v in enumerate(row):
            for j, ln in enumerate(str(v).split("\n")):
                p = _fmt(cells[i].paragraphs[0] if j == 0 else cells[i].add_paragraph(), space_after=0)
                hexline = re.fullmatch(r"[0-9a-f]{64}", ln) is not None
                mono = i in b.mono or hexline
                _text(p, ln, name=MONO if mono else FONT, size=6.5 if hexline else (8 if mono else 10))
    _widths(t, [WIDTH_MM * w for w in b.widths])
    _para(d, "", space_after=2)


def _strip(d, b: StripChart) -> None:
    """The activity strip as a PNG the text width wide, its caption under it."""
    from .strip_chart import png

    width_pt = WIDTH_MM / 25.4 * 72
    p = _para(d, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=1)
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png(b.strip, width_pt, b.tz, b.lang)), width=Mm(WIDTH_MM))
    _para(d, b.caption, size=11, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=4)


def render_docx(doc: Doc, out: str | Path | None = None, now: dt.datetime | None = None) -> bytes:
    d = Document()
    _setup(d, doc, now or dt.datetime.now(dt.timezone.utc))
    if doc.form:
        _para(d, doc.form, size=11, italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=2)
    if not any(isinstance(b, Letterhead) for b in doc.blocks):
        _title(d, doc)
    for b in doc.blocks:
        if isinstance(b, Letterhead):
            _letterhead(d, doc, b)
            _title(d, doc)
        elif isinstance(b, DocPageBreak):
            d.add_page_break()
        elif isinstance(b, Heading):
            pf = _para(d, b.text, bold=True, space_after=2).paragraph_format
            pf.space_before = Pt(6)
            pf.keep_with_next = True        # never alone at the foot of a page
            pf.keep_together = True
        elif isinstance(b, KinhGui):
            _kinh_gui(d, b)
        elif isinstance(b, Para):
            size = 11 if b.style in ("small", "ref") else BODY
            _para(d, b.text, size=size, bold=b.style == "bold" or None,
                  italic=b.style in ("italic", "ref") or None,
                  align=WD_ALIGN_PARAGRAPH.CENTER if b.style == "center" else WD_ALIGN_PARAGRAPH.JUSTIFY,
                  first_mm=12.7 if b.style == "body" else 0, space_after=6 if b.style == "body" else 3)
        elif isinstance(b, FormLine):
            p = _para(d)
            if b.marker:
                _text(p, b.marker + " ")
            for i, (label, value) in enumerate(b.parts):
                if i:
                    _text(p, "    ")
                _text(p, (f"{label} {value}" if label else value) if value else label)
            _note_run(p, b)
        elif isinstance(b, FieldLine):
            p = _para(d)
            if b.label:
                _text(p, b.label + (" (*)" if b.required else "") + ": ")
            _text(p, b.value)
            _note_run(p, b)
        elif isinstance(b, Checks):
            p = _para(d)
            if b.label:
                _text(p, b.label + " " if b.verbatim else b.label + (" (*)" if b.required else "") + ": ")
            _boxes(p, b.items)
            _note_run(p, b)
        elif isinstance(b, Bullets):
            for item in b.items:
                _para(d, "- " + item, indent_mm=6, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        elif isinstance(b, StripChart):
            _strip(d, b)
        elif isinstance(b, DocTable):
            _table(d, b)
        elif isinstance(b, Signature):
            _signature(d, b)
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
    return "\n".join(out).replace(NBSP, " ")
