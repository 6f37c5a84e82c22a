"""The fields each log source's events carry, to warn about rules that name a field no event has.

Only log sources with a fixed schema are checked (Sysmon categories, Security 4688 as process creation,
web access logs); Windows services (``security``, ``system``...) carry whatever EventData the provider
writes, so any field name is accepted there.
"""
from __future__ import annotations

_COMMON = {"eventid", "channel", "provider_name", "computer", "eventrecordid", "rulename", "utctime",
           "processguid", "processid", "image", "user", "sequencenumber", "version", "level", "task",
           "opcode", "keywords"}
_PROC = {"fileversion", "description", "product", "company", "originalfilename", "commandline",
         "currentdirectory", "logonguid", "logonid", "terminalsessionid", "integritylevel", "hashes", "md5",
         "sha1", "sha256", "imphash", "parentprocessguid", "parentprocessid", "parentimage",
         "parentcommandline", "parentuser",
         # Security 4688
         "subjectusersid", "subjectusername", "subjectdomainname", "subjectlogonid", "newprocessid",
         "newprocessname", "tokenelevationtype", "targetusersid", "targetusername", "targetdomainname",
         "targetlogonid", "parentprocessname", "mandatorylabel"}
_FILE = {"targetfilename", "creationutctime", "previouscreationutctime", "hashes", "md5", "sha1", "sha256",
         "imphash", "isexecutable", "archived", "contents"}
_REG = {"eventtype", "targetobject", "details", "newname",
        # Security 4657
        "objectname", "objectvaluename", "newvalue", "oldvalue", "processname", "operationtype",
        "subjectusername", "subjectdomainname"}
SCHEMAS = {
    "windows/process_creation": _COMMON | _PROC,
    "windows/file_event": _COMMON | _FILE,
    "windows/file_delete": _COMMON | _FILE,
    "windows/file_change": _COMMON | _FILE,
    "windows/registry_set": _COMMON | _REG,
    "windows/registry_add": _COMMON | _REG,
    "windows/registry_delete": _COMMON | _REG,
    "windows/registry_event": _COMMON | _REG,
    "windows/network_connection": _COMMON | {
        "protocol", "initiated", "sourceisipv6", "sourceip", "sourcehostname", "sourceport", "sourceportname",
        "destinationisipv6", "destinationip", "destinationhostname", "destinationport", "destinationportname"},
    "windows/dns_query": _COMMON | {"queryname", "querystatus", "queryresults"},
    "windows/pipe_created": _COMMON | {"eventtype", "pipename"},
    "any/webserver": {"c-uri", "cs-uri", "query", "cs-uri-stem", "cs-uri-query", "cs-method", "sc-status", "c-useragent",
                      "cs-user-agent", "cs-referer", "c-ip", "cs-username", "cs-host", "cs-version", "date",
                      "time", "c-uri-query", "c-uri-extension", "cs-cookie", "s-ip", "s-port"},
}


def unknown_fields(rule) -> list[str]:
    out: list[str] = []
    for key in rule.keys:
        known = SCHEMAS.get(key)
        if known is None:
            return []
        out.extend(f for f in rule.fields if f not in known)
    return sorted(set(out))
