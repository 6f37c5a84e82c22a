"""B4 Thu thập cấu hình của hệ thống: configuration files copied as they are (kind=file, source = the
original path): accounts, sudoers, hosts and DNS, scheduled jobs (cron, at, systemd timers), services and
start-up scripts, preload, shell start-up files and SSH authorized keys; firewall and web server
configuration; PAM, kernel module, udev, autostart and motd files where persistence hides.

Symbolic links are never followed while walking (a loop cannot trap the walk); they are listed with their
targets in config_symlinks.json (the *.wants links show what systemd starts). A named file that is itself
a link (/etc/resolv.conf -> ...) is resolved inside the root and its target copied.
"""
from __future__ import annotations

import stat

from .. import records, sources
from ..base import Collector, Context
from ._common import Symlink, glob_logical, link_record, read_logical, resolve_in_root, walk_tree
from .accounts import parse_passwd

FILES = (
    "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/nsswitch.conf",
    "/etc/sudoers", "/etc/crontab", "/etc/anacrontab", "/etc/rc.local", "/etc/ld.so.preload",
    "/etc/profile", "/etc/bash.bashrc", "/etc/environment", "/etc/fstab", "/etc/os-release",
    "/etc/ssh/sshd_config", "/etc/network/interfaces", "/etc/nftables.conf", "/etc/timezone",
    "/etc/modules", "/etc/ufw/ufw.conf", "/etc/nginx/nginx.conf", "/etc/apache2/apache2.conf",
    "/etc/httpd/conf/httpd.conf",
)
GLOBS = (
    "/etc/sudoers.d/*", "/etc/cron.*/*", "/etc/init.d/*", "/etc/profile.d/*",
    "/lib/systemd/system/*.service", "/lib/systemd/system/*.timer",
    "/usr/lib/systemd/system/*.service", "/usr/lib/systemd/system/*.timer",
    "/etc/ssh/sshd_config.d/*", "/etc/network/interfaces.d/*", "/etc/netplan/*",
    "/etc/sysconfig/network-scripts/ifcfg-*", "/etc/NetworkManager/system-connections/*", "/etc/iptables/rules.v*",
    # firewall configuration
    "/etc/ufw/*.rules", "/etc/firewalld/zones/*.xml",
    # web servers (B3): enabled sites are links into sites-available, copied from there
    "/etc/nginx/conf.d/*", "/etc/nginx/sites-enabled/*", "/etc/nginx/sites-available/*",
    "/etc/apache2/sites-enabled/*", "/etc/apache2/sites-available/*", "/etc/httpd/conf.d/*",
    # other places persistence hides (H2): PAM modules, kernel modules, udev rules, autostart, motd scripts
    "/etc/pam.d/*", "/etc/modules-load.d/*", "/etc/udev/rules.d/*", "/etc/xdg/autostart/*", "/etc/update-motd.d/*",
)
TREES = ("/var/spool/cron", "/var/spool/at", "/etc/systemd/system")
HOME_FILES = (".bashrc", ".profile", ".bash_profile", ".bash_login", ".zshrc", ".ssh/authorized_keys",
              ".ssh/authorized_keys2")
MAX_CONFIG_FILE = 64 << 20


def home_dirs(ctx: Context) -> list[str]:
    """/root, /home/* and every home named in /etc/passwd (service accounts too), each once."""
    homes = ["/root"]
    home = resolve_in_root(ctx, "/home")
    if home is not None:
        try:
            homes += sorted(f"/home/{e.name}" for e in sources.scandir(home) if e.is_dir(follow_symlinks=False))
        except OSError:
            pass
    passwd = read_logical(ctx, "/etc/passwd")
    if passwd:
        for u in parse_passwd(passwd):
            h = u["home"]
            if h and h.startswith("/") and h not in ("/", "/nonexistent", "/dev/null", "/bin", "/usr/sbin", "/sbin"):
                homes.append(h.rstrip("/"))
    seen, out = set(), []
    for h in homes:
        if h not in seen:
            seen.add(h)
            out.append(h)
    return out


class ConfigFiles(Collector):
    name = "config_files"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        seen: set[tuple[int, int]] = set()
        links: list[dict] = []
        count = 0

        def copy(real: sources.AnyPath):
            try:
                st = sources.lstat(real)
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode):
                return None
            key = (st.st_dev, st.st_ino)
            if key in seen:
                return None
            seen.add(key)
            return ctx.put_file(real, limit=MAX_CONFIG_FILE)

        candidates: list[tuple[sources.AnyPath, bool]] = []  # (real path, follow a link at the end)
        for logical in FILES:
            candidates.append((ctx.path(logical), True))
        for pattern in GLOBS:
            candidates += [(p, False) for p in glob_logical(ctx, pattern)]
        for h in home_dirs(ctx):
            for f in HOME_FILES:
                candidates.append((ctx.path(f"{h}/{f}"), False))
        for real, follow in candidates:
            if ctx.cancelled:
                return
            if real.is_symlink():
                links.append(link_record(ctx, real))
                if not follow:
                    continue
                target = resolve_in_root(ctx, ctx.logical(real))
                if target is None:
                    continue
                real = target
            elif not sources.lexists(real):
                continue
            result = copy(real)
            if result is not None:
                count += 1
                yield result
                if count % 25 == 0:
                    yield ctx.progress(count, None, ctx.logical(real))
        for logical in TREES:
            top = resolve_in_root(ctx, logical)
            if top is None:
                continue
            for real, kind in walk_tree(ctx, top):
                if ctx.cancelled:
                    return
                if kind == "link":
                    links.append(link_record(ctx, real))
                elif kind == "file":
                    result = copy(real)
                    if result is not None:
                        count += 1
                        yield result
        if links:
            yield ctx.put_records("config_symlinks.json", Symlink, records.from_dicts(Symlink, links), source="symbolic links among the configuration files")
