"""B4 kernel parameters as the running kernel holds them (``/proc/sys``, what ``sysctl -a`` prints, read
without running it), and anacron's per-job timestamps (``/var/spool/anacron``: when each job last ran).

``sysctl.json`` (SysctlValue): name (dotted), value; parameters only root may read are counted.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from ._common import glob_logical

MAX_VALUE = 16384


@records.record("sysctl_value", version=1)
@dataclass
class SysctlValue:
    name: str
    value: str
    extra: dict = field(default_factory=dict)


def read_sysctl(base: str = "/proc/sys") -> tuple[list[SysctlValue], int]:
    rows, denied = [], 0
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            try:
                if not os.stat(path).st_mode & 0o444:
                    continue  # write-only triggers (vm.drop_caches, ...)
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
                try:
                    raw = os.read(fd, MAX_VALUE)
                finally:
                    os.close(fd)
            except PermissionError:
                denied += 1
                continue
            except OSError:
                continue
            name = os.path.relpath(path, base).replace("/", ".")
            rows.append(SysctlValue(name, raw.decode("utf-8", "replace").strip().replace("\t", " ")))
    return rows, denied


class SysctlState(Collector):
    name = "sysctl_state"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        for real in glob_logical(ctx, "/var/spool/anacron/*"):
            yield ctx.put_file(real, limit=4096)
        if not ctx.live:
            return
        rows, denied = read_sysctl()
        if denied:
            yield ctx.incomplete(f"{denied} kernel parameters are readable only by root: not read")
        yield ctx.put_records("sysctl.json", SysctlValue, rows, source="/proc/sys")
