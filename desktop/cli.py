"""`ungcuu`: the headless command line. With no arguments it opens the desktop app."""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True   # before our modules are imported: no __pycache__ written beside the code

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402

from collectors import __version__
from collectors.errors import UngCuuError
from collectors.messages import translate

from . import commands
from .commands._terminal import safe


def _load_commands() -> tuple[list, list[str]]:
    mods, broken = [], []
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        except Exception as exc:  # a broken optional command must not take the rest down
            broken.append(f"{info.name}: {type(exc).__name__}: {exc}")
            continue
        if all(hasattr(mod, a) for a in ("NAME", "HELP", "add_arguments", "run")):
            mods.append(mod)
    return mods, broken


def build_parser() -> tuple[argparse.ArgumentParser, list[str]]:
    parser = argparse.ArgumentParser(
        prog="ungcuu",
        description="UngCuu — thu thập chứng cứ và báo cáo sự cố an toàn thông tin (QĐ 1859/2023, TT 20/2017).",
    )
    parser.add_argument("--version", action="version", version=f"ungcuu {__version__}")
    parser.add_argument("--lang", choices=("vi", "en"), default=os.environ.get("UNGCUU_LANG", "vi"),
                        help="language of messages and reports (default: vi)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    mods, broken = _load_commands()
    for mod in mods:
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        # --lang is accepted after the command too (`ungcuu status --lang en`).
        p.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser, broken


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, broken = build_parser()
    if not argv:
        argv = ["gui"]
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        for b in broken:
            print(f"ungcuu: command unavailable: {b}", file=sys.stderr)
        parser.print_help(sys.stderr)
        return 2
    args.argv = argv
    try:
        return int(args._run(args) or 0)
    except UngCuuError as exc:
        print(f"ungcuu: {safe(translate(str(exc), getattr(args, 'lang', 'vi')))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ungcuu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ungcuu evidence --case X | head`: the reader left, nothing is wrong
        try:
            sys.stdout = open(os.devnull, "w")  # keep the interpreter's final flush quiet
        except OSError:
            pass
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
