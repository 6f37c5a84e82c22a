"""B8 Thu thập các tiến trình đang chạy: the process tree (processes.json).

Each process: pid, ppid, name, user, start time, command line, executable and its SHA-256 (each distinct
file hashed once), whether the executable was deleted from disk (hashed through /proc/PID/exe, which still
holds it), cwd, open files, connections, status. A process that vanishes or denies access mid-read is
noted, never fatal; fields that could not be read are null.
"""
from __future__ import annotations

from ..base import Collector, Context
from ..util import decode_path, owner_name
from ._common import IS_LINUX, ExeHasher, is_privileged, iso, net_connections, process_exe, proto_of, psutil, split_addr

# On Linux the user is the real uid named from /etc/passwd read once (util.owner_name): psutil's username
# asks libc, which opens /etc/passwd again for every process.
ATTRS = ("ppid", "name", "uids" if IS_LINUX else "username", "create_time", "cmdline", "cwd", "status")


def _user(info: dict) -> str | None:
    if "uids" not in info:
        return info.get("username")
    uids = info["uids"]
    if uids is None:
        return None
    return owner_name(uids.real) or str(uids.real)


def snapshot(ctx: Context, hasher: ExeHasher, *, with_files: bool = True) -> tuple[list[dict], dict]:
    """Rows of processes.json and counts of what could not be read."""
    by_pid: dict[int, list] = {}
    for c in net_connections(ctx, "inet", note_unowned=False):
        if c.pid is not None:
            la, lp = split_addr(c.laddr)
            ra, rp = split_addr(c.raddr)
            by_pid.setdefault(c.pid, []).append({"fd": c.fd, "proto": proto_of(c), "laddr": la, "lport": lp,
                                                 "raddr": ra, "rport": rp, "status": c.status})
    rows: list[dict] = []
    stats = {"vanished": [], "denied": set(), "hash_errors": [], "deleted": []}
    for p in psutil.process_iter():
        if ctx.cancelled:
            break
        row: dict = {"pid": p.pid}
        try:
            with p.oneshot():
                info = p.as_dict(attrs=list(ATTRS), ad_value=None)
                row.update(ppid=info["ppid"], name=info["name"], user=_user(info),
                           create_time=iso(info["create_time"]),
                           cmdline=[decode_path(a) for a in info["cmdline"]] if info["cmdline"] is not None else None)
                try:
                    exe, deleted = process_exe(p)
                except (psutil.AccessDenied, psutil.ZombieProcess):
                    exe, deleted = None, False
                    stats["denied"].add(p.pid)
                row["exe"] = exe
                row["exe_deleted"] = deleted
                digest, err = (None, None)
                if exe:
                    digest, err = hasher.hash(exe, p.pid)
                    if err:
                        stats["hash_errors"].append(f"{exe} (pid {p.pid}): {err}")
                row["exe_sha256"] = digest
                if deleted:
                    stats["deleted"].append(p.pid)
                row["cwd"] = decode_path(info["cwd"]) if info["cwd"] else None
                if info["cwd"] is None and exe is None and info["cmdline"] is None:
                    stats["denied"].add(p.pid)
                files = None
                if with_files:
                    try:
                        files = [decode_path(f.path) for f in p.open_files()]
                    except psutil.AccessDenied:
                        stats["denied"].add(p.pid)
                    except psutil.ZombieProcess:
                        files = []
                row["open_files"] = files
                row["connections"] = by_pid.get(p.pid, [])
                row["status"] = info["status"]
                if info["status"] == psutil.STATUS_ZOMBIE:
                    stats["denied"].discard(p.pid)  # a zombie has no executable, cwd or files left to read
        except psutil.NoSuchProcess:
            stats["vanished"].append(p.pid)
            continue
        rows.append(row)
    rows.sort(key=lambda r: r["pid"])
    return rows, stats


class Processes(Collector):
    name = "processes"
    version = "1.0"
    os = ("linux", "windows")
    live_only = True

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "listing processes")
        hasher = ExeHasher()
        rows, stats = snapshot(ctx, hasher)
        if ctx.cancelled:
            return
        if stats["denied"]:
            who = "other users' processes" if not is_privileged() else "protected processes"
            yield ctx.incomplete(f"executable, cwd or open files of {len(stats['denied'])} {who} hidden"
                                 + (" without root" if not is_privileged() else " (access denied)"))
        if stats["vanished"]:
            yield ctx.incomplete(f"{len(stats['vanished'])} processes ended while they were read: "
                                 + ", ".join(map(str, stats["vanished"][:10])))
        if stats["hash_errors"]:
            yield ctx.incomplete("executables not hashed: " + "; ".join(stats["hash_errors"][:5])
                                 + (" ..." if len(stats["hash_errors"]) > 5 else ""))
        yield ctx.progress(len(rows), len(rows), f"{len(rows)} processes, {hasher.hashed} executables hashed")
        yield ctx.put_json("processes.json", rows, source="psutil.process_iter, /proc/PID/exe")
