"""`ungcuu evidence`: the evidence index."""
from __future__ import annotations

from ._common import open_case, print_json, print_table

NAME = "evidence"
HELP = "list the evidence items: id, checklist id, source, size, SHA-256, collected at"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True)
    p.add_argument("--json", action="store_true")
    p.add_argument("--item", help="only this checklist id")


def run(args) -> int:
    case = open_case(args.case, affected_root="")
    try:
        recs = case.evidence(args.item)
    finally:
        case.close()
    if args.json:
        print_json([r.to_dict() for r in recs])
        return 0
    print_table(["ID", "Item", "Size", "SHA-256", "Collected at (UTC)", "Source"],
                [[r.id, r.checklist_id, r.size, r.sha256, r.collected_at,
                  r.source + (" [incomplete]" if r.incomplete else "")] for r in recs])
    return 0
