"""Deleted files in a disk image or device (checklist H4), with The Sleuth Kit (pytsk3).

For every file system found (a partition table is read when there is one, else the whole source is
tried as one file system: FAT, NTFS, ext2/3/4, exFAT...):

* every allocated file's data runs are gathered into an interval set (the clusters in use now);
* every deleted entry (a directory entry or metadata record marked unallocated, plus TSK's
  $OrphanFiles) is listed with name, path, size, MACB times and, where the file system keeps it, the
  deletion time (ext2/3/4 inode `i_dtime`, read from the inode table because pytsk3 does not expose it);
* each deleted file gets a verdict: `recoverable`, `partial` (some clusters reused), or
  `unrecoverable` with the reason (clusters reused by another file, metadata record reused, block
  pointers cleared, content zeroed, no metadata left). The procedure asks for these by name
  ("tìm kiếm các tệp tin không thể khôi phục").

Recovery reads the content through TSK (FAT: TSK assumes the clusters after the first one are
contiguous, as the FAT chain is cleared on delete) and streams it to a sink that hashes as it writes.
"""
from __future__ import annotations

import bisect
import hashlib
import os
import stat
import struct
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import pytsk3

from collectors.acquire.common import CancelFlag, ProgressFn, cancel_requested, cancelled_note, report, utc_iso
from collectors.errors import SourceError, UnreadableInput

READ_CHUNK = 1 << 20

FS_NAMES = {
    pytsk3.TSK_FS_TYPE_NTFS: "NTFS",
    pytsk3.TSK_FS_TYPE_FAT12: "FAT12",
    pytsk3.TSK_FS_TYPE_FAT16: "FAT16",
    pytsk3.TSK_FS_TYPE_FAT32: "FAT32",
    pytsk3.TSK_FS_TYPE_EXFAT: "exFAT",
    pytsk3.TSK_FS_TYPE_EXT2: "ext2",
    pytsk3.TSK_FS_TYPE_EXT3: "ext3",
    pytsk3.TSK_FS_TYPE_EXT4: "ext4",
}
_EXT_TYPES = {pytsk3.TSK_FS_TYPE_EXT2, pytsk3.TSK_FS_TYPE_EXT3, pytsk3.TSK_FS_TYPE_EXT4}
_SKIP_RUN_FLAGS = int(pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE) | int(pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER)
_NAME_UNALLOC = int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
_META_UNALLOC = int(pytsk3.TSK_FS_META_FLAG_UNALLOC)
_META_ALLOC = int(pytsk3.TSK_FS_META_FLAG_ALLOC)
_META_USED = int(pytsk3.TSK_FS_META_FLAG_USED)
_DIR = int(pytsk3.TSK_FS_META_TYPE_DIR)
_REG = int(pytsk3.TSK_FS_META_TYPE_REG)
_VIRT_DIR = int(pytsk3.TSK_FS_META_TYPE_VIRT_DIR)
_NONRES = int(pytsk3.TSK_FS_ATTR_NONRES)

RECOVERABLE = "recoverable"
PARTIAL = "partial"
UNRECOVERABLE = "unrecoverable"


# ---------------------------------------------------------------------------------------------
# images


class SplitImage(pytsk3.Img_Info):
    """A raw image split into parts (name.001, name.002, ...) seen as one image by TSK."""

    def __init__(self, parts: list[str]):
        self._parts = [str(p) for p in parts]
        self._fhs = [open(p, "rb") for p in self._parts]
        self._starts = []
        pos = 0
        for p in self._parts:
            self._starts.append(pos)
            pos += os.path.getsize(p)
        self._size = pos
        super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

    def close(self):
        for fh in self._fhs:
            fh.close()

    def read(self, offset, size):
        out = bytearray()
        while size > 0 and offset < self._size:
            i = bisect.bisect_right(self._starts, offset) - 1
            fh = self._fhs[i]
            end = self._starts[i + 1] if i + 1 < len(self._starts) else self._size
            n = min(size, end - offset)
            fh.seek(offset - self._starts[i])
            piece = fh.read(n)
            if not piece:
                break
            out += piece
            offset += len(piece)
            size -= len(piece)
        return bytes(out)

    def get_size(self):
        return self._size


def open_image(source: str | os.PathLike | list) -> pytsk3.Img_Info:
    """A TSK image from a path (file or device) or a list of split parts (in order)."""
    if isinstance(source, (list, tuple)):
        if len(source) == 1:
            source = source[0]
        else:
            return SplitImage(list(source))
    path = os.fspath(source)  # type: ignore[arg-type]  # a list was handled above
    if not os.path.exists(path):
        raise SourceError(f"image or device not found: {path}", path=path)
    if not os.access(path, os.R_OK):
        raise SourceError(f"no permission to read {path} (needs root/Administrator)", path=path)
    try:
        return pytsk3.Img_Info(path)
    except (IOError, OSError) as exc:
        raise UnreadableInput(f"cannot open the image {path}: {exc}", path=path) from exc


@dataclass
class FileSystemInfo:
    offset: int
    fs_type: str
    block_size: int
    block_count: int
    partition: str = ""


def find_filesystems(img: pytsk3.Img_Info) -> list[tuple[FileSystemInfo, pytsk3.FS_Info]]:
    """File systems in the image: one per allocated partition, or the whole image as one."""
    found: list[tuple[FileSystemInfo, pytsk3.FS_Info]] = []
    try:
        vs = pytsk3.Volume_Info(img)
    except (IOError, OSError):
        vs = None
    if vs is not None:
        block = vs.info.block_size
        for part in vs:
            if not int(part.flags) & int(pytsk3.TSK_VS_PART_FLAG_ALLOC):
                continue
            off = part.start * block
            try:
                fs = pytsk3.FS_Info(img, offset=off)
            except (IOError, OSError):
                continue
            desc = part.desc.decode("utf-8", "replace") if isinstance(part.desc, bytes) else str(part.desc)
            found.append((_fs_info(fs, off, f"{part.addr}: {desc}"), fs))
    if not found:
        try:
            fs = pytsk3.FS_Info(img, offset=0)
            found.append((_fs_info(fs, 0, ""), fs))
        except (IOError, OSError):
            pass
    return found


def _fs_info(fs: pytsk3.FS_Info, offset: int, partition: str) -> FileSystemInfo:
    ftype = int(fs.info.ftype)
    return FileSystemInfo(offset, FS_NAMES.get(ftype, f"type {ftype}"), int(fs.info.block_size),
                          int(fs.info.block_count), partition)


# ---------------------------------------------------------------------------------------------
# intervals of clusters in use


class IntervalSet:
    """Sorted, merged half-open intervals [start, end) of block numbers."""

    def __init__(self):
        self._raw: list[tuple[int, int]] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, length: int) -> None:
        if length > 0:
            self._raw.append((start, start + length))
            if len(self._raw) >= 200_000:
                self.freeze()  # merge as we go: memory follows the fragmentation, not the file count

    def freeze(self) -> "IntervalSet":
        merged: list[list[int]] = []
        for s, e in sorted(self._raw + list(zip(self.starts, self.ends))):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]
        self._raw = []
        return self

    def overlap(self, start: int, length: int) -> int:
        """How many blocks of [start, start+length) are in the set."""
        end = start + length
        i = bisect.bisect_right(self.starts, start) - 1
        if i < 0:
            i = 0
        total = 0
        while i < len(self.starts) and self.starts[i] < end:
            s = max(self.starts[i], start)
            e = min(self.ends[i], end)
            if e > s:
                total += e - s
            i += 1
        return total

    def gaps(self, first: int, last_excl: int) -> list[tuple[int, int]]:
        """The complement within [first, last_excl): (start, length) pairs."""
        out = []
        pos = first
        for s, e in zip(self.starts, self.ends):
            if e <= pos:
                continue
            if s >= last_excl:
                break
            if s > pos:
                out.append((pos, s - pos))
            pos = max(pos, e)
        if pos < last_excl:
            out.append((pos, last_excl - pos))
        return out


# ---------------------------------------------------------------------------------------------
# deleted files


@dataclass
class DeletedFile:
    fs_offset: int
    fs_type: str
    path: str
    name: str
    inode: int
    size: int
    is_dir: bool
    mtime: str | None = None
    atime: str | None = None
    ctime: str | None = None
    btime: str | None = None
    dtime: str | None = None
    status: str = UNRECOVERABLE
    reason: str = ""
    blocks: int = 0
    blocks_reused: int = 0
    runs: list = field(default_factory=list)
    resident: bool = False
    mode: str = ""
    uid: int | None = None
    gid: int | None = None
    raw: bool = False  # content read straight from the clusters in `runs` (FAT: assumed contiguous)
    block_size: int = 0
    note: str = ""

    def orig_meta(self) -> dict:
        """The metadata an evidence record carries (keys the timeline reads)."""
        meta = {k: getattr(self, k) for k in ("mtime", "atime", "ctime", "btime", "dtime") if getattr(self, k)}
        meta.update({"size": self.size, "path": self.path, "inode": self.inode, "fs_type": self.fs_type,
                     "fs_offset": self.fs_offset, "deleted": True, "status": self.status})
        if self.mode:
            meta.update(mode=self.mode, uid=self.uid, gid=self.gid)
        if self.reason:
            meta["reason"] = self.reason
        return meta

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class ScanResult:
    source: str
    filesystems: list[FileSystemInfo]
    deleted: list[DeletedFile]
    allocated: dict[int, IntervalSet] = field(default_factory=dict, repr=False)
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False  # stopped by the flag: `deleted` holds what was assessed before
    note: str = ""

    def unrecoverable(self) -> list[DeletedFile]:
        return [d for d in self.deleted if d.status == UNRECOVERABLE]


def _decode(name: bytes | str | None) -> str:
    if name is None:
        return ""
    if isinstance(name, bytes):
        return name.decode("utf-8", "replace")
    return name


def _file_runs(f) -> tuple[list[tuple[int, int]], bool, int]:
    """(runs [(addr, len)], has resident data, data attribute size) of the default data attribute."""
    runs: list[tuple[int, int]] = []
    resident = False
    size = 0
    try:
        for attr in f:
            atype = int(attr.info.type)
            # NTFS: the unnamed $DATA (128); other file systems: the one default attribute.
            if atype not in (int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA), int(pytsk3.TSK_FS_ATTR_TYPE_DEFAULT)):
                continue
            if attr.info.name not in (None, b""):
                continue
            if not int(attr.info.flags) & _NONRES:
                resident = True
                size = max(size, int(attr.info.size))
                continue
            size = max(size, int(attr.info.size))
            for run in attr:
                if int(run.flags) & _SKIP_RUN_FLAGS:
                    continue
                runs.append((int(run.addr), int(run.len)))
    except (IOError, OSError):
        pass
    return runs, resident, size


def _all_runs(f) -> list[tuple[int, int]]:
    runs = []
    try:
        for attr in f:
            if not int(attr.info.flags) & _NONRES:
                continue
            for run in attr:
                if int(run.flags) & _SKIP_RUN_FLAGS:
                    continue
                runs.append((int(run.addr), int(run.len)))
    except (IOError, OSError):
        pass
    return runs


def scan_deleted(
    source: str | os.PathLike | list,
    *,
    cancel: CancelFlag = None,
    img: pytsk3.Img_Info | None = None,
    progress: ProgressFn | None = None,
) -> ScanResult:
    """List deleted files of every file system in `source` with a recoverability verdict; when the flag
    stops it, the result says `cancelled` and holds what was assessed before."""
    img = img or open_image(source)
    label = ", ".join(map(str, source)) if isinstance(source, (list, tuple)) else os.fspath(source)
    systems = find_filesystems(img)
    result = ScanResult(label, [s for s, _ in systems], [])
    if not systems:
        result.errors.append("no file system recognised (FAT, NTFS, ext2/3/4, exFAT) in the source")
        return result
    for info, fs in systems:
        report(progress, 0, None, f"scanning {info.fs_type} at offset {info.offset}", unit="entries", stage="scan")
        allocated = IntervalSet()
        deleted_entries: list[tuple[str, int, Any]] = []  # (path, metadata address, file)
        seen_dirs: set[int] = set()
        # Live folders first: the clusters in use are known only once they are all walked. Deleted folders
        # wait in `pending`, and are opened afterwards unless their own clusters were reused (a reused
        # folder would list whatever now fills its clusters as files).
        stack: list[tuple[str, Any, int, bool]] = [("", fs.open_dir(inode=fs.info.root_inum), 0, False)]
        pending: list[tuple[str, Any, int, int]] = []
        orphans_listed = False
        frozen = False
        count = 0
        while stack or pending:
            if cancel_requested(cancel):
                return _stopped(result, "scanning for deleted files")
            if not stack:
                if not frozen:  # the live tree is walked: the clusters in use are all known now
                    allocated.freeze()
                    frozen = True
                path, f, depth, addr = pending.pop()
                if addr in seen_dirs:
                    continue
                seen_dirs.add(addr)
                runs = _all_runs(f)
                if runs and sum(allocated.overlap(a, n) for a, n in runs) >= sum(n for _, n in runs):
                    continue  # the folder's clusters now belong to something else
                try:
                    stack.append((path, f.as_directory(), depth, True))
                except (IOError, OSError, RuntimeError):
                    pass  # nothing left to list (ext: blocks freed); its files may still be orphans
                continue
            parent, directory, depth, in_deleted = stack.pop()
            for f in _entries(directory, parent or "/", result.errors):
                name_info = f.info.name
                name = _decode(name_info.name)
                if name in (".", ".."):
                    continue
                count += 1
                if count % 2000 == 0:
                    report(progress, count, None, f"{info.fs_type}: {count} entries walked", unit="entries",
                           stage="scan")
                path = f"{parent}/{name}"
                meta = f.info.meta
                name_deleted = bool(int(name_info.flags) & _NAME_UNALLOC)
                meta_deleted = meta is not None and bool(int(meta.flags) & _META_UNALLOC)
                deleted = name_deleted or meta_deleted
                if deleted:
                    deleted_entries.append((path, int(name_info.meta_addr), f))
                elif meta is not None and not in_deleted:
                    # (a live-looking entry inside a deleted folder proves nothing about the clusters in use)
                    for start, length in _all_runs(f):
                        allocated.add(start, length)
                if meta is None and deleted and int(name_info.meta_addr) and depth < 64:
                    # NTFS: a deleted folder's index entry comes without its MFT record; if the record is still
                    # unallocated (not reused), the folder's own index still names the files it held.
                    try:
                        g = fs.open_meta(inode=int(name_info.meta_addr))
                        gm = g.info.meta
                        if gm is not None and int(gm.type) == _DIR and int(gm.flags) & _META_UNALLOC:
                            pending.append((path, g, depth + 1, int(gm.addr)))
                    except (IOError, OSError):
                        pass
                if meta is None or depth >= 64:
                    continue
                mtype = int(meta.type)
                if mtype == _DIR:
                    addr = int(meta.addr)
                    if deleted or in_deleted:
                        # Only a folder whose own record is free: a record now in use belongs to a live folder
                        # (walked under its own name), not to the deleted one.
                        if meta_deleted:
                            pending.append((path, f, depth + 1, addr))
                        continue
                    if addr in seen_dirs:
                        continue
                    seen_dirs.add(addr)
                    try:
                        stack.append((path, f.as_directory(), depth + 1, False))
                    except (IOError, OSError) as exc:
                        result.errors.append(f"{path}: folder not readable ({exc})")
                elif mtype == _VIRT_DIR and name == "$OrphanFiles" and not in_deleted:
                    try:
                        stack.append((path, f.as_directory(), depth + 1, False))
                        orphans_listed = True
                    except (IOError, OSError) as exc:
                        if not info.fs_type.startswith("ext"):
                            result.errors.append(f"{path}: the orphan file list is not readable ({exc})")
        allocated.freeze()
        result.allocated[info.offset] = allocated
        named_inodes: set[int] = set()
        assessed: list[DeletedFile] = []
        if not orphans_listed and info.fs_type.startswith("ext"):
            # libtsk cannot open $OrphanFiles on many ext4 volumes deleted by a recent Linux, which also wipes
            # the names: without this walk of the inode table their deleted files would not be listed at all.
            listed = {int(f.info.meta.addr) for _, _, f in deleted_entries if f.info.meta is not None}
            listed |= {addr for _, addr, _ in deleted_entries}
            deleted_entries += _ext_orphans(fs, info, listed, cancel, progress)
            if cancel_requested(cancel):
                return _stopped(result, "scanning the inode table")
        # Named entries first, so an inode TSK also lists under $OrphanFiles is reported once, by name.
        deleted_entries.sort(key=lambda e: (e[0].startswith("/$OrphanFiles/"), e[0]))
        for path, meta_addr, f in deleted_entries:
            if cancel_requested(cancel):
                result.deleted.extend(sorted(assessed, key=lambda x: x.path))
                return _stopped(result, "assessing recoverability")
            orphan = path.startswith("/$OrphanFiles/")
            d = _assess(img, fs, info, allocated, path, meta_addr, f)
            if d is None:
                continue
            if orphan and (d.inode in named_inodes or (d.size == 0 and not d.dtime)):
                continue  # already listed by name, or an empty nameless record (NTFS reserved entries)
            if not orphan and d.inode:
                named_inodes.add(d.inode)
            assessed.append(d)
        result.deleted.extend(sorted(assessed, key=lambda x: x.path))
    report(progress, len(result.deleted), len(result.deleted), f"{len(result.deleted)} deleted files found",
           unit="files", stage="scan")
    return result


def _stopped(result: ScanResult, what: str) -> ScanResult:
    result.cancelled, result.note = True, cancelled_note(what)
    return result


def _ext_orphans(fs, info: FileSystemInfo, listed: set[int], cancel: CancelFlag,
                 progress: ProgressFn | None) -> list:
    """Deleted inodes of an ext2/3/4 volume that no directory entry names (what TSK's $OrphanFiles lists);
    the ones found so far when the flag stops it."""
    out = []
    first, last = int(fs.info.first_inum), int(fs.info.last_inum)  # last_inum: TSK's virtual $OrphanFiles
    for inum in range(max(first, 1), last):
        if inum % 20000 == 0:
            if cancel_requested(cancel):
                break
            report(progress, inum, last, f"{info.fs_type}: inode {inum}/{last}", unit="inodes", stage="scan")
        if inum in listed:
            continue
        try:
            f = fs.open_meta(inode=inum)
        except (IOError, OSError, RuntimeError):
            continue
        meta = f.info.meta
        if meta is None:
            continue
        flags = int(meta.flags)
        if flags & _META_UNALLOC and flags & _META_USED and int(meta.type) in (_REG, _DIR):
            out.append((f"/$OrphanFiles/OrphanFile-{inum}", inum, f))
    return out


def _entries(directory, path: str, errors: list[str]):
    """The entries of a TSK directory; a damaged directory ends the listing with a note, not a crash."""
    it = iter(directory)
    while True:
        try:
            f = next(it)
        except StopIteration:
            return
        except (IOError, OSError, RuntimeError) as exc:
            errors.append(f"{path}: damaged folder, listed in part ({exc})")
            return
        yield f


def _assess(img, fs, info: FileSystemInfo, allocated: IntervalSet, path, meta_addr: int, f) -> DeletedFile | None:
    name = path.rsplit("/", 1)[-1]
    meta = f.info.meta
    if meta is None and meta_addr:
        # NTFS: the index entry survived, the MFT record may have too.
        try:
            f = fs.open_meta(inode=meta_addr)
            meta = f.info.meta
        except (IOError, OSError):
            meta = None
    d = DeletedFile(info.offset, info.fs_type, path, name, meta_addr, 0, False)
    if meta is None:
        d.reason = "no metadata record of the file is left: its content cannot be recovered"
        return d
    d.inode = int(meta.addr)
    d.is_dir = int(meta.type) == _DIR
    if int(meta.type) not in (_DIR, _REG):
        return None  # virtual TSK entries ($OrphanFiles itself), links, devices
    d.size = int(meta.size)
    try:
        d.mode = stat.filemode(int(meta.mode) | (stat.S_IFDIR if d.is_dir else stat.S_IFREG))
        d.uid, d.gid = int(meta.uid), int(meta.gid)
    except (TypeError, ValueError):
        pass
    d.mtime, d.atime, d.ctime, d.btime = (utc_iso(meta.mtime), utc_iso(meta.atime), utc_iso(meta.ctime),
                                          utc_iso(meta.crtime))
    if info.fs_type.startswith("ext"):
        d.btime = d.btime if meta.crtime else None
        d.dtime = ext_dtime(img, info.offset, d.inode)
    elif info.fs_type.startswith("FAT"):
        d.note = "FAT keeps no deletion time, and the first character of the name was erased (TSK shows '_')"
        d.ctime = None  # FAT has no change time; TSK reports 0 or a copy
    elif info.fs_type == "NTFS":
        d.note = "NTFS keeps no deletion time"
    if int(meta.flags) & _META_ALLOC:
        d.reason = "the metadata record (inode/MFT) was reused by another file: the old content cannot be reached"
        d.size = 0
        return d
    if d.is_dir:
        d.status = RECOVERABLE
        d.reason = "a folder (listed only, no content to recover)"
        return d
    runs, resident, _ = _file_runs(f)
    d.runs = runs
    d.resident = resident
    if d.size == 0 and info.fs_type.startswith("ext") and not runs:
        # Linux sets the size to 0 and frees the block pointers when it deletes a file on ext2/3/4: an
        # empty record says nothing about what the file held.
        d.reason = ("Linux set the size to 0 and cleared the block pointers when it deleted the file (ext2/3/4): "
                    "the original size and content are not known, only carving the free space can find it")
        return d
    if d.size == 0:
        d.status = RECOVERABLE
        d.reason = "an empty file"
        return d
    if resident:
        d.status = RECOVERABLE
        return d
    bs = info.block_size
    d.block_size = bs
    needed = -(-d.size // bs)
    have = sum(length for _, length in runs)
    if not runs:
        d.reason = ("the data block pointers were cleared when the file was deleted (usual on ext3/ext4): where "
                    "the content lay is not known")
        return d
    if any(addr == 0 for addr, _ in runs) and info.fs_type.startswith("FAT"):
        d.reason = "the folder entry has no first cluster left: not recoverable"
        return d
    if info.fs_type.startswith("FAT") and have < needed and runs[0][0] + needed <= info.block_count:
        # The FAT chain is cleared on delete; TSK stops at the first cluster now in use. Undelete
        # assumes the clusters were contiguous from the first one: check each of them instead.
        runs = [(runs[0][0], needed)]
        d.runs = runs
        d.raw = True
        have = needed
    d.blocks = min(have, needed)
    reused = sum(allocated.overlap(addr, length) for addr, length in runs)
    d.blocks_reused = min(reused, d.blocks)
    if d.blocks_reused >= d.blocks:
        d.reason = "every cluster/block of the file was reused by another file (overwritten): not recoverable"
        return d
    if _content_is_zero(_content_reader(img, f, d), d.size):
        d.reason = "what is left of the content is all zeros (wiped): not recoverable"
        return d
    if d.blocks_reused:
        d.status = PARTIAL
        d.reason = (f"{d.blocks_reused}/{d.blocks} clusters were reused by another file: recoverable in part "
                    f"(the overwritten part holds the other file's content)")
        return d
    if have < needed:
        d.status = PARTIAL
        d.reason = f"only {have}/{needed} data blocks are left: recoverable in part"
        return d
    d.status = RECOVERABLE
    return d


def _content_reader(img, f, d: DeletedFile) -> Callable[[int, int], bytes]:
    """read(pos, n) of a deleted file's content: through TSK, or from the clusters themselves."""
    if not d.raw:
        return f.read_random
    bs = d.block_size

    def read(pos: int, n: int) -> bytes:
        out = bytearray()
        vpos = 0
        for addr, length in d.runs:
            run_bytes = length * bs
            if pos < vpos + run_bytes and n > 0:
                within = pos - vpos
                take = min(n, run_bytes - within)
                out += img.read(d.fs_offset + addr * bs + within, take)
                pos += take
                n -= take
            vpos += run_bytes
        return bytes(out)

    return read


def _content_is_zero(read: Callable[[int, int], bytes], size: int) -> bool:
    pos = 0
    while pos < size:
        n = min(READ_CHUNK, size - pos)
        try:
            data = read(pos, n)
        except (IOError, OSError):
            return False
        if not data:
            return False
        if data.count(0) != len(data):
            return False
        pos += len(data)
    return True


def ext_dtime(img: pytsk3.Img_Info, fs_offset: int, inode: int) -> str | None:
    """The deletion time (i_dtime) of an ext2/3/4 inode, read from the inode table."""
    try:
        sb = img.read(fs_offset + 1024, 1024)
        if len(sb) < 256 or sb[0x38:0x3A] != b"\x53\xef":
            return None
        inodes_per_group = struct.unpack_from("<I", sb, 0x28)[0]
        log_block = struct.unpack_from("<I", sb, 0x18)[0]
        block_size = 1024 << log_block
        first_data_block = struct.unpack_from("<I", sb, 0x14)[0]
        rev = struct.unpack_from("<I", sb, 0x4C)[0]
        inode_size = struct.unpack_from("<H", sb, 0x58)[0] if rev >= 1 else 128
        incompat = struct.unpack_from("<I", sb, 0x60)[0]
        desc_size = 32
        if incompat & 0x80:  # 64bit
            desc_size = struct.unpack_from("<H", sb, 0xFE)[0] or 64
        group = (inode - 1) // inodes_per_group
        index = (inode - 1) % inodes_per_group
        gdt = fs_offset + (first_data_block + 1) * block_size
        desc = img.read(gdt + group * desc_size, desc_size)
        table = struct.unpack_from("<I", desc, 8)[0]
        if desc_size >= 64:
            table |= struct.unpack_from("<I", desc, 0x28)[0] << 32
        raw = img.read(fs_offset + table * block_size + index * inode_size, 0x18)
        dtime = struct.unpack_from("<I", raw, 0x14)[0]
    except (IOError, OSError, struct.error, ZeroDivisionError):
        return None
    return utc_iso(dtime) if dtime else None


# ---------------------------------------------------------------------------------------------
# recovery


def open_deleted(img: pytsk3.Img_Info, d: DeletedFile, fs_cache: dict | None = None):
    fs_cache = fs_cache if fs_cache is not None else {}
    fs = fs_cache.get(d.fs_offset)
    if fs is None:
        fs = fs_cache[d.fs_offset] = pytsk3.FS_Info(img, offset=d.fs_offset)
    return fs.open_meta(inode=d.inode)


def read_deleted(img: pytsk3.Img_Info, d: DeletedFile, sink: Callable[[bytes], object], *,
                 fs_cache: dict | None = None, cancel: CancelFlag = None) -> tuple[int, str]:
    """Stream a deleted file's content into `sink`; returns (bytes, sha256) of what was read (less than
    the file when the flag stopped it: the caller, who raised it, discards the partial copy)."""
    f = open_deleted(img, d, fs_cache)
    read = _content_reader(img, f, d)
    h = hashlib.sha256()
    pos = 0
    while pos < d.size:
        if cancel_requested(cancel):
            break
        n = min(READ_CHUNK, d.size - pos)
        try:
            data = read(pos, n)
        except (IOError, OSError) as exc:
            raise SourceError(f"cannot read the content of {d.path} at {pos}: {exc}", path=d.path) from exc
        if not data:
            break
        h.update(data)
        sink(data)
        pos += len(data)
    return pos, h.hexdigest()


def recover_to_dir(source, out_dir: str | os.PathLike, *, include_partial: bool = True,
                   cancel: CancelFlag = None, progress: ProgressFn | None = None) -> dict:
    """Recover every recoverable deleted file into out_dir (no case); returns a listing ("cancelled": True
    when the flag stopped it, the file being copied then removed)."""
    img = open_image(source)
    scan = scan_deleted(source, cancel=cancel, img=img, progress=progress)
    os.makedirs(out_dir, exist_ok=True)
    listing: list[dict] = []
    cache: dict = {}
    wanted = [d for d in scan.deleted if not d.is_dir and (d.status == RECOVERABLE or
                                                           (include_partial and d.status == PARTIAL))]
    for i, d in enumerate(wanted):
        safe = f"{i + 1:05d}_" + "".join(c if c.isalnum() or c in "-_." else "_" for c in d.name)[:100]
        target = os.path.join(out_dir, safe)
        with open(target, "wb") as fh:
            size, sha = read_deleted(img, d, fh.write, fs_cache=cache, cancel=cancel)
        if cancel_requested(cancel):
            os.unlink(target)
            return {"scan": scan, "recovered": listing, "cancelled": True}
        listing.append({**d.to_json(), "recovered_as": safe, "sha256": sha, "recovered_size": size})
        report(progress, i + 1, len(wanted), d.path, unit="files", stage="recover")
    return {"scan": scan, "recovered": listing}
