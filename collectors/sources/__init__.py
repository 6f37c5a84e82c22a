"""Where the file-based collectors read the examined system from: a read-only file system seam.

Two kinds of path reach a collector through its context (`ctx.path`, `ctx.root`, `walk_tree`,
`find_case_insensitive`):

- a real `pathlib.Path`: the live system or a mounted/copied tree under `--root DIR`, read with the
  operating system (O_NOATIME, symlink-safe, `util.open_source`);
- a `VPath`: a path inside a file system that UngCuu reads itself, never mounted, such as a partition
  of a disk image (`collectors/sources/images.py`) or a live NTFS volume read raw (`\\\\.\\C:`), with
  the same small read-only interface (`collectors/sources/tsk.py`).

Collectors never call `os.stat`, `os.scandir`, `os.listdir`, `os.readlink` or `open` on a path of the
examined system: they call the functions of this module (`lstat`, `scandir`, `listdir`, `readlink`,
`lexists`, `open_read`), which dispatch on the kind of path. A `VPath` has no `__fspath__`, so a stray
`os.*` call on it fails loudly instead of reading the examiner's own disk.
"""
from __future__ import annotations

import io
import os
import stat as _stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable, Iterator, Protocol, TypeGuard, Union, cast


class VStat:
    """An `os.stat_result` look-alike for a file inside a file system read by UngCuu."""

    __slots__ = ("st_mode", "st_size", "st_mtime", "st_atime", "st_ctime", "st_birthtime", "st_mtime_ns",
                 "st_atime_ns", "st_ctime_ns", "st_birthtime_ns", "st_ino", "st_dev", "st_uid", "st_gid",
                 "st_nlink")

    def __init__(self, *, mode: int, size: int, mtime: float = 0.0, atime: float = 0.0, ctime: float = 0.0,
                 birthtime: float | None = None, mtime_ns: int | None = None, atime_ns: int | None = None,
                 ctime_ns: int | None = None, birthtime_ns: int | None = None, ino: int = 0, dev: int = 0,
                 uid: int | None = None, gid: int | None = None, nlink: int = 1):
        self.st_mode, self.st_size = mode, size
        self.st_mtime, self.st_atime, self.st_ctime, self.st_birthtime = mtime, atime, ctime, birthtime
        self.st_mtime_ns = mtime_ns if mtime_ns is not None else int(mtime * 1_000_000_000)
        self.st_atime_ns = atime_ns if atime_ns is not None else round(atime * 1_000_000_000)
        self.st_ctime_ns = ctime_ns if ctime_ns is not None else round(ctime * 1_000_000_000)
        self.st_birthtime_ns: int | None = birthtime_ns if birthtime_ns is not None else (
            round(birthtime * 1_000_000_000) if birthtime else None)
        self.st_ino, self.st_dev, self.st_uid, self.st_gid, self.st_nlink = ino, dev, uid, gid, nlink

    def __repr__(self) -> str:
        return f"VStat(mode={oct(self.st_mode)}, size={self.st_size}, ino={self.st_ino})"


class FileSystem(Protocol):
    """What a read-only file system gives: paths are absolute POSIX strings inside it."""

    label: str  # how evidence names it, e.g. "image.E01, partition 2 (NTFS)"

    def lstat(self, path: str) -> VStat: ...
    def scandir(self, path: str) -> list["VEntry"]: ...
    def readlink(self, path: str) -> str: ...
    def open(self, path: str, stream: str | None = None) -> BinaryIO | io.RawIOBase: ...


class VEntry:
    """An `os.DirEntry` look-alike: name, path (a VPath) and the type, without following links."""

    __slots__ = ("name", "path", "_st")

    def __init__(self, path: "VPath", st: VStat):
        self.name = path.name
        self.path = path
        self._st = st

    def is_symlink(self) -> bool:
        return _stat.S_ISLNK(self._st.st_mode)

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        if follow_symlinks and self.is_symlink():
            return self.path.is_dir()
        return _stat.S_ISDIR(self._st.st_mode)

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        if follow_symlinks and self.is_symlink():
            return self.path.is_file()
        return _stat.S_ISREG(self._st.st_mode)

    def stat(self, *, follow_symlinks: bool = True) -> VStat:
        return self.path.stat() if follow_symlinks and self.is_symlink() else self._st

    def inode(self) -> int:
        return self._st.st_ino


class VPath:
    """A path inside a `FileSystem`: the part of `pathlib.Path` the collectors use, read-only."""

    __slots__ = ("fs", "_p")

    def __init__(self, fs: FileSystem, path: str | PurePosixPath = "/"):
        self.fs = fs
        p = PurePosixPath("/") / PurePosixPath(path)
        self._p = p

    # ---------------------------------------------------------------- pure path
    @property
    def posix(self) -> str:
        """The path inside its file system ('/Windows/System32')."""
        return str(self._p)

    @property
    def name(self) -> str:
        return self._p.name

    @property
    def suffix(self) -> str:
        return self._p.suffix

    @property
    def stem(self) -> str:
        return self._p.stem

    @property
    def parts(self) -> tuple[str, ...]:
        return self._p.parts

    @property
    def parent(self) -> "VPath":
        return VPath(self.fs, self._p.parent)

    def __truediv__(self, other) -> "VPath":
        return VPath(self.fs, self._p / str(other))

    def joinpath(self, *others) -> "VPath":
        return VPath(self.fs, self._p.joinpath(*(str(o) for o in others)))

    def with_name(self, name: str) -> "VPath":
        return VPath(self.fs, self._p.with_name(name))

    def relative_to(self, other) -> PurePosixPath:
        if isinstance(other, VPath):
            if other.fs is not self.fs:
                raise ValueError(f"{self} is not in the file system of {other}")
            other = other._p
        return self._p.relative_to(other)

    def is_relative_to(self, other) -> bool:
        try:
            self.relative_to(other)
            return True
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"{self.fs.label}:{self._p}"

    def __repr__(self) -> str:
        return f"VPath({self.fs.label!r}, {str(self._p)!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, VPath) and other.fs is self.fs and other._p == self._p

    def __hash__(self) -> int:
        return hash((id(self.fs), self._p))

    def __lt__(self, other: "VPath") -> bool:
        return self._p < other._p

    # ---------------------------------------------------------------- file system
    def lstat(self) -> VStat:
        return self.fs.lstat(self.posix)

    def stat(self, *, follow_symlinks: bool = True) -> VStat:
        st = self.fs.lstat(self.posix)
        hops = 0
        cur = self
        while follow_symlinks and _stat.S_ISLNK(st.st_mode):
            hops += 1
            if hops > 40:
                raise OSError(40, "too many levels of symbolic links", str(self))
            target = self.fs.readlink(cur.posix)
            cur = VPath(self.fs, target) if target.startswith("/") else VPath(self.fs, cur._p.parent / target)
            st = self.fs.lstat(cur.posix)
        return st

    def exists(self) -> bool:
        try:
            self.stat()
            return True
        except OSError:
            return False

    def is_file(self) -> bool:
        try:
            return _stat.S_ISREG(self.stat().st_mode)
        except OSError:
            return False

    def is_dir(self) -> bool:
        try:
            return _stat.S_ISDIR(self.stat().st_mode)
        except OSError:
            return False

    def is_symlink(self) -> bool:
        try:
            return _stat.S_ISLNK(self.lstat().st_mode)
        except OSError:
            return False

    def scandir(self) -> list[VEntry]:
        return self.fs.scandir(self.posix)

    def iterdir(self) -> Iterator["VPath"]:
        for e in self.fs.scandir(self.posix):
            yield e.path

    def readlink(self) -> str:
        return self.fs.readlink(self.posix)

    def open(self, mode: str = "rb", stream: str | None = None) -> BinaryIO:
        if mode not in ("r", "rb"):
            raise PermissionError(f"{self}: the examined file system is read only")
        fh = cast(BinaryIO, self.fs.open(self.posix, stream))  # a raw binary file serves as one
        return fh if "b" in mode else io.TextIOWrapper(fh, encoding="utf-8", errors="replace")  # type: ignore[return-value]

    def read_bytes(self, limit: int | None = None) -> bytes:
        with self.fs.open(self.posix) as fh:
            return fh.read() if limit is None else fh.read(limit)

    def read_text(self, encoding: str = "utf-8", errors: str = "replace") -> str:
        return self.read_bytes().decode(encoding, errors)


# ------------------------------------------------------------------------------------ dispatch
# A path of the examined system: a real one (live, or under --root DIR) or one inside a file system read
# by UngCuu.
AnyPath = Union[Path, VPath]


def is_virtual(path: object) -> TypeGuard[VPath]:
    return isinstance(path, VPath)


def is_regular_file(path) -> bool:
    """A regular file, not a link to one (the link is not followed)."""
    try:
        return _stat.S_ISREG(lstat(path).st_mode)
    except OSError:
        return False


def is_real_dir(path) -> bool:
    """A folder, not a link to one (the link is not followed)."""
    try:
        return _stat.S_ISDIR(lstat(path).st_mode)
    except OSError:
        return False


def lstat(path):
    """lstat of a path of the examined system (a real path or a VPath)."""
    return path.lstat() if isinstance(path, VPath) else os.lstat(path)


def stat(path):
    return path.stat() if isinstance(path, VPath) else os.stat(path)


def scandir(path, *, follow: bool = True) -> Iterable:
    """Entries of a folder, sorted by name: util.SourceEntry for a real folder (listed the forensic way,
    O_NOATIME, through its descriptor; follow=False: the folder itself must not be a link), VEntry for a
    VPath. Both have .name, .path, is_dir/is_file/is_symlink and stat with follow_symlinks."""
    if isinstance(path, VPath):
        return path.scandir()
    from ..util import list_source_dir

    return list_source_dir(path, follow=follow)


def entry_path(entry):
    """The path of a scandir entry, as the same kind of path as its folder."""
    return entry.path if isinstance(entry, VEntry) else Path(entry.path)


def listdir(path) -> list[str]:
    """The names in a folder of the examined system (O_NOATIME for a real folder)."""
    if isinstance(path, VPath):
        return [e.name for e in path.scandir()]
    from ..util import source_names

    return source_names(path)


def readlink(path) -> str:
    return path.readlink() if isinstance(path, VPath) else os.readlink(path)


def lexists(path) -> bool:
    if isinstance(path, VPath):
        try:
            path.lstat()
            return True
        except OSError:
            return False
    return os.path.lexists(path)


def open_read(path) -> BinaryIO:
    """A binary read-only file of the examined system: a real file opened the forensic way
    (`util.open_source`: O_NOATIME, O_BINARY, regular files only), or a file inside a VPath's
    file system."""
    if isinstance(path, VPath):
        return path.open("rb")
    from ..util import open_source

    return open(open_source(path), "rb", buffering=0)
