"""`ungcuu volumes IMAGE`: the partitions, file systems and volume shadow copies of a disk image
(what `ungcuu collect --root IMAGE --volume N --shadow K` can choose). Reads the image only."""
from __future__ import annotations

from collectors.acquire.common import human_size
from collectors.sources.images import open_image

from ._common import print_json, print_table

NAME = "volumes"
HELP = "list a disk image's partitions, file systems and shadow copies (for collect --root IMAGE)"


def add_arguments(p) -> None:
    p.add_argument("image", help="raw/dd, E01, VHD/VHDX, VMDK or QCOW2 image file")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verify", action="store_true",
                   help="read the whole media and compare with the hashes the image stores (E01 MD5/SHA-1)")


def run(args) -> int:
    vi = args.lang == "vi"
    with open_image(args.image) as img:
        info = img.describe()
        if args.verify:
            info["verified"] = img.verify_stored_hashes()
        bad = any(not v["match"] for v in (info.get("verified") or {}).values())
        if args.json:
            print_json(info)
            return 1 if bad else 0
        chosen = img.choose_volume().index if any(v.fs_type for v in img.volumes()) else None
        print(f"{'ảnh' if vi else 'image'}: {img.path} ({img.format}, {human_size(img.size, 'vi' if vi else 'en')}, "
              f"{len(img.files)} {'tệp' if vi else 'file(s)'})")
        rows = []
        for v in img.volumes():
            fs = v.fs_type or (("không đọc được: " if vi else "unreadable: ") + (v.error or "?"))[:60]
            shadows = ", ".join(f"{s.index} ({s.created})" for s in v.shadows)
            rows.append([v.index, v.offset, v.length, v.description, fs, shadows,
                         "*" if v.index == chosen else ""])
        heads = (["Phân vùng", "Vị trí (byte)", "Kích thước", "Mô tả", "Hệ thống tệp", "Bản sao bóng", "Mặc định"]
                 if vi else ["Volume", "Offset", "Length", "Description", "File system", "Shadow copies", "Default"])
        print_table(heads, rows)
        for name, v in (info.get("verified") or {}).items():
            word = ("khớp" if v["match"] else "KHÔNG KHỚP") if vi else ("matches" if v["match"] else "DOES NOT MATCH")
            print(f"{name.upper()}: {v['computed']} {word} {v['stored']}")
        if args.verify and not info["verified"]:
            print("ảnh không lưu giá trị băm nào để đối chiếu" if vi else "the image stores no hash to compare with")
        if bad:
            return 1
        if chosen is None:
            print(img.why_unreadable())
            return 1
    return 0
