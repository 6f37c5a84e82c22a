"""B10 on Windows: shortcut (LNK) files and jump lists, what each user opened and from where: the
Recent folder, the Desktop and Office's recent lists (*.lnk), AutomaticDestinations (OLE files: one LNK
per stream, and the DestList with each entry's last access time and host name) and CustomDestinations
(LNKs one after another): windows_lnk.json. Each file is copied into the case and parsed from there:
LNK with LnkParse3 (MIT), the OLE container with olefile (BSD-2-Clause); the DestList layout (versions 1
and 3/4, after libyal's documentation) is read here."""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context, Incomplete
from . import _winfiles
from ._hives import filetime_at

RECENT = "Users/*/AppData/Roaming/Microsoft/Windows/Recent"
PATTERNS = (f"{RECENT}/*.lnk", "Users/*/Desktop/*.lnk", "Users/*/AppData/Roaming/Microsoft/Office/Recent/*.lnk",
            f"{RECENT}/AutomaticDestinations/*.automaticDestinations-ms",
            f"{RECENT}/CustomDestinations/*.customDestinations-ms",
            "Documents and Settings/*/Recent/*.lnk")
LNK_SIGNATURE = bytes.fromhex("4c0000000114020000000000c000000000000046")


@records.record("windows_lnk", version=1)
@dataclass
class LinkEntry:
    file: str                        # the .lnk or jump list as found
    kind: str                        # lnk, jumplist_auto, jumplist_custom, destlist
    user: str | None = None
    target: str | None = None        # the target's path (local path, network share or URL)
    arguments: str | None = None
    working_directory: str | None = None
    target_created: str | None = None   # the target's times as recorded in the link (ISO 8601 UTC)
    target_modified: str | None = None
    target_accessed: str | None = None
    target_size: int | None = None
    drive_type: str | None = None
    drive_serial: str | None = None
    volume_label: str | None = None
    network_share: str | None = None
    machine_id: str | None = None    # NetBIOS name of the machine the link was made on
    last_access: str | None = None   # DestList: when the entry was last used
    entry: int | None = None         # jump list stream / DestList entry number
    app_id: str | None = None        # the jump list's AppID (its file name)
    evidence_id: str | None = None
    extra: dict = field(default_factory=dict)


def _iso(v) -> str | None:
    if v is None or not hasattr(v, "strftime"):
        return None
    try:
        if v.year < 1980:
            return None
        if v.tzinfo is not None:
            import datetime as _dt

            v = v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (ValueError, OverflowError):
        return None


def parse_lnk(data: bytes, **common) -> LinkEntry:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LnkParse3 warns about a bad header, then raises or reads what it can
        return _parse_lnk(data, **common)


def _parse_lnk(data: bytes, **common) -> LinkEntry:
    import LnkParse3

    lnk = LnkParse3.lnk_file(io.BytesIO(data))
    js = lnk.get_json()
    h = lnk.header
    info = js.get("link_info") or {}
    extra = js.get("extra") or {}
    strings = js.get("data") or {}
    loc = info.get("location_info") or {}
    net = loc.get("net_name") if info.get("location") == "Network" else None
    target = info.get("local_base_path") or (extra.get("ENVIRONMENTAL_VARIABLES_LOCATION_BLOCK") or {}).get(
        "target_unicode") or strings.get("relative_path")
    if net and not target:
        target = net + ("\\" + info["common_path_suffix"] if info.get("common_path_suffix") else "")
    tracker = extra.get("DISTRIBUTED_LINK_TRACKER_BLOCK") or {}
    return LinkEntry(target=target, arguments=strings.get("command_line_arguments"),
                     working_directory=strings.get("working_directory"),
                     target_created=_iso(h.creation_time()), target_modified=_iso(h.write_time()),
                     target_accessed=_iso(h.access_time()), target_size=js["header"].get("file_size"),
                     drive_type=loc.get("drive_type"), drive_serial=loc.get("drive_serial_number"),
                     volume_label=loc.get("volume_label") or None, network_share=net,
                     machine_id=tracker.get("machine_identifier") or None, **common)


def parse_destlist(data: bytes) -> list[dict]:
    """Entries of a DestList stream: entry number, host, last access, path (and access count, v3+)."""
    if len(data) < 32:
        raise ValueError("DestList shorter than its header")
    version, count = struct.unpack_from("<II", data, 0)
    fixed = 114 if version == 1 else 130
    out, off = [], 32
    for _ in range(min(count, 100_000)):
        if off + fixed > len(data):
            break
        plen = struct.unpack_from("<H", data, off + fixed - 2)[0]
        end = off + fixed + 2 * plen
        if end > len(data):
            break
        row = {"entry": struct.unpack_from("<I", data, off + 88)[0],
               "host": data[off + 72: off + 88].split(b"\0", 1)[0].decode("ascii", "replace") or None,
               "last_access": filetime_at(data, off + 100),
               "pinned": struct.unpack_from("<i", data, off + 108)[0] != -1,
               "path": data[off + fixed: end].decode("utf-16-le", "replace")}
        if version != 1:
            row["access_count"] = struct.unpack_from("<I", data, off + 116)[0]
            end += 4
        out.append(row)
        off = end
    return out


def parse_file(name: str, data: bytes, **common) -> tuple[list[LinkEntry], list[str]]:
    """(entries, problems) of one .lnk or jump list."""
    lower = name.lower()
    rows: list[LinkEntry] = []
    problems: list[str] = []
    if lower.endswith(".automaticdestinations-ms"):
        import olefile

        app = name.split(".", 1)[0]
        ole = olefile.OleFileIO(io.BytesIO(data))
        try:
            for parts in ole.listdir():
                stream = "/".join(parts)
                raw = ole.openstream(parts).read()
                if stream == "DestList":
                    try:
                        for e in parse_destlist(raw):
                            rows.append(LinkEntry(kind="destlist", target=e["path"], machine_id=e["host"],
                                                  last_access=e["last_access"], entry=e["entry"], app_id=app,
                                                  extra={k: e[k] for k in ("pinned", "access_count") if k in e}, **common))
                    except (ValueError, struct.error) as exc:
                        problems.append(f"DestList: {exc}")
                    continue
                try:
                    rows.append(parse_lnk(raw, kind="jumplist_auto", app_id=app,
                                          entry=int(stream, 16) if all(c in "0123456789abcdefABCDEF" for c in stream) else None,
                                          **common))
                except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
                    problems.append(f"stream {stream}: not a shortcut ({type(exc).__name__})")
        finally:
            ole.close()
    elif lower.endswith(".customdestinations-ms"):
        app = name.split(".", 1)[0]
        at = data.find(LNK_SIGNATURE)
        while at != -1:
            nxt = data.find(LNK_SIGNATURE, at + len(LNK_SIGNATURE))
            try:
                rows.append(parse_lnk(data[at: nxt if nxt != -1 else len(data)], kind="jumplist_custom", app_id=app, **common))
            except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
                problems.append(f"offset {at}: not a shortcut ({type(exc).__name__})")
            at = nxt
    else:
        rows.append(parse_lnk(data, kind="lnk", **common))
    return rows, problems


def _libs() -> bool:
    try:
        import LnkParse3  # noqa: F401
        import olefile  # noqa: F401
    except ImportError:
        return False
    return True


class WindowsLnk(Collector):
    name = "windows_lnk"
    version = "1.0"
    os = ("windows",)

    def check(self, ctx: Context) -> str | None:
        return None if _winfiles.find(ctx, PATTERNS) else "no shortcut or jump list files here"

    def collect(self, ctx: Context):
        files = _winfiles.find(ctx, PATTERNS)
        rows: list[LinkEntry] = []
        libs = _libs()
        for i, p in enumerate(files):
            if ctx.cancelled:
                return
            rec = ctx.put_file(p, limit=64 << 20)
            yield rec
            yield ctx.progress(i + 1, len(files), p.name)
            if isinstance(rec, Incomplete) or not libs:
                continue
            with ctx.case.open_evidence(rec) as fh:
                data = fh.read()
            logical = ctx.logical(p)
            try:
                got, problems = parse_file(p.name, data, file=logical, user=_winfiles.user_of(ctx, p), evidence_id=rec.id)
            except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
                yield ctx.incomplete(f"{logical}: not readable as a shortcut or jump list ({type(exc).__name__}: {exc})")
                continue
            rows += got
            for pr in problems:
                yield ctx.incomplete(f"{logical}: {pr}")
        if not libs:
            yield ctx.incomplete("LnkParse3 or olefile is not installed: shortcuts and jump lists are copied, not parsed")
            return
        yield ctx.put_records("windows_lnk.json", LinkEntry, rows, source=f"{len(files)} shortcut and jump list files")
