"""Fixtures for the spine tests: a fresh case and a registry of small test collectors."""
from __future__ import annotations

import pytest

from collectors import base
from collectors.case import Case


@pytest.fixture
def case(tmp_path):
    c = Case.create(tmp_path / "case", examiner="tester", affected_root="")
    yield c
    c.close()


@pytest.fixture
def fake_registry(monkeypatch):
    """Replace the collector registry with the given collectors (dict name -> Collector)."""
    def install(collectors: dict):
        monkeypatch.setattr(base, "_REGISTRY", dict(collectors))
        return collectors
    return install
