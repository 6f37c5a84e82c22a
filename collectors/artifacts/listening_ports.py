"""B11 Thu thập các cổng đang mở của hệ thống: listening TCP/UDP ports with their process, executable
and the executable's SHA-256 (listening_ports.json)."""
from __future__ import annotations

from dataclasses import dataclass

import psutil

from .. import records
from ..base import Collector, Context
from ._common import ExeHasher, ProcCache, net_connections, proto_of, split_addr


@records.record("listening_ports", version=1)
@dataclass
class ListeningPort:
    """One row of listening_ports.json: a listening TCP or bound UDP socket and its owner."""
    proto: str                          # tcp, tcp6, udp, udp6
    laddr: str | None = None
    lport: int | None = None
    pid: int | None = None
    process: str | None = None
    exe: str | None = None
    exe_sha256: str | None = None


def listening(ctx: Context, hasher: ExeHasher | None = None, *, note_unowned: bool = True) -> list[dict]:
    """TCP sockets in LISTEN and UDP sockets bound with no remote end, one row per (proto, addr, port, pid)."""
    procs = ProcCache(hasher)
    seen = set()
    rows = []
    for c in net_connections(ctx, "inet", note_unowned=note_unowned):
        proto = proto_of(c)
        if proto.startswith("tcp") and c.status != psutil.CONN_LISTEN:
            continue
        if proto.startswith("udp") and c.raddr:
            continue
        la, lp = split_addr(c.laddr)
        key = (proto, la, lp, c.pid)
        if key in seen:
            continue
        seen.add(key)
        info = procs.get(c.pid)
        rows.append({"proto": proto, "laddr": la, "lport": lp, "pid": c.pid, "process": info["process"],
                     "exe": info["exe"], "exe_sha256": info["exe_sha256"]})
    rows.sort(key=lambda r: (r["proto"], r["lport"] or 0, r["laddr"] or "", r["pid"] or 0))
    return rows


class ListeningPorts(Collector):
    name = "listening_ports"
    version = "1.0"
    os = ("linux", "windows")
    live_only = True

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "listening ports")
        rows = listening(ctx, ExeHasher())
        unhashed = [f"{r['lport']}/{r['proto']} ({r['process']})" for r in rows if r["exe"] and not r["exe_sha256"]]
        if unhashed:
            yield ctx.incomplete("executables not hashed: " + ", ".join(unhashed[:10]))
        yield ctx.put_records("listening_ports.json", ListeningPort, records.from_dicts(ListeningPort, rows), source="psutil.net_connections(kind='inet')")
