"""B6 Thu thập bộ nhớ: RAM and swap state (memory.json). Dumps come later (collectors/acquire)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from ._common import psutil


@records.record("memory", version=1)
@dataclass
class MemoryUsage:
    """memory.json: psutil.virtual_memory() and swap_memory() as dicts."""
    virtual: dict
    swap: dict = field(default_factory=dict)


class MemoryState(Collector):
    name = "memory_state"
    version = "1.0"
    os = ("linux", "windows")
    live_only = True

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "memory state")
        virtual = psutil.virtual_memory()._asdict()
        try:
            swap = psutil.swap_memory()._asdict()
        except (OSError, RuntimeError) as exc:  # no swap accounting (some containers)
            swap = {}
            yield ctx.incomplete(f"swap state could not be read: {exc}")
        yield ctx.put_record("memory.json", MemoryUsage(virtual, swap),
                           source="psutil.virtual_memory, psutil.swap_memory")
