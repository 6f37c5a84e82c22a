"""systemd journal files read offline (``/var/log/journal/MACHINE/*.journal``, ``*.journal~``), in pure
Python after systemd's "Journal File Format" (systemd.io/JOURNAL_FILE_FORMAT): the regular and the compact
layout (systemd 252+), DATA objects compressed with XZ (lzma), LZ4 (``lz4``) or ZSTD (``zstandard``).

The file is read object by object from the header to the tail object, so an archived, dirty
(``.journal~``) or half-written file keeps every complete entry: an ENTRY object's items point at DATA
objects (``FIELD=value``); a damaged object ends the read and is reported, never raised. Events are the
same as the export-format parser makes of ``journalctl -o export`` (analysis/parsers/journal.py), so a
live export and a copied file give one timeline.
"""
from __future__ import annotations

import lzma
import mmap
import struct
from typing import Iterator

from analysis.events import ParseReport

SIGNATURE = b"LPKSHHRH"
OBJ_DATA, OBJ_ENTRY = 1, 3
INCOMPAT_XZ, INCOMPAT_LZ4, INCOMPAT_KEYED_HASH, INCOMPAT_ZSTD, INCOMPAT_COMPACT = 1, 2, 4, 8, 16
OBJ_COMPRESSED_XZ, OBJ_COMPRESSED_LZ4, OBJ_COMPRESSED_ZSTD = 1, 2, 4
MAX_FIELD = 64 << 20
_OBJ_HEAD = struct.Struct("<BB6xQ")
_ENTRY_HEAD = struct.Struct("<QQQ16sQ")  # seqnum, realtime, monotonic, boot_id, xor_hash


class JournalError(ValueError):
    """Not a journal file, or one whose header cannot be read."""


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_FIELD)


def _lz4(data: bytes) -> bytes:
    import lz4.block

    (size,) = struct.unpack_from("<Q", data)
    return lz4.block.decompress(data[8:], uncompressed_size=size)


class JournalFile:
    """Entries of one journal file: ``for seqnum, realtime_us, monotonic_us, boot_id, fields in jf``."""

    def __init__(self, path: str, report: ParseReport | None = None):
        self.report = report or ParseReport()
        self._fh = open(path, "rb")
        try:
            self.map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            self._fh.close()
            raise JournalError("empty file") from exc
        m = self.map
        if len(m) < 208 or m[:8] != SIGNATURE:
            self.close()
            raise JournalError("not a systemd journal file (no LPKSHHRH signature)")
        self.compat, self.incompat = struct.unpack_from("<II", m, 8)
        self.state = m[16]
        (self.header_size, self.arena_size) = struct.unpack_from("<QQ", m, 88)
        (self.tail_object_offset, self.n_objects, self.n_entries) = struct.unpack_from("<QQQ", m, 136)
        self.compact = bool(self.incompat & INCOMPAT_COMPACT)
        self.data_payload = 72 if self.compact else 64
        self._cache: dict[int, tuple[bytes, bytes] | None] = {}
        self.missing_codec: set[str] = set()

    def close(self) -> None:
        try:
            self.map.close()
        except (AttributeError, ValueError):
            pass
        self._fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ objects
    def _objects(self) -> Iterator[tuple[int, int, int, int]]:
        """(offset, type, flags, size) of every object from the header to the tail object."""
        m = self.map
        end = min(len(m), self.header_size + self.arena_size) if self.arena_size else len(m)
        off = self.header_size
        last = self.tail_object_offset or end
        while off + 16 <= end and off <= last:
            typ, flags, size = _OBJ_HEAD.unpack_from(m, off)
            if typ == 0 or size < 16 or off + size > end:
                self.report.skip(f"offset {off}", "damaged or unfinished object: the rest of the file not read")
                return
            yield off, typ, flags, size
            off += (size + 7) & ~7

    def _data(self, off: int) -> tuple[bytes, bytes] | None:
        """(field name, value) of the DATA object at `off` (decompressed), cached."""
        if off in self._cache:
            return self._cache[off]
        m = self.map
        out: tuple[bytes, bytes] | None = None
        try:
            typ, flags, size = _OBJ_HEAD.unpack_from(m, off)
            if typ == OBJ_DATA and size >= self.data_payload and off + size <= len(m):
                raw = bytes(m[off + self.data_payload: off + size])
                payload: bytes | None = raw
                if flags & OBJ_COMPRESSED_XZ:
                    payload = lzma.decompress(raw)
                elif flags & OBJ_COMPRESSED_ZSTD:
                    payload = self._decompress(_zstd, "zstandard", raw)
                elif flags & OBJ_COMPRESSED_LZ4:
                    payload = self._decompress(_lz4, "lz4", raw)
                if payload is not None:
                    name, eq, value = payload.partition(b"=")
                    if eq:
                        out = (name, value)
        except (struct.error, lzma.LZMAError, ValueError, RuntimeError):
            self.report.skip(f"offset {off}", "damaged DATA object (field left out of its entry)")
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[off] = out
        return out

    def _decompress(self, fn, module: str, payload: bytes) -> bytes | None:
        try:
            return fn(payload)
        except ImportError:
            if module not in self.missing_codec:
                self.missing_codec.add(module)
                self.report.skip("file", f"fields compressed with {module.upper()} left out: the Python "
                                 f"package {module} is not installed")
            return None
        except Exception as exc:  # noqa: BLE001 - each codec raises its own error type
            self.report.skip("data", f"{module} data could not be decompressed: {exc}")
            return None

    def __iter__(self):
        m = self.map
        item = 4 if self.compact else 16
        for off, typ, _flags, size in self._objects():
            if typ != OBJ_ENTRY or size < 64:
                continue
            seqnum, realtime, monotonic, boot_id, _xor = _ENTRY_HEAD.unpack_from(m, off + 16)
            fields: dict[bytes, bytes] = {}
            n_items = (size - 64) // item
            fmt = f"<{n_items}I" if self.compact else f"<{n_items * 2}Q"
            raw = struct.unpack_from(fmt, m, off + 64)
            offsets = raw if self.compact else raw[0::2]
            for d in offsets:
                kv = self._data(d)
                if kv is not None and kv[0] not in fields:
                    fields[kv[0]] = kv[1]
            yield seqnum, realtime, monotonic, boot_id.hex(), fields


def parse(path: str, report: ParseReport, *, host: str = "", evidence_id: str = ""):
    """Events of a journal file, as analysis.parsers.journal makes them of an export."""
    from analysis.parsers import journal

    report.parser = report.parser or "journal_file"
    try:
        jf = JournalFile(path, report)
    except (JournalError, OSError) as exc:
        report.fatal = f"not read as a journal file: {exc}"
        return
    with jf:
        if jf.state == 1:  # ONLINE: the writer did not close it (crash, or copied from a live system)
            report.skip("header", "file was still open for writing (state online): the last entries may be missing", 0)

        def entries():
            for n, (seqnum, realtime, monotonic, boot_id, fields) in enumerate(jf, 1):
                fields.setdefault(b"__REALTIME_TIMESTAMP", str(realtime).encode())
                fields.setdefault(b"__MONOTONIC_TIMESTAMP", str(monotonic).encode())
                fields.setdefault(b"_BOOT_ID", boot_id.encode())
                yield n, seqnum, fields

        yield from journal.events_from_entries(entries(), report, host=host, evidence_id=evidence_id,
                                               locator="seqnum {}")
