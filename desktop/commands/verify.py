"""`ungcuu verify PATH`: a case folder or an evidence bundle. Exit 0 intact, 1 differences, 2 unreadable."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from collectors.errors import UnreadableInput
from collectors.verify import verify_case

from ._terminal import safe

NAME = "verify"
HELP = "verify a case folder or an evidence bundle: exit 0 intact, 1 with a line per difference, 2 unreadable"


def add_arguments(p) -> None:
    p.add_argument("path", help="a case folder or a bundle (.zip, or .7z when encrypted)")
    p.add_argument("--public-key", help="Ed25519 public key (PEM) to check the bundle's signature")
    p.add_argument("--passphrase-env", default="UNGCUU_PASSPHRASE",
                   help="environment variable holding the passphrase of an encrypted bundle")
    p.add_argument("--no-log", action="store_true", help="do not record this verification in the case's custody log")
    p.add_argument("--head", metavar="N:HASH",
                   help="a custody entry noted earlier (the head a verify printed, or the hash column of a report): "
                        "it must still be in the log, so a log cut at its end in both copies is caught")


def run(args) -> int:
    path = Path(args.path)
    try:
        if path.is_dir():
            result = verify_case(path, log=not args.no_log, head=args.head)
        elif path.is_file():
            if args.head:
                raise UnreadableInput("--head checks a case folder's custody log; a bundle carries its own")
            try:
                from reports.bundle import verify_bundle
            except ImportError as exc:
                raise UnreadableInput(f"bundle verification is not available: {exc}") from exc
            result = verify_bundle(path, public_key=args.public_key,
                                   passphrase=os.environ.get(args.passphrase_env) or None)
        else:
            print(f"ungcuu: {path}: no such case folder or bundle", file=sys.stderr)
            return 2
    except UnreadableInput as exc:
        print(f"ungcuu: {exc}", file=sys.stderr)
        return 2
    # Problems quote names and sources from the examined system: escaped, so a crafted name cannot
    # rewrite the screen (clear it, print a fake "intact").
    for p in result.problems:
        print(safe(p))
    for note in getattr(result, "notes", ()):
        print(f"ungcuu: {safe(note)}", file=sys.stderr)
    summary = getattr(result, "summary", None)
    print(safe(summary() if callable(summary) else ("intact" if result.ok else "NOT intact")), file=sys.stderr)
    return 0 if result.ok else 1
