"""`ungcuu memory --case DIR [--pid N ...] [--physical]`: process dumps and physical memory (B6).

Memory is the most volatile evidence: run this first. The size of what will be written and the free
space of the case drive are shown before anything starts.
"""
from __future__ import annotations

import argparse
import json
import sys

NAME = "memory"
HELP = "thu bộ nhớ: dump tiến trình, toàn bộ RAM dạng LiME (B6) / process dumps, physical memory (LiME)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", required=True, help="thư mục vụ việc / case folder")
    parser.add_argument("--pid", type=int, action="append", default=[], help="PID cần dump (lặp lại được) / repeatable")
    parser.add_argument("--physical", action="store_true",
                        help="toàn bộ bộ nhớ vật lý (/proc/kcore -> LiME) / full physical memory")
    parser.add_argument("--acquirer", help="công cụ thu bộ nhớ mang theo (avml, winpmem) / external acquirer path")
    parser.add_argument("--acquirer-arg", action="append", default=[],
                        help="tham số cho công cụ; {output} = tệp ra / argument for it; {output} = output file")
    parser.add_argument("--estimate", action="store_true",
                        help="chỉ báo dung lượng cần và chỗ trống, không thu / only show sizes")
    parser.add_argument("--json", action="store_true", help="in kết quả JSON / print JSON")
    parser.add_argument("--examiner", help="người thu thập / examiner")


def run(args) -> int:
    from collectors.acquire import memory
    from collectors.acquire.common import human_size
    from collectors.artifacts._acquire import free_space
    from collectors.errors import UngCuuError
    from collectors.messages import translate
    from desktop.commands._acquire import acquire, outcome_code, t
    from desktop.commands._common import open_case

    if not args.pid and not args.physical and not args.acquirer:
        print(t(args, "ungcuu memory: chọn --pid N và/hoặc --physical (hoặc --acquirer)",
                "ungcuu memory: choose --pid N and/or --physical (or --acquirer)"), file=sys.stderr)
        return 2
    try:
        case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang, claim="ungcuu memory")
    except UngCuuError as exc:
        print(f"ungcuu memory: {translate(str(exc), args.lang)}", file=sys.stderr)
        return exc.exit_code
    report: dict = {"processes": [], "physical": None, "notes": []}
    try:
        free = free_space(case.path)
        need = 0
        for pid in args.pid:
            try:
                est = memory.estimate_process(pid)
            except UngCuuError as exc:
                report["notes"].append(str(exc))
                continue
            need += est
            print(t(args, f"PID {pid}: khoảng {human_size(est)}", f"PID {pid}: about {human_size(est)}"),
                  file=sys.stderr)
        if args.physical or args.acquirer:
            total = memory.physical_memory_size() or 0
            need += total
            print(t(args, f"Bộ nhớ vật lý: {human_size(total)}", f"Physical memory: {human_size(total)}"),
                  file=sys.stderr)
        print(t(args, f"Cần khoảng {human_size(need)}; ổ vụ việc còn trống {human_size(free)}",
                f"Needs about {human_size(need)}; free on the case drive: {human_size(free)}"), file=sys.stderr)
        if args.estimate:
            report.update(needed=need, free=free)
            if args.json:
                print(json.dumps(report, ensure_ascii=False, indent=2))
            return 0
        names = (["process_dump"] if args.pid else []) + (["physical_memory"] if args.physical or args.acquirer else [])
        options = {"pids": args.pid, "physical_memory": args.physical, "acquirer": args.acquirer,
                   "acquirer_args": args.acquirer_arg}
        got = acquire(case, args, item="B6", collectors=names, options=options)
        report["notes"] = got.notes
        report["processes"] = [{"id": r.id, "name": r.name, "size": r.size, "sha256": r.sha256}
                               for r in got.by("process_dump")]
        phys = got.by("physical_memory")
        if phys:
            report["physical"] = [{"id": r.id, "name": r.name, "size": r.size, "sha256": r.sha256} for r in phys]
        elif "physical_memory" in names and got.item is not None and got.item.reason:
            report["physical_refused"] = [got.item.reason]
        code = outcome_code(NAME, args, got)
        if code is None and (got.notes or report.get("physical_refused")):
            code = 1
    finally:
        case.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return code or 0
    for p in report["processes"] + (report["physical"] or []):
        print(f"{p['id']}  {p['name']}  {human_size(p['size'])}  sha256 {p['sha256']}")
    return code or 0
