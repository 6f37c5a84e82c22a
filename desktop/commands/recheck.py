"""`ungcuu recheck --case DIR [--root R]`: collect the triage again into the same case and say, for each
plan step and finding, whether it is gone, still present or changed (H3, R2). Exit status: 0 nothing of
the plan is still present, 1 something is, 130 stopped before the comparison."""
from __future__ import annotations

NAME = "recheck"
HELP = "thu thập lại và kiểm tra từng bước/phát hiện đã hết chưa / re-check after fixing (H3, R2)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("--root", help="collect from a mounted image or copied tree (dead-box) / thư mục gốc")
    p.add_argument("--profile", choices=("triage", "full"), default="triage")
    p.add_argument("--checklist", help="another checklist YAML")
    p.add_argument("--ioc", metavar="FILE", help="indicators file for the findings")
    p.add_argument("--yara", metavar="RULES", help="YARA rules for the findings")
    p.add_argument("--examiner", help="who re-checks (recorded in the custody log)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    import os
    import sys

    from analysis import recheck
    from collectors import checklist as checklist_mod
    from collectors.errors import UngCuuError
    from collectors.runner import ItemFinished
    from reports import actions

    from ._common import CancelOnSigint, TerminalProgress, open_case, print_json, state_label
    from ._terminal import safe

    lang = getattr(args, "lang", "vi")
    checklist = checklist_mod.load(args.checklist)
    if args.root and not os.path.isdir(args.root):
        raise UngCuuError(f"--root {args.root}: no such folder (mount the image or copy the tree there first)")
    case = open_case(args.case, examiner=args.examiner, affected_root=args.root or "/", lang=lang)
    term = TerminalProgress(lang=lang)
    done = None
    try:
        with CancelOnSigint() as cancel:
            for ev in recheck.iter_recheck(case, checklist, root=args.root, profile=args.profile, cancel=cancel,
                                           argv=getattr(args, "argv", None), ioc_file=args.ioc, yara_file=args.yara):
                if isinstance(ev, ItemFinished):
                    term.line(f"[{ev.checklist_id}] {state_label(ev.state, lang)} ({ev.evidence_count})")
                elif isinstance(ev, recheck.RecheckDone):
                    done = ev
        if done is None:
            print("ungcuu: " + ("kiểm tra lại bị dừng, chưa so sánh" if lang == "vi" else
                                "the re-check was stopped before the comparison"), file=sys.stderr)
            return 130
        actions.log_action(case, "Kiểm tra lại toàn bộ hệ thống sau khắc phục (H3, R2)",
                           recheck.result_line(done.result))
        if args.json:
            print_json(done.result)
        else:
            print(safe(recheck.render_text(done.result, lang), keep_newlines=True))
        return 1 if done.result["step_counts"].get(recheck.PRESENT) else 0
    finally:
        case.close()
