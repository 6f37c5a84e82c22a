"""`ungcuu incident --case DIR --file FILE.yaml | --show`: set or show the incident record (Mẫu 03/04)."""
from __future__ import annotations

import argparse
import json
import sys

NAME = "incident"
HELP = "đặt hoặc xem hồ sơ sự cố (Mẫu 03, Mẫu 04) / set or show the incident record"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", help="thư mục vụ việc / case folder")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--file", help="tệp YAML hồ sơ sự cố (xem resources/incident_example.yaml)")
    group.add_argument("--show", action="store_true", help="in hồ sơ sự cố hiện tại / print the record")
    group.add_argument("--example", action="store_true",
                       help="in hồ sơ mẫu (đủ mọi trường) để sửa / print the filled example to start from")
    group.add_argument("--prefill", action="store_true",
                       help="xem các giá trị tìm thấy trong chứng cứ (mục C, H của Mẫu 03) / show values found in evidence")
    group.add_argument("--confirm-prefill", action="store_true",
                       help="xác nhận: chép các giá trị đó vào các trường còn trống, ghi mã chứng cứ")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="sửa một trường, ví dụ reports.initial.number=146/BC-TTCNTT (lặp lại được)")
    parser.add_argument("--status", help="thêm một mốc trạng thái: detected, notified, analysing, contained, "
                                         "eradicated, recovered, closed")
    parser.add_argument("--at", help="với --status: thời điểm (mặc định: bây giờ), ví dụ 2026-11-20T09:10+07:00")
    parser.add_argument("--by", help="với --status: người thực hiện")
    parser.add_argument("--json", action="store_true", help="với --show: in dạng JSON / print JSON")
    parser.add_argument("--note", default="", help="ghi chú đưa vào nhật ký lưu giữ / custody note")


def run(args) -> int:
    from collectors.case import Case
    from collectors.errors import UngCuuError
    from reports.incident import dump_incident, load_incident_file, missing_fields

    if getattr(args, "example", False):
        from pathlib import Path

        sys.stdout.write((Path(__file__).resolve().parents[2] / "resources" / "incident_example.yaml")
                         .read_text(encoding="utf-8"))
        return 0
    if not args.case:
        print("Lỗi: cần --case DIR", file=sys.stderr)
        return 2
    try:
        if args.set or args.status:
            from reports.incident import add_status, set_values

            case = Case.open(args.case)
            try:
                data = case.incident()
                if args.set:
                    data = set_values(data, args.set)
                if args.status:
                    data = add_status(data, args.status, at=args.at, by=args.by, note=args.note or None)
                case.set_incident(data, note=args.note or "; ".join(args.set + ([f"status={args.status}"]
                                                                                 if args.status else [])))
            finally:
                case.close()
            print("Đã cập nhật hồ sơ sự cố (incident record updated).")
            return 0
        if args.file:
            data = load_incident_file(args.file)
            case = Case.open(args.case)
            try:
                case.set_incident(data, note=args.note or f"from {args.file}")
            finally:
                case.close()
            print(f"Đã lưu hồ sơ sự cố vào vụ việc {args.case} (incident record stored).")
            for form, title in (("m03", "Mẫu 03"), ("m04", "Mẫu 04")):
                missing = missing_fields(data, form)
                if missing:
                    print(f"Lưu ý {title}: còn thiếu {len(missing)} trường bắt buộc:", file=sys.stderr)
                    for p in missing:
                        print(f"  - {p}", file=sys.stderr)
            return 0
        case = Case.open(args.case)
        try:
            data = case.incident()
            if args.prefill or args.confirm_prefill:
                return _prefill(case, data, args.confirm_prefill)
        finally:
            case.close()
        if not data:
            print("Vụ việc chưa có hồ sơ sự cố (no incident record yet): "
                  "ungcuu incident --case DIR --file resources/incident_example.yaml", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            sys.stdout.write(dump_incident(data))
        return 0
    except UngCuuError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)


def _prefill(case, data: dict, confirm: bool) -> int:
    from reports.prefill import apply, prefill, unconfirmed

    found = prefill(case)
    todo = unconfirmed(data, found)
    for path, pf in found.items():
        if path == "_problems":
            for p in pf.value:
                print(f"Cảnh báo: {p}", file=sys.stderr)
            continue
        value = ", ".join(map(str, pf.value)) if isinstance(pf.value, list) else pf.value
        state = "chưa xác nhận" if path in todo else "đã có giá trị trong hồ sơ"
        print(f"{path}: {value}  [{', '.join(pf.evidence)}] ({state})")
    if confirm:
        if not todo:
            print("Không có giá trị mới để xác nhận.")
            return 0
        case.set_incident(apply(data, found), note="prefill confirmed: " + ", ".join(sorted(todo)))
        print(f"Đã chép {len(todo)} giá trị vào hồ sơ sự cố (kèm mã chứng cứ trong evidence_refs).")
    return 0
