"""Helpers shared by the analysis tests (imported as a top-level module: tests/analysis is on sys.path)."""
from __future__ import annotations

from pathlib import Path

from collectors.case import Case


def add_text(case: Case, tmp_path: Path, source: str, text: str | bytes, checklist_id: str = "B10",
             mtime: float | None = None):
    """Write `text` to a temporary file and add it to the case as if collected from `source`."""
    import os

    local = tmp_path / ("src_" + source.strip("/").replace("/", "_"))
    local.write_bytes(text.encode() if isinstance(text, str) else text)
    if mtime is not None:
        os.utime(local, (mtime, mtime))
    return case.add_file(local, checklist_id=checklist_id, collector="test", source=source)


def add_json(case: Case, name: str, obj, checklist_id: str):
    return case.add_json(obj, checklist_id=checklist_id, name=name, source="test", collector="test")
