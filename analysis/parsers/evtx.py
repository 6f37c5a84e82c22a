"""Windows event logs (.evtx) with the Rust-backed ``evtx`` package (``skip_errors=True``: a damaged
chunk or record is reported and skipped, every readable record is kept).

Key events get a readable message and typed fields (``event``, ``user``, ``ip``, ``logon_type``...):
logons 4624/4625/4634/4647/4648/4672, process 4688, services 4697/7045, scheduled task 4698, accounts
4720/4722/4724/4728/4732, log cleared 1102/104, RDP 1149/21/24/25, Windows Update 19/20/43,
Sysmon 1/3/11/13. Other events keep their EventData as fields and a generic message.
"""
from __future__ import annotations

import json
import warnings
from typing import Iterator

from analysis.events import DESC_RECORDED, Event, ParseReport, parse_iso

NAME = "evtx"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)

LOGON_TYPES = {2: "Interactive", 3: "Network", 4: "Batch", 5: "Service", 7: "Unlock", 8: "NetworkCleartext",
               9: "NewCredentials", 10: "RemoteInteractive", 11: "CachedInteractive"}

SEC = "Microsoft-Windows-Security-Auditing"
SYSMON = "Microsoft-Windows-Sysmon"


def _g(d: dict, *keys, default=""):
    for k in keys:
        v = d.get(k)
        if v not in (None, "", "-"):
            return v
    return default


def _user(d, prefix="Target"):
    user = _g(d, f"{prefix}UserName")
    dom = _g(d, f"{prefix}DomainName")
    return f"{dom}\\{user}" if dom and user else user


def describe(provider: str, eid: int, d: dict) -> tuple[str, dict]:
    """(message, extra typed fields) for an event; ('', {}) when there is no specific rule."""
    f: dict = {}
    if provider == SEC or provider == "Microsoft-Windows-Eventlog" or provider == "Security":
        if eid in (4624, 4625):
            lt_text = d.get("LogonType")
            lt: int | None
            try:
                lt = int(lt_text) if lt_text is not None else None
            except (TypeError, ValueError):
                lt = None
            ip = _g(d, "IpAddress")
            f = {"event": "logon" if eid == 4624 else "logon_failed", "user": _g(d, "TargetUserName"),
                 "domain": _g(d, "TargetDomainName"), "logon_type": lt, "ip": ip, "port": _g(d, "IpPort"),
                 "workstation": _g(d, "WorkstationName"), "logon_id": _g(d, "TargetLogonId")}
            what_en = "Successful logon" if eid == 4624 else "Failed logon"
            extra = f" (status {d.get('Status')}/{d.get('SubStatus')})" if eid == 4625 else ""
            return (f"{what_en}: {_user(d)} type {lt} {LOGON_TYPES.get(lt, '') if lt is not None else ''} from {ip or '-'}{extra}",
                    f)
        if eid in (4634, 4647):
            f = {"event": "logoff", "user": _g(d, "TargetUserName"), "domain": _g(d, "TargetDomainName"),
                 "logon_id": _g(d, "TargetLogonId"), "logon_type": d.get("LogonType")}
            kind = "User initiated logoff" if eid == 4647 else "Logoff"
            return f"{kind}: {_user(d)}", f
        if eid == 4648:
            f = {"event": "explicit_credentials", "user": _g(d, "SubjectUserName"),
                 "target_user": _g(d, "TargetUserName"), "target_server": _g(d, "TargetServerName"),
                 "ip": _g(d, "IpAddress"), "process": _g(d, "ProcessName")}
            return (f"Logon with explicit credentials: {_user(d, 'Subject')} as {_user(d)} on "
                    f"{f['target_server']} by {f['process'] or '-'}"), f
        if eid == 4672:
            f = {"event": "special_privileges", "user": _g(d, "SubjectUserName")}
            return f"Special privileges assigned to new logon: {_user(d, 'Subject')}", f
        if eid == 4688:
            f = {"event": "process_created", "user": _g(d, "SubjectUserName"), "image": _g(d, "NewProcessName"),
                 "command_line": _g(d, "CommandLine"), "parent": _g(d, "ParentProcessName")}
            return f"Process created: {f['image']} {f['command_line']} by {_user(d, 'Subject')}".rstrip(), f
        if eid == 4697:
            f = {"event": "service_installed", "service": _g(d, "ServiceName"), "image": _g(d, "ServiceFileName"),
                 "user": _g(d, "SubjectUserName"), "start_type": _g(d, "ServiceStartType")}
            return f"Service installed: {f['service']} -> {f['image']}", f
        if eid in (4698, 4699, 4700, 4702):
            names = {4698: "created", 4699: "deleted", 4700: "enabled", 4702: "updated"}
            f = {"event": f"task_{names[eid]}", "task": _g(d, "TaskName"), "user": _g(d, "SubjectUserName"),
                 "content": _g(d, "TaskContent")}
            return f"Scheduled task {names[eid]}: {f['task']} by {_user(d, 'Subject')}", f
        if eid in (4720, 4722, 4724, 4725, 4726, 4738):
            names = {4720: "created", 4722: "enabled", 4724: "password reset", 4725: "disabled",
                     4726: "deleted", 4738: "changed"}
            f = {"event": "account_" + names[eid].replace(" ", "_"), "user": _g(d, "TargetUserName"),
                 "by": _g(d, "SubjectUserName"), "sid": _g(d, "TargetSid")}
            return f"User account {names[eid]}: {_user(d)} by {_user(d, 'Subject')}", f
        if eid in (4728, 4732, 4756):
            f = {"event": "group_member_added", "group": _g(d, "TargetUserName"),
                 "member": _g(d, "MemberName", "MemberSid"), "by": _g(d, "SubjectUserName")}
            return f"Member {f['member']} added to group {_user(d)} by {_user(d, 'Subject')}", f
        if eid in (1102, 104):
            # the log that was cleared: 104 names it in its UserData; 1102 is the Security log's own record.
            # (Not under "channel": that is the record's own System/Channel, which channel-scoped rules read.)
            cleared = _g(d, "Channel")
            f = {"event": "log_cleared", "user": _g(d, "SubjectUserName"), "cleared_log": cleared or "Security"}
            what = f"channel {cleared}" if cleared else "Security log"
            return f"Event log cleared: {what} by {_user(d, 'Subject')}", f
    if provider == "Microsoft-Windows-TerminalServices-RemoteConnectionManager" and eid == 1149:
        f = {"event": "rdp_auth", "user": _g(d, "Param1"), "domain": _g(d, "Param2"), "ip": _g(d, "Param3")}
        return f"RDP network authentication succeeded: {f['domain']}\\{f['user']} from {f['ip']}", f
    if provider == "Microsoft-Windows-TerminalServices-LocalSessionManager" and eid in (21, 22, 23, 24, 25):
        names = {21: "logon", 22: "shell start", 23: "logoff", 24: "disconnected", 25: "reconnection"}
        f = {"event": "rdp_" + names[eid].replace(" ", "_"), "user": _g(d, "User"), "ip": _g(d, "Address"),
             "session": _g(d, "SessionID")}
        return f"RDP session {names[eid]}: {f['user']} from {f['ip'] or '-'} (session {f['session']})", f
    if provider == "Service Control Manager" and eid == 7045:
        f = {"event": "service_installed", "service": _g(d, "ServiceName"), "image": _g(d, "ImagePath"),
             "start_type": _g(d, "StartType"), "account": _g(d, "AccountName")}
        return f"Service installed: {f['service']} -> {f['image']} ({f['start_type']})", f
    if provider == "Microsoft-Windows-WindowsUpdateClient" and eid in (19, 20, 43, 44):
        names = {19: "installed", 20: "failed", 43: "installation started", 44: "download started"}
        f = {"event": "update_" + names[eid].split()[0], "update": _g(d, "updateTitle"),
             "error": _g(d, "errorCode")}
        return f"Windows Update {names[eid]}: {f['update']}", f
    if provider == SYSMON:
        if eid == 1:
            f = {"event": "process_created", "image": _g(d, "Image"), "command_line": _g(d, "CommandLine"),
                 "user": _g(d, "User"), "parent": _g(d, "ParentImage"), "hashes": _g(d, "Hashes")}
            return f"Sysmon process created: {f['command_line'] or f['image']} (parent {f['parent'] or '-'})", f
        if eid == 3:
            f = {"event": "network_connection", "image": _g(d, "Image"), "ip": _g(d, "DestinationIp"),
                 "port": d.get("DestinationPort"), "source_ip": _g(d, "SourceIp"), "protocol": _g(d, "Protocol")}
            return (f"Sysmon network connection: {f['image']} {f['source_ip']} -> {f['ip']}:{f['port']} "
                    f"{f['protocol']}"), f
        if eid == 11:
            f = {"event": "file_created", "image": _g(d, "Image"), "path": _g(d, "TargetFilename")}
            return f"Sysmon file created: {f['path']} by {f['image']}", f
        if eid in (12, 13, 14):
            f = {"event": "registry", "image": _g(d, "Image"), "key": _g(d, "TargetObject"),
                 "details": _g(d, "Details"), "type": _g(d, "EventType")}
            return f"Sysmon registry {f['type']}: {f['key']} = {f['details']} by {f['image']}", f
        if eid in (19, 20, 21):
            f = {"event": "wmi_subscription", "operation": _g(d, "Operation"), "name": _g(d, "Name"),
                 "consumer": _g(d, "Consumer"), "destination": _g(d, "Destination")}
            return f"Sysmon WMI event subscription ({eid}): {f['name'] or f['consumer']}", f
    return "", f


def _flatten(event: dict) -> dict:
    """EventData or UserData as a flat dict (``Data`` lists become Data_0..n)."""
    ed = event.get("EventData")
    if ed is None:
        ud = event.get("UserData")
        if isinstance(ud, dict) and ud:
            ed = next(iter(ud.values()))
    if not isinstance(ed, dict):
        return {} if ed is None else {"Data": ed}
    out = {}
    for k, v in ed.items():
        if k == "#attributes":
            continue
        if k == "Data" and isinstance(v, dict) and "#text" in v:
            t = v["#text"]
            if isinstance(t, list):
                for i, x in enumerate(t):
                    out[f"Data_{i}"] = x
            elif t != "":
                out["Data"] = t
            continue
        out[k] = v
    return out


def parse(src, report: ParseReport, *, host: str = "", evidence_id: str = "", threads: int = 0) -> Iterator[Event]:
    """src: a path (str) or a binary file object."""
    from evtx import PyEvtxParser

    report.parser = report.parser or NAME
    loads = json.loads
    encode = _ENCODER.encode
    if not hasattr(src, "read"):
        try:
            with open(src, "rb") as fh:
                head = fh.read(4096 + 8)
        except OSError as exc:
            report.fatal = f"cannot read: {exc.strerror or exc}"
            return
        if head[:8] != b"ElfFile\x00":
            report.fatal = "not an EVTX file (no 'ElfFile' header)"
            return
        if len(head) < 4104 or head[4096:4104] != b"ElfChnk\x00":
            report.skip("offset 4096", "first chunk damaged or missing (no 'ElfChnk' header)")
    try:
        parser = PyEvtxParser(str(src) if not hasattr(src, "read") else src, number_of_threads=threads,
                              skip_errors=True)
    except (OSError, RuntimeError) as exc:
        report.fatal = f"not a readable EVTX file: {exc}"
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        it = iter(parser.records_json())
        while True:
            try:
                rec = next(it)
            except StopIteration:
                break
            except (RuntimeError, OSError) as exc:  # unrecoverable: keep what we have
                report.skip("file", f"EVTX parsing stopped: {exc}")
                break
            if rec is None:  # the reader gives no record for this slot
                continue
            rid = rec.get("event_record_id")
            loc = f"record {rid}"
            try:
                ev: dict = loads(rec["data"])["Event"]
                system: dict = ev["System"]
                tc = system.get("TimeCreated") or {}
                stamp = (tc.get("#attributes") or {}).get("SystemTime")
                p = parse_iso(stamp) if stamp else None
                damaged = p is None or str(stamp).startswith("1601-")
                if damaged:
                    # a record whose template is lost (zeroed or cut chunk) still has the time its header
                    # was written: keep it there, flagged, rather than lose that something was logged
                    header_time = str(rec.get("timestamp") or "").removesuffix(" UTC")
                    p = parse_iso(header_time) if header_time and not header_time.startswith("1601-") else None
                    if p is None:
                        report.skip(loc, "record without a valid time")
                        continue
                    if len(report.problems) < report.keep:
                        report.problems.append((loc, "no valid TimeCreated: kept at its record header time"))
                eid = system.get("EventID")
                if isinstance(eid, dict):
                    eid = eid.get("#text")
                eid = int(eid or 0)
                provider = ((system.get("Provider") or {}).get("#attributes") or {}).get("Name") or ""
                channel = system.get("Channel") or ""
                data = _flatten(ev)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                report.skip(loc, f"unreadable record: {exc}")
                continue
            msg, extra = describe(provider, eid, data)
            if not msg:
                brief = ", ".join(f"{k}={v}" for k, v in list(data.items())[:6] if not isinstance(v, (dict, list)))
                msg = f"{provider} {eid}" + (f": {brief[:300]}" if brief else "")
            fields = {"event_id": eid, "provider": provider, "channel": channel, "record_id": rid,
                      "computer": system.get("Computer") or "", "data": data}
            if extra:
                fields.update(extra)
            if damaged:
                fields["damaged"] = True
                fields["time_source"] = "record header"
                msg = (msg if provider else "event data lost") + " (damaged record: time from the record header)"
            if p is None:  # not reached: a record without any valid time was skipped above
                continue
            report.events += 1
            yield Event(p[0], DESC_RECORDED, "evtx", NAME, f"[{eid}] {msg}", fields["computer"] or host, fields,
                        0, evidence_id, loc, encode(fields))
        for w in caught:
            if issubclass(w.category, RuntimeWarning):
                report.skip("file", str(w.message))
