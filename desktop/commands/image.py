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
    from collectors import records
    from collectors.acquire import imaging
    from collectors.acquire.common import human_size
    from collectors.errors import UngCuuError
    from collectors.messages import translate
    from desktop.commands._acquire import acquire, outcome_code, t
    from desktop.commands._common import open_case

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
        case = open_case(args.case, create=True, examiner=args.examiner, lang=args.lang, claim="ungcuu image")
    except UngCuuError as exc:
        print(f"ungcuu image: {translate(str(exc), args.lang)}", file=sys.stderr)
        return exc.exit_code
    options = {"image_sources": [args.source], "image_verify": args.verify, "image_name": args.name,
               "image_part_size": args.part_size or imaging.FAT32_PART, "image_md5": not args.no_md5}
    try:
        got = acquire(case, args, item="B9", collectors=["disk_image"], options=options)
        code = outcome_code(NAME, args, got)
        if code is not None:
            return code
        manifest_rec = next((r for r in got.records if r.name.endswith(".manifest.json")), None)
        if manifest_rec is None:  # imaged and registered by an earlier run
            manifest_rec = next(r for r in reversed(case.evidence("B9")) if r.name.endswith(".manifest.json")
                                and r.source == f"image manifest of {args.source}")
        m = records.row_of(case.read_json(manifest_rec))
    finally:
        case.close()
    if args.json:
        data = dict(m, out_dir=str(Path(args.case) / "images" / m["name"]), manifest_evidence_id=manifest_rec.id,
                    evidence_ids=[r.id for r in got.records])
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return 0
    print(t(args, "Đã tạo ảnh", "Image written") + f": {m['source']} -> {Path(args.case) / 'images' / m['name']}")
    print(f"  {t(args, 'kích thước', 'size')}: {m['size']} ({human_size(m['size'])}), "
          f"{len(m['parts'])} {t(args, 'phần', 'part(s)')}")
    print(f"  SHA-256: {m['hashes']['sha256']}")
    if "md5" in m["hashes"]:
        print(f"  MD5:     {m['hashes']['md5']}")
    if m["bad_sectors"]:
        print("  " + t(args, f"{len(m['bad_sectors'])} sector không đọc được (đã ghi 0), xem manifest",
                       f"{len(m['bad_sectors'])} unreadable sectors zero-filled, see the manifest"))
    if m.get("verified") is not None:
        print("  " + (t(args, "kiểm tra lại: KHỚP", "verification: MATCH") if m["verified"]
                      else t(args, "kiểm tra lại: KHÔNG KHỚP", "verification: MISMATCH")))
    if m.get("resumed_from"):
        print("  " + t(args, f"tiếp tục từ {human_size(m['resumed_from'])}",
                       f"resumed at {human_size(m['resumed_from'])}"))
    print(f"  manifest: {manifest_rec.id}")
    return 0 if m.get("verified") is not False else 1
