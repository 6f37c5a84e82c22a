"""One incident, many hosts: import host bundles and case folders into an incident case.

    iter_import(incident, sources, passphrase=None, public_key=None, cancel=None)
        -> generator of ImportProgress; its return value is a list of ImportResult

Each source is verified first: a bundle with `verify_bundle` (every member against SHA256SUMS, the
manifest, the custody chain, the signature), a case folder with `verify_case` (read without logging).
A source that is not intact is refused with the differences named, and nothing of it is kept. An
encrypted bundle needs its passphrase: ``passphrase`` is a string or a callable ``(path) -> str`` (the
CLI prompts); a wrong or missing one refuses that bundle only.

What is imported lands under ``INCIDENT/hosts/<host>/<case id>-<custody head>/`` (analysis/hosts.py):
``bundle/`` the extracted bundle as it was (verifiable again with `sha256sum -c SHA256SUMS` and
`ungcuu verify`), or for a case folder ``original/`` its copy; ``case/`` a working case folder whose
evidence is the imported evidence (same SHA-256), parsed into its own timeline; ``import.json``. The
host is the examined system's name (the timeline's host, from the collected system information, else
the name most of its events carry), else the host case's id. An imported bundle file is also evidence of the incident (B5, byte for byte), so the incident's own
bundle carries every host. The incident's custody log gets one ``import`` entry per collection, with the bundle's
SHA-256, the host's case id and custody head. The same collection imported again is recognised and
skipped; a newer collection of the same case (a longer custody chain) is kept beside the older and
replaces it in the timeline; another case of the same host is merged with it, each event once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator

from analysis import hosts as _hosts
from analysis import timeline
from collectors.errors import Cancelled, UngCuuError, UnreadableInput

from .bundle import BundlePassphraseError, extract_bundle, verify_bundle
from .bundle_io import BundleRefused

__all__ = ["ImportProgress", "ImportResult", "iter_import", "import_sources"]


@dataclass
class ImportProgress:
    stage: str            # verify | extract | parse | merge
    source: str
    done: int = 0         # sources finished
    total: int = 0
    events: int = 0
    message: str = ""


@dataclass
class ImportResult:
    source: str
    status: str           # imported | newer | already | refused
    host: str = ""
    case_id: str = ""
    custody_head: str = ""
    events: int = 0
    problems: list[str] = field(default_factory=list)
    path: str = ""
    signature: str = ""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _cancelled(cancel) -> bool:
    return timeline._is_cancelled(cancel)


def _working_case_from_bundle(bundle_dir: Path, work: Path, manifest: dict):
    """A case folder whose evidence is the bundle's evidence (same bytes, same SHA-256, the original
    checklist ids, names, sources and metadata), so the parsers read it as they read the host's case."""
    from collectors.case import Case

    case = Case.create(work, examiner=manifest.get("examiner") or None, affected_root="")
    for item in manifest.get("items", []):
        if item.get("missing_at_build") or not item.get("path"):
            continue
        with open(bundle_dir / item["path"], "rb") as fh:
            case.add_stream(fh, checklist_id=item.get("checklist_id") or "B0", name=item.get("name") or item["id"],
                            source=item.get("source") or "", kind=item.get("kind") or "file",
                            collector=item.get("collector") or "import",
                            collector_version=item.get("collector_version") or "",
                            orig_meta=item.get("orig_meta") or {}, incomplete=item.get("incomplete") or [],
                            media_type=item.get("media_type"), host=item.get("host"), run_id=item.get("run_id"),
                            size_hint=item.get("size"))
    case.custody.append("import_source", manifest.get("case_id") or "", {
        "from_bundle": str(bundle_dir), "custody_head": (manifest.get("custody") or {}).get("last_hash")})
    return case


def _case_identity(src: Path) -> tuple[str, str, int]:
    """(case id, custody head hash, custody entries) of a case folder, read only."""
    import sqlite3

    db = sqlite3.connect(f"file:{src / 'case.sqlite'}?mode=ro", uri=True)
    try:
        cid = db.execute("SELECT value FROM meta WHERE key='case_id'").fetchone()
        n, head = db.execute("SELECT COUNT(*), (SELECT hash FROM custody ORDER BY seq DESC LIMIT 1) "
                             "FROM custody").fetchone()
    finally:
        db.close()
    return (cid[0] if cid else src.name), head or "", int(n)


def _host_of(work_case, fallback: str) -> str:
    """The examined system's name: the timeline's host (system information), else the name most of its
    events carry (an EVTX record's Computer), else `fallback`."""
    db = timeline.connect(timeline.path_of(work_case))
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'host'").fetchone()
        host = row[0] if row else ""
        if not host:
            row = db.execute("SELECT host FROM events WHERE host IS NOT NULL AND host != '' GROUP BY host "
                             "ORDER BY COUNT(*) DESC LIMIT 1").fetchone()
            host = row[0] if row else ""
    finally:
        db.close()
    return host or fallback


def _existing(incident, case_id: str, head: str) -> dict | None:
    for d in _hosts.collections(incident):
        if d.get("case_id") == case_id and d.get("custody_head") == head:
            return d
    return None


def _ask(passphrase, path) -> str | None:
    if callable(passphrase):
        return passphrase(path)
    return passphrase


def _import_one(incident, src: Path, i: int, n: int, passphrase, public_key,
                cancel) -> Generator[ImportProgress, None, ImportResult]:
    res = ImportResult(source=str(src), status="refused")
    staging = Path(incident.path) / "tmp" / f"import-{uuid.uuid4().hex[:10]}"
    yield ImportProgress("verify", str(src), i, n)
    bundle_sha = ""
    try:
        if src.is_dir():
            from collectors.verify import verify_case

            if not (src / "case.sqlite").is_file():
                res.problems = [f"{src}: not a case folder (no case.sqlite) nor a bundle"]
                return res
            vr = verify_case(src, log=False)
            if not vr.ok:
                res.problems = list(vr.problems)
                return res
            case_id, head, entries = _case_identity(src)
            kind = "case"
        else:
            secret = None
            try:
                br = verify_bundle(src, public_key, None)
            except BundlePassphraseError:
                secret = _ask(passphrase, src)
                if not secret:
                    res.problems = [f"{src}: encrypted bundle: its passphrase is needed (--passphrase-file)"]
                    return res
                try:
                    br = verify_bundle(src, public_key, secret)
                except BundlePassphraseError as exc:
                    res.problems = [f"{src}: {exc}"]
                    return res
            res.signature = br.signature
            if not br.ok:
                res.problems = list(br.problems)
                return res
            manifest = br.manifest
            case_id = manifest.get("case_id") or br.case_id
            head = (manifest.get("custody") or {}).get("last_hash") or ""
            entries = int((manifest.get("custody") or {}).get("entries") or 0)
            kind = "bundle"
            bundle_sha = _sha256(src)
        seen = _existing(incident, case_id, head)
        if seen is not None:
            res.status, res.host, res.case_id, res.custody_head = "already", seen["host"], case_id, head
            res.path = seen["path"]
            return res
        if _cancelled(cancel):
            raise Cancelled("import cancelled; nothing of this source was kept")
        yield ImportProgress("extract", str(src), i, n, message=case_id)
        staging.mkdir(parents=True)
        if kind == "bundle":
            extract_bundle(src, staging / "bundle", secret)
            work = _working_case_from_bundle(staging / "bundle", staging / "case", manifest)
            fallback = case_id
        else:
            shutil.copytree(src, staging / "original", ignore=shutil.ignore_patterns(
                "timeline.sqlite*", "cache", "tmp", "exports", "*.lock"))
            shutil.copytree(staging / "original", staging / "case")
            from collectors.case import Case

            work = Case.open(staging / "case", affected_root="")
            fallback = case_id
        yield ImportProgress("parse", str(src), i, n, message=case_id)
        summary = None
        for p in _iter_with_value(timeline.iter_build(work, cancel)):
            if isinstance(p, timeline.BuildSummary):
                summary = p
            else:
                yield ImportProgress("parse", str(src), i, n, p.events, p.current)
        host = _hosts.safe_host(_host_of(work, fallback))
        work.close()
        older = [d for d in _hosts.collections(incident) if d.get("case_id") == case_id]
        dest = Path(incident.path) / _hosts.HOSTS_DIR / host / f"{_hosts.safe_host(case_id)}-{head[:12] or 'nohead'}"
        info: dict[str, Any] = {"host": host, "case_id": case_id, "custody_head": head, "custody_entries": entries, "kind": kind,
                "source": str(src), "bundle_sha256": bundle_sha, "signature": res.signature,
                "imported_at": _now(), "events": summary.events if summary else 0,
                "replaces": [d["path"] for d in older]}
        (staging / _hosts.IMPORT_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(dest)
        if kind == "bundle":  # the bundle itself, byte for byte, so the incident's own bundle carries every host
            incident.add_file(src, checklist_id="B5", name=src.name, source=str(src), collector="import",
                              host=host)
        with incident.transaction():
            incident.custody.append("import", f"{host} {case_id}", {
                "source": str(src), "kind": kind, "bundle_sha256": bundle_sha, "custody_head": head,
                "custody_entries": entries, "signature": res.signature, "events": info["events"],
                "path": str(dest.relative_to(incident.path)), "newer_than": [Path(p).name for p in info["replaces"]]})
        res.status = "newer" if older else "imported"
        res.host, res.case_id, res.custody_head, res.events, res.path = host, case_id, head, info["events"], str(dest)
        return res
    except BundleRefused as exc:
        res.problems = list(getattr(exc, "reasons", None) or [str(exc)])
        return res
    except UnreadableInput as exc:
        res.problems = [str(exc)]
        return res
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _iter_with_value(gen):
    """Yield a generator's items, then its return value."""
    while True:
        try:
            yield next(gen)
        except StopIteration as stop:
            yield stop.value
            return


def iter_import(incident, sources, passphrase: str | Callable | None = None, public_key=None,
                cancel=None) -> Generator[ImportProgress, None, list[ImportResult]]:
    """Import every source (bundle file or case folder) into the incident case, then rebuild its
    timeline across hosts. Returns the list of ImportResult."""
    from collectors.case import Case

    opened = isinstance(incident, (str, Path))
    if opened:
        incident = Case.open_or_create(incident, affected_root="")
    try:
        return (yield from _import_all(incident, [Path(s) for s in sources], passphrase, public_key, cancel))
    finally:
        if opened:
            incident.close()


def _import_all(incident, sources: list[Path], passphrase, public_key,
                cancel) -> Generator[ImportProgress, None, list[ImportResult]]:
    results: list[ImportResult] = []
    for i, src in enumerate(sources):
        if _cancelled(cancel):
            raise Cancelled("import cancelled; the sources imported so far are kept")
        try:
            res = yield from _import_one(incident, src, i, len(sources), passphrase, public_key, cancel)
        except UngCuuError as exc:
            if isinstance(exc, Cancelled):
                raise
            res = ImportResult(source=str(src), status="refused", problems=[str(exc)])
        if res.status == "refused":
            with incident.transaction():
                incident.custody.append("import_refused", str(src), {"problems": res.problems[:50]})
        results.append(res)
    if any(r.status in ("imported", "newer") for r in results) or not timeline.is_current(incident):
        for p in _iter_with_value(timeline.iter_build(incident, cancel)):
            if not isinstance(p, timeline.BuildSummary):
                yield ImportProgress("merge", "", len(sources), len(sources), p.events, p.current)
    return results


def import_sources(incident, sources, **kw) -> list[ImportResult]:
    gen = iter_import(incident, sources, **kw)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value
