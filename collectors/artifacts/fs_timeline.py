"""C2 file-system timeline: a Sleuth Kit bodyfile of the whole root, walked without changing any access time.

Every entry (files, folders, links, devices) gets a line ``0|name|inode|mode|uid|gid|size|atime|mtime|
ctime|crtime`` with nanosecond times and the creation time where the file system records it (statx
``stx_btime``). /proc, /sys and /dev (but /dev/shm), pseudo and network file systems, container overlay
mounts and the case folder are not walked (network ones only with ``options['fs_network']``).

Alongside, per part of the root (one top-level folder each, so an interrupted walk resumes at the part it
was in):

- ``fs_hashes-PART.json`` (FileHash): SHA-256 of executables (any x bit), SUID/SGID files and every regular
  file under the suspect locations (web roots, cron and systemd folders, /usr/local, /boot; every file of
  the temporary folders is hashed by temp_dirs),
  each inode once, up to ``options['hash_max_bytes']`` (64 MiB) a file and ``options['hash_total_bytes']``
  in all (unlimited by default); hashing runs on two threads beside the walk;
- ``fs_notable-PART.json`` (FsNotable): SUID/SGID files, file capabilities, immutable and append-only
  files, hidden files in odd places, executables in temp folders, names that are not UTF-8 or hold
  control characters.

Memory stays flat: one folder's names at a time, lines written through a 1 MiB buffer.

``options['fs_roots']`` (or, on a live system, the environment variable UNGCUU_FS_ROOTS, folders separated by ':')
walks only those folders instead of the whole root (the test suite uses it to keep live runs short).
"""
from __future__ import annotations

import errno
import functools
import os
import stat
import struct
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import records, sources
from ..base import Collector, Context
from ..runner import _target
from ..util import decode_path, host_name, ts_to_iso
from . import _linux_fs as lfs
from ._common import JsonListWriter

SKIP_TOP = (b"/proc", b"/sys", b"/dev")
EXTRA_TOPS = (b"/dev/shm",)
TEMP_DIRS = (b"/tmp/", b"/var/tmp/", b"/dev/shm/", b"/run/user/", b"/run/shm/")
SUSPECT = TEMP_DIRS + (b"/var/www/", b"/srv/", b"/usr/local/", b"/etc/cron", b"/var/spool/cron/",
                       b"/etc/systemd/", b"/etc/init.d/", b"/etc/rc.local", b"/etc/ld.so.preload",
                       b"/etc/update-motd.d/", b"/etc/profile.d/", b"/boot/", b"/etc/xdg/autostart/")
# Hidden names are odd in system folders and temp folders, not in homes.
HIDDEN_ODD = TEMP_DIRS + (b"/usr/", b"/bin/", b"/sbin/", b"/lib/", b"/lib64/", b"/boot/", b"/var/www/",
                          b"/srv/", b"/etc/", b"/var/lib/", b"/var/log/", b"/var/spool/", b"/opt/")
HIDDEN_OK = {b".pwd.lock", b".placeholder", b".keep", b".gitkeep", b".gitignore", b".updated", b".build-id",
             b".htaccess", b".well-known", b".dwz", b".X11-unix", b".ICE-unix", b".XIM-unix", b".font-unix",
             b".Test-unix", b".lock", b".java", b".ts", b".ro", b"..data", b".cache", b".config", b".npmignore",
             b".DS_Store", b".travis.yml", b".eslintrc", b".editorconfig", b".github", b".bin", b".hash",
             b".gitattributes", b".ssh"}
DEFAULT_HASH_MAX = 64 << 20
IN_FLIGHT = 64
CAP_NAMES = ("chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
             "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
             "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
             "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
             "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
             "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore")


@records.record("fs_hash", version=1)
@dataclass
class FileHash:
    path: str
    sha256: str
    size: int
    mode: str
    uid: int
    gid: int
    mtime: str | None = None
    why: str = "executable"  # executable | suid | suspect location
    extra: dict = field(default_factory=dict)


@records.record("fs_notable", version=1)
@dataclass
class FsNotable:
    path: str
    kind: str  # suid | sgid | capabilities | immutable | append_only | hidden | temp_executable | odd_name
    mode: str
    uid: int
    gid: int
    size: int
    inode: int
    mtime: str | None = None
    ctime: str | None = None
    btime: str | None = None
    detail: str = ""
    sha256: str | None = None
    extra: dict = field(default_factory=dict)


@functools.lru_cache(maxsize=4096)
def mode_string(mode: int) -> str:
    """0o100644 -> 'r/rrw-r--r--' (the Sleuth Kit's bodyfile mode column)."""
    t = {stat.S_IFDIR: "d", stat.S_IFLNK: "l", stat.S_IFCHR: "c", stat.S_IFBLK: "b", stat.S_IFIFO: "p",
         stat.S_IFSOCK: "s"}.get(stat.S_IFMT(mode), "r")
    return f"{t}/{t}{stat.filemode(mode)[1:]}"


def escape_name(name: str) -> str:
    """A bodyfile name: '\\' and '|' escaped, control characters as \\xNN (what the parser undoes)."""
    out = name.replace("\\", "\\\\").replace("|", "\\|")
    if out.isprintable():
        return out
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c for c in out)


def capabilities(raw: bytes) -> str:
    """security.capability (VFS v1-v3) -> 'cap_setuid,cap_net_raw+ep'."""
    if len(raw) < 12:
        return "?"
    magic, p_lo, _i_lo = struct.unpack_from("<III", raw)
    p_hi = struct.unpack_from("<I", raw, 12)[0] if len(raw) >= 20 else 0
    perm = p_lo | (p_hi << 32)
    names = [f"cap_{CAP_NAMES[i]}" if i < len(CAP_NAMES) else f"cap_{i}" for i in range(64) if perm >> i & 1]
    rootid = ""
    if magic >> 24 == 3 and len(raw) >= 24:
        rootid = f" (rootid {struct.unpack_from('<I', raw, 20)[0]})"
    return ",".join(names) + ("+ep" if magic & 1 else "+p") + rootid


def _under(path: bytes, prefixes: tuple[bytes, ...]) -> bytes | None:
    for p in prefixes:
        if path.startswith(p):
            return p
    return None


@functools.lru_cache(maxsize=1024)
def folder_class(folder: bytes) -> tuple[bool, bool, bool]:
    """(suspect location, hidden names odd, temporary folder) of the entries of a folder."""
    f = folder + b"/"
    return bool(_under(f, SUSPECT)), bool(_under(f, HIDDEN_ODD)), bool(_under(f, TEMP_DIRS))


@dataclass
class Counters:
    walked: int = 0
    hashed: int = 0
    hashed_bytes: int = 0
    not_hashed_big: int = 0
    not_hashed_budget: int = 0
    errors: int = 0


class _Hasher:
    """SHA-256 of opened files on two threads; results collected in the walking thread."""

    def __init__(self, counters: Counters):
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fs-hash")
        self.pending: deque = deque()
        self.counters = counters

    def submit(self, fd: int, row: FileHash, notable: list[FsNotable]):
        self.pending.append((self.pool.submit(self._run, fd), row, notable))

    def submit_entry(self, e: lfs.Entry, row: FileHash, notable: list[FsNotable]):
        """A file inside a disk image's file system: hashed here, on the walking thread (one reader of
        the image at a time)."""
        fut: Future = Future()
        try:
            fut.set_result(e.hash())
        except OSError as exc:
            fut.set_exception(exc)
        self.pending.append((fut, row, notable))

    @staticmethod
    def _run(fd: int):
        try:
            return lfs.hash_fd(fd)
        finally:
            os.close(fd)

    def ready(self, block: bool = False):
        while self.pending and (block or self.pending[0][0].done() or len(self.pending) > IN_FLIGHT):
            fut, row, notable = self.pending.popleft()
            try:
                (digest,), n = fut.result()
            except OSError:
                self.counters.errors += 1
                yield None, notable
                continue
            row.sha256 = digest
            for x in notable:
                x.sha256 = digest
            self.counters.hashed += 1
            self.counters.hashed_bytes += n
            yield row, notable

    def close(self):
        self.pool.shutdown(wait=True)  # at most IN_FLIGHT files: each one's descriptor is closed by its job


def _part_name(top: bytes) -> str:
    tag = decode_path(top).strip("/").replace("/", "_") or "root"
    return tag


class FsTimeline(Collector):
    name = "fs_timeline"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        return None

    # ------------------------------------------------------------------ what to walk
    def _skips(self, ctx: Context) -> tuple[set[bytes], set[tuple[int, int]], list[str]]:
        """Logical folders not to enter, (dev, ino) not to enter, and notes on why."""
        paths = {p for p in SKIP_TOP}
        notes = []
        for extra in ctx.options.get("fs_skip") or ():
            paths.add(os.fsencode(str(extra).rstrip("/") or "/"))
        if ctx.live:
            for mp, fstype in lfs.mounts():
                if mp == "/":
                    continue
                b = os.fsencode(mp)
                if b in paths or b in EXTRA_TOPS:
                    continue
                if fstype in lfs.PSEUDO_FS:
                    paths.add(b)
                elif fstype in lfs.NETWORK_FS or fstype.startswith("fuse.") and fstype != "fuse.lxcfs":
                    if not ctx.options.get("fs_network"):
                        paths.add(b)
                        notes.append(f"{mp}: {fstype} (network or user file system) not walked "
                                     "(options fs_network walks it)")
                elif fstype == "overlay":
                    paths.add(b)
                    notes.append(f"{mp}: container overlay mount not walked (its layers are walked under "
                                 "the container state folder)")
        inodes = set()
        try:
            st = Path(ctx.case.path).stat()
            inodes.add((st.st_dev, st.st_ino))
        except OSError:
            pass
        return paths, inodes, notes

    def _tops(self, ctx: Context) -> list[bytes]:
        chosen = ctx.options.get("fs_roots") or (
            [p for p in os.environ.get("UNGCUU_FS_ROOTS", "").split(":") if p] if ctx.live else None)
        if chosen:
            return [os.fsencode("/" + str(p).strip("/")) for p in chosen
                    if _is_dir(self._real(ctx, os.fsencode("/" + str(p).strip("/"))))]
        try:
            entries = sources.scandir(ctx.root if ctx.root is not None else "/")
        except OSError:
            return []
        names = sorted(os.fsencode(e.name) for e in entries if e.is_dir(follow_symlinks=False))
        extra = [t for t in EXTRA_TOPS if sources.is_real_dir(self._real(ctx, t))]
        return [b"/"] + [b"/" + n for n in names] + extra

    def _real(self, ctx: Context, logical: bytes):
        """Where a logical folder is read: bytes of a real path, or a VPath inside a disk image."""
        if ctx.root is None:
            return logical
        if sources.is_virtual(ctx.root):
            rel = os.fsdecode(logical).strip("/")
            return ctx.root / rel if rel else ctx.root
        return os.fsencode(str(ctx.root)) + (logical if logical != b"/" else b"")

    def _prior_part(self, ctx: Context, name: str):
        """This part as stored by an earlier run that was interrupted before the item ended (resume)."""
        rows = ctx.case.db.execute(
            "SELECT e.id, e.run_id FROM evidence e WHERE e.name = ? AND e.collector = ? AND e.checklist_id = ? "
            "ORDER BY e.seq DESC LIMIT 1", (name, self.name, ctx.checklist_id)).fetchall()
        if not rows or rows[0]["run_id"] in (None, ctx.run_id):
            return None
        run_id = rows[0]["run_id"]
        run = ctx.case.db.execute("SELECT root, host FROM runs WHERE id = ?", (run_id,)).fetchone()
        if run is None or _target(run["root"], run["host"]) != _target(str(ctx.root) if ctx.root else None,
                                                                        host_name()):
            return None
        out = ctx.case.db.execute("SELECT state FROM outcomes WHERE run_id = ? AND checklist_id = ?",
                                  (run_id, ctx.checklist_id)).fetchone()
        if out is not None and out["state"] != "interrupted":
            return None
        return ctx.case.get_evidence(rows[0]["id"])

    # ------------------------------------------------------------------ collect
    def collect(self, ctx: Context):
        skip_paths, skip_inodes, notes = self._skips(ctx)
        for n in notes:
            yield ctx.incomplete(n)
        if not lfs.has_statx():
            yield ctx.incomplete("statx is not available in this C library: creation times not recorded")
        hash_max = int(ctx.options.get("hash_max_bytes") or DEFAULT_HASH_MAX)
        budget = ctx.options.get("hash_total_bytes")
        budget = int(budget) if budget else None
        counters = Counters()
        self.counters = counters
        seen_inodes: set[tuple[int, int]] = set()
        hasher = _Hasher(counters)
        errors: list[str] = []
        try:
            for top in self._tops(ctx):
                if ctx.cancelled:
                    return
                if top != b"/" and top in skip_paths:
                    continue
                part = _part_name(top)
                prior = self._prior_part(ctx, f"bodyfile-{part}.body")
                if prior is not None:
                    for nm in (f"bodyfile-{part}.body", f"fs_hashes-{part}.json", f"fs_notable-{part}.json"):
                        rec = ctx.case.latest(nm, ctx.checklist_id)
                        if rec is not None:
                            ctx.stored.append(rec)
                            yield rec
                    continue
                try:
                    yield from self._walk_part(ctx, top, part, skip_paths, skip_inodes, seen_inodes, hasher,
                                               hash_max, budget, errors)
                except _Cancelled:
                    return
        finally:
            hasher.close()
        if counters.not_hashed_big:
            yield ctx.incomplete(f"{counters.not_hashed_big} files larger than {hash_max} bytes were not hashed "
                                 "(options hash_max_bytes)")
        if counters.not_hashed_budget:
            yield ctx.incomplete(f"hash budget of {budget} bytes reached: {counters.not_hashed_budget} files "
                                 "not hashed (options hash_total_bytes)")
        if errors:
            shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
            yield ctx.incomplete(f"{len(errors)} entries could not be read: {shown}")

    def _walk_part(self, ctx, top, part, skip_paths, skip_inodes, seen_inodes, hasher, hash_max, budget, errors):
        counters = self.counters
        real_top = self._real(ctx, top)
        only_files = top == b"/"  # the root part lists the root's own entries, not its folders' contents
        body_kw = ctx._common({"name": f"bodyfile-{part}.body", "source": f"walk of {decode_path(top)}",
                               "kind": "api", "media_type": "text/plain"})

        def on_error(path: bytes, exc: OSError):
            counters.errors += 1
            if len(errors) < 1000:
                errors.append(f"{decode_path(path)}: {exc.strerror or exc}")

        def skip(path: bytes, st: lfs.Stat) -> str | None:
            if only_files:
                return "root part"
            if path in skip_paths or (st.dev, st.ino) in skip_inodes:
                return "skipped"
            return None

        hashes = JsonListWriter(ctx, f"fs_hashes-{part}.json", FileHash,
                                source=f"SHA-256 of files under {decode_path(top)}")
        notable = JsonListWriter(ctx, f"fs_notable-{part}.json", FsNotable,
                                 source=f"notable files under {decode_path(top)}")
        buf: list[str] = []
        size = 0
        with ctx.case.writer(**body_kw) as w, hashes, notable:
            if top in EXTRA_TOPS:  # its parent part (/dev) is not walked: its own line is written here
                try:
                    st = lfs.stat_of(real_top)
                    line = self._line(top, st)
                    buf.append(line)
                    size += len(line)
                except OSError as exc:
                    on_error(top, exc)
            for e in lfs.walk(real_top, top, skip=skip, on_error=on_error, cancelled=lambda: ctx.cancelled):
                st = e.st
                counters.walked += 1
                line = self._line(e.path, st)
                buf.append(line)
                size += len(line)
                if size >= 1 << 20:
                    w.write("".join(buf).encode("utf-8", "surrogateescape"))
                    buf, size = [], 0
                if counters.walked % 20000 == 0:
                    yield ctx.progress(counters.walked, None, decode_path(e.path))
                mode = st.mode
                is_reg = stat.S_ISREG(mode)
                found = self._notable(ctx, e, real_top, top)
                hashing = False
                if is_reg:
                    why = None
                    if mode & (stat.S_ISUID | stat.S_ISGID):
                        why = "suid"
                    elif mode & 0o111:
                        why = "executable"
                    elif folder_class(e.path[:-len(e.name) - 1])[0] and not folder_class(
                            e.path[:-len(e.name) - 1])[2]:  # temp folders: temp_dirs hashes every file
                        why = "suspect location"
                    if why and (st.dev, st.ino) not in seen_inodes:
                        seen_inodes.add((st.dev, st.ino))
                        if st.size > hash_max:
                            counters.not_hashed_big += 1
                        elif budget is not None and counters.hashed_bytes + st.size > budget:
                            counters.not_hashed_budget += 1
                        elif e.vpath is not None:
                            row = FileHash(decode_path(e.path), "", st.size, mode_string(mode), st.uid, st.gid,
                                           ts_to_iso(st.mtime_ns / 1e9), why)
                            hasher.submit_entry(e, row, found)
                            hashing = True
                        else:
                            try:
                                fd = lfs.open_file_at(e.dir_fd, e.name)
                            except OSError as exc:
                                if exc.errno != errno.ENOENT:
                                    on_error(e.path, exc)
                            else:
                                row = FileHash(decode_path(e.path), "", st.size, mode_string(mode), st.uid, st.gid,
                                               ts_to_iso(st.mtime_ns / 1e9), why)
                                hasher.submit(fd, row, found)  # the notable rows are written with their hash
                                hashing = True
                if not hashing:
                    for n in found:
                        notable.add(n)
                for row, found_rows in hasher.ready():
                    if row is not None:
                        hashes.add(row)
                    for n in found_rows:
                        notable.add(n)
            for row, found_rows in hasher.ready(block=True):
                if row is not None:
                    hashes.add(row)
                for n in found_rows:
                    notable.add(n)
            if buf:
                w.write("".join(buf).encode("utf-8", "surrogateescape"))
            if ctx.cancelled:
                raise _Cancelled()
        ctx.stored.append(w.record)  # the two JsonListWriters add their own records
        for rec in (w.record, hashes.record, notable.record):
            yield rec
        yield ctx.progress(counters.walked, None, f"{decode_path(top)} walked")

    @staticmethod
    def _line(path: bytes, st: lfs.Stat) -> str:
        a, an = divmod(st.atime_ns, 1_000_000_000)
        m, mn = divmod(st.mtime_ns, 1_000_000_000)
        c, cn = divmod(st.ctime_ns, 1_000_000_000)
        b, bn = divmod(st.btime_ns or 0, 1_000_000_000)
        name = escape_name(path.decode("utf-8") if path.isascii() else decode_path(path))
        return (f"0|{name}|{st.ino}|{mode_string(st.mode)}|{st.uid}|{st.gid}|{st.size}|"
                f"{a}.{an:09d}|{m}.{mn:09d}|{c}.{cn:09d}|{b}.{bn:09d}\n")

    def _notable(self, ctx, e: lfs.Entry, real_top: bytes, top: bytes) -> list[FsNotable]:
        st = e.st
        mode = st.mode
        kinds: list[tuple[str, str]] = []
        is_reg = stat.S_ISREG(mode)
        if is_reg and mode & stat.S_ISUID:
            kinds.append(("suid", f"set-user-ID, owner uid {st.uid}"))
        if is_reg and mode & stat.S_ISGID and mode & 0o010:
            kinds.append(("sgid", f"set-group-ID, group gid {st.gid}"))
        if st.attributes & lfs.STATX_ATTR_IMMUTABLE:
            kinds.append(("immutable", "immutable attribute (chattr +i): cannot be changed or deleted"))
        if st.attributes & lfs.STATX_ATTR_APPEND:
            kinds.append(("append_only", "append-only attribute (chattr +a)"))
        name = e.name
        if is_reg and mode & 0o111:
            raw = None
            if e.vpath is None:  # extended attributes: read from a real folder only
                try:
                    raw = os.getxattr(self._real(ctx, e.path), "security.capability", follow_symlinks=False)
                except OSError:
                    raw = None
            if raw:
                kinds.append(("capabilities", capabilities(raw)))
            if folder_class(e.path[:-len(name) - 1])[2]:
                kinds.append(("temp_executable", "executable file in a temporary folder"))
        if name.startswith(b".") and name not in (b".", b"..") and name not in HIDDEN_OK \
                and folder_class(e.path[:-len(name) - 1])[1]:
            kinds.append(("hidden", "hidden name in a system or temporary folder"))
        if name.isascii() and name.isalnum():
            odd = False
        else:
            try:
                text = name.decode("utf-8")
                odd = not text.isprintable() or text.strip() != text or text.strip(". ") == ""
            except UnicodeDecodeError:
                odd = True
        if odd:
            kinds.append(("odd_name", "name is not UTF-8, holds control characters or is only dots/spaces"))
        if not kinds:
            return []
        common: dict[str, Any] = dict(path=decode_path(e.path), mode=mode_string(mode), uid=st.uid, gid=st.gid, size=st.size,
                      inode=st.ino, mtime=ts_to_iso(st.mtime_ns / 1e9), ctime=ts_to_iso(st.ctime_ns / 1e9),
                      btime=ts_to_iso(st.btime_ns / 1e9) if st.btime_ns else None)
        return [FsNotable(kind=k, detail=d, **common) for k, d in kinds]


def _is_dir(path) -> bool:
    """A folder, or a link to one (a real path or a VPath)."""
    try:
        return stat.S_ISDIR(sources.stat(path).st_mode)
    except OSError:
        return False


class _Cancelled(Exception):
    """Raised inside the part's writers so the partial part is discarded (it is walked again on resume)."""
