"""The linter and the type checker, run from the test command so that CI counts them.

ruff checks the whole repository with the rules in pyproject.toml; mypy checks the core (collectors,
analysis, reports). Both are in the `test` extra: a missing tool is a failure here, not a skip."""
from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    proc = _run("ruff", "check", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_finds_nothing_in_the_core():
    proc = _run("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
