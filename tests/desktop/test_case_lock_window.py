"""The desktop window and the command line share one collector lock: a case a command is collecting into
opens read-only in the window (after asking), and the window's claim is refused to the command line."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOLDER = """
import sys
from desktop.commands._common import open_case
case = open_case(sys.argv[1], create=True, examiner="t", claim="ungcuu collect")
print("held", flush=True)
sys.stdin.read()
"""


def test_a_case_a_cli_collects_into_opens_read_only_in_the_window(make_win, case_dir, monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(case_dir)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        win = make_win()
        asked = []
        monkeypatch.setattr(win, "ask_read_only", lambda who: asked.append(who) or True)
        monkeypatch.setattr(win, "ask_examiner", lambda cur: None)
        assert win.open_case(str(case_dir))
        assert asked == [f"ungcuu collect (pid {holder.pid} on {os.uname().nodename})"]
        assert win.read_only and not win.collection_page.start_btn.isEnabled()
        win.set_case(None)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    monkeypatch.setattr(win, "ask_read_only", lambda who: asked.append(who) or True)
    assert win.open_case(str(case_dir))
    assert len(asked) == 1 and not win.read_only      # the holder is gone: the window collects
    assert win.case_lock is not None and win.case_lock.held
