"""The reports in the format of Nghị định 30/2020/NĐ-CP (Phụ lục I), read back from the files: the PDF's
fonts, sizes, weights and positions (pdffonts, pdftohtml -xml), its rules (pixels of the rendered page),
the DOCX's XML (margins, header, language, properties, fixed table widths), and Mẫu 03 compared line by
line with the printed form in ../shared/seed/."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from reports_helpers import norm

from reports.kinds import KINDS, build_doc
from reports.render import render_report

MM = 72 / 25.4
ZOOM = 3          # pdftohtml's largest


@pytest.fixture(scope="module")
def rendered(module_case, tmp_path_factory):
    out = tmp_path_factory.mktemp("nd30")
    return {(k, f): render_report(module_case, k, f, out / f"{k}.{f}").path for k in KINDS for f in ("pdf", "docx")}


def runs(pdf: Path) -> list[dict]:
    """Every text run of the PDF: page, text, size (pt), bold, italic, left/top/right/bottom (pt)."""
    if shutil.which("pdftohtml") is None:
        pytest.fail("pdftohtml (poppler-utils) is required")
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-zoom", str(ZOOM), str(pdf)], check=True,
                         capture_output=True).stdout
    root = ET.fromstring(xml)
    sizes, out = {}, []
    for page in root.iter("page"):
        for fs in page.iter("fontspec"):
            sizes[fs.get("id")] = (float(fs.get("size")) / ZOOM, fs.get("family"))
        for t in page.iter("text"):
            text = "".join(t.itertext())
            left, top = float(t.get("left")) / ZOOM, float(t.get("top")) / ZOOM
            size, family = sizes[t.get("font")]
            out.append({"page": int(page.get("number")), "text": text, "size": size, "family": family,
                        "bold": t.find(".//b") is not None, "italic": t.find(".//i") is not None,
                        "left": left, "top": top, "right": left + float(t.get("width")) / ZOOM,
                        "bottom": top + float(t.get("height")) / ZOOM, "pw": float(page.get("width")) / ZOOM,
                        "ph": float(page.get("height")) / ZOOM})
    return out


def find(rs, text, page=None):
    got = [r for r in rs if r["text"].strip().startswith(text) and (page is None or r["page"] == page)]
    assert got, f"no text run starting with {text!r}"
    return got[0]


def style(r) -> tuple:
    return round(r["size"]), r["bold"], r["italic"]


def test_pdf_sizes_and_weights_of_nd30(rendered):
    rs = runs(rendered[("findings", "pdf")])
    assert style(find(rs, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) == (12, True, False)       # quốc hiệu
    assert style(find(rs, "Độc lập - Tự do - Hạnh phúc")) == (13, True, False)              # tiêu ngữ
    assert style(find(rs, "SỞ KHOA HỌC VÀ CÔNG NGHỆ")) == (13, False, False)                # parent agency
    assert style(find(rs, "TRUNG TÂM CÔNG NGHỆ")) == (13, True, False)                      # issuing agency
    assert style(find(rs, "Số:")) == (13, False, False)
    assert style(find(rs, "Hà Tĩnh, ngày")) == (14, False, True)                            # địa danh, ngày
    assert style(find(rs, "BÁO CÁO KẾT QUẢ PHÂN TÍCH SỰ CỐ")) == (14, True, False)          # tên loại
    assert style(find(rs, "Về sự cố:")) == (14, True, False)                                # trích yếu
    assert style(find(rs, "Kính gửi:")) == (14, False, False)
    assert style(find(rs, "Hệ thống: Cổng thông tin")) == (13, False, False)                # body
    assert style(find(rs, "Nơi nhận:")) == (12, True, True)
    assert style(find(rs, "- Như trên;")) == (11, False, False)
    assert style(find(rs, "GIÁM ĐỐC TRUNG TÂM")) == (14, True, False)                       # signature
    assert style(find(rs, "Trần Thị Hoa")) == (14, True, False)
    # quốc hiệu and tiêu ngữ centred on one another, place and date under them; số under the agency
    qh, tn, date = find(rs, "CỘNG HÒA"), find(rs, "Độc lập"), find(rs, "Hà Tĩnh, ngày")
    centre = lambda r: (r["left"] + r["right"]) / 2   # noqa: E731
    assert abs(centre(qh) - centre(tn)) < 2 and abs(centre(qh) - centre(date)) < 3
    org, so = find(rs, "TRUNG TÂM CÔNG NGHỆ"), find(rs, "Số:")
    assert abs(centre(org) - centre(so)) < 3 and abs(so["top"] - date["top"]) < 3


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_margins_and_page_number_only_in_the_top_margin(rendered, kind):
    rs = runs(rendered[(kind, "pdf")])
    pages = max(r["page"] for r in rs)
    for r in rs:
        if r["top"] < 20 * MM:            # only the page number, from page 2, centred
            assert r["page"] > 1 and r["text"].strip() == str(r["page"]), r
            assert abs((r["left"] + r["right"]) / 2 - r["pw"] / 2) < 2 and round(r["size"]) == 13
            continue
        assert r["left"] >= 30 * MM - 1 and r["right"] <= r["pw"] - 15 * MM + 1, r
        assert r["bottom"] <= r["ph"] - 20 * MM + 1, r
    numbers = {r["page"] for r in rs if r["top"] < 20 * MM}
    assert numbers == set(range(2, pages + 1))
    assert abs(rs[0]["pw"] - 595.3) < 1 and abs(rs[0]["ph"] - 841.9) < 1          # A4
    if kind not in ("initial", "closing"):
        assert any(r["text"].strip() == "Nơi nhận:" for r in rs)
    else:
        assert not any(r["text"].strip() == "Nơi nhận:" for r in rs)


def _dark_rows(png: Path, box: tuple[float, float, float, float]) -> list[tuple[int, float]]:
    """(row, length in pt) of the longest dark horizontal run in each pixel row of a box (pt) of a page
    rendered at 144 dpi."""
    from PIL import Image

    im = Image.open(png).convert("L")
    x0, y0, x1, y1 = (int(v * 2) for v in box)
    out = []
    for y in range(y0, y1):
        best = cur = 0
        for x in range(x0, x1):
            cur = cur + 1 if im.getpixel((x, y)) < 160 else 0
            best = max(best, cur)
        out.append((y, best / 2))
    return out


def test_pdf_rules_under_the_motto_and_the_agency(rendered, tmp_path):
    pdf = rendered[("findings", "pdf")]
    subprocess.run(["pdftoppm", "-r", "144", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    rs = runs(pdf)
    tn = find(rs, "Độc lập")
    org = [r for r in rs if r["page"] == 1 and r["bold"] and r["text"].startswith("TỈNH HÀ TĨNH")][0]
    motto_w = tn["right"] - tn["left"]
    under_motto = [n for y, n in _dark_rows(png, (tn["left"] - 10, tn["bottom"], tn["right"] + 10, tn["bottom"] + 8))]
    assert abs(max(under_motto) - motto_w) < 6          # as long as the motto
    org_lines = [r for r in rs if r["page"] == 1 and r["bold"] and r["right"] < 300 and r["top"] < org["bottom"]]
    width = max(r["right"] - r["left"] for r in org_lines)
    under_org = [n for y, n in _dark_rows(png, (90, org["bottom"], 300, org["bottom"] + 8))]
    assert 0.3 * width <= max(under_org) <= 0.5 * width     # a third to a half of the agency's line


def test_pdf_fonts_liberation_serif_embedded(rendered):
    out = subprocess.run(["pdffonts", str(rendered[("closing", "pdf")])], check=True, capture_output=True,
                         text=True).stdout
    rows = [ln.split() for ln in out.splitlines()[2:]]
    serif = [r for r in rows if "LiberationSerif" in r[0]]
    assert serif and all(r[-5] == "yes" and r[-4] == "yes" for r in serif)          # embedded subsets
    body = [r for r in runs(rendered[("closing", "pdf")]) if r["page"] == 1]
    assert all("LiberationSerif" in r["family"] or "DejaVuSans" in r["family"] or "LiberationMono" in r["family"]
               for r in body)


def test_shipped_fonts_cover_vietnamese():
    from reportlab.pdfbase.ttfonts import TTFontFile

    fonts = Path(__file__).resolve().parents[2] / "resources" / "fonts"
    vi = ("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐố"
          "ỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ–—…“”")
    for name in ("Regular", "Bold", "Italic", "BoldItalic"):
        face = TTFontFile(str(fonts / f"LiberationSerif-{name}.ttf"))
        assert [c for c in vi if ord(c) not in face.charToGlyph] == [], name
    assert "SIL Open Font License" in (fonts / "LICENSE-Liberation.txt").read_text()


# ----------------------------------------------------------------------------------------------- DOCX

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_docx_page_setup_header_language_and_properties(rendered, module_case):
    p = parts(rendered[("closing", "docx")])
    doc = ET.fromstring(p["word/document.xml"])
    sect = doc.find(f"{W}body/{W}sectPr")
    mar = sect.find(f"{W}pgMar").attrib
    twips = lambda mm: round(mm / 25.4 * 1440)   # noqa: E731
    assert abs(int(mar[f"{W}top"]) - twips(20)) <= 2 and abs(int(mar[f"{W}bottom"]) - twips(20)) <= 2
    assert abs(int(mar[f"{W}left"]) - twips(30)) <= 2 and abs(int(mar[f"{W}right"]) - twips(15)) <= 2
    size = sect.find(f"{W}pgSz").attrib
    assert (abs(int(size[f"{W}w"]) - twips(210)) <= 2, abs(int(size[f"{W}h"]) - twips(297)) <= 2) == (True, True)
    assert sect.find(f"{W}titlePg") is not None                         # no page number on page 1
    kinds = {h.get(f"{W}type") for h in sect.findall(f"{W}headerReference")}
    assert "default" in kinds
    headers = [v.decode() for n, v in p.items() if n.startswith("word/header")]
    assert any("PAGE" in h and 'w:val="center"' in h for h in headers)   # the page number, centred
    footers = [v.decode() for n, v in p.items() if n.startswith("word/footer")]
    assert all("<w:t" not in f for f in footers)                        # nothing in the bottom margin
    styles = p["word/styles.xml"].decode()
    assert 'w:val="vi-VN"' in styles and "Times New Roman" in styles
    core = p["docProps/core.xml"].decode()
    assert f"<dc:creator>{module_case.examiner}</dc:creator>" in core
    assert "python-docx" not in core and "2013-12-23" not in core
    assert re.search(r"<dcterms:created[^>]*>20\d\d-", core) and "<dc:language>vi-VN</dc:language>" in core
    assert "docProps/thumbnail.jpeg" not in p and not any(n.startswith("customXml/") for n in p)
    assert b"Microsoft Macintosh Word" not in p["docProps/app.xml"] and b"Normal.dotm" not in p["docProps/app.xml"]
    assert b"w14:docId" not in p["word/settings.xml"]


def test_docx_tables_have_fixed_widths_libreoffice_keeps(rendered):
    doc = ET.fromstring(parts(rendered[("findings", "docx")])["word/document.xml"])
    tables = list(doc.iter(f"{W}tbl"))
    assert len(tables) >= 5
    for t in tables:
        pr = t.find(f"{W}tblPr")
        assert pr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"
        assert pr.find(f"{W}tblW").get(f"{W}type") == "dxa"
        grid = [int(c.get(f"{W}w")) for c in t.find(f"{W}tblGrid")]
        assert abs(sum(grid) - int(pr.find(f"{W}tblW").get(f"{W}w"))) <= len(grid)
        assert sum(grid) <= round(165 / 25.4 * 1440) + len(grid)        # within the text width
        for tr in t.findall(f"{W}tr"):
            widths = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")]
            assert widths == grid


def test_docx_check_boxes_keep_their_labels_and_rules_are_drawn(rendered):
    xml = parts(rendered[("initial", "docx")])["word/document.xml"].decode()
    # the box and its label are joined by a no-break space ("☒ Web server" never split across lines)
    assert re.search(r"<w:t>☒</w:t></w:r><w:r>.*?<w:t[^>]*>\u00a0Web\u00a0server</w:t>", xml)
    assert xml.count("<w:pBdr>") >= 2                                     # rules under the agency and the motto


def libreoffice_pdf(docx: Path, tmp_path: Path) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (libreoffice-writer-nogui) not installed: bash scripts/setup.sh --test installs it")
    # The fonts UngCuu ships (Liberation Serif: Times New Roman's metrics) are given to LibreOffice's
    # fontconfig, so the layout does not depend on which fonts this machine happens to have.
    fonts = Path(__file__).resolve().parents[2] / "resources" / "fonts"
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f'<dir>{fonts}</dir><cachedir>{tmp_path}/fc-cache</cachedir>'
                    '<alias binding="same"><family>Times New Roman</family><prefer><family>Liberation Serif</family>'
                    '</prefer></alias></fontconfig>', encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=180, env=env)
    return tmp_path / (docx.stem + ".pdf")


def test_docx_hashes_on_one_line_in_libreoffice(rendered, module_case, tmp_path):
    from reports_helpers import pdftotext

    lines = set(pdftotext(libreoffice_pdf(rendered[("findings", "docx")], tmp_path)).splitlines())
    assert all(rec.sha256 in lines for rec in module_case.evidence())        # each whole, alone on its line


def test_docx_signature_with_the_last_paragraph_in_libreoffice(rendered, tmp_path):
    """LibreOffice lays the closing report out: the signature block is on the page of the paragraph
    before it (it stood alone on page 2)."""
    pdf = libreoffice_pdf(rendered[("closing", "docx")], tmp_path)
    from reports_helpers import pdftotext

    pages = pdftotext(pdf).split("\f")
    sig = [i for i, t in enumerate(pages) if "CÁ NHÂN/NGƯỜI ĐẠI DIỆN" in t][0]
    assert "Gói chứng cứ UngCuu" in pages[sig]                       # the last item of the list before it
    rs = runs(pdf)
    assert style(find(rs, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) == (12, True, False)
    assert len([r for r in rs if r["text"].startswith("CỘNG HÒA")]) == 1          # the motto on one line


# ----------------------------------------------------------------------------------------------- Mẫu 03

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"


def _norm_form(line: str) -> str:
    """A form line without its dotted blanks, boxes unified, spaces collapsed."""
    line = re.sub(r"[.…]{2,}|…", " ", line).replace("☐", "□").replace("☒", "□")
    return " ".join(line.split()).rstrip(" :") if line.strip() not in ("*:",) else line.strip()


def test_form03_reproduces_the_printed_wording_line_by_line(tmp_path):
    seeds = sorted(SEED.glob("*.txt")) if SEED.is_dir() else []
    if not seeds:
        pytest.skip(f"the decree's text is not in {SEED}")
    text = seeds[0].read_text(encoding="utf-8")
    form = text[text.index("BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG"):]
    printed = [x for x in map(_norm_form, form.splitlines()) if x]        # a line of dots only: a blank to fill
    ours = [x for x in map(_norm_form, build_doc(None, "initial").plain_text().splitlines()) if x]
    ours = ours[ours.index("BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG"):]
    # the seed's copy of the form lacks the contact, system, description and detection time parts
    # (forms.md gives them): compare what is before and from "HIỆN TRẠNG SỰ CỐ (*)" on
    cut_p, cut_o = printed.index("HIỆN TRẠNG SỰ CỐ (*)"), ours.index("HIỆN TRẠNG SỰ CỐ (*)")
    assert ours[:4] == printed[:4]
    end = ours.index(printed[-1]) + 1
    assert ours[cut_o:end] == printed[cut_p:]
    assert "(IDS)" not in " ".join(ours) and not any(re.match(r"^[A-J]\. ", x) for x in ours)


def test_form03_other_values_filled(module_case):
    inc = module_case.incident()
    inc["detection"]["methods"] = ["other"]
    inc["detection"]["other_method"] = "Rà soát định kỳ của Đội ứng cứu"
    inc["system_info"]["services"] = ["web", "other"]
    inc["system_info"]["services_other"] = "DNS"
    inc["system_info"]["security_measures"] = ["other"]
    inc["system_info"]["security_other"] = "WAF"
    inc["system_info"]["attachments"] = ["other"]
    inc["system_info"]["attachments_other"] = "Ảnh chụp màn hình"

    class _Case:
        case_id = "UC-TEST"
        examiner = "x"

        def incident(self):
            return inc

        def evidence(self):
            return []

    text = build_doc(_Case(), "initial").plain_text()
    assert "☒ Khác, đó là Rà soát định kỳ của Đội ứng cứu" in text
    assert "☒ Dịch vụ khác, đó là DNS" in text and "☒ Khác: WAF" in text and "☒ Khác: Ảnh chụp màn hình" in text
    assert "Chú thích:\n1. Phần (*) là những thông tin bắt buộc." in text


# ----------------------------------------------------------------------------------------------- deadlines


def test_every_due_report_states_its_deadline_under_each_regime(rendered):
    from reports.render_docx import docx_text

    notif = norm(docx_text(rendered[("notification", "docx")].read_bytes()))
    assert "Hà Tĩnh — Quyết định 1859/QĐ-UBND (07/08/2023): Thông báo sự cố cho cơ quan chủ quản — hạn " \
           "23/11/2026 07:40 (+07:00)" in notif
    assert "Thông tư 20/2017/TT-BTTTT (quốc gia): Thông báo sự cố (Điều 9.2) — hạn 25/11/2026 07:40 (+07:00)" in notif
    assert "(TẠM THỜI) — cần xác minh: Thông báo sự cố (24 giờ) — hạn 21/11/2026 07:40 (+07:00)" in notif
    initial = norm(docx_text(rendered[("initial", "docx")].read_bytes()))
    assert "(TẠM THỜI) — cần xác minh: Báo cáo ban đầu sự cố (72 giờ) — hạn 23/11/2026 07:40 (+07:00)" in initial
    closing = norm(docx_text(rendered[("closing", "docx")].read_bytes()))
    assert "Báo cáo kết thúc ứng phó sự cố (Mẫu 04) — hạn 02/12/2026 09:00 (+07:00)" in closing
    assert "Báo cáo kết thúc ứng phó sự cố (Mẫu 04, Điều 9.2.b) — hạn 27/11/2026 09:00 (+07:00)" in closing


def test_provisional_regime_applies_only_from_its_effective_date():
    from reports.regimes import applicable_regimes

    before = {"regime": "hatinh_1859_2023", "detection": {"detected_at": "2026-06-30T23:00:00+07:00"}}
    after = {"regime": "hatinh_1859_2023", "detection": {"detected_at": "2026-07-01T00:00:00+07:00"}}
    assert [r.id for r in applicable_regimes(before)] == ["hatinh_1859_2023", "tt20_2017"]
    assert [r.id for r in applicable_regimes(after)] == ["hatinh_1859_2023", "lanm_2026", "tt20_2017"]


def test_status_lists_the_deadlines_of_every_regime(case, capsys):
    import argparse

    from desktop.commands import status

    parser = argparse.ArgumentParser()
    status.add_arguments(parser)
    args = parser.parse_args(["--case", str(case.path)])
    args.lang = "vi"
    assert status._show(case, args) == 0
    out = capsys.readouterr().out
    assert "Hà Tĩnh — Quyết định 1859/QĐ-UBND" in out and "Thông tư 20/2017/TT-BTTTT (quốc gia)" in out
    assert "Luật An ninh mạng 2025 — chế độ 24 giờ / 72 giờ (TẠM THỜI)" in out
    assert "Báo cáo ban đầu sự cố (72 giờ)" in out and "23/11/2026 07:40 +07:00" in out
