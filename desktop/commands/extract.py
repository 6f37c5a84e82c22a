"""`ungcuu extract BUNDLE DEST`: unpack an evidence bundle (ZIP, or 7z when encrypted) safely into DEST.

Every member name is checked before anything is written; nothing is overwritten or written outside DEST;
a member whose bytes do not match the bundle's lists is not kept. Exit 0 all extracted, 1 some members
refused (named), 2 unreadable. The passphrase of an encrypted bundle comes from --passphrase-file or the
environment variable UNGCUU_PASSPHRASE.
"""
from __future__ import annotations

import os
import sys

NAME = "extract"
HELP = "giải nén an toàn một gói chứng cứ / safely extract an evidence bundle (zip or encrypted 7z)"


def add_arguments(p) -> None:
    p.add_argument("bundle", help="gói .zip hoặc .7z / the bundle")
    p.add_argument("dest", help="thư mục đích (mới hoặc rỗng) / destination folder")
    p.add_argument("--passphrase-file", help="tệp chứa mật khẩu (dòng đầu) / passphrase file (first line)")
    p.add_argument("--passphrase-env", default="UNGCUU_PASSPHRASE",
                   help="biến môi trường chứa mật khẩu / environment variable holding the passphrase")


def run(args) -> int:
    from collectors.errors import UnreadableInput
    from reports.bundle import BundleRefused, extract_bundle, read_passphrase_file

    try:
        passphrase = (read_passphrase_file(args.passphrase_file) if args.passphrase_file
                      else os.environ.get(args.passphrase_env) or None)
        written = extract_bundle(args.bundle, args.dest, passphrase=passphrase)
    except BundleRefused as exc:
        kept = getattr(exc, "written", None)
        print(f"ungcuu: {exc}", file=sys.stderr)
        return 1 if kept is not None else 2
    except UnreadableInput as exc:
        print(f"ungcuu: {exc}", file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(f"ungcuu: {exc}", file=sys.stderr)
        return 2
    print(f"{len(written)} tệp đã giải nén vào {args.dest} / files extracted")
    return 0
