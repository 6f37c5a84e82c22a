"""B4 Thu thập cấu hình của hệ thống: the OS release (os_release.json), from /etc/os-release and the
distribution's release files, or on Windows from the CurrentVersion registry key."""
from __future__ import annotations

import shlex

from ..base import Collector, Context
from ..util import platform_string
from ._windows import api_for, drain_notes, offline_reason
from ._common import read_logical

RELEASE_FILES = ("/etc/os-release", "/usr/lib/os-release", "/etc/lsb-release", "/etc/debian_version",
                 "/etc/redhat-release", "/etc/centos-release", "/etc/alpine-release", "/etc/SuSE-release", "/etc/issue")


def parse_os_release(text: str) -> dict:
    """KEY=value lines (shell quoting) as a dict; comments and junk lines are ignored."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value)
            value = parts[0] if parts else ""
        except ValueError:
            value = value.strip("\"'")
        out[key.strip()] = value
    return out


class OsConfig(Collector):
    name = "os_config"
    version = "1.0"
    os = ("linux", "windows")

    def check(self, ctx: Context) -> str | None:
        return offline_reason(ctx)

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "OS release")
        if ctx.os == "windows":
            from ._windows import os_version

            api = api_for(ctx)
            data = {"windows": os_version(api)}
            if ctx.live:
                data["platform"] = platform_string()
            for n in drain_notes(api, ctx):
                yield ctx.incomplete(n)
            if not data["windows"]:
                yield ctx.incomplete(r"the Windows version was not found (HKLM\Software\Microsoft\Windows NT\CurrentVersion)")
                return
            yield ctx.put_json("os_release.json", data, source=r"HKLM\Software\Microsoft\Windows NT\CurrentVersion")
            return
        files = {}
        for logical in RELEASE_FILES:
            text = read_logical(ctx, logical)
            if text is not None:
                files[logical] = text
        rel_text = files.get("/etc/os-release") or files.get("/usr/lib/os-release")
        data = {"os_release": parse_os_release(rel_text) if rel_text else {},
                "lsb_release": parse_os_release(files["/etc/lsb-release"]) if "/etc/lsb-release" in files else None,
                "files": files}
        if ctx.live:
            data["platform"] = platform_string()
        if not files:
            yield ctx.incomplete("no OS release file found (/etc/os-release, /usr/lib/os-release, ...)")
            return
        yield ctx.put_json("os_release.json", data, source=", ".join(files))
