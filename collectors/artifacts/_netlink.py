"""The kernel's neighbour table (ARP and IPv6 neighbours) over rtnetlink: what `ip neigh` shows, read
from the kernel directly instead of running the host's `ip` program (which a compromised host can replace).

    neighbours_netlink() -> [{address, lladdr, iface, state}]      (Linux; raises OSError elsewhere)
"""
from __future__ import annotations

import ipaddress
import os
import socket
import struct

RTM_NEWNEIGH, RTM_GETNEIGH = 28, 30
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NDA_DST, NDA_LLADDR = 1, 2
NUD_STATES = {0x01: "INCOMPLETE", 0x02: "REACHABLE", 0x04: "STALE", 0x08: "DELAY", 0x10: "PROBE", 0x20: "FAILED",
              0x40: "NOARP", 0x80: "PERMANENT"}
_HDR = struct.Struct("=IHHII")          # nlmsghdr: len, type, flags, seq, pid
_NDMSG = struct.Struct("=BBHiHBB")      # ndmsg: family, pad, pad, ifindex, state, flags, type
_RTA = struct.Struct("=HH")             # rtattr: len, type


def _align(n: int) -> int:
    return (n + 3) & ~3


def _state(bits: int) -> str:
    return ",".join(name for bit, name in NUD_STATES.items() if bits & bit) or "NONE"


def _parse(payload: bytes, names: dict[int, str]) -> dict | None:
    family, _, _, ifindex, state, _, _ = _NDMSG.unpack_from(payload)
    attrs: dict[int, bytes] = {}
    pos = _align(_NDMSG.size)
    while pos + _RTA.size <= len(payload):
        length, kind = _RTA.unpack_from(payload, pos)
        if length < _RTA.size:
            break
        attrs[kind] = payload[pos + _RTA.size:pos + length]
        pos += _align(length)
    dst = attrs.get(NDA_DST)
    if dst is None or family not in (socket.AF_INET, socket.AF_INET6):
        return None
    lladdr = attrs.get(NDA_LLADDR)
    return {"address": str(ipaddress.ip_address(dst)),
            "lladdr": ":".join(f"{b:02x}" for b in lladdr) if lladdr else None,
            "iface": names.get(ifindex, str(ifindex)), "state": _state(state)}


def neighbours_netlink(timeout: float = 5.0) -> list[dict]:
    names = {i: n for i, n in socket.if_nameindex()}
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | getattr(socket, "SOCK_CLOEXEC", 0),
                         getattr(socket, "NETLINK_ROUTE", 0))
    try:
        sock.settimeout(timeout)
        sock.bind((0, 0))
        seq = int.from_bytes(os.urandom(4), "little") or 1
        body = _NDMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0, 0, 0)
        sock.send(_HDR.pack(_HDR.size + len(body), RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body)
        rows: list[dict] = []
        while True:
            data = sock.recv(1 << 16)
            if not data:
                return rows
            pos = 0
            while pos + _HDR.size <= len(data):
                length, kind, _, got_seq, _ = _HDR.unpack_from(data, pos)
                if length < _HDR.size:
                    return rows
                payload = data[pos + _HDR.size:pos + length]
                pos += _align(length)
                if got_seq != seq:
                    continue
                if kind == NLMSG_DONE:
                    return rows
                if kind == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", payload)[0]
                    if code:
                        raise OSError(code, os.strerror(code))
                    continue
                if kind == RTM_NEWNEIGH and len(payload) >= _NDMSG.size:
                    row = _parse(payload, names)
                    if row is not None:
                        rows.append(row)
    finally:
        sock.close()
