"""NTFS `$MFT`: every file record's $STANDARD_INFORMATION and $FILE_NAME times, as timeline events and
as a Sleuth Kit bodyfile (C2 on Windows: what MFTECmd or `fls -m` give).

Parsed with the `mft` package (Rust, MIT; omerbenamram/mft): it applies the fixups, follows attribute
lists and rebuilds full paths, at hundreds of thousands of records a second, which a Python parser
does not reach (bench/bench_windows.py). Deleted records (not in use) are kept, named '... (deleted)'
as fls does; $FILE_NAME times get their own descriptions ('... ($FILE_NAME)'): a $SI time earlier
than its $FN twin is the classic sign of timestomping.
"""
from __future__ import annotations

import datetime as _dt
from typing import Iterator, TextIO

from analysis.events import Event, ParseReport
from analysis.parsers.bodyfile import DESCS, _clean, macb_events

EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
US = _dt.timedelta(microseconds=1)
FN_SUFFIX = " ($FILE_NAME)"


def _us(dt) -> int:
    if dt is None:
        return 0
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.timezone.utc)
    return (dt - EPOCH) // US


def rows(path: str, report: ParseReport) -> Iterator[dict]:
    """One dict per file record: entry, sequence, path, in_use, is_dir, size, si {m,a,c,b} and fn
    {m,a,c,b} in epoch µs (0 when absent), fn_name."""
    import mft

    parser = mft.PyMftParser(str(path))
    for n, e in enumerate(parser.entries()):
        if isinstance(e, BaseException) or not hasattr(e, "entry_id"):
            report.skip(f"record {n}", f"not a readable file record ({e})")
            continue
        flags = str(e.flags)
        si = fn = None
        fn_name = None
        try:
            for a in e.attributes():
                c = a.attribute_content
                if c is None:
                    continue
                if a.type_code == 0x10 and si is None:
                    si = c
                elif a.type_code == 0x30 and (fn is None or c.namespace != "DOS"):
                    fn, fn_name = c, c.name
        except Exception as exc:  # a damaged attribute: the record's other fields still count
            report.skip(f"record {e.entry_id}", f"attribute not readable ({exc})")
        yield {
            "entry": e.entry_id, "sequence": e.sequence, "path": e.full_path or fn_name or f"[entry {e.entry_id}]",
            "in_use": "ALLOCATED" in flags, "is_dir": "INDEX_PRESENT" in flags, "size": e.file_size,
            "si": {"m": _us(si.modified), "a": _us(si.accessed), "c": _us(si.mft_modified), "b": _us(si.created)}
            if si is not None else None,
            "fn": {"m": _us(fn.modified), "a": _us(fn.accessed), "c": _us(fn.mft_modified), "b": _us(fn.created)}
            if fn is not None else None,
            "fn_name": fn_name,
        }


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
        name = _clean(_name(r, prefix))
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
