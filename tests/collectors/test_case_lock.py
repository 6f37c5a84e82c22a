"""One lock per case for every program that collects: two command-line collections into one case, the
second refused with who holds it (in Vietnamese and English), reads still allowed, and the lock gone with
its holder even after a SIGKILL; in one process two openers of one case get one claim."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from collectors.case import Case

REPO = Path(__file__).resolve().parents[2]
HOLDER = """
import sys
from desktop.commands._common import open_case
case = open_case(sys.argv[1], create=True, examiner="t", claim="ungcuu collect")
print("held", flush=True)
sys.stdin.read()
"""


def _cli(*args, lang="vi"):
    return subprocess.run([sys.executable, "-m", "desktop", "--lang", lang, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def _hold(case_dir) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(case_dir)], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_cli_collection_is_refused_while_the_first_holds_the_case(tmp_path):
    case_dir = tmp_path / "CASE"
    holder = _hold(case_dir)
    try:
        res = _cli("collect", "--case", str(case_dir), "--only", "B1")
        assert res.returncode != 0
        assert f"đang được ungcuu collect (pid {holder.pid}" in res.stderr, res.stderr
        res = _cli("collect", "--case", str(case_dir), "--only", "B1", lang="en")
        assert f"is open for collection by ungcuu collect (pid {holder.pid}" in res.stderr, res.stderr
        # the acquisition commands take the same lock
        res = _cli("image", str(tmp_path / "nothing.raw"), "--case", str(case_dir), lang="en")
        assert f"is open for collection by ungcuu collect (pid {holder.pid}" in res.stderr, res.stderr
        # and so does an import of other hosts into it
        res = _cli("import", "--case", str(case_dir), str(tmp_path / "host.zip"), lang="en")
        assert res.returncode != 0
        assert f"is open for collection by ungcuu collect (pid {holder.pid}" in res.stderr, res.stderr
        # reading is not collecting
        assert _cli("status", "--case", str(case_dir)).returncode == 0
        with Case.open(case_dir) as case:
            assert case.claim("test") is None
            assert case.holder()["app"] == "ungcuu collect" and case.holder()["pid"] == str(holder.pid)
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no clean release: the OS drops the lock with the process
        holder.wait()
    res = _cli("collect", "--case", str(case_dir), "--only", "B1")
    assert "open for collection" not in res.stderr and "đang được" not in res.stderr, res.stderr
    assert res.returncode == 0, res.stderr


def test_two_openers_in_one_process_get_one_claim_and_closing_releases_it(tmp_path):
    first = Case.create(tmp_path / "CASE", examiner="t")
    second = Case.open(tmp_path / "CASE")
    try:
        lock = first.claim("ungcuu gui")
        assert lock is not None and lock.held
        assert first.claim("ungcuu gui") is lock  # claiming again keeps the one held
        assert second.claim("ungcuu collect") is None
        assert second.holder()["app"] == "ungcuu gui"
        first.close()
        assert second.claim("ungcuu collect") is not None
    finally:
        first.close()
        second.close()
