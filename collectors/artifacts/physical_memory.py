"""B6 Thu thập bộ nhớ: the whole physical memory, as LiME from /proc/kcore (collectors/acquire/memory.py),
or through an acquirer the responder brings (avml, winpmem). Opt-in: option `physical_memory` (True), or
`acquirer` (path) with `acquirer_args`."""
from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

from .. import records
from ..acquire import memory
from ..acquire.common import cancelled_note, human_size
from ..base import Collector, Context
from ..case import Case
from ..errors import Cancelled, NotApplicable
from ._acquire import VERSION, ensure_space, run_on_case
from .process_dump import _hash_file


@records.record("external_acquirer", version=1)
@dataclass
class ExternalAcquirerRun:
    """external_acquirer.json: the acquirer the responder brought, its hash, how it ran and what it wrote."""
    tool: str
    tool_sha256: str
    argv: list[str]
    returncode: int
    output: str
    stdout_tail: str = ""
    stderr_tail: str = ""
    evidence_id: str | None = None


class PhysicalMemory(Collector):
    name = "physical_memory"
    version = VERSION
    os = ("linux", "windows")
    live_only = True

    def check(self, ctx: Context) -> str | None:
        if not (ctx.options.get("physical_memory") or ctx.options.get("acquirer")):
            return "not chosen (full memory acquisition is opt-in)"
        if ctx.options.get("acquirer"):
            return None
        reasons = memory.physical_memory_blockers()
        return "; ".join(reasons) if reasons else None

    def collect(self, ctx: Context) -> Iterator[Any]:
        try:
            yield from acquire_physical(ctx, out={}, acquirer=ctx.options.get("acquirer"),
                                        acquirer_args=ctx.options.get("acquirer_args"))
        except Cancelled:
            return


def acquire_physical(ctx: Context, *, out: dict, acquirer: str | None = None, acquirer_args: list[str] | None = None,
                     check_space: bool = True) -> Iterator[Any]:
    """Fills `out` with records (and reasons, empty when it could run)."""
    case = ctx.case
    total = memory.physical_memory_size() or 0
    reasons = [] if acquirer else memory.physical_memory_blockers()
    if reasons:
        case.custody.append("note", "physical memory", {"event": "physical-memory-refused", "reasons": reasons})
        raise NotApplicable("the whole physical memory cannot be acquired: " + "; ".join(reasons)
                            + "; an acquirer you bring (avml, winpmem) can, with --acquirer PATH", reasons=reasons)
    if check_space and total:
        ensure_space(ctx, total + (64 << 20), f"the whole physical memory ({human_size(total)})")
    if acquirer:
        case.tmp_dir.mkdir(exist_ok=True)
        tmp = case.tmp_dir / f"{uuid.uuid4().hex}.mem"
        yield ctx.progress(0, total, f"running {acquirer} ...")
        job = ctx.job(_run_acquirer, acquirer, list(acquirer_args or []), str(tmp))
        yield from job.events()
        run = job.result()
        run_doc = run.__dict__.copy()
        stored = []
        if tmp.exists() and tmp.stat().st_size:
            # The output is already inside the case: hash it where it lies and adopt it (a copy would need
            # twice the size of the RAM free on the case drive).
            sha256, size = _hash_file(tmp)
            rec = ctx.adopt_file(tmp, sha256=sha256, size=size, name=f"physical_memory_{os.path.basename(acquirer)}.raw",
                                 source=f"{run.tool} (sha256 {run.tool_sha256})", kind="api",
                                 media_type="application/octet-stream", orig_meta={"acquirer": run.tool},
                                 incomplete=[] if run.returncode == 0 else [f"exit code {run.returncode}"])
            stored.append(rec)
            yield rec
            run_doc["evidence_id"] = rec.id
            with contextlib.suppress(OSError):
                tmp.unlink()  # the name left behind when the store holds a hard link
        rec = ctx.put_record("external_acquirer.json", records.from_dict(ExternalAcquirerRun, run_doc),
                             source=run.tool, kind="api")
        stored.append(rec)
        yield rec
        out.update(records=stored, reasons=[])
        return
    with ctx.writer(name="physical_memory.lime", source="/proc/kcore", kind="api", media_type="application/x-lime") as w:
        job = ctx.job(memory.acquire_kcore_lime, w.write)
        yield from job.events()
        info = job.result()
        if info.get("cancelled"):  # a partial copy: the writer discards it
            raise Cancelled(cancelled_note("acquiring physical memory"))
        w.kw["orig_meta"] = {"format": "LiME", "ranges": info["ranges"], "unreadable": info["unreadable"]}
    yield w.record
    out.update(records=[w.record], reasons=[])


def _run_acquirer(tool: str, args: list[str], output: str, *, progress=None, cancel=None) -> memory.ExternalRun:
    return memory.run_external_acquirer(tool, args, output)


def physical_into_case(case: Case, *, run_id: str | None = None, cancel=None, progress=None, **kw) -> dict:
    """Acquire the physical memory into `case` outside the runner (scripts, tests): {records, reasons}."""
    out: dict = {}
    run_on_case(case, PhysicalMemory, lambda ctx: acquire_physical(ctx, out=out, **kw), checklist_id="B6",
                run_id=run_id, cancel=cancel, progress=progress)
    return out
