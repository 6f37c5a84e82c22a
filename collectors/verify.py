"""Verify a case folder: the custody chain, its mirror, the evidence index and every evidence byte.

Returns one plain sentence per difference, naming the evidence id, its name and source, or the custody
entry, so a reader knows exactly what changed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from .case import DB_NAME, Case
from .custody import verify_chain
from .errors import CaseNotFound, UnreadableInput
from .hashing import sha256_file

_INDEX_FIELDS = ("sha256", "size", "checklist_id", "name", "source", "collector")


@dataclasses.dataclass
class VerifyResult:
    ok: bool
    problems: list[str]
    checked_items: int
    checked_files: int
    custody_entries: int

    def summary(self) -> str:
        if self.ok:
            return (f"intact: {self.checked_items} evidence items, {self.checked_files} files, "
                    f"{self.custody_entries} custody entries verified")
        return f"NOT intact: {len(self.problems)} problem(s)"


def verify_case(path: str | os.PathLike, *, log: bool = True,
                progress: Callable[[int, int], None] | None = None) -> VerifyResult:
    path = Path(path)
    if not (path / DB_NAME).is_file():
        raise UnreadableInput(f"{path} is not a case folder (no {DB_NAME}) nor a readable bundle", path=str(path))
    try:
        case = Case.open(path, affected_root="")
        entries = case.custody.entries()
        rows = [dict(r) for r in case.db.execute("SELECT * FROM evidence ORDER BY seq")]
        incident_row = case.db.execute("SELECT data FROM incident WHERE id = 1").fetchone()
    except (CaseNotFound, Exception) as exc:
        if isinstance(exc, UnreadableInput):
            raise
        raise UnreadableInput(f"cannot read the case at {path}: {exc}", path=str(path)) from exc

    problems: list[str] = list(verify_chain(entries))

    # The mirror must hold the same entries as the database.
    mirror = list(case.custody.mirror_entries())
    if not case.custody.mirror_path.exists():
        problems.append("custody.jsonl (the custody log's mirror) is missing")
    else:
        for (n, e, _), d in zip(mirror, entries):
            if e is None:
                problems.append(f"custody.jsonl line {n} is not valid JSON")
            elif e.get("hash") != d["hash"] or e.get("details") != d["details"] or e.get("target") != d["target"]:
                problems.append(f"custody log entry {d['seq']} differs between case.sqlite and custody.jsonl line {n}")
        if len(mirror) < len(entries):
            problems.append(f"custody.jsonl lacks entries {len(mirror) + 1}..{len(entries)} that case.sqlite holds")
        elif len(mirror) > len(entries):
            problems.append(f"custody.jsonl has entries past {len(entries)} that case.sqlite does not hold "
                            "(custody entries were deleted from case.sqlite)")

    # Evidence index against the custody log.
    logged = {e["target"]: e for e in entries if e["action"] in ("collect", "add", "derive")}
    indexed = {r["id"]: r for r in rows}
    for r in rows:
        e = logged.get(r["id"])
        label = f"evidence {r['id']} ({r['name']}, from {r['source']})"
        if e is None:
            problems.append(f"{label} is in the index but not in the custody log (added outside UngCuu)")
            continue
        for f in _INDEX_FIELDS:
            if e["details"].get(f) != r[f]:
                problems.append(f"{label}: index field '{f}' is {r[f]!r} but the custody log recorded {e['details'].get(f)!r}")
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
        f = case.evidence_path(sha)
        names = ", ".join(f"{r['id']} ({r['name']}, from {r['source']})" for r in rs)
        if not f.exists():
            problems.append(f"evidence {names}: file evidence/{sha[:2]}/{sha} is missing")
            continue
        try:
            actual = sha256_file(f)
        except OSError as exc:
            problems.append(f"evidence {names}: file cannot be read: {exc.strerror}")
            continue
        if actual != sha:
            problems.append(f"evidence {names}: content changed (SHA-256 now {actual}, collected as {sha})")
        size = f.stat().st_size
        for r in rs:
            if size != r["size"]:
                problems.append(f"evidence {r['id']} ({r['name']}): size is {size} bytes, collected as {r['size']}")
        if progress:
            progress(n, total)
    if case.evidence_dir.is_dir():
        for sub in sorted(case.evidence_dir.iterdir()):
            for f in sorted(sub.iterdir()) if sub.is_dir() else [sub]:
                if f.name not in by_sha:
                    problems.append(f"unexpected file evidence/{f.relative_to(case.evidence_dir)} (not in the index)")

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

    result = VerifyResult(ok=not problems, problems=problems, checked_items=len(rows), checked_files=total,
                          custody_entries=len(entries))
    if log and not problems:
        try:
            case.custody.append("verify", case.case_id, {"result": "intact", "items": len(rows), "files": total})
        except Exception:
            pass  # a read-only medium: verifying must still work
    elif log:
        try:
            case.custody.append("verify", case.case_id, {"result": "not intact", "problems": problems[:50]})
        except Exception:
            pass
    case.close()
    return result
