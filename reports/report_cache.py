"""Rendered reports kept inside the case (CASE/cache/reports/), so a bundle does not render them again.

A report is a function of the case's content (evidence, incident record, analysis marks: everything the
custody log records), of the report kind, format and language, of the tool build and of the day it is
dated. The key is the hash of those: the custody head that changed the case (exports and verifications
only log outputs, so they do not invalidate), the incident record's SHA-256, the build, the UTC date and
for Mẫu 04 and e-mails the bundle they name (the one being built, or the latest one exported).

    cached_render(case, kind, fmt="pdf", lang="vi") -> (bytes, missing)   # render on a miss, then keep
    store(case, key, data, missing)                                      # render_report keeps its output
    cache_key(case, kind, fmt, lang) -> str
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from pathlib import Path

from collectors.util import atomic_output

CACHE_DIR = ("cache", "reports")
# custody actions that record an output or a check, not a change of what a report shows
OUTPUT_ACTIONS = ("export", "verify")
# report kinds whose text names the evidence bundle (Mẫu 04's attachments)
NAMES_BUNDLE = ("closing",)


def _folder(case) -> Path:
    return Path(case.path).joinpath(*CACHE_DIR)


def content_head(case) -> tuple[int, str] | None:
    """(seq, hash) of the last custody entry that changed the case."""
    marks = ",".join("?" * len(OUTPUT_ACTIONS))
    row = case.db.execute(f"SELECT seq, hash FROM custody WHERE action NOT IN ({marks}) ORDER BY seq DESC LIMIT 1",
                          OUTPUT_ACTIONS).fetchone()
    return (row[0], row[1]) if row else None


def cache_key(case, kind: str, fmt: str, lang: str) -> str:
    from collectors.provenance import build_info

    from .bundle_info import building, latest_bundle

    incident = json.dumps(case.incident(), ensure_ascii=False, sort_keys=True)
    build = build_info()
    # Mẫu 04 and the e-mail name the bundle: the one being built (this copy travels inside it) or the latest
    bundle = None
    if kind in NAMES_BUNDLE or fmt == "eml":
        inside = building.get()
        latest = None if inside else latest_bundle(case)
        bundle = ["inside", inside] if inside else ["latest", latest and latest["sha256"]]
    parts = {"head": content_head(case), "kind": kind, "format": fmt, "lang": lang, "bundle": bundle,
             "incident": hashlib.sha256(incident.encode("utf-8")).hexdigest(),
             "build": [build.get("version"), build.get("commit"), build.get("dirty"), build.get("executable_sha256")],
             "day": dt.datetime.now(dt.timezone.utc).date().isoformat()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def load(case, key: str, fmt: str) -> tuple[bytes, list[str]] | None:
    folder = _folder(case)
    try:
        meta = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        data = (folder / f"{key}.{fmt}").read_bytes()
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("sha256") != hashlib.sha256(data).hexdigest():
        return None                       # a damaged or edited cache entry is rendered again
    return data, list(meta.get("missing") or [])


def store(case, key: str, fmt: str, data: bytes, missing: list[str]) -> None:
    """Keep a rendered report; a case folder that cannot be written just keeps nothing."""
    if getattr(case, "read_only", False):
        return
    folder = _folder(case)
    with contextlib.suppress(Exception):
        with atomic_output(folder / f"{key}.{fmt}") as tmp:
            tmp.write_bytes(data)
        with atomic_output(folder / f"{key}.json") as tmp:
            tmp.write_text(json.dumps({"sha256": hashlib.sha256(data).hexdigest(), "missing": missing}),
                           encoding="utf-8")


def cached_render(case, kind: str, fmt: str = "pdf", lang: str = "vi") -> tuple[bytes, list[str]]:
    from .render import render_bytes

    key = cache_key(case, kind, fmt, lang)
    hit = load(case, key, fmt)
    if hit is not None:
        return hit
    data, missing = render_bytes(case, kind, fmt, lang)
    # rendering may have built the timeline (custody entries): keep it under the head it was rendered at
    store(case, cache_key(case, kind, fmt, lang), fmt, data, missing)
    return data, missing
