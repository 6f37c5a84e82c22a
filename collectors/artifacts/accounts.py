"""B4 Thu thập cấu hình của hệ thống: users and groups (users.json, groups.json) from /etc/passwd and
/etc/group (the files themselves are copied by config_files)."""
from __future__ import annotations

from ..base import Collector, Context
from ._common import read_logical
from ._windows import api_for, drain_notes, offline_reason


def parse_passwd(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split(":")
        if len(f) < 7:
            f += [""] * (7 - len(f))
        rows.append({"name": f[0], "uid": _int(f[2]), "gid": _int(f[3]), "gecos": f[4], "home": f[5],
                     "shell": ":".join(f[6:])})
    return rows


def parse_group(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split(":") + ["", "", ""]
        rows.append({"name": f[0], "gid": _int(f[2]), "members": [m for m in f[3].split(",") if m]})
    return rows


def _int(s: str) -> int | None:
    try:
        return int(s)
    except ValueError:
        return None


class Accounts(Collector):
    name = "accounts"
    version = "1.0"
    os = ("linux", "windows")

    def check(self, ctx: Context) -> str | None:
        return offline_reason(ctx)

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "users and groups")
        if ctx.os == "windows":
            from ._windows import profiles

            notes: list[str] = []
            api = api_for(ctx)
            rows = profiles(api, notes)
            notes += drain_notes(api, ctx)
            for n in notes:
                yield ctx.incomplete(n)
            yield ctx.put_json("users.json", rows, source="HKLM\\" + "Software\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList")
            if ctx.live or "SAM" not in getattr(api, "paths", {}):
                # offline with a SAM hive, windows_sam lists every local account with its groups
                yield ctx.incomplete("local groups of Windows are not collected here (users come from the profile "
                                     "list; the SAM hive holds them, readable offline)")
            return
        passwd = read_logical(ctx, "/etc/passwd", note_missing=True)
        if passwd is not None:
            yield ctx.put_json("users.json", parse_passwd(passwd), source="/etc/passwd")
        group = read_logical(ctx, "/etc/group", note_missing=True)
        if group is not None:
            yield ctx.put_json("groups.json", parse_group(group), source="/etc/group")
