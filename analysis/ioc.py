"""Indicator matching (C5): SHA-256 / MD5 / SHA-1 hashes, IP addresses and domains from a file the
responder supplies (one indicator a line, ``#`` comments; CSV or ``type,value`` lines and a JSON list
are accepted too), and YARA rules (yara-python) over the collected files.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from collectors import records
from collectors.errors import UnreadableInput

RE_HEX = re.compile(r"^[0-9a-fA-F]+$")
RE_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$", re.I)
YARA_MAX_BYTES = 256 << 20  # files bigger than this are scanned for their first 256 MiB only


@dataclass
class Indicators:
    sha256: set[str] = field(default_factory=set)
    sha1: set[str] = field(default_factory=set)
    md5: set[str] = field(default_factory=set)
    ips: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, text) not understood

    def __len__(self) -> int:
        return len(self.sha256) + len(self.sha1) + len(self.md5) + len(self.ips) + len(self.domains)


def classify(value: str) -> str | None:
    v = value.strip().strip('"').strip("'")
    if RE_HEX.match(v):
        return {64: "sha256", 40: "sha1", 32: "md5"}.get(len(v))
    try:
        ipaddress.ip_address(v)
        return "ip"
    except ValueError:
        pass
    v2 = v.replace("[.]", ".").replace("(.)", ".").rstrip(".")
    if RE_DOMAIN.match(v2):
        return "domain"
    return None


def parse_text(text: str) -> Indicators:
    ind = Indicators()
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError as exc:
            raise UnreadableInput(f"indicator file is not valid JSON: {exc}") from exc
        lines = [(i, str(x.get("value") if isinstance(x, dict) else x)) for i, x in enumerate(items, 1)]
    else:
        lines = list(enumerate(text.splitlines(), 1))
    for n, raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [c.strip() for c in re.split(r"[,;\t]", line) if c.strip()]
        got = False
        for c in cells:
            kind = classify(c)
            if kind is None:
                continue
            v = c.strip().strip('"').strip("'")
            if kind in ("sha256", "sha1", "md5"):
                getattr(ind, kind).add(v.lower())
            elif kind == "ip":
                ind.ips.add(_norm_ip(v))
            else:
                ind.domains.add(v.replace("[.]", ".").replace("(.)", ".").rstrip(".").lower())
            got = True
        if not got and not re.match(r"^(type|indicator|value)\b", line, re.I):
            ind.rejected.append((n, raw.strip()[:200]))
    return ind


def load(path: str | Path) -> Indicators:
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig", "replace")
    except OSError as exc:
        raise UnreadableInput(f"cannot read the indicator file {p}: {exc.strerror or exc}", path=str(p)) from exc
    return parse_text(text)


def _norm_ip(v) -> str:
    """One spelling per address: IPv6 compressed, and an IPv4-mapped IPv6 address (``::ffff:203.0.113.5``,
    as Windows logon events and dual-stack daemons write IPv4 clients) as the IPv4 address."""
    try:
        addr = ipaddress.ip_address(str(v).strip("[]").split("%", 1)[0])
    except ValueError:
        return ""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def match_indicators(case, db, ind: Indicators) -> list:
    from analysis.checks._common import key as _key
    from analysis.checks._common import t as _t
    from analysis.findings import Finding
    from analysis.timeline import COLUMNS, row_dict

    out = []
    # hashes of collected evidence (SHA-256 from the index, MD5/SHA-1 computed only when needed)
    need_other = bool(ind.md5 or ind.sha1)
    for rec in case.evidence():
        hits = []
        if rec.sha256 in ind.sha256:
            hits.append(("sha256", rec.sha256))
        if need_other and rec.kind == "file":
            md5, sha1 = hashlib.md5(), hashlib.sha1()
            try:
                with case.open_evidence(rec) as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        md5.update(chunk)
                        sha1.update(chunk)
            except OSError:
                continue
            if md5.hexdigest() in ind.md5:
                hits.append(("md5", md5.hexdigest()))
            if sha1.hexdigest() in ind.sha1:
                hits.append(("sha1", sha1.hexdigest()))
        for algo, h in hits:
            out.append(Finding(
                "ioc_match", "C5", "critical",
                f"Tệp thu thập {rec.source} trùng dấu hiệu IOC ({algo} {h})",
                f"Collected file {rec.source} matches an indicator ({algo} {h})",
                "C5-ioc-file-hash", rec.collected_at, [rec.id], [], {"path": rec.source, "algorithm": algo, "hash": h}))
    # executables of running processes and listeners
    for name, what in (("processes.json", "process"), ("listening_ports.json", "listener")):
        rec = case.latest(name)
        if rec is None:
            continue
        try:
            items = records.rows_of(case.read_json(rec))
        except (OSError, ValueError):
            continue
        for p in (x for x in items if isinstance(x, dict)):
            h = str((p or {}).get("exe_sha256") or "").lower()
            if h and h in ind.sha256:
                out.append(Finding(
                    "ioc_match", "C5", "critical",
                    f"Chương trình của {what} PID {p.get('pid')} ({p.get('exe')}) trùng IOC sha256 {h}",
                    f"The executable of {what} PID {p.get('pid')} ({p.get('exe')}) matches indicator sha256 {h}",
                    "C5-ioc-exe-hash", None, [rec.id], [], {"pid": p.get("pid"), "exe": p.get("exe"), "hash": h}))
    # network connections snapshot
    rec = case.latest("connections.json")
    if rec is not None and ind.ips:
        try:
            conns = records.rows_of(case.read_json(rec))
        except (OSError, ValueError):
            conns = []
        for c in (x for x in conns if isinstance(x, dict)):
            ip = _norm_ip((c or {}).get("raddr") or "")
            if ip and ip in ind.ips:
                out.append(Finding(
                    "ioc_match", "C5", "critical",
                    f"Kết nối mạng tới địa chỉ IOC {ip}:{c.get('rport')} bởi {c.get('process')} (PID {c.get('pid')})",
                    f"Network connection to indicator address {ip}:{c.get('rport')} by {c.get('process')} (PID {c.get('pid')})",
                    "C5-ioc-connection", None, [rec.id], [], dict(c)))
    # timeline: addresses in event fields, hashes in Sysmon, addresses/domains in messages
    groups: dict[tuple, dict] = {}

    def hit(kind, value, row):
        g = groups.setdefault((kind, value), {"n": 0, "first": row["ts"], "last": row["ts"], "keys": [], "ev": set()})
        g["n"] += 1
        g["last"] = row["ts"]
        g["ev"].add(row["evidence_id"])
        if len(g["keys"]) < 20:
            g["keys"].append(_key(row))

    cols = ", ".join(COLUMNS)
    if ind.ips:
        for r in db.execute(f"SELECT {cols} FROM events WHERE json_extract(fields, '$.ip') IS NOT NULL "
                            f"OR json_extract(fields, '$.source_ip') IS NOT NULL ORDER BY ts"):
            row = row_dict(r)
            for k in ("ip", "source_ip"):
                ip = _norm_ip(row["fields"].get(k) or "")
                if ip and ip in ind.ips:
                    hit("ip", ip, row)
    for dom in sorted(ind.domains):
        for r in db.execute(f"SELECT {cols} FROM events WHERE message LIKE ? ORDER BY ts", (f"%{dom}%",)):
            hit("domain", dom, row_dict(r))
    if ind.sha256 or ind.md5 or ind.sha1:
        for r in db.execute(f"SELECT {cols} FROM events WHERE json_extract(fields, '$.hashes') IS NOT NULL ORDER BY ts"):
            row = row_dict(r)
            text = str(row["fields"].get("hashes") or "").lower()
            for algo in ("sha256", "md5", "sha1"):
                m = re.search(rf"{algo}=([0-9a-f]+)", text)
                if m and m.group(1) in getattr(ind, algo):
                    hit(algo, m.group(1), row)
    for (kind, value), g in sorted(groups.items()):
        out.append(Finding(
            "ioc_match", "C5", "high",
            f"Dấu hiệu IOC {kind} {value} xuất hiện {g['n']} lần trong dòng thời gian ({_t(g['first'])} – {_t(g['last'])})",
            f"Indicator {kind} {value} appears {g['n']} times in the timeline ({_t(g['first'])} – {_t(g['last'])})",
            f"C5-ioc-{kind}", _t(g["first"]), sorted(g["ev"]), g["keys"],
            {"type": kind, "value": value, "count": g["n"], "first_seen": _t(g["first"]), "last_seen": _t(g["last"])}))
    return out


def match_yara(case, rules_path: str | Path, stats: dict | None = None) -> list:
    """Scan every collected file (kind=file) with the responder's YARA rules; `stats` (when given) gets the
    number of rules and of distinct files scanned."""
    from analysis.findings import Finding

    try:
        import yara
    except ImportError as exc:  # pragma: no cover - yara-python is a dependency
        raise UnreadableInput("yara-python is not installed: YARA scanning is unavailable") from exc
    p = Path(rules_path)
    try:
        rules = yara.compile(filepath=str(p))
    except yara.SyntaxError as exc:
        raise UnreadableInput(f"the YARA rules in {p} do not compile: {exc}", path=str(p)) from exc
    except yara.Error as exc:
        raise UnreadableInput(f"cannot read the YARA rules {p}: {exc}", path=str(p)) from exc
    out = []
    seen: set[str] = set()
    if stats is not None:
        stats["rules"] = sum(1 for _rule in rules)
        stats["files"] = 0
    for rec in case.evidence():
        if rec.kind != "file" or rec.sha256 in seen:
            continue
        seen.add(rec.sha256)
        if stats is not None:
            stats["files"] += 1
        path = case.evidence_path(rec)
        try:
            if rec.size > YARA_MAX_BYTES:
                with open(path, "rb") as fh:
                    matches = rules.match(data=fh.read(YARA_MAX_BYTES), timeout=60)
            else:
                matches = rules.match(str(path), timeout=60)
        except yara.Error as exc:
            out.append(Finding(
                "ioc_scan_error", "C5", "info", f"Không quét YARA được {rec.source}: {exc}",
                f"YARA could not scan {rec.source}: {exc}", "C5-yara-error", None, [rec.id], [], {}))
            continue
        for m in matches:
            strings = []
            for s in getattr(m, "strings", [])[:10]:
                ident = getattr(s, "identifier", None)
                if ident is None and isinstance(s, tuple):  # yara-python < 4.3
                    strings.append({"offset": s[0], "identifier": s[1]})
                else:
                    inst = getattr(s, "instances", [])
                    strings.append({"identifier": ident, "offsets": [i.offset for i in inst[:5]]})
            out.append(Finding(
                "ioc_match", "C5", "high",
                f"Luật YARA {m.rule} khớp tệp {rec.source}",
                f"YARA rule {m.rule} matches {rec.source}",
                "C5-yara", rec.collected_at, [rec.id], [],
                {"path": rec.source, "rule": m.rule, "namespace": m.namespace, "tags": list(m.tags),
                 "meta": dict(m.meta), "strings": strings}))
    return out
