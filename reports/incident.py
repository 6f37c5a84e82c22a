"""The incident record: every field of Mẫu 03 and Mẫu 04 (TT 20/2017) plus the NIST SP 800-61 basics.

The record is a plain dict (JSON-serialisable: strings, numbers, booleans, lists, dicts) stored in the
case with `case.set_incident(dict)`. Times are ISO 8601 strings *with* their UTC offset
("2026-11-20T08:15:00+07:00"); a time written without an offset is read in the incident's time zone
(`timezone`, default Asia/Ho_Chi_Minh) and stored with the offset made explicit.

Layout (keys; the Mẫu 03 section letter in brackets, (*) = mandatory on the form):

    regime            id of a file in resources/regimes (hatinh_1859_2023, tt20_2017, lanm_2026)
    timezone          IANA name, default Asia/Ho_Chi_Minh
    title             short name of the incident
    reporter    [A]   name(*), address(*), phone(*), email(*)
    contact     [B]   name(*), position, phone(*), email(*), unit        (B1 of the checklist reads it)
    system      [C]   operator(*), owner, name, domains[], ip_addresses[], level (1-5), security_provider, isp
    description [D]   (*) preliminary description
    detection   [E,F] detected_at(*) = T0, handled (bool), methods[] (ids|log_file|notified_by|other),
                      notified_by, other_method, channel (A1 intake: cong_van|email|phone|...)
    notified_to [G]   list of network_member|isp|coordinator (*)
    system_info [H]   os, os_version, services[] (web|mail|database|other), services_other,
                      security_measures[] (antivirus|firewall|ids|other), security_other, public_ips[],
                      domains[], purpose, attachments[] (system_log|malware_sample|other),
                      attachments_other, confidential (bool)
    requests    [I]   proposals / requests for support
    reported_at [J]   (*) time the initial report was made
    signatory         name, position (người đại diện theo pháp luật)
    origin            A2: cyber_attack|fault|operator_error|disaster
    categories        P2: list of 1..10
    impact            first estimate of harm, spread and impact
    status_history    [{status: detected|notified|analysing|contained|eradicated|recovered|closed, at, by, note}]
    actions           [{at, by, action, result}]
    next_steps        [str]
    helpers           who is helping and results so far (QĐ 05 Điều 11.4)
    reports           {initial: {number, date}, closing: {number, date}, notification: {...}, ...}
    closing     [04]  summary, resolution, lessons, attachments[], response_ended_at
    progress, plan, direction, support   texts for the four reports without an official form
    recipients        override of the regime's recipients: [{name, address, email}]
    evidence_refs     {field path: [evidence ids]} for values pre-filled from evidence
"""
from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from collectors.errors import UngCuuError

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


class IncidentError(UngCuuError):
    """The incident record (or its YAML file) is invalid; `field` and `line` say where."""


@dataclass(frozen=True)
class Field:
    path: str               # dotted key path; "[]" marks a list of records
    label: str              # printed Vietnamese label
    label_en: str
    type: str               # str, text, email, phone, datetime, date, bool, int, list, choice, choices, records
    required: tuple = ()    # forms on which the field is mandatory: "m03", "m04"
    choices: tuple = ()


def _f(path, label, label_en, type_="str", required=(), choices=()):
    return Field(path, label, label_en, type_, tuple(required), tuple(choices))


DETECTION_METHODS = ("ids", "log_file", "notified_by", "other")
NOTIFIED_TO = ("network_member", "isp", "coordinator")
SERVICES = ("web", "mail", "database", "other")
SECURITY_MEASURES = ("antivirus", "firewall", "ids", "other")
ATTACHMENTS = ("system_log", "malware_sample", "other")
ORIGINS = ("cyber_attack", "fault", "operator_error", "disaster")
STATUSES = ("detected", "notified", "analysing", "contained", "eradicated", "recovered", "closed")
CHANNELS = ("cong_van", "fax", "email", "phone", "sms", "website", "social_media", "document_system",
            "review", "monitoring", "other")

ORIGIN_LABELS = {
    "cyber_attack": ("Tấn công mạng", "Cyber attack"),
    "fault": ("Lỗi hệ thống, thiết bị, phần mềm, hạ tầng kỹ thuật", "System/device/software/infrastructure fault"),
    "operator_error": ("Lỗi của người quản trị, vận hành", "Administrator/operator error"),
    "disaster": ("Thảm họa tự nhiên", "Natural disaster"),
}
CATEGORY_LABELS = {
    1: ("Từ chối dịch vụ", "Denial of service"),
    2: ("Giả mạo", "Spoofing / phishing"),
    3: ("Mã độc", "Malware"),
    4: ("Truy cập trái phép, chiếm quyền điều khiển", "Unauthorised access / takeover"),
    5: ("Thay đổi giao diện", "Defacement"),
    6: ("Mã hóa phần mềm, dữ liệu, thiết bị", "Ransomware"),
    7: ("Phá hoại thông tin, dữ liệu, phần mềm", "Destruction"),
    8: ("Nghe trộm, gián điệp, lấy cắp thông tin", "Espionage / theft"),
    9: ("Tổng hợp", "Combined"),
    10: ("Khác", "Other"),
}
# The choices of the form's check boxes, (Vietnamese as on Mẫu 03, English): the GUI and the rendered
# forms read them from here.
CHOICE_LABELS = {
    "detection.methods": {
        "ids": ("Qua hệ thống phát hiện xâm nhập (IDS)", "Intrusion detection system (IDS)"),
        "log_file": ("Kiểm tra dữ liệu lưu lại (Log File)", "Reviewing logs"),
        "notified_by": ("Nhận được thông báo từ…", "Notified by…"),
        "other": ("Khác", "Other"),
    },
    "notified_to": {
        "network_member": ("Thành viên mạng lưới chịu trách nhiệm ứng cứu sự cố cho tổ chức, cá nhân",
                           "Member of the response network responsible for the organisation or person"),
        "isp": ("ISP đang trực tiếp cung cấp dịch vụ", "The ISP serving the system"),
        "coordinator": ("Cơ quan điều phối", "The coordinating body"),
    },
    "system_info.services": {
        "web": ("Web server", "Web server"), "mail": ("Mail server", "Mail server"),
        "database": ("Database server", "Database server"), "other": ("Dịch vụ khác", "Other services"),
    },
    "system_info.security_measures": {
        "antivirus": ("Antivirus", "Antivirus"), "firewall": ("Firewall", "Firewall"),
        "ids": ("Hệ thống phát hiện xâm nhập", "Intrusion detection"), "other": ("Khác", "Other"),
    },
    "system_info.attachments": {
        "system_log": ("Nhật ký hệ thống", "System logs"), "malware_sample": ("Mẫu virus / mã độc", "Malware sample"),
        "other": ("Khác", "Other"),
    },
    "detection.channel": {
        "cong_van": ("Công văn", "Official letter"), "fax": ("Fax", "Fax"), "email": ("Email", "Email"),
        "phone": ("Điện thoại", "Phone"), "sms": ("Tin nhắn SMS/MMS", "SMS/MMS"), "website": ("Website", "Website"),
        "social_media": ("Facebook, mạng xã hội", "Social media"),
        "document_system": ("Phần mềm quản lý văn bản", "Document system"),
        "review": ("Kiểm tra, rà soát, đánh giá", "Review / audit"), "monitoring": ("Giám sát", "Monitoring"),
        "other": ("Khác", "Other"),
    },
}
BOOL_LABELS = {
    "detection.handled": (("Đã được xử lý", "Handled"), ("Chưa được xử lý", "Not yet handled")),
    "system_info.confidential": (("Có", "Yes"), ("Không", "No")),
}


STATUS_LABELS = {
    "detected": ("Phát hiện", "Detected"),
    "notified": ("Đã thông báo", "Notified"),
    "analysing": ("Đang phân tích", "Analysing"),
    "contained": ("Đã ngăn chặn", "Contained"),
    "eradicated": ("Đã gỡ bỏ", "Eradicated"),
    "recovered": ("Đã khôi phục", "Recovered"),
    "closed": ("Kết thúc", "Closed"),
}

FIELDS: tuple[Field, ...] = (
    _f("regime", "Chế độ báo cáo", "Reporting regime"),
    _f("timezone", "Múi giờ", "Time zone"),
    _f("title", "Tên sự cố", "Incident title"),
    # A
    _f("reporter.name", "Tên tổ chức/cá nhân báo cáo sự cố", "Reporting organisation/person", required=("m03", "m04")),
    _f("reporter.address", "Địa chỉ", "Address", required=("m03", "m04")),
    _f("reporter.phone", "Điện thoại", "Phone", "phone", required=("m03", "m04")),
    _f("reporter.email", "Email", "Email", "email", required=("m03", "m04")),
    _f("reporter.parent", "Tên cơ quan, tổ chức chủ quản trực tiếp", "Parent agency (letterhead)"),
    # B
    _f("contact.name", "Họ và tên", "Contact name", required=("m03",)),
    _f("contact.position", "Chức vụ", "Position"),
    _f("contact.phone", "Điện thoại", "Phone", "phone", required=("m03",)),
    _f("contact.email", "Email", "Email", "email", required=("m03",)),
    _f("contact.unit", "Đơn vị", "Unit"),
    # C
    _f("system.operator", "Tên đơn vị vận hành hệ thống thông tin", "System operator", required=("m03", "m04")),
    _f("system.owner", "Cơ quan chủ quản", "Owning agency"),
    _f("system.name", "Tên hệ thống bị sự cố", "Affected system"),
    _f("system.domains", "Tên miền liên quan", "Related domain names", "list"),
    _f("system.ip_addresses", "Địa chỉ IP liên quan", "Related IP addresses", "list"),
    _f("system.level", "Phân loại cấp độ của hệ thống thông tin", "System security level", "int", choices=(1, 2, 3, 4, 5)),
    _f("system.security_provider", "Tổ chức cung cấp dịch vụ an toàn thông tin", "Security service provider"),
    _f("system.isp", "Tên nhà cung cấp dịch vụ kết nối bên ngoài", "Connectivity provider (ISP)"),
    # D
    _f("description", "Mô tả sơ bộ về sự cố", "Preliminary description", "text", required=("m03", "m04")),
    # E, F
    _f("detection.detected_at", "Ngày, thời gian phát hiện sự cố", "Time of detection (T0)", "datetime", required=("m03", "m04")),
    _f("detection.handled", "Hiện trạng sự cố", "Incident handled", "bool", required=("m03",)),
    _f("detection.methods", "Cách thức phát hiện", "How detected", "choices", required=("m03",), choices=DETECTION_METHODS),
    _f("detection.notified_by", "Nhận được thông báo từ", "Notified by"),
    _f("detection.other_method", "Khác, đó là", "Other method"),
    _f("detection.channel", "Kênh tiếp nhận", "Intake channel", "choice", choices=CHANNELS),
    # G
    _f("notified_to", "Đã gửi thông báo sự cố cho", "Notification sent to", "choices", required=("m03",), choices=NOTIFIED_TO),
    # H
    _f("system_info.os", "Hệ điều hành", "Operating system"),
    _f("system_info.os_version", "Version", "OS version"),
    _f("system_info.services", "Các dịch vụ có trên hệ thống", "Services", "choices", choices=SERVICES),
    _f("system_info.services_other", "Dịch vụ khác, đó là", "Other services"),
    _f("system_info.security_measures", "Các biện pháp an toàn thông tin đã triển khai", "Security measures", "choices", choices=SECURITY_MEASURES),
    _f("system_info.security_other", "Biện pháp khác", "Other measures"),
    _f("system_info.public_ips", "Các địa chỉ IP của hệ thống", "Internet-facing IP addresses", "list"),
    _f("system_info.domains", "Các tên miền của hệ thống", "Domain names", "list"),
    _f("system_info.purpose", "Mục đích chính sử dụng hệ thống", "Main purpose"),
    _f("system_info.attachments", "Thông tin gửi kèm", "Attached information", "choices", choices=ATTACHMENTS),
    _f("system_info.attachments_other", "Thông tin gửi kèm khác", "Other attachments"),
    _f("system_info.confidential", "Các thông tin cung cấp trong thông báo sự cố này đều phải được giữ bí mật", "Confidential", "bool"),
    # I, J
    _f("requests", "Mô tả về đề xuất, kiến nghị", "Requests for support", "text"),
    _f("reported_at", "Thời gian thực hiện báo cáo sự cố", "Time of the report", "datetime", required=("m03",)),
    _f("signatory.name", "Cá nhân/người đại diện theo pháp luật", "Signatory"),
    _f("signatory.position", "Chức vụ người ký", "Signatory position"),
    # NIST / QĐ 05
    _f("origin", "Nguồn gốc sự cố", "Origin", "choice", choices=ORIGINS),
    _f("categories", "Phân loại sự cố", "Categories", "choices", choices=tuple(range(1, 11))),
    _f("impact", "Ảnh hưởng, thiệt hại", "Impact", "text"),
    _f("status_history", "Diễn biến trạng thái", "Status history", "records"),
    _f("status_history[].status", "Trạng thái", "Status", "choice", choices=STATUSES),
    _f("status_history[].at", "Thời điểm", "Time", "datetime"),
    _f("status_history[].by", "Người thực hiện", "By"),
    _f("status_history[].note", "Ghi chú", "Note", "text"),
    _f("actions", "Các biện pháp đã thực hiện", "Actions taken", "records"),
    _f("actions[].at", "Thời điểm", "Time", "datetime"),
    _f("actions[].by", "Người thực hiện", "By"),
    _f("actions[].action", "Biện pháp", "Action", "text"),
    _f("actions[].result", "Kết quả", "Result", "text"),
    _f("next_steps", "Các bước tiếp theo", "Next steps", "list"),
    _f("helpers", "Tổ chức đang hỗ trợ và kết quả", "Who is helping, results so far", "text"),
    _f("reports", "Số ký hiệu và ngày các báo cáo", "Report numbers and dates", "dict"),
    _f("closing.summary", "Tên/Mô tả về sự cố", "Incident description (closing)", "text"),
    _f("closing.resolution", "Kết quả xử lý sự cố", "Handling result", "text"),
    _f("closing.lessons", "Đề xuất, bài học kinh nghiệm", "Lessons learned", "text"),
    _f("closing.attachments", "Các tài liệu đính kèm", "Attached documents", "list"),
    _f("closing.response_ended_at", "Thời điểm kết thúc ứng phó", "Response ended", "datetime"),
    _f("progress", "Diễn biến tình hình", "Progress", "text"),
    _f("plan", "Phương án ứng cứu cụ thể", "Response plan", "dict"),
    _f("direction", "Nội dung xin ý kiến chỉ đạo", "Request for direction", "dict"),
    _f("support", "Nội dung đề nghị hỗ trợ, phối hợp", "Request for support", "dict"),
    _f("recipients", "Nơi nhận", "Recipients", "records"),
    _f("recipients[].name", "Tên cơ quan, đơn vị nhận", "Recipient"),
    _f("recipients[].email", "Email", "Email", "email"),
    _f("recipients[].address", "Địa chỉ", "Address"),
    _f("evidence_refs", "Nguồn chứng cứ của giá trị điền sẵn", "Evidence of pre-filled values", "dict"),
)
FIELD_BY_PATH = {f.path: f for f in FIELDS}
# The keys inside the record's dict fields (reports, plan, direction, support) that the reports read.
SUBFIELDS: tuple[Field, ...] = (
    _f("reports.initial.number", "Số ký hiệu báo cáo ban đầu", "Initial report number", "str"),
    _f("reports.initial.date", "Ngày báo cáo ban đầu", "Initial report date", "datetime"),
    _f("reports.closing.number", "Số ký hiệu báo cáo kết thúc", "Closing report number", "str"),
    _f("reports.closing.date", "Ngày báo cáo kết thúc", "Closing report date", "datetime"),
    _f("plan.strategy", "Phương án (chiến lược) lựa chọn", "Chosen strategy", "text"),
    _f("plan.steps", "Các bước thực hiện", "Steps", "list"),
    _f("plan.resources", "Nguồn lực", "Resources", "text"),
    _f("plan.lead", "Người chỉ huy, chủ trì", "Who leads", "str"),
    _f("direction.decision", "Nội dung cần quyết định", "Decision needed", "text"),
    _f("direction.options", "Các phương án đề xuất", "Options proposed", "list"),
    _f("direction.deadline", "Thời hạn cần ý kiến", "Answer needed by", "datetime"),
    _f("support.what", "Nội dung đề nghị hỗ trợ", "Help requested", "text"),
    _f("support.from", "Đơn vị được đề nghị", "Requested from", "str"),
    _f("support.why", "Lý do", "Why", "text"),
)
_LABELS = {f.path: f for f in FIELDS + SUBFIELDS}
_ROW_PATH = re.compile(r"^([a-z_]+)\[(\d+)\](?:\.(\w+))?$")


def field_label(path: str, lang: str = "vi") -> str:
    """The printed label of a field path: 'detection.detected_at' -> 'Ngày, thời gian phát hiện sự cố',
    'actions[1].at' -> 'Các biện pháp đã thực hiện, dòng 2 — Thời điểm'; a path of no known field (an
    unknown key the user typed) is returned as is."""
    def name(f: Field) -> str:
        return f.label if lang == "vi" else f.label_en

    fld = _LABELS.get(path)
    if fld is not None:
        return name(fld)
    m = _ROW_PATH.match(path)
    if m and m.group(1) in _LABELS:
        row = f"{name(_LABELS[m.group(1)])}, {'dòng' if lang == 'vi' else 'row'} {int(m.group(2)) + 1}"
        sub = _LABELS.get(f"{m.group(1)}[].{m.group(3)}") if m.group(3) else None
        if sub is not None:
            return f"{row} — {name(sub)}"
        return row + (f" — {m.group(3)}" if m.group(3) else "")
    return path
_TOP_KEYS = {f.path.split(".")[0].split("[")[0] for f in FIELDS} | {"schema_version", "notes"}
_SECTION_KEYS: dict[str, set] = {}
for _fld in FIELDS:
    if "." in _fld.path and "[]" not in _fld.path:
        _sec, _key = _fld.path.split(".", 1)
        _SECTION_KEYS.setdefault(_sec, set()).add(_key)
_RECORD_KEYS: dict[str, set] = {}
for _fld in FIELDS:
    if "[]." in _fld.path:
        _sec, _key = _fld.path.split("[].", 1)
        _RECORD_KEYS.setdefault(_sec, set()).add(_key)
_RECORD_KEYS["recipients"] = {"name", "address", "email", "role"}

_INTERNAL_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
    "0.0.0.0/8", "::1/128", "fc00::/7", "fe80::/10"))
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[+0-9][0-9 .()\-/]{5,}$")
_REPORT_NUMBER_KEYS = {"number", "date"}


@dataclass
class Problem:
    field: str
    message: str
    severity: str = "error"   # "error": the record cannot be stored; "missing": a mandatory value is empty
    line: int | None = None

    def __str__(self) -> str:
        """For a YAML file's author: the label and the key path to find it ("Email (reporter.email)")."""
        where = f"dòng {self.line}: " if self.line else ""
        label = field_label(self.field)
        return f"{where}{label}{f' ({self.field})' if label != self.field else ''}: {self.message}"

    def text(self, lang: str = "vi") -> str:
        """The problem under the field's printed label in ``lang`` (never its key path)."""
        where = (f"dòng {self.line}: " if lang == "vi" else f"line {self.line}: ") if self.line else ""
        return f"{where}{field_label(self.field, lang)}: {self.message}"


# --- time ---------------------------------------------------------------------------------------


def tzinfo_for(name: str | None) -> dt.tzinfo:
    """The zone by IANA name; Vietnam has kept +07:00 with no DST since 1975, so fall back to that."""
    name = name or DEFAULT_TZ
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError; no tz database at all
        if name in (DEFAULT_TZ, "Asia/Saigon"):
            return dt.timezone(dt.timedelta(hours=7), "ICT")
        raise IncidentError(f"timezone: không biết múi giờ '{name}' (unknown time zone)", field="timezone") from None


def parse_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """Parse an ISO 8601 time (a 'Z', an offset, or none = the incident's zone); also dd/mm/yyyy hh:mm."""
    if isinstance(value, dt.datetime):
        d = value
    elif isinstance(value, dt.date):
        d = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        s = value.strip()
        m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2})[:h](\d{2}))?$", s)
        if m:
            day, mon, year, hh, mm = m.groups()
            d = dt.datetime(int(year), int(mon), int(day), int(hh or 0), int(mm or 0))
        else:
            if s.endswith("Z") or s.endswith("z"):
                s = s[:-1] + "+00:00"
            d = dt.datetime.fromisoformat(s.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", s) else s)
    else:
        raise ValueError(f"not a time: {value!r}")
    if d.tzinfo is None:
        d = d.replace(tzinfo=tz)
    return d


def format_datetime(d: dt.datetime) -> str:
    return d.isoformat(timespec="seconds")


# --- validation -----------------------------------------------------------------------------------


def _get(data: dict, path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def get(data: dict, path: str, default: Any = None) -> Any:
    """Value at a dotted path of the record, or `default` when missing or empty."""
    value = _get(data or {}, path)
    return default if _empty(value) else value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _check_value(fld: Field, value: Any, path: str, tz: dt.tzinfo, problems: list[Problem]) -> Any:
    """Check one value; return it normalised (times with their offset). Appends problems."""
    def bad(msg: str) -> Any:
        problems.append(Problem(path, msg))
        return value

    t = fld.type
    if t in ("str", "text", "email", "phone"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            return bad(f"phải là chuỗi ký tự, không phải {type(value).__name__}")
        if t == "email" and value and not _EMAIL.match(value.strip()):
            return bad(f"địa chỉ email không hợp lệ: '{value}'")
        if t == "phone" and value and not _PHONE.match(value.strip()):
            return bad(f"số điện thoại không hợp lệ: '{value}'")
        return value
    if t in ("datetime", "date"):
        try:
            return format_datetime(parse_datetime(value, tz))
        except (ValueError, TypeError):
            return bad(f"thời gian không hợp lệ: '{value}' (dùng 2026-11-20T08:15:00+07:00 hoặc 20/11/2026 08:15)")
    if t == "bool":
        if isinstance(value, bool):
            return value
        return bad(f"phải là true/false (có/không), không phải '{value}'")
    if t == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except ValueError:
                return bad(f"phải là số nguyên, không phải '{value}'")
        if fld.choices and value not in fld.choices:
            return bad(f"giá trị {value} không thuộc {list(fld.choices)}")
        return value
    if t == "list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            return bad("phải là danh sách các chuỗi ký tự")
        return [str(v) for v in value]
    if t == "choice":
        if value not in fld.choices:
            return bad(f"giá trị '{value}' không hợp lệ; chọn một trong: {', '.join(map(str, fld.choices))}")
        return value
    if t == "choices":
        if not isinstance(value, list):
            value = [value]
        for v in value:
            if v not in fld.choices:
                return bad(f"giá trị '{v}' không hợp lệ; chọn trong: {', '.join(map(str, fld.choices))}")
        return value
    if t == "dict":
        if not isinstance(value, dict):
            return bad("phải là một bảng khóa: giá trị (mapping)")
        return value
    if t == "records":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return bad("phải là danh sách các mục khóa: giá trị")
        return value
    return value  # pragma: no cover - every type is handled above


def validate_incident(data: Any, lines: dict[str, int] | None = None) -> tuple[dict, list[Problem]]:
    """Check a record; return (normalised copy, problems). Problems with severity "error" make it unusable;
    "missing" ones name mandatory fields of Mẫu 03 / Mẫu 04 still empty (the record may still be stored)."""
    problems: list[Problem] = []
    lines = lines or {}
    if not isinstance(data, dict):
        problems.append(Problem("(gốc)", "hồ sơ sự cố phải là một bảng khóa: giá trị (YAML mapping)", line=lines.get("")))
        return {}, problems
    out = copy.deepcopy(data)
    tz_name = data.get("timezone") or DEFAULT_TZ
    try:
        tz = tzinfo_for(tz_name)
    except IncidentError as exc:
        problems.append(Problem("timezone", str(exc)))
        tz = tzinfo_for(DEFAULT_TZ)

    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(str(key), "trường không được biết (unknown field); kiểm tra chính tả"))
    for sec, keys in _SECTION_KEYS.items():
        section = data.get(sec)
        if section is None:
            continue
        if not isinstance(section, dict):
            problems.append(Problem(sec, "phải là một bảng khóa: giá trị (mapping)"))
            out[sec] = {}
            continue
        for key in section:
            if key not in keys:
                problems.append(Problem(f"{sec}.{key}", "trường không được biết (unknown field); kiểm tra chính tả"))

    for fld in FIELDS:
        if "[]" in fld.path:
            continue
        value = _get(data, fld.path)
        if _empty(value):
            continue
        if "." in fld.path and not isinstance(data.get(fld.path.split(".")[0]), dict):
            continue
        new = _check_value(fld, value, fld.path, tz, problems)
        _set(out, fld.path, new)

    for sec, keys in _RECORD_KEYS.items():
        records = out.get(sec)
        if not isinstance(records, list):
            continue
        for i, rec in enumerate(records):
            if not isinstance(rec, dict):
                continue
            for key, value in rec.items():
                path = f"{sec}[{i}].{key}"
                if key not in keys:
                    problems.append(Problem(path, "trường không được biết (unknown field)"))
                    continue
                sub = FIELD_BY_PATH.get(f"{sec}[].{key}")
                if sub is not None and not _empty(value):
                    rec[key] = _check_value(sub, value, path, tz, problems)
        if sec == "status_history":
            for i, rec in enumerate(records):
                if isinstance(rec, dict):
                    for need in ("status", "at"):
                        if _empty(rec.get(need)):
                            problems.append(Problem(f"{sec}[{i}].{need}", "thiếu giá trị bắt buộc"))
            try:
                out[sec] = sorted(records, key=lambda r: parse_datetime(r["at"], tz))
            except (IncidentError, ValueError, KeyError, TypeError):  # reported as problems above
                pass

    reports = out.get("reports")
    if isinstance(reports, dict):
        for kind, rec in reports.items():
            if not isinstance(rec, dict):
                problems.append(Problem(f"reports.{kind}", "phải có dạng {number: ..., date: ...}"))
                continue
            for key in rec:
                if key not in _REPORT_NUMBER_KEYS:
                    problems.append(Problem(f"reports.{kind}.{key}", "trường không được biết (dùng number, date)"))
            if not _empty(rec.get("date")):
                rec["date"] = _check_value(Field(f"reports.{kind}.date", "Ngày báo cáo", "Report date", "datetime"),
                                           rec["date"], f"reports.{kind}.date", tz, problems)
            if not _empty(rec.get("number")):
                rec["number"] = str(rec["number"])

    for path in ("system.ip_addresses", "system_info.public_ips"):
        for ip in (_get(out, path) or [] if isinstance(_get(out, path), list) else []):
            try:
                addr = ipaddress.ip_address(str(ip).split("/")[0].strip())
            except ValueError:
                problems.append(Problem(path, f"'{ip}' không phải địa chỉ IP hợp lệ (not an IP address)"))
                continue
            if path == "system_info.public_ips" and any(addr in net for net in _INTERNAL_NETS):
                problems.append(Problem(path, f"{ip} là địa chỉ nội bộ: mục này chỉ ghi địa chỉ Internet "
                                              "(internal address in the Internet-facing list)"))

    _check_time_order(out, tz, problems)

    refs = out.get("evidence_refs")
    if isinstance(refs, dict):
        for key, ids in refs.items():
            if isinstance(ids, str):
                refs[key] = [ids]
            elif not isinstance(ids, list):
                problems.append(Problem(f"evidence_refs.{key}", "phải là danh sách mã chứng cứ (E000001...)"))

    for p in problems:
        if p.line is None:
            p.line = _line_for(lines, p.field)
    return out, problems


CLOCK_SKEW = dt.timedelta(minutes=10)  # how far ahead of this computer's clock a time may be


def _fmt_local(d: dt.datetime, tz: dt.tzinfo) -> str:
    return d.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _check_time_order(out: dict, tz: dt.tzinfo, problems: list[Problem], now: dt.datetime | None = None) -> None:
    """Times that cannot be true: in the future (beyond clock skew), or a report before the detection.

    A deadline is computed from the detection time, so a wrong one would move every deadline."""
    now = now or dt.datetime.now(dt.timezone.utc)

    def when(path: str) -> dt.datetime | None:
        value = _get(out, path)
        if _empty(value):
            return None
        try:
            return parse_datetime(value, tz)
        except (ValueError, TypeError):
            return None  # already reported as not a time

    def future(path: str, d: dt.datetime | None) -> None:
        if d is not None and d > now + CLOCK_SKEW:
            problems.append(Problem(path, f"{_fmt_local(d, tz)} ở tương lai so với đồng hồ máy này "
                                          f"({_fmt_local(now, tz)}): kiểm tra lại ngày giờ (a time in the future)"))

    detected = when("detection.detected_at")
    future("detection.detected_at", detected)
    for path in ("reported_at", "closing.response_ended_at"):
        d = when(path)
        future(path, d)
        if d is not None and detected is not None and d < detected:
            problems.append(Problem(path, f"{_fmt_local(d, tz)} trước thời điểm phát hiện sự cố "
                                          f"({_fmt_local(detected, tz)}) (before the time of detection)"))
    for sec in ("actions", "status_history"):
        for i, rec in enumerate(out.get(sec) or [] if isinstance(out.get(sec), list) else []):
            if isinstance(rec, dict) and not _empty(rec.get("at")):
                try:
                    future(f"{sec}[{i}].at", parse_datetime(rec["at"], tz))
                except (ValueError, TypeError):
                    pass


def missing_fields(data: dict, form: str) -> list[Problem]:
    """Mandatory fields of a form ("m03" or "m04") that are still empty."""
    out = []
    for fld in FIELDS:
        if form in fld.required and _empty(_get(data, fld.path)):
            if fld.path == "detection.handled" and isinstance(_get(data, fld.path), bool):
                continue
            out.append(Problem(fld.path, "thiếu trường bắt buộc (*)", "missing"))
    if form == "m04":
        initial = (data.get("reports") or {}).get("initial") or {}
        if _empty(initial.get("number")):
            out.append(Problem("reports.initial.number", "thiếu số ký hiệu báo cáo ban đầu (Mẫu 03)", "missing"))
        if _empty(initial.get("date")):
            out.append(Problem("reports.initial.date", "thiếu ngày báo cáo ban đầu (Mẫu 03)", "missing"))
    return out


def _set(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    cur = data
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def _line_for(lines: dict[str, int], field: str) -> int | None:
    key = field
    while key:
        if key in lines:
            return lines[key]
        key = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", key) if re.search(r"(\.[^.\[]+|\[\d+\])$", key) else ""
    return lines.get("")


def check_incident(data: Any) -> dict:
    """Validate and normalise; raise IncidentError naming every bad field. Missing mandatory values pass."""
    out, problems = validate_incident(data)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise IncidentError(
            "Hồ sơ sự cố không hợp lệ:\n" + "\n".join(f"  - {p}" for p in errors),
            field=errors[0].field, line=errors[0].line, problems=errors,
        )
    return out


# --- YAML -------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings (we parse them with the incident's time zone)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_lines(node: yaml.Node, prefix: str, out: dict[str, int]) -> None:
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{prefix}.{key}" if prefix else key
            out[path] = key_node.start_mark.line + 1
            _node_lines(value_node, path, out)
            out[path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, f"{prefix}[{i}]", out)


def load_incident_text(text: str, source: str = "<text>") -> dict:
    """Parse and validate an incident record from YAML text. Errors name the field and the line."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            # an incident record needs no anchors/aliases; nested aliases ("billion laughs") would make a
            # few hundred bytes expand to gigabytes when the record is walked and stored
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1  # type: ignore[union-attr]  # events from text have marks
                raise IncidentError(f"{source}: dòng {line}: không dùng bí danh YAML (*{event.anchor}) trong hồ sơ "
                                    "sự cố; chép lại giá trị (YAML aliases are not accepted)", line=line,
                                    field=None, path=source)
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark else None
        raise IncidentError(
            f"{source}: dòng {at}: YAML không hợp lệ: {exc.problem or exc}", line=at, field=None, path=source,
        ) from exc
    except yaml.YAMLError as exc:
        raise IncidentError(f"{source}: YAML không hợp lệ: {exc}", line=None, field=None, path=source) from exc
    if data is None:
        raise IncidentError(f"{source}: tệp rỗng, không có hồ sơ sự cố", line=1, field=None, path=source)
    lines: dict[str, int] = {}
    if node is not None:
        _node_lines(node, "", lines)
    out, problems = validate_incident(data, lines)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise IncidentError(
            f"{source}: hồ sơ sự cố không hợp lệ:\n" + "\n".join(f"  - {p}" for p in errors),
            field=errors[0].field, line=errors[0].line, problems=errors, path=source,
        )
    return out


def load_incident_file(path: str | Path) -> dict:
    """Read an incident record from a YAML file (UTF-8). Raises IncidentError naming the line and field."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise IncidentError(f"Không đọc được tệp hồ sơ sự cố {p}: {exc.strerror or exc}", path=str(p),
                            field=None, line=None) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise IncidentError(f"{p}: dòng {line}: tệp không phải UTF-8 (lưu lại với mã hóa UTF-8)",
                            path=str(p), line=line, field=None) from exc
    return load_incident_text(text, str(p))


def ordered(data: dict) -> dict:
    """A copy with keys in the order of the forms (the stored JSON is key-sorted)."""
    order: list[str] = ["schema_version"]
    sub: dict[str, list[str]] = {}
    for fld in FIELDS:
        top, _, rest = fld.path.partition(".")
        top = top.split("[")[0]
        if top not in order:
            order.append(top)
        if rest and "[]" not in fld.path:
            sub.setdefault(top, []).append(rest)
    out: dict = {}
    for key in order + [k for k in data if k not in order]:
        if key not in data:
            continue
        value = data[key]
        if key in sub and isinstance(value, dict):
            keys = sub[key]
            value = {k: value[k] for k in keys + [k for k in value if k not in keys] if k in value}
        out[key] = value
    return out


def dump_incident(data: dict) -> str:
    """The record as YAML (UTF-8, Vietnamese kept readable), keys in the order of the forms."""
    return yaml.safe_dump(ordered(data), allow_unicode=True, sort_keys=False, width=100)


# --- helpers for reports ------------------------------------------------------------------------


def incident_tz(data: dict) -> dt.tzinfo:
    try:
        return tzinfo_for((data or {}).get("timezone"))
    except IncidentError:
        return tzinfo_for(DEFAULT_TZ)


def t0(data: dict) -> dt.datetime | None:
    """Time of detection (T0), aware, or None."""
    value = get(data, "detection.detected_at")
    if value is None:
        for rec in data.get("status_history") or []:
            if isinstance(rec, dict) and rec.get("status") == "detected" and rec.get("at"):
                value = rec["at"]
                break
    if value is None:
        return None
    try:
        return parse_datetime(value, incident_tz(data))
    except (ValueError, TypeError):
        return None


def status_time(data: dict, status: str) -> dt.datetime | None:
    """When the record entered `status` (the first such entry of status_history), aware, or None."""
    for rec in data.get("status_history") or []:
        if isinstance(rec, dict) and rec.get("status") == status and rec.get("at"):
            try:
                return parse_datetime(rec["at"], incident_tz(data))
            except (ValueError, TypeError):
                return None
    return None


def set_values(data: dict, assignments: list[str]) -> dict:
    """Apply 'path=value' assignments (value read as YAML: numbers, true/false, [lists]; times stay text),
    e.g. 'reports.initial.number=146/BC-TTCNTT', 'system.level=3'. Returns the validated record."""
    out = copy.deepcopy(data or {})
    for item in assignments:
        path, sep, raw = item.partition("=")
        path = path.strip()
        if not sep or not path or not re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)*", path):
            raise IncidentError(f"'{item}': dùng dạng truong.con=gia_tri (path=value)", field=path or item, line=None)
        try:
            value = yaml.load(raw, Loader=_Loader) if raw.strip() else None
        except yaml.YAMLError as exc:
            raise IncidentError(f"'{item}': giá trị không đọc được: {exc}", field=path, line=None) from exc
        if isinstance(value, (int, float)) and not isinstance(value, bool) and FIELD_BY_PATH.get(path) and \
                FIELD_BY_PATH[path].type in ("str", "text", "phone"):
            value = raw.strip()
        parts = path.split(".")
        cur = out
        for part in parts[:-1]:
            nxt = cur.get(part)
            if nxt is None:
                nxt = cur[part] = {}
            if not isinstance(nxt, dict):
                raise IncidentError(f"'{path}': '{part}' không phải một mục có trường con", field=path, line=None)
            cur = nxt
        if value is None:
            cur.pop(parts[-1], None)
        else:
            cur[parts[-1]] = value
    return check_incident(out)


def add_status(data: dict, status: str, at: Any = None, by: str | None = None, note: str | None = None) -> dict:
    """Append a status change (default time: now, in the incident's zone). Returns the validated record."""
    out = copy.deepcopy(data or {})
    when = at or dt.datetime.now(incident_tz(out)).replace(microsecond=0).isoformat()
    entry = {"status": status, "at": when}
    if by:
        entry["by"] = by
    if note:
        entry["note"] = note
    out.setdefault("status_history", []).append(entry)
    return check_incident(out)


def add_action(data: dict, action: str, result: str, at: Any = None, by: str | None = None) -> dict:
    """Append a measure taken to ``actions[]`` (default time: now, in the incident's zone). Returns the
    validated record."""
    out = copy.deepcopy(data or {})
    when = at or dt.datetime.now(incident_tz(out)).replace(microsecond=0).isoformat()
    entry = {"at": when, "action": action, "result": result}
    if by:
        entry["by"] = by
    out.setdefault("actions", []).append(entry)
    return check_incident(out)
