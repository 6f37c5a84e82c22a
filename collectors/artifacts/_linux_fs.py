"""File-system walking for the Linux collectors: statx (birth time, immutable/append-only attributes)
through ctypes, hashing, and the list of mounted pseudo file systems not to walk. The O_NOATIME folder and
file opens are those of `collectors/util.py` (`open_dir_noatime`, `open_file_at`, `list_source_dir`).

- `statx(dir_fd, name)`: a `Stat` with btime (None when the file system does not record it) and the
  STATX_ATTR_* flags; falls back to os.stat where the C library has no statx.
- `walk(top, ...)`: a depth-first walk yielding an `Entry` per file. On a real folder: folder descriptors,
  each child opened relative to its parent (a folder swapped for a link mid-walk is refused); on a
  `sources.VPath` (a file system inside a disk image): the same entries through collectors/sources.
  `Entry.open`, `Entry.hash` and `Entry.readlink` read the entry the same way on both.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import stat as _stat
import struct
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator

from .. import sources
from ..util import O_NOATIME, open_dir_noatime, open_file_at

__all__ = ["O_NOATIME", "open_dir_noatime", "open_file_at"]  # re-exported for the walking collectors

AT_SYMLINK_NOFOLLOW = 0x100
AT_STATX_DONT_SYNC = 0x4000
STATX_BASIC_STATS = 0x7FF
STATX_BTIME = 0x800
STATX_ATTR_IMMUTABLE = 0x10
STATX_ATTR_APPEND = 0x20

# File systems that hold no files of the examined system (kernel views, devices, other namespaces).
PSEUDO_FS = {"proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs",
             "pstore", "bpf", "fusectl", "configfs", "autofs", "mqueue", "hugetlbfs", "binfmt_misc", "nsfs",
             "efivarfs", "rpc_pipefs", "selinuxfs"}
# Network file systems: another machine's files (walked only when asked).
NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "sshfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs"}
HASH_CHUNK = 1 << 20


class _Timestamp(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_uint32), ("_r", ctypes.c_int32)]


class _Statx(ctypes.Structure):
    _fields_ = [("mask", ctypes.c_uint32), ("blksize", ctypes.c_uint32), ("attributes", ctypes.c_uint64),
                ("nlink", ctypes.c_uint32), ("uid", ctypes.c_uint32), ("gid", ctypes.c_uint32),
                ("mode", ctypes.c_uint16), ("_s0", ctypes.c_uint16), ("ino", ctypes.c_uint64),
                ("size", ctypes.c_uint64), ("blocks", ctypes.c_uint64), ("attributes_mask", ctypes.c_uint64),
                ("atime", _Timestamp), ("btime", _Timestamp), ("ctime", _Timestamp), ("mtime", _Timestamp),
                ("rdev_major", ctypes.c_uint32), ("rdev_minor", ctypes.c_uint32),
                ("dev_major", ctypes.c_uint32), ("dev_minor", ctypes.c_uint32), ("_spare", ctypes.c_uint64 * 14)]


def _load_statx():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.statx
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_Statx)]
    fn.restype = ctypes.c_int
    return fn


_STATX = _load_statx()


@dataclass(slots=True)
class Stat:
    mode: int
    ino: int
    dev: int
    nlink: int
    uid: int
    gid: int
    size: int
    atime_ns: int
    mtime_ns: int
    ctime_ns: int
    btime_ns: int | None  # None: the file system does not record a creation time
    attributes: int = 0  # STATX_ATTR_* flags that the file system reports

    @property
    def immutable(self) -> bool:
        return bool(self.attributes & STATX_ATTR_IMMUTABLE)

    @property
    def append_only(self) -> bool:
        return bool(self.attributes & STATX_ATTR_APPEND)


def has_statx() -> bool:
    return _STATX is not None


# struct statx as one unpack: mask, blksize, attributes, nlink, uid, gid, mode, spare, ino, size, blocks,
# attributes_mask, then atime/btime/ctime/mtime as (sec, nsec, reserved), rdev and dev major/minor.
_STATX_LAYOUT = struct.Struct("<IIQIIIHHQQQQqIiqIiqIiqIiIIII")


class StatxCaller:
    """One reusable statx buffer (not thread-safe: one per walking thread)."""

    def __init__(self):
        self.buf = _Statx()
        self.ref = ctypes.byref(self.buf)
        self.raw = (ctypes.c_char * ctypes.sizeof(self.buf)).from_buffer(self.buf)

    def __call__(self, dir_fd: int, name: bytes) -> Stat:
        if _STATX is None:
            return from_os_stat(os.stat(name, dir_fd=dir_fd, follow_symlinks=False))
        if _STATX(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_BTIME,
                  self.ref) != 0:
            e = ctypes.get_errno()
            if e == errno.ENOSYS:
                return from_os_stat(os.stat(name, dir_fd=dir_fd, follow_symlinks=False))
            raise OSError(e, os.strerror(e), os.fsdecode(name))
        (mask, _bs, attrs, nlink, uid, gid, mode, _s, ino, size, _bl, amask, a_s, a_n, _r1, b_s, b_n, _r2,
         c_s, c_n, _r3, m_s, m_n, _r4, _rma, _rmi, dma, dmi) = _STATX_LAYOUT.unpack_from(self.raw)
        bt = b_s * 1_000_000_000 + b_n if mask & STATX_BTIME else None
        return Stat(mode, ino, os.makedev(dma, dmi), nlink, uid, gid, size, a_s * 1_000_000_000 + a_n,
                    m_s * 1_000_000_000 + m_n, c_s * 1_000_000_000 + c_n, bt or None, attrs & amask)


def from_os_stat(st: os.stat_result) -> Stat:
    return Stat(st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, st.st_size, st.st_atime_ns,
                st.st_mtime_ns, st.st_ctime_ns, None, 0)


def statx(dir_fd: int, name: bytes | str) -> Stat:
    return StatxCaller()(dir_fd, os.fsencode(name))


def statx_path(path: str | bytes | os.PathLike) -> Stat:
    """statx of a path (the last part not followed)."""
    p = os.fsencode(path)
    head, tail = os.path.split(p.rstrip(b"/") or b"/")
    fd = open_dir_noatime(head or b".")
    try:
        return statx(fd, tail or b".")
    finally:
        os.close(fd)


def hash_fd(fd: int, algos: tuple[str, ...] = ("sha256",), limit: int | None = None) -> tuple[list[str], int]:
    """Hex digests of the content behind `fd` (up to `limit` bytes) and the bytes read."""
    hs = [hashlib.new(a) for a in algos]
    buf = bytearray(HASH_CHUNK)
    view = memoryview(buf)
    total = 0
    with open(fd, "rb", buffering=0, closefd=False) as fh:
        while limit is None or total < limit:
            n = fh.readinto(view if limit is None else view[: min(HASH_CHUNK, limit - total)])
            if not n:
                break
            chunk = view[:n]
            for h in hs:
                h.update(chunk)
            total += n
    return [h.hexdigest() for h in hs], total


def hash_stream(fh: BinaryIO, algos: tuple[str, ...] = ("sha256",), limit: int | None = None) -> tuple[list[str], int]:
    """Hex digests of what `fh` gives (up to `limit` bytes) and the bytes read."""
    hs = [hashlib.new(a) for a in algos]
    total = 0
    while limit is None or total < limit:
        chunk = fh.read(HASH_CHUNK if limit is None else min(HASH_CHUNK, limit - total))
        if not chunk:
            break
        for h in hs:
            h.update(chunk)
        total += len(chunk)
    return [h.hexdigest() for h in hs], total


def hash_at(dir_fd: int, name: bytes, algos: tuple[str, ...] = ("sha256",)) -> tuple[list[str], int]:
    fd = open_file_at(dir_fd, name)
    try:
        return hash_fd(fd, algos)
    finally:
        os.close(fd)


def hash_path(path, algos: tuple[str, ...] = ("sha256",)) -> tuple[list[str], int]:
    """Hex digests of a regular file of the examined system (a real path or a `sources.VPath`)."""
    if sources.is_virtual(path):
        if not _stat.S_ISREG(sources.lstat(path).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        with sources.open_read(path) as fh:
            return hash_stream(fh, algos)
    p = os.fsencode(path)
    head, tail = os.path.split(p)
    dfd = open_dir_noatime(head or b".")
    try:
        return hash_at(dfd, tail, algos)
    finally:
        os.close(dfd)


def mounts(proc_mounts: str = "/proc/self/mounts") -> list[tuple[str, str]]:
    """(mount point, file system type) of the live system, octal escapes undone."""
    out = []
    try:
        with open(proc_mounts, "rb") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3:
                    mp = parts[1].decode("unicode_escape", "replace") if b"\\" in parts[1] else os.fsdecode(parts[1])
                    out.append((mp, parts[2].decode("ascii", "replace")))
    except OSError:
        pass
    return out


def from_vstat(st: sources.VStat) -> Stat:
    """The `Stat` of a file inside a file system read by UngCuu (no STATX attributes there)."""
    return Stat(st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid or 0, st.st_gid or 0, st.st_size,
                st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns, st.st_birthtime_ns, 0)


def stat_of(path) -> Stat:
    """statx of a path of the examined system, the last part not followed (a real path or a VPath)."""
    if sources.is_virtual(path):
        return from_vstat(path.lstat())
    return statx_path(path)


@dataclass(slots=True)
class Entry:
    path: bytes  # the path as the examined system names it
    name: bytes
    dir_fd: int  # descriptor of the folder holding it (valid during the yield only); -1 inside an image
    st: Stat
    depth: int
    vpath: sources.VPath | None = None  # the entry inside a disk image's file system

    def open(self) -> BinaryIO:
        """The regular file, read-only (O_NOATIME, never through a link, never blocking)."""
        if self.vpath is not None:
            if not _stat.S_ISREG(self.st.mode):
                raise OSError(errno.EINVAL, "not a regular file")
            return sources.open_read(self.vpath)
        return open(open_file_at(self.dir_fd, self.name), "rb", buffering=0)

    def hash(self, algos: tuple[str, ...] = ("sha256",), limit: int | None = None) -> tuple[list[str], int]:
        if self.vpath is None:
            fd = open_file_at(self.dir_fd, self.name)
            try:
                return hash_fd(fd, algos, limit)
            finally:
                os.close(fd)
        with self.open() as fh:
            return hash_stream(fh, algos, limit)

    def readlink(self) -> bytes:
        if self.vpath is not None:
            return os.fsencode(self.vpath.readlink())
        return os.readlink(self.name, dir_fd=self.dir_fd)


def walk(top, logical_top: bytes, *, skip: Callable[[bytes, Stat], str | None] = lambda p, s: None,
         on_error: Callable[[bytes, OSError], None] = lambda p, e: None, max_depth: int = 128,
         cancelled: Callable[[], bool] = lambda: False) -> Iterator[Entry]:
    """Every entry under the real folder `top` (named `logical_top` on the examined system), depth first,
    names sorted per folder. Links are reported, never followed. `skip(path, st)` returns a reason not to
    enter a folder (reported through on_error as ENOTDIR-free note) or None. Folders are opened with
    O_NOATIME relative to their parent; the entries of one folder are held at a time (names only).
    `top` may be a `sources.VPath`: the same walk inside a disk image's file system."""
    if sources.is_virtual(top):
        yield from _walk_virtual(top, logical_top, skip=skip, on_error=on_error, max_depth=max_depth,
                                 cancelled=cancelled)
        return
    top = os.fsencode(top)
    sx = StatxCaller()
    try:
        fd = open_dir_noatime(top)
    except OSError as exc:
        on_error(logical_top, exc)
        return
    stack: list[tuple[int, bytes, list[bytes], int]] = []
    try:
        names = _names(fd, logical_top, on_error)
        stack.append((fd, logical_top, names, 0))
        while stack:
            if cancelled():
                return
            dfd, dpath, pending, depth = stack[-1]
            if not pending:
                os.close(dfd)
                stack.pop()
                continue
            name = pending.pop()
            path = (dpath.rstrip(b"/") + b"/" + name)
            try:
                st = sx(dfd, name)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    on_error(path, exc)
                continue
            yield Entry(path, name, dfd, st, depth + 1)
            if _stat.S_ISDIR(st.mode):
                why = skip(path, st)
                if why:
                    continue
                if depth + 1 > max_depth:
                    on_error(path, OSError(errno.ELOOP, f"deeper than {max_depth} folders, not walked"))
                    continue
                try:
                    cfd = open_dir_noatime(name, dir_fd=dfd)
                except OSError as exc:
                    if exc.errno != errno.ENOENT:
                        on_error(path, exc)
                    continue
                stack.append((cfd, path, _names(cfd, path, on_error), depth + 1))
    finally:
        for dfd, *_ in stack:
            try:
                os.close(dfd)
            except OSError:
                pass


def _walk_virtual(top: sources.VPath, logical_top: bytes, *, skip: Callable[[bytes, Stat], str | None],
                  on_error: Callable[[bytes, OSError], None], max_depth: int,
                  cancelled: Callable[[], bool]) -> Iterator[Entry]:
    """`walk` inside a file system read by UngCuu: same order (names sorted per folder, depth first)."""
    def listing(folder: sources.VPath, path: bytes) -> list:
        try:
            return sorted(folder.scandir(), key=lambda e: os.fsencode(e.name), reverse=True)
        except OSError as exc:
            on_error(path, exc)
            return []

    stack: list[tuple[bytes, list, int]] = [(logical_top, listing(top, logical_top), 0)]
    while stack:
        if cancelled():
            return
        dpath, pending, depth = stack[-1]
        if not pending:
            stack.pop()
            continue
        entry = pending.pop()
        name = os.fsencode(entry.name)
        path = dpath.rstrip(b"/") + b"/" + name
        try:
            st = from_vstat(entry.stat(follow_symlinks=False))
        except OSError as exc:
            on_error(path, exc)
            continue
        yield Entry(path, name, -1, st, depth + 1, entry.path)
        if _stat.S_ISDIR(st.mode):
            if skip(path, st):
                continue
            if depth + 1 > max_depth:
                on_error(path, OSError(errno.ELOOP, f"deeper than {max_depth} folders, not walked"))
                continue
            stack.append((path, listing(entry.path, path), depth + 1))


def _names(fd: int, path: bytes, on_error) -> list[bytes]:
    """The names in an open folder, sorted in reverse (popped from the end = sorted order)."""
    try:
        names = [os.fsencode(n) for n in os.listdir(fd)]
    except OSError as exc:
        on_error(path, exc)
        return []
    names.sort(reverse=True)
    return names
