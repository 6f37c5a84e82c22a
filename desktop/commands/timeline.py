"""`ungcuu timeline`: build the case timeline (C1, C2) and export it (jsonl/csv for Timesketch, bodyfile,
mactime)."""
from __future__ import annotations

import sys

from collectors.messages import translate

NAME = "timeline"
HELP = "dựng dòng thời gian của hồ sơ và xuất (jsonl/csv cho Timesketch, bodyfile, mactime) / build and export the timeline"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder / thư mục hồ sơ")
    p.add_argument("--format", choices=("jsonl", "csv", "timesketch", "ecs", "ecs-bulk", "bodyfile", "mactime",
                                        "summary"), default="summary",
                   help="output format (default: summary of what was parsed)")
    p.add_argument("--out", help="output file (default: standard output)")
    p.add_argument("--rebuild", action="store_true", help="rebuild even when the timeline is current")
    p.add_argument("--start", help="only events at or after this time (ISO 8601)")
    p.add_argument("--end", help="only events before this time (ISO 8601)")
    p.add_argument("--source", action="append", help="only this source (repeatable): auth, syslog, evtx, ...")
    p.add_argument("--grep", help="only events whose message contains this text")
    p.add_argument("--host", action="append", help="only this host of an incident case (repeatable)")
    p.add_argument("--per-host", metavar="FOLDER",
                   help="timesketch/ecs/ecs-bulk: one file per host in FOLDER (one Timesketch timeline per host)")


def _time(value, what):
    from analysis.events import parse_iso
    from collectors.errors import UngCuuError

    if not value:
        return None
    p = parse_iso(value)
    if p is None:
        raise UngCuuError(f"--{what}: not an ISO 8601 time: {value!r}")
    return p[0]


def run(args) -> int:
    from analysis import export, timeline
    from collectors.case import Case
    from collectors.errors import UngCuuError

    from ._terminal import safe

    vi = getattr(args, "lang", "vi") == "vi"
    case = Case.open(args.case, affected_root="")
    progress = None
    if sys.stderr.isatty():
        def progress(p):
            sys.stderr.write(f"\r{p.done}/{p.total} {p.events} events {safe(p.current[:60]):<60}")
            sys.stderr.flush()
    summary = timeline.build(case, progress) if args.rebuild else timeline.ensure(case, progress)
    if progress:
        sys.stderr.write("\n")
    flt = timeline.Filter(start=_time(args.start, "start"), end=_time(args.end, "end"), sources=args.source,
                          text=args.grep, hosts=args.host)
    if args.per_host:
        from analysis import export_siem

        if args.format not in ("timesketch", "ecs", "ecs-bulk"):
            raise UngCuuError("--per-host: with --format timesketch, ecs or ecs-bulk")
        for host, path in export_siem.write_per_host(case, args.format, args.per_host, flt).items():
            print(safe(f"{host or '-'}: {path}"), file=sys.stderr)
        return 0
    if args.format == "summary":
        reports = timeline.parse_reports(case)
        total = timeline.count(case)
        print(("Dòng thời gian" if vi else "Timeline") + f": {timeline.path_of(case)}  "
              + (f"{total} sự kiện" if vi else f"{total} events")
              + (f" (dựng lại trong {summary.seconds:.1f} s)" if vi and summary else "")
              + (f" (rebuilt in {summary.seconds:.1f} s)" if not vi and summary else ""))
        for src, n in timeline.source_counts(case).items():
            print(f"  {src:<16} {n}")
        bad = [r for r in reports if r["skipped"] or r["fatal"]]
        if bad:
            print("Không đọc được:" if vi else "Could not parse:")
            for r in bad:
                print(safe(f"  {r['evidence_id']} {r['source']} ({r['parser']}): "
                           + (f"bỏ qua {r['skipped']}" if vi else f"skipped {r['skipped']}")
                           + (f"; {translate(r['fatal'], args.lang)}" if r["fatal"] else "")
                           + (f"; {r['problems'][0][0]}: {r['problems'][0][1]}" if r["problems"] else "")))
        return 0
    if args.out:   # through OUT.part, renamed when complete: an interrupted export leaves no partial file
        n = export.export_file(case, args.format, args.out, flt, lang=getattr(args, "lang", "vi"))
        print((f"Đã ghi {n} dòng vào {args.out}" if vi else f"Wrote {n} lines to {args.out}"), file=sys.stderr)
        return 0
    out = sys.stdout
    try:
        export.export(case, args.format, out, flt, getattr(args, "lang", "vi"))
    except BrokenPipeError:  # `| head`: the reader went away, not an error
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 0
