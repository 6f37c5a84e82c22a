"""B6 Thu thập bộ nhớ: per-process memory maps (process_maps.json).

Linux: /proc/PID/maps parsed as is (address, perms, offset, dev, inode, path); Windows: psutil's
memory_maps(grouped=False). A process that vanishes or denies access is noted, never fatal.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from ..errors import Cancelled
from ..util import decode_path
from ._common import IS_LINUX, JsonListWriter, is_privileged, psutil, read_bytes


@records.record("process_maps", version=1)
@dataclass
class ProcessMapping:
    """One row of process_maps.json: a process and its memory mappings."""
    pid: int
    name: str | None = None
    maps: list[dict] = field(default_factory=list)  # address, perms, offset, dev, inode, path


def parse_maps(data: bytes) -> list[dict]:
    rows = []
    for line in data.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5:
            continue
        path = decode_path(parts[5]) if len(parts) == 6 else ""
        try:
            inode = int(parts[4])
        except ValueError:
            inode = None
        rows.append({"address": parts[0].decode(), "perms": parts[1].decode(), "offset": parts[2].decode(),
                     "dev": parts[3].decode(), "inode": inode, "path": path})
    return rows


class ProcessMaps(Collector):
    name = "process_maps"
    version = "1.0"
    os = ("linux", "windows")
    live_only = True

    def collect(self, ctx: Context):
        denied, vanished = [], 0
        procs = list(psutil.process_iter(["name"]))
        source = "/proc/PID/maps" if IS_LINUX else "psutil.memory_maps"
        # Written process by process: a host with big Java or browser processes has hundreds of
        # thousands of mappings, which must not all sit in memory at once.
        with JsonListWriter(ctx, "process_maps.json", ProcessMapping, source=source) as out:
            for i, p in enumerate(procs):
                if ctx.cancelled:  # discard the half-written list: nothing half-done is stored
                    raise Cancelled("cancelled while reading memory maps")
                if i % 50 == 0:
                    yield ctx.progress(i, len(procs), "memory maps")
                name = p.info.get("name")
                try:
                    if IS_LINUX:
                        maps = parse_maps(read_bytes(f"/proc/{p.pid}/maps", limit=64 << 20))
                    else:  # pragma: no cover - Windows
                        maps = [{"address": m.addr, "perms": m.perms, "offset": None, "dev": None, "inode": None,
                                 "path": m.path} for m in p.memory_maps(grouped=False)]
                except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
                    vanished += 1
                    continue
                except (psutil.AccessDenied, PermissionError):
                    denied.append(f"{p.pid} ({name})")
                    continue
                except OSError as exc:
                    denied.append(f"{p.pid} ({name}): {exc.strerror or exc}")
                    continue
                out.add(ProcessMapping(p.pid, name, maps))
        if denied:
            why = "needs root" if not is_privileged() else "access denied"
            yield ctx.incomplete(f"memory maps of {len(denied)} processes not read ({why}): "
                                 + ", ".join(denied[:10]) + (" ..." if len(denied) > 10 else ""))
        if vanished:
            yield ctx.incomplete(f"{vanished} processes ended before their memory maps were read")
        yield out.record
