"""`ungcuu findings`: Sigma rules over the timeline, case checks and indicators, grouped by ATT&CK tactic
(C3-C6, H2). ``--json`` prints `analysis.findings.report_dict` (its shape is documented there)."""
from __future__ import annotations

import sys

NAME = "findings"
HELP = "phát hiện: cập nhật, lần dùng cuối, IOC, nguồn tấn công, backdoor / findings (C3-C6, H2)"

SEV_VI = {"info": "thông tin", "low": "thấp", "medium": "trung bình", "high": "cao", "critical": "nghiêm trọng"}


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--ioc", metavar="FILE", help="indicators (hashes, IPs, domains), one a line / danh sách IOC")
    p.add_argument("--yara", metavar="RULES", help="YARA rules to run over the collected files / luật YARA")
    p.add_argument("--rules", metavar="DIR", action="append", default=[],
                   help="the team's own Sigma rules (folder or file, repeatable) / luật Sigma của đội")
    p.add_argument("--all-levels", action="store_true",
                   help="also run low and informational rules / chạy cả luật mức thấp và thông tin")
    p.add_argument("--hunting", action="store_true", help="also run SigmaHQ threat-hunting rules / luật săn tìm")
    p.add_argument("--min-severity", choices=("info", "low", "medium", "high", "critical"), default="info")


def run(args) -> int:
    from analysis import findings
    from collectors.case import Case
    from collectors.messages import translate

    from ._common import print_json
    from ._terminal import safe

    vi = getattr(args, "lang", "vi") == "vi"
    case = Case.open(args.case, affected_root="")
    report = findings.run_report(case, ioc_file=args.ioc, yara_file=args.yara, rules_dirs=args.rules,
                                 min_level="informational" if args.all_levels else "medium", hunting=args.hunting)
    floor = findings.SEV_RANK[args.min_severity]
    report.findings = [f for f in report.findings if findings.SEV_RANK[f.severity] >= floor]
    origin = findings.origin_account(case, report.findings)
    if args.json:
        print_json(findings.report_dict(report, case.case_id, origin))
        return 0
    r = report.rules
    for e in r.get("errors", []):
        where = f"{e['path']}:{e['line']}" if e.get("line") else e["path"]
        print(f"{'luật lỗi' if vi else 'rule error'}: {safe(where)}: {safe(translate(e['message'], getattr(args, 'lang', 'vi')))}",
              file=sys.stderr)
    for c in report.detection.get("check_failures", []):
        print(f"{'kiểm tra lỗi' if vi else 'check failed'}: {c['check']}: {safe(c['error'])}", file=sys.stderr)
    d = report.detection
    if vi:
        print(f"{r['rules']} luật, {r['correlations']} luật tương quan; {r['failed']} luật không dịch được; "
              f"{d['events']} sự kiện trong {d['seconds']} s")
    else:
        print(f"{r['rules']} rules, {r['correlations']} correlations; {r['failed']} could not compile; "
              f"{d['events']} events in {d['seconds']} s")
    if r.get("custom"):
        print(f"{r['custom']} luật của đội, {r['custom_matched']} luật khớp" if vi else
              f"{r['custom']} team rules, {r['custom_matched']} matched")
    i = report.indicators
    if "ioc" in i:
        print(f"IOC: {i['ioc']['indicators']} chỉ báo, {i['ioc']['matched']} khớp" if vi else
              f"IOC: {i['ioc']['indicators']} indicators, {i['ioc']['matched']} matched")
    if "yara" in i:
        y = i["yara"]
        print(f"YARA: {y['rules']} luật, {y['files']} tệp đã quét, {y['matched']} tệp khớp" if vi else
              f"YARA: {y['rules']} rules, {y['files']} files scanned, {y['matched']} files matched")
    if not report.findings:
        print("Không có phát hiện nào." if vi else "No findings.")
        return 0
    for g in findings.groups(report.findings):
        label = g["name_vi"] if vi else g["name_en"]
        print(f"\n== {label}{' (' + g['attack_id'] + ')' if g['attack_id'] else ''}: {len(g['findings'])}")
        if vi:
            print(f"   {g['explanation_vi']}")
        for f in g["findings"]:
            sev = SEV_VI[f.severity] if vi else f.severity
            print(f"[{sev.upper()}] {f.checklist_id} {safe(f.summary('vi' if vi else 'en'))}")
            ev = ", ".join(f.evidence_ids[:6]) + (" ..." if len(f.evidence_ids) > 6 else "")
            tech = ", ".join(f.techniques)
            print(f"    {'quy tắc' if vi else 'rule'}: {f.rule}{' [' + tech + ']' if tech else ''}; "
                  f"{'chứng cứ' if vi else 'evidence'}: {ev or '-'}")
            if f.origin in ("sigma", "custom") and f.author:
                ref = f"; {f.references[0]}" if f.references else ""
                print(f"    {'tác giả' if vi else 'author'}: {safe(f.author)}{safe(ref)}")
    if origin["lines"]:
        print(f"\n== {'Nguồn gốc tấn công (C6)' if vi else 'Origin of the attack (C6)'} [{origin['timezone']}]")
        for line in origin["text_vi" if vi else "text_en"].splitlines():
            print(safe(line))
    return 0
