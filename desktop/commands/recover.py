"""`ungcuu recover --case DIR SOURCE`: deleted files (recoverable or not), carving, open-deleted files (H4)."""
from __future__ import annotations

import argparse
import json
import sys

NAME = "recover"
HELP = "tìm và khôi phục tệp đã xóa, khắc dữ liệu (H4) / find and recover deleted files, carve"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?",
                        help="ảnh đĩa, thiết bị hoặc mã chứng cứ (E000012) / image, device or evidence id")
    parser.add_argument("--case", required=True, help="thư mục vụ việc / case folder")
    parser.add_argument("--no-carve", action="store_true", help="không khắc vùng trống / do not carve")
    parser.add_argument("--carve-types", default="", help="jpg,png,pdf,zip,eml,mbox (mặc định: tất cả / all)")
    parser.add_argument("--list", action="store_true",
                        help="chỉ liệt kê, không lưu vào vụ việc / list only, store nothing")
    parser.add_argument("--open-deleted", action="store_true",
                        help="Linux: khôi phục tệp đã xóa mà tiến trình còn mở (/proc/PID/fd)")
    parser.add_argument("--json", action="store_true", help="in kết quả JSON / print JSON")
    parser.add_argument("--examiner", help="người thu thập / examiner")


def _row(d, lang: str) -> list:
    from collectors.messages import translate

    return [d.get("status"), d.get("size"), d.get("dtime") or "-", d.get("evidence_id") or "-", d.get("path"),
            translate(d.get("reason"), lang)]


def run(args) -> int:
    from collectors import records
    from collectors.acquire import recover
    from collectors.errors import UngCuuError
    from collectors.messages import translate
    from desktop.commands._acquire import CancelOnSigint, ProgressLine, acquire, outcome_code, t
    from desktop.commands._common import open_case

    if not args.source and not args.open_deleted:
        print(t(args, "ungcuu recover: cần SOURCE (ảnh/thiết bị/mã chứng cứ) hoặc --open-deleted",
                "ungcuu recover: give a SOURCE (image/device/evidence id) or --open-deleted"), file=sys.stderr)
        return 2
    if args.list and args.source:
        line = ProgressLine(args.lang, quiet=args.json)
        try:
            with CancelOnSigint() as cancel:
                scan = recover.scan_deleted(args.source, cancel=cancel, progress=line.progress)
        except UngCuuError as exc:
            line.end()
            print(f"ungcuu recover: {translate(str(exc), args.lang)}", file=sys.stderr)
            return exc.exit_code
        line.end()
        if scan.cancelled:
            print(f"ungcuu recover: {translate(scan.note, args.lang)}", file=sys.stderr)
            return 130
        rows = [d.to_json() for d in scan.deleted]
        if args.json:
            print(json.dumps({"filesystems": [f.__dict__ for f in scan.filesystems], "deleted": rows,
                              "errors": scan.errors}, ensure_ascii=False, indent=2))
        else:
            _print(args, rows, scan.errors)
        return 0
    try:
        case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang, claim="ungcuu recover")
    except UngCuuError as exc:
        print(f"ungcuu recover: {translate(str(exc), args.lang)}", file=sys.stderr)
        return exc.exit_code
    kinds = [k.strip() for k in args.carve_types.split(",") if k.strip()] or None
    names = (["deleted_files"] if args.source else []) + (["open_deleted_files"] if args.open_deleted else [])
    options = {"recover_sources": [args.source] if args.source else [], "carve": not args.no_carve,
               "carve_kinds": kinds, "open_deleted": args.open_deleted}
    result: dict = {}
    try:
        got = acquire(case, args, item="H4", collectors=names, options=options)
        code = outcome_code(NAME, args, got)
        if code is not None:
            return code
        for rec in got.records:
            if rec.name == "recovered.json" and rec.collector == "deleted_files":
                result["image"] = dict(records.row_of(case.read_json(rec)), listing_evidence_id=rec.id)
        od = got.by("open_deleted_files")
        if od:
            listing = next(r for r in od if r.name == "recovered.json")
            result["open_deleted"] = {"files": [r.id for r in od if r is not listing],
                                      "listing_evidence_id": listing.id,
                                      "notes": records.row_of(case.read_json(listing)).get("notes", [])}
    finally:
        case.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return 0
    if "image" in result:
        doc = result["image"]
        _print(args, doc["deleted"], doc.get("errors", []))
        c = doc["counts"]
        print(t(args, f"Tổng: {c['deleted']} tệp đã xóa, khôi phục {c['recovered']}, không khôi phục được "
                      f"{c['unrecoverable']}, một phần {c['partial']}, khắc được {c['carved']}.",
                f"Total: {c['deleted']} deleted, {c['recovered']} recovered, {c['unrecoverable']} unrecoverable, "
                f"{c['partial']} partial, {c['carved']} carved."))
        print(t(args, "Danh sách", "Listing") + f": recovered.json = {doc['listing_evidence_id']}")
    if "open_deleted" in result:
        od = result["open_deleted"]
        print(t(args, f"Tệp đã xóa nhưng còn mở: {len(od['files'])} tệp được sao chép",
                f"Deleted-but-open files copied: {len(od['files'])}") + f" ({', '.join(od['files']) or '-'})")
    return 0


def _print(args, rows, errors) -> None:
    from desktop.commands._acquire import t
    from desktop.commands._common import print_table

    headers = [t(args, "trạng thái", "status"), t(args, "cỡ", "size"), t(args, "thời điểm xóa", "deleted at"),
               t(args, "chứng cứ", "evidence"), t(args, "đường dẫn", "path"), t(args, "lý do", "reason")]
    from collectors.messages import translate

    print_table(headers, [_row(d, args.lang) for d in rows])
    for e in errors:
        print(f"! {translate(e, args.lang)}", file=sys.stderr)
