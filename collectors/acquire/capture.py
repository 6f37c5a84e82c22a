"""Packet capture (checklist B7) with scapy: chosen interfaces, N seconds or N packets, into a pcap that
Wireshark opens, plus a summary of conversations (endpoints, ports, packets, bytes, first/last seen)
for the timeline and findings. Without capture rights the responder gets a clear refusal.
"""
from __future__ import annotations

import datetime as _dt
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

# What scapy raises when a capture cannot start or stop (its own Scapy_Exception, or the OS's errors).
from scapy.error import Scapy_Exception

from collectors.acquire.common import CancelFlag, ProgressFn, cancel_requested, report
from collectors.errors import AccessDenied, NotApplicable, SourceError
from collectors.util import is_admin

SNIFF_ERRORS = (Scapy_Exception, OSError, ValueError, RuntimeError)


def capture_blocker() -> str | None:
    """Why this process cannot capture packets (None: it can)."""
    if sys.platform.startswith("linux"):
        try:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
            s.close()
            return None
        except PermissionError:
            return ("no permission to capture packets: run as root (or give Python CAP_NET_RAW: "
                    "setcap cap_net_raw,cap_net_admin+eip)")
        except OSError as exc:
            return f"cannot open a capture socket: {exc.strerror}"
    if sys.platform.startswith("win"):
        try:
            from scapy.arch.windows import get_windows_if_list  # noqa: F401
            from scapy.config import conf

            if not conf.use_pcap:
                return "Npcap is not installed: install Npcap (https://npcap.com) and run again as Administrator"
        except (ImportError, OSError) as exc:  # pragma: no cover - Windows only
            return f"Npcap cannot be used: {exc}"
        return None
    return None if is_admin() else "capturing packets needs root"


def _load_layers() -> None:
    """Register the link and network layers with scapy (without them packets decode as Raw)."""
    import scapy.layers.inet  # noqa: F401
    import scapy.layers.inet6  # noqa: F401
    import scapy.layers.l2  # noqa: F401


def list_interfaces() -> list[str]:
    """Interface names, read fresh (an interface plugged in after start is listed)."""
    if sys.platform.startswith("linux") and hasattr(socket, "if_nameindex"):
        return sorted(name for _, name in socket.if_nameindex())
    try:
        from scapy.config import conf
        from scapy.interfaces import get_if_list

        conf.ifaces.reload()
        return list(get_if_list())
    except SNIFF_ERRORS + (ImportError,):  # pragma: no cover - not Linux
        return []


def _refresh_scapy_interfaces(names: list[str]) -> None:
    """scapy caches the interface list when first imported: reload it for names it does not know."""
    try:
        from scapy.config import conf

        known = {i.name for i in conf.ifaces.values()}
        if any(n not in known for n in names):
            conf.ifaces.reload()
    except SNIFF_ERRORS:  # pragma: no cover - the capture then names the interface it cannot open
        pass


@dataclass
class Conversation:
    proto: str
    a: str
    a_port: int | None
    b: str
    b_port: int | None
    packets: int = 0
    bytes: int = 0
    packets_a_to_b: int = 0
    bytes_a_to_b: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0

    def to_json(self) -> dict:
        def iso(t: float) -> str:
            return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
        return {"proto": self.proto, "a": self.a, "a_port": self.a_port, "b": self.b, "b_port": self.b_port,
                "packets": self.packets, "bytes": self.bytes, "packets_a_to_b": self.packets_a_to_b,
                "bytes_a_to_b": self.bytes_a_to_b, "packets_b_to_a": self.packets - self.packets_a_to_b,
                "bytes_b_to_a": self.bytes - self.bytes_a_to_b, "first_seen": iso(self.first_seen),
                "last_seen": iso(self.last_seen)}


class ConversationTable:
    def __init__(self):
        self.table: dict[tuple, Conversation] = {}
        self.packets = 0
        self.bytes = 0

    def add(self, pkt) -> None:
        from scapy.layers.inet import ICMP, IP, TCP, UDP
        from scapy.layers.inet6 import IPv6

        size = len(pkt)
        ts = float(pkt.time)
        self.packets += 1
        self.bytes += size
        if IP in pkt:
            src, dst = pkt[IP].src, pkt[IP].dst
        elif IPv6 in pkt:
            src, dst = pkt[IPv6].src, pkt[IPv6].dst
        else:
            return
        if TCP in pkt:
            proto, sp, dp = "tcp", int(pkt[TCP].sport), int(pkt[TCP].dport)
        elif UDP in pkt:
            proto, sp, dp = "udp", int(pkt[UDP].sport), int(pkt[UDP].dport)
        elif ICMP in pkt:
            proto, sp, dp = "icmp", None, None
        else:
            proto, sp, dp = f"ip{pkt[IP].proto if IP in pkt else pkt[IPv6].nh}", None, None
        ends = sorted([(src, sp if sp is not None else -1), (dst, dp if dp is not None else -1)])
        key = (proto, ends[0], ends[1])
        conv = self.table.get(key)
        if conv is None:
            (a, ap), (b, bp) = ends
            conv = self.table[key] = Conversation(proto, a, None if ap == -1 else ap, b, None if bp == -1 else bp,
                                                  first_seen=ts)
        conv.packets += 1
        conv.bytes += size
        if (src, sp if sp is not None else -1) == ends[0]:
            conv.packets_a_to_b += 1
            conv.bytes_a_to_b += size
        conv.last_seen = max(conv.last_seen, ts)

    def summary(self) -> list[dict]:
        return [c.to_json() for c in sorted(self.table.values(), key=lambda c: (-c.bytes, c.proto, c.a, c.b))]


@dataclass
class CaptureResult:
    interfaces: list[str]
    packets: int
    bytes: int
    seconds: float
    started_at: str
    finished_at: str
    stopped_by: str  # "time" | "count" | "cancel"
    conversations: list[dict] = field(default_factory=list)
    bpf: str | None = None

    def to_json(self) -> dict:
        return {"interfaces": self.interfaces, "packets": self.packets, "bytes": self.bytes,
                "seconds": round(self.seconds, 3), "started_at": self.started_at, "finished_at": self.finished_at,
                "stopped_by": self.stopped_by, "bpf": self.bpf, "conversations": self.conversations}


class _SinkFile:
    """The file-like object scapy's PcapWriter wants, over a sink callable (e.g. an evidence writer)."""

    def __init__(self, sink: Callable[[bytes], object]):
        self.sink = sink
        self.lock = threading.Lock()

    def write(self, data):
        with self.lock:
            self.sink(bytes(data))
        return len(data)

    def flush(self):
        pass

    def close(self):
        pass


def _pcapng_writer(fileobj):
    """scapy's PcapNgWriter over a file object (it only opens file names itself)."""
    from scapy.utils import PcapNgWriter

    class _SinkPcapNgWriter(PcapNgWriter):
        def __init__(self, f):  # noqa: D401 - mirrors RawPcapNgWriter.__init__ without opening a file
            self.header_present = False
            self.tsresol = 1000000
            self.interfaces2id = {None: 0}
            self.endian = "<"
            self.endian_magic = b"\x4d\x3c\x2b\x1a"
            self.filename = "<evidence>"
            self.f = f
            self.sync = True

    return _SinkPcapNgWriter(fileobj)


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def capture(interfaces: list[str], sink: Callable[[bytes], object], *, seconds: float | None = 30,
            count: int | None = None, bpf: str | None = None, cancel: CancelFlag = None,
            on_started: Callable[[], None] | None = None, progress: ProgressFn | None = None) -> CaptureResult:
    """Capture into a pcap written to `sink`, reporting progress about ten times a second."""
    reason = capture_blocker()
    if reason:
        raise AccessDenied(reason, interfaces=interfaces)
    if not seconds and not count:
        raise NotApplicable("a packet capture needs a time limit (--seconds) or a packet count (--count)")
    known = set(list_interfaces())
    missing = [i for i in interfaces if known and i not in known]
    if missing:
        raise SourceError(f"no such network interface: {', '.join(missing)} (there are: {', '.join(sorted(known))})",
                          interfaces=missing)
    _load_layers()
    _refresh_scapy_interfaces(interfaces)
    from scapy.sendrecv import AsyncSniffer
    from scapy.utils import PcapWriter

    table = ConversationTable()
    out = _SinkFile(sink)
    # One interface: classic pcap. Several: pcapng, which records each packet's interface and link type
    # (a classic pcap holds one link type only).
    writer = _pcapng_writer(out) if len(interfaces) > 1 else PcapWriter(out, sync=True)  # type: ignore[arg-type]  # a file-like sink
    lock = threading.Lock()

    def on_packet(pkt):
        with lock:
            writer.write(pkt)
            table.add(pkt)

    started_at = _now_iso()
    t0 = time.monotonic()
    started = threading.Event()
    kwargs = {"filter": bpf} if bpf else {}
    sniffer = AsyncSniffer(iface=interfaces if len(interfaces) > 1 else interfaces[0], prn=on_packet, store=False,
                           count=count or 0, started_callback=started.set, **kwargs)
    try:
        sniffer.start()
    except PermissionError as exc:
        raise AccessDenied("no permission to capture packets on " + ", ".join(interfaces),
                           interfaces=interfaces) from exc
    except SNIFF_ERRORS as exc:  # e.g. a BPF filter without libpcap
        hint = " (a BPF filter needs libpcap: libpcap0.8 / Npcap; leave out --filter to capture everything)" if bpf else ""
        raise SourceError(f"cannot capture on {', '.join(interfaces)}: {exc}{hint}",
                          interfaces=interfaces) from exc
    # Wait until the capture sockets are open, so nothing sent after this point is missed.
    while not started.wait(0.05):
        if sniffer.thread is not None and not sniffer.thread.is_alive():
            break
        if time.monotonic() - t0 > 10:
            break
    if sniffer.exception is not None or not started.is_set():
        why: BaseException | None = sniffer.exception
        try:
            if sniffer.running:
                sniffer.stop(join=True)
        except SNIFF_ERRORS as stop_exc:  # scapy re-raises the thread's exception from stop()
            why = why or stop_exc
        if isinstance(why, PermissionError):
            raise AccessDenied("no permission to capture packets on " + ", ".join(interfaces), interfaces=interfaces)
        raise SourceError(f"cannot capture on {', '.join(interfaces)}: {why or 'the capture did not start'}"
                          + (" (a BPF filter needs libpcap)" if bpf else ""), interfaces=interfaces)
    if on_started:
        on_started()
    stopped_by = "time"
    try:
        while True:
            elapsed = time.monotonic() - t0
            if cancel_requested(cancel):
                stopped_by = "cancel"
                break
            if count and table.packets >= count:
                stopped_by = "count"
                break
            if not sniffer.running:
                stopped_by = "count" if count and table.packets >= count else "time"
                break
            if seconds and elapsed >= seconds:
                stopped_by = "time"
                break
            report(progress, table.packets, count,
                   f"{table.packets} packets, {table.bytes} bytes, {elapsed:.0f}/{seconds or '∞'} s",
                   unit="packets", stage="capture")
            time.sleep(0.1 if seconds is None or seconds - elapsed > 0.1 else max(0.0, seconds - elapsed))
    finally:
        if sniffer.running:
            try:
                sniffer.stop(join=True)
            except SNIFF_ERRORS:  # pragma: no cover - scapy raises when already stopped
                pass
        else:
            sniffer.join()
    with lock:
        if table.packets == 0:
            writer.linktype = getattr(writer, "linktype", None) or 1  # DLT_EN10MB, what Linux 'lo' and Ethernet give
            writer.write_header(None)  # an empty but valid pcap
        writer.flush()
    return CaptureResult(list(interfaces), table.packets, table.bytes, time.monotonic() - t0, started_at,
                         _now_iso(), stopped_by, table.summary(), bpf)
