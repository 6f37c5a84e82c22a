"""A file system read by The Sleuth Kit (pytsk3) from a disk image or a raw volume, never mounted.

The same code reads a partition of an E01/VHD/VMDK/QCOW2/raw image and a live Windows volume opened
raw (`\\\\.\\C:`): the second is how files the running system holds locked (registry hives, $MFT,
EVTX, Amcache) are read, the way KAPE does. Names are matched exactly (as on the local --root);
`find_case_insensitive` does the Windows-style matching. Deleted names and TSK's virtual folders
($OrphanFiles) are not listed: a collector sees what the system itself would see.
"""
from __future__ import annotations

import errno
import io
import stat as _stat
from collections import OrderedDict

from . import VEntry, VPath, VStat

try:
    import pytsk3
except ImportError:  # pragma: no cover - pytsk3 is a dependency
    pytsk3 = None

CHUNK = 1 << 20
_DIR_CACHE = 2048  # folder listings kept (a listing is a few bytes a name)

FS_NAMES = {
    "TSK_FS_TYPE_NTFS": "NTFS", "TSK_FS_TYPE_FAT12": "FAT12", "TSK_FS_TYPE_FAT16": "FAT16",
    "TSK_FS_TYPE_FAT32": "FAT32", "TSK_FS_TYPE_EXFAT": "exFAT", "TSK_FS_TYPE_EXT2": "ext2",
    "TSK_FS_TYPE_EXT3": "ext3", "TSK_FS_TYPE_EXT4": "ext4", "TSK_FS_TYPE_HFS": "HFS+",
    "TSK_FS_TYPE_ISO9660": "ISO 9660", "TSK_FS_TYPE_FFS1": "UFS1", "TSK_FS_TYPE_FFS2": "UFS2",
    "TSK_FS_TYPE_APFS": "APFS", "TSK_FS_TYPE_YAFFS2": "YAFFS2",
}


def fs_type_name(ftype) -> str:
    """'NTFS', 'FAT32', 'ext4'... for a pytsk3 file system type."""
    by_value = {int(getattr(pytsk3, n)): n for n in FS_NAMES if hasattr(pytsk3, n)}
    key = by_value.get(int(ftype), str(ftype))
    return FS_NAMES.get(key, key)


def _kind_bits(meta_type: int) -> int:
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_DIR):
        return _stat.S_IFDIR
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_LNK):
        return _stat.S_IFLNK
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_REG):
        return _stat.S_IFREG
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_FIFO):
        return _stat.S_IFIFO
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_CHR):
        return _stat.S_IFCHR
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_BLK):
        return _stat.S_IFBLK
    if meta_type == int(pytsk3.TSK_FS_META_TYPE_SOCK):
        return _stat.S_IFSOCK
    return 0  # virtual or unknown: neither a file nor a folder


def _ts(sec, nano) -> float:
    return float(sec or 0) + (nano or 0) / 1e9


def vstat_of(meta, dev: int = 0) -> VStat:
    mode = _kind_bits(int(meta.type)) | (int(meta.mode) & 0o7777)
    def ns(which: str) -> int:
        return int(getattr(meta, which) or 0) * 1_000_000_000 + int(getattr(meta, f"{which}_nano", 0) or 0)

    return VStat(
        mode=mode, size=int(meta.size or 0), mtime=_ts(meta.mtime, getattr(meta, "mtime_nano", 0)),
        atime=_ts(meta.atime, getattr(meta, "atime_nano", 0)), ctime=_ts(meta.ctime, getattr(meta, "ctime_nano", 0)),
        birthtime=_ts(meta.crtime, getattr(meta, "crtime_nano", 0)) if meta.crtime else None, mtime_ns=ns("mtime"),
        atime_ns=ns("atime"), ctime_ns=ns("ctime"), birthtime_ns=ns("crtime") if meta.crtime else None,
        ino=int(meta.addr), dev=dev, uid=int(meta.uid), gid=int(meta.gid), nlink=int(meta.nlink or 1))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="surrogateescape")


class TskFileSystem:
    """A `FileSystem` (see collectors/sources/__init__.py) over a pytsk3.FS_Info."""

    def __init__(self, img, *, offset: int = 0, label: str, dev: int = 0):
        if pytsk3 is None:  # pragma: no cover
            raise OSError(errno.ENOSYS, "pytsk3 is not installed")
        try:
            self.fs = pytsk3.FS_Info(img, offset=offset)
        except OSError as exc:
            raise OSError(errno.EINVAL, f"no file system UngCuu can read at offset {offset}: {exc}") from exc
        self.img = img
        self.offset = offset
        self.type = fs_type_name(self.fs.info.ftype)
        self.label = label
        self.dev = dev
        self.evidence_meta: dict = {}  # what evidence read from here records (set by who opens it)
        self.image: object = None      # the image kept open as long as this file system is used
        self._dirs: OrderedDict[int, dict[str, tuple[int, VStat]]] = OrderedDict()
        root = self.fs.open_meta(inode=self.fs.info.root_inum)
        self._root = (int(self.fs.info.root_inum), vstat_of(root.info.meta, dev))

    @property
    def root(self) -> VPath:
        return VPath(self, "/")

    # ---------------------------------------------------------------- lookup
    def _listing(self, inode: int, path: str) -> dict[str, tuple[int, VStat]]:
        got = self._dirs.get(inode)
        if got is not None:
            self._dirs.move_to_end(inode)
            return got
        try:
            d = self.fs.open_dir(inode=inode)
        except OSError as exc:
            raise OSError(errno.EIO, f"folder cannot be read from the file system ({exc})", path) from exc
        out: dict[str, tuple[int, VStat]] = {}
        alloc = int(pytsk3.TSK_FS_NAME_FLAG_ALLOC)
        for e in d:
            name = e.info.name
            raw = name.name
            if raw in (b".", b"..") or not (int(name.flags) & alloc):
                continue
            meta = e.info.meta
            if meta is None or _kind_bits(int(meta.type)) == 0:
                continue  # no metadata, or TSK's virtual $OrphanFiles and friends
            out[_decode(raw)] = (int(meta.addr), vstat_of(meta, self.dev))
        self._dirs[inode] = out
        if len(self._dirs) > _DIR_CACHE:
            self._dirs.popitem(last=False)
        return out

    def _lookup(self, path: str) -> tuple[int, VStat]:
        """(inode, lstat) of a path; folders on the way are not followed when they are links (ENOTDIR),
        as a no-follow walk of the examined system would not."""
        cur = self._root
        walked = ""
        for part in (p for p in path.split("/") if p and p != "."):
            if not _stat.S_ISDIR(cur[1].st_mode):
                raise NotADirectoryError(errno.ENOTDIR, "not a folder", walked or "/")
            listing = self._listing(cur[0], walked or "/")
            walked += "/" + part
            found = listing.get(part)
            if found is None:
                raise FileNotFoundError(errno.ENOENT, "no such file or folder", walked)
            cur = found
        return cur

    # ---------------------------------------------------------------- FileSystem
    def lstat(self, path: str) -> VStat:
        return self._lookup(path)[1]

    def scandir(self, path: str) -> list[VEntry]:
        inode, st = self._lookup(path)
        if not _stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", path)
        base = VPath(self, path)
        return [VEntry(base / name, est) for name, (_ino, est) in sorted(self._listing(inode, path).items())]

    def readlink(self, path: str) -> str:
        inode, st = self._lookup(path)
        if not _stat.S_ISLNK(st.st_mode):
            raise OSError(errno.EINVAL, "not a symbolic link", path)
        f = self.fs.open_meta(inode=inode)
        link = f.info.meta.link
        if link:
            return link if isinstance(link, str) else _decode(link)
        return _decode(f.read_random(0, min(st.st_size, 4096)) or b"")

    def open(self, path: str, stream: str | None = None) -> "TskReader":
        """A file's content (its default data), or a named stream such as $UsnJrnl's '$J'."""
        inode, st = self._lookup(path)
        if _stat.S_ISDIR(st.st_mode) and stream is None:
            raise IsADirectoryError(errno.EISDIR, "is a folder", path)
        if not _stat.S_ISREG(st.st_mode) and stream is None:
            raise OSError(errno.EINVAL, "not a regular file (a device, socket or pipe): not read", path)
        try:
            f = self.fs.open_meta(inode=inode)
        except OSError as exc:
            raise OSError(errno.EIO, f"cannot be read from the file system ({exc})", path) from exc
        data = int(pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA)
        for attr in f:
            name = attr.info.name
            if int(attr.info.type) != data or (_decode(name) if name else None) != stream:
                continue
            if stream is None:  # the unnamed $DATA of an NTFS file: its runs say what is sparse
                return TskReader(f, st.st_size, path, runs=(attr, self.fs.info.block_size))
            return TskReader(f, int(attr.info.size), f"{path}:{stream}", attr=(attr.info.type, attr.info.id),
                             runs=(attr, self.fs.info.block_size))
        if stream is None:
            return TskReader(f, st.st_size, path)
        raise FileNotFoundError(errno.ENOENT, f"no stream {stream}", path)

    def open_inode(self, inode: int, name: str) -> "TskReader":
        """A file by its metadata address ($MFT is inode 0 on NTFS)."""
        f = self.fs.open_meta(inode=inode)
        return TskReader(f, int(f.info.meta.size), name)


class TskReader(io.RawIOBase):
    """A read-only, seekable binary file over a pytsk3 File (or one of its attributes)."""

    def __init__(self, f, size: int, name: str, attr: tuple | None = None, runs: tuple | None = None):
        super().__init__()
        self._f, self.size, self.name, self._attr, self._runs = f, size, name, attr, runs
        self._pos = 0

    def leading_sparse(self) -> int:
        """Bytes at the start that are sparse (never written, read as zeros): $UsnJrnl:$J keeps only
        its last few MB, after a sparse run that grows as the journal moves on."""
        if self._runs is None:
            return 0
        attr, block = self._runs
        sparse = int(pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE)
        end = 0
        for run in attr:
            if not int(run.flags) & sparse or int(run.offset) * block != end:
                break
            end = (int(run.offset) + int(run.len)) * block
        return min(end, self.size)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b) -> int:
        n = min(len(b), self.size - self._pos)
        if n <= 0:
            return 0
        try:
            if self._attr is None:
                data = self._f.read_random(self._pos, n)
            else:
                data = self._f.read_random(self._pos, n, self._attr[0], self._attr[1])
        except OSError as exc:
            why = ("the image ends before this data (a truncated image)" if "missing in partial image" in str(exc)
                   else str(exc)[:200])
            raise OSError(errno.EIO, f"read error at offset {self._pos}: {why}", self.name) from exc
        if not data:
            raise OSError(errno.EIO, f"read error at offset {self._pos}: no data", self.name)
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)
