"""Text from the evidence, made safe to print on the responder's terminal.

Log lines, file names, command lines and cron entries come from the affected system and may hold
control characters: an escape sequence planted in a cron line or a process name would otherwise be
run by the terminal (rewrite the screen, hide a line, set the window title). Each C0/C1 control
character is shown as ``\\xNN`` instead, except the newline of multi-line text when `keep_newlines`.
"""
from __future__ import annotations

_TABLE = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
_TABLE_NL = {c: v for c, v in _TABLE.items() if c != 0x0A}


def safe(text, keep_newlines: bool = False) -> str:
    return str(text).translate(_TABLE_NL if keep_newlines else _TABLE)
