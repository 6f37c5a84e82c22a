"""Legacy scheduled tasks (Windows\\Tasks\\*.job, decoded by collectors/artifacts/_jobfile.py): the last run
time (a SYSTEMTIME in the host's local time) as one event, with the program and its arguments."""
from __future__ import annotations

import datetime as _dt
import struct
from typing import Iterator

from analysis.events import Event, ParseReport
from collectors.artifacts._jobfile import parse_job

EPOCH = _dt.datetime(1970, 1, 1)


def parse(path: str, report: ParseReport, *, host: str = "", offset_s: int = 0, name: str = "",
          evidence_id: str = "") -> Iterator[Event]:
    report.parser = "winjob"
    try:
        with open(path, "rb") as fh:
            job = parse_job(fh.read(1 << 20))
    except (OSError, ValueError, struct.error) as exc:
        report.fatal = f"not a readable .job task: {exc}"
        return
    t = job.pop("_last_run")
    if t is None:
        return  # never ran: nothing to place on the timeline
    report.events += 1
    cmd = " ".join(x for x in (job["application"], job["parameters"]) if x)
    yield Event(int((t - EPOCH).total_seconds() * 1_000_000) - offset_s * 1_000_000, "Last Run Time", "task",
                "winjob", f"Scheduled task {name} last ran: {cmd}", host, dict(job, task=name), offset_s,
                evidence_id, "last run")
