"""B10 on Windows (for H4): the Recycle Bin's records of deleted files: `$I` files of $Recycle.Bin\\<SID>
(Vista and later: original path, size and deletion time; version 1 up to Windows 8.1, version 2 from
Windows 10) and the INFO2 file of XP's RECYCLER (windows_recycle_bin.json). Each record file is copied
into the case and parsed from there; whether the deleted content (`$R...`) is still present is noted."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from .. import records, sources
from ..base import Collector, Context, Incomplete
from . import _winfiles
from ._hives import filetime_at, utf16z

PATTERNS = ("$Recycle.Bin/*/$I*", "RECYCLER/*/INFO2", "Recycled/INFO2", "Recycled/*/INFO2")


@records.record("windows_recycle_bin", version=1)
@dataclass
class RecycledFile:
    record_file: str              # the $I (or INFO2) as found
    original_path: str | None
    deleted: str | None = None    # ISO 8601 UTC
    size: int | None = None
    sid: str | None = None        # the $Recycle.Bin folder: the deleting user's SID
    format: str = "$I"            # $I v1, $I v2, INFO2
    content_file: str | None = None  # the $R (or Dc<n>) file holding the content
    content_present: bool = False
    evidence_id: str | None = None
    extra: dict = field(default_factory=dict)


def parse_i(data: bytes) -> tuple[str, int, str | None, str | None]:
    """($I version, size, deletion time, original path) of a $I file; ValueError when not one."""
    if len(data) < 24:
        raise ValueError(f"too short for a $I file ({len(data)} bytes)")
    version, size, ft = struct.unpack_from("<QQQ", data, 0)
    if version == 1:
        return "$I v1", size, filetime_at(data, 16), utf16z(data[24:24 + 520]) or None
    if version == 2:
        if len(data) < 28:
            raise ValueError("truncated $I v2 header")
        n = struct.unpack_from("<I", data, 24)[0]
        return "$I v2", size, filetime_at(data, 16), utf16z(data[28:28 + 2 * n]) or None
    raise ValueError(f"unknown $I version {version}")


def parse_info2(data: bytes) -> list[dict]:
    """The records of an XP INFO2 file (800 bytes each after a 20-byte header)."""
    if len(data) < 20:
        raise ValueError("too short for INFO2")
    rec_size = struct.unpack_from("<I", data, 12)[0] or 800
    if rec_size < 280:
        raise ValueError(f"INFO2 record size {rec_size}")
    out = []
    for off in range(20, len(data) - rec_size + 1, rec_size):
        r = data[off: off + rec_size]
        ansi = r[:260].split(b"\0", 1)[0].decode("latin-1")
        index, drive = struct.unpack_from("<II", r, 260)
        size = struct.unpack_from("<I", r, 276)[0]
        uni = utf16z(r[280:800]) if rec_size >= 800 else ""
        out.append({"index": index, "drive": drive, "deleted": filetime_at(r, 268), "size": size,
                    "original_path": uni or ansi or None, "ansi_path": ansi})
    return out


def _content(p: Path, name: str) -> tuple[Path, bool]:
    target = p.parent / name
    try:
        return target, target.exists() or any(e.name.lower() == name.lower() for e in sources.scandir(p.parent))
    except OSError:
        return target, False


class WindowsRecycleBin(Collector):
    name = "windows_recycle_bin"
    version = "1.0"
    os = ("windows",)

    def check(self, ctx: Context) -> str | None:
        return None if _winfiles.find(ctx, PATTERNS) else "no Recycle Bin records ($Recycle.Bin/*/$I*, RECYCLER/*/INFO2) here"

    def collect(self, ctx: Context):
        rows: list[RecycledFile] = []
        files = _winfiles.find(ctx, PATTERNS)
        for i, p in enumerate(files):
            if ctx.cancelled:
                return
            rec = ctx.put_file(p, limit=1 << 20)
            yield rec
            yield ctx.progress(i + 1, len(files), p.name)
            if isinstance(rec, Incomplete):
                continue
            with ctx.case.open_evidence(rec) as fh:
                data = fh.read()
            logical = ctx.logical(p)
            sid = p.parent.name if p.parent.name.upper().startswith("S-1-") else None
            try:
                if p.name.upper() == "INFO2":
                    for r in parse_info2(data):
                        drive = chr(ord("a") + r["drive"]) if 0 <= r["drive"] < 26 else "?"
                        ext = Path(r["original_path"] or "").suffix
                        content, present = _content(p, f"D{drive}{r['index']}{ext}")
                        rows.append(RecycledFile(record_file=logical, original_path=r["original_path"], deleted=r["deleted"],
                                                 size=r["size"], sid=sid, format="INFO2",
                                                 content_file=ctx.logical(content), content_present=present,
                                                 evidence_id=rec.id, extra={"index": r["index"]}))
                else:
                    fmt, size, deleted, original = parse_i(data)
                    content, present = _content(p, "$R" + p.name[2:])
                    rows.append(RecycledFile(record_file=logical, original_path=original, deleted=deleted, size=size,
                                             sid=sid, format=fmt, content_file=ctx.logical(content),
                                             content_present=present, evidence_id=rec.id))
            except (ValueError, struct.error) as exc:
                yield ctx.incomplete(f"{logical}: not a Recycle Bin record ({exc})")
        yield ctx.put_records("windows_recycle_bin.json", RecycledFile, rows,
                              source=f"{len(files)} Recycle Bin record files ($I, INFO2)")
