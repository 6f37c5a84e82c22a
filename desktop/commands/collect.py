"""`ungcuu collect`: run the section 2.1 checklist on this machine (or on an offline root)."""
from __future__ import annotations

import argparse
import os
import sys

from collectors import checklist as checklist_mod
from collectors.acquire.carve import MAX_SIZE as _CARVE_MAX
from collectors.base import Incomplete, Progress
from collectors.errors import UngCuuError
from collectors.runner import ItemFinished, ItemStarted, RunFinished, Stored, run_checklist
from collectors.sources.images import ImageError, is_image, open_image

from ._common import CancelOnSigint, TerminalProgress, lock_case, open_case, print_table, reason_text, state_label
from ._terminal import safe

CARVE_KINDS = tuple(_CARVE_MAX)

NAME = "collect"
HELP = "collect the section 2.1 checklist into a case folder (Ctrl-C stops cleanly; run again to resume)"


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="case folder (created if new); prefer a separate drive")
    p.add_argument("--profile", choices=("triage", "full"), default="triage")
    p.add_argument("--only", help="comma-separated checklist ids, e.g. B2,B8")
    p.add_argument("--root", help="dead-box: a mounted image or copied tree, or a disk image file "
                                  "(raw/dd, E01, VHD/VHDX, VMDK, QCOW2) read without mounting it")
    p.add_argument("--volume", type=int, help="with an image --root: the partition to collect (see `ungcuu volumes`); "
                                              "default: the one holding Windows or /etc")
    p.add_argument("--shadow", type=int, help="with an image --root: collect from this volume shadow copy (1, 2, ...)")
    p.add_argument("--examiner", help="who collects (recorded in the custody log)")
    p.add_argument("--again", action="store_true", help="collect items again even if an earlier run did")
    p.add_argument("--checklist", help="another checklist YAML (validated before anything runs)")
    p.add_argument("--path", action="append", default=[], help="a file or folder for B5 (full profile)")
    p.add_argument("--consent", action="store_true",
                   help="allow items marked changes_system (they alter the affected system; recorded in the custody log)")
    add_item_options(p)


# Per-item acquisition options: each flag, the checklist item that reads it, and the option key.
ITEM_OF_FLAG = {
    "--pid": "B6", "--physical-memory": "B6", "--acquirer": "B6", "--acquirer-arg": "B6",
    "--iface": "B7", "--capture-seconds": "B7", "--capture-count": "B7", "--capture-filter": "B7",
    "--image-source": "B9", "--image-name": "B9", "--image-part-size": "B9", "--image-verify": "B9",
    "--no-image-md5": "B9",
    "--recover-source": "H4", "--carve": "H4", "--no-carve": "H4", "--open-deleted": "H4",
}


def part_size(text: str) -> int:
    """A size such as 4095M, 2G, 650MiB or a number of bytes (argparse type)."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    raw = text.strip().lower().removesuffix("ib").removesuffix("b")
    try:
        value = int(float(raw[:-1]) * units[raw[-1]]) if raw and raw[-1] in units else int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"không hiểu kích thước {text!r} (ví dụ: 4095M, 2G)") from None
    if value < (1 << 20):
        raise argparse.ArgumentTypeError(f"kích thước phần {text!r} quá nhỏ (tối thiểu 1M)")
    return value


def add_item_options(p) -> None:
    """The acquisition options of B6, B7, B9 and H4 (what `ungcuu memory/capture/image/recover` take),
    passed to the collectors as options of this run."""
    g = p.add_argument_group("tùy chọn theo mục (B6, B7, B9, H4)")
    g.add_argument("--pid", type=int, action="append", default=[], metavar="PID",
                   help="B6: dump bộ nhớ của tiến trình này (lặp lại được)")
    g.add_argument("--physical-memory", action="store_true",
                   help="B6: thu toàn bộ bộ nhớ vật lý (LiME từ /proc/kcore)")
    g.add_argument("--acquirer", metavar="PATH", help="B6: công cụ thu bộ nhớ mang theo (avml, winpmem)")
    g.add_argument("--acquirer-arg", action="append", default=[], metavar="ARG",
                   help="B6: tham số cho công cụ thu bộ nhớ (lặp lại được)")
    g.add_argument("--iface", action="append", default=[], metavar="IF",
                   help="B7: bắt gói tin trên giao diện mạng này (lặp lại được)")
    g.add_argument("--capture-seconds", type=float, metavar="S", help="B7: thời gian bắt gói tin, giây (mặc định 30)")
    g.add_argument("--capture-count", type=int, metavar="N", help="B7: dừng sau N gói tin")
    g.add_argument("--capture-filter", metavar="BPF", help="B7: bộ lọc BPF, ví dụ \"tcp port 443\" (cần libpcap)")
    g.add_argument("--image-source", action="append", default=[], metavar="DEV",
                   help="B9: tạo ảnh thô của ổ đĩa, phân vùng hoặc tệp này (lặp lại được; xem `ungcuu image --list`)")
    g.add_argument("--image-name", metavar="NAME", help="B9: tên ảnh (mặc định: tên nguồn)")
    g.add_argument("--image-part-size", type=part_size, metavar="SIZE",
                   help="B9: kích thước mỗi phần ảnh (mặc định 4095M, hợp FAT32), ví dụ 2G")
    g.add_argument("--image-verify", action="store_true", help="B9: đọc lại nguồn sau khi tạo ảnh để đối chiếu giá trị băm")
    g.add_argument("--no-image-md5", action="store_true", help="B9: chỉ tính SHA-256 (nhanh hơn; MD5 cho công cụ cũ)")
    g.add_argument("--recover-source", action="append", default=[], metavar="SRC",
                   help="H4: khôi phục tệp đã xóa từ ảnh, thiết bị hoặc mã chứng cứ (E12) này (lặp lại được)")
    g.add_argument("--carve", metavar="KINDS",
                   help="H4: chỉ khắc (carve) các loại này trong vùng trống, cách nhau dấu phẩy: "
                        + ",".join(CARVE_KINDS) + " (mặc định: tất cả)")
    g.add_argument("--no-carve", action="store_true", help="H4: không khắc vùng trống")
    g.add_argument("--open-deleted", action="store_true",
                   help="H4: sao chép tệp đã xóa nhưng tiến trình vẫn đang mở (/proc/PID/fd)")


def item_options(args, selected: list[str]) -> dict:
    """The collectors' options from the per-item flags (only those given); a flag whose item this run does
    not collect, or that needs another flag, is refused with the reason before the case is touched."""
    given = {flag for flag in ITEM_OF_FLAG if _given(args, flag)}
    for flag in sorted(given, key=list(ITEM_OF_FLAG).index):
        item = ITEM_OF_FLAG[flag]
        if item not in selected:
            raise UngCuuError(f"{flag} is for {item}, which this run does not collect: add {item} to --only")
    needs = {"--capture-seconds": "--iface", "--capture-count": "--iface", "--capture-filter": "--iface",
             "--image-name": "--image-source", "--image-part-size": "--image-source",
             "--image-verify": "--image-source", "--no-image-md5": "--image-source",
             "--carve": "--recover-source", "--no-carve": "--recover-source", "--acquirer-arg": "--acquirer"}
    for flag, other in needs.items():
        if flag in given and other not in given:
            raise UngCuuError(f"{flag} needs {other}")
    if "--carve" in given and "--no-carve" in given:
        raise UngCuuError("--carve and --no-carve cannot be given together")
    if any(p <= 0 for p in args.pid):
        raise UngCuuError(f"--pid {min(args.pid)}: not a process id (a positive number)")
    for flag, value in (("--capture-seconds", args.capture_seconds), ("--capture-count", args.capture_count)):
        if value is not None and not value > 0:
            raise UngCuuError(f"{flag} {value}: must be a positive number")
    opts: dict = {}
    if args.pid:
        opts["pids"] = list(args.pid)
    if args.physical_memory:
        opts["physical_memory"] = True
    if args.acquirer:
        opts["acquirer"] = args.acquirer
    if args.acquirer_arg:
        opts["acquirer_args"] = list(args.acquirer_arg)
    if args.iface:
        opts["interfaces"] = list(args.iface)
        if args.capture_seconds is not None:
            opts["capture_seconds"] = args.capture_seconds
        elif args.capture_count is not None:
            opts["capture_seconds"] = None  # a packet count alone: no time limit
        if args.capture_count is not None:
            opts["capture_count"] = args.capture_count
        if args.capture_filter:
            opts["capture_filter"] = args.capture_filter
    if args.image_source:
        opts["image_sources"] = list(args.image_source)
        for key, value in (("image_name", args.image_name), ("image_part_size", args.image_part_size)):
            if value:
                opts[key] = value
        if args.image_verify:
            opts["image_verify"] = True
        if args.no_image_md5:
            opts["image_md5"] = False
    if args.recover_source:
        opts["recover_sources"] = list(args.recover_source)
        if args.no_carve:
            opts["carve"] = False
        if args.carve:
            kinds = [k.strip().lower() for k in args.carve.split(",") if k.strip()]
            unknown = [k for k in kinds if k not in CARVE_KINDS]
            if unknown or not kinds:
                raise UngCuuError(f"--carve {args.carve}: unknown kind {', '.join(unknown) or '(none)'} "
                                  f"(known: {', '.join(CARVE_KINDS)})")
            opts["carve_kinds"] = kinds
    if args.open_deleted:
        opts["open_deleted"] = True
    return opts


def run_options(args, selected: list[str]) -> dict:
    """Every option this run gives the collectors: B5 paths, the image's volume and shadow copy, and the
    per-item flags (the desktop app's equivalent command is read back through this in its tests)."""
    options: dict = {"paths": list(args.path)} if args.path else {}
    options.update(item_options(args, selected))
    options.update({k: getattr(args, k) for k in ("volume", "shadow") if getattr(args, k, None) is not None})
    return options


def _given(args, flag: str) -> bool:
    value = getattr(args, flag[2:].replace("-", "_"), None)
    return bool(value) or (value is not None and not isinstance(value, (bool, list)))


def drive(case, checklist, args, *, profile, only, options, lang) -> int:
    term = TerminalProgress(lang=lang)
    labels = {i.id: i for i in checklist.items}
    finished: list = []
    run_state = None
    with CancelOnSigint() as cancel:
        for ev in run_checklist(case, checklist, profile=profile, only=only, root=args.root, cancel=cancel,
                                options=options, argv=getattr(args, "argv", None), again=args.again,
                                consent=getattr(args, "consent", False)):
            if isinstance(ev, ItemStarted):
                term.status(f"[{ev.checklist_id}] {labels[ev.checklist_id].label(lang)} ...")
            elif isinstance(ev, Progress):
                term.status(f"[{ev.checklist_id}] {reason_text(ev.message, lang)}"[:100])
            elif isinstance(ev, Stored):
                term.status(f"[{ev.checklist_id}] {ev.record.id} {ev.record.name}")
            elif isinstance(ev, Incomplete):
                pass
            elif isinstance(ev, ItemFinished):
                finished.append(ev)
                term.line(f"[{ev.checklist_id}] {state_label(ev.state, lang)} ({ev.evidence_count})"
                          + (f": {reason_text(ev.reason, lang)}" if ev.reason and ev.state != "collected-earlier" else ""))
            elif isinstance(ev, RunFinished):
                run_state = ev
    rows = [[f.checklist_id, labels[f.checklist_id].label(lang), state_label(f.state, lang), f.evidence_count,
             reason_text(f.reason, lang)] for f in finished]
    headers = ["ID", "Mục" if lang == "vi" else "Item", "Trạng thái" if lang == "vi" else "State",
               "Chứng cứ" if lang == "vi" else "Evidence", "Lý do" if lang == "vi" else "Reason"]
    print_table(headers, rows)
    words = ("hồ sơ", "lượt chạy", "trạng thái") if lang == "vi" else ("case", "run", "state")
    print(f"{words[0]}: {case.path}  {words[1]}: {run_state.run_id if run_state else '?'}  "
          f"{words[2]}: {state_label(run_state.state, lang) if run_state else '?'}")
    source = next((r["root"] for r in case.runs() if run_state and r["id"] == run_state.run_id), None)
    if source and is_image(args.root or ""):
        print(f"{'nguồn' if lang == 'vi' else 'source'}: {source}")
    if run_state and run_state.reason:
        print(f"ungcuu: {safe(reason_text(run_state.reason, lang))}", file=sys.stderr)
    if run_state is None or run_state.state == "cancelled":
        return 130
    if run_state.state == "failed":
        return 1
    return 1 if any(f.state == "failed" for f in finished) else 0


def run(args) -> int:
    checklist = checklist_mod.load(args.checklist)  # validated before anything runs
    only = [s.strip().upper() for s in args.only.split(",") if s.strip()] if args.only else None
    if only:
        checklist.select(None, only)  # unknown ids fail here, before the case is touched
    options = run_options(args, only or list(checklist.profiles.get(args.profile, [])))  # checked before the case
    if args.root and not os.path.isdir(args.root) and not is_image(args.root):
        # a mistyped --root would "collect" an empty system
        raise UngCuuError(f"--root {args.root}: no such folder or disk image file")
    if (args.volume is not None or args.shadow is not None) and not (args.root and is_image(args.root)):
        raise UngCuuError("--volume and --shadow need --root IMAGE (a disk image file)")
    image = bool(args.root) and is_image(args.root)
    if image:  # not an image UngCuu can read, no file system: said before the case is touched
        with open_image(args.root) as img:
            if not any(v.fs_type for v in img.volumes()):
                raise ImageError(img.why_unreadable(), path=img.path)
    case = open_case(args.case, create=True, examiner=args.examiner,
                     affected_root="" if image else args.root or "/", lang=args.lang)
    lock = lock_case(case, "ungcuu collect")
    try:
        return drive(case, checklist, args, profile=args.profile, only=only, options=options, lang=args.lang)
    finally:
        case.close()
        lock.release()
