"""The acquisitions as checklist collectors (collectors.base.Collector), for the runner and the GUI.

They are opt-in: each one needs its target in the run options and says so otherwise.

    option            collector            checklist
    pids              process_dump         B6   list of PIDs to dump
    physical_memory   physical_memory      B6   True; or acquirer / acquirer_args (avml, winpmem)
    interfaces        packet_capture       B7   list of interface names; capture_seconds, capture_count
    image_sources     disk_image           B9   devices, partitions or files to image; image_verify
    recover_sources   deleted_files        H4   images, devices or evidence ids; carve (default True)
    open_deleted      open_deleted_files   H4   True

Not registered automatically (the registry reads collectors/artifacts/): a module there may import
them, and resources/checklist.yaml names them per item.
"""
from __future__ import annotations

from typing import Any, Generator, Iterator

from collectors.acquire import capture as capture_mod
from collectors.acquire import memory, store
from collectors.acquire.common import Incomplete as _Incomplete
from collectors.acquire.common import Progress as _Progress
from collectors.acquire.common import TOOL_VERSION
from collectors.base import Collector, Context
from collectors.errors import AccessDenied, NoSuchProcess, NotApplicable, SourceError


def _adapt(ctx: Context, gen: Generator[Any, None, Any]) -> Generator[Any, None, Any]:
    """Turn acquisition events into the runner's (Progress/Incomplete) and return the result."""
    while True:
        try:
            item = next(gen)
        except StopIteration as stop:
            return stop.value
        if isinstance(item, _Progress):
            yield ctx.progress(item.done, item.total, item.message or item.stage)
        elif isinstance(item, _Incomplete):
            yield ctx.incomplete(item.reason)


def _stored(ctx: Context, records) -> Iterator[Any]:
    for rec in records:
        ctx.stored.append(rec)
        yield rec


class ProcessDump(Collector):
    name = "process_dump"
    version = TOOL_VERSION
    os = ("linux", "windows")
    live_only = True

    def check(self, ctx):
        if not ctx.options.get("pids"):
            return "no process chosen (choose PIDs to dump: memory dumps are opt-in)"
        return None

    def collect(self, ctx):
        pids = [int(p) for p in ctx.options["pids"]]
        out = yield from _adapt(ctx, store.memory_into_case(ctx.case, pids, cancel=ctx.cancel, run_id=ctx.run_id))
        yield from _stored(ctx, out["records"])


class PhysicalMemory(Collector):
    name = "physical_memory"
    version = TOOL_VERSION
    os = ("linux", "windows")
    live_only = True

    def check(self, ctx):
        if not (ctx.options.get("physical_memory") or ctx.options.get("acquirer")):
            return "not chosen (full memory acquisition is opt-in)"
        if ctx.options.get("acquirer"):
            return None
        reasons = memory.physical_memory_blockers()
        return "; ".join(reasons) if reasons else None

    def collect(self, ctx):
        out = yield from _adapt(ctx, store.physical_into_case(
            ctx.case, cancel=ctx.cancel, run_id=ctx.run_id, acquirer=ctx.options.get("acquirer"),
            acquirer_args=ctx.options.get("acquirer_args")))
        yield from _stored(ctx, out["records"])


class PacketCapture(Collector):
    name = "packet_capture"
    version = TOOL_VERSION
    os = ("linux", "windows")
    live_only = True

    def check(self, ctx):
        if not ctx.options.get("interfaces"):
            return "no interface chosen for the packet capture"
        return capture_mod.capture_blocker()

    def collect(self, ctx):
        out = yield from _adapt(ctx, store.capture_into_case(
            ctx.case, list(ctx.options["interfaces"]), seconds=ctx.options.get("capture_seconds", 30),
            count=ctx.options.get("capture_count"), bpf=ctx.options.get("capture_filter"), cancel=ctx.cancel,
            run_id=ctx.run_id))
        yield from _stored(ctx, out["records"])


class DiskImage(Collector):
    name = "disk_image"
    version = TOOL_VERSION

    def check(self, ctx):
        if not ctx.options.get("image_sources"):
            return "no device, partition or file chosen to image"
        return None

    def collect(self, ctx):
        for source in ctx.options["image_sources"]:
            if ctx.cancelled:
                return
            try:
                out = yield from _adapt(ctx, store.image_into_case(
                    ctx.case, source, verify=bool(ctx.options.get("image_verify")), cancel=ctx.cancel,
                    run_id=ctx.run_id))
            except (AccessDenied, SourceError) as exc:
                yield ctx.incomplete(f"{source}: {exc}")
                continue
            yield from _stored(ctx, out["records"])
            if out["result"].bad_sectors:
                yield ctx.incomplete(f"{source}: {len(out['result'].bad_sectors)} unreadable sectors zero-filled")


class DeletedFiles(Collector):
    name = "deleted_files"
    version = TOOL_VERSION

    def check(self, ctx):
        if not ctx.options.get("recover_sources"):
            return "no image, device or evidence id chosen to search for deleted files"
        return None

    def collect(self, ctx):
        for source in ctx.options["recover_sources"]:
            if ctx.cancelled:
                return
            try:
                out = yield from _adapt(ctx, store.recover_into_case(
                    ctx.case, source, carve=ctx.options.get("carve", True), cancel=ctx.cancel, run_id=ctx.run_id))
            except (SourceError, NotApplicable) as exc:
                yield ctx.incomplete(f"{source}: {exc}")
                continue
            yield from _stored(ctx, out["records"] + [out["listing"]])


class OpenDeletedFiles(Collector):
    name = "open_deleted_files"
    version = TOOL_VERSION
    os = ("linux",)
    live_only = True

    def check(self, ctx):
        if not ctx.options.get("open_deleted"):
            return "not chosen"
        return None

    def collect(self, ctx):
        try:
            out = yield from _adapt(ctx, store.open_deleted_into_case(ctx.case, cancel=ctx.cancel, run_id=ctx.run_id))
        except NoSuchProcess as exc:  # pragma: no cover - handled per file inside
            yield ctx.incomplete(str(exc))
            return
        for note in out["notes"]:
            yield ctx.incomplete(note)
        yield from _stored(ctx, out["records"])


ALL = (ProcessDump, PhysicalMemory, PacketCapture, DiskImage, DeletedFiles, OpenDeletedFiles)
