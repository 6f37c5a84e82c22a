"""B9 Thu thập hard drive media: disks, partitions and mounts (disks.json). Imaging comes later
(collectors/acquire). Linux: /sys/block and /proc/partitions; mounts from psutil (all file systems)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from ._common import IS_LINUX, psutil


@records.record("disks", version=1)
@dataclass
class DiskLayout:
    """disks.json: block devices, partitions (or Windows volumes) and mounts."""
    disks: list[dict] = field(default_factory=list)
    partitions: list[dict] = field(default_factory=list)
    mounts: list[dict] = field(default_factory=list)      # device, mountpoint, fstype, opts


SECTOR = 512


def _sys(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def _int(s: str | None) -> int | None:
    try:
        return int(s) if s is not None else None
    except ValueError:
        return None


def linux_disks() -> tuple[list[dict], list[dict]]:
    disks, parts = [], []
    try:
        names = sorted(os.listdir("/sys/block"))
    except OSError:
        names = []
    for name in names:
        base = f"/sys/block/{name}"
        sectors = _int(_sys(f"{base}/size"))
        lbs = _int(_sys(f"{base}/queue/logical_block_size")) or SECTOR
        disks.append({
            "name": name, "device": f"/dev/{name}", "size_bytes": sectors * SECTOR if sectors is not None else None,
            "logical_block_size": lbs, "model": _sys(f"{base}/device/model"), "vendor": _sys(f"{base}/device/vendor"),
            "serial": _sys(f"{base}/device/serial") or _sys(f"{base}/serial"),
            "rotational": _sys(f"{base}/queue/rotational") == "1", "removable": _sys(f"{base}/removable") == "1",
            "read_only": _sys(f"{base}/ro") == "1", "virtual": os.path.realpath(base).startswith("/sys/devices/virtual"),
        })
        try:
            subs = sorted(e for e in os.listdir(base) if e.startswith(name) and os.path.isfile(f"{base}/{e}/partition"))
        except OSError:
            subs = []
        for sub in subs:
            ps = f"{base}/{sub}"
            sectors = _int(_sys(f"{ps}/size"))
            start = _int(_sys(f"{ps}/start"))
            parts.append({"name": sub, "device": f"/dev/{sub}", "disk": name, "number": _int(_sys(f"{ps}/partition")),
                          "start_bytes": start * SECTOR if start is not None else None,
                          "size_bytes": sectors * SECTOR if sectors is not None else None})
    return disks, parts


class Disks(Collector):
    name = "disks"
    version = "1.0"
    os = ("linux", "windows")
    live_only = True

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "disks, partitions, mounts")
        disks, parts = linux_disks() if IS_LINUX else ([], [])
        mounts = []
        for p in psutil.disk_partitions(all=True):
            row = {"device": p.device, "mountpoint": p.mountpoint, "fstype": p.fstype, "opts": p.opts}
            mounts.append(row)
        if not IS_LINUX:  # pragma: no cover - Windows: volumes stand in for partitions
            for p in psutil.disk_partitions(all=False):
                try:
                    u = psutil.disk_usage(p.mountpoint)
                    parts.append({"name": p.device, "device": p.device, "disk": None, "size_bytes": u.total,
                                  "used_bytes": u.used, "fstype": p.fstype})
                except OSError:
                    parts.append({"name": p.device, "device": p.device, "disk": None, "size_bytes": None})
            yield ctx.incomplete("physical disk list on Windows is not collected yet (volumes are)")
        elif not disks:
            yield ctx.incomplete("/sys/block could not be read: no disk list")
        yield ctx.put_record("disks.json", DiskLayout(disks, parts, mounts),
                           source="/sys/block, psutil.disk_partitions(all=True)")
