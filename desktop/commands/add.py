"""`ungcuu add`: B5, copy the files or folders the responder names into the case."""
from __future__ import annotations

from collectors import checklist as checklist_mod

from ._common import lock_case, open_case
from .collect import drive

NAME = "add"
HELP = "B5: copy and hash files or folders you name into the case (symlink-safe, size-capped)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--examiner")
    p.add_argument("--max-file-bytes", type=int, default=2 << 30,
                   help="copy at most this many bytes of one file (default 2 GiB); the cap is reported when hit")
    p.add_argument("--max-total-bytes", type=int, help="stop after this many bytes in all")


def run(args) -> int:
    checklist = checklist_mod.load()
    case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang)
    lock = lock_case(case, "ungcuu add")
    args.root = None
    args.again = True
    options = {"paths": args.paths, "max_file_bytes": args.max_file_bytes, "max_total_bytes": args.max_total_bytes}
    try:
        code = drive(case, checklist, args, profile=None, only=["B5"], options=options, lang=args.lang)
        if code == 0 and case.outcomes().get("B5", {}).get("state") == "skipped":
            return 1  # nothing was added (no such path, only links or pipes): not a success
        return code
    finally:
        case.close()
        lock.release()
