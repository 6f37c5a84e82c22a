"""`ungcuu capture --case DIR --iface IF [--seconds N]`: packet capture into a pcap (B7)."""
from __future__ import annotations

import argparse
import json
import sys

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
    from collectors.acquire import capture, store
    from desktop.commands._acquire import CancelOnSigint, RecordedRun, run_with_progress, t
    from collectors.errors import UngCuuError
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
        print(t(args, f"ungcuu capture: từ chối: {reason}", f"ungcuu capture: refused: {reason}"), file=sys.stderr)
        return 3
    seconds = args.seconds if args.seconds is not None else (None if args.count else 30.0)
    try:
        case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang)
    except UngCuuError as exc:
        print(f"ungcuu capture: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        with CancelOnSigint() as cancel, RecordedRun(case, ["B7"], getattr(args, "argv", None)) as run:
            out = run_with_progress(store.capture_into_case(case, args.iface, seconds=seconds, count=args.count,
                                                            bpf=args.filter, cancel=cancel, run_id=run.run_id))
            stopped = out["result"].stopped_by == "cancel"
            run.set("B7", "partial" if stopped else "collected",
                    "capture stopped by the responder before its limit" if stopped else None, len(out["records"]))
    except UngCuuError as exc:
        print(f"ungcuu capture: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        case.close()
    res = out["result"]
    pcap, summary = out["records"]
    if args.json:
        data = res.to_json()
        data.update(pcap_evidence_id=pcap.id, pcap_sha256=pcap.sha256, summary_evidence_id=summary.id)
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(t(args, f"Đã bắt {res.packets} gói ({res.bytes} byte) trong {res.seconds:.1f} giây",
            f"Captured {res.packets} packets ({res.bytes} bytes) in {res.seconds:.1f} s")
          + f": {pcap.id} {pcap.name} sha256 {pcap.sha256}")
    for c in res.conversations[:20]:
        a = f"{c['a']}:{c['a_port']}" if c["a_port"] is not None else c["a"]
        b = f"{c['b']}:{c['b_port']}" if c["b_port"] is not None else c["b"]
        print(f"  {c['proto']:5} {a} <-> {b}  {c['packets']} pkt  {c['bytes']} B")
    return 0
