"""Berkeley DB hash and btree files read without libdb or the host's rpm: the package header blobs of
rpm's ``/var/lib/rpm/Packages`` (RHEL/CentOS 7 and older, older SUSE), for `parse_rpm_header`.

Page format followed: the Berkeley DB 5.3 source, ``src/dbinc/db_page.h`` (``DBMETA``/``HMETA``/``BTMETA``
metadata page, the 26-byte ``PAGE`` header, the page types, ``HKEYDATA``/``HOFFPAGE`` hash items,
``BKEYDATA``/``BOVERFLOW`` btree items, overflow pages whose ``hf_offset`` holds the length on the page;
with ``DB_CHKSUM`` the index starts after the checksum, at byte 32), with the metadata offsets as tabled
in snyk/rpm-parser's ``lib/berkeleydb/README.md``; every layout detail was checked against files written
by Debian's ``db5.3_load`` (tests/linux/test_package_integrity.py). rpm's own ``lib/backend/bdb_ro.c``
reads the same files without libdb.

- The metadata page (page 0) gives the byte order (the magic ``0x061561`` hash / ``0x053162`` btree read
  little- or big-endian), the page size, the last page and the flags. Encrypted files are refused; with
  page checksums (``metaflags`` bit 0) the page index starts at byte 32 instead of 26.
- Every page is visited in order and the pages holding items are read: hash pages (type 2, unsorted,
  and 13, sorted) and btree leaf pages (type 5); their items come in key/data pairs. An item too large
  for a page is on a chain of overflow pages (type 7) followed from its ``pgno``. Reading pages rather
  than walking the hash buckets or the tree keeps every record a damaged file still holds.
- Damage (a page out of place, an item outside its page, a broken overflow chain, a file shorter than its
  metadata says) is appended to ``problems`` and the rest is read.
"""
from __future__ import annotations

import os
import struct
from typing import Iterator

HASH_MAGIC = 0x061561
BTREE_MAGIC = 0x053162
P_HASH_UNSORTED, P_LBTREE, P_OVERFLOW, P_HASHMETA, P_BTREEMETA, P_HASH = 2, 5, 7, 8, 9, 13
H_KEYDATA, H_DUPLICATE, H_OFFPAGE, H_OFFDUP = 1, 2, 3, 4
B_KEYDATA, B_DUPLICATE, B_OVERFLOW, B_DELETE = 1, 2, 3, 0x80
DBMETA_CHKSUM = 0x01
PAGE_HEADER = 26
MAX_ITEM = 0x0FFFFFFF  # rpm's largest header (HEADER_DATA_MAX): a longer item is damage
KEEP_PROBLEMS = 50  # damage named one by one; beyond, only counted (`BdbFile.damaged`)


class BdbError(ValueError):
    """The file is not a Berkeley DB hash or btree file this reader can open (the reason is the text)."""


class BdbFile:
    """One Berkeley DB file read through a file descriptor (the caller opens it, O_NOATIME, and closes it)."""

    def __init__(self, fd: int, problems: list[str]):
        self.fd = fd
        self.problems = problems
        self.damaged = self.named = 0  # places skipped for damage; those named in `problems`
        meta = os.pread(fd, 512, 0)
        if len(meta) < 72:
            raise BdbError(f"{len(meta)} bytes: too short for a Berkeley DB metadata page")
        for order in ("<", ">"):
            magic = struct.unpack_from(order + "I", meta, 12)[0]
            if magic in (HASH_MAGIC, BTREE_MAGIC):
                break
        else:
            raise BdbError("not a Berkeley DB hash or btree file (no magic number at byte 12)")
        self.order = order
        self.kind = "hash" if magic == HASH_MAGIC else "btree"
        self.version, self.page_size = struct.unpack_from(order + "II", meta, 16)
        encrypt_alg, page_type, metaflags = meta[24], meta[25], meta[26]
        self.last_pgno = struct.unpack_from(order + "I", meta, 32)[0]
        self.record_count = struct.unpack_from(order + "I", meta, 44)[0]
        if self.page_size < 512 or self.page_size > 65536 or self.page_size & (self.page_size - 1):
            raise BdbError(f"implausible page size {self.page_size}")
        if page_type not in (P_HASHMETA, P_BTREEMETA):
            raise BdbError(f"page 0 is of type {page_type}, not a hash or btree metadata page")
        if encrypt_alg:
            raise BdbError("the file is encrypted (Berkeley DB encryption): not read")
        self.overhead = 32 if metaflags & DBMETA_CHKSUM else PAGE_HEADER
        size = os.fstat(fd).st_size
        self.pages_on_disk = size // self.page_size
        if self.pages_on_disk < self.last_pgno + 1:
            problems.append(f"the file holds {self.pages_on_disk} whole pages of the {self.last_pgno + 1} its "
                            f"metadata names ({size} bytes): truncated, the records on the missing pages are lost")
        self.u16 = struct.Struct(order + "H").unpack_from
        self.u32 = struct.Struct(order + "I").unpack_from
        self.header = struct.Struct(order + "8xIIIHHBB").unpack_from

    def _damage(self, text: str) -> None:
        self.damaged += 1
        if self.named < KEEP_PROBLEMS:
            self.named += 1
            self.problems.append(text)

    def page(self, pgno: int) -> bytes | None:
        data = os.pread(self.fd, self.page_size, pgno * self.page_size)
        return data if len(data) == self.page_size else None

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        """(key, data) of every record, page by page."""
        leaf = (P_HASH_UNSORTED, P_HASH) if self.kind == "hash" else (P_LBTREE,)
        for pgno in range(1, min(self.last_pgno, self.pages_on_disk - 1) + 1):
            page = self.page(pgno)
            if page is None:
                break
            own, _prev, _next, entries, _hf, _level, ptype = self.header(page)
            if ptype not in leaf:
                continue
            if own != pgno:
                self._damage(f"page {pgno} says it is page {own}: skipped")
                continue
            if self.overhead + 2 * entries > self.page_size:
                self._damage(f"page {pgno}: {entries} entries cannot fit on a page: skipped")
                continue
            offsets = [self.u16(page, self.overhead + 2 * i)[0] for i in range(entries)]
            items = self._hash_items(pgno, page, offsets) if self.kind == "hash" else \
                self._btree_items(pgno, page, offsets)
            for i in range(0, len(items) - 1, 2):
                key, data = items[i], items[i + 1]
                if key is not None and data is not None:
                    yield key, data

    def _hash_items(self, pgno: int, page: bytes, offsets: list[int]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for i, off in enumerate(offsets):
            end = self.page_size if i == 0 else offsets[i - 1]
            if not self.overhead <= off < end <= self.page_size:
                self._damage(f"page {pgno} item {i}: offset {off} outside the page")
                out.append(None)
                continue
            kind = page[off]
            if kind == H_KEYDATA:
                out.append(page[off + 1:end])
            elif kind == H_OFFPAGE and off + 12 <= end:
                out.append(self._overflow(pgno, i, self.u32(page, off + 4)[0], self.u32(page, off + 8)[0]))
            else:
                what = {H_DUPLICATE: "duplicates", H_OFFDUP: "off-page duplicates"}.get(kind, f"type {kind}")
                self._damage(f"page {pgno} item {i}: {what}, not read")
                out.append(None)
        return out

    def _btree_items(self, pgno: int, page: bytes, offsets: list[int]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for i, off in enumerate(offsets):
            if not self.overhead <= off <= self.page_size - 3:
                self._damage(f"page {pgno} item {i}: offset {off} outside the page")
                out.append(None)
                continue
            length, kind = self.u16(page, off)[0], page[off + 2]
            if kind & B_DELETE:
                out.append(None)  # deleted, waiting for the page to be compacted
            elif kind == B_KEYDATA and off + 3 + length <= self.page_size:
                out.append(page[off + 3:off + 3 + length])
            elif kind == B_OVERFLOW and off + 12 <= self.page_size:
                out.append(self._overflow(pgno, i, self.u32(page, off + 4)[0], self.u32(page, off + 8)[0]))
            else:
                self._damage(f"page {pgno} item {i}: type {kind} of {length} bytes, not read")
                out.append(None)
        return out

    def _overflow(self, pgno: int, item: int, first: int, total: int) -> bytes | None:
        """An item on a chain of overflow pages, or None (the damage is said)."""
        where = f"page {pgno} item {item}"
        if total > MAX_ITEM:
            self._damage(f"{where}: a {total}-byte item is implausible: not read")
            return None
        parts, got, seen, nxt = [], 0, set(), first
        while got < total:
            if nxt == 0 or nxt in seen or nxt > self.last_pgno:
                self._damage(f"{where}: its overflow chain breaks at page {nxt} after {got} of {total} "
                                     "bytes: not read")
                return None
            seen.add(nxt)
            page = self.page(nxt)
            if page is None:
                self._damage(f"{where}: overflow page {nxt} is beyond the end of the file: not read")
                return None
            own, _prev, following, _entries, length, _level, ptype = self.header(page)
            if ptype != P_OVERFLOW or own != nxt or self.overhead + length > self.page_size:
                self._damage(f"{where}: page {nxt} of its overflow chain is not an overflow page: not read")
                return None
            parts.append(page[self.overhead:self.overhead + length])
            got += length
            nxt = following
        return b"".join(parts)[:total]


def rpm_header_blobs(path: str | os.PathLike, problems: list[str]) -> Iterator[bytes]:
    """The header blob of every package in an rpm Berkeley DB ``Packages`` file (key: the 4-byte header
    number; the record numbered 0 keeps rpm's counter, not a package). BdbError when the file cannot be
    opened as Berkeley DB at all; OSError when it cannot be read. The first `KEEP_PROBLEMS` damaged places
    are named in `problems`, then one line counts the rest."""
    from ._common import open_noatime

    fd = open_noatime(path)
    try:
        db = BdbFile(fd, problems)
        for key, data in db.records():
            if len(key) == 4 and db.u32(key, 0)[0] == 0 or len(data) < 8:
                continue
            yield data
        if db.damaged > db.named:
            problems.append(f"{db.damaged - db.named} more damaged places skipped")
    finally:
        os.close(fd)
