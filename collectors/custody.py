"""The custody log: append-only, each entry hash-chained to the one before it.

An entry is (seq, ts, actor, action, target, details, tool_version, host, prev_hash); its hash is the
SHA-256 of the canonical JSON of those fields. Editing, deleting or reordering any entry breaks the chain
at that entry. The log lives in case.sqlite and is mirrored line by line to custody.jsonl, so a change
made to one copy only is caught as well.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import TYPE_CHECKING, Iterator

from . import __version__
from .util import host_name, utc_now_iso

if TYPE_CHECKING:  # pragma: no cover
    from .case import Case

GENESIS = "0" * 64
MIRROR_NAME = "custody.jsonl"
FIELDS = ("seq", "ts", "actor", "action", "target", "details", "tool_version", "host", "prev_hash")
ACTIONS = {
    "create", "collect", "add", "export", "verify", "transfer", "incident", "collect-start", "collect-end",
    "derive", "note",
}


def entry_hash(entry: dict) -> str:
    """The chain hash of one entry (all fields but `hash`)."""
    canonical = json.dumps([entry[f] for f in FIELDS], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CustodyLog:
    def __init__(self, case: "Case"):
        self.case = case

    @property
    def mirror_path(self):
        return self.case.path / MIRROR_NAME

    def append(self, action: str, target: str, details: dict | None = None, *, actor: str | None = None) -> dict:
        """Append an entry in its own transaction (or the caller's, if one is open)."""
        with self.case.transaction() as db:
            last = db.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
            entry = {
                "seq": (last["seq"] + 1) if last else 1,
                "ts": utc_now_iso(),
                "actor": actor or self.case.examiner,
                "action": action,
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
            # The mirror line is written before the commit; a crash in between leaves one extra line,
            # which `repair_mirror` drops on the next open because the database never had it.
            self._write_mirror(entry)
        return entry

    def _write_mirror(self, entry: dict) -> None:
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        with open(self.mirror_path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

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
        """After a crash: drop mirror lines past the database's last entry only if they never committed.

        Lines are dropped only when the mirror is the database log plus uncommitted tail entries with
        the next sequence numbers; any other difference is left for `verify` to report.
        """
        db_entries = self.entries()
        lines = list(self.mirror_entries())
        if len(lines) <= len(db_entries):
            return
        head = lines[: len(db_entries)]
        if any(e is None or e.get("hash") != d["hash"] for (_, e, _), d in zip(head, db_entries)):
            return
        with contextlib.suppress(OSError):
            with open(self.mirror_path, "w", encoding="utf-8") as fh:
                for _, _, text in head:
                    fh.write(text + "\n")
                fh.flush()
                os.fsync(fh.fileno())


def verify_chain(entries: list[dict]) -> list[str]:
    """Problems in a list of custody entries (empty when the chain is intact)."""
    problems = []
    prev = GENESIS
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
