"""Helpers shared by the spine collectors: tolerant psutil reads, executable hashing, safe file reads.

Nothing here writes to the examined system. Reading is done with O_NOATIME where the OS allows it, so
hashing an executable or reading a config file does not even change its access time.
"""
from __future__ import annotations

import fnmatch
import glob
import hashlib
import os
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from .. import base, records, sources
from ..base import Context, walk_tree  # noqa: F401 - walk_tree is re-exported for the collectors
from ..util import decode_path, open_source, ts_to_iso

IS_LINUX = sys.platform.startswith("linux")
IS_WINDOWS = sys.platform.startswith("win")
DELETED_SUFFIX = " (deleted)"
HASH_CHUNK = 1 << 20


# ------------------------------------------------------------------ reading files
def open_noatime(path: str | os.PathLike) -> int:
    """A read-only descriptor of a regular file, without touching its access time (util.open_source)."""
    return open_source(path)


def read_bytes(path, limit: int = 16 << 20) -> bytes:
    """The first `limit` bytes of a regular file of the examined system (a real path or a VPath)."""
    if sources.is_virtual(path):
        with sources.open_read(path) as fh:
            return fh.read(limit)
    fd = open_noatime(path)
    try:
        chunks, total = [], 0
        while total < limit:
            b = os.read(fd, min(HASH_CHUNK, limit - total))
            if not b:
                break
            chunks.append(b)
            total += len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike | sources.VPath, limit: int = 16 << 20) -> str:
    return read_bytes(path, limit).decode("utf-8", errors="replace")


def read_logical(ctx: Context, logical: str, *, note_missing: bool = False, limit: int = 16 << 20) -> str | None:
    """Text of a file of the examined system (under --root when given), following links inside the root.

    A permission problem becomes a note on the context; a missing file is None (noted when asked).
    """
    real = resolve_in_root(ctx, logical)
    if real is None:
        if note_missing:
            ctx.notes.append(f"{logical}: not found")
        return None
    try:
        return read_text(real, limit)
    except PermissionError:
        ctx.notes.append(f"{logical}: permission denied")
    except IsADirectoryError:
        return None
    except FileNotFoundError:
        if note_missing:
            ctx.notes.append(f"{logical}: not found")
    except OSError as exc:
        ctx.notes.append(f"{logical}: {exc.strerror or exc}")
    return None


def resolve_in_root(ctx: Context, logical: str) -> sources.AnyPath | None:
    """The real path of `logical`, following symbolic links as the examined system would.

    Under --root an absolute link target is re-based under the root (so /etc/resolv.conf ->
    /run/... never escapes into the examiner's machine). None when it does not exist or loops.
    """
    if ctx.root is None:
        try:
            return Path(os.path.realpath(logical)) if os.path.exists(logical) else None
        except OSError:
            return None
    return base.resolve_in_root(ctx.root, logical)


def glob_logical(ctx: Context, pattern: str) -> list[sources.AnyPath]:
    """Real paths matching a logical glob pattern (under --root when given), sorted; no '**' (use walk_tree).

    Under --root each folder is resolved inside the root (a folder the pattern walks into may be an
    absolute link); the matched last part is not followed.
    """
    # Folders are listed with util.source_names (O_NOATIME), live too: glob.glob would change their
    # access times.
    parts = [x for x in pattern.strip("/").split("/") if x]
    prefixes = [""]
    for part in parts:
        if not glob.has_magic(part):
            prefixes = [f"{pre}/{part}" for pre in prefixes]
            continue
        found = []
        for pre in prefixes:
            folder = base.resolve_in_root(ctx.root, pre or "/") if ctx.root is not None else Path(pre or "/")
            if folder is None:
                continue
            try:
                names = sources.listdir(folder)
            except OSError:
                continue
            hidden_ok = part.startswith(".")
            found += [f"{pre}/{n}" for n in sorted(fnmatch.filter(names, part)) if hidden_ok or not n.startswith(".")]
        prefixes = found
    out = {ctx.path(logical) for logical in prefixes}
    return sorted(p for p in out if sources.lexists(p))


@records.record("symlinks", version=1)
@dataclass
class Symlink:
    """One row of symlinks.json, config_symlinks.json, log_symlinks.json: a link recorded, not followed."""
    path: str
    target: str


def link_record(ctx: Context, real: sources.AnyPath) -> dict:
    try:
        target = decode_path(os.fsdecode(sources.readlink(real)))
    except OSError as exc:
        target = f"? ({exc.strerror})"
    return {"path": ctx.logical(real), "target": target}


# ------------------------------------------------------------------ hashing executables
class ExeHasher:
    """SHA-256 of executables, each distinct file hashed once (cache by device, inode, size, mtime).

    On Linux the file is read through /proc/PID/exe when a pid is given: that works for an executable
    deleted from disk (the ' (deleted)' case) and for one replaced since the process started.
    """

    def __init__(self):
        self.cache: dict[tuple, str | None] = {}
        self.errors: dict[tuple, str] = {}
        self.hashed = 0
        self.bytes = 0

    def _key(self, path: str) -> tuple | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def hash(self, exe: str | None, pid: int | None = None) -> tuple[str | None, str | None]:
        """(sha256, error) of a process's executable."""
        candidates = []
        if pid is not None and IS_LINUX:
            candidates.append(f"/proc/{pid}/exe")
        if exe:
            candidates.append(exe)
        last_err = None
        for path in candidates:
            key = self._key(path)
            if key is None:
                last_err = "not readable"
                continue
            if key in self.cache:
                return self.cache[key], self.errors.get(key)
            try:
                digest = self._sha256(path)
            except PermissionError:
                last_err = "permission denied"
                continue
            except OSError as exc:
                last_err = exc.strerror or str(exc)
                continue
            self.cache[key] = digest
            return digest, None
        return None, last_err

    def _sha256(self, path: str) -> str:
        fd = open_noatime(path)
        try:
            h = hashlib.sha256()
            with open(fd, "rb", buffering=0, closefd=False) as fh:
                while True:
                    b = fh.read(HASH_CHUNK)
                    if not b:
                        break
                    h.update(b)
                    self.bytes += len(b)
            self.hashed += 1
            return h.hexdigest()
        finally:
            os.close(fd)


def process_exe(proc) -> tuple[str | None, bool]:
    """(executable path, deleted?) of a psutil process; on Linux read from /proc/PID/exe itself."""
    if IS_LINUX:
        try:
            link = os.readlink(f"/proc/{proc.pid}/exe")
        except FileNotFoundError:
            return None, False  # kernel thread, or the process is gone
        except PermissionError:
            raise psutil.AccessDenied(proc.pid) from None
        except OSError:
            return None, False
        deleted = link.endswith(DELETED_SUFFIX) and not os.path.exists(link)
        if deleted:
            link = link[: -len(DELETED_SUFFIX)]
        return decode_path(link), deleted
    exe = proc.exe()
    return (exe or None), bool(exe) and not os.path.exists(exe)


# ------------------------------------------------------------------ sockets
def proto_of(conn) -> str:
    fam = conn.family
    typ = conn.type
    if fam == getattr(socket, "AF_UNIX", object()):
        return "unix"
    base = "udp" if typ == socket.SOCK_DGRAM else "tcp"
    return base + ("6" if fam == socket.AF_INET6 else "")


def split_addr(addr) -> tuple[str | None, int | None]:
    if not addr:
        return None, None
    if isinstance(addr, str):
        return decode_path(addr), None
    try:
        return addr.ip, addr.port
    except AttributeError:
        return str(addr), None


# Socket states that always belong to an open file of some process (TIME_WAIT, SYN_RECV, FIN_WAIT2...
# have no owner by nature and are not counted as unidentified).
OWNED_STATES = {"LISTEN", "ESTABLISHED", "NONE", "SYN_SENT", "CLOSE_WAIT"}


def net_connections(ctx: Context, kind: str = "inet", *, note_unowned: bool = True) -> list:
    """psutil.net_connections, noting what is hidden without privileges."""
    try:
        conns = psutil.net_connections(kind=kind)
    except psutil.AccessDenied:
        ctx.notes.append("the socket list needs Administrator/root rights: only this process's sockets were read")
        conns = []
        try:
            conns = [c for c in psutil.Process().net_connections(kind=kind)] if hasattr(psutil.Process, "net_connections") \
                else psutil.Process().connections(kind=kind)
        except (psutil.Error, OSError):
            pass
    if conns and not is_privileged() and any(c.pid is None for c in conns):
        ctx.notes.append("the owner (pid, process) of other users' sockets is hidden without root")
    elif conns and note_unowned and is_privileged():
        inet = (socket.AF_INET, socket.AF_INET6)
        unowned = sorted({f"{proto_of(c)} {split_addr(c.laddr)[0]}:{split_addr(c.laddr)[1]}"
                          for c in conns if c.pid is None and c.family in inet and c.status in OWNED_STATES})
        if unowned:
            ctx.notes.append(f"owning process of {len(unowned)} sockets could not be identified even with "
                             "administrator rights (protected process, another namespace, or hidden): "
                             + ", ".join(unowned[:8]) + (" ..." if len(unowned) > 8 else ""))
    return conns


def is_privileged() -> bool:
    from ..util import is_admin

    return is_admin()


class ProcCache:
    """Name and executable of pids, read once each (tolerant of vanished and protected processes)."""

    def __init__(self, hasher: ExeHasher | None = None):
        self.info: dict[int, dict] = {}
        self.hasher = hasher

    def get(self, pid: int | None) -> dict:
        if pid is None:
            return {"process": None, "exe": None, "exe_sha256": None}
        if pid in self.info:
            return self.info[pid]
        out: dict[str, Any] = {"process": None, "exe": None, "exe_sha256": None}
        try:
            p = psutil.Process(pid)
            out["process"] = p.name()
            try:
                exe, _deleted = process_exe(p)
                out["exe"] = exe
            except (psutil.AccessDenied, psutil.ZombieProcess):
                pass
            if self.hasher is not None and out["exe"]:
                out["exe_sha256"], _ = self.hasher.hash(out["exe"], pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
        self.info[pid] = out
        return out


def iso(ts) -> str | None:
    return ts_to_iso(ts) if ts else None


class JsonListWriter:
    """Write typed records into the evidence store one by one (memory stays flat for big lists), as the
    same envelope `ctx.put_records` writes.

        with JsonListWriter(ctx, "process_maps.json", ProcessMap, source="/proc/PID/maps") as out:
            out.add(ProcessMap(...))
        yield out.record

    With `record_cls` (a dataclass of collectors/records.py) the file is the typed envelope
    ``{"schema", "version", "records": [...]}`` and `add` takes instances of that class.
    """

    FLUSH = 1 << 20

    def __init__(self, ctx: Context, name: str, cls: type, *, source: str):
        self.ctx = ctx
        self.cls = cls
        self.kw = ctx._common({"name": name, "source": source, "kind": "api", "media_type": "application/json"})
        self._cm: Any = None
        self._w: Any = None
        self._buf: list[bytes] = []
        self._size = 0
        self.count = 0
        self.record = None

    def __enter__(self) -> "JsonListWriter":
        self._cm = self.ctx.case.writer(**self.kw)
        self._w = self._cm.__enter__()
        return self

    def add(self, rec) -> None:
        import json

        if not isinstance(rec, self.cls):
            raise TypeError(f"expected {self.cls.__name__}, got {type(rec).__name__}")
        if not self.count:
            head = json.dumps({"schema": self.cls.SCHEMA, "version": self.cls.VERSION})  # type: ignore[attr-defined]
            self._buf.append(head[:-1].encode() + b', "records": [\n')
        piece = (b",\n" if self.count else b"") + json.dumps(records.to_dict(rec), ensure_ascii=False,
                                                             default=str).encode("utf-8")
        self._buf.append(piece)
        self._size += len(piece)
        self.count += 1
        if self._size >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._w.write(b"".join(self._buf))
            self._buf, self._size = [], 0

    def __exit__(self, exc_type, exc, tb):
        import json

        if exc_type is None:
            if not self.count:
                self._buf.append(json.dumps(records.dump(self.cls, [])).encode() + b"\n")
            else:
                self._buf.append(b"\n]}\n")
            self._flush()
        result = self._cm.__exit__(exc_type, exc, tb)
        if exc_type is None:
            self.record = self._w.record
            self.ctx.stored.append(self.record)
        return result
