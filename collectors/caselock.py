"""Every lock of a case folder, in one place: OS advisory locks (flock; msvcrt.locking on Windows) that go
away with their process even after a SIGKILL or a power cut, so there is never a stale lock to delete.

- **The collector lock** (`CaseLock`, `Case.claim`): one program collects into a case at a time. The desktop
  app and every command that stores evidence (collect, add, image, memory, recover, capture) take it:

      lock = case.claim("ungcuu collect")      # or CaseLock(case_path, "ungcuu gui").acquire()
      if lock is None: ...                     # holder_text(case.holder()) says who has it

  It is an exclusive lock on `CASE/.ungcuu.lock`; the file holds the holder's pid, program and host (the
  layout of Qt's QLockFile) so the second program can say who has the case. Not evidence, not hashed.
- **The store share** (`StoreShare`, taken by `Case` on every writable open): a shared lock on the
  `evidence/` folder itself. The first opener after a crash, alone, gets it exclusively for a moment and
  reconciles what the crash left (`Case.reconcile`) before sharing it; a reader that only renders a report
  shares it too, so its items in flight are never taken for a crash's leftovers.
- **Folder locks** (`open_folder`, `lock_folder`): creators of one case folder take turns; a half-built case
  being built is not taken for a stale one.
"""
from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
from pathlib import Path
from typing import Callable

LOCK_NAME = ".ungcuu.lock"


def open_folder(path: str | os.PathLike) -> int | None:
    """A descriptor of a folder to lock (None where folders cannot be opened: Windows, or gone)."""
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None


def lock_folder(fd: int, *, exclusive: bool, blocking: bool) -> bool:
    """flock a folder descriptor; False when `blocking` is off and another holds it. Where there is no
    flock (Windows: `open_folder` gives no descriptor there) it is a no-op."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return True
    flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if blocking else fcntl.LOCK_NB)
    try:
        fcntl.flock(fd, flags)
    except BlockingIOError:
        return False
    return True


class StoreShare:
    """A writable opener's share of the lock on a case's `evidence/` folder (see the module docstring)."""

    def __init__(self, evidence_dir: str | os.PathLike):
        self.path = Path(evidence_dir)
        self._fd: int | None = None

    def take(self, alone: Callable[[], object]) -> bool:
        """Take the share; when no other opener holds one, `alone()` runs first under the exclusive lock.
        False where the folder cannot be opened or locked (then nothing was reconciled)."""
        if self._fd is not None:
            return True
        fd = open_folder(self.path)
        if fd is None:
            return False
        try:
            if lock_folder(fd, exclusive=True, blocking=False):
                try:
                    alone()
                finally:
                    lock_folder(fd, exclusive=False, blocking=True)
            else:
                lock_folder(fd, exclusive=False, blocking=True)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)


class CaseLock:
    """The collector lock of a case folder (see the module docstring)."""

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


if sys.platform == "win32":  # pragma: no cover - exercised on Windows
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
