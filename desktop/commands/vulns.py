"""`ungcuu vulns --case DIR --feed PATH`: installed packages against an offline vulnerability feed (H3)."""
from __future__ import annotations

NAME = "vulns"
HELP = "kiểm tra lỗ hổng các gói đã cài theo nguồn dữ liệu ngoại tuyến (OSV, Debian) / vulnerability check (H3)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("--feed", action="append", default=[], metavar="PATH",
                   help="OSV JSON / folder / all.zip, Debian security tracker JSON, or an MSRC CVRF JSON "
                        "security-update document (repeatable)")
    p.add_argument("--windows-product", action="append", default=[], metavar="NAME",
                   help="MSRC product name of the host (e.g. \"Windows Server 2019\"), when the OS line of the "
                        "case does not give it (repeatable)")
    p.add_argument("--no-findings", action="store_true",
                   help="do not read the findings to mark the packages behind the entry point")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    from analysis import vulns
    from collectors.case import Case
    from reports import actions

    from ._common import print_json
    from ._terminal import safe

    lang = getattr(args, "lang", "vi")
    case = Case.open(args.case, affected_root="")
    result = None
    for ev in vulns.iter_run(case, args.feed, products=args.windows_product or None,
                             use_findings=not args.no_findings):
        if isinstance(ev, dict):
            result = ev
    assert result is not None  # not cancellable here: iter_run always ends with the result
    actions.log_action(case, vulns.ACTION_VI, vulns.outcome_line(result))
    if args.json:
        print_json(result)
    else:
        print(safe(vulns.render_text(result, lang), keep_newlines=True))
    return 0
