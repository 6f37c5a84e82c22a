"""Helpers for the analysis tests: cases built in tmp_path from the real samples in ../shared/data."""
from __future__ import annotations

from pathlib import Path

import pytest

from collectors.case import Case


@pytest.fixture
def logs(shared_data) -> Path:
    return shared_data / "logs"


@pytest.fixture
def evtx_dir(shared_data) -> Path:
    return shared_data / "evtx"


@pytest.fixture
def new_case(tmp_path):
    """Factory: new_case(name) -> an empty Case in tmp_path."""
    made = []

    def make(name: str = "case") -> Case:
        c = Case.create(tmp_path / name, examiner="pytest", affected_root="")
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
