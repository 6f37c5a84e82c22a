"""Findings: what the evidence says, grouped by ATT&CK tactic in the order an attack unfolds.

Three producers, one shape (`Finding`):

- **Sigma rules** over the timeline (`analysis.detect`): the vendored SigmaHQ rules, UngCuu's own rules
  (``resources/rules/ungcuu/``: log cleared, new accounts, admin groups, services and tasks, autostart
  registry, suspicious command lines, web attacks, password spraying) and the team's folders
  (``rules_dirs``). One finding per rule and evidence item (a correlation rule: per group);
- **case checks** (`analysis.checks`): what needs the case's other evidence (C3 updates, C4 last use,
  origin candidates over every authentication source, persistence files, process locations, snapshots);
- **indicators** (C5): the responder's IOC list and YARA rules (`analysis.ioc`).

``iter_run(case, ioc_file=None, yara_file=None, *, rules_dirs=(), min_level="medium", hunting=False,
cancel=None)`` is a generator of progress (`Stage` and `analysis.detect.engine.DetectProgress`) whose
return value is a `Report`; ``run(...)`` returns its findings (most severe first). ``groups(findings)``
orders them by tactic; ``report_dict(report)`` is the ``ungcuu findings --json`` document.

JSON shape (``ungcuu findings --json``; the GUI's detections page reads it)::

    {"case_id": "...",
     "rules": {"rules": 2854, "correlations": 2, "failed": 2, "warnings": 18, "not_selected": 230,
               "files": 3069,
               "errors": [{"path": "...", "line": 12, "message": "..."}],     # rules that cannot compile
               "warnings": [{"path": "...", "line": 5, "message": "..."}]},
     "detection": {"events": 26619, "seconds": 4.1, "long_values": 0, "rule_failures": {},
                   "check_failures": [{"check": "analysis.checks.x", "error": "..."}], "cancelled": false},
     "origin": {"timezone": "...", "lines": [...], "text_vi": "...", "text_en": "..."},   # origin_account
     "groups": [                                       # in attack order; "other" (no tactic) last
        {"tactic": "persistence", "attack_id": "TA0003", "name_en": "Persistence", "name_vi": "Duy trì truy cập",
         "explanation_vi": "...", "findings": [FINDING, ...]}],
     "findings": [FINDING, ...]}                       # the same findings, most severe first

    FINDING = {"rule": "id", "origin": "sigma|ungcuu|custom|check|ioc", "kind": "...", "checklist_id": "C5",
               "severity": "info|low|medium|high|critical", "level": "sigma level", "status": "...",
               "time": "first match, ISO 8601 UTC", "last_time": "...", "summary_vi": "...", "summary_en": "...",
               "title_en": "...", "title_vi": "...", "explanation_vi": "...", "description": "...",
               "tags": ["attack.persistence", "attack.t1547.001"], "tactics": ["persistence"],
               "techniques": ["T1547.001"], "author": "...", "references": ["https://..."],
               "falsepositives": [...], "evidence_ids": ["E000004"],
               "events": [{"evidence_id": "E000004", "locator": "record 12"}, ...],   # first 50
               "event_count": 312,                                                    # all matches
               "first_match": {"image": "...", "commandline": "...", "user": "...", "ipaddress": "..."},
               "rule_path": "resources/rules/sigma/rules/windows/...yml", "details": {...}}

``origin_account(case, findings, tz=None)`` (`analysis.detect.origin`) is the C6 account built from them.
"""
from __future__ import annotations

import json
import re
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analysis import timeline
from analysis.checks import LEVEL_TO_SEVERITY
from analysis.events import iso_z

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# ATT&CK enterprise tactics in the order an attack unfolds: (tag, id, English, Vietnamese, what it means)
TACTICS = [
    ("reconnaissance", "TA0043", "Reconnaissance", "Trinh sát",
     "Kẻ tấn công dò tìm thông tin và lỗ hổng của hệ thống trước khi tấn công; địa chỉ dò quét là manh mối "
     "về nguồn gốc tấn công (C6)."),
    ("resource_development", "TA0042", "Resource Development", "Chuẩn bị hạ tầng",
     "Kẻ tấn công chuẩn bị công cụ, tài khoản, máy chủ điều khiển; các địa chỉ và tên miền này là dấu hiệu "
     "xâm nhập (C5) để chặn và chia sẻ."),
    ("initial_access", "TA0001", "Initial Access", "Xâm nhập ban đầu",
     "Lối vào của kẻ tấn công (dịch vụ bị khai thác, tài khoản bị đoán mật khẩu, tệp đính kèm): trả lời câu "
     "hỏi nguồn gốc tấn công (C6) và chỉ ra điểm phải vá trước khi khôi phục."),
    ("execution", "TA0002", "Execution", "Thực thi mã",
     "Mã của kẻ tấn công đã chạy trên máy: đây là dấu hiệu xâm nhập (C5); tiến trình cha và tài khoản chạy lệnh "
     "giúp lần ngược về lối vào (C6)."),
    ("persistence", "TA0003", "Persistence", "Duy trì truy cập",
     "Cơ chế giúp kẻ tấn công quay lại (dịch vụ, tác vụ, khoá khởi động, tài khoản): phải tìm và gỡ hết ở bước "
     "H2, nếu không sự cố sẽ tái diễn sau khi khôi phục."),
    ("privilege_escalation", "TA0004", "Privilege Escalation", "Leo thang đặc quyền",
     "Kẻ tấn công giành quyền quản trị/SYSTEM/root: phạm vi ảnh hưởng là toàn bộ máy, mọi mật khẩu trên máy "
     "cần coi là đã lộ (C5, H2)."),
    ("stealth", "TA0005", "Stealth", "Ẩn mình",
     "Kẻ tấn công che giấu hoạt động (ngụy trang tiến trình, chèn mã, làm rối lệnh): cho biết mã độc đang cố "
     "không bị phát hiện; bản thân hành vi này là dấu hiệu xâm nhập (C5)."),
    ("defense_impairment", "TA0112", "Defense Impairment", "Vô hiệu hoá phòng thủ",
     "Kẻ tấn công tắt phòng vệ hoặc xoá dấu vết (xoá nhật ký, tắt phần mềm diệt virus, đổi cấu hình giám sát): "
     "một phần chứng cứ có thể đã mất và phải tìm ở nguồn khác; đây là dấu hiệu xâm nhập (C5)."),
    ("credential_access", "TA0006", "Credential Access", "Đánh cắp thông tin xác thực",
     "Kẻ tấn công lấy hoặc dò mật khẩu, mã băm, vé Kerberos: các tài khoản liên quan phải đổi mật khẩu; địa "
     "chỉ dò mật khẩu là ứng viên nguồn gốc tấn công (C6)."),
    ("discovery", "TA0007", "Discovery", "Khám phá hệ thống",
     "Kẻ tấn công tìm hiểu máy và mạng nội bộ sau khi vào được: cho biết họ đã có mặt và đang tìm mục tiêu tiếp "
     "theo (C5)."),
    ("lateral_movement", "TA0008", "Lateral Movement", "Di chuyển ngang",
     "Kẻ tấn công dùng máy này để sang máy khác (hoặc đến từ máy khác): các máy ở hai đầu cũng phải được thu "
     "thập và phân tích; máy nguồn là manh mối nguồn gốc (C6)."),
    ("collection", "TA0009", "Collection", "Thu thập dữ liệu",
     "Kẻ tấn công gom dữ liệu để lấy đi: cần xác định dữ liệu nào bị ảnh hưởng cho báo cáo sự cố (C5)."),
    ("command_and_control", "TA0011", "Command and Control", "Điều khiển từ xa",
     "Máy liên lạc với máy chủ điều khiển của kẻ tấn công: địa chỉ/tên miền đó cần chặn ngay và là dấu hiệu "
     "xâm nhập (C5) để tìm các máy khác bị nhiễm."),
    ("exfiltration", "TA0010", "Exfiltration", "Đánh cắp dữ liệu ra ngoài",
     "Dữ liệu có thể đã bị chuyển ra ngoài: ảnh hưởng đến nghĩa vụ báo cáo và thông báo; đích đến là dấu hiệu "
     "xâm nhập (C5)."),
    ("impact", "TA0040", "Impact", "Phá hoại",
     "Kẻ tấn công mã hoá, xoá hoặc làm gián đoạn hệ thống: cần khôi phục từ bản sao lưu sạch sau khi gỡ bỏ "
     "nguyên nhân (H1-H5)."),
]
TACTIC_ORDER = {t[0]: i for i, t in enumerate(TACTICS)}
# ATT&CK v19 split Defense Evasion (TA0005) into Stealth (TA0005) and Defense Impairment (TA0112); the
# SigmaHQ snapshot uses the new names, older and custom rules the old one
TACTIC_ALIASES = {"defense_evasion": "stealth"}
OTHER = ("other", "", "Context and other findings", "Bối cảnh và phát hiện khác",
         "Những phát hiện không gắn với một chiến thuật ATT&CK: cập nhật gần nhất (C3), lần dùng cuối (C4), "
         "dấu hiệu theo danh sách IOC/YARA (C5) và các quy tắc không có nhãn ATT&CK.")
TACTIC_CHECKLIST = {"initial_access": "C6", "lateral_movement": "C6", "reconnaissance": "C6",
                    "persistence": "H2"}
_TECHNIQUE = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$", re.I)
KEEP_EVENTS = 50


@dataclass
class Finding:
    kind: str
    checklist_id: str
    severity: str
    summary_vi: str
    summary_en: str
    rule: str
    time: str | None = None  # ISO 8601 UTC ('Z'): the first matching event
    evidence_ids: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # [{"evidence_id", "locator"}], the first KEEP_EVENTS
    details: dict = field(default_factory=dict)
    # The rule's own description (Sigma rules and case checks): ATT&CK tags, titles, attribution.
    tags: list[str] = field(default_factory=list)
    title_en: str = ""
    title_vi: str = ""
    explanation_vi: str = ""
    author: str = ""
    references: list[str] = field(default_factory=list)
    event_count: int = 0  # every matching event (``events`` is capped)
    first_match: dict = field(default_factory=dict)  # key fields of the first match (user, image, command line...)
    origin: str = "check"  # sigma, ungcuu, custom, check, ioc
    last_time: str | None = None
    level: str = ""
    status: str = ""
    description: str = ""
    falsepositives: list[str] = field(default_factory=list)
    rule_path: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["tactics"] = self.tactics
        d["techniques"] = self.techniques
        return d

    def summary(self, lang: str = "vi") -> str:
        return self.summary_vi if lang == "vi" else self.summary_en

    @property
    def tactics(self) -> list[str]:
        """ATT&CK tactics of the tags, in attack order."""
        out = {t.split(".", 1)[1].replace("-", "_").lower() for t in self.tags if t.lower().startswith("attack.")}
        out = {TACTIC_ALIASES.get(t, t) for t in out}
        return sorted((t for t in out if t in TACTIC_ORDER), key=lambda t: TACTIC_ORDER[t])

    @property
    def techniques(self) -> list[str]:
        return [m.group(1).upper() for t in self.tags if (m := _TECHNIQUE.match(t))]

    @property
    def tactic(self) -> str:
        """The tactic this finding is grouped under: its first in attack order, or 'other'."""
        t = self.tactics
        return t[0] if t else "other"


@dataclass
class Stage:
    """Progress between the parts of a run: ``name`` is timeline, rules, detect, checks, indicators."""
    name: str
    detail: str = ""


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    rules: dict = field(default_factory=dict)  # RuleSet.summary() + errors/warnings + custom, matched
    detection: dict = field(default_factory=dict)
    # what the responder's files checked: {"ioc": {"indicators", "matched"}, "yara": {"rules", "files", "matched"}}
    indicators: dict = field(default_factory=dict)


def _t(us: int | None) -> str | None:
    return iso_z(us) if us is not None else None


# ------------------------------------------------------------------------------------------- Sigma hits
def _short(first: dict) -> str:
    parts: list[str] = []
    for k in ("user", "subjectusername", "targetusername", "commandline", "image", "targetobject", "targetfilename",
              "servicename", "imagepath", "ipaddress", "c-ip", "c-uri", "ip", "destinationip"):
        v = first.get(k)
        if v and len(parts) < 3:
            parts.append(f"{k}={str(v)[:120]}")
    return "; ".join(parts)


def finding_of_hit(hit) -> Finding:
    """A Sigma rule's matches in one evidence item (or one correlation group) as a finding."""
    r = hit.rule
    u = r.ungcuu or {}
    tags = list(r.tags)
    title_vi = str(u.get("title_vi") or "")
    probe = Finding("", "", "info", "", "", r.id, tags=tags)
    checklist = str(u.get("checklist_id") or TACTIC_CHECKLIST.get(probe.tactic, "C5"))
    explanation = str(u.get("explanation_vi") or "")
    if not explanation:
        explanation = next((t[4] for t in TACTICS if t[0] == probe.tactic), OTHER[4])
    evidence = sorted(hit.evidence_ids or [hit.evidence_id])
    where = ", ".join(evidence[:5]) + (" ..." if len(evidence) > 5 else "")
    first = hit.first
    short = _short(first)
    group = ", ".join(f"{k}={v}" for k, v in hit.group.items())
    head_vi = title_vi or r.title
    n = hit.count
    summary_vi = (f"{head_vi}: {n} sự kiện trong {where}, lần đầu {_t(hit.first_ts)}"
                  + (f" (nhóm {group})" if group else "") + (f" — {short}" if short else ""))
    summary_en = (f"{r.title}: {n} event{'s' if n != 1 else ''} in {where}, first at {_t(hit.first_ts)}"
                  + (f" (group {group})" if group else "") + (f" — {short}" if short else ""))
    return Finding(
        kind="correlation" if r.correlation else "sigma", checklist_id=checklist,
        severity=LEVEL_TO_SEVERITY.get(r.level, "medium"), summary_vi=summary_vi, summary_en=summary_en,
        rule=r.id, time=_t(hit.first_ts), evidence_ids=evidence, events=list(hit.keys[:KEEP_EVENTS]),
        details={"group": hit.group} if hit.group else {}, tags=tags, title_en=r.title, title_vi=title_vi,
        explanation_vi=explanation, author=r.author, references=list(r.references), event_count=n,
        first_match=dict(first), origin=r.origin, last_time=_t(hit.last_ts), level=r.level, status=r.status,
        description=r.description, falsepositives=list(r.falsepositives), rule_path=r.path)


def merge_same_events(found: list[Finding]) -> list[Finding]:
    """UngCuu's own rule and SigmaHQ rules matching exactly the same events are one finding: UngCuu's (its
    Vietnamese title and place in the procedure), listing the SigmaHQ rules with their attribution under
    ``details["also_matched"]``; the higher severity of them is kept."""
    by: dict[tuple, list[Finding]] = {}
    for f in found:
        key = (tuple(f.evidence_ids), tuple((e["evidence_id"], e["locator"]) for e in f.events), f.event_count)
        by.setdefault(key, []).append(f)
    drop: set[int] = set()
    for group in by.values():
        own = [f for f in group if f.origin == "ungcuu"]
        if not own or len(group) == 1:
            continue
        keep = own[0]
        for f in group:
            if f is keep or f.origin != "sigma":
                continue
            keep.details.setdefault("also_matched", []).append(
                {"rule": f.rule, "title": f.title_en, "level": f.level, "author": f.author,
                 "references": f.references, "tags": f.tags})
            if SEV_RANK[f.severity] > SEV_RANK[keep.severity]:
                keep.severity = f.severity
            drop.add(id(f))
    return [f for f in found if id(f) not in drop]


# ------------------------------------------------------------------------------------------- checks
def iter_checks(case, db, names=None):
    """(findings, failures) of every case check module (or those named); a module that raises is a
    failure naming it, and the others still run."""
    from analysis import checks

    found: list[Finding] = []
    failures: list[dict] = []
    for mod in checks.modules(failures):
        short = mod.__name__.rsplit(".", 1)[-1]
        if names is not None and short not in names:
            continue
        try:
            for f in mod.run(case, db):
                f.origin = f.origin or "check"
                found.append(f)
        except Exception as exc:  # noqa: BLE001 - a broken check must not lose the other findings
            failures.append({"check": mod.__name__, "error": f"{type(exc).__name__}: {exc}",
                             "where": traceback.format_exc(limit=-1).strip().splitlines()[-2].strip()})
    return found, failures


PERSISTENCE_CHECKS = ("persistence_files", "processes", "windows_autostart")


def rule_persistence(case, db) -> list[Finding]:
    """The persistence checks only (H2), for `analysis.diff`."""
    return iter_checks(case, db, PERSISTENCE_CHECKS)[0]


# ------------------------------------------------------------------------------------------- C5
def rule_indicators(case, db, ioc_file=None, yara_file=None, stats: dict | None = None) -> list[Finding]:
    """IOC and YARA findings; `stats` (when given) gets what was checked and how much matched."""
    from analysis import ioc

    stats = {} if stats is None else stats
    out: list[Finding] = []
    if ioc_file:
        ind = ioc.load(ioc_file)
        found = ioc.match_indicators(case, db, ind)
        stats["ioc"] = {"indicators": len(ind), "matched": sum(1 for f in found if f.kind != "ioc_scan_error")}
        out.extend(found)
    if yara_file:
        yara_stats: dict = {}
        found = ioc.match_yara(case, yara_file, stats=yara_stats)
        stats["yara"] = yara_stats | {"matched": len({f.evidence_ids[0] for f in found if f.kind == "ioc_match"})}
        out.extend(found)
    for f in out:
        f.origin = "ioc"
    return out


# ------------------------------------------------------------------------------------------- run
def _sort_key(f: Finding) -> tuple:
    return (-SEV_RANK[f.severity], f.checklist_id, f.time or "", f.rule)


def iter_run(case, ioc_file: str | Path | None = None, yara_file: str | Path | None = None, *, build: bool = True,
             rules_dirs=(), min_level: str = "medium", hunting: bool = False, cancel=None, ruleset=None):
    """Generator of `Stage` / `DetectProgress`; returns the `Report`. ``cancel``: a threading.Event or a
    callable; when set, detection stops between batches and the findings so far are returned."""
    from analysis.detect import engine, rules, timeline_rows

    if build:
        yield Stage("timeline")
        timeline.ensure(case, cancel=cancel)
    yield Stage("rules")
    rs = ruleset if ruleset is not None else rules.load(rules_dirs, min_level=min_level, hunting=hunting)
    report = Report(rules=rs.summary() | {
        "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in rs.errors],
        "warnings": [{"path": e.path, "line": e.line, "message": e.message} for e in rs.warnings]})
    db = timeline.connect(case)
    try:
        total = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        yield Stage("detect", f"{total} events, {len(rs.rules)} rules")
        res = yield from engine.iter_detect(timeline_rows(db), rs, cancel=cancel, total=total)
        out = merge_same_events([finding_of_hit(h) for h in res.hits])
        yield Stage("checks")
        found, failures = iter_checks(case, db)
        out.extend(found)
        yield Stage("indicators")
        out.extend(rule_indicators(case, db, ioc_file, yara_file, report.indicators))
    finally:
        db.close()
    report.detection = {"events": res.events, "seconds": round(res.seconds, 3), "long_values": res.long_values,
                        "rule_failures": res.rule_failures, "check_failures": failures, "cancelled": res.cancelled}
    out.sort(key=_sort_key)
    report.findings = out
    report.rules["custom"] = sum(1 for r in rs.rules + rs.correlations if r.origin == "custom")
    report.rules["matched"] = len({f.rule for f in out if f.origin in ("sigma", "ungcuu", "custom")})
    report.rules["custom_matched"] = len({f.rule for f in out if f.origin == "custom"})
    return report


def iter_run_case(case_path: str | Path, examiner: str | None = None, ioc_file=None, yara_file=None, **kw):
    """`iter_run` on the case at ``case_path``, opened here and closed at the end (for a run in another
    process: `desktop.childproc`); the examiner is the one of the program that asked."""
    from collectors.case import Case

    case = Case.open(case_path, examiner=examiner, affected_root="")
    try:
        return (yield from iter_run(case, ioc_file, yara_file, **kw))
    finally:
        case.close()


def run_report(case, ioc_file=None, yara_file=None, **kw) -> Report:
    gen = iter_run(case, ioc_file, yara_file, **kw)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def run(case, ioc_file: str | Path | None = None, yara_file: str | Path | None = None, build: bool = True,
        **kw) -> list[Finding]:
    """All findings of a case, most severe first."""
    return run_report(case, ioc_file, yara_file, build=build, **kw).findings


def groups(findings: list[Finding]) -> list[dict]:
    """Findings by ATT&CK tactic in attack order (most severe first inside a tactic), 'other' last."""
    by: dict[str, list[Finding]] = {}
    for f in findings:
        by.setdefault(f.tactic, []).append(f)
    out: list[dict] = []
    for tag, tid, en, vi, expl in TACTICS + [OTHER]:
        if tag in by:
            out.append({"tactic": tag, "attack_id": tid, "name_en": en, "name_vi": vi, "explanation_vi": expl,
                        "findings": sorted(by[tag], key=_sort_key)})
    return out


def report_dict(report: Report, case_id: str = "", origin: dict | None = None) -> dict:
    return {"case_id": case_id, "rules": report.rules, "detection": report.detection,
            "indicators": report.indicators, "origin": origin,
            "groups": [g | {"findings": [f.to_dict() for f in g["findings"]]} for g in groups(report.findings)],
            "findings": [f.to_dict() for f in report.findings]}


def origin_account(case, findings: list[Finding], tz=None) -> dict:
    """The C6 origin account (`analysis.detect.origin.account`) in ``tz`` or the incident's time zone."""
    from analysis.detect import origin

    return origin.account(findings, tz) if tz is not None else origin.case_account(case, findings)


def to_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2, default=str)
