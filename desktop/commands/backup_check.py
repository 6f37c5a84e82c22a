"""`ungcuu backup-check --case DIR BACKUP`: would restoring this backup restore the attacker too? (R2)"""
from __future__ import annotations

NAME = "backup-check"
HELP = "kiểm tra bản sao lưu có sạch không trước khi khôi phục / is a backup clean to restore? (R2)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("backup", help="a folder, a tar/zip archive or a disk image (read only) / bản sao lưu")
    p.add_argument("--ioc", metavar="FILE", help="indicators (hashes, IPs, domains) / danh sách IOC")
    p.add_argument("--yara", metavar="RULES", help="YARA rules to run over the backup's files / luật YARA")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    import sys

    from analysis import backup_check
    from collectors.case import Case
    from reports import actions

    from ._common import CancelOnSigint, TerminalProgress, print_json
    from ._terminal import safe

    lang = getattr(args, "lang", "vi")
    case = Case.open(args.case, affected_root="")
    term = TerminalProgress(lang=lang)
    res = None
    try:
        with CancelOnSigint() as cancel:
            for ev in backup_check.iter_check(case, args.backup, ioc_file=args.ioc, yara_file=args.yara, cancel=cancel):
                if isinstance(ev, backup_check.BackupProgress):
                    term.status(f"{ev.done} {ev.message}"[:100])
                else:
                    res = ev
    except FileNotFoundError as exc:
        print(f"ungcuu: {exc}", file=sys.stderr)
        return 2
    term.line("")
    backup_check.record(case, res)
    actions.log_action(case, f"Kiểm tra bản sao lưu trước khi khôi phục (R2): {res.source}",
                       backup_check.VERDICT_VI[res.verdict] + (f" ({len(res.hits)} dấu hiệu)" if res.hits else ""))
    if args.json:
        print_json(res.to_dict())
    else:
        print(safe(backup_check.render_text(res, lang), keep_newlines=True))
    return {"clean": 0, "contains_indicators": 1}.get(res.verdict, 3)
