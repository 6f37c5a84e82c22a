"""The full offline Windows root (tests/windows/winroot.py) collected once for the tests of this folder."""
from __future__ import annotations

import pytest

pytest.importorskip("regipy")

from collectors.case import Case  # noqa: E402
from desktop import cli  # noqa: E402
from tests.windows import winroot  # noqa: E402


@pytest.fixture(scope="session")
def win_data(shared_data):
    return shared_data / "windows"


@pytest.fixture(scope="session")
def win_root(tmp_path_factory, win_data):
    return winroot.build(tmp_path_factory.mktemp("winroot") / "root", win_data)


@pytest.fixture(scope="session")
def win_case(tmp_path_factory, win_root):
    path = tmp_path_factory.mktemp("wincase") / "case"
    rc = cli.main(["--lang", "en", "collect", "--case", str(path), "--root", str(win_root), "--profile", "full"])
    case = Case.open(path, affected_root="")
    yield case, rc
    case.close()


def records_of(case, name):
    from collectors import records

    rec = case.latest(name)
    assert rec is not None, f"{name} was not collected"
    return records.rows_of(case.read_json(rec))
