"""Small helpers shared by the collectors: time, host, privileges, file metadata."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import errno
import functools
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Iterator, cast


def utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def iso_utc(dt: _dt.datetime) -> str:
    """ISO 8601 UTC with microseconds and a 'Z'."""
    return dt.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now_iso() -> str:
    return iso_utc(utc_now())


def ts_to_iso(ts: float | int | None) -> str | None:
    if ts is None:
        return None
    try:
        return iso_utc(_dt.datetime.fromtimestamp(ts, _dt.timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def local_offset(when: _dt.datetime | None = None) -> str:
    """The local UTC offset as +HH:MM."""
    dt = (when or utc_now()).astimezone()
    off = dt.utcoffset() or _dt.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=1)
def host_name() -> str:
    return socket.gethostname()


def is_admin() -> bool:
    if hasattr(os, "geteuid"):
        return os.geteuid() == 0
    try:  # Windows
        import ctypes

        return bool(ctypes.windll.shell32.IsUserAnAdmin())  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False


def _linux_capabilities() -> str | None:
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("CapEff:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


@functools.lru_cache(maxsize=1)
def privileges() -> dict:
    """What the collector runs with: recorded on every evidence item and custody entry."""
    info: dict = {"platform": sys.platform, "is_admin": is_admin()}
    if hasattr(os, "getuid"):
        info.update(uid=os.getuid(), euid=os.geteuid(), gid=os.getgid(), egid=os.getegid())
        caps = _linux_capabilities()
        if caps is not None:
            info["cap_eff"] = caps
    user = login_name()
    if user:
        info["user"] = user
    return info


def login_name() -> str | None:
    """Who runs UngCuu: the login variables, else the name of the uid from /etc/passwd read once (never
    getpass.getuser's libc lookup)."""
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(var):
            return os.environ[var]
    if hasattr(os, "getuid"):
        return owner_name(os.getuid())
    return None


_PASSWD: contextvars.ContextVar[str | None] = contextvars.ContextVar("ungcuu_passwd", default=None)


@functools.lru_cache(maxsize=8)
def _uid_names(passwd: str) -> dict[int, str]:
    """uid -> user name from a passwd file, read once (O_NOATIME), instead of one libc lookup per file
    (each of which opens /etc/passwd of the examiner's machine again)."""
    names: dict[int, str] = {}
    try:
        fd = open_source(passwd)
    except OSError:
        return names
    with os.fdopen(fd, "rb") as fh:
        text = fh.read(16 << 20).decode("utf-8", "replace")
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[2].isdigit():
            names.setdefault(int(parts[2]), parts[0])
    return names


@contextlib.contextmanager
def passwd_source(path: str | os.PathLike | None) -> Iterator[None]:
    """Owner names of the files stored inside this block come from `path` (an offline root's etc/passwd);
    outside, from the running system's /etc/passwd."""
    token = _PASSWD.set(os.fspath(path) if path is not None else None)
    try:
        yield
    finally:
        _PASSWD.reset(token)


def owner_name(uid: int | None) -> str | None:
    if uid is None:
        return None
    passwd = _PASSWD.get()
    if passwd is None:
        if not sys.platform.startswith(("linux", "darwin", "freebsd")):
            return None
        passwd = "/etc/passwd"
    return _uid_names(passwd).get(uid)


def file_metadata(st: os.stat_result) -> dict:
    """Original metadata of a file: size, MACB times (ISO UTC), owner and mode."""
    meta = {
        "size": st.st_size,
        "mtime": ts_to_iso(st.st_mtime),
        "atime": ts_to_iso(st.st_atime),
        "ctime": ts_to_iso(st.st_ctime),
        "btime": ts_to_iso(getattr(st, "st_birthtime", None)),
        "uid": getattr(st, "st_uid", None),
        "gid": getattr(st, "st_gid", None),
        "owner": owner_name(getattr(st, "st_uid", None)),
        "mode": stat.filemode(st.st_mode),
        "mode_octal": oct(stat.S_IMODE(st.st_mode)),
        "inode": st.st_ino,
        "device": st.st_dev,
    }
    return meta


def decode_path(path: bytes | str) -> str:
    """A printable form of a file name that may not be UTF-8 (undecodable bytes become \\xNN)."""
    if isinstance(path, bytes):
        return path.decode("utf-8", errors="backslashreplace")
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", errors="backslashreplace")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, what: str = "") -> Iterator[Path]:
    """Write an output file through `.NAME.part` beside it, fsync, then rename into place.

    Yields the temporary path to write. A failure removes the partial file, so a half-written report or
    bundle never appears; a full disk raises DestinationFull, any other write error DestinationUnwritable.
    """
    from .errors import DestinationFull, DestinationUnwritable

    path = Path(path)
    label = what or str(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        with open(tmp, "r+b") as fh:  # write access: Windows cannot flush a read-only handle
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DestinationFull(f"đĩa đầy khi ghi {label}; tệp dở dang đã được xóa (disk full)",
                                  path=str(path)) from exc
        raise DestinationUnwritable(f"không ghi được {label}: {exc.strerror or exc}", path=str(path)) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def open_source(path: str | os.PathLike, *, expect: os.stat_result | None = None) -> int:
    """A read-only descriptor of a regular file on the examined system, opened the forensic way.

    - O_NOATIME where the OS allows it (needs ownership or CAP_FOWNER): reading does not even change
      the file's access time;
    - O_NONBLOCK and a type check: a named pipe planted where a file is expected cannot block the
      collection; anything but a regular file is refused (OSError EINVAL);
    - with `expect` (an lstat taken before): O_NOFOLLOW and the device and inode compared once open,
      so a file swapped for a link or another file in between is refused (OSError ESTALE).
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    if expect is not None:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = _noatime_open(path, flags)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file (a device, socket or pipe): not read")
    if expect is not None and (st.st_dev, st.st_ino) != (expect.st_dev, expect.st_ino):
        os.close(fd)
        raise OSError(errno.ESTALE, "replaced while it was being opened")
    return fd


O_NOATIME = getattr(os, "O_NOATIME", 0)


def _noatime_open(path: str | bytes | os.PathLike, flags: int, dir_fd: int | None = None) -> int:
    """os.open with O_NOATIME where the OS allows it (needs ownership or CAP_FOWNER), plainly otherwise."""
    flags |= getattr(os, "O_BINARY", 0)  # Windows: never a text-mode descriptor
    if O_NOATIME:
        try:
            return os.open(path, flags | O_NOATIME, dir_fd=dir_fd)
        except PermissionError:
            pass  # not the owner and no CAP_FOWNER: plain open (the note belongs to the caller)
    return os.open(path, flags, dir_fd=dir_fd)


def open_dir_noatime(path: str | bytes | os.PathLike, dir_fd: int | None = None, *,
                     follow: bool | None = None) -> int:
    """A folder descriptor (O_DIRECTORY | O_NOATIME) that lists without changing the folder's access time.

    `follow=False` refuses a folder that is a symbolic link (O_NOFOLLOW: ELOOP); by default a folder opened
    relative to `dir_fd` is never followed, a path opened on its own is."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    if follow is False or (follow is None and dir_fd is not None):
        flags |= getattr(os, "O_NOFOLLOW", 0)
    return _noatime_open(path, flags, dir_fd)


def open_file_at(dir_fd: int, name: bytes | str) -> int:
    """A read-only descriptor of a regular file in an open folder: no atime change, no link, no blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = _noatime_open(name, flags, dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file")
    return fd


class SourceEntry:
    """One entry of a folder of the examined system, as `os.DirEntry` (name, path, is_dir, is_file,
    is_symlink, stat), its type taken while the folder was open; `stat()` is an lstat/stat by path (a stat
    changes no access time)."""

    __slots__ = ("name", "path", "_link", "_dir", "_file")

    def __init__(self, entry: os.DirEntry, parent: str | bytes):
        # a folder read through its descriptor gives str names; a bytes folder path keeps bytes throughout
        self.name: str | bytes
        self.path: str | bytes
        if isinstance(parent, bytes):
            self.name = os.fsencode(entry.name)
            self.path = os.path.join(parent, self.name)
        else:
            self.name = entry.name
            self.path = os.path.join(parent, entry.name)
        try:
            self._link = entry.is_symlink()
            self._dir = entry.is_dir(follow_symlinks=False)
            self._file = entry.is_file(follow_symlinks=False)
        except OSError:
            self._link = self._dir = self._file = False

    def __fspath__(self):
        return self.path

    def __repr__(self) -> str:
        return f"<SourceEntry {self.name!r}>"

    def is_symlink(self) -> bool:
        return self._link

    def _followed(self, test) -> bool:
        try:
            return test(os.stat(self.path).st_mode)
        except OSError:
            return False

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return self._followed(stat.S_ISDIR) if (self._link and follow_symlinks) else self._dir

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return self._followed(stat.S_ISREG) if (self._link and follow_symlinks) else self._file

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        return os.stat(self.path, follow_symlinks=follow_symlinks)


def list_source_dir(path: str | os.PathLike, *, follow: bool = True) -> list[SourceEntry]:
    """The entries of a folder of the examined system, sorted by name, listed the forensic way: the folder
    is opened O_DIRECTORY | O_NOATIME and read through its descriptor (`os.scandir(fd)`), so listing it does
    not change its access time (a plain scandir or listdir does, on a strictatime or relatime mount).
    With follow=False the folder itself must not be a symbolic link (O_NOFOLLOW: ELOOP).

    Raises OSError like os.scandir (PermissionError, FileNotFoundError, NotADirectoryError...)."""
    parent = os.fspath(path)
    directory = getattr(os, "O_DIRECTORY", 0)
    if not directory or os.scandir not in getattr(os, "supports_fd", set()):   # Windows: no folder descriptors
        with os.scandir(parent) as it:
            return sorted((SourceEntry(e, parent) for e in it), key=lambda e: e.name)
    fd = open_dir_noatime(parent, follow=follow)
    try:
        with os.scandir(fd) as it:
            return sorted((SourceEntry(e, parent) for e in it), key=lambda e: e.name)
    finally:
        os.close(fd)


def source_names(path: str | os.PathLike) -> list[str]:
    """The names in a folder of the examined system (list_source_dir), like os.listdir."""
    return [cast(str, e.name) for e in list_source_dir(path)]  # str names for a str folder path


def kernel_uname() -> dict:
    """system, node, release, version, machine of the running kernel, from the uname(2) system call.

    Never `platform.processor()`, `platform.platform()` or iterating `platform.uname()`: on Linux those run
    the host's own `uname -p` program (which a compromised host can replace)."""
    if hasattr(os, "uname"):
        u = os.uname()
        return {"system": u.sysname, "node": u.nodename, "release": u.release, "version": u.version,
                "machine": u.machine}
    import platform  # Windows: named fields only (the processor field is left unevaluated)

    w = platform.uname()
    return {"system": w.system, "node": w.node, "release": w.release, "version": w.version, "machine": w.machine}


def platform_string() -> str:
    """Like platform.platform() (e.g. Linux-6.1.0-18-amd64-x86_64), from kernel_uname() alone."""
    u = kernel_uname()
    return "-".join(x for x in (u["system"], u["release"], u["machine"]) if x)
