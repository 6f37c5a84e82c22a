"""Small helpers shared by the collectors: time, host, privileges, file metadata."""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import functools
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Iterator


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
    try:
        import getpass

        info["user"] = getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        pass
    return info


def owner_name(uid: int | None) -> str | None:
    if uid is None:
        return None
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return None


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
    noatime = getattr(os, "O_NOATIME", 0)
    fd = None
    if noatime:
        try:
            fd = os.open(path, flags | noatime)
        except PermissionError:
            pass
    if fd is None:
        fd = os.open(path, flags)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file (a device, socket or pipe): not read")
    if expect is not None and (st.st_dev, st.st_ino) != (expect.st_dev, expect.st_ino):
        os.close(fd)
        raise OSError(errno.ESTALE, "replaced while it was being opened")
    return fd
