"""Page layout of the PDF (no heading stranded at the foot of a page) and deadlines at their boundaries, in
Asia/Ho_Chi_Minh whatever zone the times were written in."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from reports.document import Doc, Heading, Para, Table
from reports.incident import check_incident, load_incident_file
from reports.regimes import deadline_status, format_status
from reports.render_pdf import render_pdf

from reports_helpers import EXAMPLE, norm, pdftotext

ICT = dt.timezone(dt.timedelta(hours=7))


def test_heading_never_alone_at_the_foot_of_a_page(tmp_path):
    """Push a heading + table down the page one paragraph at a time: the heading is always on the page of
    the table's first row (it used to end page N with its table starting on page N+1)."""
    stranded = []
    for n in range(28, 52):
        doc = Doc(kind="findings", title="BÁO CÁO KIỂM THỬ", case_id="UC-TEST", number="1/BC")
        doc.add(*[Para(f"Đoạn văn số {i} về sự cố.") for i in range(n)])
        doc.add(Heading("4. Bảng chứng cứ"),
                Table(["Mã", "Tên"], [[f"E{i:06d}", f"tệp-{i}"] for i in range(5)], [0.3, 0.7]))
        path = tmp_path / f"h{n}.pdf"
        path.write_bytes(render_pdf(doc))
        pages = pdftotext(path).split("\f")
        head = [i for i, p in enumerate(pages) if "4. Bảng chứng cứ" in p]
        row = [i for i, p in enumerate(pages) if "E000000" in p]
        if head != row:
            stranded.append(n)
    assert stranded == []


@pytest.fixture
def fresh():
    data = copy.deepcopy(load_incident_file(EXAMPLE))
    data.pop("reports")
    data.pop("closing")
    data["status_history"] = data["status_history"][:1]
    return data


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ICT)


def state(data, now, regime="hatinh_1859_2023", which="notification"):
    return {s["id"]: s for s in deadline_status(data, now=now, regime=regime)}[which]


def test_boundaries_of_the_notification_deadline(fresh):
    """T0 = 20/11/2026 07:40 +07:00; Hà Tĩnh: 3 days, due soon in the last 24 h."""
    due = at(2026, 11, 23, 7, 40)
    us = dt.timedelta(microseconds=1)
    assert state(fresh, due - dt.timedelta(hours=24) - us)["state"] == "on_time"
    assert state(fresh, due - dt.timedelta(hours=24))["state"] == "due_soon"
    assert state(fresh, due)["state"] == "due_soon"                    # due at that very minute, not yet late
    assert state(fresh, due + us)["state"] == "overdue"
    assert state(fresh, due.astimezone(dt.timezone.utc) + us)["state"] == "overdue"   # `now` in UTC: same instant
    done = copy.deepcopy(fresh)
    done["status_history"].append({"status": "notified", "at": "2026-11-23T07:40:00+07:00"})
    st = state(check_incident(done), due + dt.timedelta(days=1))
    assert st["state"] == "done" and st["late"] is False
    done["status_history"][-1]["at"] = "2026-11-23T00:40:01Z"         # 07:40:01 in Hà Tĩnh: one second late
    st = state(check_incident(done), due + dt.timedelta(days=1))
    assert st["state"] == "done" and st["late"] is True


@pytest.mark.parametrize("written, due_local", [
    ("2026-11-19T23:30:00Z", at(2026, 11, 23, 6, 30)),          # UTC, the day before in UTC
    ("2026-11-20T06:30:00+07:00", at(2026, 11, 23, 6, 30)),
    ("2026-11-20 06:30", at(2026, 11, 23, 6, 30)),               # no offset: the incident's zone
    ("20/11/2026 06:30", at(2026, 11, 23, 6, 30)),
    ("2026-11-20T01:30:00+02:00", at(2026, 11, 23, 6, 30)),      # written abroad
    ("2025-12-31T23:59:00+07:00", at(2026, 1, 3, 23, 59)),       # across the new year
])
def test_due_time_is_shown_in_ho_chi_minh_time(fresh, written, due_local):
    fresh["detection"]["detected_at"] = written
    st = state(check_incident(fresh), at(2026, 11, 20, 0, 0))
    assert st["due"] == due_local and st["due"].utcoffset() == dt.timedelta(hours=7)
    assert f"(hạn {due_local:%d/%m/%Y %H:%M} +07:00)" in format_status(st)


@pytest.mark.parametrize("regime, which, hours", [
    ("hatinh_1859_2023", "notification", 72), ("tt20_2017", "notification", 120),
    ("lanm_2026", "notification", 24), ("lanm_2026", "initial", 72),
])
def test_each_regime_counts_exact_hours_from_t0(fresh, regime, which, hours):
    fresh["detection"]["detected_at"] = "2026-11-20T23:59:00+07:00"
    fresh["reported_at"] = "2026-11-21T08:00:00+07:00"  # a report is made after the detection
    st = state(check_incident(fresh), at(2026, 11, 20, 23, 59), regime, which)
    assert st["due"] - at(2026, 11, 20, 23, 59) == dt.timedelta(hours=hours)


def test_closing_deadline_in_the_progress_report_pdf(case, tmp_path):
    from reports.render import render_report

    text = norm(pdftotext(render_report(case, "progress", "pdf", tmp_path / "p.pdf",
                                        now=at(2026, 11, 30, 12, 0)).path))
    assert "Báo cáo kết thúc ứng phó sự cố (Mẫu 04) 02/12/2026 09:00 (+07:00)" in text


# Mẫu 04 as printed (../shared/spec/forms.md): sections, labels and (*) marks in order, nothing invented.
FORM04 = [
    "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ", "THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO", "(*):", "Địa chỉ (*):",
    "Điện thoại (*):", "Email (*):", "KÝ HIỆU BÁO CÁO BAN ĐẦU SỰ CỐ", "Số ký hiệu:", "Ngày báo cáo:",
    "THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ", "Tên đơn vị vận hành hệ thống thông tin (*):", "Cơ quan chủ quản:",
    "Tên hệ thống bị sự cố:", "Phân loại cấp độ: ☐ Cấp độ 1 ☒ Cấp độ 2 ☐ Cấp độ 3 ☐ Cấp độ 4 ☐ Cấp độ 5",
    "Tên/Mô tả về sự cố:", "Ngày phát hiện sự cố (*):", "Thời gian phát hiện (*):", "KẾT QUẢ XỬ LÝ SỰ CỐ",
    "CÁC TÀI LIỆU ĐÍNH KÈM", "CÁ NHÂN/NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT", "(Ký tên, đóng dấu)",
]


def test_form04_labels_in_printed_order_pdf_and_docx(module_case, tmp_path):
    from reports.render import render_report
    from reports.render_docx import docx_text

    pdf = norm(pdftotext(render_report(module_case, "closing", "pdf", tmp_path / "m04.pdf").path))
    docx = norm(docx_text(render_report(module_case, "closing", "docx", tmp_path / "m04.docx").path.read_bytes()))
    for text in (pdf, docx):
        pos = -1
        for label in FORM04:
            found = text.find(label, pos + 1)
            assert found > pos, f"missing or out of order: {label}"
            pos = found
        assert "THÔNG TIN VỀ SỰ CỐ" not in text      # the printed form has no such section heading


def test_form03_docx_keeps_labels_and_order(module_case, tmp_path):
    from reports.render import render_report
    from reports.render_docx import docx_text

    from test_reports_render import FORM03_LABELS

    text = norm(docx_text(render_report(module_case, "initial", "docx", tmp_path / "m03.docx").path.read_bytes()))
    pos = -1
    for label in FORM03_LABELS:
        found = text.find(label, pos + 1)
        assert found > pos, f"missing or out of order in the DOCX: {label}"
        pos = found


def _bodyfile_case(case):
    def epoch(*a):
        return int(dt.datetime(*a, tzinfo=dt.timezone.utc).timestamp())

    old = [f"0|/var/www/old-{i}.php|{i}|-rw-r--r--|0|0|10|{epoch(2019, 1, 1) + i}|{epoch(2019, 1, 1) + i}|"
           f"{epoch(2019, 1, 1) + i}|0" for i in range(300)]
    shell = f"0|/var/www/upload/shell.php|999|-rw-r--r--|33|33|10|{epoch(2026, 11, 19, 22)}|{epoch(2026, 11, 19, 22)}|" \
            f"{epoch(2026, 11, 19, 22)}|0"
    case.add_bytes(("\n".join(old + [shell]) + "\n").encode(), checklist_id="B5", name="www.bodyfile",
                   source="/mnt/usb/www.bodyfile", collector="test")


def test_findings_main_events_are_the_events_behind_the_findings(case, tmp_path):
    """C1 lists the log lines the findings rest on, in local time with the Vietnamese finding beside them,
    not the 200 oldest (or any unfiltered) events of the timeline."""
    pytest.importorskip("analysis.timeline")
    from reports.render import render_report
    from reports.render_docx import docx_text

    _bodyfile_case(case)
    text = norm(docx_text(render_report(case, "findings", "docx", tmp_path / "f.docx").path.read_bytes()))
    section = text[text.index("2. Diễn biến chính"):text.index("3. Các phát hiện")]
    assert "Thời điểm (giờ địa phương, +07:00)" in section
    assert "Lần đăng nhập tương tác gần nhất" in section and "Accepted publickey for vagrant" in section
    assert "(+07:00)" in section and "E000009" in section
    assert "/var/www/old-" not in section and "shell.php" not in section
    assert "Nguồn gốc sự cố (C6)" in section
    assert "Toàn bộ dòng thời gian (333 sự kiện) đính kèm trong gói chứng cứ: timeline/timeline.jsonl" in section


def test_findings_key_events_start_near_detection_when_no_finding_points_at_one(case, tmp_path, monkeypatch):
    """With no finding events and none marked, C1 shows the timeline from three days before T0
    (20/11/2026 07:40 +07:00), not the oldest file times."""
    pytest.importorskip("analysis.timeline")
    import reports.sources
    from reports.render import render_report

    monkeypatch.setattr(reports.sources, "finding_events", lambda case, items, limit=200: [])
    _bodyfile_case(case)
    text = norm(pdftotext(render_report(case, "findings", "pdf", tmp_path / "f.pdf").path))
    section = text[text.index("2. Diễn biến chính"):text.index("3. Các phát hiện")]
    assert "/var/www/upload/shell.php" in section
    assert "/var/www/old-" not in section
    assert "3 ngày trước thời điểm phát hiện" in section


def test_prefill_does_not_take_brotli_or_broadcom_for_an_ids(tmp_path, shared_data):
    """'bro' (Zeek's old name) matched as a prefix: brotli, broadcom-sta-dkms or a Brother printer driver
    in packages.json pre-ticked "Hệ thống phát hiện xâm nhập" on Mẫu 03."""
    from reports.prefill import prefill
    from reports_helpers import make_case

    c = make_case(tmp_path / "c", shared_data, incident=False)
    try:
        pk = [{"name": n, "version": "1"} for n in ("brotli", "broadcom-sta-dkms", "brother-lpr-drivers-extra")]
        c.add_json(pk, checklist_id="B4", name="packages.json", source="dpkg", collector="test")
        assert prefill(c)["system_info.security_measures"].value == ["antivirus", "firewall"]
        c.add_json(pk + [{"name": "bro", "version": "2.6"}], checklist_id="B4", name="packages.json",
                   source="dpkg", collector="test")
        assert prefill(c)["system_info.security_measures"].value == ["antivirus", "firewall", "ids"]
    finally:
        c.close()


@pytest.mark.parametrize("body, field", [
    ("id: x\nname: X\ndue_soon_hours: nhiều\ndeadlines: []\n", "due_soon_hours"),
    ("id: x\nname: X\ntimezone: Asia/Ha_Tinh\ndeadlines: []\n", "timezone"),
    ("id: x\nname: X\ndeadlines: {id: a}\n", "deadlines"),
    ("id: x\nname: X\nrecipients: [Sở KH&CN]\n", "recipients[0]"),
])
def test_bad_regime_file_names_the_field(tmp_path, monkeypatch, body, field):
    """A regime file an administrator edited (recipients renamed after a reorganisation) with a bad value
    crashed `ungcuu status` and every report with a ValueError / AttributeError."""
    from reports.regimes import RegimeError, load_regimes

    (tmp_path / "x.yaml").write_text(body, encoding="utf-8")
    monkeypatch.setenv("UNGCUU_REGIMES_DIR", str(tmp_path))
    with pytest.raises(RegimeError) as info:
        load_regimes()
    assert info.value.field == field and str(tmp_path / "x.yaml") in str(info.value)


def test_incident_yaml_aliases_refused_quickly(tmp_path):
    """A 'billion laughs' incident file (nine levels of nine aliases, 400 bytes) used to hang the line-number
    walk and blow up when stored; aliases are refused with the line."""
    import time

    from reports.incident import IncidentError, load_incident_file

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("title: *a9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(IncidentError) as info:
        load_incident_file(path)
    assert time.monotonic() - start < 2
    assert info.value.line == 2 and "bí danh YAML (*a0)" in str(info.value)


def test_docx_keeps_headings_and_signature_with_what_follows(module_case, tmp_path):
    """Seen in Word/LibreOffice: Mẫu 03's "E." heading ended page 1 with its lines on page 2, Mẫu 04's
    signature stood alone on page 2, and the national motto wrapped (columns sized by content)."""
    import io

    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm

    from reports.render import render_report

    for kind in ("initial", "closing"):
        d = Document(io.BytesIO(render_report(module_case, kind, "docx", tmp_path / f"{kind}.docx").path.read_bytes()))
        body = list(d.element.body)
        heads = [p for p in d.paragraphs if p.text.startswith(("THÔNG TIN VỀ TỔ CHỨC", "HIỆN TRẠNG SỰ CỐ",
                                                               "KẾT QUẢ XỬ LÝ SỰ CỐ", "CÁC TÀI LIỆU"))]
        assert heads and all(p.paragraph_format.keep_with_next for p in heads), kind
        sig = [t for t in d.tables if "CÁ NHÂN/NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT" in t.rows[0].cells[1].text][0]
        before = body[body.index(sig._tbl) - 1]
        assert before.tag == qn("w:p") and before.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None, kind
        letterhead = d.tables[0]
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in letterhead.rows[0].cells[1].text
        assert letterhead.columns[1].width >= Mm(89) and not letterhead.autofit   # 12 pt bold needs 88.3 mm
