"""Shared helpers for line-oriented parsers: open plain or gzip text, decode robustly."""
from __future__ import annotations

import bz2
import io
import gzip
import lzma
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

_MAGIC = {b"\x1f\x8b": lambda f: io.BufferedReader(GzipTolerant(f)), b"BZ": bz2.BZ2File, b"\xfd7": lzma.LZMAFile}


def open_binary(src, report=None) -> BinaryIO:
    """Open a path or binary file object, transparently decompressing gzip/bz2/xz (by magic, not name).

    A damaged gzip stream ends at the damage: everything decompressed before it is read, and the damage
    is reported to `report` (when given) or left in the stream's `damage` for `iter_lines` to report.
    """
    fh = open(src, "rb") if isinstance(src, (str, Path)) else src
    head = fh.peek(2)[:2] if hasattr(fh, "peek") else b""
    if not head and hasattr(fh, "seek"):
        pos = fh.tell()
        head = fh.read(2)
        fh.seek(pos)
    opener = _MAGIC.get(head)
    if opener is not None:
        out = opener(fh)
        if report is not None and isinstance(getattr(out, "raw", None), GzipTolerant):
            out.raw.report = report
        return out
    return fh


class GzipTolerant(io.RawIOBase):
    """gzip decompression that keeps every byte before a damaged spot (gzip.GzipFile drops the whole
    block it was decoding and raises zlib.error). Concatenated members (rotated logs joined) are read
    one after the other; zero padding at the end is ignored."""

    CHUNK = 1 << 16

    def __init__(self, fileobj):
        super().__init__()
        self.fileobj = fileobj
        self.report = None
        self.damage: str | None = None
        self._d = zlib.decompressobj(31)
        self._out = b""
        self._pos = 0  # compressed bytes consumed
        self._done = False
        self._member_started = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._out and not self._done:
            self._fill()
        n = min(len(b), len(self._out))
        b[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _fill(self) -> None:
        data = self.fileobj.read(self.CHUNK)
        if not data:
            if self._member_started and not self._d.eof:
                self._damaged(f"truncated compressed data: the stream ends after {self._pos} bytes without its end "
                              "marker; what was decompressed before is kept")
            self._done = True
            return
        while data:
            saved = self._d.copy()
            try:
                self._out += self._d.decompress(data)
                self._member_started = True
            except zlib.error:
                self._out += self._salvage(saved, data)
                return
            used = len(data) - len(self._d.unused_data)
            self._pos += used
            if not self._d.eof:
                return
            data = self._d.unused_data
            self._member_started = False
            if data.startswith(b"\x1f\x8b"):
                self._d = zlib.decompressobj(31)  # the next member
                continue
            rest = data + self.fileobj.read()
            if rest.strip(b"\x00"):
                self._damaged(f"{len(rest)} bytes of data after the end of the compressed stream (at byte "
                              f"{self._pos}) that are not gzip: not read")
            self._done = True
            return

    def _salvage(self, d, data: bytes) -> bytes:
        """Decode the damaged chunk a few bytes at a time from the state before it: keeps what precedes
        the damage exactly."""
        out = b""
        for step in (4096, 64, 1):  # narrow down to the byte where decoding fails
            for i in range(0, len(data), step):
                saved = d.copy()
                try:
                    out += d.decompress(data[i:i + step])
                except zlib.error as exc:
                    d, data, error = saved, data[i:i + step], exc
                    self._pos += i
                    break
            else:
                break  # no error this time (cannot happen for the same input): nothing lost
        else:
            if "check" in str(error):  # the CRC-32 or length at the end of a member does not match
                self._damaged(f"corrupt compressed data: the gzip integrity check at byte {self._pos} failed "
                              f"({error}): everything was decompressed and kept, but part of it may be damaged")
            else:
                self._damaged(f"corrupt compressed data at byte {self._pos} ({error}): the rest of the file could "
                              "not be decompressed; what was decompressed before is kept")
        self._done = True
        return out

    def _damaged(self, message: str) -> None:
        self.damage = message
        if self.report is not None:
            self.report.skip(f"compressed byte {self._pos}", message)


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
        damage = getattr(getattr(fh, "raw", None), "damage", None)
        if damage and report is not None:
            report.skip(f"line {n + 1}", damage)
    except (EOFError, OSError, lzma.LZMAError, ValueError, zlib.error) as exc:
        if report is not None:
            report.skip(f"line {n + 1}", f"truncated or corrupt compressed data: {exc}")
    finally:
        if isinstance(src, (str, Path)):
            text.close()
        else:
            text.detach()
