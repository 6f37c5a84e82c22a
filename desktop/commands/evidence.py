"""`ungcuu evidence`: the evidence index."""
from __future__ import annotations

from collectors.acquire.common import human_size

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
    vi = getattr(args, "lang", "vi") == "vi"
    heads = (["Mã", "Mục", "Kích thước", "SHA-256", "Thu thập lúc (UTC)", "Nguồn"] if vi
             else ["ID", "Item", "Size", "SHA-256", "Collected at (UTC)", "Source"])
    gap = " [chưa đầy đủ]" if vi else " [incomplete]"
    print_table(heads, [[r.id, r.checklist_id, human_size(r.size, "vi" if vi else "en"), r.sha256, r.collected_at,
                         r.source + (gap if r.incomplete else "")] for r in recs])
    return 0
