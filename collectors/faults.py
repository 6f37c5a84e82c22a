"""Fault-injection points for crash tests: a store paused at its most dangerous step, then killed.

`point(name)` does nothing unless the environment variable UNGCUU_FAULT_PAUSE names this point; then it
creates the file named by UNGCUU_FAULT_SIGNAL (so the test knows the process got there) and sleeps until
the test kills the process. Production runs never set the variable.
"""
from __future__ import annotations

import os
import time


def point(name: str) -> None:
    if os.environ.get("UNGCUU_FAULT_PAUSE") != name:
        return
    signal_file = os.environ.get("UNGCUU_FAULT_SIGNAL")
    if signal_file:
        with open(signal_file, "w", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {name}\n")
    while True:
        time.sleep(3600)
