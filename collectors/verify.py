"""Verify a case folder: the custody chain, its mirror, the evidence index and every evidence byte.

Returns one plain sentence per difference, naming the evidence id, its name and source, or the custody
entry, so a reader knows exactly what changed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Callable

from .case import DB_NAME, INDEX_ROW_FIELDS, Case, index_row_digest
from .custody import verify_chain
from .errors import CaseError, CaseNotFound, UnreadableInput
from .hashing import sha256_file

_INDEX_FIELDS = ("sha256", "size", "checklist_id", "name", "source", "collector")


@dataclasses.dataclass
class VerifyResult:
    ok: bool
    problems: list[str]
    checked_items: int
    checked_files: int
    custody_entries: int
    head: str | None = None  # "N:HASH" of the custody log's last entry (after the verify entry, if logged)
    anchored: bool = False  # an entry noted earlier (--head) was given and found
    notes: list[str] = dataclasses.field(default_factory=list)  # what is fine but worth knowing

    def summary(self) -> str:
        tail = f"; custody head {self.head} (note it: `ungcuu verify --head` checks that nothing after it was cut)" \
            if self.head else ""
        counts = (f"{self.checked_items} evidence items, {self.checked_files} files, "
                  f"{self.custody_entries} custody entries verified")
        if self.ok and self.anchored:
            return "intact: " + counts + tail
        if self.ok:
            # Without an anchor a rewrite of the whole chain, or a cut at its end in both copies, is
            # self-consistent too: only a head noted earlier (or a checked signature) rules that out.
            return "self-consistent, no anchor given: " + counts + tail
        return f"NOT intact: {len(self.problems)} problem(s)" + tail


def head(case: Case) -> str | None:
    """The custody log's head, "N:HASH" of its last entry: print it with every verify, report and bundle,
    so a later `ungcuu verify --head N:HASH` can tell whether the log was cut or rewritten after it."""
    row = case.db.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
    return f"{row['seq']}:{row['hash']}" if row else None


def _check_head(expected: str, entries: list[dict]) -> list[str]:
    """The entry an earlier reading of the log named ("N:HASH", "HASH" or a hash prefix of 12+ hex digits)."""
    seq_s, _, digest = expected.strip().rpartition(":")
    digest = digest.lower()
    if len(digest) < 12 or any(ch not in "0123456789abcdef" for ch in digest):
        raise UnreadableInput(f"--head {expected!r}: give N:HASH or at least 12 hex digits of an entry's hash")
    matches = [e for e in entries if str(e.get("hash", "")).startswith(digest)]
    if seq_s:
        try:
            seq = int(seq_s)
        except ValueError:
            raise UnreadableInput(f"--head {expected!r}: N must be an entry number") from None
        matches = [e for e in matches if e.get("seq") == seq]
    if matches:
        return []
    last = entries[-1]["seq"] if entries else 0
    return [f"custody log: the entry {expected} noted earlier is not in the log (it holds entries 1..{last}): "
            "the log was cut or rewritten after that entry was noted"]


def _runs_and_outcomes(runs: dict, rows: dict, entries: list[dict]) -> list[str]:
    """Runs and checklist outcomes against the custody entries written with them."""
    problems: list[str] = []
    starts = {e["target"]: e for e in entries if e["action"] == "collect-start"}
    ends = {e["target"]: e for e in entries if e["action"] == "collect-end"}
    for run_id, r in runs.items():
        if run_id not in starts:
            problems.append(f"run {run_id} is in case.sqlite but its start is not in the custody log (added outside UngCuu)")
        else:
            logged_start = starts[run_id]["details"]
            try:
                items = json.loads(r["items"]) if r["items"] is not None else None
            except ValueError:
                items = r["items"]
            for f, value in (("profile", r["profile"]), ("root", r["root"]), ("items", items)):
                if value != logged_start.get(f):
                    problems.append(f"run {run_id}: {f} is {value!r} but the custody log recorded {logged_start.get(f)!r}")
        end = ends.get(run_id)
        if end is None:
            if r["finished_at"] is not None:
                problems.append(f"run {run_id} is marked finished ({r['state']}) but its end is not in the custody log")
        elif r["state"] != end["details"].get("state"):
            problems.append(f"run {run_id}: state is {r['state']!r} but the custody log recorded "
                            f"{end['details'].get('state')!r}")
    for run_id in starts:
        if run_id not in runs:
            problems.append(f"run {run_id} is in the custody log but was removed from case.sqlite")
    logged: dict[tuple[str, str], dict] = {}
    for e in entries:
        if e["action"] == "outcome":
            d = e["details"]
            logged[(d.get("run_id"), d.get("checklist_id"))] = d  # the last one counts (an item may be redone)
    for key, r in sorted(rows.items(), key=str):
        d = logged.get(key)
        label = f"outcome of {key[1]} in run {key[0]}"
        if d is None:
            problems.append(f"{label} ({r['state']}) is not in the custody log (set outside UngCuu)")
            continue
        for f in ("state", "reason", "evidence_count"):
            if r[f] != d.get(f):
                problems.append(f"{label}: {f} is {r[f]!r} but the custody log recorded {d.get(f)!r}")
    for key, d in sorted(logged.items(), key=str):
        if key not in rows:
            problems.append(f"outcome of {key[1]} in run {key[0]} ({d.get('state')}) is in the custody log but was "
                            "removed from case.sqlite")
    return problems


def _sequences(issued: dict, rows: list[dict], entries: list[dict]) -> list[str]:
    """Numbers handed out and never given back: a row deleted from the end of a table leaves a trace."""
    problems = []
    for i, r in enumerate(rows, 1):
        if r["seq"] != i or r["id"] != f"E{i:06d}":
            problems.append(f"evidence index: {r['id']} stands where E{i:06d} should (evidence rows were removed)")
            break
    if rows and issued.get("evidence", 0) > rows[-1]["seq"] or not rows and issued.get("evidence", 0) > 0:
        problems.append(f"evidence index: E{issued['evidence']:06d} was issued but the index ends at "
                        f"{rows[-1]['id'] if rows else 'nothing'} (evidence rows were removed)")
    last = entries[-1]["seq"] if entries else 0
    if issued.get("custody", 0) > last:
        problems.append(f"custody log: entry {issued['custody']} was written but the log ends at entry {last} "
                        "(entries were cut from its end)")
    return problems


def _entry(row) -> dict:
    """A custody row as an entry; details that are not JSON any more stay text (the chain check names them)."""
    e = dict(row)
    try:
        e["details"] = json.loads(e["details"])
    except (TypeError, ValueError):
        pass
    return e


def verify_case(path: str | os.PathLike, *, log: bool = True,
                progress: Callable[[int, int], None] | None = None, head: str | None = None) -> VerifyResult:
    """Verify a case folder; `head` is a custody entry noted earlier ("N:HASH" or a hash prefix) that must
    still be in the log, which catches a log cut at its end in both copies."""
    path = Path(path)
    if not (path / DB_NAME).is_file():
        raise UnreadableInput(f"{path} is not a case folder (no {DB_NAME}) nor a readable bundle", path=str(path))
    try:
        case = Case.open(path, affected_root="")
        entries = [_entry(r) for r in case.db.execute("SELECT * FROM custody ORDER BY seq")]
        rows = [dict(r) for r in case.db.execute("SELECT * FROM evidence ORDER BY seq")]
        incident_row = case.db.execute("SELECT data FROM incident WHERE id = 1").fetchone()
        runs = {r["id"]: dict(r) for r in case.db.execute("SELECT * FROM runs")}
        outcomes = {(r["run_id"], r["checklist_id"]): dict(r) for r in case.db.execute("SELECT * FROM outcomes")}
        issued = dict(case.db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
        pending = _pending(case)
        case_id = case.meta().get("case_id")
    except (CaseNotFound, Exception) as exc:
        if isinstance(exc, UnreadableInput):
            raise
        raise UnreadableInput(f"cannot read the case at {path}: {exc}", path=str(path)) from exc

    problems: list[str] = list(verify_chain(entries))
    notes: list[str] = []
    if head:
        problems += _check_head(head, entries)
    # The cross-checks below read the details of each entry: one edited into something else is already
    # named above, and counts as empty here.
    entries = [e if isinstance(e["details"], dict) else {**e, "details": {}} for e in entries]

    # The mirror must hold the same entries as the database.
    mirror = list(case.custody.mirror_entries())
    if not case.custody.mirror_path.exists():
        problems.append("custody.jsonl (the custody log's mirror) is missing")
    else:
        for (n, e, _), d in zip(mirror, entries):
            if e is None:
                problems.append(f"custody.jsonl line {n} is not valid JSON")
            elif e != d:
                fields = sorted(k for k in set(e) | set(d) if e.get(k) != d.get(k))
                problems.append(f"custody log entry {d['seq']} differs between case.sqlite and custody.jsonl line {n} "
                                f"({', '.join(fields)})")
        if len(mirror) < len(entries):
            problems.append(f"custody.jsonl lacks entries {len(mirror) + 1}..{len(entries)} that case.sqlite holds")
        elif len(mirror) > len(entries):
            problems.append(f"custody.jsonl has entries past {len(entries)} that case.sqlite does not hold "
                            "(custody entries were deleted from case.sqlite)")
            problems += [f"custody.jsonl line {n}: {e.get('action')} {e.get('target')} at {e.get('ts')}"
                         for n, e, _ in mirror[len(entries):len(entries) + 20] if e is not None]
    problems += _sequences(issued, rows, entries)
    if entries and entries[0]["action"] == "create" and entries[0]["target"] != case_id:
        problems.append(f"the case id is {case_id!r} but the custody log created the case as {entries[0]['target']!r}")
    problems += _runs_and_outcomes(runs, outcomes, entries)

    # Evidence index against the custody log: every field of each row.
    logged = {e["target"]: e for e in entries if e["action"] in ("collect", "add", "derive")}
    indexed = {r["id"]: r for r in rows}
    unhashed = 0
    for r in rows:
        e = logged.get(r["id"])
        label = f"evidence {r['id']} ({r['name']}, from {r['source']})"
        if e is None:
            problems.append(f"{label} is in the index but not in the custody log (added outside UngCuu)")
            continue
        named = set()
        for f in _INDEX_FIELDS:
            if e["details"].get(f) != r[f]:
                named.add(f)
                problems.append(f"{label}: index field '{f}' is {r[f]!r} but the custody log recorded {e['details'].get(f)!r}")
        problems += _row_digest_problems(label, r, e["details"], named)
        if "row_sha256" not in e["details"]:
            unhashed += 1
    if unhashed:
        notes.append(f"{unhashed} evidence item(s) were logged by an older UngCuu without a hash of the whole index "
                     f"row: for them only {', '.join(_INDEX_FIELDS)} are compared with the custody log")
    for eid, e in logged.items():
        if eid not in indexed:
            problems.append(f"evidence {eid} ({e['details'].get('name')}, from {e['details'].get('source')}) is in the "
                            "custody log but was removed from the index")

    # Every evidence file, hashed again.
    by_sha: dict[str, list[dict]] = {}
    for r in rows:
        by_sha.setdefault(r["sha256"], []).append(r)
    total = len(by_sha)
    for n, (sha, rs) in enumerate(sorted(by_sha.items()), 1):
        path = case.evidence_path(sha)
        names = ", ".join(f"{r['id']} ({r['name']}, from {r['source']})" for r in rs)
        if path.is_symlink():
            problems.append(f"evidence {names}: evidence/{sha[:2]}/{sha} is a link to {os.readlink(path)}, "
                            "not the stored file")
            continue
        if not path.exists():
            problems.append(f"evidence {names}: file evidence/{sha[:2]}/{sha} is missing")
            continue
        try:
            actual = sha256_file(path)
        except OSError as exc:
            problems.append(f"evidence {names}: file cannot be read: {exc.strerror}")
            continue
        if actual != sha:
            problems.append(f"evidence {names}: content changed (SHA-256 now {actual}, collected as {sha})")
        size = path.stat().st_size
        for r in rs:
            if size != r["size"]:
                problems.append(f"evidence {r['id']} ({r['name']}): size is {size} bytes, collected as {r['size']}")
        if progress:
            progress(n, total)
    if pending:
        notes.append(f"{len(pending)} item(s) were being stored when UngCuu was interrupted "
                     f"({', '.join(str(p['name']) for p in list(pending.values())[:5])}): opening the case on a writable disk "
                     "indexes them (or sets them aside) and logs it")
    if case.evidence_dir.is_dir():
        for sub in sorted(case.evidence_dir.iterdir()):
            for child in sorted(sub.iterdir()) if sub.is_dir() else [sub]:
                if child.name in pending and child == case.evidence_path(child.name):
                    continue
                if child.name not in by_sha or child != case.evidence_path(child.name):
                    problems.append(f"unexpected file evidence/{child.relative_to(case.evidence_dir)} "
                                    "(not in the index)")

    # The incident record against its last custody entry.
    inc_entries = [e for e in entries if e["action"] == "incident"]
    if incident_row is not None:
        text = json.dumps(json.loads(incident_row["data"]), ensure_ascii=False, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if not inc_entries:
            problems.append("the incident record is not in the custody log (set outside UngCuu)")
        elif inc_entries[-1]["details"].get("sha256") != digest:
            problems.append("the incident record was changed outside UngCuu (it differs from the last custody entry)")
    elif inc_entries:
        problems.append("the incident record was removed outside UngCuu")

    last = entries[-1] if entries else None
    anchored = bool(head) and not problems
    if log:
        result_word = "intact" if anchored else "self-consistent, no anchor given"
        details = ({"result": result_word, "items": len(rows), "files": total} if not problems
                   else {"result": "not intact", "problems": problems[:50]})
        try:
            last = case.custody.append("verify", case.case_id, details)
        except (CaseError, OSError, sqlite3.Error):
            pass  # a read-only medium: verifying must still work
    if case.recovered:
        notes.append(_recovered_note(case.recovered))
    result = VerifyResult(ok=not problems, problems=problems, checked_items=len(rows), checked_files=total,
                          custody_entries=len(entries), head=f"{last['seq']}:{last['hash']}" if last else None,
                          anchored=anchored, notes=notes)
    case.close()
    return result


def _pending(case: Case) -> dict[str, dict]:
    """Items an interrupted store left pending (the case could not be reconciled: read-only), by SHA-256."""
    try:
        rows = case.db.execute("SELECT sha256, record FROM store_pending").fetchall()
    except sqlite3.Error:
        return {}  # a case from before the table existed
    out = {}
    for r in rows:
        try:
            name = json.loads(r["record"]).get("name")
        except ValueError:
            name = "?"
        out[r["sha256"]] = {"name": name}
    return out


def _row_digest_problems(label: str, row: dict, details: dict, named: set[str]) -> list[str]:
    """The whole index row against the digest its custody entry holds; names each changed field."""
    logged = details.get("row_sha256")
    if not isinstance(logged, str):
        return []
    digest, fields = index_row_digest(row)
    if digest == logged:
        return []
    given = details.get("field_sha256")
    logged_fields: dict = given if isinstance(given, dict) else {}
    changed = [f for f in INDEX_ROW_FIELDS if f not in named and logged_fields.get(f) != fields[f]]
    if not changed and not named:
        return [f"{label}: the index row no longer matches the digest its custody entry recorded"]
    return [f"{label}: index field '{f}' was changed after collection (it no longer matches the custody log)"
            for f in changed]


def _recovered_note(done: dict) -> str:
    parts = []
    for key, words in (("adopted", "indexed after an interrupted store"), ("set_aside", "set aside"),
                       ("discarded", "discarded (never complete)"), ("removed_parts", "partial copies removed from tmp/")):
        if done.get(key):
            parts.append(f"{len(done[key])} {words}")
    return "opening the case reconciled an interruption (logged in the custody log): " + ", ".join(parts)
