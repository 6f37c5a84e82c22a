"""`ungcuu collect`: run the section 2.1 checklist on this machine (or on an offline root)."""
from __future__ import annotations

import os
import sys

from collectors import checklist as checklist_mod
from collectors.base import Incomplete, Progress
from collectors.errors import UngCuuError
from collectors.runner import ItemFinished, ItemStarted, RunFinished, Stored, run_checklist
from collectors.sources.images import ImageError, is_image, open_image

from ._common import CancelOnSigint, TerminalProgress, lock_case, open_case, print_table, reason_text, state_label
from ._terminal import safe

NAME = "collect"
HELP = "collect the section 2.1 checklist into a case folder (Ctrl-C stops cleanly; run again to resume)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder (created if new); prefer a separate drive")
    p.add_argument("--profile", choices=("triage", "full"), default="triage")
    p.add_argument("--only", help="comma-separated checklist ids, e.g. B2,B8")
    p.add_argument("--root", help="dead-box: a mounted image or copied tree, or a disk image file "
                                  "(raw/dd, E01, VHD/VHDX, VMDK, QCOW2) read without mounting it")
    p.add_argument("--volume", type=int, help="with an image --root: the partition to collect (see `ungcuu volumes`); "
                                              "default: the one holding Windows or /etc")
    p.add_argument("--shadow", type=int, help="with an image --root: collect from this volume shadow copy (1, 2, ...)")
    p.add_argument("--examiner", help="who collects (recorded in the custody log)")
    p.add_argument("--again", action="store_true", help="collect items again even if an earlier run did")
    p.add_argument("--checklist", help="another checklist YAML (validated before anything runs)")
    p.add_argument("--path", action="append", default=[], help="a file or folder for B5 (full profile)")
    p.add_argument("--consent", action="store_true",
                   help="allow items marked changes_system (they alter the affected system; recorded in the custody log)")


def drive(case, checklist, args, *, profile, only, options, lang) -> int:
    term = TerminalProgress(lang=lang)
    labels = {i.id: i for i in checklist.items}
    finished: list = []
    run_state = None
    with CancelOnSigint() as cancel:
        for ev in run_checklist(case, checklist, profile=profile, only=only, root=args.root, cancel=cancel,
                                options=options, argv=getattr(args, "argv", None), again=args.again,
                                consent=getattr(args, "consent", False)):
            if isinstance(ev, ItemStarted):
                term.status(f"[{ev.checklist_id}] {labels[ev.checklist_id].label(lang)} ...")
            elif isinstance(ev, Progress):
                term.status(f"[{ev.checklist_id}] {reason_text(ev.message, lang)}"[:100])
            elif isinstance(ev, Stored):
                term.status(f"[{ev.checklist_id}] {ev.record.id} {ev.record.name}")
            elif isinstance(ev, Incomplete):
                pass
            elif isinstance(ev, ItemFinished):
                finished.append(ev)
                term.line(f"[{ev.checklist_id}] {state_label(ev.state, lang)} ({ev.evidence_count})"
                          + (f": {reason_text(ev.reason, lang)}" if ev.reason and ev.state != "collected-earlier" else ""))
            elif isinstance(ev, RunFinished):
                run_state = ev
    rows = [[f.checklist_id, labels[f.checklist_id].label(lang), state_label(f.state, lang), f.evidence_count,
             reason_text(f.reason, lang)] for f in finished]
    headers = ["ID", "Mục" if lang == "vi" else "Item", "Trạng thái" if lang == "vi" else "State",
               "Chứng cứ" if lang == "vi" else "Evidence", "Lý do" if lang == "vi" else "Reason"]
    print_table(headers, rows)
    words = ("hồ sơ", "lượt chạy", "trạng thái") if lang == "vi" else ("case", "run", "state")
    print(f"{words[0]}: {case.path}  {words[1]}: {run_state.run_id if run_state else '?'}  "
          f"{words[2]}: {state_label(run_state.state, lang) if run_state else '?'}")
    source = next((r["root"] for r in case.runs() if run_state and r["id"] == run_state.run_id), None)
    if source and is_image(args.root or ""):
        print(f"{'nguồn' if lang == 'vi' else 'source'}: {source}")
    if run_state and run_state.reason:
        print(f"ungcuu: {safe(reason_text(run_state.reason, lang))}", file=sys.stderr)
    if run_state is None or run_state.state == "cancelled":
        return 130
    if run_state.state == "failed":
        return 1
    return 1 if any(f.state == "failed" for f in finished) else 0


def run(args) -> int:
    checklist = checklist_mod.load(args.checklist)  # validated before anything runs
    only = [s.strip().upper() for s in args.only.split(",") if s.strip()] if args.only else None
    if only:
        checklist.select(None, only)  # unknown ids fail here, before the case is touched
    if args.root and not os.path.isdir(args.root) and not is_image(args.root):
        # a mistyped --root would "collect" an empty system
        raise UngCuuError(f"--root {args.root}: no such folder or disk image file")
    if (args.volume is not None or args.shadow is not None) and not (args.root and is_image(args.root)):
        raise UngCuuError("--volume and --shadow need --root IMAGE (a disk image file)")
    image = bool(args.root) and is_image(args.root)
    if image:  # not an image UngCuu can read, no file system: said before the case is touched
        with open_image(args.root) as img:
            if not any(v.fs_type for v in img.volumes()):
                raise ImageError(img.why_unreadable(), path=img.path)
    case = open_case(args.case, create=True, examiner=args.examiner,
                     affected_root="" if image else args.root or "/", lang=args.lang)
    options = {"paths": args.path} if args.path else {}
    options.update({k: getattr(args, k) for k in ("volume", "shadow") if getattr(args, k, None) is not None})
    lock = lock_case(case, "ungcuu collect")
    try:
        return drive(case, checklist, args, profile=args.profile, only=only, options=options, lang=args.lang)
    finally:
        case.close()
        lock.release()
