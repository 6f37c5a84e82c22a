"""The case folder: incident record, checklist outcomes, evidence index, custody log, evidence files.

Layout (see ARCHITECTURE.md)::

    CASE/case.sqlite      SQLite (WAL): meta, incident, runs, outcomes, evidence, custody
    CASE/custody.jsonl    append-only mirror of the custody log
    CASE/evidence/ab/<sha256>   content, written once, read-only
    CASE/tmp/             partial writes

Every evidence item is read from its source once, copied and hashed in the same pass, fsynced, renamed
into place and made read-only; its index row and its custody entry are written in one transaction.

Crash consistency: before the rename, the complete index row is committed to `store_pending`; the
transaction that indexes the item deletes it. Opening the case (when no other writer has it open)
reconciles what a crash left: a pending item whose content is in place (or still in tmp/) with the
right hash is adopted, anything else is set aside, leftover tmp/*.part fragments are removed, and one
custody entry ("reconcile") says what was done. A case is created aside and renamed into place, so an
interrupted creation never leaves a folder that looks like a case.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import json
import os
import sqlite3
import stat
import threading
import uuid
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping

from . import __version__, faults
from .caselock import CaseLock, StoreShare, lock_folder, open_folder
from .custody import CustodyLog
from .errors import (
    AccessDenied,
    Cancelled,
    CaseError,
    CaseNotFound,
    DestinationFull,
    DestinationUnwritable,
    SourceError,
    UnreadableInput,
)
from .hashing import copy_and_hash
from .states import check_item_state, check_run_state
from .util import decode_path, file_metadata, host_name, local_offset, open_source, privileges, utc_now_iso

SCHEMA_VERSION = 1
DB_NAME = "case.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incident (
    id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, state TEXT NOT NULL,
    profile TEXT, items TEXT, root TEXT, examiner TEXT, privileges TEXT, argv TEXT, host TEXT);
CREATE TABLE IF NOT EXISTS outcomes (
    run_id TEXT NOT NULL, checklist_id TEXT NOT NULL, state TEXT NOT NULL, reason TEXT,
    evidence_count INTEGER NOT NULL DEFAULT 0, started_at TEXT, finished_at TEXT,
    PRIMARY KEY (run_id, checklist_id));
CREATE TABLE IF NOT EXISTS evidence (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    checklist_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT,
    orig_meta TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    tz_offset TEXT NOT NULL,
    collector TEXT NOT NULL,
    collector_version TEXT NOT NULL,
    privileges TEXT NOT NULL,
    incomplete TEXT NOT NULL,
    host TEXT,
    run_id TEXT,
    fingerprint TEXT);
CREATE INDEX IF NOT EXISTS evidence_checklist ON evidence (checklist_id);
CREATE INDEX IF NOT EXISTS evidence_fingerprint ON evidence (checklist_id, source, fingerprint);
CREATE TABLE IF NOT EXISTS custody (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, actor TEXT, action TEXT NOT NULL, target TEXT,
    details TEXT NOT NULL, tool_version TEXT NOT NULL, host TEXT, prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL);
"""
# Items between "content placed" and "indexed": a crash in between is reconciled on open.
_PENDING_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_pending (
    tmp TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, record TEXT NOT NULL,
    fingerprint TEXT, custody_action TEXT NOT NULL, started_at TEXT NOT NULL);
"""
_SCHEMA += _PENDING_SCHEMA

_EVIDENCE_COLUMNS = (
    "id", "checklist_id", "name", "kind", "source", "sha256", "size", "media_type", "orig_meta",
    "collected_at", "tz_offset", "collector", "collector_version", "privileges", "incomplete", "host",
    "run_id",
)
_JSON_COLUMNS = {"orig_meta", "privileges", "incomplete"}


@dataclasses.dataclass(frozen=True)
class EvidenceRecord:
    id: str
    checklist_id: str
    name: str
    kind: str  # file | command | api | derived
    source: str
    sha256: str
    size: int
    media_type: str | None
    orig_meta: dict
    collected_at: str
    tz_offset: str
    collector: str
    collector_version: str
    privileges: dict
    incomplete: list
    host: str | None
    run_id: str | None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_row(cls, row: sqlite3.Row | Mapping[str, Any]) -> "EvidenceRecord":
        values = {}
        for col in _EVIDENCE_COLUMNS:
            v = row[col]
            values[col] = json.loads(v) if col in _JSON_COLUMNS else v
        return cls(**values)


# Every field of an index row, as hashed into its custody entry (`row_sha256`): editing any of them
# (the MACB times in orig_meta, the incomplete notes, the resume fingerprint...) is caught by verify.
INDEX_ROW_FIELDS = _EVIDENCE_COLUMNS + ("fingerprint",)


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def index_row_digest(row) -> tuple[str, dict[str, str]]:
    """(SHA-256 of the whole canonical index row, a short digest of each field) for a row of the evidence
    table (sqlite3.Row or dict as stored: JSON columns as text). The custody entry of each stored item holds
    both; `verify` and the bundle verifier recompute them from the index and name the fields that differ."""
    values = {}
    keys = row.keys()
    for col in INDEX_ROW_FIELDS:
        v = row[col] if col in keys else None
        if col in _JSON_COLUMNS and isinstance(v, str):
            try:
                v = json.loads(v)
            except ValueError:
                pass  # no longer JSON: hashed as the text it is (it differs from what was logged)
        values[col] = v
    import hashlib

    fields = {c: hashlib.sha256(_canonical(v).encode("utf-8")).hexdigest()[:16] for c, v in values.items()}
    return hashlib.sha256(_canonical(values).encode("utf-8")).hexdigest(), fields


def _is_case_dir(path: Path) -> bool:
    return (path / DB_NAME).is_file() and not _unborn(path)


# What an interrupted creation (by an older version, or a fallback build in place) can leave behind.
_CREATION_LEFTOVERS = {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", "custody.jsonl",
                       "evidence", "tmp"}


def _unborn(path: Path) -> bool:
    """A folder holding only what an interrupted creation leaves (a case.sqlite without a schema version,
    an empty evidence/): not yet a case, so creating it again is safe and opening it says so."""
    try:
        names = {p.name for p in path.iterdir()}
    except OSError:
        return False
    if not names or not names <= _CREATION_LEFTOVERS:
        return False
    ev = path / "evidence"
    if ev.is_dir() and any(f.is_file() or f.is_symlink() for f in ev.rglob("*")):
        return False
    db = path / DB_NAME
    if not db.is_file() or db.stat().st_size == 0:
        return True
    try:
        con = sqlite3.connect(db.as_uri() + "?mode=ro", uri=True, timeout=5)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables:
                return True
            return con.execute("SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is None
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return False  # unreadable is not "empty": never replaced, opening it says why


def same_filesystem(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when `a` and `b` live on the same file system (same st_dev)."""
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


class Case:
    """An open case folder. Thread-safe: each thread gets its own SQLite connection."""

    def __init__(self, path: Path, *, examiner: str | None = None):
        self.path = Path(path).resolve()
        self._examiner_given = examiner or None       # only an explicit examiner replaces the case's own
        self.examiner = examiner or os.environ.get("UNGCUU_EXAMINER") or _login_name()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._conn_lock = threading.Lock()
        self.evidence_dir = self.path / "evidence"
        self.tmp_dir = self.path / "tmp"
        self.custody = CustodyLog(self)
        self.warnings: list[str] = []
        self.recovered: dict = {}  # what opening reconciled after a crash (see `reconcile`)
        self._share = StoreShare(self.evidence_dir)  # every writable opener's share (see caselock.py)
        self._claim: CaseLock | None = None          # the collector lock, when this opener collects

    # ----------------------------------------------------------------- open / create
    @classmethod
    def create(cls, path: str | os.PathLike, *, examiner: str | None = None, affected_root: str = "/") -> "Case":
        """Create a case folder (or open it, if it already is one).

        The case is built in a hidden folder beside `path` and renamed into place, so a creation that is
        killed or runs out of space leaves no half case; a folder an interrupted creation left (no schema,
        no evidence) is created again. Two processes creating the same new folder at once both end up
        with the one case that won the rename.
        """
        path = Path(path)
        for _ in range(10):
            if _is_case_dir(path):
                return cls.open(path, examiner=examiner, affected_root=affected_root)
            try:
                built = cls._create_once(path, examiner)
            except FileExistsError:
                continue  # another process created it first: open theirs
            if built:
                break
        else:
            raise CaseError(f"cannot create the case folder {path}: it keeps changing under us", path=str(path))
        case = cls(path, examiner=examiner)
        case._check_location(affected_root)
        case._open_writer()
        return case

    @classmethod
    def _create_once(cls, path: Path, examiner: str | None) -> bool:
        """One attempt: True when the case now exists at `path`; FileExistsError when another won."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                return cls._build_and_rename(path, examiner, replaced=[])
            if not path.is_dir():
                raise CaseError(f"{path} exists and is not a folder", path=str(path))
            fd = open_folder(path)
            try:
                if fd is not None:
                    lock_folder(fd, exclusive=True, blocking=True)  # creators of an existing folder take turns
                    if os.fstat(fd).st_ino != os.stat(path).st_ino:
                        raise FileExistsError(str(path))  # replaced while we waited
                if _is_case_dir(path):
                    raise FileExistsError(str(path))
                replaced: list[str] = []
                if any(path.iterdir()):
                    if not _unborn(path):
                        raise CaseError(
                            f"{path} exists and is not empty and not a case folder; choose an empty or new folder",
                            path=str(path))
                    replaced = _clear_unborn(path)
                return cls._build_and_rename(path, examiner, replaced=replaced)
            finally:
                if fd is not None:
                    os.close(fd)
        except (CaseError, FileExistsError):
            raise
        except PermissionError as exc:
            raise DestinationUnwritable(f"cannot create the case folder {path}: permission denied", path=str(path)) from exc
        except (OSError, sqlite3.OperationalError) as exc:
            raise _creation_error(path, exc) from exc

    @classmethod
    def _build_and_rename(cls, path: Path, examiner: str | None, *, replaced: list[str]) -> bool:
        _remove_stale_builds(path)
        aside = path.parent / f".{path.name}.creating-{uuid.uuid4().hex[:8]}"
        lock_fd = None
        try:
            aside.mkdir()
        except PermissionError:
            if not path.is_dir():
                raise
            aside = path  # the parent is not writable: build in place (an interruption leaves an unborn folder)
        else:
            lock_fd = open_folder(aside)
            if lock_fd is not None:
                lock_folder(lock_fd, exclusive=True, blocking=True)  # a build in progress is not stale
        try:
            cls._build(aside, path, examiner, replaced)
            faults.point("create-built")
            if aside != path:
                try:
                    os.rename(aside, path)  # onto a missing or empty folder only
                except OSError as exc:
                    if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                        raise FileExistsError(str(path)) from exc
                    raise
                _fsync_dir(path.parent)
        except BaseException:
            if aside != path:
                import shutil

                shutil.rmtree(aside, ignore_errors=True)
            else:
                _clear_unborn(path)
            raise
        finally:
            if lock_fd is not None:
                os.close(lock_fd)
        return True

    @classmethod
    def _build(cls, where: Path, final: Path, examiner: str | None, replaced: list[str]) -> None:
        (where / "evidence").mkdir(exist_ok=True)
        (where / "tmp").mkdir(exist_ok=True)
        case = cls(where, examiner=examiner)
        try:
            db = case.db
            db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                meta = {
                    "case_id": "UC-" + uuid.uuid4().hex[:12].upper(),
                    "created_at": utc_now_iso(),
                    "created_tz_offset": local_offset(),
                    "schema_version": str(SCHEMA_VERSION),
                    "tool_version": __version__,
                    "created_on_host": host_name(),
                    "examiner": case.examiner,
                }
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
            from .provenance import build_summary

            details = {"path": str(final.resolve()), "privileges": privileges(), "build": build_summary()}
            if replaced:
                details["replaced_unfinished_creation"] = replaced
            case.custody.append("create", meta["case_id"], details)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            case.close()

    @classmethod
    def open(cls, path: str | os.PathLike, *, examiner: str | None = None, affected_root: str = "/") -> "Case":
        path = Path(path)
        if not path.exists():
            raise CaseNotFound(f"no case folder at {path}", path=str(path))
        if not (path / DB_NAME).is_file():
            raise CaseNotFound(f"{path} is not a case folder (no {DB_NAME})", path=str(path))
        if _unborn(path):
            raise CaseNotFound(f"{path} is not a case yet: its creation was interrupted before anything was stored "
                               "(collecting into it creates the case)", path=str(path))
        case = cls(path, examiner=examiner)
        try:
            version = case.meta().get("schema_version")
        except sqlite3.OperationalError as exc:
            case.close()
            if _disk_full(path):
                raise DestinationFull(f"the disk holding the case folder {path} is full: the case cannot be opened "
                                      "for writing; free some space or copy the folder to a bigger disk",
                                      path=str(path)) from exc
            raise CaseError(f"{path / DB_NAME} cannot be read: {exc}", path=str(path)) from exc
        except sqlite3.DatabaseError as exc:
            case.close()
            raise CaseError(f"{path / DB_NAME} cannot be read: {exc}", path=str(path)) from exc
        if version is None:
            raise CaseError(f"{path / DB_NAME} has no schema version: not an UngCuu case", path=str(path))
        case._check_location(affected_root)
        case.custody.repair_mirror()
        case._open_writer()
        case._remember_examiner()
        return case

    def _remember_examiner(self) -> None:
        """The examiner is kept per case: reopening without --examiner is the last examiner of the case (not
        UNGCUU_EXAMINER or the login name, often `root`); a new --examiner replaces it, logged once."""
        stored = self.meta().get("examiner")
        if self._examiner_given is None:
            if stored:
                self.examiner = stored
            return
        if self._examiner_given == stored or self.read_only:
            return
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('examiner', ?)", (self.examiner,))
            self.custody.append("examiner", self.examiner, {"previous": stored})

    @classmethod
    def open_or_create(cls, path: str | os.PathLike, **kw) -> "Case":
        return cls.open(path, **kw) if _is_case_dir(Path(path)) else cls.create(path, **kw)

    # ----------------------------------------------------------------- crash recovery
    def _open_writer(self) -> None:
        """Take this opener's share of the case's writer lock; the first opener after a crash (no other
        writer holds a share) reconciles what the crash left first."""
        if self.read_only:
            return
        with contextlib.suppress(sqlite3.Error):  # a case created before the table existed (a full disk:
            self.db.executescript(_PENDING_SCHEMA)  # the first store says so)
        try:  # the lock is on the evidence/ folder itself: no lock file in the case
            self.evidence_dir.mkdir(exist_ok=True)
        except OSError:
            return  # verify and reads still work; a write reports the real error
        # no folder descriptors (Windows): nothing is reconciled rather than a live writer's item
        self._share.take(self.reconcile)

    def claim(self, app: str) -> CaseLock | None:
        """The collector lock of this case for `app` (one program collects into a case at a time), or None
        when another program holds it (`holder()` says who). Released by `close()` or its `release()`."""
        if self._claim is None:
            self._claim = CaseLock(self.path, app)
        return self._claim if self._claim.acquire() else None

    def holder(self) -> dict:
        """Who holds the collector lock of this case ({} when unknown)."""
        return CaseLock(self.path).holder()

    def reconcile(self) -> dict:
        """Finish or undo what an interrupted store left (call with no other writer active; opening does).

        A pending item whose content is found with its hash (in evidence/, or still in tmp/) is indexed
        ("adopted"), with the time it was collected; a fragment whose hash does not match is moved to
        set-aside/; leftover tmp/*.part files are removed. One custody entry ("reconcile") lists them.
        Returns what was done (empty lists when there was nothing to do).
        """
        from .hashing import sha256_file

        done: dict = {"adopted": [], "set_aside": [], "discarded": [], "removed_parts": []}
        try:
            pending = [dict(r) for r in self.db.execute("SELECT * FROM store_pending ORDER BY started_at")]
        except sqlite3.Error:
            return done  # a full disk: the next open retries
        for p in pending:
            dest = self.evidence_path(p["sha256"])
            tmp = self.tmp_dir / p["tmp"]
            found = None
            for candidate in (dest, tmp):
                try:
                    if candidate.is_file() and not candidate.is_symlink() and sha256_file(candidate) == p["sha256"]:
                        found = candidate
                        break
                except OSError:
                    continue
            record = json.loads(p["record"])
            label = {"name": record.get("name"), "source": record.get("source"), "sha256": p["sha256"],
                     "size": p["size"], "collected_at": record.get("collected_at")}
            try:
                if found is not None and found is tmp:
                    dest.parent.mkdir(exist_ok=True)
                    os.chmod(tmp, 0o444)
                    os.replace(tmp, dest)
                    _fsync_dir(dest.parent)
                if found is not None:
                    rec = self._index(record, p["fingerprint"], p["custody_action"], pending_tmp=p["tmp"],
                                      recovered="adopted when the case was opened after an interrupted store")
                    done["adopted"].append({"id": rec.id, **label})
                    continue
                if tmp.exists():
                    aside = self.path / "set-aside"
                    aside.mkdir(exist_ok=True)
                    target = aside / p["tmp"]
                    os.replace(tmp, target)
                    done["set_aside"].append({**label, "moved_to": str(target.relative_to(self.path)),
                                              "why": "its content does not match the hash computed when it was copied"})
                else:
                    done["discarded"].append({**label, "why": "its content was never put in place "
                                              "(interrupted before the copy was complete)"})
                with self.transaction():
                    self.db.execute("DELETE FROM store_pending WHERE tmp = ?", (p["tmp"],))
            except (OSError, CaseError, sqlite3.Error):
                return done  # no space to finish: the next open retries
        known = {p["tmp"] for p in self.db.execute("SELECT tmp FROM store_pending")}
        if self.tmp_dir.is_dir():
            for f in sorted(self.tmp_dir.glob("*.part")):
                if f.name in known:
                    continue
                try:
                    size = f.stat().st_size
                    f.unlink()
                except OSError:
                    continue
                done["removed_parts"].append({"name": f"tmp/{f.name}", "size": size})
        if any(done.values()):
            with contextlib.suppress(CaseError, sqlite3.Error):
                self.custody.append("reconcile", "interrupted store", done)
            self.recovered = done
        return done

    def _check_location(self, affected_root: str) -> None:
        if affected_root and same_filesystem(self.path, affected_root):
            self.warnings.append(
                f"the case folder {self.path} is on the same file system as the affected system's root "
                f"({affected_root}): writing there may overwrite deleted data; prefer a separate drive"
            )

    # ----------------------------------------------------------------- database
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            read_only = self.read_only
            try:
                if read_only:
                    conn = self._connect_read_only()
                else:
                    conn = sqlite3.connect(self.path / DB_NAME, timeout=30, isolation_level=None)
            except sqlite3.OperationalError as exc:
                raise DestinationUnwritable(f"cannot open {self.path / DB_NAME}: {exc}", path=str(self.path)) from exc
            conn.row_factory = sqlite3.Row
            if not read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            # Autocommit mode with explicit BEGIN; `with conn:` is replaced by `transaction()`.
            self._local.conn = conn
            with self._conn_lock:
                self._connections.append(conn)
        return conn

    @property
    def read_only(self) -> bool:
        """The case folder cannot be written (a write-protected drive, a read-only mount): it can still be
        read and verified, and nothing is written to it."""
        return not os.access(self.path, os.W_OK)

    def _connect_read_only(self) -> sqlite3.Connection:
        # A WAL database needs its -shm file, which a read-only medium cannot hold; a case closed cleanly
        # has everything in case.sqlite and is read as immutable. A leftover -wal holds transactions
        # that reading immutable would silently miss: refuse rather than verify half the case.
        wal = self.path / f"{DB_NAME}-wal"
        if wal.exists() and wal.stat().st_size > 0:
            raise UnreadableInput(
                f"{self.path} is read-only and was not closed cleanly ({wal.name} still holds transactions): "
                "copy the case folder to a writable disk to read it", path=str(self.path))
        uri = (self.path / DB_NAME).as_uri() + "?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)

    @contextlib.contextmanager
    def transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        db = self.db
        if db.in_transaction:  # nested: join the outer transaction
            yield db
            return
        self.custody._committed()  # entries an interrupt left unmirrored after their commit, if any
        db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException as exc:
            # SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR): a second
            # ROLLBACK would raise "no transaction is active" and hide the real error.
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            self.custody._rolled_back()
            if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower():
                raise DestinationFull(f"the disk holding the case folder {self.path} is full: collection stopped; "
                                      "what was stored before stays valid", path=str(self.path)) from exc
            if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc).lower():
                raise DestinationUnwritable(f"the case folder {self.path} is read-only: it can be read and verified, "
                                            "not written", path=str(self.path)) from exc
            raise
        self.custody._committed()  # mirror the committed custody entries (see custody.py)

    def close(self) -> None:
        with self._conn_lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()
        self._share.release()
        if self._claim is not None:
            self._claim.release()

    def __enter__(self) -> "Case":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM meta")}

    @property
    def case_id(self) -> str:
        return self.meta()["case_id"]

    # ----------------------------------------------------------------- incident record
    def incident(self) -> dict:
        row = self.db.execute("SELECT data FROM incident WHERE id = 1").fetchone()
        return json.loads(row["data"]) if row else {}

    def set_incident(self, data: dict, *, note: str = "") -> None:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        import hashlib

        digest = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction():
            self.db.execute(
                "INSERT INTO incident (id, data, updated_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (text, utc_now_iso()),
            )
            self.custody.append("incident", "incident record", {"sha256": digest, "note": note})

    # ----------------------------------------------------------------- runs and outcomes
    def start_run(self, *, profile: str | None, items: Iterable[str], root: str | None, argv: list[str] | None = None) -> str:
        run_id = "R-" + uuid.uuid4().hex[:10]
        items = list(items)  # stored twice below (a generator would leave the custody entry empty)
        with self.transaction():
            self.db.execute(
                "INSERT INTO runs (id, started_at, state, profile, items, root, examiner, privileges, argv, host) "
                "VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (run_id, utc_now_iso(), profile, json.dumps(list(items)), root, self.examiner,
                 json.dumps(privileges()), json.dumps(argv or []), host_name()),
            )
            from .provenance import session_record

            self.custody.append("collect-start", run_id, {
                "profile": profile, "items": list(items), "root": root, "privileges": privileges(), "argv": argv or [],
                "examiner": self.examiner, **session_record(),
            })
        return run_id

    def finish_run(self, run_id: str, state: str) -> None:
        check_run_state(state)
        with self.transaction():
            self.db.execute("UPDATE runs SET finished_at = ?, state = ? WHERE id = ?", (utc_now_iso(), state, run_id))
            counts = [dict(r) for r in self.db.execute(
                "SELECT checklist_id, state, evidence_count FROM outcomes WHERE run_id = ? ORDER BY checklist_id", (run_id,))]
            self.custody.append("collect-end", run_id, {"state": state, "outcomes": counts})

    def record_outcome(self, run_id: str, checklist_id: str, state: str, reason: str | None,
                       evidence_count: int, started_at: str, finished_at: str | None = None) -> None:
        check_item_state(state)
        with self.transaction():
            self.db.execute(
                "INSERT INTO outcomes (run_id, checklist_id, state, reason, evidence_count, started_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, checklist_id) DO UPDATE SET "
                "state = excluded.state, reason = excluded.reason, evidence_count = excluded.evidence_count, "
                "finished_at = excluded.finished_at",
                (run_id, checklist_id, state, reason, evidence_count, started_at, finished_at or utc_now_iso()),
            )
            # Each outcome is in the custody chain too, so `verify` catches an outcome edited afterwards.
            self.custody.append("outcome", f"{run_id} {checklist_id}", {
                "run_id": run_id, "checklist_id": checklist_id, "state": state, "reason": reason,
                "evidence_count": evidence_count})

    def outcomes(self) -> dict[str, dict]:
        """Latest outcome of each checklist item over all runs, with the case-wide evidence count."""
        rows = self.db.execute(
            "SELECT o.*, r.started_at AS run_started FROM outcomes o JOIN runs r ON r.id = o.run_id "
            "ORDER BY r.started_at, o.started_at"
        ).fetchall()
        latest: dict[str, dict] = {}
        for r in rows:
            latest[r["checklist_id"]] = dict(r)
        counts = dict(self.db.execute("SELECT checklist_id, COUNT(*) FROM evidence GROUP BY checklist_id").fetchall())
        for cid, out in latest.items():
            out["total_evidence"] = counts.get(cid, 0)
        for cid, n in counts.items():
            latest.setdefault(cid, {"checklist_id": cid, "state": "collected", "reason": None,
                                    "evidence_count": n, "total_evidence": n})
        return latest

    def runs(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY started_at")]

    # ----------------------------------------------------------------- evidence: query
    def evidence(self, checklist_id: str | None = None) -> list[EvidenceRecord]:
        sql = "SELECT * FROM evidence"
        args: tuple = ()
        if checklist_id:
            sql += " WHERE checklist_id = ?"
            args = (checklist_id,)
        return [EvidenceRecord.from_row(r) for r in self.db.execute(sql + " ORDER BY seq", args)]

    def get_evidence(self, evidence_id: str) -> EvidenceRecord:
        row = self.db.execute("SELECT * FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
        if row is None:
            raise CaseError(f"no evidence {evidence_id} in case {self.path}", evidence_id=evidence_id)
        return EvidenceRecord.from_row(row)

    def find_evidence(self, *, checklist_id: str, source: str, fingerprint: str) -> EvidenceRecord | None:
        """Evidence already taken from this source in this state (for resuming)."""
        row = self.db.execute(
            "SELECT * FROM evidence WHERE checklist_id = ? AND source = ? AND fingerprint = ? ORDER BY seq DESC LIMIT 1",
            (checklist_id, source, fingerprint),
        ).fetchone()
        return EvidenceRecord.from_row(row) if row else None

    def evidence_path(self, rec: EvidenceRecord | str) -> Path:
        sha = rec.sha256 if isinstance(rec, EvidenceRecord) else rec
        return self.evidence_dir / sha[:2] / sha

    def open_evidence(self, rec: EvidenceRecord | str) -> BinaryIO:
        return open(self.evidence_path(rec), "rb")

    def read_json(self, rec: EvidenceRecord) -> Any:
        with self.open_evidence(rec) as fh:
            return json.load(fh)

    def latest(self, name: str, checklist_id: str | None = None) -> EvidenceRecord | None:
        """The most recent evidence item with this logical name (e.g. 'processes.json')."""
        sql = "SELECT * FROM evidence WHERE name = ?"
        args: list = [name]
        if checklist_id:
            sql += " AND checklist_id = ?"
            args.append(checklist_id)
        row = self.db.execute(sql + " ORDER BY seq DESC LIMIT 1", args).fetchone()
        return EvidenceRecord.from_row(row) if row else None

    # ----------------------------------------------------------------- evidence: write
    def add_stream(
        self,
        src: BinaryIO,
        *,
        checklist_id: str,
        name: str,
        source: str,
        kind: str = "file",
        collector: str,
        collector_version: str = __version__,
        orig_meta: dict | None = None,
        incomplete: Iterable[str] = (),
        media_type: str | None = None,
        host: str | None = None,
        run_id: str | None = None,
        fingerprint: str | None = None,
        size_hint: int | None = None,
        limit: int | None = None,
        progress=None,
        cancelled=None,
        custody_action: str = "collect",
    ) -> EvidenceRecord:
        """Copy `src` into the store, hashing as it is written; index it and log custody."""
        tmp_path, sha256, size, notes = self._copy_to_tmp(
            src, source=source, size_hint=size_hint, limit=limit, progress=progress, cancelled=cancelled)
        return self._commit_tmp(
            tmp_path, sha256, size, checklist_id=checklist_id, name=name, source=source, kind=kind,
            collector=collector, collector_version=collector_version, orig_meta=orig_meta or {},
            incomplete=list(incomplete) + notes, media_type=media_type, host=host, run_id=run_id,
            fingerprint=fingerprint, custody_action=custody_action,
        )

    def _copy_to_tmp(self, src: BinaryIO, *, source: str, size_hint: int | None, limit: int | None,
                     progress=None, cancelled=None) -> tuple[Path, str, int, list[str]]:
        """Copy and hash into CASE/tmp in one pass; returns (tmp path, sha256, size, notes).

        A read error keeps the bytes read before it (noted); a write error removes the partial file and
        raises (disk full, read-only medium); a cancel removes the partial file and raises Cancelled, so
        a resumed run copies the whole source once instead of keeping a fragment.
        """
        notes: list[str] = []
        tmp_fd, tmp_path = self._tmp_file()
        try:
            try:
                digests, size, truncated = copy_and_hash(
                    src, tmp_fd, size_hint=size_hint, limit=limit, progress=progress, cancelled=cancelled)
            except Cancelled:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_path)
                raise
            except OSError as exc:
                if _is_write_error(exc):
                    self._raise_write_error(exc, source, tmp_path)
                done = os.lseek(tmp_fd, 0, os.SEEK_CUR)
                notes.append(f"read error after {done} bytes: {exc.strerror or exc}; the item holds the bytes before it")
                digests, size, truncated = _hash_tmp(tmp_fd), done, False
            if truncated:
                notes.append(f"size cap of {limit} bytes reached: only the first {limit} bytes were copied")
            try:
                os.fsync(tmp_fd)
            except OSError as exc:
                self._raise_write_error(exc, source, tmp_path)
        finally:
            os.close(tmp_fd)
        return tmp_path, digests["sha256"], size, notes

    def add_bytes(self, data: bytes, **kw) -> EvidenceRecord:
        kw.setdefault("size_hint", len(data))
        return self.add_stream(io.BytesIO(data), **kw)

    def add_json(self, obj: Any, **kw) -> EvidenceRecord:
        data = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False, default=str).encode("utf-8")
        kw.setdefault("media_type", "application/json")
        kw.setdefault("kind", "api")
        return self.add_bytes(data, **kw)

    def add_file(self, path: str | os.PathLike, *, source: str | None = None, name: str | None = None,
                 limit: int | None = None, keep: str = "head", **kw) -> EvidenceRecord:
        """Copy a file into the store with its original metadata; notes a file that changed while copied.

        `limit` caps the bytes copied: `keep="head"` copies the first `limit` bytes, `keep="tail"` the last
        `limit` (a log's newest part: the attack window); the item's `incomplete` note says which bytes.
        """
        path_s = decode_path(os.fsdecode(path))
        try:
            before = os.stat(path, follow_symlinks=False)
            if stat.S_ISLNK(before.st_mode):
                raise SourceError(f"{path_s} is a symbolic link: not followed", path=path_s)
            if not stat.S_ISREG(before.st_mode):
                raise SourceError(f"{path_s} is not a regular file", path=path_s)
            fh = _open_noatime(path, before)
        except PermissionError as exc:
            raise AccessDenied(f"permission denied reading {path_s}", path=path_s) from exc
        except FileNotFoundError as exc:
            raise SourceError(f"{path_s} vanished before it could be read", path=path_s) from exc
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # O_NOFOLLOW: swapped for a link after the lstat
                raise SourceError(f"{path_s} is a symbolic link: not followed", path=path_s) from exc
            raise SourceError(f"cannot read {path_s}: {exc.strerror or exc}", path=path_s) from exc
        meta = file_metadata(before)
        raw_name = os.path.basename(os.fsencode(path))
        try:
            raw_name.decode("utf-8")
        except UnicodeDecodeError:  # the printed name escapes the bytes: keep them exactly
            meta["name_bytes_hex"] = raw_name.hex()
        incomplete = list(kw.pop("incomplete", ()))
        kw.setdefault("fingerprint", file_fingerprint(before))
        skip = max(0, before.st_size - limit) if keep == "tail" and limit is not None else 0
        with fh:
            if skip:
                fh.seek(skip)
                meta["copied_from_byte"] = skip
            tmp_path, sha256, size, notes = self._copy_to_tmp(
                fh, source=path_s, size_hint=before.st_size - skip, limit=limit,
                progress=kw.pop("progress", None), cancelled=kw.pop("cancelled", None))
        if skip:
            notes = [n for n in notes if not n.startswith("size cap of ")] + [
                f"size cap of {limit} bytes reached: only the last {size} bytes were copied (the newest part, "
                f"from byte {skip} of {before.st_size}; the oldest {skip} bytes were left out)"]
        incomplete.extend(notes)
        try:
            after = os.stat(path, follow_symlinks=False)
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                incomplete.append(
                    "the file changed while it was copied (size or modification time differ): "
                    "the hash is of the bytes that were read")
        except OSError:
            incomplete.append("the file vanished while it was copied: the hash is of the bytes that were read")
        kw.pop("size_hint", None)
        return self._commit_tmp(
            tmp_path, sha256, size, source=source or path_s, name=name or os.path.basename(path_s),
            orig_meta=meta, incomplete=incomplete, kind=kw.pop("kind", "file"), **kw)

    def adopt_file(self, path: str | os.PathLike, *, sha256: str, size: int, **kw) -> EvidenceRecord:
        """Index a file the caller wrote inside the case folder, hashing it as it wrote (image parts).

        Nothing is copied: a hard link puts it into the store (the file stays where it is, read-only,
        sharing the data); on file systems without hard links (FAT32, exFAT) it is moved into the store.
        `ungcuu verify` hashes it again like any other item.
        """
        path = Path(path)
        real = path.resolve()
        if not real.is_relative_to(self.path):
            raise CaseError(f"{path} is outside the case folder {self.path}: use add_file to copy it", path=str(path))
        actual = real.stat().st_size
        if actual != size:
            raise CaseError(f"{path} holds {actual} bytes, not the {size} bytes that were hashed", path=str(path))
        self.tmp_dir.mkdir(exist_ok=True)
        tmp = self.tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            os.link(real, tmp)
            os.chmod(real, 0o444)
        except OSError:
            os.replace(real, tmp)  # no hard links here: move (same file system, no copy)
        kw.setdefault("orig_meta", {})
        kw["incomplete"] = list(kw.get("incomplete", []))
        kw.setdefault("kind", "file")
        return self._commit_tmp(tmp, sha256, size, **kw)

    @contextlib.contextmanager
    def writer(self, **kw) -> Iterator["EvidenceWriter"]:
        """Stream content of unknown size into the store: `with case.writer(...) as w: w.write(b)`.

        The record is available as `w.record` after the block. On an exception the partial file is
        discarded unless `w.keep_partial()` was called.
        """
        w = EvidenceWriter(self, kw)
        try:
            yield w
        except BaseException:
            w.abort()
            raise
        else:
            w.close()

    # ----------------------------------------------------------------- internals
    def _tmp_file(self) -> tuple[int, Path]:
        self.tmp_dir.mkdir(exist_ok=True)
        tmp_path = self.tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            fd = os.open(tmp_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            self._raise_write_error(exc, str(tmp_path), None)
        return fd, tmp_path

    def _raise_write_error(self, exc: OSError, source: str, tmp_path: Path | None):
        if tmp_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_path)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DestinationFull(
                f"the disk holding the case folder {self.path} is full while storing {source}: "
                "collection stopped; what was stored before stays valid", path=str(self.path)) from exc
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise DestinationUnwritable(
                f"cannot write to the case folder {self.path}: {exc.strerror}", path=str(self.path)) from exc
        if _is_write_error(exc):
            raise CaseError(f"cannot write to the case folder {self.path}: {exc.strerror}", path=str(self.path)) from exc
        raise SourceError(f"cannot read {source}: {exc.strerror or exc}", path=source) from exc

    def _commit_tmp(self, tmp_path: Path, sha256: str, size: int, *, checklist_id: str, name: str, source: str,
                    kind: str, collector: str, collector_version: str = __version__, orig_meta: dict,
                    incomplete: list, media_type: str | None = None, host: str | None = None,
                    run_id: str | None = None, fingerprint: str | None = None,
                    custody_action: str = "collect") -> EvidenceRecord:
        """Put the hashed tmp file into the store and index it: pending row, rename, then the index row,
        its custody entry and the pending row's removal in one transaction (see the module docstring)."""
        name, source = decode_path(name), decode_path(source)
        dest = self.evidence_path(sha256)
        record: dict[str, Any] = dict(
            checklist_id=checklist_id, name=name, kind=kind, source=source, sha256=sha256, size=size,
            media_type=media_type, orig_meta=orig_meta, collected_at=utc_now_iso(), tz_offset=local_offset(),
            collector=collector, collector_version=collector_version, privileges=privileges(),
            incomplete=incomplete, host=host or host_name(), run_id=run_id,
        )
        try:
            with self.transaction():
                self.db.execute(
                    "INSERT INTO store_pending (tmp, sha256, size, record, fingerprint, custody_action, started_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (tmp_path.name, sha256, size, json.dumps(record, ensure_ascii=False, default=str), fingerprint,
                     custody_action, record["collected_at"]))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_path)
            raise
        faults.point("store-pending")
        placed = False
        try:
            dest.parent.mkdir(exist_ok=True)
            if dest.exists():
                os.unlink(tmp_path)  # same content already stored: one copy serves both index rows
            else:
                os.chmod(tmp_path, 0o444)
                os.replace(tmp_path, dest)
                placed = True
                _fsync_dir(dest.parent)
        except OSError as exc:
            self._forget_pending(tmp_path.name)
            self._raise_write_error(exc, source, tmp_path)
        faults.point("store-renamed")
        try:
            return self._index(record, fingerprint, custody_action, pending_tmp=tmp_path.name)
        except BaseException:
            # Not indexed (disk full, cancelled mid-commit): a file placed for it alone must not stay
            # in the store, where verify would rightly call it planted.
            if placed:
                with contextlib.suppress(Exception):
                    if self.db.execute("SELECT 1 FROM evidence WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone() is None:
                        os.unlink(dest)
            self._forget_pending(tmp_path.name)  # if this fails too, the next open discards it
            raise

    def _forget_pending(self, tmp_name: str) -> None:
        with contextlib.suppress(Exception):
            with self.transaction():
                self.db.execute("DELETE FROM store_pending WHERE tmp = ?", (tmp_name,))

    def _index(self, record: dict, fingerprint: str | None, custody_action: str, *, pending_tmp: str,
               recovered: str | None = None) -> EvidenceRecord:
        """Index one stored item and log its custody entry (with the digest of the whole row)."""
        record = dict(record)
        with self.transaction():
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM evidence").fetchone()[0]
            record["id"] = f"E{seq:06d}"
            cols = list(INDEX_ROW_FIELDS)
            row = {c: (json.dumps(record[c], ensure_ascii=False, default=str) if c in _JSON_COLUMNS else record[c])
                   for c in _EVIDENCE_COLUMNS}
            row["fingerprint"] = fingerprint
            self.db.execute(
                f"INSERT INTO evidence ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [row[c] for c in cols])
            row_sha256, field_sha256 = index_row_digest(row)
            details = {
                "sha256": record["sha256"], "size": record["size"], "checklist_id": record["checklist_id"],
                "name": record["name"], "source": record["source"], "collector": record["collector"],
                "incomplete": record["incomplete"], "row_sha256": row_sha256, "field_sha256": field_sha256,
            }
            if recovered:
                details["recovered"] = recovered
            self.custody.append(custody_action, record["id"], details)
            self.db.execute("DELETE FROM store_pending WHERE tmp = ?", (pending_tmp,))
        return EvidenceRecord.from_row(row | {"id": record["id"]})


class EvidenceWriter:
    """Write-as-you-go evidence with hashing; see `Case.writer`."""

    def __init__(self, case: Case, kw: dict):
        import hashlib

        self.case = case
        self.kw = kw
        self.fd, self.tmp_path = case._tmp_file()
        self.sha256 = hashlib.sha256()
        self.extra = {name: hashlib.new(name) for name in kw.pop("extra_hashes", ())}
        self.size = 0
        self.record: EvidenceRecord | None = None
        self._closed = False

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        for h in self.extra.values():
            h.update(data)
        view = memoryview(data)
        try:
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        except OSError as exc:
            os.close(self.fd)
            self._closed = True
            self.case._raise_write_error(exc, self.kw.get("source", "?"), self.tmp_path)
        self.size += len(data)
        return len(data)

    def hexdigests(self) -> dict[str, str]:
        out = {"sha256": self.sha256.hexdigest()}
        out.update({k: h.hexdigest() for k, h in self.extra.items()})
        return out

    def close(self) -> EvidenceRecord:
        if self.record is not None:
            return self.record
        try:
            os.fsync(self.fd)
        except OSError as exc:
            self.case._raise_write_error(exc, self.kw.get("source", "?"), self.tmp_path)
        finally:
            os.close(self.fd)
            self._closed = True
        kw = dict(self.kw)
        kw.setdefault("orig_meta", {})
        kw.setdefault("incomplete", [])
        kw["incomplete"] = list(kw["incomplete"])
        self.record = self.case._commit_tmp(self.tmp_path, self.sha256.hexdigest(), self.size, **kw)
        return self.record

    def abort(self) -> None:
        if not self._closed:
            os.close(self.fd)
            self._closed = True
        with contextlib.suppress(OSError):
            os.unlink(self.tmp_path)


def file_fingerprint(st: Any) -> str:  # an os.stat_result or a sources.VStat
    """A file in a given state, for resuming: size, modification time and inode. The inode tells apart
    two files whose names print the same (b'a\\xff' and the literal 'a\\\\xff' both read 'a\\xff')."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def _hash_tmp(fd: int) -> dict[str, str]:
    import hashlib

    h = hashlib.sha256()
    with open(os.dup(fd), "rb", closefd=True) as fh:
        fh.seek(0)
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"sha256": h.hexdigest()}


def _open_noatime(path, expect: os.stat_result) -> BinaryIO:
    """Open the regular file `expect` describes (lstat before) for reading (see util.open_source)."""
    try:
        fd = open_source(path, expect=expect)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ESTALE, errno.ELOOP):
            raise
        path_s = decode_path(os.fsdecode(path))
        raise SourceError(f"{path_s} was replaced while it was being opened: not read", path=path_s) from exc
    return open(fd, "rb", buffering=0)


def _is_write_error(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _login_name() -> str:
    from .util import login_name

    return login_name() or (f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown")


def _clear_unborn(path: Path) -> list[str]:
    """Remove what an interrupted creation left in `path` (see `_unborn`); returns what was removed."""
    import shutil

    removed = []
    for p in sorted(path.iterdir()):
        if p.name not in _CREATION_LEFTOVERS:
            continue
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p.name)
    return removed


def _disk_full(path: Path, below: int = 256 << 10) -> bool:
    try:
        st = os.statvfs(path)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < below


def _creation_error(path: Path, exc: BaseException) -> CaseError:
    text = getattr(exc, "strerror", None) or str(exc)
    full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT) or \
        isinstance(exc, sqlite3.OperationalError) and ("full" in str(exc).lower() or _disk_full(path.parent))
    if full:
        return DestinationFull(f"the disk holding {path} is full: the case was not created (nothing was left "
                               "behind); free some space or choose a bigger disk", path=str(path))
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return DestinationUnwritable(f"{path} is on a read-only file system", path=str(path))
    return CaseError(f"cannot create the case folder {path}: {text}", path=str(path))


def _remove_stale_builds(path: Path) -> None:
    """Remove hidden half-built cases beside `path` that a killed creation left (none is locked by a
    creation still running)."""
    import shutil

    try:
        stale = list(path.parent.glob(f".{path.name}.creating-*"))
    except OSError:
        return
    for d in stale:
        fd = open_folder(d)
        if fd is None:
            continue
        try:
            # Empty: a creation that has made its folder and not yet locked it (or one killed at once).
            if lock_folder(fd, exclusive=True, blocking=False) and any(d.iterdir()):
                shutil.rmtree(d, ignore_errors=True)
        finally:
            os.close(fd)
