"""B4 on Windows: what the SECURITY hive tells the responder, never its secrets: windows_security.json.

- the audit policy (Policy\\PolAdtEv): for each category and subcategory whether success and failure
  are audited, i.e. whether the Security event log can hold logons (4624/4625), process creations
  (4688), account changes (4720...) at all. The Vista and later layout is decoded (documented by
  kazamiya.net, "PolAdtEv structure"): a 12-byte header (its third and fifth u16: the number of
  categories and the offset of the footer), one u16 per subcategory (bit 0 success, bit 1 failure),
  category after category, and at the footer one u16 per category: how many subcategories it has;
  the key's last write is when the policy last changed;
- the machine's own SID and name (Policy\\PolAcDmS, PolAcDmN: the account domain), the primary
  domain or workgroup and its SID (PolPrDmN, PolPrDmS; no SID: not in a domain) and the DNS domain
  (PolDnDDN);
- cached domain logons: the configured count (SOFTWARE ...\\Winlogon CachedLogonsCount) and, per
  Cache\\NL$n slot, only whether it is in use, the account's RID and when it was written (the
  record's clear header: first u16 the user name length, RID at 16, FILETIME at 32); the
  encrypted part (the cached credential) is never read, and neither are the LSA secrets, of which
  only the names are listed (Policy\\Secrets\\<name>: DefaultPassword means an autologon password is
  stored, _SC_<service> a service account's).

Offline only: a running Windows lets no one but SYSTEM read the SECURITY hive.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from . import _windows as win
from ._hives import filetime_at, utf16z
from .windows_sam import parse_sid

POLICY = r"SECURITY\Policy"
CACHE = r"SECURITY\Cache"
WINLOGON = r"Software\Microsoft\Windows NT\CurrentVersion\Winlogon"

# Category and subcategory order of PolAdtEv (Windows 10 / Server 2016 and later; older systems have
# fewer subcategories per category and the footer says how many).
AUDIT_CATEGORIES: list[tuple[str, list[str]]] = [
    ("System", ["Security State Change", "Security System Extension", "System Integrity", "IPsec Driver",
                "Other System Events"]),
    ("Logon/Logoff", ["Logon", "Logoff", "Account Lockout", "IPsec Main Mode", "Special Logon", "IPsec Quick Mode",
                      "IPsec Extended Mode", "Other Logon/Logoff Events", "Network Policy Server",
                      "User / Device Claims", "Group Membership"]),
    ("Object Access", ["File System", "Registry", "Kernel Object", "SAM", "Other Object Access Events",
                       "Certification Services", "Application Generated", "Handle Manipulation", "File Share",
                       "Filtering Platform Packet Drop", "Filtering Platform Connection", "Detailed File Share",
                       "Removable Storage", "Central Policy Staging"]),
    ("Privilege Use", ["Sensitive Privilege Use", "Non Sensitive Privilege Use", "Other Privilege Use Events"]),
    ("Detailed Tracking", ["Process Creation", "Process Termination", "DPAPI Activity", "RPC Events",
                           "Plug and Play Events", "Token Right Adjusted Events"]),
    ("Policy Change", ["Audit Policy Change", "Authentication Policy Change", "Authorization Policy Change",
                       "MPSSVC Rule-Level Policy Change", "Filtering Platform Policy Change",
                       "Other Policy Change Events"]),
    ("Account Management", ["User Account Management", "Computer Account Management", "Security Group Management",
                            "Distribution Group Management", "Application Group Management",
                            "Other Account Management Events"]),
    ("DS Access", ["Directory Service Access", "Directory Service Changes", "Directory Service Replication",
                   "Detailed Directory Service Replication"]),
    ("Account Logon", ["Credential Validation", "Kerberos Service Ticket Operations", "Other Account Logon Events",
                       "Kerberos Authentication Service"]),
]
SETTINGS = {0: "No Auditing", 1: "Success", 2: "Failure", 3: "Success and Failure"}
# What the responder looks for in the Security log, and the subcategory that must be audited for it.
KEY_SUBCATEGORIES = {"Logon": "logons (4624, 4625)", "Process Creation": "process creations (4688)",
                     "User Account Management": "account changes (4720, 4722, 4724, 4738)",
                     "Security Group Management": "group changes (4728, 4732)",
                     "Credential Validation": "credential validation (4776)",
                     "Audit Policy Change": "audit policy changes (4719)"}


@records.record("windows_security", version=1)
@dataclass
class SecurityPolicy:
    machine_sid: str | None = None           # the account domain SID (PolAcDmS): S-1-5-21-a-b-c
    machine_name: str | None = None          # the account domain name (PolAcDmN)
    primary_domain: str | None = None        # domain or workgroup name (PolPrDmN)
    primary_domain_sid: str | None = None    # None: a workgroup (PolPrDmS empty)
    dns_domain: str | None = None            # PolDnDDN
    audit_policy: list = field(default_factory=list)    # [{category, subcategory, setting, success, failure}]
    audit_policy_changed: str | None = None  # Policy\PolAdtEv last write (ISO 8601 UTC)
    not_audited: list = field(default_factory=list)     # what the Security log cannot hold (KEY_SUBCATEGORIES)
    cached_logons_count: int | None = None   # the setting (Winlogon CachedLogonsCount, default 10)
    cached_logons: list = field(default_factory=list)   # [{slot, in_use, rid, written}]: never the credential
    secret_names: list = field(default_factory=list)    # LSA secret names only (Policy\Secrets)
    extra: dict = field(default_factory=dict)


def decode_poladtev(data: bytes) -> list[dict]:
    """Every subcategory's setting of a PolAdtEv value (Vista and later layout); ValueError otherwise."""
    if len(data) < 12:
        raise ValueError(f"too short ({len(data)} bytes)")
    _u0, _u1, n_cat, _u2, footer, _u3 = struct.unpack_from("<6H", data, 0)
    if not 0 < n_cat <= 32 or footer < 12 or footer + 2 * n_cat > len(data):
        raise ValueError(f"not the Vista and later layout ({n_cat} categories, footer at {footer}, {len(data)} bytes)")
    counts = struct.unpack_from(f"<{n_cat}H", data, footer)
    if 12 + 2 * sum(counts) > footer:
        raise ValueError(f"{sum(counts)} subcategories do not fit before the footer at {footer}")
    rows, off = [], 12
    for i, count in enumerate(counts):
        cat, names = AUDIT_CATEGORIES[i] if i < len(AUDIT_CATEGORIES) else (f"category {i + 1}", [])
        for j in range(count):
            v = struct.unpack_from("<H", data, off)[0]
            off += 2
            rows.append({"category": cat, "subcategory": names[j] if j < len(names) else f"subcategory {j + 1}",
                         "setting": SETTINGS.get(v & 3, str(v)), "success": bool(v & 1), "failure": bool(v & 2)})
    return rows


def unicode_string(data: bytes) -> str | None:
    """An LSA UNICODE_STRING as the Policy keys store it: u16 length, u16 maximum, u32, then the text."""
    if len(data) < 8:
        return None
    length = struct.unpack_from("<H", data, 0)[0]
    return utf16z(data[8:8 + length]) or None


def sid_of(value) -> str | None:
    if not isinstance(value, (bytes, bytearray)) or not value:
        return None
    got = parse_sid(bytes(value))
    return got[0] if got else None


def cache_entry(slot: str, data: bytes) -> dict:
    """The clear header of a cached logon record: in use, RID, written. The rest is never read."""
    if len(data) < 40:
        return {"slot": slot, "in_use": False, "rid": None, "written": None}
    user_len = struct.unpack_from("<H", data, 0)[0]
    if not user_len:
        return {"slot": slot, "in_use": False, "rid": None, "written": None}
    return {"slot": slot, "in_use": True, "rid": struct.unpack_from("<I", data, 16)[0], "written": filetime_at(data, 32)}


def _default(values: dict):
    return values.get("", values.get("(default)"))


def security_policy(api, notes: list[str]) -> list[SecurityPolicy]:
    row = SecurityPolicy()

    def val(name: str):
        return _default(win._values(api, win.HKLM, f"{POLICY}\\{name}"))

    if not win.subkeys(api, win.HKLM, POLICY):
        notes.append(f"HKLM\\{POLICY}: not found (the SECURITY hive holds no policy)")
        return [row]
    row.machine_sid, row.primary_domain_sid = sid_of(val("PolAcDmS")), sid_of(val("PolPrDmS"))
    for attr, name in (("machine_name", "PolAcDmN"), ("primary_domain", "PolPrDmN"), ("dns_domain", "PolDnDDN")):
        v = val(name)
        if isinstance(v, (bytes, bytearray)):
            setattr(row, attr, unicode_string(bytes(v)))
    adt = val("PolAdtEv")
    if isinstance(adt, (bytes, bytearray)):
        try:
            row.audit_policy = decode_poladtev(bytes(adt))
        except (ValueError, struct.error) as exc:
            notes.append(f"HKLM\\{POLICY}\\PolAdtEv: audit policy not decoded ({exc})")
            row.extra["poladtev"] = bytes(adt[:512]).hex()
        row.audit_policy_changed = win.key_time(api, win.HKLM, f"{POLICY}\\PolAdtEv")
    else:
        notes.append(f"HKLM\\{POLICY}\\PolAdtEv: no audit policy value")
    audited = {r["subcategory"] for r in row.audit_policy if r["success"] or r["failure"]}
    if row.audit_policy:
        row.not_audited = [what for sub, what in KEY_SUBCATEGORIES.items() if sub not in audited]
    count = win._values(api, win.HKLM, WINLOGON).get("CachedLogonsCount")
    if count is not None and str(count).strip().isdigit():
        row.cached_logons_count = int(str(count).strip())
    cache = win._values(api, win.HKLM, CACHE)
    slots = sorted((n for n in cache if n.upper().startswith("NL$") and n[3:].isdigit()), key=lambda n: int(n[3:]))
    row.cached_logons = [cache_entry(n, bytes(cache[n])) for n in slots if isinstance(cache[n], (bytes, bytearray))]
    row.secret_names = sorted(win.subkeys(api, win.HKLM, f"{POLICY}\\Secrets"))
    return [row]


class WindowsSecurity(win.RegistryArtifact, Collector):
    name = "windows_security"
    version = "1.0"
    os = ("windows",)
    HIVES = ("SECURITY",)
    WHERE = "SECURITY hive"

    def check(self, ctx: Context) -> str | None:
        if ctx.live:
            return "the SECURITY hive is readable only by SYSTEM on a running Windows (collect it from an image)"
        return win.registry_reason(ctx, "SECURITY")

    def outputs(self):
        return [("windows_security.json", SecurityPolicy, f"HKLM\\{POLICY} (audit policy, domain SIDs, secret names), "
                 f"HKLM\\{CACHE} (slot headers only)", security_policy)]
