"""B4 Thu thập cấu hình của hệ thống: services and their state (services.json).

Linux: the systemd unit files (/etc/systemd/system, /run/systemd/system, /lib|/usr/lib/systemd/system),
enabled/masked from the *.wants links, ExecStart from the unit; on a live system with systemd running
the state from `systemctl list-units`; SysV scripts in /etc/init.d. Windows: the service manager.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from .. import records, sources
from ..base import Collector, Context
from ..util import decode_path
from ._common import read_text, resolve_in_root
from ._windows import api_for, drain_notes, offline_reason


@records.record("services", version=1)
@dataclass
class Service:
    """One row of services.json: a systemd unit, a SysV script or a Windows service."""
    name: str | None
    state: str | None = None            # active/inactive (systemd), running/stopped (Windows)
    sub_state: str | None = None
    enabled: str | None = None          # enabled, disabled, masked, static, sysv; Windows start type
    exec: str | None = None
    unit_path: str | None = None
    user: str | None = records.absent()          # Windows only
    pid: int | None = records.absent()           # Windows only
    display_name: str | None = records.absent()  # Windows only


UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
             "/lib/systemd/system", "/usr/lib/systemd/system")


def unit_exec(text: str) -> tuple[str | None, bool]:
    """(ExecStart, has an [Install] section) of a unit file."""
    exec_start, install, section = None, False, ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            install = install or section == "Install"
            continue
        if section == "Service" and line.startswith("ExecStart=") and exec_start is None:
            exec_start = line.split("=", 1)[1].strip() or None
    return exec_start, install


def systemd_units(ctx: Context) -> dict[str, dict]:
    units: dict[str, dict] = {}
    wanted: set[str] = set()
    masked: set[str] = set()
    seen_dirs: set = set()
    for d in UNIT_DIRS:
        real = resolve_in_root(ctx, d)
        if real is None:
            continue
        try:
            st = sources.stat(real)
            key = st.st_ino, st.st_dev
        except OSError:
            continue
        if key in seen_dirs:  # /lib -> /usr/lib on merged-usr systems
            continue
        seen_dirs.add(key)
        try:
            entries = sources.scandir(real)
        except PermissionError:
            ctx.notes.append(f"{d}: permission denied")
            continue
        except OSError:
            continue
        for e in entries:
            name = decode_path(e.name)
            try:
                if e.is_dir(follow_symlinks=False) and name.endswith((".wants", ".requires")):
                    for w in sources.scandir(sources.entry_path(e)):
                        if w.name.endswith(".service"):
                            wanted.add(decode_path(w.name))
                    continue
                if not name.endswith(".service"):
                    continue
                if e.is_symlink():
                    target = sources.readlink(sources.entry_path(e))
                    if target == "/dev/null":
                        masked.add(name)
                        continue
                    if name in units:
                        continue
                    tgt = resolve_in_root(ctx, d + "/" + name)
                    path = tgt
                else:
                    path = sources.entry_path(e)
                if name in units:
                    continue  # an earlier directory overrides
                exec_start, has_install = None, False
                if path is not None:
                    try:
                        exec_start, has_install = unit_exec(read_text(path, limit=1 << 20))
                    except OSError:
                        pass
                units[name] = {"name": name, "state": None, "sub_state": None, "enabled": None, "exec": exec_start,
                               "unit_path": f"{d}/{name}", "_install": has_install}
            except OSError:
                continue
    wanted_templates = {w.split("@", 1)[0] + "@.service" for w in wanted if "@" in w}  # getty@tty1 -> getty@
    for name, u in units.items():
        if name in masked:
            u["enabled"] = "masked"
        elif name in wanted or name in wanted_templates:
            u["enabled"] = "enabled"
        elif not u["_install"]:
            u["enabled"] = "static"
        else:
            u["enabled"] = "disabled"
    for name in masked - set(units):
        units[name] = {"name": name, "state": None, "sub_state": None, "enabled": "masked", "exec": None,
                       "unit_path": f"/etc/systemd/system/{name}", "_install": False}
    for u in units.values():
        u.pop("_install", None)
    return units


def systemctl_states(ctx: Context) -> dict[str, tuple[str, str]] | None:
    if not os.path.isdir("/run/systemd/system"):
        ctx.notes.append("systemd is not running here (no /run/systemd/system): service states are not known")
        return None
    try:
        proc = ctx.run_program(["systemctl", "list-units", "--type=service", "--all", "--no-legend", "--plain",
                                "--no-pager"], timeout=30)
    except FileNotFoundError:
        ctx.notes.append("systemctl is not installed: service states are not known")
        return None
    except (OSError, subprocess.TimeoutExpired) as exc:
        ctx.notes.append(f"systemctl list-units failed: {exc}")
        return None
    states = {}
    for line in proc.stdout.decode("utf-8", errors="replace").splitlines():
        f = line.split(None, 4)
        if len(f) >= 4 and f[0].endswith(".service"):
            states[f[0]] = (f[2], f[3])
    return states


def sysv_scripts(ctx: Context) -> list[dict]:
    real = resolve_in_root(ctx, "/etc/init.d")
    if real is None:
        return []
    rows = []
    try:
        for e in sources.scandir(real):
            if e.is_file(follow_symlinks=False) and not e.name.startswith(("README", ".")):
                rows.append({"name": decode_path(e.name), "state": None, "sub_state": None, "enabled": "sysv",
                             "exec": f"/etc/init.d/{decode_path(e.name)}", "unit_path": f"/etc/init.d/{decode_path(e.name)}"})
    except OSError:
        pass
    return rows


class Services(Collector):
    name = "services"
    version = "1.0"
    os = ("linux", "windows")

    def check(self, ctx: Context) -> str | None:
        return offline_reason(ctx)

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "services")
        if ctx.os == "windows":
            from ._windows import services_rows

            api = api_for(ctx)
            rows, _full = services_rows(api)
            for n in drain_notes(api, ctx):
                yield ctx.incomplete(n)
            yield ctx.put_records("services.json", Service, records.from_dicts(Service, rows), source="Service Control Manager (psutil.win_service_iter)"
                               if ctx.live else r"SYSTEM hive: CurrentControlSet\Services")
            return
        units = systemd_units(ctx)
        if ctx.live and units:
            states = systemctl_states(ctx)
            if states is not None:
                for name, (active, sub) in states.items():
                    u = units.setdefault(name, {"name": name, "state": None, "sub_state": None, "enabled": None,
                                                "exec": None, "unit_path": None})
                    u["state"], u["sub_state"] = active, sub
        rows = sorted(units.values(), key=lambda u: u["name"])
        known = {u["name"].removesuffix(".service") for u in rows}
        rows += [r for r in sysv_scripts(ctx) if r["name"] not in known]
        if not rows:
            return
        yield ctx.put_records("services.json", Service, records.from_dicts(Service, rows), source="systemd unit files" + (", systemctl list-units" if ctx.live else ""))
