"""The activity strip drawn for the reports: a reportlab Drawing (the PDF embeds it as vectors) and the
same drawing rasterised to a PNG with Pillow (the DOCX), so both show one picture. (reportlab's own
bitmap renderer needs a Cairo backend this build does not ship; the drawing holds only rectangles, lines
and strings, which `_raster` draws.)

Top to bottom: the bars of events per time bin (the highest count written at the top left), one lane
per tactic with a coloured mark in the bins where its findings first matched, the time axis in the
incident's zone, and the legend (tactics in attack order with their ATT&CK ids).
"""
from __future__ import annotations

import datetime as dt
import io

from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from .document import fmt_size
from .incident import tzinfo_for
from .render_pdf import FONT, FONTS_DIR, register_fonts

BAR_H = 64.0      # height of the bars (pt)
TOP_H = 12.0      # the line above the bars (the highest count)
LANE_H = 10.0     # one lane of marks
AXIS_H = 14.0     # tick labels under the lanes
LEGEND_ROW = 12.0
FONT_SIZE = 7.5
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def _label(us: int, tz_name: str | None) -> str:
    return (EPOCH + dt.timedelta(microseconds=us)).astimezone(tzinfo_for(tz_name)).strftime("%d/%m/%Y %H:%M")


def _legend_rows(strip, width: float, lang: str) -> list[list[tuple[str, str, float]]]:
    rows: list[list[tuple[str, str, float]]] = [[]]
    used = 0.0
    for e in strip.legend:
        text = e.name(lang) + (f" ({e.attack_id})" if e.attack_id else "")
        w = 10 + stringWidth(text, FONT, FONT_SIZE) + 12
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append((text, e.color, w))
        used += w
    return rows if rows[0] else []


def drawing(strip, width: float, tz_name: str | None = None, lang: str = "vi") -> Drawing:
    """The strip as a reportlab Drawing ``width`` points wide."""
    register_fonts()
    legend = _legend_rows(strip, width, lang)
    lanes = len(strip.legend)
    height = TOP_H + BAR_H + 3 + lanes * LANE_H + AXIS_H + len(legend) * LEGEND_ROW + 2
    d = Drawing(width, height)
    n = len(strip.counts)
    w = width / n
    top = max(strip.counts) or 1
    y0 = height - TOP_H - BAR_H                  # the bars' baseline
    d.add(Rect(0, y0, width, BAR_H, fillColor=colors.HexColor("#f6f8fa"), strokeColor=None))
    bar = colors.HexColor("#1a5fb4")
    for i, c in enumerate(strip.counts):
        if c:
            h = max(0.6, BAR_H * c / top)
            d.add(Rect(i * w + 0.15 * w, y0, max(0.5, w * 0.7), h, fillColor=bar, strokeColor=None))
    most = (f"cột cao nhất: {fmt_size(top)} sự kiện" if lang == "vi" else f"highest bar: {fmt_size(top)} events")
    d.add(String(0, height - FONT_SIZE - 1, most,
                 fontName=FONT, fontSize=FONT_SIZE, fillColor=colors.HexColor("#333333")))
    d.add(Line(0, y0, width, y0, strokeColor=colors.HexColor("#888888"), strokeWidth=0.5))
    lane_top = y0 - 3
    for li in range(lanes):
        if li % 2 == 0:
            d.add(Rect(0, lane_top - (li + 1) * LANE_H, width, LANE_H, fillColor=colors.HexColor("#fafafa"),
                       strokeColor=None))
    for m in strip.marks:
        li = strip.lane_of(m.tactic)
        mw = max(3.0, w * 0.8)
        x = min(max(0.0, m.bin * w + (w - mw) / 2), width - mw)
        d.add(Rect(x, lane_top - (li + 1) * LANE_H + 1.5, mw, LANE_H - 3, fillColor=colors.HexColor(m.color),
                   strokeColor=colors.HexColor("#ffffff"), strokeWidth=0.3))
    axis_y = lane_top - lanes * LANE_H - FONT_SIZE - 3
    ticks = 5 if width > 300 else 3
    for k in range(ticks):
        frac = k / (ticks - 1)
        us = strip.start_us + int((strip.end_us - strip.start_us) * frac)
        anchor = "start" if k == 0 else ("end" if k == ticks - 1 else "middle")
        x = width * frac
        d.add(Line(x, lane_top - lanes * LANE_H, x, lane_top - lanes * LANE_H - 2, strokeColor=colors.black,
                   strokeWidth=0.4))
        d.add(String(x, axis_y, _label(us, tz_name), fontName=FONT, fontSize=FONT_SIZE, textAnchor=anchor))
    y = axis_y - LEGEND_ROW
    for row in legend:
        x = 0.0
        for text, color, lw in row:
            d.add(Rect(x, y - 1, 8, 8, fillColor=colors.HexColor(color), strokeColor=None))
            d.add(String(x + 10, y, text, fontName=FONT, fontSize=FONT_SIZE))
            x += lw
        y -= LEGEND_ROW
    return d


def png(strip, width_pt: float, tz_name: str | None = None, lang: str = "vi", dpi: int = 200) -> bytes:
    """The same drawing as a PNG (for the DOCX)."""
    return _raster(drawing(strip, width_pt, tz_name, lang), dpi)


def _rgb(color) -> tuple[int, int, int] | None:
    if color is None:
        return None
    r, g, b = color.rgb()
    return round(r * 255), round(g * 255), round(b * 255)


def _raster(d: Drawing, dpi: int) -> bytes:
    """The drawing's rectangles, lines and strings on a white PNG at ``dpi``."""
    k = dpi / 72
    w, h = max(1, round(d.width * k)), max(1, round(d.height * k))
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    fonts: dict[tuple[str, float], ImageFont.FreeTypeFont] = {}

    def y(v: float) -> float:
        return h - v * k

    for shape in d.contents:
        if isinstance(shape, Rect):
            fill, line = _rgb(shape.fillColor), _rgb(shape.strokeColor)
            box = (shape.x * k, y(shape.y + shape.height), (shape.x + shape.width) * k, y(shape.y))
            draw.rectangle(box, fill=fill, outline=line, width=max(1, round((shape.strokeWidth or 0) * k))
                           if line else 0)
        elif isinstance(shape, Line):
            draw.line((shape.x1 * k, y(shape.y1), shape.x2 * k, y(shape.y2)), fill=_rgb(shape.strokeColor),
                      width=max(1, round(shape.strokeWidth * k)))
        elif isinstance(shape, String):
            key = (shape.fontName, shape.fontSize)
            if key not in fonts:
                fonts[key] = ImageFont.truetype(str(FONTS_DIR / f"{shape.fontName}.ttf"), round(shape.fontSize * k))
            font = fonts[key]
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}.get(shape.textAnchor, "ls")
            draw.text((shape.x * k, y(shape.y)), shape.text, font=font, fill=_rgb(shape.fillColor) or (0, 0, 0),
                      anchor=anchor)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()

