"""`ungcuu status`: each checklist item's state, reason and evidence count, and the legal deadlines."""
from __future__ import annotations

from collectors import checklist as checklist_mod

from ._common import open_case, print_json, print_table, reason_text, state_label

NAME = "status"
HELP = "show each checklist item's state, reason and evidence count, and the deadlines"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True)
    p.add_argument("--json", action="store_true")


def deadlines(case) -> list[dict]:
    """The deadlines under every regime that applies to the incident (its own, then the national ones in
    effect at detection), those not started yet included."""
    try:
        from reports.regimes import deadlines_all
    except ImportError:
        return []
    try:
        return [dict(d) for d in deadlines_all(case, include_pending=True)]
    except Exception as exc:  # an incomplete incident record must not hide the checklist
        return [{"name": "deadlines", "state": "unknown", "error": str(exc)}]


def _regime_label(d: dict, vi: bool) -> str:
    name = str(d.get("regime_name") or d.get("regime") or "")
    if d.get("provisional") and "TẠM THỜI" not in name and "PROVISIONAL" not in name:
        name += " (TẠM THỜI)" if vi else " (PROVISIONAL)"
    return name


def _due(d: dict) -> str:
    due = d.get("due")
    if due is None:
        return "—"
    text = due.strftime("%d/%m/%Y %H:%M %z")
    return text[:-2] + ":" + text[-2:]


def run(args) -> int:
    case = open_case(args.case, affected_root="")
    try:
        return _show(case, args)
    finally:
        case.close()


def _show(case, args) -> int:
    checklist = checklist_mod.load()
    outcomes = case.outcomes()
    items = []
    for item in sorted(checklist.items, key=lambda i: (i.id[0], int(i.id[1:]))):
        o = outcomes.get(item.id, {})
        items.append({
            "id": item.id, "label_vi": item.label_vi, "label_en": item.label_en,
            "state": o.get("state", "pending"), "reason": o.get("reason"),
            "evidence_count": o.get("total_evidence", 0),
        })
    extra = sorted(set(outcomes) - {i.id for i in checklist.items})
    for cid in extra:
        o = outcomes[cid]
        items.append({"id": cid, "label_vi": cid, "label_en": cid, "state": o.get("state"), "reason": o.get("reason"),
                      "evidence_count": o.get("total_evidence", 0)})
    dl = deadlines(case)
    if args.json:
        print_json({"case": str(case.path), "case_id": case.case_id, "items": items, "deadlines": dl})
        return 0
    vi = args.lang == "vi"
    print(f"{'Hồ sơ' if vi else 'Case'}: {case.case_id}  {case.path}")
    print_table(["ID", "Mục" if vi else "Item", "Trạng thái" if vi else "State", "Chứng cứ" if vi else "Evidence",
                 "Lý do" if vi else "Reason"],
                [[i["id"], i["label_vi"] if vi else i["label_en"], state_label(i["state"], args.lang),
                  i["evidence_count"], reason_text(i["reason"], args.lang)] for i in items])
    if dl:
        print()
        print_table(["Chế độ" if vi else "Regime", "Thời hạn" if vi else "Deadline", "Hạn" if vi else "Due",
                     "Trạng thái" if vi else "State"],
                    [[_regime_label(d, vi), d.get("label_vi" if vi else "label_en") or d.get("name"), _due(d),
                      state_label(str(d.get("state")), args.lang)] for d in dl])
    return 0
