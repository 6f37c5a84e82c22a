"""`ungcuu diff BEFORE AFTER`: what changed between two collections of the same host (H3)."""
from __future__ import annotations

NAME = "diff"
HELP = "so sánh hai lần thu thập (trước/sau khi khắc phục) / compare two collections of a host (H3)"


def add_arguments(p) -> None:
    p.add_argument("before", help="case folder collected before / hồ sơ trước")
    p.add_argument("after", help="case folder collected after / hồ sơ sau")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    from analysis import diff
    from collectors.case import Case

    from ._common import print_json
    from ._terminal import safe

    before = Case.open(args.before, affected_root="")
    after = Case.open(args.after, affected_root="")
    result = diff.compare(before, after)
    if args.json:
        print_json(result)
    else:
        print(safe(diff.render_text(result, getattr(args, "lang", "vi")), keep_newlines=True))
    return 0
