"""`ungcuu report --case DIR --kind KIND [--format pdf|docx|eml] --out FILE`; `--kind list` lists the kinds."""
from __future__ import annotations

import argparse
import sys

NAME = "report"
HELP = "lập báo cáo (Mẫu 03, Mẫu 04, thông báo, diễn biến...) / render a report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", help="thư mục vụ việc / case folder")
    parser.add_argument("--kind", required=True, help="loại báo cáo, hoặc 'list' để xem các loại / report kind or 'list'")
    parser.add_argument("--format", default=None, choices=("pdf", "docx", "eml"),
                        help="định dạng (mặc định theo đuôi tệp --out, không có thì pdf)")
    parser.add_argument("--out", help="tệp kết quả (mặc định CASE/exports/KIND.FORMAT)")
    parser.add_argument("--annex", metavar="DIR",
                        help="ghi thêm phụ lục CSV (bảng chứng cứ, nhật ký lưu giữ) vào thư mục này / "
                             "also write the CSV annexes (evidence, custody) to DIR")


def run(args) -> int:
    from reports.kinds import KINDS

    lang = getattr(args, "lang", None) or "vi"   # the global `ungcuu --lang` option

    if args.kind == "list":
        for name, (vi, en) in KINDS.items():
            print(f"{name}\t{en if lang == 'en' else vi}")
        return 0
    if args.kind not in KINDS:
        print(f"Lỗi: không có loại báo cáo '{args.kind}'. Các loại: {', '.join(KINDS)}", file=sys.stderr)
        return 2
    if not args.case:
        print("Lỗi: cần --case DIR", file=sys.stderr)
        return 2
    fmt = args.format
    if fmt is None:
        suffix = (args.out or "").rsplit(".", 1)[-1].lower() if args.out and "." in args.out else ""
        fmt = suffix if suffix in ("pdf", "docx", "eml") else "pdf"

    from collectors.case import Case
    from collectors.errors import UngCuuError
    from collectors.verify import head
    from reports.render import render_report

    try:
        case = Case.open(args.case)
    except UngCuuError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    try:
        res = render_report(case, args.kind, fmt, args.out, lang=lang)
        annexes = _write_annexes(case, args.annex) if args.annex else []
        due = _deadlines(case, args.kind, lang)
        anchor = head(case)
    except UngCuuError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    finally:
        case.close()
    print(f"{res.path}")
    print(f"SHA-256: {res.sha256}")
    for path, digest in annexes:
        print(f"{path}\nSHA-256: {digest}")
    for line in due:
        print(("Thời hạn: " if lang != "en" else "Deadline: ") + line)
    print(("Đầu nhật ký chuỗi lưu giữ (ghi lại để đối chiếu bằng `ungcuu verify --head`): " if lang != "en" else
           "Custody log head (note it; check later with `ungcuu verify --head`): ") + str(anchor))
    if res.missing:
        print(f"Lưu ý: báo cáo còn thiếu {len(res.missing)} trường bắt buộc:", file=sys.stderr)
        for m in res.missing:
            print(f"  - {m}", file=sys.stderr)
    return 0


def _write_annexes(case, folder: str) -> list[tuple[str, str]]:
    """The findings report's CSV annexes, written like a report (atomically, logged in the custody log)."""
    import hashlib
    from pathlib import Path

    from reports.annex import CUSTODY_NAME, EVIDENCE_NAME, custody_csv, evidence_csv
    from reports.render import check_out_path, write_atomic

    out = []
    for name, data in ((EVIDENCE_NAME, evidence_csv(case)), (CUSTODY_NAME, custody_csv(case))):
        path = check_out_path(case, Path(folder) / Path(name).name)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        digest = hashlib.sha256(data).hexdigest()
        case.custody.append("export", str(path), {"annex": Path(name).name, "sha256": digest, "size": len(data)})
        out.append((str(path), digest))
    return out


def _deadlines(case, kind: str, lang: str) -> list[str]:
    """This report's deadline under each applicable regime (empty when it has none)."""
    from reports.regimes import RegimeError, deadlines_all, format_status

    try:
        rows = deadlines_all(case, include_pending=True, report=kind)
    except (RegimeError, ValueError):
        return []
    return [f"{r['regime_name']}: {format_status(r, lang)}" for r in rows]
