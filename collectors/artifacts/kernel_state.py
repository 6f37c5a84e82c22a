"""B6 kernel state: loaded kernel modules (``/proc/modules`` with ``/sys/module/NAME``), the kernel taint
flags (``/proc/sys/kernel/tainted``), and the libraries ``/etc/ld.so.preload`` loads into every process.

- ``kernel_modules.json`` (KernelModule): name, size, users, state, the module's own taint letters, its
  file from ``/lib/modules/RELEASE/modules.dep`` (None: not shipped with the kernel's tree), whether a
  package owns that file, its SHA-256;
- ``kernel_taint.json`` (KernelTaint): the number and each flag spelled out;
- ``ld_preload.json`` (PreloadLibrary): each library named in /etc/ld.so.preload, whether it exists, its
  SHA-256 and whether a package owns it (also read from an offline root);
- ``audit_rules.json`` (LoadedAuditRule) and ``audit_status.json`` (AuditStatus): the audit rules loaded in
  the kernel and its audit state, asked over NETLINK_AUDIT (`_netlink`), never by running `auditctl`; the
  rules files under /etc/audit are copied with /etc (etc_tree). Without root, or from a kernel or
  container without audit, the reason is noted.
"""
from __future__ import annotations

import errno
import os
import platform
import socket
from dataclasses import dataclass, field

from .. import records, sources
from ..base import Collector, Context
from ..util import ts_to_iso
from . import _linux_fs as lfs
from . import _netlink
from ._common import read_logical, resolve_in_root
from .package_integrity import owned_paths

TAINT_FLAGS = [  # bit: (letter, meaning) as in the kernel's Documentation/admin-guide/tainted-kernels
    ("P", "proprietary module loaded"), ("F", "module force-loaded"), ("S", "kernel running on an out-of-spec system"),
    ("R", "module force-unloaded"), ("M", "machine check exception"), ("B", "bad page referenced"),
    ("U", "taint requested by user space"), ("D", "kernel died recently (OOPS or BUG)"),
    ("A", "ACPI table overridden"), ("W", "kernel issued a warning"), ("C", "staging driver loaded"),
    ("I", "firmware bug worked around"), ("O", "out-of-tree module loaded"), ("E", "unsigned module loaded"),
    ("L", "soft lockup occurred"), ("K", "kernel live-patched"), ("X", "auxiliary taint (distribution)"),
    ("T", "kernel built with the struct randomization plugin"), ("N", "in-kernel test run"),
]


@records.record("kernel_module", version=1)
@dataclass
class KernelModule:
    name: str
    size: int | None
    users: int | None
    used_by: list
    state: str | None
    taint: str = ""  # the module's own letters (O, E, P...)
    file: str | None = None  # from modules.dep; None when the kernel's tree does not ship it
    owned: bool | None = None  # a package owns the file (None: no package database)
    sha256: str | None = None
    version: str | None = None
    srcversion: str | None = None
    extra: dict = field(default_factory=dict)


@records.record("kernel_taint", version=1)
@dataclass
class KernelTaint:
    value: int
    flags: list  # [{"bit", "letter", "meaning"}]
    release: str
    extra: dict = field(default_factory=dict)


@records.record("preload_library", version=1)
@dataclass
class PreloadLibrary:
    library: str
    line: int
    exists: bool
    sha256: str | None = None
    size: int | None = None
    mtime: str | None = None
    owned: bool | None = None
    source: str = "/etc/ld.so.preload"
    extra: dict = field(default_factory=dict)


@records.record("loaded_audit_rule", version=1)
@dataclass
class LoadedAuditRule:
    text: str  # as `auditctl -l` writes it
    list_name: str  # the filter list: exit, user, exclude, filesystem...
    action: str  # always | never
    syscalls: list
    fields: list  # [{"field", "op", "value"}]
    key: str | None = None
    extra: dict = field(default_factory=dict)


@records.record("audit_status", version=1)
@dataclass
class AuditStatus:
    enabled: int  # 0 off, 1 on, 2 on and locked until reboot
    failure: int  # 0 silent, 1 printk, 2 panic
    pid: int  # the audit daemon's pid (0: none)
    rate_limit: int
    backlog_limit: int
    lost: int
    backlog: int
    rules: int
    extra: dict = field(default_factory=dict)


AUDIT_REFUSED = {
    errno.EPROTONOSUPPORT: "the kernel has no audit support (NETLINK_AUDIT): loaded audit rules not read",
    errno.EPERM: "reading the loaded audit rules needs root (CAP_AUDIT_CONTROL): not read",
    errno.EACCES: "reading the loaded audit rules needs root (CAP_AUDIT_CONTROL): not read",
    errno.ECONNREFUSED: "the kernel refuses audit requests from this namespace (a container): loaded audit rules "
                        "not read",
}


def loaded_audit_rules(ctx: Context):
    """(AuditStatus, [LoadedAuditRule]) from the running kernel, or (None, None) with the reason noted."""
    try:
        status = _netlink.audit_status()
        rules = _netlink.audit_rules()
    except socket.timeout:
        ctx.notes.append("the kernel's audit interface did not answer: loaded audit rules not read")
        return None, None
    except OSError as exc:
        ctx.notes.append(AUDIT_REFUSED.get(exc.errno or 0) or
                         f"loaded audit rules not read: {exc.strerror or exc}")
        return None, None
    except ValueError as exc:  # a reply shorter than the rule layout
        ctx.notes.append(f"loaded audit rules not read: {exc}")
        return None, None
    rows = [LoadedAuditRule(r["text"], r["list"], r["action"], r["syscalls"], r["fields"], r["key"]) for r in rules]
    return AuditStatus(rules=len(rows), **status), rows


def decode_taint(value: int) -> list[dict]:
    return [{"bit": i, "letter": TAINT_FLAGS[i][0] if i < len(TAINT_FLAGS) else "?",
             "meaning": TAINT_FLAGS[i][1] if i < len(TAINT_FLAGS) else "unknown"}
            for i in range(64) if value >> i & 1]


def parse_proc_modules(text: str) -> list[KernelModule]:
    """'name size users used_by, state address (taint)' lines."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        used = [u for u in parts[3].split(",") if u and u != "-"] if len(parts) > 3 else []
        taint = ""
        if len(parts) > 6 and parts[6].startswith("("):
            taint = parts[6].strip("()")
        out.append(KernelModule(parts[0], int(parts[1]) if parts[1].isdigit() else None,
                                int(parts[2]) if parts[2].isdigit() else None, used,
                                parts[4] if len(parts) > 4 else None, taint))
    return out


def modules_dep(ctx: Context, release: str) -> dict[str, str]:
    """Module name (with '-' as '_') -> its file path, from modules.dep of the running kernel."""
    text = read_logical(ctx, f"/lib/modules/{release}/modules.dep", limit=64 << 20) or ""
    out = {}
    for line in text.splitlines():
        path = line.split(":", 1)[0].strip()
        if not path:
            continue
        base = path.rsplit("/", 1)[-1]
        name = base.split(".ko", 1)[0].replace("-", "_")
        out[name] = path if path.startswith("/") else f"/lib/modules/{release}/{path}"
    return out


def _hash(ctx: Context, logical: str) -> tuple[str | None, os.stat_result | None]:
    real = resolve_in_root(ctx, logical)
    if real is None:
        return None, None
    try:
        st = sources.stat(real)
        (digest,), _ = lfs.hash_path(real)
        return digest, st
    except OSError:
        return None, None


def _owned(owned: set[str], path: str) -> bool | None:
    if not owned:
        return None
    return path in owned or path.replace("/usr/lib/", "/lib/", 1) in owned or ("/usr" + path) in owned


def preload_libraries(ctx: Context, owned: set[str]) -> list[PreloadLibrary]:
    text = read_logical(ctx, "/etc/ld.so.preload")
    rows = []
    for n, line in enumerate((text or "").splitlines(), 1):
        for lib in line.split("#", 1)[0].replace(":", " ").split():
            digest, st = _hash(ctx, lib)
            rows.append(PreloadLibrary(lib, n, st is not None, digest, st.st_size if st else None,
                                       ts_to_iso(st.st_mtime) if st else None, _owned(owned, lib)))
    return rows


class KernelState(Collector):
    name = "kernel_state"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        if ctx.root is not None and sources.is_virtual(ctx.root):
            # the package lists are read by package_integrity, which reads real folders only
            owned: set[str] = set()
            ctx.notes.append("package ownership of preloaded libraries not checked inside a disk image")
        else:
            owned = owned_paths(ctx)
        preload = preload_libraries(ctx, owned)
        if preload or read_logical(ctx, "/etc/ld.so.preload") is not None:
            yield ctx.put_records("ld_preload.json", PreloadLibrary, preload, source="/etc/ld.so.preload")
        if not ctx.live:
            return  # loaded modules and taint are state of a running kernel
        release = platform.release()
        try:
            mods = parse_proc_modules(open("/proc/modules", encoding="utf-8", errors="replace").read())
        except OSError as exc:
            yield ctx.incomplete(f"/proc/modules: {exc.strerror or exc}")
            mods = []
        dep = modules_dep(ctx, release)
        if mods and not dep:
            yield ctx.incomplete(f"/lib/modules/{release}/modules.dep not found: module files not located")
        for m in mods:
            if ctx.cancelled:
                return
            for attr in ("version", "srcversion"):
                try:
                    setattr(m, attr, open(f"/sys/module/{m.name}/{attr}").read().strip())
                except OSError:
                    pass
            if not m.taint:
                try:
                    m.taint = open(f"/sys/module/{m.name}/taint").read().strip()
                except OSError:
                    pass
            m.file = dep.get(m.name.replace("-", "_"))
            if m.file:
                m.sha256, _ = _hash(ctx, m.file)
                m.owned = _owned(owned, m.file)
        yield ctx.put_records("kernel_modules.json", KernelModule, mods, source="/proc/modules, /sys/module")
        status, rules = loaded_audit_rules(ctx)
        if status is not None:
            yield ctx.put_records("audit_status.json", AuditStatus, [status], source="NETLINK_AUDIT AUDIT_GET")
            yield ctx.put_records("audit_rules.json", LoadedAuditRule, rules or [],
                                  source="NETLINK_AUDIT AUDIT_LIST_RULES")
        try:
            value = int(open("/proc/sys/kernel/tainted").read().strip() or 0)
        except (OSError, ValueError) as exc:
            yield ctx.incomplete(f"/proc/sys/kernel/tainted: {exc}")
        else:
            yield ctx.put_records("kernel_taint.json", KernelTaint, [KernelTaint(value, decode_taint(value), release)],
                                  source="/proc/sys/kernel/tainted")
