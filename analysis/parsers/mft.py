"""NTFS `$MFT`: every file record's $STANDARD_INFORMATION and $FILE_NAME times, as timeline events and
as a Sleuth Kit bodyfile (C2 on Windows: what MFTECmd or `fls -m` give).

Parsed with the `mft` package (Rust, MIT; omerbenamram/mft): it applies the fixups, follows attribute
lists and rebuilds full paths, at hundreds of thousands of records a second, which a Python parser
does not reach (bench/bench_windows.py). Deleted records (not in use) are kept, named '... (deleted)'
as fls does; $FILE_NAME times get their own descriptions ('... ($FILE_NAME)'): a $SI time earlier
than its $FN twin is the classic sign of timestomping.
"""
from __future__ import annotations

import os
import struct
from typing import Iterator, TextIO

from analysis.events import Event, ParseReport
from analysis.parsers.bodyfile import DESCS, _clean, macb_events

FN_SUFFIX = " ($FILE_NAME)"


FILETIME_EPOCH_US = 11_644_473_600_000_000
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_TIMES = struct.Struct("<QQQQ")


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


def _times(rec: bytes) -> tuple[dict | None, dict | None, str | None]:
    """($SI {m,a,c,b}, $FN {m,a,c,b} of the Win32 name, that name) from a fixed-up record, in µs.

    Read from the record bytes: the `mft` package's per-attribute Python objects cost ten times as
    much as the whole rest of the parse (bench/bench_windows.py)."""
    si = fn = None
    name = None
    off = _U16.unpack_from(rec, 0x14)[0]
    end = len(rec)
    while off + 24 <= end:
        atype, alen = _U32.unpack_from(rec, off)[0], _U32.unpack_from(rec, off + 4)[0]
        if atype == 0xFFFFFFFF or alen < 24 or off + alen > end:
            break
        if rec[off + 8] == 0 and atype in (0x10, 0x30):  # resident
            clen, coff = _U32.unpack_from(rec, off + 0x10)[0], _U16.unpack_from(rec, off + 0x14)[0]
            c = off + coff
            if atype == 0x10 and si is None and clen >= 32:
                b, m, ch, a = _TIMES.unpack_from(rec, c)
                si = {"m": _us(m), "a": _us(a), "c": _us(ch), "b": _us(b)}
            elif atype == 0x30 and clen >= 0x42:
                namespace = rec[c + 0x41]
                if fn is None or namespace != 2:  # prefer the Win32 name over the DOS 8.3 one
                    b, m, ch, a = _TIMES.unpack_from(rec, c + 8)
                    fn = {"m": _us(m), "a": _us(a), "c": _us(ch), "b": _us(b)}
                    n = rec[c + 0x40]
                    name = rec[c + 0x42:c + 0x42 + 2 * n].decode("utf-16-le", "replace")
        off += alen
    return si, fn, name


def rows(path: str, report: ParseReport) -> Iterator[dict]:
    """One dict per file record: entry, sequence, path, in_use, is_dir, size, si {m,a,c,b} and fn
    {m,a,c,b} in epoch µs (0 when absent), fn_name. Paths come from the `mft` package (it rebuilds
    them through parent references and attribute lists); times and flags from the record bytes."""
    import mft

    parser = mft.PyMftParser(str(path))
    with open(path, "rb") as fh:
        size = _U32.unpack_from(fh.read(0x20), 0x1C)[0] if os.path.getsize(path) >= 0x20 else 1024
        size = size if size in (1024, 4096) else 1024
        for n, e in enumerate(parser.entries()):
            if isinstance(e, BaseException) or not hasattr(e, "entry_id"):
                report.skip(f"record {n}", f"not a readable file record ({e})")
                continue
            fh.seek(e.entry_id * size)
            rec = _fixed(fh.read(size))
            if rec is None:
                report.skip(f"record {e.entry_id}", "not a file record, or torn (update sequence mismatch)")
                continue
            flags = _U16.unpack_from(rec, 0x16)[0]
            try:
                si, fn, fn_name = _times(rec)
            except (struct.error, IndexError) as exc:
                report.skip(f"record {e.entry_id}", f"attribute not readable ({exc})")
                continue
            yield {"entry": e.entry_id, "sequence": _U16.unpack_from(rec, 0x10)[0],
                   "path": e.full_path or fn_name or f"[entry {e.entry_id}]", "in_use": bool(flags & 1),
                   "is_dir": bool(flags & 2), "size": e.file_size, "si": si, "fn": fn, "fn_name": fn_name}


def _name(r: dict, prefix: str) -> str:
    name = prefix.rstrip("/") + "/" + r["path"].lstrip("/")
    return name if r["in_use"] else name + " (deleted)"


def _secs(us: int) -> str:
    return str(us // 1_000_000) if us else "0"


def to_bodyfile(path: str, out: TextIO, *, prefix: str = "C:", report: ParseReport | None = None) -> int:
    """Write the $MFT as bodyfile lines (a $SI line and a $FILE_NAME line per record); returns the
    number of records read."""
    report = report or ParseReport(parser="mft")
    n = 0
    for r in rows(path, report):
        n += 1
        name = _name(r, prefix)
        if not name.isprintable() or "|" in name or "\\" in name:
            name = _clean(name)
        mode = "d/drwxrwxrwx" if r["is_dir"] else "r/rrwxrwxrwx"
        inode = f"{r['entry']}-{r['sequence']}"
        for times, suffix in ((r["si"], ""), (r["fn"], FN_SUFFIX)):
            if times is None:
                continue
            out.write(f"0|{name}{suffix}|{inode}|{mode}|0|0|{r['size']}|{_secs(times['a'])}|{_secs(times['m'])}|"
                      f"{_secs(times['c'])}|{_secs(times['b'])}\n")
    return n


def parse(path: str, report: ParseReport, *, host: str = "", evidence_id: str = "", prefix: str = "C:",
          source: str = "$MFT") -> Iterator[Event]:
    report.parser = report.parser or "mft"
    for r in rows(path, report):
        name = _name(r, prefix)
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
