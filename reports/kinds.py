"""The report kinds and how each is built from a case (incident record + evidence + analysis).

    KINDS: {name: (title_vi, title_en)} in the order of the procedure
    build_doc(case, kind, lang="vi", now=None) -> Doc

The two official forms (Mẫu 03, Mẫu 04 of TT 20/2017) keep their printed labels, order and check boxes
(../shared/spec/forms.md). Values found in evidence fill empty fields and carry their evidence ids.
"""
from __future__ import annotations

import datetime as dt

from . import sources as src
from .document import (EMPTY, Bullets, Checks, Doc, FieldLine, Heading, Letterhead, PageBreak, Para, Signature,
                       Table,
                       fmt_date_long, fmt_dt, fmt_size, to_local, utc_short)
from .incident import (CATEGORY_LABELS, FIELD_BY_PATH, ORIGIN_LABELS, STATUS_LABELS, _empty, _get,
                       missing_fields)
from .prefill import Prefill, effective, prefill, unconfirmed

KINDS: dict[str, tuple[str, str]] = {
    "notification": ("Thông báo sự cố", "Incident notification (TT 20, art. 9.3.a)"),
    "initial": ("Báo cáo ban đầu sự cố mạng (Mẫu 03)", "Initial incident report (form 03)"),
    "progress": ("Báo cáo diễn biến tình hình", "Progress / situation report"),
    "plan": ("Báo cáo phương án ứng cứu cụ thể", "Response plan report"),
    "direction": ("Báo cáo xin ý kiến chỉ đạo, chỉ huy", "Request for direction"),
    "support": ("Báo cáo đề nghị hỗ trợ, phối hợp", "Request for support / coordination"),
    "closing": ("Báo cáo kết thúc ứng phó sự cố (Mẫu 04)", "Closing report (form 04)"),
    "findings": ("Báo cáo kết quả phân tích sự cố", "Incident analysis (findings) report"),
}
FORMATS = ("pdf", "docx", "eml")


class _Ctx:
    def __init__(self, case, lang: str, now: dt.datetime | None):
        self.case = case
        self.lang = lang
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.incident = case.incident() if case is not None else {}
        try:
            self.found: dict[str, Prefill] = prefill(case) if case is not None else {}
        except Exception as exc:  # a damaged case must not stop the report
            self.found = {"_problems": Prefill([f"không đọc được chứng cứ để điền sẵn: {exc}"])}
        self.rec, self.sources = effective(self.incident, self.found)
        self.unconf = unconfirmed(self.incident, self.found)
        self.tz = self.rec.get("timezone") or "Asia/Ho_Chi_Minh"
        try:
            self.case_id = case.case_id if case is not None else ""
        except Exception:
            self.case_id = ""

    def L(self, vi: str, en: str) -> str:
        return en if self.lang == "en" else vi

    def v(self, path: str, default: str = EMPTY) -> str:
        value = _get(self.rec, path)
        if _empty(value):
            return default
        if isinstance(value, list):
            return ", ".join(str(x) for x in value)
        if isinstance(value, bool):
            return self.L("Có", "Yes") if value else self.L("Không", "No")
        fld = FIELD_BY_PATH.get(path)
        if fld is not None and fld.type == "datetime":
            return fmt_dt(value, self.tz)
        return str(value)

    def label(self, path: str) -> str:
        fld = FIELD_BY_PATH[path]
        return fld.label_en if self.lang == "en" else fld.label

    def field(self, path: str, label: str | None = None, required: bool = False) -> FieldLine:
        return FieldLine(label or self.label(path), self.v(path), required,
                         list(self.sources.get(path, [])), path in self.unconf)

    def checks(self, label: str, path: str, options: list[tuple[str, str]], required: bool = False) -> Checks:
        chosen = _get(self.rec, path) or []
        if not isinstance(chosen, list):
            chosen = [chosen]
        return Checks(label, [(text, key in chosen) for key, text in options], required,
                      list(self.sources.get(path, [])), path in self.unconf)

    def report_ref(self, kind: str) -> tuple[str, str]:
        rep = (self.rec.get("reports") or {}).get(kind) or {}
        return str(rep.get("number") or ""), rep.get("date") or ""

    def letterhead(self, kind: str) -> Letterhead:
        number, date = self.report_ref(kind)
        place = "Hà Tĩnh" if str(self.rec.get("regime", "")).startswith("hatinh") else ""
        return Letterhead(self.v("reporter.name", EMPTY).upper(), number or "……/……",
                          fmt_date_long(date or self.now.isoformat(), self.tz, place))

    def signature(self) -> Signature:
        pos = self.v("signatory.position", "")
        title = self.L("CÁ NHÂN/NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT", "INDIVIDUAL / LEGAL REPRESENTATIVE")
        return Signature(title + (f"\n{pos.upper()}" if pos else ""), self.v("signatory.name", ""),
                         self.L("(Ký tên, đóng dấu)", "(Signature and seal)"))

    def new_doc(self, kind: str, title: str, subtitle: str = "") -> Doc:
        number, date = self.report_ref(kind)
        return Doc(kind=kind, title=title, subtitle=subtitle, number=number,
                   date=fmt_dt(date, self.tz, with_offset=False) if date else "", case_id=self.case_id, lang=self.lang)


# --------------------------------------------------------------------------- the official forms


def _form03(c: _Ctx) -> Doc:
    L = c.L
    doc = c.new_doc("initial", "BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG",
                    L("Mẫu số 03 — Phụ lục I, Thông tư 20/2017/TT-BTTTT", "Form 03 — Annex I, Circular 20/2017/TT-BTTTT"))
    doc.add(c.letterhead("initial"))
    doc.add(Heading("A. THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO SỰ CỐ"))
    doc.add(c.field("reporter.name", "Tên tổ chức/cá nhân báo cáo sự cố", True),
            c.field("reporter.address", "Địa chỉ", True), c.field("reporter.phone", "Điện thoại", True),
            c.field("reporter.email", "Email", True))
    doc.add(Heading("B. NGƯỜI LIÊN HỆ"))
    doc.add(c.field("contact.name", "Họ và tên", True), c.field("contact.position", "Chức vụ"),
            c.field("contact.phone", "Điện thoại", True), c.field("contact.email", "Email", True))
    doc.add(Heading("C. THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ"))
    doc.add(c.field("system.operator", "Tên đơn vị vận hành hệ thống thông tin", True),
            c.field("system.owner", "Cơ quan chủ quản"),
            c.field("system.name", "Tên hệ thống bị sự cố"),
            c.field("system.domains", "Tên miền liên quan"),
            c.field("system.ip_addresses", "Địa chỉ IP liên quan"))
    level = _get(c.rec, "system.level")
    doc.add(Checks("Phân loại cấp độ của hệ thống thông tin (nếu có)",
                   [(f"Cấp độ {i}", level == i) for i in range(1, 6)]))
    doc.add(c.field("system.security_provider", "Tổ chức cung cấp dịch vụ an toàn thông tin (nếu có)"),
            c.field("system.isp", "Tên nhà cung cấp dịch vụ kết nối bên ngoài (nếu có)"))
    doc.add(Heading("D. Mô tả sơ bộ về sự cố (*)"))
    doc.add(Para(c.v("description")))
    # E. (the printed form has no title for E: its first line carries the letter)
    t0 = to_local(_get(c.rec, "detection.detected_at"), c.tz)
    e = Heading("E. Ngày phát hiện sự cố (*) (dd/mm/yy): " + (t0.strftime("%d/%m/%y") if t0 else EMPTY))
    doc.add(e, FieldLine("Thời gian phát hiện (*) (giờ, phút)",
                         f"{t0.hour:02d} giờ {t0.minute:02d} phút (UTC{t0.strftime('%z')[:3]}:{t0.strftime('%z')[3:]})"
                         if t0 else EMPTY))
    handled = _get(c.rec, "detection.handled")
    doc.add(Checks("HIỆN TRẠNG SỰ CỐ", [("Đã được xử lý", handled is True), ("Chưa được xử lý", handled is False)], True))
    doc.add(Heading("F. CÁCH THỨC PHÁT HIỆN (*)"))
    methods = _get(c.rec, "detection.methods") or []
    doc.add(Checks("", [("Qua hệ thống phát hiện xâm nhập (IDS)", "ids" in methods),
                        ("Kiểm tra dữ liệu lưu lại (Log File)", "log_file" in methods)]))
    doc.add(Checks("", [(f"Nhận được thông báo từ: {c.v('detection.notified_by')}", "notified_by" in methods)]))
    doc.add(Checks("", [(f"Khác, đó là: {c.v('detection.other_method')}", "other" in methods)]))
    doc.add(Heading("G. ĐÃ GỬI THÔNG BÁO SỰ CỐ CHO (*)"))
    doc.add(c.checks("", "notified_to", [
        ("network_member", "Thành viên mạng lưới chịu trách nhiệm ứng cứu sự cố cho tổ chức, cá nhân")]))
    doc.add(c.checks("", "notified_to", [("isp", "ISP đang trực tiếp cung cấp dịch vụ"),
                                         ("coordinator", "Cơ quan điều phối")]))
    doc.add(Heading("H. THÔNG TIN BỔ SUNG VỀ HỆ THỐNG XẢY RA SỰ CỐ"))
    os_line = FieldLine("Hệ điều hành", f"{c.v('system_info.os')}    Version: {c.v('system_info.os_version')}", False,
                        sorted(set(c.sources.get("system_info.os", []) + c.sources.get("system_info.os_version", []))),
                        "system_info.os" in c.unconf or "system_info.os_version" in c.unconf)
    doc.add(os_line)
    doc.add(c.checks("Các dịch vụ có trên hệ thống", "system_info.services", [
        ("web", "Web server"), ("mail", "Mail server"), ("database", "Database server"),
        ("other", f"Dịch vụ khác, đó là: {c.v('system_info.services_other')}")]))
    doc.add(c.checks("Các biện pháp an toàn thông tin đã triển khai", "system_info.security_measures", [
        ("antivirus", "Antivirus"), ("firewall", "Firewall"), ("ids", "Hệ thống phát hiện xâm nhập"),
        ("other", f"Khác: {c.v('system_info.security_other', '')}".rstrip(": "))]))
    doc.add(c.field("system_info.public_ips", "Các địa chỉ IP của hệ thống"),
            c.field("system_info.domains", "Các tên miền của hệ thống"),
            c.field("system_info.purpose", "Mục đích chính sử dụng hệ thống"))
    doc.add(c.checks("Thông tin gửi kèm", "system_info.attachments", [
        ("system_log", "Nhật ký hệ thống"), ("malware_sample", "Mẫu virus / mã độc"),
        ("other", f"Khác: {c.v('system_info.attachments_other', '')}".rstrip(": "))]))
    conf = _get(c.rec, "system_info.confidential")
    doc.add(Checks("Các thông tin cung cấp trong thông báo sự cố này đều phải được giữ bí mật",
                   [("Có", conf is True), ("Không", conf is False)]))
    doc.add(Heading("I. KIẾN NGHỊ, ĐỀ XUẤT HỖ TRỢ"))
    doc.add(FieldLine("Mô tả về đề xuất, kiến nghị", c.v("requests")))
    doc.add(Heading("J. THỜI GIAN THỰC HIỆN BÁO CÁO SỰ CỐ (*)"))
    rt = to_local(_get(c.rec, "reported_at"), c.tz)
    doc.add(FieldLine("Ngày/tháng/năm/giờ/phút",
                      f"ngày {rt.day:02d}/{rt.month:02d}/{rt.year}, {rt.hour:02d} giờ {rt.minute:02d} phút" if rt else EMPTY,
                      True))
    doc.add(c.signature())
    doc.add(Para("Chú thích: (1) Các mục có dấu (*) là bắt buộc; các mục khác có thể bỏ qua nếu không có thông tin. "
                 "(2) Khi gửi qua thư điện tử, tiêu đề thư bắt đầu bằng \"[TBSC]\". "
                 "(3) Xem thêm hướng dẫn trên trang thông tin điện tử của Cơ quan điều phối quốc gia (VNCERT/CC).",
                 "small"))
    _source_legend(c, doc)
    _annex_qd05(c, doc)
    doc.missing = [str(p) for p in missing_fields(c.rec, "m03")]
    return doc


def _annex_qd05(c: _Ctx, doc: Doc) -> None:
    """After the form: the content QĐ 05/2017 Điều 11.4 asks of an initial report, when the record has it."""
    r = c.rec
    if not any(r.get(k) for k in ("categories", "origin", "impact", "actions", "next_steps", "helpers")):
        return
    doc.add(PageBreak())
    doc.add(Heading(c.L("PHỤ LỤC — Nội dung báo cáo ban đầu theo khoản 4 Điều 11 Quyết định 05/2017/QĐ-TTg",
                        "ANNEX — Initial report content per QĐ 05/2017/QĐ-TTg art. 11.4")))
    _classification(c, doc)
    doc.add(FieldLine(c.L("Dấu hiệu, mô tả", "Symptoms"), c.v("title")),
            FieldLine(c.L("Đánh giá ban đầu về thiệt hại, mức độ lan rộng, ảnh hưởng", "First estimate of harm and spread"),
                      c.v("impact")),
            FieldLine(c.L("Nhà cung cấp dịch vụ kết nối", "Connectivity provider"), c.v("system.isp")),
            FieldLine(c.L("Tổ chức đang hỗ trợ và kết quả ban đầu", "Who is helping, first results"), c.v("helpers")))
    doc.add(Heading(c.L("Các biện pháp đã triển khai", "Measures taken"), 2), _actions_table(c))
    nxt = r.get("next_steps") or []
    if nxt:
        doc.add(Heading(c.L("Các biện pháp dự kiến, kiến nghị", "Planned measures, recommendations"), 2),
                Bullets([str(x) for x in nxt]))


def _form04(c: _Ctx) -> Doc:
    doc = c.new_doc("closing", "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ",
                    c.L("Mẫu số 04 — Phụ lục I, Thông tư 20/2017/TT-BTTTT", "Form 04 — Annex I, Circular 20/2017/TT-BTTTT"))
    doc.add(c.letterhead("closing"))
    doc.add(Heading("THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO"))
    doc.add(c.field("reporter.name", "Tên tổ chức/cá nhân", True), c.field("reporter.address", "Địa chỉ", True),
            c.field("reporter.phone", "Điện thoại", True), c.field("reporter.email", "Email", True))
    doc.add(Heading("KÝ HIỆU BÁO CÁO BAN ĐẦU SỰ CỐ"))
    number, date = c.report_ref("initial")
    doc.add(FieldLine("Số ký hiệu", number or EMPTY), FieldLine("Ngày báo cáo", fmt_dt(date, c.tz) if date else EMPTY))
    doc.add(Heading("THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ"))
    doc.add(c.field("system.operator", "Tên đơn vị vận hành hệ thống thông tin", True),
            c.field("system.owner", "Cơ quan chủ quản"), c.field("system.name", "Tên hệ thống bị sự cố"))
    level = _get(c.rec, "system.level")
    doc.add(Checks("Phân loại cấp độ", [(f"Cấp độ {i}", level == i) for i in range(1, 6)]))
    summary = c.v("closing.summary", "") or c.v("title", "") or c.v("description")
    doc.add(FieldLine("Tên/Mô tả về sự cố", summary))
    t0 = to_local(_get(c.rec, "detection.detected_at"), c.tz)
    doc.add(FieldLine("Ngày phát hiện sự cố", t0.strftime("%d/%m/%Y") if t0 else EMPTY, True),
            FieldLine("Thời gian phát hiện", f"{t0.hour:02d} giờ {t0.minute:02d} phút" if t0 else EMPTY, True))
    doc.add(Heading("KẾT QUẢ XỬ LÝ SỰ CỐ"))
    doc.add(Para(c.v("closing.resolution")))
    if c.rec.get("actions"):  # the action log: remediation steps, re-checks, vulnerability and backup checks
        doc.add(_actions_table(c))
    doc.add(FieldLine("Thời điểm kết thúc ứng phó", c.v("closing.response_ended_at")))
    doc.add(FieldLine("Đề xuất, kiến nghị để xử lý sự cố tương tự nhanh hơn, giảm thiểu thiệt hại (bài học kinh nghiệm)",
                      c.v("closing.lessons")))
    doc.add(Heading("CÁC TÀI LIỆU ĐÍNH KÈM"))
    att = _get(c.rec, "closing.attachments") or []
    doc.add(Bullets([str(a) for a in att]) if att else Para(EMPTY))
    doc.add(c.signature())
    doc.missing = [str(p) for p in missing_fields(c.rec, "m04")]
    return doc


# --------------------------------------------------------------------------- reports with no form


def _intro(c: _Ctx, doc: Doc, kind: str) -> None:
    doc.add(c.letterhead(kind))
    rc = src.recipients_for(c.rec)
    if rc:
        doc.add(Para(c.L("Kính gửi: ", "To: ") + "; ".join(r.get("name", "") for r in rc if r.get("name")), "bold"))


def _status_table(c: _Ctx) -> Table | Para:
    rows = []
    for h in c.rec.get("status_history") or []:
        st = h.get("status", "")
        rows.append([fmt_dt(h.get("at"), c.tz), STATUS_LABELS.get(st, (st, st))[0 if c.lang == "vi" else 1],
                     str(h.get("by") or ""), str(h.get("note") or "")])
    if not rows:
        return Para(c.L("Chưa ghi nhận diễn biến trạng thái.", "No status history recorded."), "italic")
    return Table([c.L("Thời điểm", "Time"), c.L("Trạng thái", "Status"), c.L("Người thực hiện", "By"),
                  c.L("Ghi chú", "Note")], rows, [0.22, 0.16, 0.22, 0.40], small=True)


def _actions_table(c: _Ctx) -> Table | Para:
    rows = [[fmt_dt(a.get("at"), c.tz), str(a.get("by") or ""), str(a.get("action") or ""), str(a.get("result") or "")]
            for a in c.rec.get("actions") or []]
    if not rows:
        return Para(c.L("Chưa ghi nhận biện pháp nào.", "No actions recorded."), "italic")
    return Table([c.L("Thời điểm", "Time"), c.L("Người thực hiện", "By"), c.L("Biện pháp", "Action"),
                  c.L("Kết quả", "Result")], rows, [0.2, 0.18, 0.38, 0.24])


def _classification(c: _Ctx, doc: Doc) -> None:
    origin = c.rec.get("origin")
    doc.add(FieldLine(c.L("Nguồn gốc sự cố", "Origin"),
                      ORIGIN_LABELS[origin][0 if c.lang == "vi" else 1] if origin in ORIGIN_LABELS else EMPTY))
    cats = c.rec.get("categories") or []
    doc.add(FieldLine(c.L("Phân loại sự cố", "Categories"),
                      "; ".join(f"{n}. {CATEGORY_LABELS[n][0 if c.lang == 'vi' else 1]}" for n in cats
                                if n in CATEGORY_LABELS) or EMPTY))


def _notification(c: _Ctx) -> Doc:
    doc = c.new_doc("notification", "THÔNG BÁO SỰ CỐ",
                    c.L("Nội dung theo điểm a khoản 3 Điều 9 Thông tư 20/2017/TT-BTTTT",
                        "Content per TT 20/2017 art. 9.3.a"))
    _intro(c, doc, "notification")
    doc.add(Heading(c.L("1. Tổ chức/cá nhân thông báo", "1. Reporting organisation")))
    doc.add(c.field("reporter.name", "Tên tổ chức/cá nhân", True), c.field("reporter.address", "Địa chỉ", True),
            c.field("reporter.phone", "Điện thoại"), c.field("reporter.email", "Email"))
    doc.add(c.field("contact.name", c.L("Người liên hệ", "Contact")), c.field("contact.phone", "Điện thoại"))
    doc.add(Heading(c.L("2. Hệ thống bị sự cố", "2. Affected system")))
    doc.add(c.field("system.name", "Tên hệ thống"), c.field("system.domains", "Tên miền"),
            c.field("system.ip_addresses", "Địa chỉ IP"), c.field("system.operator", "Đơn vị vận hành"),
            c.field("system.owner", "Cơ quan chủ quản"))
    doc.add(Heading(c.L("3. Mô tả sự cố và thời điểm phát hiện", "3. Description and time of detection")))
    doc.add(c.field("detection.detected_at", "Thời điểm phát hiện (T0)", True))
    doc.add(Para(c.v("description")))
    _classification(c, doc)
    doc.add(Heading(c.L("4. Kết quả xử lý ban đầu, kiến nghị", "4. First results, proposals")))
    doc.add(_actions_table(c))
    doc.add(FieldLine(c.L("Đề xuất, kiến nghị", "Proposals"), c.v("requests")))
    doc.add(c.signature())
    doc.missing = [str(p) for p in missing_fields(c.rec, "m03") if p.field.split(".")[0] in
                   ("reporter", "description", "detection")]
    return doc


def _progress(c: _Ctx) -> Doc:
    doc = c.new_doc("progress", "BÁO CÁO DIỄN BIẾN TÌNH HÌNH SỰ CỐ")
    _intro(c, doc, "progress")
    doc.add(c.field("title", "Sự cố"), c.field("system.name", "Hệ thống"),
            c.field("detection.detected_at", "Thời điểm phát hiện (T0)"))
    last_n, last_d = c.report_ref("initial")
    if last_n:
        doc.add(FieldLine(c.L("Báo cáo trước", "Previous report"), f"{last_n} ({fmt_dt(last_d, c.tz)})"))
    doc.add(Heading(c.L("1. Diễn biến trạng thái", "1. Status history")), _status_table(c))
    doc.add(Heading(c.L("2. Tình hình hiện tại", "2. Current situation")), Para(c.v("progress")))
    doc.add(FieldLine(c.L("Ảnh hưởng, thiệt hại", "Impact"), c.v("impact")))
    doc.add(Heading(c.L("3. Các biện pháp đã thực hiện", "3. Actions done")), _actions_table(c))
    doc.add(Heading(c.L("4. Các bước tiếp theo", "4. Planned next steps")))
    doc.add(Bullets([str(s) for s in c.rec.get("next_steps") or []]) if c.rec.get("next_steps") else Para(EMPTY))
    doc.add(FieldLine(c.L("Tổ chức đang hỗ trợ và kết quả", "Helpers and results"), c.v("helpers")))
    doc.add(Heading(c.L("5. Thời hạn báo cáo", "5. Reporting deadlines")), _deadlines_table(c))
    doc.add(c.signature())
    return doc


def _deadlines_table(c: _Ctx) -> Table | Para:
    from .regimes import STATE_LABELS, RegimeError, deadline_status

    try:
        rows = deadline_status(c.rec, now=c.now, include_pending=True)
    except (RegimeError, ValueError) as exc:
        return Para(str(exc), "italic")
    i = 0 if c.lang == "vi" else 1
    return Table([c.L("Thời hạn", "Deadline"), c.L("Hạn", "Due"), c.L("Trạng thái", "State"),
                  c.L("Chế độ", "Regime")],
                 [[r["name"] if i == 0 else r["name_en"], fmt_dt(r["due"].isoformat(), c.tz) if r["due"] else "—",
                   STATE_LABELS[r["state"]][i] + (c.L(" (trễ hạn)", " (late)") if r.get("late") else ""),
                   r["regime_name"] + (c.L(" — tạm thời", " — provisional") if r.get("provisional") else "")]
                  for r in rows], [0.36, 0.22, 0.16, 0.26])


def _plan(c: _Ctx) -> Doc:
    doc = c.new_doc("plan", "BÁO CÁO PHƯƠNG ÁN ỨNG CỨU CỤ THỂ")
    _intro(c, doc, "plan")
    plan = c.rec.get("plan") or {}
    doc.add(c.field("title", "Sự cố"), c.field("system.name", "Hệ thống"))
    _classification(c, doc)
    doc.add(Heading(c.L("1. Phương án (chiến lược) lựa chọn", "1. Chosen strategy")), Para(str(plan.get("strategy") or EMPTY)))
    doc.add(Heading(c.L("2. Các bước thực hiện", "2. Steps")))
    steps = plan.get("steps") or []
    doc.add(Bullets([str(s) for s in steps]) if steps else Para(EMPTY))
    doc.add(Heading(c.L("3. Nguồn lực", "3. Resources")), Para(str(plan.get("resources") or EMPTY)))
    doc.add(FieldLine(c.L("Người chỉ huy, chủ trì", "Who leads"), str(plan.get("lead") or EMPTY)))
    doc.add(c.signature())
    return doc


def _direction(c: _Ctx) -> Doc:
    doc = c.new_doc("direction", "BÁO CÁO XIN Ý KIẾN CHỈ ĐẠO, CHỈ HUY")
    _intro(c, doc, "direction")
    d = c.rec.get("direction") or {}
    doc.add(c.field("title", "Sự cố"), c.field("system.name", "Hệ thống"))
    doc.add(Heading(c.L("1. Tình hình", "1. Situation")), Para(c.v("description")), _status_table(c))
    doc.add(Heading(c.L("2. Nội dung cần quyết định", "2. Decision needed")), Para(str(d.get("decision") or EMPTY)))
    doc.add(Heading(c.L("3. Các phương án", "3. Options")))
    opts = d.get("options") or []
    doc.add(Bullets([f"{c.L('Phương án', 'Option')} {i}: {o}" for i, o in enumerate(opts, 1)]) if opts else Para(EMPTY))
    doc.add(FieldLine(c.L("Thời hạn cần ý kiến", "Needed by"), fmt_dt(d.get("deadline"), c.tz) if d.get("deadline") else EMPTY))
    doc.add(c.signature())
    return doc


def _support(c: _Ctx) -> Doc:
    doc = c.new_doc("support", "BÁO CÁO ĐỀ NGHỊ HỖ TRỢ, PHỐI HỢP")
    _intro(c, doc, "support")
    s = c.rec.get("support") or {}
    doc.add(c.field("title", "Sự cố"), c.field("system.name", "Hệ thống"),
            c.field("detection.detected_at", "Thời điểm phát hiện (T0)"))
    doc.add(Heading(c.L("1. Nội dung đề nghị hỗ trợ", "1. Help requested")), Para(str(s.get("what") or c.v("requests"))))
    doc.add(FieldLine(c.L("Đơn vị được đề nghị", "Requested from"), str(s.get("from") or EMPTY)))
    doc.add(Heading(c.L("2. Lý do", "2. Why")), Para(str(s.get("why") or EMPTY)))
    doc.add(Heading(c.L("3. Tình hình hiện tại", "3. Current situation")), Para(c.v("description")))
    doc.add(c.field("contact.name", "Người liên hệ"), c.field("contact.phone", "Điện thoại"),
            c.field("contact.email", "Email"))
    doc.add(c.signature())
    return doc


def _findings(c: _Ctx) -> Doc:
    L = c.L
    doc = c.new_doc("findings", "BÁO CÁO KẾT QUẢ PHÂN TÍCH SỰ CỐ")
    _intro(c, doc, "findings")
    doc.add(Heading(L("1. Tóm tắt", "1. Summary")))
    doc.add(c.field("title", "Sự cố"), c.field("system.name", "Hệ thống"),
            c.field("detection.detected_at", "Thời điểm phát hiện (T0)"))
    _classification(c, doc)
    doc.add(Para(c.v("description")))
    doc.add(FieldLine(L("Ảnh hưởng, thiệt hại", "Impact"), c.v("impact")))

    doc.add(Heading(L("2. Các sự kiện chính trên dòng thời gian (C1)", "2. Key events of the timeline (C1)")))
    events, note = src.key_events(c.case, to_local(_get(c.rec, "detection.detected_at"), c.tz))
    if events:
        doc.add(Table([L("Thời điểm (UTC)", "Time (UTC)"), L("Nguồn", "Source"), L("Sự kiện", "Event"),
                       L("Chứng cứ", "Evidence")],
                      [[e["time"], e["source"], e["message"], e["evidence"]] for e in events],
                      [0.2, 0.14, 0.52, 0.14], mono={3}))
    if note:
        doc.add(Para(note, "italic"))
    doc.add(Heading(L("3. Các phát hiện và chứng cứ", "3. Findings and their evidence")))
    findings, note = src.findings(c.case, c.lang)
    if findings:
        doc.add(Table([L("Mức độ", "Severity"), L("Mục", "Item"), L("Thời điểm (UTC)", "Time (UTC)"),
                       L("Phát hiện", "Finding"), L("Chứng cứ", "Evidence")],
                      [[f["severity"], f["checklist_id"], utc_short(f["time"]), f["text"],
                        f["evidence"].replace(", ", "\n")] for f in findings],
                      [0.1, 0.06, 0.14, 0.56, 0.14], mono={4}))
    if note:
        doc.add(Para(note, "italic"))

    doc.add(Heading(L("4. Bảng chứng cứ", "4. Evidence table")))
    ev_rows = src.evidence_rows(c.case)
    if ev_rows:
        doc.add(Table([L("Mã", "Id"), L("Mục", "Item"), L("Tên, nguồn và SHA-256", "Name, source and SHA-256"),
                       L("Kích thước (byte)", "Size (bytes)"), L("Thu thập lúc (UTC)", "Collected (UTC)")],
                      [[r["id"], r["checklist_id"], _name_source(r) + f"\n{r['sha256']}",
                        fmt_size(r["size"]), utc_short(r["collected_at"])] for r in ev_rows],
                      [0.1, 0.06, 0.56, 0.12, 0.16], mono={0}))
    else:
        doc.add(Para(L("Vụ việc chưa có chứng cứ.", "The case holds no evidence."), "italic"))

    doc.add(Heading(L("5. Nhật ký chuỗi lưu giữ chứng cứ", "5. Chain of custody log")))
    cust = src.custody_rows(c.case)
    if cust:
        doc.add(Table(["#", L("Thời điểm (UTC)", "Time (UTC)"), L("Người", "Actor"), L("Hành động", "Action"),
                       L("Đối tượng", "Target"), "Hash"],
                      cust, [0.05, 0.19, 0.12, 0.11, 0.38, 0.15], mono={5}))
    problems = src.custody_problems(c.case)
    doc.add(Para(L("Kiểm tra chuỗi băm: ", "Hash chain check: ") +
                 ("; ".join(problems) if problems else L("nguyên vẹn.", "intact.")), "small"))

    doc.add(Heading(L("6. Các bước đã thực hiện", "6. Steps taken")), _actions_table(c))
    doc.add(Heading(L("7. Bài học kinh nghiệm", "7. Lessons learned")), Para(c.v("closing.lessons")))
    nxt = c.rec.get("next_steps") or []
    if nxt:
        doc.add(Heading(L("Các bước tiếp theo", "Next steps"), 2), Bullets([str(s) for s in nxt]))
    doc.add(c.signature())
    return doc


def _name_source(r: dict) -> str:
    name, source = str(r.get("name") or ""), str(r.get("source") or "")
    return name if source in ("", name) else f"{name}\n{source}"


def _source_legend(c: _Ctx, doc: Doc) -> None:
    if not c.unconf:
        return
    ids = sorted({i for p in c.unconf for i in c.found[p].evidence})
    doc.add(Para(c.L(
        "Các giá trị ghi \"điền sẵn từ chứng cứ … — cần xác nhận\" do UngCuu đọc từ chứng cứ đã thu thập "
        f"({', '.join(ids)}); người báo cáo kiểm tra và xác nhận trước khi ký.",
        "Values marked \"pre-filled from evidence … — to confirm\" were read from the collected evidence "
        f"({', '.join(ids)}); the reporter checks and confirms them before signing."), "small"))


_BUILDERS = {
    "notification": _notification, "initial": _form03, "progress": _progress, "plan": _plan,
    "direction": _direction, "support": _support, "closing": _form04, "findings": _findings,
}


def build_doc(case, kind: str, lang: str = "vi", now: dt.datetime | None = None) -> Doc:
    if kind not in _BUILDERS:
        raise ValueError(f"unknown report kind '{kind}'; kinds: {', '.join(KINDS)}")
    c = _Ctx(case, lang, now)
    doc = _BUILDERS[kind](c)
    if not doc.number:
        doc.number = ""
    return doc
