"""Legacy scheduled tasks (Windows\\Tasks\\*.job, MS-TSCH fixed-length and variable-length sections): the
program, its arguments, working folder, author, comment, status and last run time (a SYSTEMTIME in the
host's local time). Shared by windows_config (the task list) and analysis/parsers/winjob (the timeline)."""
from __future__ import annotations

import datetime as _dt
import struct

STATUS = {0x41300: "ready", 0x41301: "running", 0x41302: "disabled", 0x41303: "has not run", 0x41304: "no more runs",
          0x41305: "not scheduled", 0x41306: "terminated", 0x41307: "no valid triggers"}


def parse_job(data: bytes) -> dict:
    """The fields of a .job file; ValueError when it is not one."""
    if len(data) < 0x48:
        raise ValueError(f"too short for a .job file ({len(data)} bytes)")
    exit_code, status, flags = struct.unpack_from("<IIi", data, 0x28)
    y, mo, _wd, d, h, mi, s, ms = struct.unpack_from("<8H", data, 0x34)
    last_run = None
    if y:
        try:
            last_run = _dt.datetime(y, mo, d, h, mi, s, ms * 1000)
        except ValueError as exc:
            raise ValueError(f"last run time {y}-{mo}-{d} {h}:{mi}:{s}: {exc}") from None
    off = 0x46  # after the running instance count
    strings = []
    for _ in range(5):  # application, parameters, working directory, author, comment
        if off + 2 > len(data):
            raise ValueError("truncated variable-length section")
        n = struct.unpack_from("<H", data, off)[0]
        raw = data[off + 2: off + 2 + 2 * n]
        if len(raw) < 2 * n:
            raise ValueError("truncated string in the variable-length section")
        strings.append(raw.decode("utf-16-le", "replace").rstrip("\0"))
        off += 2 + 2 * n
    app, params, workdir, author, comment = strings
    return {"application": app, "parameters": params, "working_directory": workdir, "author": author,
            "comment": comment, "last_run_local": last_run.isoformat() if last_run else None,
            "status": STATUS.get(status, hex(status)), "exit_code": exit_code, "_last_run": last_run}
