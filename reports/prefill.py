"""Values of Mẫu 03 (sections C and H) found in the collected evidence, each with the evidence ids it came from.

`prefill(case) -> {field path: Prefill}`; `effective(incident, found) -> (record, sources)` merges them:
what the responder wrote wins; a value only the evidence gave is used and marked "to confirm" with its
evidence ids. Reads only the case (never the live system). A piece of evidence that cannot be read or
parsed is skipped and named in `Prefill.problems` of the special key "_problems".
"""
from __future__ import annotations

import copy
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .incident import _empty, _get, _set


@dataclass
class Prefill:
    value: Any
    evidence: list[str] = field(default_factory=list)   # evidence ids
    detail: list[str] = field(default_factory=list)     # why, e.g. "port 80/tcp by nginx"


ANTIVIRUS = ("clamd", "clamav", "freshclam", "sophos", "savd", "esets", "eset", "kaspersky", "kesl", "klnagent",
             "bkav", "cmc", "msmpeng", "windefend", "defender", "symantec", "sepm", "mcafee", "trendmicro",
             "ds_agent", "avast", "avg", "bitdefender", "crowdstrike", "falcon-sensor", "sentinelone")
FIREWALL_SERVICES = ("ufw", "firewalld", "nftables", "iptables", "netfilter-persistent", "mpssvc", "shorewall",
                     "csf", "lfd")
IDS = ("snort", "suricata", "ossec", "wazuh", "zeek", "bro", "samhain", "tripwire", "aide", "osquery", "auditbeat",
       "sysmon", "elastic-agent")
SERVICE_ROLES = {"web": "web", "mail": "mail", "database": "database"}
# names too short to match as a prefix: "bro" (Zeek's old name) would take brotli, broadcom-sta-dkms and
# brother printer drivers for an intrusion detection system
WHOLE_WORD = {"bro"}


def _latest_by_name(records: list) -> dict:
    """{logical name: the latest evidence record of that name} (records in id order)."""
    out: dict = {}
    for r in records:
        out[r.name] = r
    return out


def _latest_json(case, name: str, problems: list[str], latest: dict):
    rec = latest.get(name)
    if rec is None:
        return None, None
    try:
        with case.open_evidence(rec) as fh:
            return json.loads(fh.read().decode("utf-8")), rec
    except (OSError, ValueError) as exc:
        problems.append(f"{rec.id} ({name}): không đọc được: {exc}")
        return None, rec


def _ips_in(obj: Any) -> Iterable[str]:
    if isinstance(obj, str):
        text = obj.split("/")[0].split("%")[0]
        try:
            ipaddress.ip_address(text)
            yield text
        except ValueError:
            return
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if key in ("netmask", "broadcast", "ptp", "mask", "gateway", "dns", "mac", "peer"):
                continue
            yield from _ips_in(value)
    elif isinstance(obj, list):
        for v in obj:
            yield from _ips_in(v)


def _names(items: Any, keys=("name", "process", "service", "exe")) -> list[tuple[str, str]]:
    """(lowercased text, label) pairs of names from a list of dicts."""
    out = []
    if not isinstance(items, list):
        return out
    for it in items:
        if not isinstance(it, dict):
            continue
        for k in keys:
            v = it.get(k)
            if isinstance(v, str) and v:
                out.append((v.lower().rsplit("/", 1)[-1].rsplit("\\", 1)[-1], v))
    return out


def _match(words: tuple, names: list[tuple[str, str]]) -> list[str]:
    hits = []
    for low, label in names:
        base = re.split(r"[.@\s]", low)[0]
        if any(base == w or (base.startswith(w) and (w not in WHOLE_WORD or base[len(w)] in "-_"))
               for w in words):
            if label not in hits:
                hits.append(label)
    return hits


def prefill(case) -> dict[str, Prefill]:
    """Values for the forms found in the case's evidence. Key "_problems" lists unreadable items."""
    problems: list[str] = []
    out: dict[str, Prefill] = {}
    records = _safe_evidence(case)          # the evidence index, read once
    latest = _latest_by_name(records)

    system, rec = _latest_json(case, "system.json", problems, latest)
    if isinstance(system, dict) and rec is not None:
        os_ = system.get("os") or {}
        name = os_.get("distro") or os_.get("system")
        version = os_.get("distro_version") or os_.get("release") or os_.get("version")
        if os_.get("system") == "Windows":
            name = os_.get("line") or " ".join(x for x in ("Windows", os_.get("release")) if x)
            version = os_.get("build") or os_.get("version")
        if name:
            out["system_info.os"] = Prefill(str(name), [rec.id], [f"B2 system.json: os = {name}"])
        if version:
            out["system_info.os_version"] = Prefill(str(version), [rec.id], [f"B2 system.json: version = {version}"])
        fqdn = system.get("fqdn") or ""
        if isinstance(fqdn, str) and "." in fqdn and not re.search(r"\.(local|localdomain|lan|internal|home)$", fqdn):
            out["system_info.domains"] = Prefill([fqdn], [rec.id], [f"B2 system.json: fqdn = {fqdn}"])

    roles, rec = _latest_json(case, "roles.json", problems, latest)
    if isinstance(roles, list) and rec is not None:
        services: list[str] = []
        other: list[str] = []
        detail: list[str] = []
        for r in roles:
            if not isinstance(r, dict) or not r.get("role"):
                continue
            role = str(r["role"])
            detail.append(f"{role}: {r.get('evidence') or r.get('process') or ''}".strip())
            if role in SERVICE_ROLES:
                if SERVICE_ROLES[role] not in services:
                    services.append(SERVICE_ROLES[role])
            elif role not in other:
                other.append(role)
        if other:
            services.append("other")
            out["system_info.services_other"] = Prefill(", ".join(other), [rec.id], detail)
        if services:
            out["system_info.services"] = Prefill(services, [rec.id], detail)

    # Security measures: processes (B8), services (B4), packages (B4), firewall rules (B4).
    measures: dict[str, tuple[list[str], list[str]]] = {}

    def note(kind: str, ev: str, what: list[str]) -> None:
        ids, det = measures.setdefault(kind, ([], []))
        if ev not in ids:
            ids.append(ev)
        for w in what:
            if w not in det:
                det.append(w)

    for name_, keys in (("processes.json", ("name", "exe")), ("services.json", ("name",)),
                        ("packages.json", ("name",)), ("windows_services.json", ("name", "display_name"))):
        data, rec = _latest_json(case, name_, problems, latest)
        if rec is None or not isinstance(data, list):
            continue
        items = data
        if name_ == "services.json":
            # running services; when the state is unknown (dead-box, no systemd), the enabled ones
            items = [s for s in data if isinstance(s, dict) and (
                str(s.get("state")).lower() in ("active", "running", "activating", "reloading")
                or (s.get("state") is None and str(s.get("enabled")).lower() == "enabled"))]
        names = _names(items, keys)
        for kind, words in (("antivirus", ANTIVIRUS), ("ids", IDS)):
            hits = _match(words, names)
            if hits:
                note(kind, rec.id, [f"{name_}: {h}" for h in hits[:5]])
        if name_ != "packages.json":
            hits = _match(FIREWALL_SERVICES, names)
            if hits:
                note("firewall", rec.id, [f"{name_}: {h}" for h in hits[:5]])
    for rec in [latest["firewall.txt"]] if "firewall.txt" in latest else []:
        try:
            with case.open_evidence(rec) as fh:
                text = fh.read(4 << 20).decode("utf-8", "replace")
        except OSError as exc:
            problems.append(f"{rec.id} (firewall.txt): không đọc được: {exc}")
            continue
        rules = [ln for ln in text.splitlines()
                 if re.match(r"^\s*(-A |\S+\s+(DROP|REJECT|ACCEPT)\b|.*\b(drop|reject)\b|Status: active)", ln)
                 and "policy ACCEPT" not in ln]
        if rules:
            note("firewall", rec.id, [f"firewall.txt: {len(rules)} quy tắc (rules)"])
    if measures:
        kinds = [k for k in ("antivirus", "firewall", "ids") if k in measures]
        ids = sorted({i for k in kinds for i in measures[k][0]})
        out["system_info.security_measures"] = Prefill(kinds, ids, [d for k in kinds for d in measures[k][1]])

    # Addresses (B4 network_config, B11 listening ports): all for C, Internet-facing only for H.
    netcfg, rec = _latest_json(case, "network_config.json", problems, latest)
    all_ips: list[str] = []
    ids: list[str] = []
    if isinstance(netcfg, dict) and rec is not None:
        for ip in _ips_in({"addresses": netcfg.get("addresses"), "interfaces": netcfg.get("interfaces")}):
            addr = ipaddress.ip_address(ip)
            if addr.is_loopback or addr.is_link_local or addr.is_unspecified or addr.is_multicast:
                continue
            if ip not in all_ips:
                all_ips.append(ip)
        if all_ips:
            ids.append(rec.id)
    ports, prec = _latest_json(case, "listening_ports.json", problems, latest)
    if isinstance(ports, list) and prec is not None:
        for p in ports:
            ip = p.get("laddr") if isinstance(p, dict) else None
            try:
                addr = ipaddress.ip_address(str(ip))
            except ValueError:
                continue
            if addr.is_global and ip not in all_ips:
                all_ips.append(ip)
                if prec.id not in ids:
                    ids.append(prec.id)
    if all_ips:
        out["system.ip_addresses"] = Prefill(all_ips, ids, ["B4 network_config.json"])
        public = [ip for ip in all_ips if ipaddress.ip_address(ip).is_global]
        if public:
            out["system_info.public_ips"] = Prefill(public, ids, ["địa chỉ Internet (is_global)"])

    contact, rec = _latest_json(case, "contact.json", problems, latest)
    if isinstance(contact, dict) and rec is not None:
        for key in ("name", "position", "phone", "email", "unit"):
            if contact.get(key):
                out[f"contact.{key}"] = Prefill(str(contact[key]), [rec.id], ["B1 contact.json"])

    logs = [r for r in records if r.checklist_id == "B10"]
    if logs:
        out["system_info.attachments"] = Prefill(["system_log"], [r.id for r in logs[:20]],
                                                 [f"B10: {len(logs)} tệp nhật ký"])
    if problems:
        out["_problems"] = Prefill(problems)
    return out


def _safe_evidence(case) -> list:
    try:
        return case.evidence()
    except Exception:  # pragma: no cover
        return []


# A field filled from evidence only together with its parent: when the responder set the parent, the
# evidence value of the dependent field would contradict it.
DEPENDS = {"system_info.services_other": "system_info.services", "system_info.os_version": "system_info.os"}


def _usable(incident: dict, path: str) -> bool:
    if path.startswith("_") or not _empty(_get(incident or {}, path)):
        return False
    parent = DEPENDS.get(path)
    return parent is None or _empty(_get(incident or {}, parent))


def effective(incident: dict, found: dict[str, Prefill]) -> tuple[dict, dict[str, list[str]]]:
    """The record with evidence values filled where the responder left a field empty.

    Returns (record, sources) where sources maps each field path filled from evidence to its evidence ids
    (the form marks these "to confirm"); paths in the record's own `evidence_refs` are listed too."""
    rec = copy.deepcopy(incident or {})
    sources: dict[str, list[str]] = {}
    for path, ids in (rec.get("evidence_refs") or {}).items():
        if isinstance(ids, list):
            sources[path] = [str(i) for i in ids]
    for path, pf in found.items():
        if _usable(incident, path):
            _set(rec, path, copy.deepcopy(pf.value))
            sources[path] = list(pf.evidence)
    return rec, sources


def unconfirmed(incident: dict, found: dict[str, Prefill]) -> set[str]:
    """Paths whose value comes only from evidence (the responder has not confirmed it)."""
    return {p for p in found if _usable(incident, p)}


def apply(incident: dict, found: dict[str, Prefill]) -> dict:
    """Confirm: copy evidence values into empty fields and record their ids in `evidence_refs`."""
    rec = copy.deepcopy(incident or {})
    refs = rec.setdefault("evidence_refs", {})
    for path, pf in found.items():
        if not _usable(incident, path):
            continue
        _set(rec, path, copy.deepcopy(pf.value))
        refs[path] = list(pf.evidence)
    if not refs:
        rec.pop("evidence_refs")
    return rec
