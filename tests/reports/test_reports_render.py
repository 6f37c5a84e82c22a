"""Every report kind rendered from a fixture case: PDF (pdftotext gives back the Vietnamese labels and
values; fonts embedded; page header on every page), DOCX read back, the notification as .eml."""
from __future__ import annotations

import argparse
import email
import email.policy
import re
import subprocess

import pytest
from reports_helpers import norm, pdftotext

from reports.kinds import KINDS, build_doc
from reports.render import render_report
from reports.render_docx import docx_text

# Mẫu 03 labels in the order of the printed form (../shared/seed/, ../shared/spec/forms.md).
FORM03_LABELS = [
    "BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG",
    "THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO SỰ CỐ", "Tên tổ chức/cá nhân báo cáo sự cố (*)", "Địa chỉ: (*)",
    "Điện thoại (*)", "Email (*)",
    "NGƯỜI LIÊN HỆ", "Họ và tên (*)", "Chức vụ",
    "THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ", "Tên đơn vị vận hành hệ thống thông tin (*)", "Cơ quan chủ quản",
    "Tên hệ thống bị sự cố", "Phân loại cấp độ của hệ thống thông tin (nếu có)",
    "Tổ chức cung cấp dịch vụ an toàn thông tin (nếu có)", "Tên nhà cung cấp dịch vụ kết nối bên ngoài (nếu có)",
    "Mô tả sơ bộ về sự cố (*)",
    "Ngày phát hiện sự cố (*) (dd/mm/yy)", "Thời gian phát hiện (*) (giờ, phút)", "HIỆN TRẠNG SỰ CỐ (*)",
    "Đã được xử lý", "Chưa được xử lý",
    "CÁCH THỨC PHÁT HIỆN", "* (Đánh dấu những cách thức được sử dụng để phát hiện sự cố)",
    "Qua hệ thống phát hiện xâm nhập", "Kiểm tra dữ liệu lưu lại (Log File)",
    "Nhận được thông báo từ", "Khác, đó là",
    "ĐÃ GỬI THÔNG BÁO SỰ CỐ CHO *", "Thành viên mạng lưới chịu trách nhiệm ứng cứu sự cố cho tổ chức, cá nhân",
    "ISP đang trực tiếp cung cấp dịch vụ", "Cơ quan điều phối",
    "THÔNG TIN BỔ SUNG VỀ HỆ THỐNG XẢY RA SỰ CỐ", "Hệ điều hành", "Version",
    "Các dịch vụ có trên hệ thống (Đánh dấu những dịch vụ được sử dụng trên hệ thống)",
    "Web server", "Mail server", "Database server", "Dịch vụ khác, đó là",
    "Các biện pháp an toàn thông tin đã triển khai (Đánh dấu những biện pháp đã triển khai)", "Antivirus",
    "Firewall", "Hệ thống phát hiện xâm nhập",
    "Các địa chỉ IP của hệ thống (Liệt kê địa chỉ IP sử dụng trên Internet, không liệt kê địa chỉ IP nội bộ)",
    "Các tên miền của hệ thống", "Mục đích chính sử dụng hệ thống",
    "Thông tin gửi kèm", "Nhật ký hệ thống", "Mẫu virus / mã độc",
    "Các thông tin cung cấp trong thông báo sự cố này đều phải được giữ bí mật:",
    "KIẾN NGHỊ, ĐỀ XUẤT HỖ TRỢ", "Mô tả về đề xuất, kiến nghị",
    "THỜI GIAN THỰC HIỆN BÁO CÁO SỰ CỐ", "CÁ NHÂN/NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT", "(Ký tên, đóng dấu)",
    "Chú thích:",
]
FORM03_VALUES = [
    "Tên tổ chức/cá nhân báo cáo sự cố (*) Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh",
    "Địa chỉ: (*) Số 2 đường Nguyễn Chí Thanh, phường Thành Sen, tỉnh Hà Tĩnh",
    "Điện thoại (*) 0239 3856 789 Email (*) ungcuusuco@stttt.hatinh.gov.vn",
    "Họ và tên (*) Nguyễn Văn Đức Chức vụ Phó Giám đốc Trung tâm, Đội trưởng Đội ứng cứu sự cố",
    "Điện thoại (*) 0912 345 678 Email (*) ducnv@stttt.hatinh.gov.vn",
    "Tên đơn vị vận hành hệ thống thông tin (*) Văn phòng HĐND và UBND huyện Cẩm Xuyên",
    "Cơ quan chủ quản Ủy ban nhân dân huyện Cẩm Xuyên",
    "Tên hệ thống bị sự cố Cổng thông tin điện tử huyện Cẩm Xuyên "
    "(camxuyen.hatinh.gov.vn, www.camxuyen.hatinh.gov.vn; 203.0.113.45, 10.20.5.12)", "☒ Cấp độ 2",
    "Tổ chức cung cấp dịch vụ an toàn thông tin (nếu có) Trung tâm Công nghệ thông tin và Truyền thông tỉnh Hà Tĩnh",
    "Tên nhà cung cấp dịch vụ kết nối bên ngoài (nếu có) VNPT Hà Tĩnh",
    "chưa xác định được dữ liệu cá nhân của công dân bị lộ",
    "Ngày phát hiện sự cố (*) (dd/mm/yy) 20/11/26", "Thời gian phát hiện (*) (giờ, phút) 07 giờ 40 phút (UTC+07:00)",
    "☐ Đã được xử lý ☒ Chưa được xử lý",
    "☐ Qua hệ thống phát hiện xâm nhập ☒ Kiểm tra dữ liệu lưu lại (Log File)",
    "☒ Nhận được thông báo từ: Người dân phản ánh qua đường dây nóng của UBND huyện",
    "☒ Thành viên mạng lưới", "☐ ISP đang trực tiếp cung cấp dịch vụ ☒ Cơ quan điều phối",
    "Hệ điều hành Ubuntu Server Version 22.04.4 LTS", "☒ Web server ☐ Mail server ☒ Database server",
    "☐ Antivirus ☒ Firewall ☐ Hệ thống phát hiện xâm nhập", "không liệt kê địa chỉ IP nội bộ) 203.0.113.45",
    "Các tên miền của hệ thống camxuyen.hatinh.gov.vn",
    "Mục đích chính sử dụng hệ thống Cung cấp thông tin chỉ đạo, điều hành và dịch vụ công trực tuyến của huyện",
    "☒ Nhật ký hệ thống ☒ Mẫu virus / mã độc ☐ Khác:", "bí mật: ☒ Có ☐ Không",
    "Đề nghị Cơ quan điều phối quốc gia hỗ trợ phân tích mẫu webshell",
    "*: 20/11/2026 15:30 (ngày/tháng/năm/giờ/phút)", "GIÁM ĐỐC TRUNG TÂM", "Trần Thị Hoa", "Số: 146/BC-TTCNTT",
    "Hà Tĩnh, ngày 20 tháng 11 năm 2026", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
]


@pytest.fixture(scope="module")
def rendered(module_case, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    paths = {}
    for kind in KINDS:
        for fmt in ("pdf", "docx"):
            paths[(kind, fmt)] = render_report(module_case, kind, fmt, out / f"{kind}.{fmt}").path
    return paths


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_form03_pdf_has_every_label_in_order_and_every_value(rendered, module_case):
    text = norm(pdftotext(rendered[("initial", "pdf")]))
    pos = -1
    for label in FORM03_LABELS:
        found = text.find(label, pos + 1)
        assert found > pos, f"label missing or out of order: {label}"
        pos = found
    for value in FORM03_VALUES:
        assert value in text, value
    n = pages(rendered[("initial", "pdf")])
    pages_text = pdftotext(rendered[("initial", "pdf")]).split("\f")
    annex = norm(pages_text[n - 1])
    assert annex.startswith(f"{n} PHỤ LỤC — Nội dung báo cáo ban đầu theo khoản 4 Điều 11 Quyết định 05/2017/QĐ-TTg")
    assert "Nhà cung cấp dịch vụ kết nối: VNPT Hà Tĩnh" in annex and "Rà soát lỗ hổng toàn bộ" in annex
    assert text.count(f"Hồ sơ vụ việc: {module_case.case_id}") == 1       # in the body, not a running header
    assert text.count("Số: 146/BC-TTCNTT") == 1
    # the page number alone at the top of every page but the first
    assert not norm(pages_text[0]).startswith("1 ")
    assert all(norm(pages_text[i]).startswith(f"{i + 1} ") for i in range(1, n))


def test_pdf_fonts_embedded(rendered):
    out = subprocess.run(["pdffonts", str(rendered[("initial", "pdf")])], check=True, capture_output=True,
                         text=True).stdout
    rows = [ln.split() for ln in out.splitlines()[2:]]
    names = {r[0].split("+")[-1] for r in rows}
    assert {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"} <= names
    assert all(r[-5] == "yes" for r in rows if r[0] != "Helvetica")          # emb = yes
    # DejaVu Sans for the check boxes only; reportlab's unused standard-14 Helvetica resource is never drawn with
    assert names <= {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic", "LiberationSerif-BoldItalic",
                     "LiberationMono", "DejaVuSans", "Helvetica"}


def test_form04_cites_form03_number_and_date(rendered):
    text = norm(pdftotext(rendered[("closing", "pdf")]))
    for s in ["BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ", "Mẫu số 04", "THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO",
              "KÝ HIỆU BÁO CÁO BAN ĐẦU SỰ CỐ", "Số ký hiệu: 146/BC-TTCNTT", "Ngày báo cáo: 20/11/2026 15:30 (+07:00)",
              "THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ", "☒ Cấp độ 2", "Ngày phát hiện sự cố (*): 20/11/2026",
              "Thời gian phát hiện (*): 07 giờ 40 phút", "KẾT QUẢ XỬ LÝ SỰ CỐ", "khôi phục hệ thống từ bản sao lưu sạch",
              "bài học kinh nghiệm", "CÁC TÀI LIỆU ĐÍNH KÈM", "Phương án ứng cứu cụ thể", "Số: 152/BC-TTCNTT",
              "CÁ NHÂN/NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT"]:
        assert s in text, s


@pytest.mark.parametrize("kind, needles", [
    ("notification", ["THÔNG BÁO SỰ CỐ", "điểm a khoản 3 Điều 9", "Kính gửi:", "- Sở Khoa học và Công nghệ tỉnh Hà Tĩnh;",
                      "5. Thời hạn thông báo", "Thông báo sự cố cho cơ quan chủ quản — hạn 23/11/2026 07:40 (+07:00)",
                      "Luật An ninh mạng 2025 — chế độ 24 giờ / 72 giờ (TẠM THỜI) — cần xác minh: Thông báo sự cố (24 giờ)",
                      "Nơi nhận:", "- Như trên;",
                      "Thời điểm phát hiện (T0) (*): 20/11/2026 07:40 (+07:00)", "Số: 145/TB-TTCNTT",
                      "Tên miền: camxuyen.hatinh.gov.vn", "Đơn vị vận hành: Văn phòng HĐND và UBND huyện Cẩm Xuyên"]),
    ("progress", ["BÁO CÁO DIỄN BIẾN TÌNH HÌNH SỰ CỐ", "Đã ngăn chặn", "Ngắt máy chủ khỏi Internet",
                  "Giám sát tăng cường trong 30 ngày", "Báo cáo trước: 146/BC-TTCNTT", "5. Thời hạn báo cáo",
                  "Thông báo sự cố cho cơ quan chủ quản 23/11/2026 07:40 (+07:00) Đã thực hiện",
                  "Báo cáo kết thúc ứng phó sự cố (Mẫu 04) 02/12/2026 09:00 (+07:00) Đã thực hiện"]),
    ("plan", ["BÁO CÁO PHƯƠNG ÁN ỨNG CỨU CỤ THỂ", "Cô lập máy chủ, thu thập chứng cứ",
              "Người chỉ huy, chủ trì: Nguyễn Văn Đức", "3. Mã độc; 4. Truy cập trái phép"]),
    ("direction", ["BÁO CÁO XIN Ý KIẾN CHỈ ĐẠO, CHỈ HUY", "Phương án 1: Mở lại ngay sau khi vá lỗi",
                   "Thời hạn cần ý kiến: 21/11/2026 17:00 (+07:00)"]),
    ("support", ["BÁO CÁO ĐỀ NGHỊ HỖ TRỢ, PHỐI HỢP", "Phân tích mẫu webshell, đối chiếu địa chỉ IP tấn công",
                 "Đơn vị được đề nghị: Cơ quan điều phối quốc gia"]),
])
def test_other_kinds_pdf_and_docx(rendered, kind, needles):
    text = norm(pdftotext(rendered[(kind, "pdf")]))
    dtext = norm(docx_text(rendered[(kind, "docx")].read_bytes()).replace(" | ", " "))
    for s in needles:
        assert s in text, s
        assert s in dtext, s


def test_findings_report_evidence_custody_and_steps(rendered, module_case):
    text = pdftotext(rendered[("findings", "pdf")])
    flat = norm(text)
    for s in ["BÁO CÁO KẾT QUẢ PHÂN TÍCH SỰ CỐ", "1. Tóm tắt", "2. Diễn biến chính của sự cố (C1) và nguồn gốc (C6)",
              "Nguồn gốc sự cố (C6)", "đính kèm trong gói chứng cứ: timeline/timeline.jsonl",
              "3. Các phát hiện và chứng cứ", "4. Bảng chứng cứ", "5. Nhật ký chuỗi lưu giữ chứng cứ",
              "Kiểm tra chuỗi băm: nguyên vẹn.", "6. Các bước đã thực hiện", "7. Bài học kinh nghiệm",
              "Xóa webshell, vá lỗ hổng tải tệp", "sao lưu hằng ngày"]:
        assert s in flat, s
    for rec in module_case.evidence():
        assert rec.sha256 in text, rec.id            # full hash on one line, extractable
        assert rec.id in text and rec.source in flat
    docx = docx_text(rendered[("findings", "docx")].read_bytes())
    for rec in module_case.evidence():
        assert rec.sha256 in docx


def test_prefilled_values_carry_evidence_ids(case, tmp_path):
    inc = case.incident()
    inc.pop("system_info")
    inc["system"].pop("ip_addresses")
    case.set_incident(inc)
    text = norm(pdftotext(render_report(case, "initial", "pdf", tmp_path / "m03.pdf").path))
    assert ("Hệ điều hành Ubuntu Version 22.04 [điền sẵn từ chứng cứ E000001 — cần xác nhận]") in text
    assert ("☒ Web server ☐ Mail server ☒ Database server [điền sẵn từ chứng cứ E000002 — cần xác nhận] "
            "☒ Dịch vụ khác, đó là ssh [điền sẵn từ chứng cứ E000002 — cần xác nhận]") in text
    assert ("☒ Antivirus ☒ Firewall ☐ Hệ thống phát hiện xâm nhập "
            "[điền sẵn từ chứng cứ E000003, E000005 — cần xác nhận] ☐ Khác: …………") in text
    assert ("không liệt kê địa chỉ IP nội bộ) 113.160.92.10, 2001:ee0:4141::10 "
            "[điền sẵn từ chứng cứ E000004, E000007 — cần xác nhận]") in text
    assert "(camxuyen.hatinh.gov.vn, www.camxuyen.hatinh.gov.vn; 113.160.92.10, 10.20.5.12, 2001:ee0:4141::10)" in text
    assert "Các tên miền của hệ thống camxuyen.hatinh.gov.vn [điền sẵn từ chứng cứ E000001" in text
    assert "☒ Nhật ký hệ thống ☐ Mẫu virus / mã độc ☐ Khác: ………… [điền sẵn từ chứng cứ E000008, E000009" in text


def test_confirm_prefill_cli_stores_values_with_evidence_ids(case, capsys):
    from desktop.commands import incident as cmd

    inc = case.incident()
    inc.pop("system_info")
    case.set_incident(inc)
    parser = argparse.ArgumentParser()
    cmd.add_arguments(parser)
    assert cmd.run(parser.parse_args(["--case", str(case.path), "--confirm-prefill"])) == 0
    assert "system_info.os: Ubuntu  [E000001] (chưa xác nhận)" in capsys.readouterr().out
    stored = case.incident()
    assert stored["system_info"]["os"] == "Ubuntu"
    assert stored["evidence_refs"]["system_info.security_measures"] == ["E000003", "E000005"]
    doc = build_doc(case, "initial")
    assert "[chứng cứ: E000001]" in doc.plain_text()          # confirmed: the id stays, "to confirm" goes
    assert "cần xác nhận" not in doc.plain_text()


def test_long_evidence_list_goes_to_the_annex(case, tmp_path):
    """150 more items: the report summarises them per checklist item and names the CSV annex of the bundle
    instead of printing pages of rows."""
    for i in range(150):
        case.add_bytes(f"tệp {i}\n".encode(), checklist_id="B5", name=f"tài-liệu-{i:03d}.txt",
                       source=f"/home/ketoan/Tài liệu/tài-liệu-{i:03d}.txt", collector="test")
    path = render_report(case, "findings", "pdf", tmp_path / "f.pdf").path
    text = norm(pdftotext(path))
    assert pages(path) <= 5
    assert "Danh sách đầy đủ 159 chứng cứ" in text and "reports/annex/evidence.csv" in text
    assert "tài-liệu-149.txt" not in text


def test_long_tables_break_with_header_on_every_page(case, tmp_path, monkeypatch):
    import reports.annex

    monkeypatch.setattr(reports.annex, "ANNEX_ROWS", 10_000)      # keep the whole table in the report
    for i in range(150):
        case.add_bytes(f"tệp {i}\n".encode(), checklist_id="B5", name=f"tài-liệu-{i:03d}.txt",
                       source=f"/home/ketoan/Tài liệu/tài-liệu-{i:03d}.txt", collector="test")
    path = render_report(case, "findings", "pdf", tmp_path / "f.pdf").path
    n = pages(path)
    assert n >= 6
    per_page = pdftotext(path).split("\f")
    with_header = [p for p in per_page if "Tên, nguồn và SHA-256" in norm(p)]
    assert len(with_header) >= 4                      # the evidence table spans pages, header repeated
    assert all(norm(p).startswith(f"{i + 1} ") for i, p in enumerate(per_page[1:n], 1))
    assert "tài-liệu-149.txt" in norm(pdftotext(path))


def test_notification_eml(case, tmp_path):
    path = render_report(case, "notification", "eml", tmp_path / "tbsc.eml").path
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["Subject"].startswith("[TBSC] Thông báo sự cố — Cổng thông tin điện tử huyện Cẩm Xuyên")
    assert "vanthu@skhcn.hatinh.gov.vn" in msg["To"] and "ungcuusuco@stttt.hatinh.gov.vn" in msg["From"]
    assert msg["X-Unsent"] == "1"
    body = msg.get_body(("plain",)).get_content()
    assert "THÔNG BÁO SỰ CỐ" in body and "Thời điểm phát hiện (T0) (*): 20/11/2026 07:40 (+07:00)" in body
    atts = list(msg.iter_attachments())
    assert [a.get_content_type() for a in atts] == [
        "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    pdf = atts[0].get_content()
    assert pdf.startswith(b"%PDF") and atts[0].get_filename() == "notification-145-TB-TTCNTT.pdf"
    (tmp_path / "a.pdf").write_bytes(pdf)
    assert "THÔNG BÁO SỰ CỐ" in pdftotext(tmp_path / "a.pdf")


def test_english_rendering(case, tmp_path):
    text = norm(pdftotext(render_report(case, "findings", "pdf", tmp_path / "en.pdf", lang="en").path))
    assert "1. Summary" in text and "Case file: " in text and "Nơi nhận:" not in text and "Recipients:" in text
    assert "INCIDENT ANALYSIS (FINDINGS) REPORT" in text and "Incident: " in text and "Detected (T0): " in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text           # the national header stays as it is


def _run(module, argv):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv))


def test_cli_report(case, tmp_path, capsys):
    from desktop.commands import report as cmd

    assert _run(cmd, ["--kind", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split("\t")[0] for ln in lines] == list(KINDS)
    assert lines[1] == "initial\tBáo cáo ban đầu sự cố mạng (Mẫu 03)"
    out = tmp_path / "m04.docx"
    assert _run(cmd, ["--case", str(case.path), "--kind", "closing", "--out", str(out)]) == 0
    assert "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ" in docx_text(out.read_bytes())
    printed = capsys.readouterr().out
    sha = re.search(r"SHA-256: ([0-9a-f]{64})", printed).group(1)
    last = case.custody.entries()[-1]
    assert last["action"] == "export" and last["details"]["sha256"] == sha and last["details"]["format"] == "docx"
    assert _run(cmd, ["--case", str(case.path), "--kind", "mau05"]) == 2
    assert _run(cmd, ["--case", str(tmp_path / "none"), "--kind", "initial"]) == 2
    assert _run(cmd, ["--case", str(case.path), "--kind", "initial"]) == 0
    assert (case.path / "exports" / "initial-146-BC-TTCNTT.pdf").is_file()


def test_report_without_incident_renders_blanks_and_lists_missing(tmp_path, shared_data):
    from reports_helpers import make_case

    c = make_case(tmp_path / "bare", shared_data, incident=False)
    try:
        res = render_report(c, "initial", "pdf", tmp_path / "blank.pdf")
        assert "Tên tổ chức/cá nhân báo cáo sự cố: thiếu trường bắt buộc (*)" in res.missing
        assert not any("reporter.name" in m for m in res.missing)               # labels, never key paths
        text = norm(pdftotext(res.path))
        assert "Tên tổ chức/cá nhân báo cáo sự cố (*) …………" in text
        assert "Hệ điều hành Ubuntu Version 22.04 [điền sẵn từ chứng cứ E000001 — cần xác nhận]" in text
    finally:
        c.close()


def test_prefill_reads_dead_box_services_and_skips_unreadable_evidence(tmp_path, shared_data):
    from reports_helpers import make_case

    from reports.prefill import prefill

    c = make_case(tmp_path / "dead", shared_data, incident=False)
    try:
        c.add_json([{"name": "wazuh-agent.service", "state": None, "enabled": "enabled"}], checklist_id="B4",
                   name="services.json", source="/lib/systemd/system", collector="test")      # E000010 (latest)
        c.add_bytes(b"{not json", checklist_id="B3", name="roles.json", source="derived", collector="test")  # E000011
        found = prefill(c)
        assert found["system_info.security_measures"].value == ["firewall", "ids"]
        assert found["system_info.security_measures"].evidence == ["E000005", "E000010"]
        assert "system_info.services" not in found
        assert found["_problems"].value[0].startswith("E000011 (roles.json): không đọc được")
    finally:
        c.close()


def test_control_characters_from_evidence_do_not_break_pdf_or_docx(case, tmp_path):
    case.add_bytes(b"x", checklist_id="B5", name="bad\x1b[31mname\x00.txt", source="/tmp/odd\x07dir/\x1b[0mfile",
                   collector="test")
    pdf = render_report(case, "findings", "pdf", tmp_path / "f.pdf").path
    docx = render_report(case, "findings", "docx", tmp_path / "f.docx").path
    assert "bad�[31mname�.txt" in pdftotext(pdf)
    assert "bad�[31mname�.txt" in docx_text(docx.read_bytes())


def test_findings_from_analysis_with_their_evidence(rendered, module_case):
    findings = pytest.importorskip("analysis.findings")
    found = findings.run(module_case)
    assert found, "the auth log sample yields findings (new account, last login)"
    text = norm(docx_text(rendered[("findings", "docx")].read_bytes()))
    section = text[text.index("3. Các phát hiện và chứng cứ"):text.index("4. Bảng chứng cứ")]
    for f in found:
        assert norm(f.summary_vi)[:40] in section
        for eid in f.evidence_ids:
            assert eid in section
