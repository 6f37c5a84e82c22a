"""The report kinds and how each is built from a case (incident record + evidence + analysis).

    KINDS: {name: (title_vi, title_en)} in the order of the procedure
    build_doc(case, kind, lang="vi", now=None) -> Doc

The two official forms (Mẫu 03, Mẫu 04 of TT 20/2017) keep their printed labels, order and check boxes
(../shared/spec/forms.md). Values found in evidence fill empty fields and carry their evidence ids.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3

from collectors.errors import UngCuuError

from . import incident_hosts
from . import sources as src
from .document import (
    EMPTY,
    Bullets,
    Checks,
    Doc,
    FieldLine,
    FormLine,
    Heading,
    KinhGui,
    Letterhead,
    PageBreak,
    Para,
    Signature,
    StripChart,
    Table,
    fmt_date_long,
    fmt_dt,
    fmt_size,
    to_local,
    utc_short,
)
from .incident import CATEGORY_LABELS, CHOICE_LABELS, FIELD_BY_PATH, ORIGIN_LABELS, STATUS_LABELS, _empty, _get, missing_fields
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
# labels of the reports with no form, in English (the forms keep their printed Vietnamese labels)
EN_LABELS = {"Sự cố": "Incident", "Hệ thống": "System", "Thời điểm phát hiện (T0)": "Detected (T0)",
             "Địa chỉ IP": "IP addresses", "Đơn vị vận hành": "Operator", "Tên miền": "Domain names",
             "Tên hệ thống": "System name", "Người liên hệ": "Contact"}


class _Ctx:
    def __init__(self, case, lang: str, now: dt.datetime | None):
        self.case = case
        self.lang = lang
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.incident = case.incident() if case is not None else {}
        try:
            self.found: dict[str, Prefill] = prefill(case) if case is not None else {}
        except (UngCuuError, OSError, sqlite3.Error, ValueError) as exc:  # a damaged case must not stop the report
            self.found = {"_problems": Prefill([f"không đọc được chứng cứ để điền sẵn: {exc}"])}
        self.rec, self.sources = effective(self.incident, self.found)
        self.unconf = unconfirmed(self.incident, self.found)
        self.tz = self.rec.get("timezone") or "Asia/Ho_Chi_Minh"
        try:
            self.case_id = case.case_id if case is not None else ""
        except (UngCuuError, sqlite3.Error):
            self.case_id = ""
        self._findings: tuple[list, str] | None = None

    def findings(self) -> tuple[list, str]:
        """The analysis findings, computed once per document."""
        if self._findings is None:
            self._findings = src.finding_objects(self.case) if self.case is not None else ([], "")
        return self._findings

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
        if label and self.lang == "en":
            label = EN_LABELS.get(label, label)
        return FieldLine(label or self.label(path), self.v(path), required,
                         list(self.sources.get(path, [])), path in self.unconf)

    def options(self, path: str, *keys: str) -> list[tuple[str, str]]:
        """(key, printed label) of the form's check boxes, from reports.incident.CHOICE_LABELS."""
        return [(k, CHOICE_LABELS[path][k][0]) for k in keys]

    def line(self, *parts: tuple[str, str], marker: str = "■") -> FormLine:
        """A form line: (printed label, field path or "" for none) pairs; values and evidence ids filled."""
        paths = [p for _, p in parts if p]
        ids = sorted({i for p in paths for i in self.sources.get(p, [])})
        return FormLine([(label, self.v(path) if path else "") for label, path in parts], marker, ids,
                        any(p in self.unconf for p in paths))

    def checks(self, label: str, path: str, options: list[tuple[str, str]], required: bool = False,
               verbatim: bool = False) -> Checks:
        chosen = _get(self.rec, path) or []
        if not isinstance(chosen, list):
            chosen = [chosen]
        return Checks(label, [(text, key in chosen) for key, text in options], required,
                      list(self.sources.get(path, [])), path in self.unconf, verbatim)

    def report_ref(self, kind: str) -> tuple[str, str]:
        rep = (self.rec.get("reports") or {}).get(kind) or {}
        return str(rep.get("number") or ""), rep.get("date") or ""

    def letterhead(self, kind: str) -> Letterhead:
        number, date = self.report_ref(kind)
        place = "Hà Tĩnh" if str(self.rec.get("regime", "")).startswith("hatinh") else ""
        return Letterhead(self.v("reporter.name", EMPTY).upper(), number or "……/……",
                          fmt_date_long(date or self.now.isoformat(), self.tz, place),
                          self.v("reporter.parent", "").upper())

    def signature(self, form: bool = False) -> Signature:
        """The forms' printed signature title; the other reports sign with the signatory's position and
        carry "Nơi nhận" (the recipients, then the archive copy with the case id)."""
        pos = self.v("signatory.position", "")
        if form:
            title = self.L("CÁ NHÂN/NGƯỜI ĐẠI DIỆN THEO PHÁP LUẬT", "INDIVIDUAL / LEGAL REPRESENTATIVE")
            return Signature(title + (f"\n{pos.upper()}" if pos else ""), self.v("signatory.name", ""),
                             self.L("(Ký tên, đóng dấu)", "(Signature and seal)"))
        title = pos.upper() if pos else self.L("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "HEAD OF THE ORGANISATION")
        names = [self.L("Như trên", "As above")] if self.recipient_names() else []
        names.append(self.L("Lưu: VT, hồ sơ vụ việc ", "File: records, case ") + (self.case_id or EMPTY))
        return Signature(title, self.v("signatory.name", ""), self.L("(Ký tên, đóng dấu)", "(Signature and seal)"),
                         names, self.L("Nơi nhận:", "Recipients:"))

    def recipient_names(self) -> list[str]:
        i = "name_en" if self.lang == "en" else "name"
        return [str(r.get(i) or r.get("name")) for r in src.recipients_for(self.rec) if r.get("name")]

    def new_doc(self, kind: str, title: str, subtitle: str = "", summary: str | None = None, form: str = "") -> Doc:
        number, date = self.report_ref(kind)
        if self.lang == "en" and not form:
            title = re.sub(r"\s*\([^)]*\)$", "", KINDS[kind][1]).upper()     # no trailing legal reference
        if summary is None:
            t = self.v("title", "") or self.v("system.name", "")
            summary = (self.L("Về sự cố: ", "Incident: ") + t) if t else ""
        return Doc(kind=kind, title=title, subtitle=subtitle, summary=summary, form=form, number=number,
                   date=fmt_dt(date, self.tz, with_offset=False) if date else "", case_id=self.case_id, lang=self.lang,
                   author=str(getattr(self.case, "examiner", "") or ""))

    def reference(self) -> Para:
        """The case reference, in the body (NĐ 30 leaves nothing but the page number in the margins)."""
        return Para(self.L(f"Hồ sơ vụ việc: {self.case_id or EMPTY}", f"Case file: {self.case_id or EMPTY}"), "ref")

    def deadline_lines(self, kind: str) -> list[str]:
        """The deadline of this report under each applicable regime (the provisional one marked)."""
        from .regimes import STATE_LABELS, RegimeError, deadlines_all

        try:
            rows = deadlines_all(self.rec, now=self.now, include_pending=True, report=kind)
        except (RegimeError, ValueError) as exc:
            return [str(exc)]
        i = 0 if self.lang == "vi" else 1
        out = []
        for r in rows:
            due = fmt_dt(r["due"].isoformat(), self.tz) if r["due"] else self.L(
                "chưa tính (chưa kết thúc ứng phó)" if r["anchor"] == "response_ended" else "chưa tính (chưa có T0)",
                "not started")
            state = STATE_LABELS[r["state"]][i] + (self.L(", trễ hạn", ", late") if r.get("late") else "")
            out.append(f"{self.regime_name(r)}: {r['name'] if i == 0 else r['name_en']} — "
                       f"{self.L('hạn', 'due')} {due} ({state})")
        return out

    def regime_name(self, r: dict) -> str:
        """A deadline's regime, the provisional one marked as such (once)."""
        name = r["regime_name"]
        if not r.get("provisional"):
            return name
        if "TẠM THỜI" in name or "PROVISIONAL" in name:
            return name + self.L(" — cần xác minh", " — to be verified")
        return name + self.L(" — TẠM THỜI, cần xác minh", " — PROVISIONAL, to be verified")

    def add_deadlines(self, doc: Doc, kind: str, heading: str | None = None) -> None:
        lines = self.deadline_lines(kind)
        if not lines:
            return
        if heading:
            doc.add(Heading(heading))
            doc.add(Bullets(lines))
        else:
            doc.add(Para(self.L("Thời hạn của báo cáo này: ", "Deadline of this report: ") + "; ".join(lines) + ".",
                         "small"))


# --------------------------------------------------------------------------- the official forms

# Mẫu số 03 as printed (../shared/seed/, TT 20/2017 Phụ lục I); the parts the seed's copy lacks (contact,
# system, description, time of detection) follow ../shared/spec/forms.md.
M03_NOTES = [
    "1. Phần (*) là những thông tin bắt buộc. Các phần còn lại có thể loại bỏ nếu không có thông tin.",
    "2. Sử dụng tiêu đề (subject) bắt đầu bằng “[TBSC]” khi gửi thông báo qua email",
    "3. Tham khảo thêm tại website của VNCERT (www.vncert.gov vn)",
]


def _other(c: _Ctx, prefix: str, path: str, key: str, chosen_path: str) -> tuple[str, bool]:
    """An "other" box with its printed prefix and the value written after it."""
    value = c.v(path)
    chosen = _get(c.rec, chosen_path) or []
    return f"{prefix} {value}", key in (chosen if isinstance(chosen, list) else [chosen])


def _form03(c: _Ctx) -> Doc:
    L = c.L
    doc = c.new_doc("initial", "BÁO CÁO BAN ĐẦU SỰ CỐ MẠNG", summary="", form="Mẫu số 03",
                    subtitle=L("", "Form 03 — Annex I, Circular 20/2017/TT-BTTTT"))
    doc.add(c.letterhead("initial"))
    doc.add(Heading("THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO SỰ CỐ"))
    doc.add(c.line(("Tên tổ chức/cá nhân báo cáo sự cố (*)", "reporter.name")),
            c.line(("Địa chỉ: (*)", "reporter.address")),
            c.line(("Điện thoại (*)", "reporter.phone"), ("Email (*)", "reporter.email")))
    doc.add(Heading("NGƯỜI LIÊN HỆ"))
    doc.add(c.line(("Họ và tên (*)", "contact.name"), ("Chức vụ", "contact.position")),
            c.line(("Điện thoại (*)", "contact.phone"), ("Email (*)", "contact.email")))
    doc.add(Heading("THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ"))
    doc.add(c.line(("Tên đơn vị vận hành hệ thống thông tin (*)", "system.operator")),
            c.line(("Cơ quan chủ quản", "system.owner")))
    name_line = c.line(("Tên hệ thống bị sự cố", "system.name"))
    extra = [x for x in (c.v("system.domains", ""), c.v("system.ip_addresses", ""),
                         incident_hosts.affected_text(c.case)) if x]
    if extra:
        label, value = name_line.parts[0]
        name_line.parts[0] = (label, f"{value} ({'; '.join(extra)})")
        name_line.sources = sorted(set(name_line.sources) | set(c.sources.get("system.domains", []))
                                   | set(c.sources.get("system.ip_addresses", [])))
        name_line.unconfirmed = name_line.unconfirmed or "system.ip_addresses" in c.unconf
    doc.add(name_line)
    level = _get(c.rec, "system.level")
    doc.add(Checks("■ Phân loại cấp độ của hệ thống thông tin (nếu có):",
                   [(f"Cấp độ {i}", level == i) for i in range(1, 6)], verbatim=True))
    doc.add(c.line(("Tổ chức cung cấp dịch vụ an toàn thông tin (nếu có)", "system.security_provider")),
            c.line(("Tên nhà cung cấp dịch vụ kết nối bên ngoài (nếu có)", "system.isp")))
    doc.add(Heading("Mô tả sơ bộ về sự cố (*)"))
    doc.add(Para(c.v("description"), "body"))
    t0 = to_local(_get(c.rec, "detection.detected_at"), c.tz)
    doc.add(FormLine([("Ngày phát hiện sự cố (*) (dd/mm/yy)", t0.strftime("%d/%m/%y") if t0 else EMPTY),
                      ("Thời gian phát hiện (*) (giờ, phút)",
                       f"{t0.hour:02d} giờ {t0.minute:02d} phút (UTC{t0.strftime('%z')[:3]}:{t0.strftime('%z')[3:]})"
                       if t0 else EMPTY)], marker=""))
    handled = _get(c.rec, "detection.handled")
    doc.add(Heading("HIỆN TRẠNG SỰ CỐ (*)"))
    doc.add(Checks("", [("Đã được xử lý", handled is True), ("Chưa được xử lý", handled is False)]))
    doc.add(Heading("CÁCH THỨC PHÁT HIỆN"))
    doc.add(Para("* (Đánh dấu những cách thức được sử dụng để phát hiện sự cố)", "italic"))
    methods = _get(c.rec, "detection.methods") or []
    doc.add(Checks("", [("Qua hệ thống phát hiện xâm nhập", "ids" in methods),
                        ("Kiểm tra dữ liệu lưu lại (Log File)", "log_file" in methods)]))
    doc.add(Checks("", [(f"Nhận được thông báo từ: {c.v('detection.notified_by')}", "notified_by" in methods)]))
    doc.add(Checks("", [_other(c, "Khác, đó là", "detection.other_method", "other", "detection.methods")]))
    doc.add(Heading("ĐÃ GỬI THÔNG BÁO SỰ CỐ CHO *"))
    for option in c.options("notified_to", "network_member", "isp", "coordinator"):   # one printed line each
        doc.add(c.checks("", "notified_to", [option]))
    doc.add(Heading("THÔNG TIN BỔ SUNG VỀ HỆ THỐNG XẢY RA SỰ CỐ"))
    os_line = c.line(("Hệ điều hành", "system_info.os"), ("Version", "system_info.os_version"))
    doc.add(os_line)
    doc.add(c.line(("Các dịch vụ có trên hệ thống (Đánh dấu những dịch vụ được sử dụng trên hệ thống)", "")))
    doc.add(c.checks("", "system_info.services", [("web", "Web server"), ("mail", "Mail server"),
                                                  ("database", "Database server")]))
    doc.add(Checks("", [_other(c, "Dịch vụ khác, đó là", "system_info.services_other", "other",
                               "system_info.services")], sources=list(c.sources.get("system_info.services_other", [])),
                   unconfirmed="system_info.services_other" in c.unconf))
    doc.add(c.line(("Các biện pháp an toàn thông tin đã triển khai (Đánh dấu những biện pháp đã triển khai)", "")))
    doc.add(c.checks("", "system_info.security_measures", [("antivirus", "Antivirus"), ("firewall", "Firewall"),
                                                           ("ids", "Hệ thống phát hiện xâm nhập")]))
    doc.add(Checks("", [_other(c, "Khác:", "system_info.security_other", "other", "system_info.security_measures")]))
    doc.add(c.line(("Các địa chỉ IP của hệ thống (Liệt kê địa chỉ IP sử dụng trên Internet, không liệt kê địa chỉ "
                    "IP nội bộ)", "")))
    doc.add(c.line(("", "system_info.public_ips"), marker=""))
    doc.add(c.line(("Các tên miền của hệ thống", "system_info.domains")),
            c.line(("Mục đích chính sử dụng hệ thống", "system_info.purpose")))
    doc.add(c.line(("Thông tin gửi kèm", "")))
    att = c.checks("", "system_info.attachments", [("system_log", "Nhật ký hệ thống"),
                                                   ("malware_sample", "Mẫu virus / mã độc")])
    att.items.append(_other(c, "Khác:", "system_info.attachments_other", "other", "system_info.attachments"))
    doc.add(att)
    conf = _get(c.rec, "system_info.confidential")
    doc.add(Checks("■ Các thông tin cung cấp trong thông báo sự cố này đều phải được giữ bí mật:",
                   [("Có", conf is True), ("Không", conf is False)], verbatim=True))
    doc.add(Heading("KIẾN NGHỊ, ĐỀ XUẤT HỖ TRỢ"))
    doc.add(Para("Mô tả về đề xuất, kiến nghị", "bold"))
    doc.add(FormLine([("Đề nghị cung cấp tóm lược về các kiến nghị và đề xuất hỗ trợ ứng cứu (nếu có)",
                       c.v("requests"))], marker=""))
    doc.add(Heading("THỜI GIAN THỰC HIỆN BÁO CÁO SỰ CỐ"))
    rt = to_local(_get(c.rec, "reported_at"), c.tz)
    when = f"{rt.day:02d}/{rt.month:02d}/{rt.year} {rt.hour:02d}:{rt.minute:02d}" if rt else ".../.../ /..."
    doc.add(Para(f"*: {when} (ngày/tháng/năm/giờ/phút)"))
    doc.add(c.signature(form=True))
    doc.add(Para("Chú thích:", "small"), *[Para(n, "small") for n in M03_NOTES])
    doc.add(c.reference())
    _source_legend(c, doc)
    c.add_deadlines(doc, "initial")
    _annex_qd05(c, doc)
    doc.missing = [p.text(c.lang) for p in missing_fields(c.rec, "m03")]
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


def _bundle_lines(c: _Ctx) -> list[str]:
    """The evidence bundle as Mẫu 04 lists it: file name, SHA-256, signing key fingerprint."""
    from .bundle_info import building, latest_bundle

    inside = building.get()
    if inside:      # this copy travels in the bundle, whose own hash cannot be inside it
        return [c.L(f"Gói chứng cứ UngCuu: tệp {inside} (chứa báo cáo này); SHA-256 của gói ghi trong nhật ký "
                    "chuỗi lưu giữ và trong thư gửi kèm",
                    f"UngCuu evidence bundle: file {inside} (holding this report); its SHA-256 is in the custody "
                    "log and the covering e-mail")]
    b = latest_bundle(c.case) if c.case is not None else None
    if b is None:
        return [c.L("Gói chứng cứ UngCuu: chưa lập (ungcuu bundle --case …)", "UngCuu evidence bundle: not built yet")]
    key = b.get("key_sha256") or c.L("không ký", "unsigned")
    return [c.L(f"Gói chứng cứ UngCuu: tệp {b['name']} ({fmt_size(b.get('size'))} byte)",
                f"UngCuu evidence bundle: file {b['name']} ({fmt_size(b.get('size'))} bytes)"),
            f"SHA-256: {b['sha256']}",
            c.L(f"Khóa ký (SHA-256 khóa công khai Ed25519): {key}", f"Signing key (Ed25519 public key SHA-256): {key}")]


def _form04(c: _Ctx) -> Doc:
    doc = c.new_doc("closing", "BÁO CÁO KẾT THÚC ỨNG PHÓ SỰ CỐ", summary="", form="Mẫu số 04",
                    subtitle=c.L("", "Form 04 — Annex I, Circular 20/2017/TT-BTTTT"))
    doc.add(c.letterhead("closing"))
    doc.add(Heading("THÔNG TIN VỀ TỔ CHỨC/CÁ NHÂN BÁO CÁO"))
    doc.add(c.field("reporter.name", "Tên tổ chức/cá nhân", True), c.field("reporter.address", required=True),
            c.field("reporter.phone", required=True), c.field("reporter.email", required=True))
    doc.add(Heading("KÝ HIỆU BÁO CÁO BAN ĐẦU SỰ CỐ"))
    number, date = c.report_ref("initial")
    doc.add(FieldLine("Số ký hiệu", number or EMPTY), FieldLine("Ngày báo cáo", fmt_dt(date, c.tz) if date else EMPTY))
    doc.add(Heading("THÔNG TIN CHI TIẾT VỀ HỆ THỐNG BỊ SỰ CỐ"))
    doc.add(c.field("system.operator", required=True),
            c.field("system.owner"), c.field("system.name"))
    if incident_hosts.affected_text(c.case):
        doc.blocks[-1].value += f" ({incident_hosts.affected_text(c.case)})"
    level = _get(c.rec, "system.level")
    doc.add(Checks("Phân loại cấp độ", [(f"Cấp độ {i}", level == i) for i in range(1, 6)]))
    summary = c.v("closing.summary", "") or c.v("title", "") or c.v("description")
    doc.add(FieldLine("Tên/Mô tả về sự cố", summary))
    t0 = to_local(_get(c.rec, "detection.detected_at"), c.tz)
    doc.add(FieldLine("Ngày phát hiện sự cố", t0.strftime("%d/%m/%Y") if t0 else EMPTY, True),
            FieldLine("Thời gian phát hiện", f"{t0.hour:02d} giờ {t0.minute:02d} phút" if t0 else EMPTY, True))
    doc.add(Heading("KẾT QUẢ XỬ LÝ SỰ CỐ"))
    doc.add(Para(c.v("closing.resolution"), "body"))
    if c.rec.get("actions"):  # the action log: remediation steps, re-checks, vulnerability and backup checks
        doc.add(_actions_table(c))
    doc.add(FieldLine("Thời điểm kết thúc ứng phó", c.v("closing.response_ended_at")))
    doc.add(FieldLine("Đề xuất, kiến nghị để xử lý sự cố tương tự nhanh hơn, giảm thiểu thiệt hại (bài học kinh nghiệm)",
                      c.v("closing.lessons")))
    doc.add(Heading("CÁC TÀI LIỆU ĐÍNH KÈM"))
    att = [str(a) for a in (_get(c.rec, "closing.attachments") or [])]
    doc.add(Bullets(att + _bundle_lines(c)))
    doc.add(c.signature(form=True))
    doc.add(c.reference())
    c.add_deadlines(doc, "closing")
    doc.missing = [p.text(c.lang) for p in missing_fields(c.rec, "m04")]
    return doc


# --------------------------------------------------------------------------- reports with no form


def _intro(c: _Ctx, doc: Doc, kind: str) -> None:
    doc.add(c.letterhead(kind))
    names = c.recipient_names()
    if names:
        doc.add(KinhGui(names, c.L("Kính gửi:", "To:")))
    doc.add(c.reference())


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
    doc = c.new_doc("notification", "THÔNG BÁO SỰ CỐ", c.L("Nội dung theo điểm a khoản 3 Điều 9 Thông tư 20/2017/TT-BTTTT",
                                                      "Content per TT 20/2017 art. 9.3.a"),
                    )
    _intro(c, doc, "notification")
    doc.add(Heading(c.L("1. Tổ chức/cá nhân thông báo", "1. Reporting organisation")))
    doc.add(c.field("reporter.name", "Tên tổ chức/cá nhân", True), c.field("reporter.address", required=True),
            c.field("reporter.phone"), c.field("reporter.email"))
    doc.add(c.field("contact.name", c.L("Người liên hệ", "Contact")), c.field("contact.phone"))
    doc.add(Heading(c.L("2. Hệ thống bị sự cố", "2. Affected system")))
    doc.add(c.field("system.name", "Tên hệ thống"), c.field("system.domains", "Tên miền"),
            c.field("system.ip_addresses", "Địa chỉ IP"), c.field("system.operator", "Đơn vị vận hành"),
            c.field("system.owner"))
    doc.add(Heading(c.L("3. Mô tả sự cố và thời điểm phát hiện", "3. Description and time of detection")))
    doc.add(c.field("detection.detected_at", "Thời điểm phát hiện (T0)", True))
    doc.add(Para(c.v("description"), "body"))
    _classification(c, doc)
    doc.add(Heading(c.L("4. Kết quả xử lý ban đầu, kiến nghị", "4. First results, proposals")))
    doc.add(_actions_table(c))
    doc.add(FieldLine(c.L("Đề xuất, kiến nghị", "Proposals"), c.v("requests")))
    c.add_deadlines(doc, "notification", c.L("5. Thời hạn thông báo", "5. Notification deadline"))
    doc.add(c.signature())
    doc.missing = [p.text(c.lang) for p in missing_fields(c.rec, "m03") if p.field.split(".")[0] in
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
    doc.add(Heading(c.L("2. Tình hình hiện tại", "2. Current situation")), Para(c.v("progress"), "body"))
    doc.add(FieldLine(c.L("Ảnh hưởng, thiệt hại", "Impact"), c.v("impact")))
    doc.add(Heading(c.L("3. Các biện pháp đã thực hiện", "3. Actions done")), _actions_table(c))
    doc.add(Heading(c.L("4. Các bước tiếp theo", "4. Planned next steps")))
    doc.add(Bullets([str(s) for s in c.rec.get("next_steps") or []]) if c.rec.get("next_steps") else Para(EMPTY))
    doc.add(FieldLine(c.L("Tổ chức đang hỗ trợ và kết quả", "Helpers and results"), c.v("helpers")))
    doc.add(Heading(c.L("5. Thời hạn báo cáo", "5. Reporting deadlines")), _deadlines_table(c))
    doc.add(c.signature())
    return doc


def _deadlines_table(c: _Ctx) -> Table | Para:
    from .regimes import STATE_LABELS, RegimeError, deadlines_all

    try:
        rows = deadlines_all(c.rec, now=c.now, include_pending=True)
    except (RegimeError, ValueError) as exc:
        return Para(str(exc), "italic")
    i = 0 if c.lang == "vi" else 1
    return Table([c.L("Thời hạn", "Deadline"), c.L("Hạn", "Due"), c.L("Trạng thái", "State"),
                  c.L("Chế độ", "Regime")],
                 [[r["name"] if i == 0 else r["name_en"], fmt_dt(r["due"].isoformat(), c.tz) if r["due"] else "—",
                   STATE_LABELS[r["state"]][i] + (c.L(" (trễ hạn)", " (late)") if r.get("late") else ""),
                   c.regime_name(r)]
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
    doc.add(Heading(c.L("1. Tình hình", "1. Situation")), Para(c.v("description"), "body"), _status_table(c))
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
    doc.add(Heading(c.L("3. Tình hình hiện tại", "3. Current situation")), Para(c.v("description"), "body"))
    doc.add(c.field("contact.name", "Người liên hệ"), c.field("contact.phone"),
            c.field("contact.email"))
    doc.add(c.signature())
    return doc


def _local_us(us: int | None, tz: str) -> str:
    if us is None:
        return ""
    d = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=int(us))
    return fmt_dt(d.isoformat(), tz)


def _local_iso(value: str, tz: str) -> str:
    return fmt_dt(value, tz) if value else ""


def _short(text: str, n: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 1] + "…"


def _bin_text(us: int, lang: str) -> str:
    """A bin's width in words: '30 phút', '2 giờ', '3 ngày' (rounded)."""
    sec = us / 1_000_000
    for size, vi, en in ((86400, "ngày", "day(s)"), (3600, "giờ", "hour(s)"), (60, "phút", "minute(s)"),
                         (1, "giây", "second(s)")):
        if sec >= size or size == 1:
            n = sec / size
            num = f"{n:.1f}".rstrip("0").rstrip(".").replace(".", "," if lang == "vi" else ".")
            return f"{num} {vi if lang == 'vi' else en}"
    return ""


def _strip_chart(c: _Ctx, items: list) -> StripChart | None:
    """The activity strip over the whole timeline with the findings by tactic (None: no timeline)."""
    if c.case is None:
        return None
    from analysis import strip

    try:
        s = strip.build(c.case, items)
    except src.TIMELINE_ERRORS:
        return None
    if s is None:
        return None
    L = c.L
    tz_label = fmt_dt(c.now.isoformat(), c.tz)[-8:].strip("()")
    caption = L(f"Hình 1. Số sự kiện trong dòng thời gian theo thời gian (mỗi cột {_bin_text(s.bin_us, 'vi')}, "
                f"giờ địa phương {tz_label}); dưới các cột, mỗi hàng màu là một chiến thuật ATT&CK, đánh dấu "
                "nơi các phát hiện của chiến thuật đó bắt đầu.",
                f"Figure 1. Events in the timeline over time (each bar {_bin_text(s.bin_us, 'en')}, local time "
                f"{tz_label}); under the bars, each coloured lane is an ATT&CK tactic, marked where its findings "
                "begin.")
    if s.unplaced:
        caption += L(f" {s.unplaced} phát hiện không có thời điểm trong khoảng này nên không được đánh dấu.",
                     f" {s.unplaced} finding(s) have no time within this span and are not marked.")
    return StripChart(s, caption, c.tz, c.lang)


def _key_events_section(c: _Ctx, doc: Doc) -> None:
    """C1: the events behind the findings (or the analyst's marked events), in the incident's time zone,
    each with the Vietnamese finding it supports; then the C6 origin account; the full timeline is an
    attachment."""
    L = c.L
    doc.add(Heading(L("2. Diễn biến chính của sự cố (C1) và nguồn gốc (C6)", "2. Main events (C1) and origin (C6)")))
    items, _ = c.findings()
    chart = _strip_chart(c, items)
    if chart is not None:
        doc.add(chart)
    rows: list[list[str]] = []
    marked, note = src.key_events(c.case, None, marked_only=True, lang=c.lang) if c.case is not None else ([], "")
    if marked:
        rows = [[_local_iso(e.get("iso") or "", c.tz) or e["time"], L("Sự kiện được người phân tích đánh dấu",
                                                                     "Marked by the analyst"),
                 _short(e["message"]), e["evidence"]] for e in marked]
    else:
        for e in src.finding_events(c.case, items) if c.case is not None else []:
            f = src.finding_row(e["finding"], c.lang)
            rows.append([_local_us(e["us"], c.tz), f["title"] or _short(f["text"], 160), _short(e["message"]),
                         f"{e['evidence_id']}\n{e['locator']}"])
    window_note = ""
    if not rows and c.case is not None:   # nothing behind a finding: the timeline around detection
        events, window_note = src.key_events(c.case, to_local(_get(c.rec, "detection.detected_at"), c.tz),
                                             lang=c.lang)
        rows = [[_local_iso(e.get("iso") or "", c.tz) or e["time"], e["source"], _short(e["message"]), e["evidence"]]
                for e in events[:src.MAX_WINDOW_EVENTS]]
    tz_label = fmt_dt(c.now.isoformat(), c.tz)[-8:].strip("()")
    if rows:
        doc.add(Table([L(f"Thời điểm (giờ địa phương, {tz_label})", f"Time (local, {tz_label})"),
                       L("Diễn biến", "What happened"), L("Dòng nhật ký gốc (nguyên văn)", "Original log line (verbatim)"),
                       L("Chứng cứ", "Evidence")], rows, [0.17, 0.30, 0.38, 0.15], mono={3}))
        if (marked and note) or window_note:
            doc.add(Para(note if marked else window_note, "italic"))
    else:
        doc.add(Para(L("Chưa có sự kiện nào gắn với một phát hiện hoặc được đánh dấu.",
                       "No event is linked to a finding or marked yet."), "italic"))
    origin = src.origin_account(c.case, items, c.lang) if c.case is not None else []
    doc.add(Heading(L("Nguồn gốc sự cố (C6)", "Origin of the incident (C6)"), 2))
    if origin:
        doc.add(Bullets(origin))
    else:
        doc.add(Para(L("Chưa xác định được nguồn gốc từ chứng cứ.", "No origin identified from the evidence."),
                     "italic"))
    total = src.timeline_total(c.case) if c.case is not None else None
    if total:
        doc.add(Para(L(f"Toàn bộ dòng thời gian ({fmt_size(total)} sự kiện) đính kèm trong gói chứng cứ: "
                       "timeline/timeline.jsonl (định dạng Timesketch).",
                       f"The full timeline ({fmt_size(total)} events) is attached in the evidence bundle: "
                       "timeline/timeline.jsonl (Timesketch format)."), "small"))


def _findings_table(c: _Ctx, doc: Doc) -> None:
    L = c.L
    doc.add(Heading(L("3. Các phát hiện và chứng cứ", "3. Findings and their evidence")))
    items, note = c.findings()
    rows = []
    for f in items:
        r = src.finding_row(f, c.lang)
        text = (r["title"] + ": " if r["title"] and r["title"] not in r["text"] else "") + r["text"]
        extra = []
        if r["tags"]:
            extra.append("ATT&CK: " + ", ".join(t.replace("attack.", "").upper() if t.startswith("attack.t") else t
                                                 for t in r["tags"]))
        if r["author"] or r["references"]:
            extra.append(L("Quy tắc: ", "Rule: ") + r["rule"] + (L("; tác giả: ", "; author: ") + r["author"]
                                                                 if r["author"] else ""))
            extra += [L("Tham khảo: ", "Reference: ") + ref for ref in r["references"][:3]]
        rows.append([r["severity"], r["checklist_id"], _local_iso(r["time"], c.tz), "\n".join([text] + extra),
                     r["evidence"].replace(", ", "\n")])
    if rows:
        doc.add(Table([L("Mức độ", "Severity"), L("Mục", "Item"), L("Thời điểm", "Time"),
                       L("Phát hiện", "Finding"), L("Chứng cứ", "Evidence")],
                      rows, [0.11, 0.06, 0.15, 0.54, 0.14], mono={4}))
    if note or not rows:
        doc.add(Para(note or L("Các quy tắc phân tích tự động không phát hiện điều gì.", "No automatic findings."),
                     "italic"))


def _evidence_section(c: _Ctx, doc: Doc) -> None:
    from .annex import ANNEX_ROWS, CUSTODY_NAME, EVIDENCE_NAME

    L = c.L
    doc.add(Heading(L("4. Bảng chứng cứ", "4. Evidence table")))
    per = src.evidence_per_item(c.case) if c.case is not None else {}
    total = sum(n for n, _ in per.values())
    records = c.case.evidence() if c.case is not None and total <= ANNEX_ROWS else []
    if not total:
        doc.add(Para(L("Vụ việc chưa có chứng cứ.", "The case holds no evidence."), "italic"))
    elif records:
        doc.add(Table([L("Mã", "Id"), L("Mục", "Item"), L("Tên, nguồn và SHA-256", "Name, source and SHA-256"),
                       L("Kích thước (byte)", "Size (bytes)"), L("Thu thập lúc (UTC)", "Collected (UTC)")],
                      [[r.id, r.checklist_id, _name_source({"name": r.name, "source": r.source}) + f"\n{r.sha256}",
                        fmt_size(r.size), utc_short(r.collected_at)] for r in records],
                      [0.1, 0.06, 0.56, 0.12, 0.16], mono={0}))
    else:
        doc.add(Table([L("Mục", "Item"), L("Số chứng cứ", "Items"), L("Tổng kích thước (byte)", "Total size (bytes)")],
                      [[k, fmt_size(v[0]), fmt_size(v[1])] for k, v in sorted(per.items())], [0.3, 0.3, 0.4],
                      small=True))
        doc.add(Para(L(f"Danh sách đầy đủ {fmt_size(total)} chứng cứ (mã, tên, nguồn, SHA-256, thời điểm thu "
                       f"thập) ở phụ lục {EVIDENCE_NAME} trong gói chứng cứ.",
                       f"The full list of {fmt_size(total)} items is annex {EVIDENCE_NAME} of the bundle."),
                     "small"))
    doc.add(Heading(L("5. Nhật ký chuỗi lưu giữ chứng cứ", "5. Chain of custody log")))
    summary = src.custody_summary(c.case) if c.case is not None else {"count": 0}
    entries = c.case.custody.entries() if c.case is not None and summary["count"] <= ANNEX_ROWS else None
    if entries:
        doc.add(Table(["#", L("Thời điểm (UTC)", "Time (UTC)"), L("Người", "Actor"), L("Hành động", "Action"),
                       L("Đối tượng", "Target"), "Hash"],
                      src.custody_rows(c.case, entries), [0.05, 0.19, 0.12, 0.11, 0.38, 0.15], mono={5}))
    elif summary["count"]:
        first, last = (utc_short(str(summary[k] or "")).replace("\n", " ") for k in ("first_ts", "last_ts"))
        doc.add(Para(L(f"{fmt_size(summary['count'])} mục, từ {first} đến {last}; mã băm cuối {summary['last_hash']}. "
                       f"Toàn bộ nhật ký ở phụ lục {CUSTODY_NAME} và custody.jsonl trong gói chứng cứ.",
                       f"{fmt_size(summary['count'])} entries, {first} to {last}; last hash {summary['last_hash']}. "
                       f"The whole log is annex {CUSTODY_NAME} and custody.jsonl of the bundle."), "small"))
    problems = src.custody_problems(c.case, entries)
    doc.add(Para(L("Kiểm tra chuỗi băm: ", "Hash chain check: ") +
                 ("; ".join(problems) if problems else L("nguyên vẹn.", "intact.")), "small"))
    from collectors.verify import head

    anchor = head(c.case) if c.case is not None else None
    if anchor:
        doc.add(Para(L(f"Đầu nhật ký khi lập báo cáo: {anchor} — ghi lại nơi khác để sau này đối chiếu bằng "
                       "“ungcuu verify --head” (phát hiện nhật ký bị cắt hoặc viết lại).",
                       f"Head of the log when this report was made: {anchor} — note it elsewhere; "
                       "“ungcuu verify --head” later tells whether the log was cut or rewritten."), "small"))


def _findings(c: _Ctx) -> Doc:
    L = c.L
    doc = c.new_doc("findings", "BÁO CÁO KẾT QUẢ PHÂN TÍCH SỰ CỐ")
    _intro(c, doc, "findings")
    doc.add(Heading(L("1. Tóm tắt", "1. Summary")))
    doc.add(c.field("title", "Sự cố"), c.field("system.name", "Hệ thống"),
            c.field("detection.detected_at", "Thời điểm phát hiện (T0)"))
    _classification(c, doc)
    doc.add(Para(c.v("description"), "body"))
    doc.add(FieldLine(L("Ảnh hưởng, thiệt hại", "Impact"), c.v("impact")))
    _key_events_section(c, doc)
    _findings_table(c, doc)
    incident_hosts.add_sections(c, doc)
    _evidence_section(c, doc)
    doc.add(Heading(L("6. Các bước đã thực hiện", "6. Steps taken")), _actions_table(c))
    doc.add(Heading(L("7. Bài học kinh nghiệm", "7. Lessons learned")), Para(c.v("closing.lessons"), "body"))
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
