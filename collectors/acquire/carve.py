"""Carving by signature (checklist H4): JPEG, PNG, PDF, ZIP / Office (docx, xlsx, pptx, odt), e-mail
(.eml, mbox) in unallocated space or in any raw stream.

The space to carve is a list of byte ranges of the source (the unallocated clusters of a file system,
or the whole source); the ranges are seen as one virtual stream, so a file split over two free runs
that happen to be adjacent in the list is found too. Each signature hit is validated by walking the
format's structure (JPEG segments, PNG chunks, ZIP end of central directory, PDF %%EOF, mail headers)
to find where the file ends; hits that do not parse are dropped, so noise does not become evidence.
"""
from __future__ import annotations

import bisect
import re
import struct
import zlib
from dataclasses import asdict, dataclass
from typing import Callable, Iterable

from collectors.acquire.common import CancelFlag, ProgressFn, cancel_requested, report

WINDOW = 4 << 20
MAX_SIZE = {"jpg": 64 << 20, "png": 64 << 20, "pdf": 256 << 20, "zip": 512 << 20, "eml": 16 << 20,
            "mbox": 256 << 20}
MEDIA_TYPES = {
    "jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf", "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "eml": "message/rfc822", "mbox": "application/mbox",
}

# One pattern per binary format: each starts with a literal, which the regex engine scans for at
# memory speed (one alternation over all formats would try every branch at every byte: 100x slower).
_BINARY = (
    ("jpg", re.compile(rb"\xff\xd8\xff[\xc0-\xfe]")),
    ("png", re.compile(rb"\x89PNG\r\n\x1a\n")),
    ("pdf", re.compile(rb"%PDF-\d\.\d")),
    ("zip", re.compile(rb"PK\x03\x04")),
)
# Mail is looked for only where a sector starts (a carved message begins a cluster).
_MBOX = re.compile(rb"From [^\r\n]{1,200}\d\d:\d\d:\d\d [^\r\n]{0,40}\r?\n[A-Za-z-]{2,40}: ")
_EML = re.compile(rb"(?:Return-Path|Received|Delivered-To|Message-I[Dd]|From|Date|MIME-Version|X-[A-Za-z-]{1,40}): ")
_MAIL_FIRST = frozenset(b"RDMFX")
_MAX_SIG = 300


class RangeReader:
    """Several (offset, length) ranges of a source seen as one stream."""

    def __init__(self, pread: Callable[[int, int], bytes], ranges: Iterable[tuple[int, int]]):
        self.pread = pread
        self.ranges = [(int(o), int(n)) for o, n in ranges if n > 0]
        self.vstarts = []
        pos = 0
        for _, n in self.ranges:
            self.vstarts.append(pos)
            pos += n
        self.size = pos

    def read(self, vpos: int, n: int) -> bytes:
        out = bytearray()
        while n > 0 and vpos < self.size:
            i = bisect.bisect_right(self.vstarts, vpos) - 1
            off, length = self.ranges[i]
            within = vpos - self.vstarts[i]
            take = min(n, length - within)
            piece = self.pread(off + within, take)
            if not piece:
                break
            out += piece
            vpos += len(piece)
            n -= len(piece)
        return bytes(out)

    def source_offset(self, vpos: int) -> int:
        i = bisect.bisect_right(self.vstarts, vpos) - 1
        return self.ranges[i][0] + (vpos - self.vstarts[i])


@dataclass
class Carved:
    kind: str  # jpg png pdf zip docx xlsx pptx odt eml mbox
    offset: int  # byte offset in the source
    size: int
    vpos: int  # position in the carved stream
    media_type: str
    note: str = ""

    @property
    def name(self) -> str:
        return f"carved_{self.offset:012x}.{self.kind}"

    def to_json(self) -> dict:
        d = asdict(self)
        d["name"] = self.name
        return d


class _Buf:
    """Random access over the virtual stream with a small cache (format walkers read a lot of small bits)."""

    def __init__(self, reader: RangeReader):
        self.r = reader
        self.base = -1
        self.data = b""

    def get(self, pos: int, n: int) -> bytes:
        if self.base <= pos and pos + n <= self.base + len(self.data):
            return self.data[pos - self.base: pos - self.base + n]
        self.base = pos
        self.data = self.r.read(pos, max(n, 1 << 20))
        return self.data[:n]


def _end_jpeg(b: _Buf, start: int, limit: int) -> int | None:
    pos = start + 2
    end_lim = min(limit, start + MAX_SIZE["jpg"])
    seen_sos = False
    while pos < end_lim:
        hdr = b.get(pos, 4)
        if len(hdr) < 2 or hdr[0] != 0xFF:
            return None
        marker = hdr[1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2 if seen_sos else None
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if len(hdr) < 4:
            return None
        length = struct.unpack(">H", hdr[2:4])[0]
        if length < 2:
            return None
        pos += 2 + length
        if marker == 0xDA:
            seen_sos = True
            # entropy-coded data: the next marker is FF followed by neither 00 nor a restart marker
            while pos < end_lim:
                chunk = b.get(pos, 1 << 16)
                if not chunk:
                    return None
                i = chunk.find(b"\xff")
                while i != -1:
                    if i + 1 >= len(chunk):
                        break
                    nxt = chunk[i + 1]
                    if nxt != 0x00 and not (0xD0 <= nxt <= 0xD7) and nxt != 0xFF:
                        break
                    i = chunk.find(b"\xff", i + 1)
                if i == -1 or i + 1 >= len(chunk):
                    pos += max(len(chunk) - 1, 1)
                    continue
                pos += i
                break
    return None


def _end_png(b: _Buf, start: int, limit: int) -> int | None:
    pos = start + 8
    end_lim = min(limit, start + MAX_SIZE["png"])
    first = True
    while pos + 12 <= end_lim:
        hdr = b.get(pos, 8)
        if len(hdr) < 8:
            return None
        length = struct.unpack(">I", hdr[:4])[0]
        ctype = hdr[4:8]
        if not ctype.isalpha() or length > MAX_SIZE["png"]:
            return None
        if first:
            if ctype != b"IHDR":
                return None
            body = b.get(pos + 4, 4 + length + 4)
            if zlib.crc32(body[:-4]) != struct.unpack(">I", body[-4:])[0]:
                return None
            first = False
        pos += 12 + length
        if ctype == b"IEND":
            return pos
    return None


def _end_pdf(b: _Buf, start: int, limit: int) -> int | None:
    end_lim = min(limit, start + MAX_SIZE["pdf"])
    pos = start + 5
    last_eof = None
    while pos < end_lim:
        chunk = b.get(pos, min(1 << 20, end_lim - pos))
        if not chunk:
            break
        i = 0
        stop = False
        while True:
            j = chunk.find(b"%%EOF", i)
            k = chunk.find(b"%PDF-", i)
            if k != -1 and (j == -1 or k < j):
                stop = True  # the next document begins
                break
            if j == -1:
                break
            e = pos + j + 5
            tail = b.get(e, 2)
            if tail.startswith(b"\r\n"):
                e += 2
            elif tail[:1] in (b"\n", b"\r"):
                e += 1
            last_eof = e
            i = j + 5
        if stop:
            break
        if last_eof is not None and b"\x00" * 4096 in chunk[max(0, last_eof - pos):]:
            break  # zeros after the last %%EOF: the document ended
        pos += max(len(chunk) - 5, 1)
    return last_eof


def _end_zip(b: _Buf, start: int, limit: int) -> tuple[int, str] | None:
    end_lim = min(limit, start + MAX_SIZE["zip"])
    pos = start
    while pos < end_lim:
        chunk = b.get(pos, min(1 << 20, end_lim - pos))
        if len(chunk) < 22:
            return None
        i = chunk.find(b"PK\x05\x06")
        while i != -1:
            rec = b.get(pos + i, 22)
            if len(rec) == 22:
                _, _, _, _, entries, cd_size, cd_off, clen = struct.unpack("<4sHHHHIIH", rec)
                rel = pos + i - start
                if cd_off + cd_size == rel:
                    end = pos + i + 22 + clen
                    return end, _zip_kind(b, start + cd_off, cd_size)
            i = chunk.find(b"PK\x05\x06", i + 1)
        pos += max(len(chunk) - 21, 1)
    return None


def _zip_kind(b: _Buf, cd_start: int, cd_size: int) -> str:
    cd = b.get(cd_start, min(cd_size, 1 << 20))
    names = re.findall(rb"PK\x01\x02.{42}", cd, re.S)
    listing = []
    pos = 0
    while True:
        pos = cd.find(b"PK\x01\x02", pos)
        if pos == -1 or pos + 46 > len(cd):
            break
        nlen = struct.unpack_from("<H", cd, pos + 28)[0]
        listing.append(cd[pos + 46: pos + 46 + nlen])
        pos += 46
    del names
    if b"[Content_Types].xml" in listing:
        if any(n.startswith(b"word/") for n in listing):
            return "docx"
        if any(n.startswith(b"xl/") for n in listing):
            return "xlsx"
        if any(n.startswith(b"ppt/") for n in listing):
            return "pptx"
    if b"mimetype" in listing and b"content.xml" in listing:
        return "odt"
    return "zip"


def _end_text(b: _Buf, start: int, limit: int, kind: str) -> int | None:
    end_lim = min(limit, start + MAX_SIZE[kind])
    head = b.get(start, 8192)
    header_end = re.search(rb"\r?\n\r?\n", head)
    if header_end is None:
        return None
    headers = head[: header_end.start()]
    names = {m.lower() for m in re.findall(rb"(?m)^([A-Za-z-]{2,40}):", headers)}
    if kind == "eml" and not ({b"from", b"date"} <= names or {b"from", b"subject"} <= names):
        return None
    if any(c < 9 or 13 < c < 32 for c in headers if c not in (27,)):
        return None
    pos = start
    while pos < end_lim:
        chunk = b.get(pos, min(1 << 20, end_lim - pos))
        if not chunk:
            return pos
        z = chunk.find(b"\x00")
        if z != -1:
            return pos + z
        pos += len(chunk)
    return end_lim


def _hits(window: bytes, scan_len: int, pos: int, block: int, wanted: set[str]) -> list[tuple[int, str]]:
    """(offset in window, kind) of every signature starting before scan_len, in order."""
    hits: list[tuple[int, str]] = []
    office = bool(wanted & {"docx", "xlsx", "pptx", "odt"})
    end = min(len(window), scan_len + _MAX_SIG)
    for kind, pattern in _BINARY:
        if kind not in wanted and not (kind == "zip" and office):
            continue
        for m in pattern.finditer(window, 0, end):
            if m.start() >= scan_len:
                break
            hits.append((m.start(), kind))
    if wanted & {"eml", "mbox"}:
        first = (-pos) % block
        for k in range(first, scan_len, block):
            if window[k] not in _MAIL_FIRST:
                continue
            if "mbox" in wanted and _MBOX.match(window, k):
                hits.append((k, "mbox"))
            elif "eml" in wanted and _EML.match(window, k):
                hits.append((k, "eml"))
    hits.sort()
    return hits


def carve(reader: RangeReader, *, kinds: Iterable[str] | None = None, block: int = 512,
          cancel: CancelFlag = None, progress: ProgressFn | None = None) -> list[Carved]:
    """Find files in the stream; returns what was found, in stream order (up to where the flag stopped it:
    the caller, who raised it, knows the list is partial)."""
    wanted = set(kinds) if kinds else {"jpg", "png", "pdf", "zip", "eml", "mbox"}
    b = _Buf(reader)
    found: list[Carved] = []
    skip_until = 0
    pos = 0
    size = reader.size
    while pos < size:
        if cancel_requested(cancel):
            break
        window = reader.read(pos, min(WINDOW + _MAX_SIG, size - pos))
        if not window:
            break
        scan_len = min(WINDOW, len(window))
        for rel, kind in _hits(window, scan_len, pos, block, wanted):
            hit = pos + rel
            if hit < skip_until:
                continue
            end = None
            sub = kind
            if kind == "jpg":
                end = _end_jpeg(b, hit, size)
            elif kind == "png":
                end = _end_png(b, hit, size)
            elif kind == "pdf":
                end = _end_pdf(b, hit, size)
            elif kind == "zip":
                z = _end_zip(b, hit, size)
                if z:
                    end, sub = z
            else:
                end = _end_text(b, hit, size, kind)
            if end is None or end <= hit:
                continue
            c = Carved(sub, reader.source_offset(hit), end - hit, hit, MEDIA_TYPES.get(sub, "application/octet-stream"))
            found.append(c)
            skip_until = end
        pos += scan_len
        report(progress, min(pos, size), size, f"{len(found)} files found so far", stage="carve")
    return found


def read_carved(reader: RangeReader, c: Carved, sink: Callable[[bytes], object], chunk: int = 1 << 20) -> int:
    done = 0
    while done < c.size:
        data = reader.read(c.vpos + done, min(chunk, c.size - done))
        if not data:
            break
        sink(data)
        done += len(data)
    return done
