"""The collector model: a typed context, progress events, and the registry of collectors.

A collector is a small class in a module of its own under `collectors/artifacts/`:

    class Processes(Collector):
        name = "processes"              # referenced from resources/checklist.yaml
        version = "1.0"
        os = ("linux", "windows")       # where it can run
        live_only = True                # needs the running system (not a mounted image under --root)

        def check(self, ctx) -> str | None:   # why it cannot run here, or None
            ...
        def collect(self, ctx):               # a generator
            yield ctx.progress(0, None, "listing processes")
            yield ctx.put_records("processes.json", Process, rows, source="psutil.process_iter")

Evidence is written through the context (hashed as written, indexed, custody-logged). Collectors check
`ctx.cancelled` between units of work and simply return when it is set.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import os
import pkgutil
import queue
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

from . import __version__, records, sources
from .case import Case, EvidenceRecord, file_fingerprint
from .errors import AccessDenied, SourceError
from .util import decode_path, passwd_source, ts_to_iso


@dataclasses.dataclass
class Progress:
    """How far a collector (or an acquisition engine it runs) has come. Engines leave checklist_id empty;
    `Job` stamps the collector's id on their reports."""
    checklist_id: str
    done: int
    total: int | None
    message: str
    unit: str = "items"                 # items, bytes, files, packets, inodes, ...
    stage: str = ""                     # a short machine word: image, verify, scan, carve, dump, ...
    rate: float | None = None           # units per second
    eta_seconds: float | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


@dataclasses.dataclass
class Incomplete:
    checklist_id: str
    reason: str


def current_os() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "darwin"
    return sys.platform


def find_case_insensitive(root: sources.AnyPath, rel: str) -> sources.AnyPath | None:
    """Resolve `rel` (a/b/c) under `root` matching each part case-insensitively (Windows layouts).

    Never leaves `root`: a part that is a symbolic link (or '..', e.g. in a profile path read from a
    hostile registry hive) gives None.
    """
    cur = root
    for part in PurePosixPath(rel).parts:
        if part in ("/", "."):
            continue
        if part == "..":
            return None
        candidate = cur / part
        if not sources.lexists(candidate):
            try:
                found = next((sources.entry_path(e) for e in sources.scandir(cur) if e.name.lower() == part.lower()), None)
            except OSError:
                return None
            if found is None:
                return None
            candidate = found
        if candidate.is_symlink():
            return None
        cur = candidate
    return cur


def _walk_in_root(root: sources.AnyPath, logical: str, max_links: int = 40) -> tuple[list[str], list[str]]:
    """Follow `logical` part by part under `root` as the examined system would, re-basing an absolute
    link target under the root and stopping '..' at it. Returns (resolved parts, the rest): the rest is
    empty when the whole path resolved, else it starts at the first part that does not exist, cannot
    be read, or is a link past `max_links` (a loop)."""
    parts = [x for x in logical.split("/") if x]
    resolved: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        cand = root.joinpath(*resolved, part)
        try:
            st = sources.lstat(cand)
        except OSError:
            return resolved, [part] + parts
        if stat.S_ISLNK(st.st_mode):
            links += 1
            try:
                if links > max_links:
                    raise OSError("too many levels of links")
                target = sources.readlink(cand)
            except OSError:
                return resolved, [part] + parts
            if target.startswith("/"):
                resolved = []
            parts = [x for x in target.split("/") if x] + parts
            continue
        resolved.append(part)
    return resolved, []


def resolve_in_root(root: sources.AnyPath, logical: str) -> sources.AnyPath | None:
    """The real path of `logical` under `root`, every link followed inside it; None when it does not
    exist or loops."""
    resolved, rest = _walk_in_root(root, logical)
    return None if rest else root.joinpath(*resolved)


def path_in_root(root: sources.AnyPath, logical: str) -> sources.AnyPath:
    """The real path of `logical` under `root` with its folders resolved inside the root (see
    `_walk_in_root`) and its last part left as it is: a link there stays a link for the caller to
    record or refuse. A path whose folders do not resolve gives a path that does not exist."""
    parts = [x for x in logical.split("/") if x and x != "."]
    if not parts:
        return root
    if parts[-1] == "..":
        return resolve_in_root(root, logical) or root.joinpath(*parts)
    resolved, rest = _walk_in_root(root, "/".join(parts[:-1]))
    # An unresolved folder: joined as it is, it either does not exist or is a link the kernel cannot
    # follow either (a loop, an unreadable link), so nothing outside the root is reached.
    return root.joinpath(*resolved, *rest, parts[-1])


def detect_root_os(root: sources.AnyPath) -> str:
    """Which OS a dead-box root holds: 'windows' when it has a Windows/System32 folder, else 'linux'."""
    if find_case_insensitive(root, "Windows/System32") is not None:
        return "windows"
    return "linux"


@functools.lru_cache(maxsize=64)
def _program_identity(path: str, size: int, mtime_ns: int, ino: int) -> dict:
    from .util import open_source

    h = hashlib.sha256()
    fd = open_source(path)
    with os.fdopen(fd, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"real_path": path, "sha256": h.hexdigest(), "size": size}


def host_program(name: str) -> dict | None:
    """Which program of the host `name` runs: its resolved path, the real file behind links, its SHA-256 and
    size (a trojaned binary is then at least identified). None when it is not installed."""
    found = shutil.which(name)
    if found is None:
        return None
    real = os.path.realpath(found)
    info: dict = {"name": name, "path": found}
    try:
        st = os.stat(real)
        info.update(_program_identity(real, st.st_size, st.st_mtime_ns, st.st_ino))
    except OSError as exc:
        info.update(real_path=real, sha256=None, error=exc.strerror or str(exc))
    return info


class Context:
    """What a collector gets: where to read (live system or an offline root) and where to write.

    `root` is a folder (a mounted image or a copied tree) or a `sources.VPath`, the root of a file
    system read without mounting it (a partition of a disk image: collectors/sources/images.py).
    """

    def __init__(self, case: Case, *, run_id: str | None, checklist_id: str,
                 root: str | os.PathLike | sources.VPath | None = None,
                 cancel: threading.Event | None = None, options: dict | None = None,
                 collector_name: str = "?", collector_version: str = __version__):
        self.case = case
        self.run_id = run_id
        self.checklist_id = checklist_id
        self.root: sources.AnyPath | None = (
            root if isinstance(root, sources.VPath) else (Path(root).resolve() if root else None))
        self.cancel = cancel or threading.Event()
        self.options = options or {}
        self.collector_name = collector_name
        self.collector_version = collector_version
        self.stored: list[EvidenceRecord] = []
        self.notes: list[str] = []
        self.os = detect_root_os(self.root) if self.root else current_os()
        self._host: str | None = None
        self.programs: list[dict] = []     # the host programs this collector ran (run_program)

    # --------------------------------------------------------------- state
    @property
    def live(self) -> bool:
        return self.root is None

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def progress(self, done: int, total: int | None, message: str) -> Progress:
        return Progress(self.checklist_id, done, total, message)

    def incomplete(self, reason: str) -> Incomplete:
        """Record that something is missing (yield the result so the UI sees it at once)."""
        self.notes.append(reason)
        return Incomplete(self.checklist_id, reason)

    @property
    def host(self) -> str:
        """The examined host's name (from the offline root's /etc/hostname when there is one)."""
        if self._host is None:
            from .util import host_name

            self._host = host_name()
            if self.root is not None:
                from .artifacts._common import read_text  # regular files only: a pipe never blocks

                real = resolve_in_root(self.root, "/etc/hostname")  # a link stays inside the root
                try:
                    name = read_text(real, limit=4096).strip() if real is not None else ""
                except OSError:
                    name = ""
                self._host = name.splitlines()[0] if name else f"offline root {self.root}"
        return self._host

    def _passwd(self) -> sources.AnyPath | None:
        """Where the owner names of stored files come from: the offline root's own etc/passwd (resolved
        inside it; a Windows root has none, so no names), or None for the running system's."""
        if self.root is None:
            return None
        return resolve_in_root(self.root, "/etc/passwd") or self.root / "etc" / "passwd"

    # --------------------------------------------------------------- paths
    def path(self, logical: str) -> sources.AnyPath:
        """The real path of a path as seen on the examined system (under --root when given).

        Under --root the folders on the way are resolved inside the root (an absolute link such as
        /home/bob -> /data/bob never reaches the examiner's machine); the last part is not followed.
        """
        if self.root is None:
            return Path(logical)
        return path_in_root(self.root, logical)

    def logical(self, real: sources.AnyPath) -> str:
        """The examined system's view of a real path."""
        if isinstance(real, sources.VPath):
            return decode_path(real.posix)
        if self.root is None or isinstance(self.root, sources.VPath):
            return decode_path(os.fsdecode(real))
        try:
            return "/" + decode_path(os.fsdecode(Path(real).relative_to(self.root)))
        except ValueError:
            return decode_path(os.fsdecode(real))

    def job(self, fn, /, *args, **kw) -> "Job":
        """Run an acquisition engine on a worker thread (see `Job`)."""
        return Job(self, fn, *args, **kw)

    # --------------------------------------------------------------- writing evidence
    def _common(self, kw: dict) -> dict:
        kw.setdefault("checklist_id", self.checklist_id)
        kw.setdefault("collector", self.collector_name)
        kw.setdefault("collector_version", self.collector_version)
        kw.setdefault("run_id", self.run_id)
        kw.setdefault("host", self.host)
        return kw

    def _programs_meta(self, kw: dict) -> dict:
        """Evidence made after a host program ran records which programs ran (path, SHA-256, argv)."""
        if self.programs and "orig_meta" not in kw:
            kw["orig_meta"] = {"programs": list(self.programs)}
        return kw

    def run_program(self, argv: list[str], *, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
        """Run a program of the host, recorded: the resolved path, its SHA-256 and the exact argv run are
        kept in `self.programs` and in the evidence stored afterwards. Raises FileNotFoundError when the
        program is not installed, and what subprocess.run raises."""
        info = host_program(argv[0])
        if info is None:
            raise FileNotFoundError(f"{argv[0]} is not installed")
        run = [info["path"]] + list(argv[1:])
        self.programs.append({**info, "argv": run})
        kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(run, capture_output=True, timeout=timeout, **kw)

    def put_json(self, name: str, obj: Any, *, source: str, **kw) -> EvidenceRecord:
        rec = self.case.add_json(obj, name=name, source=source, **self._common(self._programs_meta(kw)))
        self.stored.append(rec)
        return rec

    def put_records(self, name: str, cls: type, rows: Iterable[Any], *, source: str, **kw) -> EvidenceRecord:
        """Store typed records (see collectors/records.py) as a versioned JSON envelope."""
        return self.put_json(name, records.dump(cls, rows), source=source, **kw)

    def put_record(self, name: str, obj: Any, *, source: str, **kw) -> EvidenceRecord:
        """Store one typed record (an artifact that is a single object, such as system.json)."""
        return self.put_json(name, records.dump_one(obj), source=source, **kw)

    @contextlib.contextmanager
    def writer(self, **kw) -> Iterator[Any]:
        """Stream content of unknown size into the store (see `Case.writer`); the record is stored on exit."""
        with self.case.writer(**self._common(kw)) as w:
            yield w
        assert w.record is not None  # set when the block ended without an error
        self.stored.append(w.record)

    def adopt_file(self, path: str | os.PathLike, *, sha256: str, size: int, **kw) -> EvidenceRecord:
        """Index a file already written and hashed inside the case folder (image parts, see `Case.adopt_file`)."""
        rec = self.case.adopt_file(path, sha256=sha256, size=size, **self._common(kw))
        self.stored.append(rec)
        return rec

    def put_bytes(self, name: str, data: bytes, *, source: str, kind: str = "command", **kw) -> EvidenceRecord:
        rec = self.case.add_bytes(data, name=name, source=source, kind=kind, **self._common(self._programs_meta(kw)))
        self.stored.append(rec)
        return rec

    def put_file(self, real_path: sources.AnyPath, *, limit: int | None = None, **kw) -> EvidenceRecord | Incomplete:
        """Copy one file; a source problem becomes an Incomplete note (the run goes on).

        Resuming: a file already stored from the same source with the same size and mtime is not
        copied again; the stored record is reused.
        """
        logical = self.logical(real_path)
        try:
            st = sources.lstat(real_path)
            fp = file_fingerprint(st)
            prior = self.case.find_evidence(checklist_id=kw.get("checklist_id", self.checklist_id),
                                            source=logical, fingerprint=fp)
            # A head kept under the same size cap is as complete as it will get: not copied again either.
            capped = limit is not None and prior is not None and prior.size == limit and all(
                n.startswith("size cap of ") for n in prior.incomplete)
            if prior is not None and (not prior.incomplete or capped):
                self.stored.append(prior)
                self.notes.extend(f"{logical}: {n}" for n in prior.incomplete)
                return prior
            kw = self._common(kw)
            if self.root is not None:
                kw.setdefault("name", real_path.name)
            if isinstance(real_path, sources.VPath):
                rec = self._put_virtual(real_path, st, fp, logical, limit, kw)
            else:
                passwd = self._passwd()  # a real path: under a real root, whose passwd is a real path too
                with passwd_source(None if isinstance(passwd, sources.VPath) else passwd):
                    rec = self.case.add_file(real_path, source=logical, limit=limit,
                                             cancelled=lambda: self.cancelled, **kw)
        except (AccessDenied, PermissionError):
            return self._put_locked(real_path, logical, limit, kw)
        except FileNotFoundError:
            return self.incomplete(f"{logical}: vanished before it could be read")
        except SourceError as exc:
            shown = str(real_path) if isinstance(real_path, sources.VPath) else os.fsdecode(real_path)
            return self.incomplete(str(exc).replace(shown, logical))
        except OSError as exc:
            return self.incomplete(f"{logical}: {exc.strerror or exc}")
        self.stored.append(rec)
        for note in rec.incomplete:
            self.notes.append(f"{logical}: {note}")
        return rec

    def _put_virtual(self, path: sources.VPath, st, fingerprint: str, logical: str, limit: int | None,
                     kw: dict) -> EvidenceRecord:
        """Copy a file of a file system read without mounting it (an image's partition, a raw volume)."""
        if stat.S_ISLNK(st.st_mode):
            raise SourceError(f"{logical} is a symbolic link: not followed", path=logical)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(f"{logical} is not a regular file", path=logical)
        meta = {"size": st.st_size, "mtime": ts_to_iso(st.st_mtime), "atime": ts_to_iso(st.st_atime),
                "ctime": ts_to_iso(st.st_ctime), "btime": ts_to_iso(st.st_birthtime), "uid": st.st_uid,
                "gid": st.st_gid, "mode": stat.filemode(st.st_mode), "mode_octal": oct(stat.S_IMODE(st.st_mode)),
                "inode": st.st_ino, "read_from": path.fs.label}
        meta.update(getattr(path.fs, "evidence_meta", {}) or {})
        kw.setdefault("name", path.name)
        skip = max(0, st.st_size - limit) if kw.pop("keep", "head") == "tail" and limit is not None else 0
        incomplete = list(kw.pop("incomplete", ()))
        if skip:  # as Case.add_file: the newest part of a log over the cap
            meta["copied_from_byte"] = skip
            incomplete.append(f"size cap of {limit} bytes reached: only the last {st.st_size - skip} bytes were "
                              f"copied (the newest part, from byte {skip} of {st.st_size}; the oldest {skip} bytes "
                              "were left out)")
        with sources.open_read(path) as fh:
            fh.seek(skip)
            return self.case.add_stream(fh, source=logical, orig_meta={**meta, **kw.pop("orig_meta", {})},
                                        fingerprint=fingerprint, size_hint=st.st_size - skip,
                                        limit=None if skip else limit, incomplete=incomplete,
                                        cancelled=lambda: self.cancelled, kind=kw.pop("kind", "file"), **kw)

    def _put_locked(self, real_path, logical: str, limit: int | None, kw: dict) -> EvidenceRecord | Incomplete:
        """A file that refused to open. On live Windows (a file the system holds locked) it is read
        through its raw volume (sources.rawvolume); else, or when that fails too, permission denied."""
        from .sources import rawvolume

        alt = None if not self.live or sources.is_virtual(real_path) else rawvolume.vpath_for(real_path)
        if alt is None:
            return self.incomplete(f"{logical}: permission denied")
        try:
            st = alt.lstat()
            try:  # the fingerprint of the path as the system shows it, so a resumed run finds this copy
                fp = file_fingerprint(os.stat(real_path, follow_symlinks=False))
            except OSError:
                fp = file_fingerprint(st)
            kw = self._common(dict(kw))
            kw.setdefault("name", real_path.name)
            rec = self._put_virtual(alt, st, fp, logical, limit, kw)
        except (OSError, SourceError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return self.incomplete(f"{logical}: permission denied, and not readable through the raw volume ({why})")
        self.stored.append(rec)
        for note in rec.incomplete:
            self.notes.append(f"{logical}: {note}")
        return rec

    def put_command(self, argv: list[str], *, name: str, timeout: float = 60, **kw) -> EvidenceRecord | Incomplete:
        """Run a read-only command of the host and store its standard output (stderr and exit code in the
        record; the program's resolved path, SHA-256 and the exact argv run in its metadata)."""
        try:
            proc = self.run_program(argv, timeout=timeout)
        except FileNotFoundError:
            return self.incomplete(f"{argv[0]} is not installed: {' '.join(argv)} not run")
        except subprocess.TimeoutExpired as exc:
            kw.setdefault("orig_meta", {"programs": [self.programs[-1]]})
            out = exc.stdout or b""
            rec = self.put_bytes(name, out, source=" ".join(self.programs[-1]["argv"]),
                                 incomplete=[f"timed out after {timeout} s"], **kw)
            self.notes.append(f"{' '.join(argv)}: timed out after {timeout} s")
            return rec
        except OSError as exc:
            return self.incomplete(f"{' '.join(argv)}: {exc.strerror or exc}")
        kw.setdefault("orig_meta", {"programs": [self.programs[-1]]})
        incomplete = list(kw.pop("incomplete", ()))
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
            incomplete.append(f"exit code {proc.returncode}: {err[-1] if err else 'no message'}")
            if not proc.stdout:
                return self.incomplete(f"{' '.join(argv)}: exit code {proc.returncode}: {err[-1] if err else ''}")
        rec = self.put_bytes(name, proc.stdout, source=" ".join(self.programs[-1]["argv"]), incomplete=incomplete,
                             media_type="text/plain", **kw)
        return rec

    def walk_files(self, logical_dir: str, *, max_depth: int = 8) -> Iterator[sources.AnyPath]:
        """Regular files under a folder of the examined system, symlink-safe (see `walk_tree`)."""
        for real, kind in walk_tree(self, self.path(logical_dir), max_depth=max_depth):
            if kind == "file":
                yield real


class Job:
    """An acquisition engine run on a worker thread, so that the collector (a generator) can yield the
    engine's progress while it works:

        job = ctx.job(imaging.image_source, src, out_dir, verify=True)
        yield from job.events()          # Progress, stamped with the collector's checklist id
        result = job.result()            # the engine's return value, or its exception re-raised

    The engine gets ``progress=`` (a callback) and ``cancel=`` (a flag: true once the run is cancelled or
    the collector stops waiting); it then returns normally with what it has, and the collector, seeing
    `ctx.cancelled`, decides what to keep. It must not touch the case (its SQLite connection belongs to
    the collector's thread): it writes to the sink it is given.
    """

    _DONE = object()

    def __init__(self, ctx: Context, fn, /, *args, **kw):
        self._ctx = ctx
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._result: Any = None
        self._error: BaseException | None = None
        self._closed = threading.Event()
        kw.setdefault("progress", self._queue.put)
        kw.setdefault("cancel", lambda: ctx.cancel.is_set() or self._closed.is_set())
        self._thread = threading.Thread(target=self._run, args=(fn, args, kw), daemon=True,
                                        name=f"ungcuu-{getattr(fn, '__name__', 'job')}")
        self._thread.start()

    def _run(self, fn, args, kw) -> None:
        try:
            self._result = fn(*args, **kw)
        except BaseException as exc:  # noqa: BLE001 - handed to the collector's thread by result()
            self._error = exc
        finally:
            self._queue.put(self._DONE)

    def events(self) -> Iterator[Progress]:
        try:
            while True:
                item = self._queue.get()
                if item is self._DONE:
                    return
                yield dataclasses.replace(item, checklist_id=self._ctx.checklist_id)
        finally:
            # Closed early (the run was cancelled, or the generator dropped): tell the engine to stop at its
            # next unit of work, and wait, so nothing writes to a sink the collector is about to discard.
            if self._thread.is_alive():
                self._closed.set()
            self._thread.join()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def walk_tree(ctx: Context, real_dir: sources.AnyPath, *, max_depth: int = 16,
              skip: tuple[sources.AnyPath | str, ...] = ()) -> Iterator[tuple[sources.AnyPath, str]]:
    """Walk a real folder without following links: yields (path, 'file'|'link'|'other').

    Unreadable folders become notes. Symbolic links are reported (never followed), so a loop
    cannot trap the walk. `skip` lists folder paths not to enter. `real_dir` is a real folder or a
    `sources.VPath` (the walk is the same).
    """
    stack = [(real_dir, 0)]
    while stack:
        cur, depth = stack.pop()
        try:
            # O_NOATIME; a folder below the top swapped for a link since it was listed gives ELOOP (the
            # callers resolve the top folder inside the root first)
            entries = sources.scandir(cur, follow=depth == 0)
        except PermissionError:
            ctx.notes.append(f"{ctx.logical(cur)}: permission denied (folder not listed)")
            continue
        except NotADirectoryError:
            continue
        except FileNotFoundError:
            continue
        except OSError as exc:
            ctx.notes.append(f"{ctx.logical(cur)}: {exc.strerror or exc} (folder not listed)")
            continue
        subdirs = []
        for e in entries:
            path = sources.entry_path(e)
            try:
                if e.is_symlink():
                    yield path, "link"
                elif e.is_dir(follow_symlinks=False):
                    if path in skip or e.path in skip:
                        continue
                    if depth < max_depth:
                        subdirs.append((path, depth + 1))
                    else:
                        ctx.notes.append(f"{ctx.logical(path)}: deeper than {max_depth} folders, not walked")
                elif e.is_file(follow_symlinks=False):
                    yield path, "file"
                else:
                    yield path, "other"
            except OSError:
                continue
        stack.extend(reversed(subdirs))



class Collector:
    """Base class of the collectors (see the module docstring)."""

    name: str = ""
    version: str = "1.0"
    os: tuple[str, ...] = ("linux", "windows", "darwin")
    live_only: bool = False
    # Reads a real folder tree with descriptor-relative O_NOATIME calls (the live system or a mounted copy),
    # not yet through collectors/sources: it says so on a disk image instead of reading it wrongly.
    folders_only: bool = False

    def check(self, ctx: Context) -> str | None:
        return None

    def collect(self, ctx: Context) -> Iterator[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def why_not(self, ctx: Context) -> str | None:
        """The reason this collector cannot run in this context, or None."""
        if self.live_only and not ctx.live:
            return "not applicable to an offline root (needs the running system)"
        if ctx.os not in self.os:
            return f"not available on {ctx.os}"
        if self.folders_only and ctx.root is not None and sources.is_virtual(ctx.root):
            return ("reads a folder tree, not yet a disk image: mount the image read-only (or copy the tree) "
                    "and give that folder as --root")
        return self.check(ctx)


_REGISTRY: dict[str, Collector] | None = None


def registry() -> dict[str, Collector]:
    """All collectors, by name (the modules of collectors/artifacts/ are imported once)."""
    global _REGISTRY
    if _REGISTRY is None:
        reg: dict[str, Collector] = {}
        from . import artifacts

        for mod in pkgutil.iter_modules(artifacts.__path__):
            module = importlib.import_module(f"{artifacts.__name__}.{mod.name}")
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, Collector) and obj is not Collector and obj.name:
                    if obj.name in reg and type(reg[obj.name]) is not obj:
                        raise RuntimeError(f"two collectors named {obj.name!r}")
                    reg[obj.name] = obj()
        _REGISTRY = reg
    return _REGISTRY


def iter_chunks(items: Iterable, n: int) -> Iterator[list]:
    batch: list = []
    for it in items:
        batch.append(it)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch
