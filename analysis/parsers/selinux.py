"""SELinux access vector messages (AVC and USER_AVC records of the audit log, also as `selinux.log`):
``avc:  denied  { getattr } for  pid=2714 comm="ls" path="..." scontext=... tcontext=... tclass=file``.

`avc_fields(body)` gives decision (denied/granted), permissions, and the key=value pairs (comm, path,
scontext, tcontext, tclass, permissive); the records themselves are read by the auditd parser, which
calls this for AVC records, so one file of either name gives the same events.
"""
from __future__ import annotations

import re

RE_AVC = re.compile(r"avc:\s+(?P<decision>denied|granted)\s+\{\s*(?P<perms>[^}]*?)\s*\}\s+for\s+(?P<rest>.*)", re.S)


def avc_fields(body: str, kv: dict) -> dict:
    """SELinux fields of an AVC record body (``kv`` = its key=value pairs, already parsed)."""
    m = RE_AVC.search(body)
    if not m:
        return {}
    out = {"avc_decision": m.group("decision"), "avc_permissions": m.group("perms").split()}
    for k in ("scontext", "tcontext", "tclass", "permissive", "path", "name", "comm", "dev", "ino"):
        if k in kv:
            out[f"selinux_{k}" if k in ("path", "name", "comm", "dev", "ino") else k] = kv[k]
    for k in ("scontext", "tcontext"):
        parts = str(out.get(k, "")).split(":")
        if len(parts) >= 3:
            out[f"{k}_type"] = parts[2]
    return out


def message(kind: str, kv: dict, avc: dict) -> str:
    perms = " ".join(avc.get("avc_permissions") or [])
    what = kv.get("path") or kv.get("name") or ""
    return (f"SELinux {avc.get('avc_decision')} {{ {perms} }} for {kv.get('comm', '?')} (pid {kv.get('pid', '?')}) "
            f"{what} {avc.get('scontext', '')} -> {avc.get('tcontext', '')} class {avc.get('tclass', '')}").strip()
