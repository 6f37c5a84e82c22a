"""`ungcuu gui`: open the desktop app (also what `ungcuu` with no arguments does)."""
from __future__ import annotations

import os
import sys

NAME = "gui"
HELP = "open the desktop app (Vietnamese by default)"

NO_DISPLAY = {
    "vi": (
        "ungcuu: không tìm thấy màn hình, nên không mở được ứng dụng ở đây.\n"
        "Trên máy chủ không có màn hình, hãy thu thập bằng dòng lệnh:\n"
        "    ungcuu collect --case /media/usb/CASE-01 --profile triage\n"
        "    ungcuu status --case /media/usb/CASE-01\n"
        "(đặt QT_QPA_PLATFORM=offscreen để buộc ứng dụng chạy không cần màn hình)"
    ),
    "en": (
        "ungcuu: no display found, so the desktop app cannot open here.\n"
        "On a server with no screen, collect from the command line instead:\n"
        "    ungcuu collect --case /media/usb/CASE-01 --profile triage\n"
        "    ungcuu status --case /media/usb/CASE-01\n"
        "(set QT_QPA_PLATFORM=offscreen to force the app to start without a screen)"
    ),
}


NO_GUI = {
    "vi": ("ungcuu: bản cài này không có giao diện (PySide6). Cài thêm bằng: pip install 'ungcuu[gui]' "
           "hoặc chạy bash scripts/run.sh"),
    "en": ("ungcuu: this install has no desktop app (PySide6). Add it with: pip install 'ungcuu[gui]' "
           "or run bash scripts/run.sh"),
}


def add_arguments(p) -> None:
    p.add_argument("--case", help="open this case folder")


def has_display() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM"))


def run(args) -> int:
    message = NO_DISPLAY.get(getattr(args, "lang", "vi"), NO_DISPLAY["vi"])
    if not has_display():
        print(message, file=sys.stderr)
        return 2
    try:
        import PySide6  # noqa: F401 - the `gui` extra
    except ImportError:
        print(NO_GUI.get(getattr(args, "lang", "vi"), NO_GUI["vi"]) + "\n" + message, file=sys.stderr)
        return 2
    try:
        from desktop.app import main as app_main
    except ImportError as exc:
        print(f"ungcuu: the desktop app cannot start: {exc}\n{message}", file=sys.stderr)
        return 2
    return app_main(case=args.case, lang=args.lang)
