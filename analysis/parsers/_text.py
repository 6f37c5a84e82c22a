"""Shared helpers for line-oriented parsers: open plain or gzip text, decode robustly."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

_MAGIC: dict[bytes, Callable[[Any], Any]] = {
    b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f), b"BZ": bz2.BZ2File, b"\xfd7": lzma.LZMAFile}


def open_binary(src) -> BinaryIO:
    """Open a path or binary file object, transparently decompressing gzip/bz2/xz (by magic, not name)."""
    fh = open(src, "rb") if isinstance(src, (str, Path)) else src
    head = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if not head and hasattr(fh, "seek"):
        pos = fh.tell()
        head = fh.read(2)
        fh.seek(pos)
    opener = _MAGIC.get(head)
    if opener is not None:
        return opener(fh)
    return fh


def iter_lines(src, report=None) -> Iterator[tuple[int, str]]:
    """Yield (line number from 1, text without the newline). Undecodable bytes become U+FFFD.

    A truncated compressed stream ends the iteration and is reported (what was read is kept).
    Lines end at LF only (a CR inside a line, as in a file name, stays part of it).
    """
    fh = open_binary(src)
    text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="\n")
    n = 0
    try:
        for n, line in enumerate(text, 1):
            if line[-1:] == "\n":
                line = line[:-2] if line[-2:-1] == "\r" else line[:-1]
            yield n, line
    except (EOFError, OSError, lzma.LZMAError, ValueError) as exc:
        if report is not None:
            report.skip(f"line {n + 1}", f"truncated or corrupt compressed data: {exc}")
    finally:
        if isinstance(src, (str, Path)):
            text.close()
        else:
            text.detach()
