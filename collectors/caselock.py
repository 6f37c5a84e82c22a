"""One writer per case folder: the desktop app and the command line take the same lock before they collect.

    lock = CaseLock(case_path, "gui")
    if not lock.acquire():
        print(lock.holder())        # {"pid": ..., "host": ..., "app": ...} of whoever has it

The lock is an OS advisory lock (flock / LockFileEx through msvcrt) on `CASE/.ungcuu.lock`, so it goes away
with its process even after a SIGKILL or a power cut: no stale lock to delete by hand. The file holds the
holder's pid, program and host (the layout of Qt's QLockFile: pid, application name, host name) so the
second program can say who has the case. The lock file is not evidence and is not hashed.
"""
from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

LOCK_NAME = ".ungcuu.lock"


class CaseLock:
    def __init__(self, case_path: str | os.PathLike, app: str = "ungcuu"):
        self.path = Path(case_path) / LOCK_NAME
        self.app = app
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another process holds it (or the folder is read-only)."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            # A read-only medium or folder: no one can collect into this case, so there is nothing to
            # guard; the first write then fails with its own clear message (and reading still works).
            return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n{self.app}\n{socket.gethostname()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        except OSError:
            pass
        os.close(fd)

    def holder(self) -> dict:
        """Who holds the lock, as written in the lock file ({} when unknown)."""
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return {}
        keys = ("pid", "app", "host")
        return {k: v for k, v in zip(keys, lines) if v}

    def __enter__(self) -> "CaseLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def holder_text(holder: dict) -> str:
    """"ungcuu gui (pid 123 on host-1)" for a message."""
    if not holder:
        return "another program"
    return f"{holder.get('app', 'ungcuu')} (pid {holder.get('pid', '?')} on {holder.get('host', '?')})"


if os.name == "nt":  # pragma: no cover - exercised on Windows
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
