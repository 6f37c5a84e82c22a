"""The custody log: append-only, each entry hash-chained to the one before it.

An entry is (seq, ts, actor, action, target, details, tool_version, host, prev_hash); its hash is the
SHA-256 of the canonical JSON of those fields. Editing, deleting or reordering any entry breaks the chain
at that entry. The log lives in case.sqlite and is mirrored line by line to custody.jsonl, so a change
made to one copy only is caught as well.

The mirror is written after the database commits, under an exclusive lock on custody.jsonl taken before
the commit, so lines appear in sequence order whatever the number of writers (threads or processes).
A crash between the commit and the mirror line leaves the mirror one transaction short; opening the case
appends what the database committed. The mirror is therefore never longer than the database: extra
lines in it mean entries were deleted from case.sqlite, and `verify` says so (nothing removes them).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import threading
from typing import TYPE_CHECKING, Iterable, Iterator

from . import __version__
from .states import CUSTODY_ACTIONS, check_custody_action
from .util import host_name, utc_now_iso

if TYPE_CHECKING:  # pragma: no cover
    from .case import Case

GENESIS = "0" * 64
MIRROR_NAME = "custody.jsonl"
FIELDS = ("seq", "ts", "actor", "action", "target", "details", "tool_version", "host", "prev_hash")
ACTIONS = CUSTODY_ACTIONS


def entry_hash(entry: dict) -> str:
    """The chain hash of one entry (all fields but `hash`)."""
    canonical = json.dumps([entry[f] for f in FIELDS], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CustodyLog:
    def __init__(self, case: "Case"):
        self.case = case
        self._pending = threading.local()  # per thread: entries appended in the open transaction, lock fd

    @property
    def mirror_path(self):
        return self.case.path / MIRROR_NAME

    def append(self, action: str, target: str, details: dict | None = None, *, actor: str | None = None) -> dict:
        """Append an entry in its own transaction (or the caller's, if one is open).

        The mirror line is written once the transaction commits (see the module docstring).
        """
        with self.case.transaction() as db:
            last = db.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
            entry = {
                "seq": (last["seq"] + 1) if last else 1,
                "ts": utc_now_iso(),
                "actor": actor or self.case.examiner,
                "action": check_custody_action(action),
                "target": target,
                "details": details or {},
                "tool_version": __version__,
                "host": host_name(),
                "prev_hash": last["hash"] if last else GENESIS,
            }
            entry["details"] = json.loads(json.dumps(entry["details"], ensure_ascii=False, default=str))
            entry["hash"] = entry_hash(entry)
            db.execute(
                "INSERT INTO custody (seq, ts, actor, action, target, details, tool_version, host, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (entry["seq"], entry["ts"], entry["actor"], entry["action"], entry["target"],
                 json.dumps(entry["details"], ensure_ascii=False, sort_keys=True), entry["tool_version"],
                 entry["host"], entry["prev_hash"], entry["hash"]),
            )
            # The INSERT holds the database's write lock: taking the mirror lock only now cannot deadlock
            # (whoever holds the mirror lock either holds the write lock or has already committed).
            if getattr(self._pending, "fd", None) is None:
                self._pending.fd = self._lock()
                self._pending.entries = []
            self._pending.entries.append(entry)
        return entry

    # ------------------------------------------------------------ mirror: called by Case.transaction
    def _lock(self) -> int:
        """An exclusive lock on custody.jsonl (created if missing); returns the locked descriptor."""
        fd = os.open(self.mirror_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            _lock_fd(fd)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _committed(self) -> None:
        """The transaction committed: write its entries to the mirror, then release the lock."""
        fd = getattr(self._pending, "fd", None)
        if fd is None:
            return
        entries, self._pending.entries, self._pending.fd = self._pending.entries, [], None
        try:
            _append_lines(fd, entries)
        finally:
            os.close(fd)  # releases the lock

    def _rolled_back(self) -> None:
        fd = getattr(self._pending, "fd", None)
        if fd is not None:
            self._pending.entries, self._pending.fd = [], None
            os.close(fd)

    def entries(self) -> list[dict]:
        rows = self.case.db.execute("SELECT * FROM custody ORDER BY seq").fetchall()
        out = []
        for r in rows:
            e = dict(r)
            e["details"] = json.loads(e["details"])
            out.append(e)
        return out

    def mirror_entries(self) -> Iterator[tuple[int, dict | None, str]]:
        """(line number, parsed entry or None, raw line) for each line of custody.jsonl."""
        if not self.mirror_path.exists():
            return
        with open(self.mirror_path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                text = raw.decode("utf-8", errors="replace").rstrip("\n")
                try:
                    yield n, json.loads(text), text
                except json.JSONDecodeError:
                    yield n, None, text

    def repair_mirror(self) -> None:
        """After a crash: add to the mirror the entries the database committed but the mirror lacks.

        Only when the mirror is exactly the start of the database log (a torn last line, cut by the
        crash, is dropped first). Any other difference, a mirror longer than the database above all,
        is left for `verify` to report.
        """
        if not self.mirror_path.exists():
            return  # never legitimately absent (the first append creates it): verify reports it
        try:
            fd = self._lock()
        except OSError:
            return  # a read-only medium: verify reports what is missing
        try:
            size = os.lseek(fd, 0, os.SEEK_END)
            os.lseek(fd, 0, os.SEEK_SET)
            data = b""
            while len(data) < size:
                chunk = os.read(fd, size - len(data))
                if not chunk:
                    break
                data += chunk
            keep = len(data)
            if data and not data.endswith(b"\n"):
                cut = data.rfind(b"\n") + 1
                try:
                    json.loads(data[cut:])
                except ValueError:
                    keep = cut  # a line torn by the crash
            lines = data[:keep].splitlines()
            # Read under the lock: every committed entry but a crashed one is mirrored.
            if self.case.db.execute("SELECT COUNT(*) FROM custody").fetchone()[0] <= len(lines):
                return  # the usual case, decided without parsing the log
            try:
                db_entries = self.entries()
            except ValueError:
                return  # an entry is no longer JSON: verify names it
            for raw, d in zip(lines, db_entries):
                try:
                    if json.loads(raw) != d:
                        return
                except ValueError:
                    return
            if keep != len(data):
                os.ftruncate(fd, keep)
            elif data and not data.endswith(b"\n"):
                os.lseek(fd, 0, os.SEEK_END)
                os.write(fd, b"\n")
            _append_lines(fd, db_entries[len(lines):])
        except OSError:
            pass  # verify reports the mirror as it is
        finally:
            os.close(fd)


def mirror_line(entry: dict) -> str:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"


def _append_lines(fd: int, entries: list[dict]) -> None:
    """Append entries to the locked mirror and fsync; on failure cut the file back (no torn line)."""
    if not entries:
        return
    data = "".join(mirror_line(e) for e in entries).encode("utf-8")
    start = os.lseek(fd, 0, os.SEEK_END)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, start)
        from .errors import DestinationFull, DestinationUnwritable

        what = (f"custody entries {entries[0]['seq']}..{entries[-1]['seq']} are committed in case.sqlite but not "
                "yet mirrored in custody.jsonl (opening the case again adds them)")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DestinationFull(f"the disk holding the case folder is full: {what}") from exc
        raise DestinationUnwritable(f"cannot write custody.jsonl ({exc.strerror or exc}): {what}") from exc


def _lock_fd(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: a mandatory lock on the first byte (the file is only appended to)
        import msvcrt
        import time

        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]  # Windows only
                return
            except OSError:
                time.sleep(0.01)
    fcntl.flock(fd, fcntl.LOCK_EX)


def verify_chain(entries: Iterable[dict]) -> list[str]:
    """Problems in custody entries, in order (read once, so a stream works; empty when the chain is intact)."""
    problems = []
    prev: str | None = GENESIS
    for i, e in enumerate(entries, 1):
        if e.get("seq") != i:
            problems.append(f"custody log: entry {i} has sequence number {e.get('seq')} (an entry was removed or reordered)")
        if e.get("prev_hash") != prev:
            problems.append(f"custody log: entry {e.get('seq')} does not link to the entry before it")
        try:
            expected = entry_hash(e)
        except KeyError as exc:
            problems.append(f"custody log: entry {e.get('seq')} lacks field {exc}")
            expected = None
        if expected is not None and e.get("hash") != expected:
            problems.append(
                f"custody log: entry {e.get('seq')} ({e.get('action')} {e.get('target')}) was modified "
                "(its content no longer matches its hash)")
        prev = e.get("hash")
    return problems
