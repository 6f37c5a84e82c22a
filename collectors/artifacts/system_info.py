"""B2 Thu thập thông tin hệ thống: host name, OS, kernel/build, boot time, uptime, time zone and clock,
logged-in users, hardware (system.json).

On an offline root the file-based parts (host name, OS release, time zone) are read from the root; what
only a running system has (boot time, clock, users, hardware) is null and said so.
"""
from __future__ import annotations

import ctypes
import os
import platform
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from .. import records, sources
from ..base import Collector, Context
from ..util import iso_utc, kernel_uname, local_offset, utc_now
from ._common import IS_LINUX, IS_WINDOWS, iso, psutil, read_logical, resolve_in_root
from .os_config import parse_os_release


@records.record("system", version=1)
@dataclass
class System:
    """system.json: the host. What an offline root cannot say is None (and said so in the outcome)."""
    hostname: str | None = None
    fqdn: str | None = None
    os: dict = field(default_factory=dict)        # system, release, version, distro, distro_version, build
    kernel: str | None = None
    boot_time: str | None = None                  # ISO 8601 UTC
    uptime_s: float | None = None
    timezone: str | None = None                   # zone name, e.g. Asia/Ho_Chi_Minh
    utc_offset: str | None = None                 # +07:00 (live only)
    clock: dict = field(default_factory=dict)     # utc, local, ntp_synced, offset_s, max_error_s
    users: list[dict] = field(default_factory=list)  # logged-in sessions: name, terminal, host, started
    hardware: dict = field(default_factory=dict)  # cpu_model, cpus, memory_bytes, machine, vendor, product
    offline_root: str | None = records.absent()  # the root's path, when collected from one
    windows: dict | None = records.absent()      # Windows: computer name, domain, time zone, last shutdown


TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised


class _Timex(ctypes.Structure):
    """struct timex of adjtimex(2) (Linux); the trailing padding leaves room for newer fields."""
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time_sec", ctypes.c_long), ("time_usec", ctypes.c_long), ("tick", ctypes.c_long),
                ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long), ("shift", ctypes.c_int),
                ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
                ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int),
                ("_pad", ctypes.c_int * 16)]


STA_NANO = 0x2000


def kernel_clock() -> dict:
    """Clock discipline as the kernel sees it: synchronised?, estimated offset and maximum error (seconds).

    adjtimex(2) with modes=0 only reads. Not available (all None) off Linux.
    """
    out = {"ntp_synced": None, "offset_s": None, "max_error_s": None}
    if not IS_LINUX:
        return out
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        tx = _Timex()
        rc = libc.adjtimex(ctypes.byref(tx))
    except (OSError, AttributeError):
        return out
    if rc < 0:
        return out
    unit = 1e-9 if tx.status & STA_NANO else 1e-6
    out.update(ntp_synced=rc != TIME_ERROR, offset_s=round(tx.offset * unit, 9), max_error_s=round(tx.maxerror * 1e-6, 6))
    return out


def fqdn(ctx: Context, hostname: str) -> str | None:
    """The fully qualified name from the host's own /etc/hosts (read O_NOATIME), the way the resolver's
    "files" source gives it: the first name of the line that lists `hostname`. No resolver is asked: it
    would read /etc/hosts and /etc/resolv.conf plainly (changing their access times) and may send DNS
    queries from the examined machine."""
    if "." in hostname:
        return hostname
    text = read_logical(ctx, "/etc/hosts") or ""
    for line in text.splitlines():
        names = line.split("#", 1)[0].split()[1:]
        if hostname in names:
            return next((n for n in names if n.startswith(hostname + ".")), names[0] if "." in names[0] else None)
    return None


def timezone_name(ctx: Context) -> str | None:
    tz = read_logical(ctx, "/etc/timezone")
    if tz and tz.strip():
        return tz.strip().splitlines()[0]
    real = ctx.path("/etc/localtime")
    try:
        target = sources.readlink(real)
    except OSError:
        target = None
    if target and "zoneinfo/" in target:
        return target.split("zoneinfo/", 1)[1]
    if ctx.live:
        return os.environ.get("TZ") or (time.tzname[0] if time.tzname else None)
    return None


def cpu_model() -> str | None:
    if IS_LINUX:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if line.lower().startswith(("model name", "hardware", "cpu model")):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return os.environ.get("PROCESSOR_IDENTIFIER") or None if IS_WINDOWS else None


def dmi(field: str) -> str | None:
    try:
        with open(f"/sys/class/dmi/id/{field}", encoding="utf-8", errors="replace") as fh:
            return fh.read().strip() or None
    except OSError:
        return None


def live_info(ctx: Context) -> tuple[dict, list[str]]:
    notes: list[str] = []
    host = socket.gethostname()
    rel = parse_os_release(read_logical(ctx, "/etc/os-release") or read_logical(ctx, "/usr/lib/os-release") or "")
    uname = kernel_uname()
    build = None
    if IS_WINDOWS:  # pragma: no cover - Windows
        build = platform.version()
    boot = psutil.boot_time()
    now = utc_now()
    users = []
    try:
        for u in psutil.users():
            users.append({"name": u.name, "terminal": u.terminal, "host": u.host or None, "started": iso(u.started)})
    except (OSError, psutil.Error) as exc:
        notes.append(f"logged-in users could not be read: {exc}")
    info = {
        "hostname": host,
        "fqdn": fqdn(ctx, host),
        "os": {"system": uname["system"], "release": uname["release"], "version": uname["version"],
               "distro": rel.get("NAME") or (platform.win32_ver()[0] and f"Windows {platform.win32_ver()[0]}") or None,
               "distro_version": rel.get("VERSION_ID") or rel.get("VERSION") or (platform.win32_ver()[1] or None),
               "build": build},
        "kernel": f"{uname['release']} {uname['version']}".strip(),
        "boot_time": iso(boot),
        "uptime_s": round(time.time() - boot, 3),
        "timezone": timezone_name(ctx),
        "utc_offset": local_offset(now),
        "clock": {"utc": iso_utc(now), "local": now.astimezone().isoformat(timespec="microseconds"), **kernel_clock()},
        "users": users,
        "hardware": {"cpu_model": cpu_model(), "cpus": psutil.cpu_count(), "memory_bytes": psutil.virtual_memory().total,
                     "machine": uname["machine"], "vendor": dmi("sys_vendor"), "product": dmi("product_name")},
    }
    if IS_WINDOWS:  # pragma: no cover - Windows
        from ._windows import default_api, os_version, time_zone

        try:
            api = default_api(ctx.options)
            ver = os_version(api)
            info["os"].update(line=ver.get("line"), distro=ver.get("product_name") or info["os"]["distro"],
                              distro_version=ver.get("display_version") or info["os"]["distro_version"])
            zone = time_zone(api) or {}
            info["timezone"] = zone.get("name") or info["timezone"]
        except OSError as exc:
            notes.append(f"Windows version and time zone could not be read from the registry: {exc}")
    return info, notes


def offline_info(ctx: Context) -> tuple[dict, list[str]]:
    notes = ["boot time, uptime, clock, logged-in users and hardware need the running system (offline root)"]
    host = tz = utc_offset = windows = None
    if ctx.os == "linux":
        host = (read_logical(ctx, "/etc/hostname") or "").strip() or None
        rel = parse_os_release(read_logical(ctx, "/etc/os-release") or read_logical(ctx, "/usr/lib/os-release") or "")
        boot = resolve_in_root(ctx, "/boot")
        try:
            kernels = sorted(n[len("vmlinuz-"):] for n in sources.listdir(boot) if n.startswith("vmlinuz-")) if boot else []
        except OSError:
            kernels = []
        os_info = {"system": "Linux", "release": None, "version": None, "distro": rel.get("NAME"),
                   "distro_version": rel.get("VERSION_ID") or rel.get("VERSION"), "build": None}
        kernel = ", ".join(kernels) or None
        if kernels:
            notes.append("kernel: the installed kernels under /boot are listed (which one ran is not known offline)")
    else:
        from ._windows import computer_name, domain_name, drain_notes, last_shutdown, offline_api, os_version, time_zone

        os_info = {"system": "Windows", "release": None, "version": None, "distro": None, "distro_version": None,
                   "build": None, "line": None}
        kernel = None
        api = offline_api(ctx)
        if api is None:
            notes.append("host name and Windows version are in the registry hives (copied under B4; not parsed here)")
        else:
            ver = os_version(api)
            host = computer_name(api)
            os_info.update(distro=ver.get("product_name"), distro_version=ver.get("display_version"),
                           build=ver.get("build"), release=ver.get("edition"), line=ver.get("line"))
            zone = time_zone(api) or {}
            tz, utc_offset = zone.get("name"), zone.get("utc_offset")
            windows = {"domain": domain_name(api), "time_zone": zone or None, "last_shutdown": last_shutdown(api)}
            notes.extend(drain_notes(api, ctx))
    info: dict[str, Any] = {
        "hostname": host, "fqdn": None, "os": os_info, "kernel": kernel, "boot_time": None, "uptime_s": None,
        "timezone": timezone_name(ctx) if ctx.os == "linux" else tz, "utc_offset": utc_offset,
        "clock": {"utc": None, "local": None, "ntp_synced": None, "offset_s": None, "max_error_s": None}, "users": [],
        "hardware": {"cpu_model": None, "cpus": None, "memory_bytes": None, "machine": None, "vendor": None,
                     "product": None},
        "offline_root": str(ctx.root),
    }
    if windows is not None:
        info["windows"] = windows
    return info, notes


class SystemInfo(Collector):
    name = "system_info"
    version = "1.0"
    os = ("linux", "windows")

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "system information")
        info, notes = live_info(ctx) if ctx.live else offline_info(ctx)
        for n in notes:
            yield ctx.incomplete(n)
        yield ctx.put_record("system.json", records.from_dict(System, info), source="platform, psutil, /etc" if ctx.live else f"offline root {ctx.root}")
