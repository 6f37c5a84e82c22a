"""Files deleted from disk but still held open by a process (Linux, checklist H4 / B8).

The content is still reachable through /proc/PID/fd/N until the last descriptor closes (malware often
deletes its own executable, logs or payloads and keeps them open). Each (device, inode) is copied once.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import asdict, dataclass
from typing import Callable

from collectors.acquire.common import CancelFlag, ProgressFn, cancel_requested, report, utc_iso
from collectors.errors import AccessDenied, NoSuchProcess, SourceError

CHUNK = 1 << 20
_DELETED = " (deleted)"


@dataclass
class OpenDeleted:
    pid: int
    fd: int
    process: str
    path: str  # the name it had before deletion
    size: int
    dev: int
    inode: int
    mode: str
    uid: int
    gid: int
    mtime: str | None
    atime: str | None
    ctime: str | None  # the change time: the unlink updates it, so it approximates the deletion time
    other_holders: list

    @property
    def fd_path(self) -> str:
        return f"/proc/{self.pid}/fd/{self.fd}"

    def orig_meta(self) -> dict:
        meta = {k: getattr(self, k) for k in ("mtime", "atime", "ctime") if getattr(self, k)}
        if self.ctime:
            meta["dtime"] = self.ctime  # unlink() sets ctime: the closest record of the deletion
        meta.update({"size": self.size, "path": self.path, "inode": self.inode, "uid": self.uid, "gid": self.gid,
                     "mode": self.mode, "deleted": True, "held_open_by": {"pid": self.pid, "fd": self.fd,
                                                                          "process": self.process}})
        return meta

    def to_json(self) -> dict:
        return asdict(self)


def find_open_deleted(proc: str = "/proc", pids: list[int] | None = None) -> tuple[list[OpenDeleted], list[str]]:
    """Regular files whose name is gone but which a process still holds; plus notes (denied pids...)."""
    found: dict[tuple[int, int], OpenDeleted] = {}
    notes: list[str] = []
    try:
        candidates = pids if pids is not None else sorted(int(p) for p in os.listdir(proc) if p.isdigit())
    except OSError as exc:
        raise SourceError(f"cannot list {proc}: {exc.strerror}", path=proc) from exc
    denied = 0
    for pid in candidates:
        fd_dir = f"{proc}/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except PermissionError:
            denied += 1
            continue
        except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
            continue  # the process exited
        try:
            with open(f"{proc}/{pid}/comm", encoding="utf-8", errors="replace") as fh:
                comm = fh.read().strip()
        except OSError:
            comm = "?"
        for fd in fds:
            link = f"{fd_dir}/{fd}"
            try:
                target = os.readlink(link)
            except OSError:
                continue
            if not target.endswith(_DELETED) or not target.startswith("/"):
                continue  # sockets, pipes, anon_inode:..., memfd: names do not start with '/'
            try:
                st = os.stat(link)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            key = (st.st_dev, st.st_ino)
            if key in found:
                found[key].other_holders.append({"pid": pid, "fd": int(fd), "process": comm})
                continue
            found[key] = OpenDeleted(pid, int(fd), comm, target[: -len(_DELETED)], st.st_size, st.st_dev, st.st_ino,
                                     stat.filemode(st.st_mode), st.st_uid, st.st_gid, utc_iso(st.st_mtime),
                                     utc_iso(st.st_atime), utc_iso(st.st_ctime), [])
    if denied:
        notes.append(f"the open files of {denied} processes could not be listed (needs root)")
    return list(found.values()), notes


def copy_open_deleted(item: OpenDeleted, sink: Callable[[bytes], object], *,
                      cancel: CancelFlag = None, progress: ProgressFn | None = None) -> tuple[int, str]:
    """Copy the content through /proc/PID/fd/N; returns (bytes, sha256) of what was copied (less than the
    file when the flag stopped it: the caller, who raised it, discards the partial copy)."""
    try:
        fh = open(item.fd_path, "rb", buffering=0)
    except FileNotFoundError as exc:
        raise NoSuchProcess(f"process {item.pid} ({item.process}) closed the file or ended",
                            pid=item.pid, name=item.process) from exc
    except PermissionError as exc:
        raise AccessDenied(f"no permission to read {item.fd_path}", pid=item.pid, path=item.fd_path) from exc
    h = hashlib.sha256()
    n = 0
    with fh:
        while True:
            if cancel_requested(cancel):
                break
            block = fh.read(CHUNK)
            if not block:
                break
            h.update(block)
            sink(block)
            n += len(block)
            report(progress, n, item.size, item.path, stage="copy")
    return n, h.hexdigest()
