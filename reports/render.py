"""Render a report kind of a case to a file (pdf, docx, eml) and log the export in the custody log.

    render_report(case, kind, fmt="pdf", out=None, lang="vi", now=None) -> RenderResult(path, sha256, missing)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from collectors.errors import UngCuuError
from collectors.util import atomic_output

from .kinds import FORMATS, KINDS, build_doc
from .render_docx import render_docx
from .render_eml import render_eml
from .render_pdf import render_pdf
from .sources import recipients_for


@dataclass
class RenderResult:
    path: Path
    sha256: str
    size: int
    missing: list[str] = field(default_factory=list)


def render_bytes(case, kind: str, fmt: str = "pdf", lang: str = "vi", now: dt.datetime | None = None) -> tuple[bytes, list[str]]:
    if kind not in KINDS:
        raise UngCuuError(f"không có loại báo cáo '{kind}'; các loại: {', '.join(KINDS)}", kind=kind)
    if fmt not in FORMATS:
        raise UngCuuError(f"định dạng '{fmt}' không hỗ trợ; dùng: {', '.join(FORMATS)}", format=fmt)
    doc = build_doc(case, kind, lang=lang, now=now)
    if fmt == "pdf":
        return render_pdf(doc), doc.missing
    if fmt == "docx":
        return render_docx(doc, now=now), doc.missing
    from .bundle_info import latest_bundle

    incident = case.incident()
    return render_eml(doc, incident, recipients_for(incident), pdf=render_pdf(doc), docx=render_docx(doc, now=now),
                      filename=default_name(case, kind, "")[:-1], now=now, bundle=latest_bundle(case)), doc.missing


def default_name(case, kind: str, fmt: str) -> str:
    number = ((case.incident().get("reports") or {}).get(kind) or {}).get("number") or ""
    tag = re.sub(r"[^A-Za-z0-9_-]+", "-", str(number)).strip("-")
    return f"{kind}{'-' + tag if tag else ''}.{fmt}"


def check_out_path(case, path: str | os.PathLike) -> Path:
    """Refuse an output file inside the case folder anywhere but under exports/: a report or a bundle must
    never replace case.sqlite, custody.jsonl, evidence or image parts (the write is a rename over the
    target). Anywhere outside the case folder is the responder's choice."""
    path = Path(path)
    try:
        target = path.resolve()
        case_dir = Path(case.path).resolve()
    except (OSError, RuntimeError):
        return path
    if target == case_dir or (target.is_relative_to(case_dir)
                              and not target.is_relative_to(case_dir / "exports")):
        raise UngCuuError(f"không ghi {path} vào trong thư mục vụ việc (chỉ được ghi vào {case_dir / 'exports'}): "
                          "tệp của vụ việc sẽ bị ghi đè (refusing to write inside the case folder but exports/)",
                          path=str(path))
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: a failed write leaves no half file."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def render_report(case, kind: str, fmt: str = "pdf", out: str | os.PathLike | None = None, lang: str = "vi",
                  now: dt.datetime | None = None) -> RenderResult:
    if out and Path(out).is_dir():   # a folder: the report goes in it under its usual name
        out = Path(out) / default_name(case, kind, fmt)
    path = check_out_path(case, out) if out else case.path / "exports" / default_name(case, kind, fmt)
    data, missing = render_bytes(case, kind, fmt, lang, now)
    if now is None:   # what a bundle would render now: kept so building one does not render it again
        from . import report_cache

        report_cache.store(case, report_cache.cache_key(case, kind, fmt, lang), fmt, data, missing)
    write_atomic(path, data)
    digest = hashlib.sha256(data).hexdigest()
    case.custody.append("export", str(path), {"report": kind, "format": fmt, "sha256": digest, "size": len(data),
                                              "lang": lang})
    return RenderResult(path, digest, len(data), missing)
