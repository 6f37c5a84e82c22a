"""`ungcuu correlate --case INCIDENT`: what the imported hosts share (accounts, addresses, hashes,
services, tasks, tools) and the logons from one host to another, in time order (C6)."""
from __future__ import annotations

import json

NAME = "correlate"
HELP = "đối chiếu giữa các máy của một sự cố và chuỗi di chuyển ngang / cross-host correlation and lateral movement"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="the incident case folder")
    p.add_argument("--address", action="append", default=[], metavar="IP=HOST",
                   help="an address that belongs to a host of the incident (repeatable)")
    p.add_argument("--json", action="store_true", help="print the whole result as JSON")


def run(args) -> int:
    from analysis import correlate, timeline
    from collectors.case import Case
    from collectors.errors import UngCuuError

    from ._terminal import safe

    vi = getattr(args, "lang", "vi") == "vi"
    addresses = {}
    for a in args.address:
        ip, sep, host = a.partition("=")
        if not sep or not host:
            raise UngCuuError(f"--address {a!r}: expected IP=HOST")
        addresses[ip.strip()] = host.strip()
    case = Case.open(args.case, affected_root="")
    timeline.ensure(case)
    res = correlate.run(case, addresses=addresses)
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(("Máy" if vi else "Hosts") + ": " + ", ".join(res.hosts))
    for s in res.shared:
        print(safe(f"  {s.kind:<8} {s.value[:70]:<70} {', '.join(s.hosts)} ({s.count})"))
    print("Di chuyển ngang:" if vi else "Lateral movement:")
    for line in res.story("vi" if vi else "en"):
        print(safe("  " + line))
    return 0
