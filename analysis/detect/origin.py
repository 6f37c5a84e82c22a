"""The C6 origin account: a short, ordered account of the attack built from the findings.

``account(findings, tz="Asia/Ho_Chi_Minh") -> dict``::

    {"timezone": "Asia/Ho_Chi_Minh",
     "lines": [{"time": "2024-03-01 08:15:02 +07:00", "time_utc": "...Z", "step": "first|entry|followed",
                "tactic": "initial_access", "text_vi": "...", "text_en": "...", "rule": "...",
                "severity": "high", "evidence_ids": ["E000003"], "events": [{"evidence_id", "locator"}]}],
     "text_vi": "1. ...\\n2. ...", "text_en": "..."}

- the first malicious event (the earliest finding of medium severity or more that is not context);
- the entry point: the earliest finding of initial access, else lateral movement, else an origin
  candidate (C6: password guessing then logon from an address), else credential access from an address,
  with its source address, account, service or web request;
- what followed: for each later tactic in attack order (execution, persistence, privilege escalation,
  stealth, defense impairment, credential access, discovery, lateral movement, collection, command and control,
  exfiltration, impact), its earliest finding and how many findings it has.

Times are shown in the incident's time zone (``tz``: an IANA name or a tzinfo; reports pass the
incident's ``timezone``). Each line carries the evidence ids and event keys behind it. ``case_account(case,
findings)`` reads the time zone from the case's incident record.
"""
from __future__ import annotations

import datetime as dt

FOLLOW = ("execution", "persistence", "privilege_escalation", "stealth", "defense_impairment", "credential_access", "discovery",
          "lateral_movement", "collection", "command_and_control", "exfiltration", "impact")
MIN_RANK = 2  # medium
DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def tzinfo(tz) -> tuple[dt.tzinfo, str]:
    if isinstance(tz, dt.tzinfo):
        return tz, str(tz)
    name = str(tz or DEFAULT_TZ)
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name), name
    except (ImportError, KeyError, ValueError):  # no tz database (some Windows Pythons): Việt Nam's fixed offset
        return dt.timezone(dt.timedelta(hours=7), "ICT"), "+07:00"


def _local(iso_utc: str, tz: dt.tzinfo) -> str:
    d = dt.datetime.strptime(iso_utc[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc).astimezone(tz)
    off = d.strftime("%z")
    return d.strftime("%Y-%m-%d %H:%M:%S ") + (off[:3] + ":" + off[3:] if off else "")


def _who(f) -> tuple[str, str]:
    m = f.first_match or {}
    d = f.details or {}
    parts_vi, parts_en = [], []
    ip = m.get("ip") or m.get("c-ip") or m.get("ipaddress") or m.get("sourceip") or d.get("ip")
    member = m.get("membername") or m.get("membersid")  # group changes: the account added, not the group
    user = member or m.get("user") or m.get("targetusername") or m.get("subjectusername") or d.get("success_account")
    if ip:
        parts_vi.append(f"từ địa chỉ {ip}")
        parts_en.append(f"from {ip}")
    if user:
        parts_vi.append(f"tài khoản {user}")
        parts_en.append(f"account {user}")
    for k, vi, en in (("c-uri", "yêu cầu web", "web request"), ("servicename", "dịch vụ", "service"),
                      ("commandline", "lệnh", "command"), ("image", "chương trình", "program"),
                      ("targetobject", "khoá", "key"), ("targetfilename", "tệp", "file")):
        if m.get(k):
            parts_vi.append(f"{vi} {str(m[k])[:160]}")
            parts_en.append(f"{en} {str(m[k])[:160]}")
            break
    return ", ".join(parts_vi), ", ".join(parts_en)


def _line(step, f, tactic, tz, head_vi, head_en, extra_vi="", extra_en=""):
    who_vi, who_en = _who(f)
    title_vi = f.title_vi or f.title_en or f.rule
    title_en = f.title_en or f.rule
    return {"time": _local(f.time, tz), "time_utc": f.time, "step": step, "tactic": tactic,
            "text_vi": f"{head_vi}: {title_vi}" + (f" ({who_vi})" if who_vi else "") + extra_vi,
            "text_en": f"{head_en}: {title_en}" + (f" ({who_en})" if who_en else "") + extra_en,
            "rule": f.rule, "severity": f.severity, "evidence_ids": list(f.evidence_ids), "events": list(f.events[:10])}


def _entry(bad):
    """The entry point: initial access first, then lateral movement into the machine, then an origin
    candidate (C6: password guessing from an address), then credential access with a source address."""
    for tactic in ("initial_access", "lateral_movement"):
        f = next((f for f in bad if tactic in f.tactics), None)
        if f is not None:
            return f, tactic
    f = next((f for f in bad if f.checklist_id == "C6"), None)
    if f is not None:
        return f, f.tactic
    f = next((f for f in bad if "credential_access" in f.tactics and _who(f)[0].startswith("từ địa chỉ")), None)
    return (f, "credential_access") if f is not None else (None, None)


def account(findings, tz=None) -> dict:
    from analysis.findings import SEV_RANK, TACTICS

    zone, name = tzinfo(tz)
    names = {t[0]: (t[3], t[2]) for t in TACTICS}
    bad = sorted((f for f in findings if f.time and SEV_RANK[f.severity] >= MIN_RANK and f.checklist_id not in ("C3", "C4")),
                 key=lambda f: (f.time, -SEV_RANK[f.severity], f.rule))
    lines = []
    if bad:
        first = bad[0]
        lines.append(_line("first", first, first.tactic, zone, "Sự kiện độc hại đầu tiên", "First malicious event"))
        entry, entry_tactic = _entry(bad)
        if entry is not None:
            if entry is first:
                lines[0]["step"] = "first+entry"
                lines[0]["text_vi"] = lines[0]["text_vi"].replace("Sự kiện độc hại đầu tiên", "Sự kiện độc hại đầu tiên, lối vào", 1)
                lines[0]["text_en"] = lines[0]["text_en"].replace("First malicious event", "First malicious event, entry point", 1)
            else:
                lines.append(_line("entry", entry, entry_tactic, zone, "Lối vào", "Entry point"))
        start = entry.time if entry is not None else first.time
        shown = {id(first)} | ({id(entry)} if entry is not None else set())
        for tactic in FOLLOW:
            later = [f for f in bad if f.tactic == tactic and f.time >= start]
            if not later:
                continue
            f = next((x for x in later if id(x) not in shown), None)
            if f is None:
                continue
            shown.add(id(f))
            vi, en = names[tactic]
            more = len(later) - 1
            lines.append(_line("followed", f, tactic, zone, vi, en,
                               f"; và {more} phát hiện khác cùng loại" if more > 0 else "",
                               f"; and {more} more of this kind" if more > 0 else ""))
        lines.sort(key=lambda ln: (ln["time_utc"], ln["step"] != "first" and ln["step"] != "first+entry"))
    text_vi = "\n".join(f"{i}. {ln['time']} — {ln['text_vi']} [{', '.join(ln['evidence_ids'][:4])}]"
                        for i, ln in enumerate(lines, 1))
    text_en = "\n".join(f"{i}. {ln['time']} — {ln['text_en']} [{', '.join(ln['evidence_ids'][:4])}]"
                        for i, ln in enumerate(lines, 1))
    return {"timezone": name, "lines": lines, "text_vi": text_vi, "text_en": text_en}


def case_account(case, findings) -> dict:
    """`account` in the time zone of the case's incident record (Asia/Ho_Chi_Minh when it has none)."""
    import sqlite3

    try:
        tz = (case.incident() or {}).get("timezone")
    except (sqlite3.Error, ValueError):   # a damaged incident record: the default zone
        tz = None
    return account(findings, tz)
