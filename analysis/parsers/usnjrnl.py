"""NTFS change journal `$Extend/$UsnJrnl:$J`: USN_RECORD_V2 and V3, one event per record.

The stream is mostly sparse (zeros before the live records, and at the end of each page): runs of
zeros are skipped 8 bytes at a time, as records are 8-byte aligned. A record whose length or name
does not fit is counted as skipped and the scan goes on at the next 8-byte boundary. Hand-written:
the format is eight fixed fields and a UTF-16 name (Microsoft's USN_RECORD_V2/V3), smaller than any
binding of a library for it.
"""
from __future__ import annotations

import struct
from typing import BinaryIO, Iterator

from analysis.events import Event, ParseReport

DESC_USN = "Change Journal Entry Recorded"
FILETIME_EPOCH_US = 11_644_473_600_000_000
CHUNK = 1 << 20

REASONS = [
    (0x00000001, "DATA_OVERWRITE"), (0x00000002, "DATA_EXTEND"), (0x00000004, "DATA_TRUNCATION"),
    (0x00000010, "NAMED_DATA_OVERWRITE"), (0x00000020, "NAMED_DATA_EXTEND"), (0x00000040, "NAMED_DATA_TRUNCATION"),
    (0x00000100, "FILE_CREATE"), (0x00000200, "FILE_DELETE"), (0x00000400, "EA_CHANGE"),
    (0x00000800, "SECURITY_CHANGE"), (0x00001000, "RENAME_OLD_NAME"), (0x00002000, "RENAME_NEW_NAME"),
    (0x00004000, "INDEXABLE_CHANGE"), (0x00008000, "BASIC_INFO_CHANGE"), (0x00010000, "HARD_LINK_CHANGE"),
    (0x00020000, "COMPRESSION_CHANGE"), (0x00040000, "ENCRYPTION_CHANGE"), (0x00080000, "OBJECT_ID_CHANGE"),
    (0x00100000, "REPARSE_POINT_CHANGE"), (0x00200000, "STREAM_CHANGE"), (0x00400000, "TRANSACTED_CHANGE"),
    (0x00800000, "INTEGRITY_CHANGE"), (0x80000000, "CLOSE"),
]
_V2 = struct.Struct("<IHHQQqqIIIIHH")
_V3 = struct.Struct("<IHH16s16sqqIIIIHH")


def reason_names(flags: int) -> list[str]:
    return [name for bit, name in REASONS if flags & bit]


def _ref(value) -> tuple[int, int]:
    """(MFT entry, sequence) of a 64-bit file reference (V3's 128-bit one: the low 64 bits)."""
    if isinstance(value, bytes):
        value = int.from_bytes(value[:8], "little")
    return value & 0xFFFFFFFFFFFF, value >> 48


def records(fh: BinaryIO, report: ParseReport) -> Iterator[tuple[int, dict]]:
    """(stream offset, record fields) for each USN record in the stream."""
    buf = b""
    base = 0  # stream offset of buf[0]
    pos = 0
    eof = False
    while True:
        if len(buf) - pos < 4096 and not eof:
            more = fh.read(CHUNK)
            eof = not more
            buf = buf[pos:] + more
            base += pos
            pos = 0
        if len(buf) - pos < 8:
            return
        length = int.from_bytes(buf[pos:pos + 4], "little")
        if length == 0:
            nz = len(buf[pos:]) - len(buf[pos:].lstrip(b"\0"))
            pos += max(8, nz - nz % 8)
            continue
        if length < 60 or length > 65536 or length % 8:
            report.skip(f"offset {base + pos}", f"no USN record here (length {length})")
            pos += 8
            continue
        if len(buf) - pos < length:
            if eof:
                report.skip(f"offset {base + pos}", "record cut off at the end of the stream")
                return
            more = fh.read(CHUNK)
            eof = not more
            buf += more
            continue
        rec = buf[pos:pos + length]
        major = int.from_bytes(rec[4:6], "little")
        try:
            if major == 2:
                (_, _, minor, fref, pref, usn, ts, reason, source, sec, attrs, nlen, noff) = _V2.unpack_from(rec)
            elif major == 3:
                (_, _, minor, fref, pref, usn, ts, reason, source, sec, attrs, nlen, noff) = _V3.unpack_from(rec)
            else:
                raise ValueError(f"version {major}")
            if noff + nlen > length:
                raise ValueError("name past the record")
            name = rec[noff:noff + nlen].decode("utf-16-le", errors="replace")
        except (ValueError, struct.error) as exc:
            report.skip(f"offset {base + pos}", f"not a readable USN record ({exc})")
            pos += 8
            continue
        entry, seq = _ref(fref)
        pentry, pseq = _ref(pref)
        yield base + pos, {"usn": usn, "timestamp": ts, "name": name, "entry": entry, "sequence": seq,
                           "parent_entry": pentry, "parent_sequence": pseq, "reason": reason,
                           "reasons": reason_names(reason), "source_info": source, "security_id": sec,
                           "file_attributes": attrs, "version": f"{major}.{minor}"}
        pos += length


def parse(fh: BinaryIO, report: ParseReport, *, host: str = "", evidence_id: str = "",
          source: str = "$UsnJrnl:$J", base_offset: int = 0) -> Iterator[Event]:
    """`base_offset`: where in the $J stream the copy starts (its leading sparse run is not copied)."""
    report.parser = report.parser or "usnjrnl"
    for offset, r in records(fh, report):
        offset += base_offset
        us = r.pop("timestamp") // 10 - FILETIME_EPOCH_US
        report.events += 1
        message = f"{r['name']} ({r['entry']}-{r['sequence']}, parent {r['parent_entry']}-{r['parent_sequence']}): " \
                  + " | ".join(r["reasons"])
        yield Event(us, DESC_USN, source, "usnjrnl", message, host, r, 0, evidence_id, f"offset {offset}")
