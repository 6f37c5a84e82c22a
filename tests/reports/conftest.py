"""Fixtures for the reports tests (helpers in reports_helpers.py)."""
from __future__ import annotations

import pytest
from reports_helpers import make_case


@pytest.fixture
def case(tmp_path, shared_data):
    c = make_case(tmp_path / "case", shared_data)
    yield c
    c.close()


@pytest.fixture(scope="module")
def module_case(tmp_path_factory, shared_data):
    c = make_case(tmp_path_factory.mktemp("reports") / "case", shared_data)
    yield c
    c.close()


