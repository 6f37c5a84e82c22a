"""Shared fixtures. Sample data lives in ../shared/data beside the repository (never downloaded)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Live collections in the tests walk a few folders rather than the whole machine: the full-depth Linux
# triage (file-system timeline, temporary folders, package digests) is measured by bench/bench_triage.py.
os.environ.setdefault("UNGCUU_FS_ROOTS", "/etc:/boot")
os.environ.setdefault("UNGCUU_TEMP_ROOTS", "/run/user")
os.environ.setdefault("UNGCUU_PACKAGE_SCOPE", "config")
SHARED_DATA = Path(os.environ.get("UNGCUU_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"sample data not found at {SHARED_DATA} (set UNGCUU_SHARED_DATA)")
    return SHARED_DATA
