"""`ungcuu bundle --case DIR --out FILE.zip [--encrypt] [--sign-key KEY.pem]`: the evidence bundle.

Plain: a ZIP file. With --encrypt: a standard 7z archive (AES-256, file names encrypted too) that 7-Zip
opens with the passphrase; `ungcuu extract` and `ungcuu verify` read both.

`ungcuu bundle --gen-key PREFIX` creates an Ed25519 key pair PREFIX.key (keep it) and PREFIX.pub (give it
to whoever verifies). The passphrase of an encrypted bundle comes from --passphrase-file, the environment
variable UNGCUU_BUNDLE_PASSPHRASE (or UNGCUU_PASSPHRASE, which `ungcuu verify` reads), or the terminal.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

NAME = "bundle"
HELP = "đóng gói chứng cứ để bàn giao, kiểm tra được / build the verifiable evidence bundle"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", help="thư mục vụ việc / case folder")
    parser.add_argument("--out", help="tệp gói .zip, hoặc .7z khi mã hóa (mặc định CASE/exports/bundle-CASEID.zip|.7z)")
    parser.add_argument("--encrypt", action="store_true",
                        help="mã hóa bằng mật khẩu (sự cố cần giữ bí mật) / encrypt with a passphrase")
    parser.add_argument("--passphrase-file", help="tệp chứa mật khẩu (dòng đầu) / passphrase file (first line)")
    parser.add_argument("--sign-key", help="khóa riêng Ed25519 (PEM) để ký SHA256SUMS / Ed25519 private key")
    parser.add_argument("--gen-key", metavar="PREFIX", help="tạo cặp khóa PREFIX.key / PREFIX.pub rồi thoát")
    parser.add_argument("--no-reports", action="store_true", help="không kèm báo cáo PDF")
    parser.add_argument("--no-timeline", action="store_true", help="không kèm dòng thời gian")


def _passphrase(args) -> str | None:
    from reports.bundle import read_passphrase_file

    if args.passphrase_file:
        return read_passphrase_file(args.passphrase_file)
    if not args.encrypt:
        return None
    env = os.environ.get("UNGCUU_BUNDLE_PASSPHRASE") or os.environ.get("UNGCUU_PASSPHRASE")
    if env:
        return env
    if not sys.stdin.isatty():
        raise SystemExit("Lỗi: --encrypt cần --passphrase-file hoặc UNGCUU_PASSPHRASE khi không có terminal")
    first = getpass.getpass("Mật khẩu gói: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first or not first:
        raise SystemExit("Lỗi: hai lần nhập mật khẩu không khớp (hoặc rỗng)")
    return first


def run(args) -> int:
    from collectors.errors import UngCuuError
    from reports.bundle import build_bundle, default_bundle_name, generate_keypair

    try:
        if args.gen_key:
            priv, pub = generate_keypair(f"{args.gen_key}.key", f"{args.gen_key}.pub")
            print(f"Khóa riêng (giữ kín): {priv}")
            print(f"Khóa công khai (gửi người kiểm tra): {pub}")
            return 0
        if not args.case:
            print("Lỗi: cần --case DIR", file=sys.stderr)
            return 2
        from collectors.case import Case
        from collectors.verify import head

        passphrase = _passphrase(args)
        case = Case.open(args.case)
        try:
            name = default_bundle_name(case, encrypted=passphrase is not None)
            out = args.out or str(case.path / "exports" / name)
            if os.path.isdir(out):   # a folder: the bundle goes in it (build_bundle does the same)
                out = os.path.join(out, name)
            elif passphrase is not None and out.lower().endswith(".zip"):
                out = out[:-4] + ".7z"   # an encrypted bundle is a 7z archive: named so 7-Zip opens it
                print(f"Ghi chú: gói mã hóa là tệp 7z: {out}", file=sys.stderr)
            warnings: list[str] = []
            digest = build_bundle(case, out, passphrase=passphrase, signing_key=args.sign_key,
                                  include_reports=not args.no_reports, include_timeline=not args.no_timeline,
                                  warnings=warnings)
            anchor = head(case)
        finally:
            case.close()
    except UngCuuError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    for w in warnings:
        print(f"Cảnh báo: {w}", file=sys.stderr)
    print(out)
    print(f"SHA-256: {digest}")
    print("(Mã SHA-256 của gói đã được ghi vào nhật ký chuỗi lưu giữ của vụ việc.)", file=sys.stderr)
    print(f"Đầu nhật ký chuỗi lưu giữ (ghi lại để đối chiếu bằng `ungcuu verify --head`): {anchor}")
    return 0
