"""`ungcuu capture --case DIR --iface IF [--seconds N]`: packet capture into a pcap (B7)."""
from __future__ import annotations

import argparse
import json
import sys

from collectors.acquire.common import human_size

NAME = "capture"
HELP = "bắt gói tin vào tệp pcap, tóm tắt kết nối (B7) / packet capture to pcap with a conversation summary"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", help="thư mục vụ việc / case folder")
    parser.add_argument("--iface", action="append", default=[], help="giao diện mạng (lặp lại được) / interface")
    parser.add_argument("--seconds", type=float, default=None, help="thời gian bắt (giây), mặc định 30 / duration")
    parser.add_argument("--count", type=int, default=None, help="dừng sau N gói / stop after N packets")
    parser.add_argument("--filter", default=None, help="bộ lọc BPF (cần libpcap) / BPF filter (needs libpcap)")
    parser.add_argument("--list", action="store_true", help="liệt kê giao diện mạng / list interfaces")
    parser.add_argument("--json", action="store_true", help="in kết quả JSON / print JSON")
    parser.add_argument("--examiner", help="người thu thập / examiner")


def run(args) -> int:
    from collectors import records
    from collectors.acquire import capture
    from collectors.errors import UngCuuError
    from collectors.messages import translate
    from desktop.commands._acquire import acquire, outcome_code, t
    from desktop.commands._common import open_case

    if args.list:
        for name in capture.list_interfaces():
            print(name)
        return 0
    if not args.case or not args.iface:
        print(t(args, "ungcuu capture: cần --case DIR và --iface IF (xem --list)",
                "ungcuu capture: --case DIR and --iface IF are required (see --list)"), file=sys.stderr)
        return 2
    reason = capture.capture_blocker()
    if reason:
        print(t(args, "ungcuu capture: từ chối: ", "ungcuu capture: refused: ") + translate(reason, args.lang),
              file=sys.stderr)
        return 3
    seconds = args.seconds if args.seconds is not None else (None if args.count else 30.0)
    try:
        case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang, claim="ungcuu capture")
    except UngCuuError as exc:
        print(f"ungcuu capture: {translate(str(exc), args.lang)}", file=sys.stderr)
        return exc.exit_code
    options = {"interfaces": args.iface, "capture_seconds": seconds, "capture_count": args.count,
               "capture_filter": args.filter}
    try:
        got = acquire(case, args, item="B7", collectors=["packet_capture"], options=options)
        code = outcome_code(NAME, args, got)
        if code is not None:
            return code
        pcap = next(r for r in got.records if r.name != "conversations.json")
        summary = next(r for r in got.records if r.name == "conversations.json")
        res = records.row_of(case.read_json(summary))
    finally:
        case.close()
    if args.json:
        data = dict(res)
        data.pop("pcap_evidence_id", None)
        data.update(pcap_evidence_id=pcap.id, pcap_sha256=pcap.sha256, summary_evidence_id=summary.id)
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(t(args, f"Đã bắt {res['packets']} gói ({human_size(res['bytes'], 'vi')}) trong "
                  f"{res['seconds']:.1f}".replace(".", ",") + " giây",
            f"Captured {res['packets']} packets ({human_size(res['bytes'])}) in {res['seconds']:.1f} s")
          + f": {pcap.id} {pcap.name} sha256 {pcap.sha256}")
    for c in res["conversations"][:20]:
        a = f"{c['a']}:{c['a_port']}" if c["a_port"] is not None else c["a"]
        b = f"{c['b']}:{c['b_port']}" if c["b_port"] is not None else c["b"]
        print(f"  {c['proto']:5} {a} <-> {b}  {c['packets']} pkt  {human_size(c['bytes'])}")
    return 0
