"""B4 Thu thập cấu hình của hệ thống: installed packages with versions (packages.json).

dpkg: /var/lib/dpkg/status parsed directly (works on an offline root, no dpkg needed), install time from
the package's file list in /var/lib/dpkg/info. rpm: `rpm -qa` (with --root for an offline root).
Windows: the uninstall keys (see _windows.py).
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass

from .. import records, sources
from ..base import Collector, Context
from ..util import ts_to_iso
from ._common import read_logical, resolve_in_root
from ._windows import api_for, drain_notes, offline_reason


@records.record("packages", version=2)
@dataclass
class Package:
    """One row of packages.json: an installed package (dpkg, rpm) or Windows program.

    dpkg rows carry the source package (``source``, ``source_version``): Debian's security tracker and the
    OSV Debian entries name source packages, and one source builds many binaries. ``Source: foo`` means
    the source's version is the binary's; ``Source: foo (1.2-3)`` gives it apart (a binNMU, or a binary
    versioned on its own). Both are absent when the status entry has no ``Source:`` (source = binary), and
    in version 1 files, which read back without them."""
    name: str | None
    version: str | None = None
    arch: str | None = None
    manager: str | None = None          # dpkg, rpm, windows
    status: str | None = records.absent()       # dpkg status line
    installed: bool | None = records.absent()   # dpkg: status says installed
    install_time: str | None = records.absent()  # ISO 8601 UTC, when the package manager keeps one
    publisher: str | None = records.absent()    # Windows only
    source: str | None = records.absent()       # dpkg: the source package, when its name differs or is given
    source_version: str | None = records.absent()  # dpkg: the source package's version


RPM_QF = "%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{INSTALLTIME}\\n"


def parse_dpkg_status(text: str) -> list[dict]:
    rows = []
    for para in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in para.splitlines():
            if line[:1] in (" ", "\t"):
                continue  # continuation (descriptions, conffiles)
            k, sep, v = line.partition(":")
            if sep:
                key = k.strip()
                fields[key] = v.strip()
        if not fields.get("Package"):
            continue
        status = fields.get("Status", "")
        row = {"name": fields["Package"], "version": fields.get("Version"), "arch": fields.get("Architecture"),
               "manager": "dpkg", "status": status, "installed": status.endswith(" installed")}
        src = parse_source_field(fields.get("Source", ""))
        if src is not None:
            row["source"] = src[0]
            row["source_version"] = src[1] or fields.get("Version")
        rows.append(row)
    return rows


def parse_source_field(value: str) -> tuple[str, str | None] | None:
    """(name, version or None) of a dpkg ``Source:`` value, ``foo`` or ``foo (1.2-3)``; None when empty."""
    value = value.strip()
    if not value:
        return None
    name, sep, rest = value.partition("(")
    name = name.strip()
    if not name:
        return None
    version = rest.rstrip().removesuffix(")").strip() if sep else ""
    return name, version or None


def dpkg_install_times(ctx: Context, rows: list[dict]) -> None:
    info = resolve_in_root(ctx, "/var/lib/dpkg/info")
    if info is None:
        return
    for r in rows:
        for fname in (f"{r['name']}:{r['arch']}.list", f"{r['name']}.list"):
            try:
                # lstat: a link planted in an image must not make us report the examiner's own file time
                st = sources.lstat(info / fname)
            except OSError:
                continue
            r["install_time"] = ts_to_iso(st.st_mtime)
            break
        else:
            r["install_time"] = None


def rpm_packages(ctx: Context) -> list[dict] | None:
    db = resolve_in_root(ctx, "/var/lib/rpm")
    if db is None or not sources.listdir(db):
        return None
    if sources.is_virtual(db):
        ctx.notes.append("an rpm database is present inside the image: rpm reads it only under a mounted root, "
                         "rpm packages not listed")
        return []
    argv = ["rpm", "-qa", "--qf", RPM_QF] + (["--root", str(ctx.root)] if ctx.root else [])
    try:
        proc = ctx.run_program(argv, timeout=120)
    except FileNotFoundError:
        ctx.notes.append("an rpm database is present but the rpm tool is not installed here: rpm packages not listed")
        return []
    except (OSError, subprocess.TimeoutExpired) as exc:
        ctx.notes.append(f"rpm -qa failed: {exc}")
        return []
    if proc.returncode != 0:
        ctx.notes.append("rpm -qa: " + proc.stderr.decode(errors="replace").strip()[-200:])
    rows = []
    for line in proc.stdout.decode("utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        version = parts[1][len("(none):"):] if parts[1].startswith("(none):") else parts[1]
        try:
            itime = ts_to_iso(int(parts[3]))
        except ValueError:
            itime = None
        rows.append({"name": parts[0], "version": version, "arch": parts[2], "manager": "rpm", "install_time": itime})
    return rows


class Packages(Collector):
    name = "packages"
    version = "1.0"
    os = ("linux", "windows")

    def check(self, ctx: Context) -> str | None:
        return offline_reason(ctx)

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "installed packages")
        if ctx.os == "windows":
            from ._windows import packages_from_uninstall, uninstall_entries

            notes: list[str] = []
            api = api_for(ctx)
            programs = packages_from_uninstall(uninstall_entries(api, notes))
            notes += drain_notes(api, ctx)
            for n in notes:
                yield ctx.incomplete(n)
            yield ctx.put_records("packages.json", Package, records.from_dicts(Package, programs),
                                  source="registry uninstall keys")
            return
        rows: list[dict] = []
        sources = []
        status = read_logical(ctx, "/var/lib/dpkg/status", limit=512 << 20)
        if status is not None:
            dpkg = parse_dpkg_status(status)
            dpkg_install_times(ctx, dpkg)
            rows.extend(dpkg)
            sources.append("/var/lib/dpkg/status")
        rpm = rpm_packages(ctx)
        if rpm is not None:
            rows.extend(rpm)
            sources.append("rpm -qa")
        if not sources:
            return  # no package database: nothing to collect (the runner says so)
        yield ctx.put_records("packages.json", Package, records.from_dicts(Package, rows), source=", ".join(sources))
