"""B4 Thu thập cấu hình của hệ thống: network configuration (network_config.json: interfaces, addresses,
routes, DNS resolvers, ARP/neighbour table) and the firewall rules (firewall.txt, command output).

Live only for the kernel state; on an offline root the DNS resolvers are read from the root's
resolv.conf and the network config files are copied by config_files.
"""
from __future__ import annotations

import ipaddress
import socket
import struct
import subprocess

from ..base import Collector, Context
from ._windows import api_for, drain_notes, offline_reason
from ._common import IS_LINUX, IS_WINDOWS, psutil, read_logical

FIREWALL_COMMANDS = (["nft", "list", "ruleset"], ["iptables-save"], ["ip6tables-save"])
WINDOWS_FIREWALL = ["netsh", "advfirewall", "firewall", "show", "rule", "name=all", "verbose"]


def parse_resolv_conf(text: str) -> dict:
    out = {"nameservers": [], "search": [], "options": []}
    for line in text.splitlines():
        f = line.split()
        if not f or f[0].startswith(("#", ";")):
            continue
        if f[0] == "nameserver" and len(f) > 1:
            out["nameservers"].append(f[1])
        elif f[0] in ("search", "domain"):
            out["search"].extend(f[1:])
        elif f[0] == "options":
            out["options"].extend(f[1:])
    return out


def _hex_ipv4(h: str) -> str:
    return socket.inet_ntoa(struct.pack("<I", int(h, 16)))


def parse_proc_route(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) < 8:
            continue
        dest, gw, mask = _hex_ipv4(f[1]), _hex_ipv4(f[2]), _hex_ipv4(f[7])
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
        rows.append({"family": "ipv4", "destination": f"{dest}/{prefix}", "gateway": None if gw == "0.0.0.0" else gw,
                     "iface": f[0], "metric": int(f[6])})
    return rows


def parse_proc_ipv6_route(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10:
            continue
        dest = str(ipaddress.IPv6Address(bytes.fromhex(f[0])))
        gw = str(ipaddress.IPv6Address(bytes.fromhex(f[4])))
        rows.append({"family": "ipv6", "destination": f"{dest}/{int(f[1], 16)}", "gateway": None if gw == "::" else gw,
                     "iface": f[9], "metric": int(f[5], 16)})
    return rows


def parse_proc_arp(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) >= 6:
            rows.append({"address": f[0], "lladdr": f[3], "iface": f[5], "state": f[2]})
    return rows


def neighbours(notes: list[str]) -> list[dict]:
    """The neighbour table (ARP and IPv6) from the kernel over netlink, else the IPv4 part from
    /proc/net/arp: never the host's `ip` program (which a compromised host can replace)."""
    from ._netlink import neighbours_netlink

    try:
        return neighbours_netlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
    try:
        with open("/proc/net/arp", encoding="ascii", errors="replace") as fh:
            rows = parse_proc_arp(fh.read())
    except OSError as exc:
        notes.append(f"neighbour table not read: {exc}")
        return []
    notes.append(f"IPv6 neighbours not collected (netlink: {reason}), IPv4 ones read from /proc/net/arp")
    return rows


def live_network(notes: list[str]) -> dict:
    stats = psutil.net_if_stats()
    addrs = psutil.net_if_addrs()
    interfaces, addresses = [], []
    link_family = getattr(psutil, "AF_LINK", None)
    for name in sorted(set(stats) | set(addrs)):
        st = stats.get(name)
        mac = None
        for a in addrs.get(name, []):
            if a.family == link_family:
                mac = a.address
                continue
            fam = {socket.AF_INET: "ipv4", socket.AF_INET6: "ipv6"}.get(a.family, str(a.family))
            addresses.append({"iface": name, "family": fam, "address": a.address, "netmask": a.netmask,
                              "broadcast": a.broadcast})
        interfaces.append({"name": name, "mac": mac, "up": st.isup if st else None, "mtu": st.mtu if st else None,
                           "speed_mbps": st.speed if st else None, "flags": getattr(st, "flags", None) if st else None})
    routes: list[dict] = []
    if IS_LINUX:
        for path, parser in (("/proc/net/route", parse_proc_route), ("/proc/net/ipv6_route", parse_proc_ipv6_route)):
            try:
                with open(path, encoding="ascii", errors="replace") as fh:
                    routes.extend(parser(fh.read()))
            except OSError as exc:
                notes.append(f"{path}: {exc.strerror or exc}")
    nb = neighbours(notes) if IS_LINUX else []
    return {"interfaces": interfaces, "addresses": addresses, "routes": routes, "neighbours": nb}


class NetworkConfig(Collector):
    name = "network_config"
    version = "1.0"
    os = ("linux", "windows")

    def check(self, ctx: Context) -> str | None:
        return offline_reason(ctx)

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "network configuration")
        notes: list[str] = []
        if ctx.os == "windows" and not ctx.live:
            from ._windows import network_from_registry

            api = api_for(ctx)
            data = network_from_registry(api, notes)
            for n in notes + drain_notes(api, ctx):
                yield ctx.incomplete(n)
            yield ctx.put_json("network_config.json", data, source=r"SYSTEM hive: Services\Tcpip\Parameters (offline root)")
            return
        if ctx.live:
            data = live_network(notes)
        else:
            data = {"interfaces": [], "addresses": [], "routes": [], "neighbours": []}
        resolv = read_logical(ctx, "/etc/resolv.conf") if not IS_WINDOWS or not ctx.live else None
        data["dns"] = parse_resolv_conf(resolv) if resolv is not None else None
        for n in notes:
            yield ctx.incomplete(n)
        yield ctx.put_json("network_config.json", data,
                           source="psutil, /proc/net, /etc/resolv.conf" if ctx.live else "/etc/resolv.conf (offline root)")
        if IS_WINDOWS and ctx.live:  # pragma: no cover - Windows
            yield ctx.put_command(["ipconfig", "/all"], name="ipconfig.txt")
            yield ctx.put_command(["route", "print"], name="routes.txt")
            yield ctx.put_command(["arp", "-a"], name="arp.txt")
            yield ctx.put_command(WINDOWS_FIREWALL, name="firewall.txt")
            return
        if not ctx.live:
            return
        outputs = []
        for argv in FIREWALL_COMMANDS:
            try:
                proc = ctx.run_program(argv, timeout=30)   # path, SHA-256 and argv go into firewall.txt's record
            except FileNotFoundError:
                continue
            except (OSError, subprocess.TimeoutExpired) as exc:
                outputs.append(f"### {' '.join(argv)}\n# failed: {exc}\n".encode())
                continue
            err = proc.stderr.decode("utf-8", errors="replace").strip()
            outputs.append(f"### {' '.join(argv)} (exit code {proc.returncode})\n".encode() + proc.stdout
                           + (f"\n# stderr: {err}\n".encode() if err else b""))
        if not outputs:
            yield ctx.incomplete("no firewall tool found (nft, iptables-save): firewall rules not collected")
            return
        yield ctx.put_bytes("firewall.txt", b"\n".join(outputs), source="; ".join(" ".join(a) for a in FIREWALL_COMMANDS),
                            media_type="text/plain")
