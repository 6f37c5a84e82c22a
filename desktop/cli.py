"""`ungcuu`: the headless command line. With no arguments it opens the desktop app."""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True   # before our modules are imported: no __pycache__ written beside the code

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402

from collectors import __version__  # noqa: E402
from collectors.errors import UngCuuError  # noqa: E402
from collectors.messages import translate  # noqa: E402

from . import commands  # noqa: E402
from .commands._terminal import safe  # noqa: E402


def _load_commands() -> tuple[list, list[str]]:
    mods, broken = [], []
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        except Exception as exc:  # noqa: BLE001 - a broken optional command must not take the rest down
            broken.append(f"{info.name}: {type(exc).__name__}: {exc}")
            continue
        if all(hasattr(mod, a) for a in ("NAME", "HELP", "add_arguments", "run")):
            mods.append(mod)
    return mods, broken


def argv_lang(argv: list[str]) -> str:
    """The language the command line asked for (--lang anywhere, else UNGCUU_LANG, else vi)."""
    lang = os.environ.get("UNGCUU_LANG", "vi")
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif a.startswith("--lang="):
            lang = a.split("=", 1)[1]
    return "en" if lang == "en" else "vi"


def build_parser(lang: str | None = None) -> tuple[argparse.ArgumentParser, list[str]]:
    """The parser with its help in ``lang`` (default: the environment's, else Vietnamese)."""
    from .commands._help import localise, use_language

    lang = lang or argv_lang([])
    use_language(lang)
    parser = argparse.ArgumentParser(
        prog="ungcuu",
        description="UngCuu — thu thập chứng cứ và báo cáo sự cố an toàn thông tin (QĐ 1859/2023, TT 20/2017).",
    )
    parser.add_argument("--version", action="version", version=f"ungcuu {__version__}")
    parser.add_argument("--lang", choices=("vi", "en"), default=os.environ.get("UNGCUU_LANG", "vi"),
                        help="language of messages and reports (default: vi)")
    sub = parser.add_subparsers(dest="command", metavar="LỆNH" if lang == "vi" else "COMMAND")
    mods, broken = _load_commands()
    for mod in mods:
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        # --lang is accepted after the command too (`ungcuu status --lang en`).
        p.add_argument("--lang", choices=("vi", "en"), default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    localise(parser, lang)
    return parser, broken


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, broken = build_parser(argv_lang(argv))
    if not argv:
        argv = ["gui"]
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        for b in broken:
            print(f"ungcuu: lệnh không dùng được (command unavailable): {b}", file=sys.stderr)
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
