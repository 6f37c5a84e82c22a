"""`ungcuu remediate --case DIR plan|mark STEP`: the remediation plan from the findings (R1, H1, H2)."""
from __future__ import annotations

NAME = "remediate"
HELP = "kế hoạch khắc phục từ các phát hiện; đánh dấu từng bước / remediation plan and its steps (R1, H1, H2)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="remediate_cmd", required=True)
    plan = sub.add_parser("plan", help="make (or extend) the plan and print it / lập và in kế hoạch")
    plan.add_argument("--ioc", metavar="FILE", help="indicators file for the findings / danh sách IOC")
    plan.add_argument("--yara", metavar="RULES", help="YARA rules for the findings / luật YARA")
    plan.add_argument("--show", action="store_true", help="print the stored plan without regenerating it")
    mark = sub.add_parser("mark", help="mark a step done, skipped or failed / đánh dấu một bước")
    mark.add_argument("step", help="step id (S01) / mã bước")
    state = mark.add_mutually_exclusive_group(required=True)
    state.add_argument("--done", dest="status", action="store_const", const="done")
    state.add_argument("--skipped", dest="status", action="store_const", const="skipped")
    state.add_argument("--failed", dest="status", action="store_const", const="failed")
    state.add_argument("--pending", dest="status", action="store_const", const="pending")
    mark.add_argument("--reason", help="why (required with --skipped) / lý do")
    mark.add_argument("--by", help="who did it (default: the case's examiner) / người thực hiện")


def run(args) -> int:
    import sys

    from analysis import remediation
    from collectors.case import Case
    from reports import actions

    from ._common import print_json
    from ._terminal import safe

    lang = getattr(args, "lang", "vi")
    case = Case.open(args.case, affected_root="")
    if args.remediate_cmd == "mark":
        try:
            s = actions.mark_step(case, args.step, args.status, by=args.by, reason=args.reason)
        except KeyError:
            print(f"ungcuu: {'không có bước' if lang == 'vi' else 'no step'} {args.step}", file=sys.stderr)
            return 2
        except ValueError as exc:
            msg = "bước bỏ qua cần lý do (--reason)" if lang == "vi" and "reason" in str(exc) else str(exc)
            print(f"ungcuu: {msg}", file=sys.stderr)
            return 2
        if args.json:
            print_json(s.to_dict())
        else:
            print(safe(remediation.render_text([s], lang), keep_newlines=True))
        return 0
    plan = remediation.steps(case) if args.show else remediation.generate(case, ioc_file=args.ioc, yara_file=args.yara)
    if args.json:
        print_json({"case_id": case.case_id, "summary": remediation.summary(plan), "steps": [s.to_dict() for s in plan]})
    else:
        print(safe(remediation.render_text(plan, lang), keep_newlines=True))
    return 0
