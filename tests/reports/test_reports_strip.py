"""The findings report carries the activity strip: drawn in the PDF, a PNG in the DOCX, with its legend."""
from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from PIL import Image
from reports_helpers import pdftotext

from analysis.strip import BAR_COLOR, TACTIC_COLORS
from reports import kinds
from reports.document import StripChart
from reports.render import render_report
from reports.render_docx import docx_text


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def strip_case(module_case, shared_data):
    module_case.add_file(shared_data / "evtx/attack-samples/Defense_Evasion/DE_1102_security_log_cleared.evtx",
                         checklist_id="B10", collector="test",
                         source="C:\\Windows\\System32\\winevt\\Logs\\Security.evtx")
    return module_case


def test_findings_document_holds_the_strip_with_the_log_clearing_marked(strip_case):
    doc = kinds.build_doc(strip_case, "findings")
    charts = [b for b in doc.blocks if isinstance(b, StripChart)]
    assert len(charts) == 1
    s = charts[0].strip
    assert "defense_impairment" in [e.tactic for e in s.legend]        # the 1102 rule: Defense Impairment
    assert sum(s.counts) > 0
    assert any(m.tactic == "defense_impairment" for m in s.marks)
    assert charts[0].caption.startswith("Hình 1.")
    assert "Vô hiệu hoá phòng thủ (TA0112)" in doc.plain_text()


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return {c for _n, c in img.getcolors(maxcolors=1 << 20)}


def test_pdf_draws_the_strip(strip_case, tmp_path):
    out = tmp_path / "findings.pdf"
    render_report(strip_case, "findings", "pdf", out=out)
    text = " ".join(pdftotext(out).split())
    assert "Hình 1. Số sự kiện trong dòng thời gian" in text
    assert "Vô hiệu hoá phòng thủ (TA0112)" in text                      # the legend, drawn as text
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(out), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    seen = set().union(*(_colours(p.read_bytes()) for p in pages))
    assert _rgb(TACTIC_COLORS["defense_impairment"]) in seen            # the mark and its legend square
    assert _rgb(BAR_COLOR) in seen                                       # the bars


def test_docx_embeds_the_strip_as_a_png_before_its_caption(strip_case, tmp_path):
    out = tmp_path / "findings.docx"
    render_report(strip_case, "findings", "docx", out=out)
    with zipfile.ZipFile(out) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert len(media) == 1
        png = z.read(media[0])
        body = z.read("word/document.xml").decode()
    assert _rgb(TACTIC_COLORS["defense_impairment"]) in _colours(png)
    assert _rgb(BAR_COLOR) in _colours(png)
    assert Image.open(io.BytesIO(png)).size[0] > 1000                    # 200 dpi across the text width
    assert body.index("<w:drawing>") < body.index("Hình 1. Số sự kiện")
    assert "Hình 1." in docx_text(out.read_bytes())
