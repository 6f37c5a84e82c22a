"""B3 web servers: Apache, nginx and Tomcat configuration copied; the web roots and log files they name
(DocumentRoot/root/appBase, ErrorLog/CustomLog/access_log/error_log, Tomcat's AccessLogValve) found from
that configuration and the usual places; the web roots listed with SHA-256; server-side scripts changed
recently (``options['web_recent_days']``, 30 days before now, or on a dead box before the newest
change in the root) flagged for the
web-shell rules; the logs copied (rotations too) up to ``options['web_log_max_bytes']`` (256 MiB) each.

``web_files.json`` (WebFile), ``web_servers.json`` (WebServer).
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field

from .. import records, sources
from ..base import Collector, Context
from ..util import decode_path, ts_to_iso
from . import _linux_fs as lfs
from ._common import glob_logical, read_logical, resolve_in_root, walk_tree

CONFIG_TREES = ("/etc/apache2", "/etc/httpd", "/etc/nginx", "/usr/local/nginx/conf", "/usr/local/apache2/conf")
TOMCAT_CONF = ("/etc/tomcat*/server.xml", "/opt/tomcat*/conf/server.xml", "/usr/share/tomcat*/conf/server.xml",
               "/opt/*/tomcat/conf/server.xml", "/var/lib/tomcat*/conf/server.xml")
DEFAULT_ROOTS = ("/var/www", "/srv/www", "/srv/http", "/usr/share/nginx/html", "/var/lib/tomcat9/webapps",
                 "/var/lib/tomcat10/webapps")
DEFAULT_LOG_DIRS = ("/var/log/apache2", "/var/log/httpd", "/var/log/nginx", "/var/log/tomcat9",
                    "/var/log/tomcat10")
SCRIPTS = (".php", ".php3", ".php4", ".php5", ".php7", ".phtml", ".phar", ".jsp", ".jspx", ".jspf", ".asp",
           ".aspx", ".ashx", ".cgi", ".pl", ".py", ".sh", ".war", ".cfm", ".shtml")
RE_ROOT = re.compile(r"^\s*(?:DocumentRoot|root|Alias\s+\S+)\s+\"?([^\";\s]+)", re.I | re.M)
RE_LOG = re.compile(r"^\s*(?:ErrorLog|CustomLog|TransferLog|access_log|error_log)\s+\"?([^\";\s]+)", re.I | re.M)
RE_APPBASE = re.compile(r"appBase=\"([^\"]+)\"")
RE_VALVE = re.compile(r"AccessLogValve[^>]*directory=\"([^\"]+)\"", re.S)
DEFAULT_LOG_MAX = 256 << 20
DEFAULT_RECENT_DAYS = 30
MAX_WEB_FILES = 200_000


@records.record("web_file", version=1)
@dataclass
class WebFile:
    path: str
    root: str
    size: int
    mode: str
    uid: int
    mtime: str | None
    ctime: str | None
    btime: str | None
    sha256: str | None
    script: bool = False
    recent: bool = False  # a server-side script whose content changed (mtime) within the recent window
    ctime_recent: bool = False  # its inode changed within the window (also when the mtime was set back)
    extra: dict = field(default_factory=dict)


@records.record("web_server", version=1)
@dataclass
class WebServer:
    server: str  # apache | nginx | tomcat
    config: str
    roots: list
    logs: list
    extra: dict = field(default_factory=dict)


def directives(text: str) -> tuple[list[str], list[str]]:
    """Web roots and log paths named in an Apache or nginx configuration text."""
    roots = [m.group(1) for m in RE_ROOT.finditer(text) if m.group(1).startswith("/")]
    logs = [m.group(1) for m in RE_LOG.finditer(text) if m.group(1).startswith("/")]
    return roots, logs


class WebServers(Collector):
    name = "web_servers"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        if any(resolve_in_root(ctx, d) for d in CONFIG_TREES + DEFAULT_ROOTS) or any(
                glob_logical(ctx, g) for g in TOMCAT_CONF):
            return None
        return "no Apache, nginx or Tomcat configuration or web root here"

    def collect(self, ctx: Context):
        log_max = int(ctx.options.get("web_log_max_bytes") or DEFAULT_LOG_MAX)
        recent_days = float(ctx.options.get("web_recent_days") or DEFAULT_RECENT_DAYS)
        servers: list[WebServer] = []
        roots: list[str] = []
        logs: list[str] = []
        for tree in CONFIG_TREES:
            top = resolve_in_root(ctx, tree)
            if top is None:
                continue
            server = "nginx" if "nginx" in tree else "apache"
            srv = WebServer(server, tree, [], [])
            for real, kind in walk_tree(ctx, top, max_depth=6):
                if kind == "link":
                    target = resolve_in_root(ctx, ctx.logical(real))
                    if target is None or not target.is_file():
                        continue
                    real = target
                elif kind != "file":
                    continue
                yield ctx.put_file(real, limit=8 << 20)
                text = read_logical(ctx, ctx.logical(real), limit=8 << 20) or ""
                r, lg = directives(text)
                srv.roots += r
                srv.logs += lg
            servers.append(srv)
        for pattern in TOMCAT_CONF:
            for real in glob_logical(ctx, pattern):
                yield ctx.put_file(real)
                text = read_logical(ctx, ctx.logical(real)) or ""
                base = ctx.logical(real.parent.parent)
                srv = WebServer("tomcat", ctx.logical(real),
                                [a if a.startswith("/") else f"{base}/{a}" for a in RE_APPBASE.findall(text)],
                                [d if d.startswith("/") else f"{base}/{d}" for d in RE_VALVE.findall(text)])
                for extra in ("tomcat-users.xml", "web.xml", "context.xml"):
                    p = real.parent / extra
                    if p.is_file() and not p.is_symlink():
                        yield ctx.put_file(p)
                servers.append(srv)
        for s in servers:
            roots += s.roots
            logs += s.logs
        roots = _dedupe([r.rstrip("/") for r in roots] + list(DEFAULT_ROOTS))
        yield from self._logs(ctx, logs, log_max)
        yield from self._roots(ctx, roots, recent_days)
        yield ctx.put_records("web_servers.json", WebServer, servers, source="web server configuration")

    def _logs(self, ctx: Context, logs: list[str], log_max: int):
        folders = _dedupe([os.path.dirname(lg) for lg in logs if "$" not in lg and "%" not in lg] + list(DEFAULT_LOG_DIRS))
        names = {os.path.basename(lg) for lg in logs}
        for d in folders:
            top = resolve_in_root(ctx, d)
            if top is None or not top.is_dir():
                continue
            for real, kind in walk_tree(ctx, top, max_depth=2):
                if kind != "file":
                    continue
                n = real.name
                if d in DEFAULT_LOG_DIRS or any(n.startswith(b) for b in names):
                    yield ctx.put_file(real, limit=log_max)

    def _roots(self, ctx: Context, roots: list[str], recent_days: float):
        files: list[WebFile] = []
        seen: set[tuple[int, int]] = set()
        for root in roots:
            real = resolve_in_root(ctx, root)
            if real is None or not real.is_dir():
                continue
            try:
                rst = sources.stat(real)
            except OSError:
                continue
            if (rst.st_dev, rst.st_ino) in seen:
                continue
            seen.add((rst.st_dev, rst.st_ino))
            start = len(files)
            for e in lfs.walk(real, os.fsencode(root), cancelled=lambda: ctx.cancelled):
                if len(files) >= MAX_WEB_FILES:
                    yield ctx.incomplete(f"more than {MAX_WEB_FILES} files in the web roots: the rest not listed")
                    break
                st = e.st
                if not stat.S_ISREG(st.mode):
                    continue
                if (st.dev, st.ino) in seen:
                    continue
                seen.add((st.dev, st.ino))
                try:
                    (digest,), _ = e.hash()
                except OSError:
                    digest = None
                name = decode_path(e.name).lower()
                files.append(WebFile(decode_path(e.path), root, st.size, stat.filemode(st.mode), st.uid,
                                     ts_to_iso(st.mtime_ns / 1e9), ts_to_iso(st.ctime_ns / 1e9),
                                     ts_to_iso(st.btime_ns / 1e9) if st.btime_ns else None, digest,
                                     script=name.endswith(SCRIPTS), extra={"_m": st.mtime_ns, "_c": st.ctime_ns}))
            mine = files[start:]
            if mine:
                import time

                # live: before now; a dead box: before the newest change in the root (its "now")
                newest = time.time_ns() if ctx.live else max(max(f.extra["_m"], f.extra["_c"]) for f in mine)
                cut = newest - int(recent_days * 86400 * 1e9)
                for f in mine:
                    f.recent = f.script and f.extra["_m"] >= cut
                    f.ctime_recent = f.script and f.extra["_c"] >= cut
        for f in files:
            f.extra.clear()
        yield ctx.put_records("web_files.json", WebFile, files, source="web roots: " + ", ".join(roots))


def _dedupe(items):
    seen, out = set(), []
    for i in items:
        if i and i not in seen:
            seen.add(i)
            out.append(i)
    return out
