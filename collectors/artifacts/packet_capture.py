"""B7 Thu thập trạng thái network: a packet capture of chosen interfaces for N seconds or N packets
(collectors/acquire/capture.py), as pcap (pcapng for several interfaces), with a conversation summary.
Opt-in: option `interfaces` (list), `capture_seconds` (default 30), `capture_count`, `capture_filter`.
Cancelling stops the capture early and keeps what was captured (marked incomplete)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from .. import records
from ..acquire import capture as capture_mod
from ..base import Collector, Context
from ..case import Case
from ..errors import AccessDenied
from ._acquire import VERSION, run_on_case, safe_name


@records.record("conversations", version=1)
@dataclass
class Conversations:
    """conversations.json: what a capture saw, per conversation (endpoints, ports, packets, bytes, times)."""
    interfaces: list[str]
    packets: int
    bytes: int
    seconds: float
    started_at: str
    finished_at: str
    stopped_by: str                      # time, count, cancel
    bpf: str | None = None
    conversations: list[dict] = field(default_factory=list)
    pcap_evidence_id: str | None = None


class PacketCapture(Collector):
    name = "packet_capture"
    version = VERSION
    os = ("linux", "windows")
    live_only = True

    def check(self, ctx: Context) -> str | None:
        if not ctx.options.get("interfaces"):
            return "no interface chosen for the packet capture"
        return capture_mod.capture_blocker()

    def collect(self, ctx: Context) -> Iterator[Any]:
        yield from capture_one(ctx, list(ctx.options["interfaces"]), out={},
                               seconds=ctx.options.get("capture_seconds", 30), count=ctx.options.get("capture_count"),
                               bpf=ctx.options.get("capture_filter"))


def capture_one(ctx: Context, interfaces: list[str], *, out: dict, seconds: float | None = 30,
                count: int | None = None, bpf: str | None = None, on_started=None) -> Iterator[Any]:
    """Capture into the case; fills `out` with records (pcap, conversations.json) and result."""
    reason = capture_mod.capture_blocker()
    if reason:
        ctx.case.custody.append("note", "packet capture", {"event": "capture-refused", "reason": reason})
        raise AccessDenied(reason, interfaces=interfaces)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    ng = len(interfaces) > 1  # several interfaces: pcapng (per-packet interface and link type)
    name = f"capture_{'_'.join(safe_name(i) for i in interfaces)}_{stamp}.{'pcapng' if ng else 'pcap'}"
    with ctx.writer(name=name, source=f"scapy sniff on {', '.join(interfaces)}", kind="api",
                    media_type="application/x-pcapng" if ng else "application/vnd.tcpdump.pcap") as w:
        job = ctx.job(capture_mod.capture, interfaces, w.write, seconds=seconds, count=count, bpf=bpf,
                      on_started=on_started)
        yield from job.events()
        result = job.result()
        w.kw["orig_meta"] = {"interfaces": interfaces, "packets": result.packets, "bytes": result.bytes,
                             "started_at": result.started_at, "finished_at": result.finished_at,
                             "stopped_by": result.stopped_by}
        if result.stopped_by == "cancel":
            w.kw["incomplete"] = ["the capture was cancelled before its limit"]
    yield w.record
    summary = result.to_json()
    summary["pcap_evidence_id"] = w.record.id
    srec = ctx.put_record("conversations.json", records.from_dict(Conversations, summary),
                          source=f"summary of {w.record.id}", kind="derived")
    yield srec
    out.update(records=[w.record, srec], result=result)


def capture_into_case(case: Case, interfaces: list[str], *, run_id: str | None = None, cancel=None, progress=None,
                      **kw) -> dict:
    """Capture into `case` outside the runner (scripts, tests): {records, result}."""
    out: dict = {}
    run_on_case(case, PacketCapture, lambda ctx: capture_one(ctx, interfaces, out=out, **kw), checklist_id="B7",
                run_id=run_id, cancel=cancel, progress=progress)
    return out
