"""`ungcuu volumes IMAGE`: the partitions, file systems and volume shadow copies of a disk image
(what `ungcuu collect --root IMAGE --volume N --shadow K` can choose). Reads the image only."""
from __future__ import annotations

from collectors.sources.images import open_image

from ._common import print_json, print_table

NAME = "volumes"
HELP = "list a disk image's partitions, file systems and shadow copies (for collect --root IMAGE)"


def add_arguments(p) -> None:
    p.add_argument("image", help="raw/dd, E01, VHD/VHDX, VMDK or QCOW2 image file")
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    vi = args.lang == "vi"
    with open_image(args.image) as img:
        info = img.describe()
        if args.json:
            print_json(info)
            return 0
        chosen = img.choose_volume().index if any(v.fs_type for v in img.volumes()) else None
        print(f"{'ảnh' if vi else 'image'}: {img.path} ({img.format}, {img.size} bytes, "
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
        if chosen is None:
            print(img.why_unreadable())
            return 1
    return 0
