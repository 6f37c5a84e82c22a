"""Cross-host correlation of an incident case (C6 across hosts).

``run(case, addresses=None) -> Correlation`` reads the incident's timeline (every imported host's
events under its host, analysis/hosts.py):

- ``shared``: the same account, source address, file hash, service name, task name or tool (program
  image) seen on two or more hosts, with the hosts, first and last time and a few events per value.
- ``movements``: logons from one host to another — Windows 4624 of type 3 (network) or 10 (remote
  interactive, RDP) with a source address, RDP authentication / session events with an address, SSH
  ``Accepted`` lines — whose source address belongs to another host of the incident. The host of an
  address comes from ``addresses`` ({address: host}, given by the examiner), each host's collected
  network configuration (network_config.json) and the addresses its own hosts file gives its name. A logon from an address no host owns is kept
  in ``external`` (the way in, when it comes from outside). Logons are grouped by (source, host,
  account, method): each movement is the first such logon (its evidence), with the count and the last.
- ``story(lang)``: the movements in time order, one line each with its evidence
  (``host/E000012 record 345``), for the C6 narrative (the origin and the path of the attack).

The shared values are one SQL pass over the events' fields (``json_each``), the logons another, so
memory is flat whatever the number of events.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analysis import hosts as _hosts
from analysis import timeline
from analysis.events import iso_z
from collectors import records

# field paths per kind of shared value
KINDS = {
    "account": ("$.user", "$.target_user"),
    "address": ("$.ip",),
    "hash": ("$.sha256", "$.md5", "$.sha1", "$.hashes"),
    "service": ("$.service",),
    "task": ("$.task",),
    "tool": ("$.image",),
}
# accounts every Windows or Linux host has: on several hosts they say nothing
_COMMON_ACCOUNTS = {"", "-", "system", "local service", "network service", "anonymous logon", "dwm-1", "umfd-0",
                    "umfd-1", "font driver host", "window manager", "nobody", "(unknown)", "unknown"}
_COMMON_TOOLS = {"svchost.exe", "conhost.exe", "services.exe", "lsass.exe", "wininit.exe", "csrss.exe",
                 "smss.exe", "explorer.exe", "dllhost.exe", "taskhostw.exe", "runtimebroker.exe", "searchindexer.exe"}
LOGON_EVENTS = ("logon", "ssh_accepted", "rdp_auth", "rdp_logon", "rdp_reconnect", "rdp_session_logon")
MAX_EXAMPLES = 5


@dataclass
class Shared:
    kind: str
    value: str
    hosts: list[str]
    count: int
    first: str | None
    last: str | None
    events: list[dict] = field(default_factory=list)  # {host, evidence_id, locator, time, message}


@dataclass
class Movement:
    time: str
    ts: int
    from_host: str        # the host owning the source address ('' when no host of the incident owns it)
    source_ip: str
    to_host: str
    user: str
    method: str           # SMB/network logon, RDP, SSH
    evidence_id: str      # the first logon of this kind (host, account, method, source)
    locator: str
    message: str
    count: int = 1        # logons of this kind
    last: str = ""
    first_id: int = 0


@dataclass
class Correlation:
    hosts: list[str] = field(default_factory=list)
    addresses: dict = field(default_factory=dict)
    shared: list[Shared] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    external: list[Movement] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def story(self, lang: str = "vi") -> list[str]:
        out = []
        for m in self.movements:
            who = m.user or "?"
            if lang == "vi":
                more = f" ({m.count} lần, lần cuối {m.last})" if m.count > 1 else ""
                out.append(f"{m.time}: {m.from_host} ({m.source_ip}) → {m.to_host}, tài khoản {who}, qua {m.method}"
                           f"{more} [chứng cứ {m.evidence_id} {m.locator}]")
            else:
                more = f" ({m.count} times, last {m.last})" if m.count > 1 else ""
                out.append(f"{m.time}: {m.from_host} ({m.source_ip}) -> {m.to_host} as {who} via {m.method}"
                           f"{more} [evidence {m.evidence_id} {m.locator}]")
        return out


def _norm_ip(v: str) -> str | None:
    v = (v or "").strip().strip("[]")
    if v.startswith("::ffff:"):
        v = v[7:]
    try:
        ip = ipaddress.ip_address(v)
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified:
        return None
    return str(ip)


def host_addresses(case) -> dict[str, str]:
    """{address: host} from each imported host's network_config.json (its interfaces' addresses)."""
    from collectors.case import Case

    out: dict[str, str] = {}
    for d in _hosts.current(case):
        work = Path(d["path"]) / "case"
        if not (work / "case.sqlite").is_file():
            continue
        c = Case.open(work, affected_root="")
        try:
            for rec in c.evidence():
                if rec.source == "/etc/hosts" or rec.source.lower().endswith("\\drivers\\etc\\hosts"):
                    _own_hosts_lines(c.evidence_path(rec), d["host"], out)
                    continue
                if rec.name != "network_config.json":
                    continue
                try:
                    data = records.row_of(json.loads(c.evidence_path(rec).read_bytes()))
                except (OSError, ValueError):
                    continue
                for a in data.get("addresses") or []:
                    ip = _norm_ip(str(a.get("address") or "").split("%")[0].split("/")[0])
                    if ip:
                        out.setdefault(ip, d["host"])
        finally:
            c.close()
    return out


def _own_hosts_lines(path: Path, host: str, out: dict) -> None:
    """A host's own hosts file: the addresses it gives its own name (``10.0.0.5 web01``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    short = host.lower().split(".")[0]
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2 or not any(n.lower().split(".")[0] == short for n in parts[1:]):
            continue
        ip = _norm_ip(parts[0])
        if ip:
            out.setdefault(ip, host)


def _method(ev: str, logon_type) -> str:
    if ev == "ssh_accepted":
        return "SSH"
    if ev.startswith("rdp") or logon_type == 10:
        return "RDP"
    return "SMB/network logon (type 3)"


def _shared_all(db, kinds: dict) -> dict[str, list[Shared]]:
    """Every kind's values on two or more hosts, in one pass over the events: SQLite's json_each walks
    each event's fields once and groups by (field, value, host); Python merges the hosts."""
    key_kind = {p[2:]: kind for kind, paths in kinds.items() for p in paths}
    sql = (f"SELECT j.key, j.value, e.host, COUNT(*), MIN(e.ts), MAX(e.ts), MIN(e.id) FROM events e, "
           f"json_each(e.fields) j "
           f"WHERE e.fields IS NOT NULL AND e.host IS NOT NULL AND j.key IN ({','.join('?' * len(key_kind))}) "
           f"AND j.type = 'text' AND j.value != '' GROUP BY j.key, j.value, e.host")
    acc: dict[tuple[str, str], list] = {}
    for key, v, host, n, first, last, first_id in db.execute(sql, list(key_kind)):
        kind = key_kind[key]
        v = str(v)
        if kind == "account":
            if v.lower() in _COMMON_ACCOUNTS or v.endswith("$"):
                continue
        elif kind == "address":
            v = _norm_ip(v) or ""
            if not v:
                continue
        elif kind == "tool":
            v = v.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if not v or v in _COMMON_TOOLS:
                continue
        elif kind == "hash":
            v = v.lower()
        a = acc.setdefault((kind, v), [set(), 0, first, last, {}])
        a[0].add(host)
        a[4][host] = min(a[4].get(host, first_id), first_id)
        a[1] += n
        a[2], a[3] = min(a[2], first), max(a[3], last)
    out: dict[str, list[Shared]] = {k: [] for k in kinds}
    for (kind, v), (hs, n, first, last, ids) in acc.items():
        if len(hs) > 1:
            s = Shared(kind, v, sorted(hs), n, iso_z(first), iso_z(last))
            s.events = [{"host": h, "id": ids[h]} for h in s.hosts]  # the first event on each host
            out[kind].append(s)
    for lst in out.values():
        lst.sort(key=lambda s: (-len(s.hosts), -s.count, s.value))
    return out


def _examples(db, s: Shared) -> None:
    """The first event of the value on each host (up to MAX_EXAMPLES), by id."""
    out = []
    for ref in s.events[:MAX_EXAMPLES]:
        row = db.execute("SELECT ts, evidence_id, locator, message FROM events WHERE id = ?", (ref["id"],)).fetchone()
        if row:
            out.append({"host": ref["host"], "time": iso_z(row[0]), "evidence_id": row[1], "locator": row[2],
                        "message": row[3]})
    s.events = out


def run(case, addresses: dict[str, str] | None = None, kinds=KINDS) -> Correlation:
    db = timeline.connect(timeline.path_of(case))
    try:
        res = Correlation(hosts=[h for h in timeline.host_counts(db) if h])
        amap = host_addresses(case)
        for ip, h in (addresses or {}).items():
            norm = _norm_ip(ip)
            if norm:
                amap[norm] = h
        res.addresses = amap
        for found in _shared_all(db, kinds).values():
            for s in found:
                _examples(db, s)
                res.shared.append(s)
        # one row per (source address, host, account, kind of logon): its first event, last time, count
        q = ("SELECT ip, host, user, ev, lt, MIN(ts) AS first, MAX(ts), COUNT(*), MIN(id) FROM ("
             "SELECT id, ts, host, json_extract(fields, '$.event') AS ev, json_extract(fields, '$.ip') AS ip, "
             "json_extract(fields, '$.user') AS user, json_extract(fields, '$.logon_type') AS lt FROM events "
             "WHERE fields IS NOT NULL) WHERE ev IN (" + ",".join("?" * len(LOGON_EVENTS)) + ") "
             "AND (ev != 'logon' OR lt IN (3, 10)) AND ip IS NOT NULL AND ip != '' "
             "GROUP BY ip, host, user, ev, lt ORDER BY first")
        edges: dict[tuple, Movement] = {}
        for ip, host, user, ev, lt, first, last, n, first_id in db.execute(q, LOGON_EVENTS):
            nip = _norm_ip(ip or "")
            if nip is None:
                continue
            src = amap.get(nip, "")
            if src == host:
                continue
            key = (src or nip, host or "", user or "", _method(ev, lt))
            m = edges.get(key)
            if m is None:
                edges[key] = Movement(iso_z(first), first, src, nip, host or "", user or "", key[3], "", "", "",
                                      count=n, last=iso_z(last), first_id=first_id)
            else:
                m.count += n
                m.last = max(m.last, iso_z(last))
                if first < m.ts:
                    m.ts, m.time, m.first_id, m.source_ip = first, iso_z(first), first_id, nip
        for m in sorted(edges.values(), key=lambda m: (m.ts, m.to_host)):
            row = db.execute("SELECT evidence_id, locator, message FROM events WHERE id = ?", (m.first_id,)).fetchone()
            if row:
                m.evidence_id, m.locator, m.message = row
            (res.movements if m.from_host else res.external).append(m)
    finally:
        db.close()
    return res
