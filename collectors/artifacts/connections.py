"""B7 Thu thập trạng thái network và các kết nối: every socket with its process (connections.json)
and the interface counters (interface_counters.json). Packet capture comes later."""
from __future__ import annotations

from dataclasses import dataclass

from .. import records
from ..base import Collector, Context
from ._common import ProcCache, net_connections, proto_of, psutil, split_addr


@records.record("connections", version=1)
@dataclass
class Connection:
    """One row of connections.json: a socket of any family with its owner."""
    proto: str                          # tcp, tcp6, udp, udp6, unix
    laddr: str | None = None
    lport: int | None = None
    raddr: str | None = None
    rport: int | None = None
    status: str | None = None
    pid: int | None = None
    process: str | None = None
    exe: str | None = None


@records.record("interface_counters", version=1)
@dataclass
class InterfaceCounters:
    """One row of interface_counters.json: psutil.net_io_counters(pernic=True) of one interface."""
    name: str
    bytes_sent: int = 0
    bytes_recv: int = 0
    packets_sent: int = 0
    packets_recv: int = 0
    errin: int = 0
    errout: int = 0
    dropin: int = 0
    dropout: int = 0


def connection_rows(ctx: Context, kind: str = "all") -> list[dict]:
    procs = ProcCache()
    rows = []
    for c in net_connections(ctx, kind):
        la, lp = split_addr(c.laddr)
        ra, rp = split_addr(c.raddr)
        info = procs.get(c.pid)
        rows.append({"proto": proto_of(c), "laddr": la, "lport": lp, "raddr": ra, "rport": rp,
                     "status": c.status, "pid": c.pid, "process": info["process"], "exe": info["exe"]})
    order = {"tcp": 0, "tcp6": 1, "udp": 2, "udp6": 3, "unix": 4}
    rows.sort(key=lambda r: (order.get(r["proto"], 9), r["lport"] or 0, r["laddr"] or "", r["pid"] or 0))
    return rows


class Connections(Collector):
    name = "connections"
    version = "1.0"
    os = ("linux", "windows")
    live_only = True

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "sockets")
        rows = connection_rows(ctx, "all")
        yield ctx.put_records("connections.json", Connection, records.from_dicts(Connection, rows), source="psutil.net_connections(kind='all')")
        counters = [InterfaceCounters(name, **c._asdict())
                    for name, c in sorted(psutil.net_io_counters(pernic=True).items())]
        yield ctx.put_records("interface_counters.json", InterfaceCounters, counters, source="psutil.net_io_counters(pernic=True)")
