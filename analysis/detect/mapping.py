"""Field mappings: which Sigma log sources a timeline event belongs to, and its fields under Sigma names.

A timeline row (``source``, ``message``, ``fields``) becomes ``(keys, raw)``: ``keys`` are the log-source
buckets whose rules can match it (``windows/process_creation``, ``windows/service:security``,
``linux/service:sshd``, ``any/webserver``...), ``raw`` its fields under lower-case Sigma names. Field names
are compared case-insensitively (Windows event data names are not case-significant, and rule authors
spell them both ways).

- Windows (``evtx``): every EventData/UserData field as it is named in the record (and without its
  spaces: Defender's ``Source Name`` is ``SourceName``; unnamed ``<Data>`` items, kept as Data_0..n, are also
  ``Data`` joined by newlines, as classic PowerShell rules expect), plus ``EventID``,
  ``Channel``, ``Provider_Name``, ``Computer``, ``EventRecordID``. Sysmon events get their category from
  the event id (pySigma's sysmon pipeline table). Security 4688 is also ``process_creation`` (Image =
  NewProcessName, ParentImage = ParentProcessName, User = SubjectDomainName\\SubjectUserName, LogonId =
  SubjectLogonId, IntegrityLevel from MandatoryLabel) and 4657 ``registry_set``/``registry_event``
  (TargetObject = ObjectName\\ObjectValueName with ``\\REGISTRY\\MACHINE`` as ``HKLM``, as early Sysmon
  versions' TargetObject too; Details =
  NewValue, Image = ProcessName), as pySigma's windows-audit pipeline does. Channels map to Sigma services
  with pySigma's ``windows_logsource_mapping``; PowerShell 4103/4104/400/600/800 to the ``ps_*`` categories.
- Linux syslog/journal (``auth``, ``syslog``, ``journal``...): service ``syslog`` for every line, the
  program's name (``sshd``, ``sudo``, ``cron``, ``vsftpd``...) and ``auth`` for authentication lines;
  keywords search the message; fields are UngCuu's typed fields (``event``, ``user``, ``ip``, ``program``...).
  A sudo ``COMMAND=`` line is also ``linux/process_creation`` (CommandLine = the command, Image = its
  first word, User = the target account).
  auditd events (source ``audit``) are ``linux/service:auditd`` with their record fields
  (``type``, ``key``, ``exe``, ``comm``, ``a0``...); EXECVE records are also ``linux/process_creation``
  (CommandLine = the arguments joined, Image = the first argument, ``/word`` when it has no slash, as for
  shell history: the record itself does not name the executable's path).
- Shell history lines are ``linux/process_creation``: CommandLine = the line; the line has no path, so
  Image is the first word as written, and ``/word`` when it has no slash (so ``Image|endswith: '/wget'``
  applies to ``wget ...``); the finding shows the line as recorded.
- Web access logs (``web``): ``any/webserver`` (and ``any/service:apache`` / ``nginx`` by server) with
  the W3C names Sigma uses: ``c-uri`` (path with query), ``cs-uri-stem``, ``cs-uri-query`` (also the whole
  request target: SigmaHQ's web rules look for ``../../etc/`` and the like in it, as other Sigma tools map
  it; the bare query is ``query``), ``cs-method``,
  ``sc-status``, ``c-useragent``, ``cs-referer``, ``c-ip``, ``cs-username``, ``cs-host``; keywords search the
  request line.
"""
from __future__ import annotations

import json

SYSMON_PROVIDER = "microsoft-windows-sysmon"
SYSMON_CATEGORIES = {
    1: ("process_creation",), 2: ("file_change",), 3: ("network_connection",), 4: ("sysmon_status",),
    5: ("process_termination",), 6: ("driver_load",), 7: ("image_load",), 8: ("create_remote_thread",),
    9: ("raw_access_thread",), 10: ("process_access",), 11: ("file_event",),
    12: ("registry_add", "registry_delete", "registry_event"), 13: ("registry_set", "registry_event"),
    14: ("registry_rename", "registry_event"), 15: ("create_stream_hash",), 16: ("sysmon_status",),
    17: ("pipe_created",), 18: ("pipe_created",), 19: ("wmi_event",), 20: ("wmi_event",), 21: ("wmi_event",),
    22: ("dns_query",), 23: ("file_delete",), 24: ("clipboard_capture",), 25: ("process_tampering",),
    26: ("file_delete", "file_delete_detected"), 27: ("file_block_executable",), 28: ("file_block_shredding",),
    29: ("file_executable_detected",), 255: ("sysmon_error",),
}
# Sigma service -> Windows channel (pySigma's windows_logsource_mapping)
SERVICE_CHANNELS = {
    "security": ["Security"], "application": ["Application"], "system": ["System"],
    "sysmon": ["Microsoft-Windows-Sysmon/Operational"],
    "powershell": ["Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"],
    "powershell-classic": ["Windows PowerShell"],
    "taskscheduler": ["Microsoft-Windows-TaskScheduler/Operational"],
    "wmi": ["Microsoft-Windows-WMI-Activity/Operational"], "dns-server": ["DNS Server"],
    "dns-server-audit": ["Microsoft-Windows-DNS-Server/Audit"],
    "dns-server-analytic": ["Microsoft-Windows-DNS-Server/Analytical"],
    "driver-framework": ["Microsoft-Windows-DriverFrameworks-UserMode/Operational"],
    "ntlm": ["Microsoft-Windows-NTLM/Operational"], "dhcp": ["Microsoft-Windows-DHCP-Server/Operational"],
    "msexchange-management": ["MSExchange Management"],
    "applocker": ["Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
                  "Microsoft-Windows-AppLocker/Packaged app-Deployment",
                  "Microsoft-Windows-AppLocker/Packaged app-Execution"],
    "printservice-admin": ["Microsoft-Windows-PrintService/Admin"],
    "printservice-operational": ["Microsoft-Windows-PrintService/Operational"],
    "codeintegrity-operational": ["Microsoft-Windows-CodeIntegrity/Operational"],
    "smbclient-security": ["Microsoft-Windows-SmbClient/Security"],
    "smbclient-connectivity": ["Microsoft-Windows-SmbClient/Connectivity"],
    "smbserver-connectivity": ["Microsoft-Windows-SMBServer/Connectivity"],
    "firewall-as": ["Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"],
    "bits-client": ["Microsoft-Windows-Bits-Client/Operational"],
    "windefend": ["Microsoft-Windows-Windows Defender/Operational"],
    "terminalservices-localsessionmanager": ["Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"],
    "microsoft-servicebus-client": ["Microsoft-ServiceBus-Client"],
    "ldap_debug": ["Microsoft-Windows-LDAP-Client/Debug"], "ldap": ["Microsoft-Windows-LDAP-Client/Debug"],
    "security-mitigations": ["Microsoft-Windows-Security-Mitigations/Kernel Mode",
                             "Microsoft-Windows-Security-Mitigations/User Mode"],
    "diagnosis-scripted": ["Microsoft-Windows-Diagnosis-Scripted/Operational"],
    "shell-core": ["Microsoft-Windows-Shell-Core/Operational"], "openssh": ["OpenSSH/Operational"],
    "bitlocker": ["Microsoft-Windows-BitLocker/BitLocker Management"], "vhdmp": ["Microsoft-Windows-VHDMP/Operational"],
    "appxdeployment-server": ["Microsoft-Windows-AppXDeploymentServer/Operational"],
    "lsa-server": ["Microsoft-Windows-LSA/Operational"],
    "appxpackaging-om": ["Microsoft-Windows-AppxPackaging/Operational"],
    "dns-client": ["Microsoft-Windows-DNS Client Events/Operational"],
    "appmodel-runtime": ["Microsoft-Windows-AppModel-Runtime/Admin"],
    "capi2": ["Microsoft-Windows-CAPI2/Operational"],
    "certificateservicesclient-lifecycle-system":
        ["Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"],
    "iis-configuration": ["Microsoft-IIS-Configuration/Operational"],
}
CHANNEL_SERVICES: dict[str, list[str]] = {}
for _svc, _chans in SERVICE_CHANNELS.items():
    for _c in _chans:
        CHANNEL_SERVICES.setdefault(_c.lower(), []).append(_svc)
POWERSHELL_CATEGORIES = {4103: "ps_module", 4104: "ps_script", 400: "ps_classic_start",
                         600: "ps_classic_provider_start", 800: "ps_classic_script"}
INTEGRITY = {"S-1-16-4096": "Low", "S-1-16-8192": "Medium", "S-1-16-8448": "Medium Plus",
             "S-1-16-12288": "High", "S-1-16-16384": "System"}
LINUX_SOURCES = frozenset({"auth", "syslog", "journal", "kernel", "cron"})  # analysis/parsers/syslog.py, journal.py


def _registry_path(name: str) -> str:
    low = name.lower()
    for prefix, short in (("\\registry\\machine", "HKLM"), ("\\registry\\user", "HKU")):
        if low.startswith(prefix):
            return short + name[len(prefix):]
    return name


def _windows(fields: dict) -> tuple[list[str], dict]:
    data = fields.get("data")
    raw = {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else {}
    for k in [k for k in raw if " " in k]:  # Defender's "Source Name" is Sigma's SourceName
        raw.setdefault(k.replace(" ", ""), raw[k])
    if "data_0" in raw and "data" not in raw:  # unnamed <Data> items (classic PowerShell 400/600/800)
        raw["data"] = "\n".join(str(raw[f"data_{i}"]) for i in range(len(raw)) if f"data_{i}" in raw)
    eid = fields.get("event_id")
    provider = str(fields.get("provider") or "")
    channel = str(fields.get("channel") or "")
    raw["eventid"] = eid
    raw["channel"] = channel
    raw["provider_name"] = provider
    raw["computer"] = fields.get("computer") or ""
    raw["eventrecordid"] = fields.get("record_id")
    keys = ["windows/"]
    for svc in CHANNEL_SERVICES.get(channel.lower(), ()):
        keys.append("windows/service:" + svc)
    plow = provider.lower()
    if plow == SYSMON_PROVIDER:
        keys.extend("windows/" + c for c in (SYSMON_CATEGORIES.get(eid, ()) if eid is not None else ()))
        target = raw.get("targetobject")
        if eid in (12, 13, 14) and isinstance(target, str) and target[:10].lower() == "\\registry\\":
            raw["targetobject"] = _registry_path(target)  # Sysmon before v8 wrote \REGISTRY\MACHINE\...
    elif channel == "Security" or plow == "microsoft-windows-security-auditing":
        if eid == 4688:
            keys.append("windows/process_creation")
            raw.setdefault("image", raw.get("newprocessname"))
            raw.setdefault("parentimage", raw.get("parentprocessname"))
            raw.setdefault("parentprocessid", raw.get("processid"))
            user, dom = raw.get("subjectusername"), raw.get("subjectdomainname")
            raw.setdefault("user", f"{dom}\\{user}" if dom and user else user)
            raw.setdefault("logonid", raw.get("subjectlogonid"))
            label = raw.get("mandatorylabel")
            if label:
                raw.setdefault("integritylevel", INTEGRITY.get(str(label), label))
        elif eid == 4657:
            keys.extend(("windows/registry_set", "windows/registry_event"))
            obj = str(raw.get("objectname") or "")
            val = raw.get("objectvaluename")
            raw.setdefault("targetobject", _registry_path(obj) + (f"\\{val}" if val else ""))
            raw.setdefault("details", raw.get("newvalue"))
            raw.setdefault("image", raw.get("processname"))
    elif eid in POWERSHELL_CATEGORIES and ("powershell" in channel.lower()):
        keys.append("windows/" + POWERSHELL_CATEGORIES[eid])
    return keys, raw


def _linux_log(source: str, fields: dict, message: str) -> tuple[list[str], dict]:
    raw = {str(k).lower(): v for k, v in fields.items() if not isinstance(v, (dict, list))}
    keys = ["linux/", "linux/service:syslog"]
    prog = str(fields.get("program") or "").lower()
    if prog:
        keys.append("linux/service:" + prog)
        if prog == "sshd":
            keys.append("linux/service:openssh")
    if source == "auth":
        keys.append("linux/service:auth")
    cmd = fields.get("command")
    if fields.get("event") == "sudo" and isinstance(cmd, str) and cmd.strip():
        keys.append("linux/process_creation")
        raw["commandline"] = cmd
        raw["image"] = cmd.split(None, 1)[0]
        raw.setdefault("user", fields.get("target"))
    raw["\x00text"] = message
    return keys, raw


def _auditd(fields: dict, message: str) -> tuple[list[str], dict]:
    raw = {str(k).lower(): v for k, v in fields.items() if not isinstance(v, (dict, list))}
    keys = ["linux/", "linux/service:auditd"]
    if str(raw.get("type", "")).upper() == "EXECVE":
        # The program's arguments (a SYSCALL record's a0..a3 are the system call's, not argv).
        args = [str(raw[f"a{i}"]) for i in range(64) if f"a{i}" in raw]
        cmd = str(raw.get("command_line") or " ".join(args))
        if cmd.strip():
            keys.append("linux/process_creation")
            raw.setdefault("commandline", cmd)
            word = args[0] if args else cmd.split(None, 1)[0]
            raw.setdefault("image", raw.get("exe") or (word if "/" in word else "/" + word))
    raw["\x00text"] = message
    return keys, raw


def _history(fields: dict, message: str) -> tuple[list[str], dict]:
    cmd = str(fields.get("command") or message or "")
    word = cmd.split(None, 1)[0] if cmd.strip() else ""
    raw = {"commandline": cmd, "image": word if "/" in word or not word else "/" + word,
           "user": fields.get("user") or "", "\x00text": cmd}
    return ["linux/", "linux/process_creation"], raw


def _web(fields: dict, message: str) -> tuple[list[str], dict]:
    path = str(fields.get("path") or "")
    stem, _, query = path.partition("?")
    raw = {"c-uri": path, "cs-uri": path, "cs-uri-stem": stem, "cs-uri-query": path, "query": query,
           "cs-method": fields.get("method"),
           "sc-status": fields.get("status"), "c-useragent": fields.get("user_agent"),
           "cs-user-agent": fields.get("user_agent"), "cs-referer": fields.get("referer"),
           "c-ip": fields.get("ip"), "cs-username": fields.get("user"), "cs-host": fields.get("vhost"),
           "cs-version": fields.get("protocol"), "\x00text": message}
    keys = ["any/webserver"]
    server = str(fields.get("server") or "").lower()
    if server in ("apache", "nginx", "iis"):
        keys.append("any/service:" + server)
    return keys, raw


def view(source: str, fields, message: str = "") -> tuple[list[str], dict]:
    """(log-source keys, fields under lower-case Sigma names) of one timeline event."""
    if isinstance(fields, str):
        try:
            fields = json.loads(fields) if fields else {}
        except ValueError:
            fields = {}
    if not isinstance(fields, dict):
        fields = {}
    if source == "evtx":
        return _windows(fields)
    if source == "web":
        return _web(fields, message)
    if source in ("audit", "auditd"):  # analysis/parsers/auditd.py writes source "audit"
        return _auditd(fields, message)
    if source.endswith("_history"):
        return _history(fields, message)
    if source in LINUX_SOURCES:
        return _linux_log(source, fields, message)
    raw = {str(k).lower(): v for k, v in fields.items() if not isinstance(v, (dict, list))}
    raw["\x00text"] = message
    return ["other/" + source], raw


def rule_keys(logsource: dict) -> list[str]:
    """The buckets a rule's logsource selects (empty: no UngCuu event can have that log source)."""
    product = str(logsource.get("product") or "").lower()
    category = str(logsource.get("category") or "").lower()
    service = str(logsource.get("service") or "").lower()
    if product in ("", "any") and category == "webserver":
        return ["any/webserver"]
    if product in ("apache", "nginx", "iis") or (not product and service in ("apache", "nginx", "iis")):
        return ["any/service:" + (service if service in ("apache", "nginx", "iis") else product)] \
            if category != "webserver" else ["any/webserver"]
    if product not in ("windows", "linux"):
        return [f"{product or 'any'}/{category or ('service:' + service if service else '')}"]
    if category:
        return [f"{product}/{category}"]
    if service:
        return [f"{product}/service:{service}"]
    return [f"{product}/"]


KNOWN_PREFIXES = ("windows/", "linux/", "any/webserver", "any/service:")
