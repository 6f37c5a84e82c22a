"""`ungcuu import --case INCIDENT BUNDLE_OR_CASE...`: verify host bundles or case folders and import
them into an incident case (each under its host), then rebuild the incident's timeline across hosts."""
from __future__ import annotations

import getpass
import sys

NAME = "import"
HELP = ("nhập gói chứng cứ / hồ sơ của nhiều máy vào một hồ sơ sự cố (kiểm tra trước) / import host bundles or "
        "cases into an incident case")


def add_arguments(p) -> None:
    p.add_argument("--case", required=True, help="the incident case folder (created when missing)")
    p.add_argument("sources", nargs="+", help="bundles (.zip/.7z) or case folders, one per host")
    p.add_argument("--passphrase-file", help="file whose first line is the passphrase of encrypted bundles")
    p.add_argument("--public-key", help="Ed25519 public key (PEM) to check the bundles' signatures")
    p.add_argument("--examiner", help="examiner name recorded in the incident's custody log")


def run(args) -> int:
    from collectors.case import Case
    from reports.bundle import read_passphrase_file
    from reports.incident_case import iter_import

    from ._common import lock_case
    from ._terminal import safe

    vi = getattr(args, "lang", "vi") == "vi"
    if args.passphrase_file:
        passphrase = read_passphrase_file(args.passphrase_file)
    elif sys.stdin.isatty():
        def passphrase(path):
            return getpass.getpass(f"{'Mật khẩu của' if vi else 'Passphrase for'} {path}: ")
    else:
        passphrase = None
    incident = Case.open_or_create(args.case, examiner=args.examiner, affected_root="")
    lock_case(incident, "ungcuu import")   # no collection or second import into the incident meanwhile
    try:
        gen = iter_import(incident, args.sources, passphrase=passphrase, public_key=args.public_key)
        tty = sys.stderr.isatty()
        while True:
            try:
                p = next(gen)
            except StopIteration as stop:
                results = stop.value
                break
            if tty:
                sys.stderr.write(f"\r{p.stage:<8} {p.done}/{p.total} {p.events} events {safe(p.source[-50:]):<50}")
                sys.stderr.flush()
        if tty:
            sys.stderr.write("\n")
        labels = {"imported": ("đã nhập", "imported"), "newer": ("đã nhập (bản thu thập mới hơn)", "imported (newer collection)"),
                  "already": ("đã có, không nhập lại", "already imported, skipped"), "refused": ("TỪ CHỐI", "REFUSED")}
        bad = 0
        for r in results:
            label = labels[r.status][0 if vi else 1]
            print(safe(f"{r.source}: {label}" + (f" — {r.host} {r.case_id} ({r.events} events)" if r.host else "")))
            for prob in r.problems:
                print(safe(f"  - {prob}"))
            bad += r.status == "refused"
        return 1 if bad else 0
    finally:
        incident.close()   # releases the lock
