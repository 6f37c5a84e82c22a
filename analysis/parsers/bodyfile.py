"""Sleuth Kit bodyfile (TSK 3.x): ``MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime``.

Reading: each line gives up to four MACB events (times of 0 are absent), identical times merged into one
event whose ``macb`` field says which (``m.cb``, like mactime). The name is what lies between the first
column and the last nine, so a name holding an unescaped ``|`` (older fls) keeps its line; the escapes
newer writers use (``\\|``, ``\\\\``, ``\\xNN`` for control characters, as plaso reads them) are undone.
Writing: `bodyfile_line` builds a line from the metadata of a collected file (EvidenceRecord.orig_meta),
escaping the same characters, so the parser reads back the very name.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from analysis.events import Event, ParseReport

COLUMNS = ("md5", "name", "inode", "mode", "uid", "gid", "size", "atime", "mtime", "ctime", "crtime")
DESCS = {"m": "Content Modification Time", "a": "Last Access Time", "c": "Metadata Modification Time",
         "b": "Creation Time"}


def macb_events(times: dict[str, int | None]) -> list[tuple[int, str]]:
    """{'m': epoch µs, 'a':..., 'c':..., 'b':...} -> [(epoch µs, 'm.cb' flags)] merged by equal time."""
    by_time: dict[int, set] = {}
    for k in "macb":
        t = times.get(k)
        if t:
            by_time.setdefault(t, set()).add(k)
    return [(us, "".join(k if k in ks else "." for k in "macb")) for us, ks in sorted(by_time.items())]


def desc_for(flags: str) -> str:
    return "; ".join(DESCS[k] for k in flags if k != ".")


def parse(lines: Iterable[tuple[int, str]], report: ParseReport, *, host: str = "", evidence_id: str = "",
          source: str = "file") -> Iterator[Event]:
    report.parser = report.parser or "bodyfile"
    for n, line in lines:
        if not line or line.startswith("#"):
            continue
        parts = columns(line)
        if parts is None:
            report.skip(f"line {n}", f"{line.count('|') + 1} columns instead of 11")
            continue
        md5, name, inode, mode, uid, gid, size, atime, mtime, ctime, crtime = parts
        try:
            size_i = int(size)
            uid_i = int(uid) if uid else None
            gid_i = int(gid) if gid else None
            times: dict[str, int | None] = {"a": _us(atime), "m": _us(mtime), "c": _us(ctime), "b": _us(crtime)}
        except ValueError:
            report.skip(f"line {n}", "non-numeric size, owner or time")
            continue
        name = unescape(name)
        fields = {"path": name, "inode": inode, "mode": mode, "uid": uid_i, "gid": gid_i, "size": size_i}
        if md5 and md5 != "0":
            fields["md5"] = md5
        evs = macb_events(times)  # an entry with no times (all 0) has nothing to place on the timeline
        for us, flags in evs:
            f = dict(fields, macb=flags)
            report.events += 1
            yield Event(us, desc_for(flags), source, "bodyfile", f"{flags} {name}", host, f, 0, evidence_id,
                        f"line {n}:{flags}")


def _us(text: str) -> int:
    """'1596091265.352146149' -> µs without float rounding; '' -> 0; '-1.5' -> -1,500,000."""
    if not text:
        return 0
    sign = -1 if text.startswith("-") else 1
    sec, _, frac = text.lstrip("-").partition(".")
    if not sec.isdigit() or (frac and not frac.isdigit()):
        raise ValueError(text)
    return sign * (int(sec) * 1_000_000 + (int(frac[:6].ljust(6, "0")) if frac else 0))


def columns(line: str) -> list[str] | None:
    """The 11 columns of a body file line (the name still escaped), or None when it has fewer. The name
    is everything between the first column and the last nine: it may hold '|' (escaped or not)."""
    parts = line.split("|")
    if len(parts) < 11:
        return None
    if len(parts) > 11:
        parts = [parts[0], "|".join(parts[1:-9])] + parts[-9:]
    return parts


_UNESCAPE = re.compile(r"\\(\\|\||x[0-9a-fA-F]{2})")


def unescape(name: str) -> str:
    """'/a\\|b' -> '/a|b', '\\\\' -> '\\', '\\x0d' -> CR; any other backslash stays as written."""
    if "\\" not in name:
        return name
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "x" else m.group(1), name)


def _clean(name: str) -> str:
    out = name.replace("\\", "\\\\").replace("|", "\\|")
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c for c in out)


def bodyfile_line(name: str, meta: dict, md5: str = "0") -> str:
    """One bodyfile line from orig_meta {size, mtime, atime, ctime, btime (ISO 8601), uid, gid, mode, inode}."""
    from analysis.events import parse_iso

    def secs(key):
        p = parse_iso(meta.get(key) or "") if isinstance(meta.get(key), str) else None
        if p:
            return str(p[0] // 1_000_000)
        v = meta.get(key)
        return str(int(v)) if isinstance(v, (int, float)) else "0"

    mode = meta.get("mode", "")
    if isinstance(mode, int):
        mode = mode_string(mode)
    return "|".join([md5 or "0", _clean(name), str(meta.get("inode", 0)), str(mode or "0"),
                     str(meta.get("uid", 0)), str(meta.get("gid", 0)), str(meta.get("size", 0)),
                     secs("atime"), secs("mtime"), secs("ctime"), secs("btime")])


def mode_string(mode: int) -> str:
    """0o100644 -> 'r/rrw-r--r--' (TSK style: type letter, slash, type letter + permissions)."""
    import stat
    t = {stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFCHR: "c", stat.S_IFBLK: "b", stat.S_IFIFO: "p",
         stat.S_IFSOCK: "s"}.get(stat.S_IFMT(mode), "r")
    perms = stat.filemode(mode)[1:]
    return f"{t}/{t}{perms}"
