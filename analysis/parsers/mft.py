"""NTFS `$MFT`: every file record's $STANDARD_INFORMATION and $FILE_NAME times, as timeline events and
as a Sleuth Kit bodyfile (C2 on Windows: what MFTECmd or `fls -m` give).

Parsed with the `mft` package (Rust, MIT; omerbenamram/mft): it applies the fixups, follows attribute
lists and rebuilds full paths, at hundreds of thousands of records a second, which a Python parser
does not reach (bench/bench_windows_mft.py). Deleted records (not in use) are kept, named '... (deleted)'
as fls does; $FILE_NAME times get their own descriptions ('... ($FILE_NAME)'): a $SI time earlier
than its $FN twin is the classic sign of timestomping.
"""
from __future__ import annotations

import os
import struct
import warnings
from typing import Iterator, Protocol

from analysis.events import Event, ParseReport
from analysis.parsers.bodyfile import DESCS, _clean, macb_events

FN_SUFFIX = " ($FILE_NAME)"


FILETIME_EPOCH_US = 11_644_473_600_000_000
FILETIME_EPOCH_S = 11_644_473_600
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_ATTR = struct.Struct("<IIB7xIH")  # type, length, non-resident, (name, flags, id), content length, offset
_TIMES = struct.Struct("<QQQQ")  # created, modified, MFT entry modified, accessed (FILETIME)
WINDOW = 4 << 20
# The mft package logs damaged records as Python warnings; they are counted as skipped here instead.
warnings.filterwarnings("ignore", message=r"WARN\s+\[mft::", category=UserWarning)


def _us(ft: int) -> int:
    """FILETIME (100 ns since 1601) -> epoch µs; 0 stays 0 (absent)."""
    return ft // 10 - FILETIME_EPOCH_US if ft else 0


def _fixed(rec: bytes) -> bytes | None:
    """A file record with its update sequence (fixup) applied, or None when it is not one."""
    if rec[:4] != b"FILE":
        return None
    usa_off, usa_n = _U16.unpack_from(rec, 4)[0], _U16.unpack_from(rec, 6)[0]
    if usa_n < 2 or usa_off + 2 * usa_n > len(rec):
        return None
    out = bytearray(rec)
    usn = rec[usa_off:usa_off + 2]
    for k in range(1, usa_n):
        end = k * 512
        if end > len(rec) or rec[end - 2:end] != usn:
            return None  # a torn write: the record is not trustworthy
        out[end - 2:end] = rec[usa_off + 2 * k:usa_off + 2 * k + 2]
    return bytes(out)


def _times(rec: bytes) -> tuple[tuple | None, tuple | None, bytes | None]:
    """($SI, $FN of the Win32 name) as FILETIME tuples (created, modified, entry modified, accessed),
    and that name's UTF-16 bytes, from a fixed-up record.

    Read from the record bytes: the `mft` package's per-attribute Python objects cost ten times as
    much as the whole rest of the parse (bench/bench_windows_mft.py)."""
    si = fn = name = None
    off = _U16.unpack_from(rec, 0x14)[0]
    end = len(rec) - 0x18
    unpack_attr, unpack_times = _ATTR.unpack_from, _TIMES.unpack_from
    while off <= end:
        atype, alen, nonres, clen, coff = unpack_attr(rec, off)
        if atype == 0xFFFFFFFF or alen < 24 or off + alen > len(rec):
            break
        if not nonres:
            c = off + coff
            if atype == 0x10:
                if si is None and clen >= 32:
                    si = unpack_times(rec, c)
            elif atype == 0x30 and clen >= 0x42 and (fn is None or rec[c + 0x41] != 2):  # Win32 over DOS 8.3
                fn = unpack_times(rec, c + 8)
                name = rec[c + 0x42:c + 0x42 + 2 * rec[c + 0x40]]
        off += alen
    return si, fn, name


def _records(path: str, report: ParseReport) -> Iterator[tuple]:
    """(entry, sequence, path, in use, is folder, size, $SI FILETIMEs, $FN FILETIMEs) per file record.
    Paths come from the `mft` package (it rebuilds them through parent references and attribute
    lists); times and flags from the record bytes."""
    import mft

    if os.path.getsize(path) < 1024:
        report.fatal = "shorter than one file record: not a $MFT"
        return
    parser = mft.PyMftParser(str(path))
    with open(path, "rb") as fh:
        size = _U32.unpack_from(fh.read(0x20), 0x1C)[0]
        size = size if size in (1024, 4096) else 1024
        window, base = b"", 0  # 4 MiB of records read at a time (the parser goes in record order)
        for n, e in enumerate(parser.entries()):
            if isinstance(e, BaseException) or not hasattr(e, "entry_id"):
                report.skip(f"record {n}", f"not a readable file record ({e})")
                continue
            entry = e.entry_id
            at = entry * size
            if not base <= at < base + len(window) - size + 1:
                fh.seek(at)
                window, base = fh.read(WINDOW), at
            rec = _fixed(window[at - base:at - base + size])
            if rec is None:
                report.skip(f"record {entry}", "not a file record, or torn (update sequence mismatch)")
                continue
            try:
                si, fn, name = _times(rec)
            except (struct.error, IndexError) as exc:
                report.skip(f"record {entry}", f"attribute not readable ({exc})")
                continue
            flags = rec[0x16]
            full = e.full_path or (name.decode("utf-16-le", "replace") if name else f"[entry {entry}]")
            yield (entry, _U16.unpack_from(rec, 0x10)[0], full, bool(flags & 1), bool(flags & 2), e.file_size, si, fn)


def rows(path: str, report: ParseReport) -> Iterator[dict]:
    """One dict per file record: entry, sequence, path, in_use, is_dir, size, and si / fn
    {m, a, c, b} in epoch µs (0 when absent; None without the attribute)."""
    for entry, seq, full, in_use, is_dir, size, si, fn in _records(path, report):
        yield {"entry": entry, "sequence": seq, "path": full, "in_use": in_use, "is_dir": is_dir, "size": size,
               "si": None if si is None else {"m": _us(si[1]), "a": _us(si[3]), "c": _us(si[2]), "b": _us(si[0])},
               "fn": None if fn is None else {"m": _us(fn[1]), "a": _us(fn[3]), "c": _us(fn[2]), "b": _us(fn[0])}}


def _name(full: str, in_use: bool, prefix: str) -> str:
    name = prefix.rstrip("/") + "/" + full.lstrip("/")
    return name if in_use else name + " (deleted)"


def _secs(ft: int) -> int:
    return ft // 10_000_000 - FILETIME_EPOCH_S if ft else 0


class TextSink(Protocol):
    """Where the bodyfile lines go: anything with write(str), a text file or a wrapper counting lines."""

    def write(self, text: str, /) -> object: ...


def to_bodyfile(path: str, out: TextSink, *, prefix: str = "C:", report: ParseReport | None = None) -> int:
    """Write the $MFT as bodyfile lines (a $SI line and a $FILE_NAME line per record); returns the
    number of records read."""
    report = report or ParseReport(parser="mft")
    n = 0
    write = out.write
    for entry, seq, full, in_use, is_dir, size, si, fn in _records(path, report):
        n += 1
        name = _name(full, in_use, prefix)
        if not name.isprintable() or "|" in name or "\\" in name:
            name = _clean(name)
        head = f"0|{name}"
        tail = f"|{entry}-{seq}|{'d/drwxrwxrwx' if is_dir else 'r/rrwxrwxrwx'}|0|0|{size}|"
        if si is not None:
            write(f"{head}{tail}{_secs(si[3])}|{_secs(si[1])}|{_secs(si[2])}|{_secs(si[0])}\n")
        if fn is not None:
            write(f"{head}{FN_SUFFIX}{tail}{_secs(fn[3])}|{_secs(fn[1])}|{_secs(fn[2])}|{_secs(fn[0])}\n")
    return n


def parse(path: str, report: ParseReport, *, host: str = "", evidence_id: str = "", prefix: str = "C:",
          source: str = "$MFT") -> Iterator[Event]:
    report.parser = report.parser or "mft"
    for r in rows(path, report):
        name = _name(r["path"], r["in_use"], prefix)
        for attr, times, suffix in (("$SI", r["si"], ""), ("$FN", r["fn"], FN_SUFFIX)):
            if times is None:
                continue
            for us, flags in macb_events(times):
                desc = "; ".join(DESCS[k] + suffix for k in flags if k != ".")
                fields = {"path": name, "entry": r["entry"], "sequence": r["sequence"], "size": r["size"],
                          "in_use": r["in_use"], "attribute": attr, "macb": flags}
                report.events += 1
                yield Event(us, desc, source, "mft", f"{flags} {name}{suffix}", host, fields, 0, evidence_id,
                            f"entry {r['entry']}:{attr}:{flags}")
