"""`ungcuu findings`: updates (C3), last use (C4), indicators (C5), origin (C6) and backdoors (H2)."""
from __future__ import annotations

NAME = "findings"
HELP = "phát hiện: cập nhật, lần dùng cuối, IOC, nguồn tấn công, backdoor / findings (C3-C6, H2)"

SEV_VI = {"info": "thông tin", "low": "thấp", "medium": "trung bình", "high": "cao", "critical": "nghiêm trọng"}


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--ioc", metavar="FILE", help="indicators (hashes, IPs, domains), one a line / danh sách IOC")
    p.add_argument("--yara", metavar="RULES", help="YARA rules to run over the collected files / luật YARA")
    p.add_argument("--min-severity", choices=("info", "low", "medium", "high", "critical"), default="info")


def run(args) -> int:
    from analysis import findings
    from collectors.case import Case

    from ._common import print_json
    from ._terminal import safe

    vi = getattr(args, "lang", "vi") == "vi"
    case = Case.open(args.case, affected_root="")
    found = findings.run(case, ioc_file=args.ioc, yara_file=args.yara)
    floor = findings.SEV_RANK[args.min_severity]
    found = [f for f in found if findings.SEV_RANK[f.severity] >= floor]
    if args.json:
        print_json({"case_id": case.case_id, "findings": [f.to_dict() for f in found]})
        return 0
    if not found:
        print("Không có phát hiện nào." if vi else "No findings.")
        return 0
    for f in found:
        sev = SEV_VI[f.severity] if vi else f.severity
        print(f"[{sev.upper()}] {f.checklist_id} {safe(f.summary('vi' if vi else 'en'))}")
        ev = ", ".join(f.evidence_ids[:6]) + (" ..." if len(f.evidence_ids) > 6 else "")
        print(f"    {'quy tắc' if vi else 'rule'}: {f.rule}; {'chứng cứ' if vi else 'evidence'}: {ev or '-'}")
    return 0
