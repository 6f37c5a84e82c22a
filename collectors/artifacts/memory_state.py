"""B6 Thu thập bộ nhớ: RAM and swap state (memory.json). Dumps come later (collectors/acquire)."""
from __future__ import annotations

from ..base import Collector, Context
from ._common import psutil


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
        yield ctx.put_json("memory.json", {"virtual": virtual, "swap": swap},
                           source="psutil.virtual_memory, psutil.swap_memory")
