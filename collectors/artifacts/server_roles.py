"""B3 Thu thập chức năng của hệ thống: what the system does (roles.json): server roles found from the
listening ports, the running processes and the services (live), or from the enabled services and the
installed server configuration (offline root)."""
from __future__ import annotations

from dataclasses import dataclass

from .. import records
from ..base import Collector, Context
from ._common import resolve_in_root


@records.record("roles", version=1)
@dataclass
class Role:
    """One row of roles.json: what the system serves, and the clue that says so."""
    role: str
    evidence: str                       # e.g. "port 443/tcp by nginx", "service ssh.service enabled"
    port: int | None = None
    process: str | None = None
    service: str | None = None

PORT_ROLES = {
    20: "ftp", 21: "ftp", 22: "ssh", 23: "other", 25: "mail", 53: "dns", 80: "web", 88: "directory", 110: "mail",
    139: "file_share", 143: "mail", 389: "directory", 443: "web", 445: "file_share", 465: "mail", 500: "vpn",
    587: "mail", 636: "directory", 993: "mail", 995: "mail", 1080: "proxy", 1194: "vpn", 1433: "database",
    1521: "database", 1723: "vpn", 2049: "file_share", 3128: "proxy", 3268: "directory", 3306: "database",
    3389: "rdp", 4500: "vpn", 5432: "database", 5900: "other", 6379: "database", 8000: "web", 8080: "web",
    8443: "web", 8888: "web", 9200: "database", 11211: "database", 27017: "database", 51820: "vpn",
}
PROCESS_ROLES = {
    "nginx": "web", "apache2": "web", "httpd": "web", "lighttpd": "web", "caddy": "web", "w3wp.exe": "web",
    "tomcat": "web", "php-fpm": "web", "master": "mail", "postfix": "mail", "exim4": "mail", "exim": "mail",
    "sendmail": "mail", "dovecot": "mail", "mysqld": "database", "mariadbd": "database", "postgres": "database",
    "mongod": "database", "redis-server": "database", "sqlservr.exe": "database", "oracle": "database",
    "named": "dns", "unbound": "dns", "dnsmasq": "dns", "dns.exe": "dns", "pdns_server": "dns", "sshd": "ssh",
    "dropbear": "ssh", "smbd": "file_share", "nmbd": "file_share", "nfsd": "file_share", "vsftpd": "ftp",
    "proftpd": "ftp", "pure-ftpd": "ftp", "squid": "proxy", "haproxy": "proxy", "slapd": "directory",
    "openvpn": "vpn", "charon": "vpn", "xrdp": "rdp", "termsrv": "rdp",
}
SERVICE_ROLES = {
    "nginx": "web", "apache2": "web", "httpd": "web", "lighttpd": "web", "tomcat": "web", "postfix": "mail",
    "exim4": "mail", "dovecot": "mail", "sendmail": "mail", "mysql": "database", "mariadb": "database",
    "postgresql": "database", "mongod": "database", "redis-server": "database", "redis": "database",
    "named": "dns", "bind9": "dns", "unbound": "dns", "dnsmasq": "dns", "ssh": "ssh", "sshd": "ssh",
    "smbd": "file_share", "nmbd": "file_share", "samba": "file_share", "nfs-server": "file_share",
    "vsftpd": "ftp", "proftpd": "ftp", "squid": "proxy", "haproxy": "proxy", "slapd": "directory",
    "openvpn": "vpn", "strongswan": "vpn", "wg-quick": "vpn", "xrdp": "rdp", "TermService": "rdp",
    "W3SVC": "web", "MSSQLSERVER": "database", "DNS": "dns", "NTDS": "directory", "LanmanServer": "file_share",
    "MSExchangeTransport": "mail", "FTPSVC": "ftp", "RemoteAccess": "vpn",
}
CONFIG_ROLES = {
    "/etc/nginx/nginx.conf": "web", "/etc/apache2/apache2.conf": "web", "/etc/httpd/conf/httpd.conf": "web",
    "/etc/postfix/main.cf": "mail", "/etc/exim4/exim4.conf.template": "mail", "/etc/dovecot/dovecot.conf": "mail",
    "/etc/mysql/my.cnf": "database", "/etc/my.cnf": "database", "/etc/postgresql": "database",
    "/etc/redis/redis.conf": "database", "/etc/bind/named.conf": "dns", "/etc/named.conf": "dns",
    "/etc/ssh/sshd_config": "ssh", "/etc/samba/smb.conf": "file_share", "/etc/exports": "file_share",
    "/etc/vsftpd.conf": "ftp", "/etc/squid/squid.conf": "proxy", "/etc/openvpn": "vpn", "/etc/wireguard": "vpn",
    "/etc/ldap/slapd.d": "directory", "/etc/xrdp/xrdp.ini": "rdp",
}


def _service_base(name: str) -> str:
    base = name.removesuffix(".service").split("@", 1)[0]
    return base


def live_roles(ctx: Context) -> list[dict]:
    from ._common import psutil
    from .listening_ports import listening

    rows: list[dict] = []
    for lp in listening(ctx, note_unowned=False):
        role = PORT_ROLES.get(lp["lport"])
        proc_role = PROCESS_ROLES.get((lp["process"] or "").lower())
        role = role or proc_role
        if role is None:
            continue
        rows.append({"role": role, "evidence": f"port {lp['lport']}/{lp['proto'].rstrip('6')} by {lp['process'] or 'unknown process'}",
                     "port": lp["lport"], "process": lp["process"], "service": None})
    for p in psutil.process_iter(["name"]):
        name = (p.info.get("name") or "").lower()
        role = PROCESS_ROLES.get(name)
        if role and name != "master":
            rows.append({"role": role, "evidence": f"process {p.info['name']} (pid {p.pid}) running", "port": None,
                         "process": p.info["name"], "service": None})
    if ctx.os == "windows":  # pragma: no cover - Windows
        from ._windows import default_api, services_rows

        for s in services_rows(default_api(ctx.options))[0]:
            role = SERVICE_ROLES.get(s["name"])
            if role and s["state"] == "running":
                rows.append({"role": role, "evidence": f"service {s['name']} running", "port": None, "process": None,
                             "service": s["name"]})
    return rows


def offline_roles(ctx: Context) -> list[dict]:
    from .services import systemd_units

    rows: list[dict] = []
    if ctx.os == "windows":
        from ._windows import offline_api, services_rows

        api = offline_api(ctx)
        for s in services_rows(api)[0] if api is not None else []:
            role = SERVICE_ROLES.get(s["name"])
            if role and s["enabled"] in ("automatic", "boot", "system"):
                rows.append({"role": role, "evidence": f"service {s['name']} starts automatically", "port": None,
                             "process": None, "service": s["name"]})
    if ctx.os == "linux":
        for name, u in systemd_units(ctx).items():
            role = SERVICE_ROLES.get(_service_base(name))
            if role and u["enabled"] == "enabled":
                rows.append({"role": role, "evidence": f"service {name} enabled", "port": None, "process": None,
                             "service": name})
        for logical, role in CONFIG_ROLES.items():
            if resolve_in_root(ctx, logical) is not None:
                rows.append({"role": role, "evidence": f"configuration {logical} present", "port": None, "process": None,
                             "service": None})
    return rows


def dedupe(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for r in rows:
        key = (r["role"], r["port"], r["process"], r["service"], r["evidence"] if r["port"] is None else None)
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    # one "process running" row per (role, process) is enough
    proc_rows = {}
    final = []
    for r in out:
        if r["port"] is None and r["process"]:
            k = (r["role"], r["process"])
            if k in proc_rows or any(x["process"] == r["process"] and x["port"] for x in out):
                continue
            proc_rows[k] = r
        final.append(r)
    return sorted(final, key=lambda r: (r["role"], r["port"] or 0, r["evidence"]))


class ServerRoles(Collector):
    name = "server_roles"
    version = "1.0"
    os = ("linux", "windows")

    def collect(self, ctx: Context):
        yield ctx.progress(0, None, "server roles")
        if ctx.live:
            rows = live_roles(ctx)
            # services that are enabled but not (yet) listening still say what the system is for
            if ctx.os == "linux":
                rows += [dict(r, evidence=r["evidence"]) for r in offline_roles(ctx) if r["service"]]
        else:
            rows = offline_roles(ctx)
            if ctx.os == "windows":
                from ._windows import offline_api

                if offline_api(ctx) is None:
                    yield ctx.incomplete("roles of an offline Windows root need the registry hives (not parsed here)")
        yield ctx.put_records("roles.json", Role, records.from_dicts(Role, dedupe(rows)),
                           source="listening ports, processes, services" if ctx.live else "enabled services, configuration files")
