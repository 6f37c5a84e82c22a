"""`ungcuu image SOURCE --case DIR`: raw image of a device, partition or file (B9), hashed while read."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "image"
HELP = "tạo ảnh thô của ổ đĩa/phân vùng/tệp, băm khi đọc (B9) / raw disk image, hashed while read"


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().rstrip("ib").rstrip("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?",
                        help="thiết bị (/dev/sdb, /dev/sdb1, \\\\.\\PhysicalDrive1) hoặc tệp / device or file")
    parser.add_argument("--case", help="thư mục vụ việc / case folder")
    parser.add_argument("--list", action="store_true", help="liệt kê ổ đĩa, phân vùng / list disks and partitions")
    parser.add_argument("--name", help="tên ảnh (mặc định: tên nguồn) / image name")
    parser.add_argument("--verify", action="store_true", help="đọc lại nguồn để kiểm tra băm / re-read and compare")
    parser.add_argument("--part-size", type=_size, default=None,
                        help="kích thước mỗi phần (mặc định 4095M, hợp FAT32) / part size, e.g. 2G")
    parser.add_argument("--no-md5", action="store_true",
                        help="chỉ SHA-256 (nhanh hơn; MD5 cho công cụ cũ) / SHA-256 only, faster")
    parser.add_argument("--json", action="store_true", help="in kết quả JSON / print JSON")
    parser.add_argument("--examiner", help="người thu thập / examiner")


def run(args) -> int:
    from collectors.acquire import imaging, store
    from desktop.commands._acquire import CancelOnSigint, RecordedRun, run_with_progress, t
    from collectors.acquire.common import human_size
    from desktop.commands._common import open_case
    from collectors.errors import UngCuuError

    if args.list:
        devices = imaging.list_devices()
        if args.json:
            print(json.dumps(devices, ensure_ascii=False, indent=2))
            return 0
        for d in devices:
            flags = [f for f, on in ((t(args, "hệ thống", "system"), d["system"]),
                                     (t(args, "tháo rời", "removable"), d["removable"]),
                                     (t(args, "chỉ đọc", "read-only"), d["read_only"])) if on]
            print(f"{d['device']:<16} {d['kind']:<9} {human_size(d['size']):>10}  {d['model'] or '-':<20} "
                  f"{','.join(d['mounted_on']) or '-':<20} {' '.join(flags)}")
        return 0
    if not args.source or not args.case:
        print(t(args, "ungcuu image: cần SOURCE và --case DIR (xem --list)",
                "ungcuu image: SOURCE and --case DIR are required (see --list)"), file=sys.stderr)
        return 2
    try:
        # Refuse before the case folder is created: a case made on the source would already write onto it.
        # (A source that cannot be opened is reported below, and recorded in the case as a failed B9.)
        try:
            src = imaging.Source(args.source)
        except UngCuuError:
            src = None
        if src is not None:
            try:
                imaging.check_not_same_device(src, Path(args.case))
            finally:
                src.close()
        case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang)
    except UngCuuError as exc:
        print(f"ungcuu image: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        with CancelOnSigint() as cancel, RecordedRun(case, ["B9"], getattr(args, "argv", None)) as run:
            out = run_with_progress(store.image_into_case(
                case, args.source, name=args.name, verify=args.verify,
                part_size=args.part_size or imaging.FAT32_PART, cancel=cancel, run_id=run.run_id,
                algorithms=("sha256",) if args.no_md5 else ("sha256", "md5")))
            res = out["result"]
            problems = []
            if res.bad_sectors:
                problems.append(f"{len(res.bad_sectors)} unreadable sectors zero-filled")
            if res.verified is False:
                problems.append("verification: the source read back differently")
            run.set("B9", "partial" if problems else "collected", "; ".join(problems) or None,
                    len(out["records"]))
    except UngCuuError as exc:
        print(f"ungcuu image: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        case.close()
    res = out["result"]
    if args.json:
        data = res.to_json()
        data["manifest_evidence_id"] = out["manifest"].id
        data["evidence_ids"] = [r.id for r in out["records"]]
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0
    print(t(args, "Đã tạo ảnh", "Image written") + f": {res.source} -> {res.out_dir}")
    print(f"  {t(args, 'kích thước', 'size')}: {res.size} ({human_size(res.size)}), "
          f"{len(res.parts)} {t(args, 'phần', 'part(s)')}")
    print(f"  SHA-256: {res.hashes['sha256']}")
    if "md5" in res.hashes:
        print(f"  MD5:     {res.hashes['md5']}")
    if res.bad_sectors:
        print("  " + t(args, f"{len(res.bad_sectors)} sector không đọc được (đã ghi 0), xem manifest",
                       f"{len(res.bad_sectors)} unreadable sectors zero-filled, see the manifest"))
    if res.verified is not None:
        print("  " + (t(args, "kiểm tra lại: KHỚP", "verification: MATCH") if res.verified
                      else t(args, "kiểm tra lại: KHÔNG KHỚP", "verification: MISMATCH")))
    if res.resumed_from:
        print("  " + t(args, f"tiếp tục từ {human_size(res.resumed_from)}", f"resumed at {human_size(res.resumed_from)}"))
    print(f"  manifest: {out['manifest'].id}")
    return 0 if res.verified is not False else 1
