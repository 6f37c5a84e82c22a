"""Registry hive files of an offline Windows root: copied into the case first (with their transaction
logs), recovered on a working copy, and parsed from the case, never from the source.

`HiveFiles.open(real_path)` stores the hive and its ``.LOG1``/``.LOG2`` (or the older ``.LOG``) through
the collector that asks first, checks whether the hive is dirty (its two sequence numbers differ: the
last writes are only in the logs), applies the logs to a working copy with regipy, stores that copy as
derived evidence and parses it; a clean hive is parsed straight from its hashed copy. What was parsed is
therefore provably what is in the evidence store.

`value_of(v)` turns a regipy value into what a real registry returns (Python's winreg): REG_SZ and
REG_EXPAND_SZ up to the first NUL (unexpanded: ``%SystemRoot%`` and ``@...dll,-N`` resource names stay as
written), REG_MULTI_SZ a list, REG_BINARY/REG_NONE bytes, the DWORD/QWORD types ints.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
import struct
from pathlib import Path
from typing import Any

from .. import sources

logging.getLogger("regipy").setLevel(logging.CRITICAL)  # regipy logs every missing key at ERROR

LOG_SUFFIXES = (".LOG1", ".LOG2", ".LOG")
FILETIME_EPOCH = 116444736000000000  # 100 ns intervals from 1601-01-01 to 1970-01-01


def filetime_iso(ft: int | None) -> str | None:
    """A Windows FILETIME (100 ns since 1601, UTC) as ISO 8601 UTC with microseconds; None for 0/never."""
    if not isinstance(ft, int) or ft <= 0 or ft >= 0x7FFFFFFFFFFFFFFF:
        return None
    try:
        t = _dt.datetime(1970, 1, 1) + _dt.timedelta(microseconds=(ft - FILETIME_EPOCH) // 10)
    except OverflowError:
        return None
    if t.year < 1980 or t.year > 2200:
        return None
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def filetime_at(data: bytes, offset: int) -> str | None:
    if len(data) < offset + 8:
        return None
    return filetime_iso(struct.unpack_from("<Q", data, offset)[0])


def utf16z(data: bytes) -> str:
    """UTF-16LE text up to the first NUL character (what follows it is junk, not part of the value)."""
    if len(data) % 2:
        data = data[:-1]
    text = data.decode("utf-16-le", errors="replace")
    return text.split("\0", 1)[0]


def value_of(v) -> Any:
    """A regipy Value (read with trim_values=False) as a real registry returns it."""
    typ, val = str(v.value_type), v.value
    if typ in ("REG_SZ", "REG_EXPAND_SZ", "REG_EXPAND", "REG_LINK"):
        if isinstance(val, (bytes, bytearray)):
            return utf16z(bytes(val))
        if isinstance(val, str):
            return val.split("\0", 1)[0]
        return val
    if typ == "REG_MULTI_SZ":
        return [str(x) for x in val] if isinstance(val, (list, tuple)) else ([val] if val else [])
    if typ == "REG_DWORD_BIG_ENDIAN":
        raw = val.encode("utf-16-le") if isinstance(val, str) else bytes(val or b"")
        return int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if typ in ("REG_BINARY", "REG_NONE") or isinstance(val, (bytes, bytearray)):
        return bytes(val) if isinstance(val, (bytes, bytearray)) else val
    return val


def sequence_numbers(path: Path) -> tuple[int, int] | None:
    """(primary, secondary) sequence numbers of a hive or log base block; None when not a REGF file."""
    try:
        with sources.open_read(path) as fh:
            head = fh.read(12)
    except OSError:
        return None
    if len(head) < 12 or head[:4] != b"regf":
        return None
    return struct.unpack_from("<II", head, 4)


def sibling(path: sources.AnyPath, suffix: str) -> sources.AnyPath | None:
    """`path` + suffix in the same folder, in any letter case (NTUSER.DAT -> ntuser.dat.LOG1)."""
    want = (path.name + suffix).lower()
    try:
        for e in sources.scandir(path.parent):
            if e.name.lower() == want and e.is_file(follow_symlinks=False):
                return sources.entry_path(e)
    except OSError:
        return None
    return None


class HiveFiles:
    """The hives of one offline root, copied into the case and opened from there (one per root and case).

    `bind(ctx)` names the collector that writes now: a hive is stored under the checklist item of the
    first collector that needs it, and reused (not copied again) by the others.
    """

    def __init__(self):
        self.ctx = None
        self.notes: list[str] = []
        self._said: set[str] = set()
        self._open: dict[str, Any] = {}      # real path -> RegistryHive (None: unreadable)
        self.records: dict[str, Any] = {}    # real path -> EvidenceRecord of the copy
        self.recovered: dict[str, dict] = {}  # real path -> how the logs were applied

    def bind(self, ctx) -> "HiveFiles":
        self.ctx = ctx
        return self

    def note(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self.notes.append(message)

    def copy(self, real: sources.AnyPath):
        """Store one file (hive or log) once per run; the record, or None (the reason is noted)."""
        key = str(real)
        if key in self.records:
            return self.records[key]
        result = self.ctx.put_file(real)
        if not hasattr(result, "sha256"):
            self.ctx.notes.pop()  # put_file noted it on the collector; say it once, here
            self.note(result.reason)
            self.records[key] = None
            return None
        self.records[key] = result
        return result

    def copy_with_logs(self, real: sources.AnyPath) -> tuple[Any, list[tuple[sources.AnyPath, Any]]]:
        rec = self.copy(real)
        logs: list[tuple[sources.AnyPath, Any]] = []
        for suffix in LOG_SUFFIXES:
            p = sibling(real, suffix)
            if p is not None:
                lrec = self.copy(p)
                if lrec is not None:
                    logs.append((p, lrec))
        return rec, logs

    def open(self, real: sources.AnyPath):
        """The parsed hive (regipy RegistryHive) of a hive file of the root, from its copy in the case."""
        key = str(real)
        if key in self._open:
            return self._open[key]
        from regipy.registry import RegistryHive

        ctx = self.ctx
        logical = ctx.logical(real)
        rec, logs = self.copy_with_logs(real)
        if rec is None:
            self._open[key] = None
            return None
        parse_path = ctx.case.evidence_path(rec)
        seq = sequence_numbers(parse_path)
        if seq is None:
            self.note(f"{logical}: not a registry hive (no regf signature)")
            self._open[key] = None
            return None
        if seq[0] != seq[1]:
            parse_path = self._recover(real, logical, rec, logs, seq) or parse_path
        try:
            hive = RegistryHive(str(parse_path))  # reads the base block and the root key: garbage fails here
        except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
            self.note(f"{logical}: not a readable registry hive ({type(exc).__name__}: {exc})")
            hive = None
        self._open[key] = hive
        return hive

    def _recover(self, real: sources.AnyPath, logical: str, rec, logs, seq) -> Path | None:
        """Apply the transaction logs to a working copy; store it as derived evidence; its path."""
        from regipy.recovery import apply_transaction_logs

        ctx = self.ctx
        # Each usable log with its (primary, secondary) sequence numbers; a log that is not REGF is left out.
        numbered = [(p, r, sequence_numbers(ctx.case.evidence_path(r))) for p, r in logs]
        hive_logs = [(p, r, n) for p, r, n in numbered if n is not None]
        if not hive_logs:
            self.note(f"{logical}: dirty hive (sequence numbers {seq[0]} and {seq[1]} differ) without "
                      "transaction logs: parsed as found, its last changes may be missing")
            return None
        # regipy applies the secondary log first, then the primary: the newer log goes last.
        hive_logs.sort(key=lambda prn: prn[2][0])
        primary = ctx.case.evidence_path(hive_logs[-1][1])
        secondary = ctx.case.evidence_path(hive_logs[0][1]) if len(hive_logs) > 1 else None
        work_dir = ctx.case.tmp_dir / f"hive-recovery-{os.getpid()}"
        work_dir.mkdir(parents=True, exist_ok=True)
        work = work_dir / f"{rec.sha256}.recovered"
        names = " and ".join(p.name for p, _r, _n in hive_logs)
        try:
            _path, pages = apply_transaction_logs(str(ctx.case.evidence_path(rec)), str(primary),
                                                  secondary_log_path=str(secondary) if secondary else None,
                                                  restored_hive_path=str(work))
        except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
            self.note(f"{logical}: dirty hive, applying {names} failed ({type(exc).__name__}: {exc}): "
                      "parsed as found, its last changes may be missing")
            return None
        try:
            derived = ctx.case.add_file(work, **ctx._common({
                "source": f"{logical} with {names} applied (regipy apply_transaction_logs, {pages} pages)",
                "name": f"{real.name}.recovered", "kind": "derived"}))
            ctx.stored.append(derived)
        except OSError as exc:
            self.note(f"{logical}: the recovered working copy could not be stored ({exc})")
            return None
        finally:
            try:
                work.unlink()
                work_dir.rmdir()
            except OSError:
                pass
        self.recovered[str(real)] = {"logs": [p.name for p, _r, _n in hive_logs], "pages": pages,
                                     "evidence_id": derived.id}
        return ctx.case.evidence_path(derived)
