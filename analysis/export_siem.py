"""Bounded exports for shared platforms: Timesketch (one timeline per host) and SIEM (ECS NDJSON).

- ``timesketch``: JSONL whose field set is bounded whatever the sources: the Timesketch columns
  (message, datetime, timestamp, timestamp_desc), the provenance (source, parser, hostname, evidence_id,
  locator) and the common fields of `COMMON` as their own columns (as text: Timesketch types a field by
  the first value it sees); every other field (an EVTX record's EventData names, one per name, more than
  Timesketch's default limit of 1,000 fields in an index) goes into one text field ``extra`` (JSON).
- ``ecs``: NDJSON in the Elastic Common Schema (8.x): ``@timestamp``, ``message``, ``event.*``,
  ``host.name``, ``user.name``/``user.domain``, ``source.ip``/``source.port``, ``process.*``,
  ``file.*``, ``labels`` (provenance, service and task names), ``ungcuu.extra`` (the other fields, one
  JSON text). A value that does not fit its ECS type (an address that is no IP, a port that is no
  number) stays in ``ungcuu.extra`` so a bulk load never rejects the document. ``ecs-bulk`` writes the
  ``{"index": {"_index": ...}}`` action line before each document for Elasticsearch/OpenSearch
  ``_bulk``; Wazuh-style pipelines and Filebeat read the plain NDJSON.
- ``write_per_host(case, fmt, folder)``: one file per host of an incident case (``<host>.jsonl``),
  for one Timesketch timeline per host.
"""
from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import IO, Iterable

from analysis import timeline
from analysis.events import iso_z

COMMON = ("event", "event_id", "provider", "channel", "record_id", "computer", "user", "domain", "target_user",
          "ip", "port", "source_ip", "workstation", "logon_type", "logon_id", "session", "program", "pid", "image",
          "command_line", "parent", "service", "task", "path", "method", "status", "url", "agent", "sha256",
          "md5", "sha1", "hashes", "size", "macb", "mode", "uid", "gid", "inode", "name", "version")
BASE = ("message", "datetime", "timestamp", "timestamp_desc", "source", "parser", "hostname", "evidence_id",
        "locator", "extra")
ECS_VERSION = "8.11.0"
FIELD_LIMIT = 1000  # Timesketch's (OpenSearch's) default index.mapping.total_fields.limit


def _text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return str(v)


def timesketch_record(row: dict) -> dict:
    rec = {"message": row["message"], "datetime": row["datetime"], "timestamp": row["ts"],
           "timestamp_desc": row["timestamp_desc"], "source": row["source"], "parser": row["parser"],
           "hostname": row.get("host") or "", "evidence_id": row["evidence_id"], "locator": row["locator"]}
    extra = {}
    for k, v in (row.get("fields") or {}).items():
        if v is None or v == "":
            continue
        if k in COMMON:
            rec[k] = _text(v)
        else:
            extra[k] = v
    if extra:
        rec["extra"] = _text(extra)
    return rec


def _ip(v) -> str | None:
    try:
        return str(ipaddress.ip_address(str(v).strip().strip("[]")))
    except ValueError:
        return None


def _int(v) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    try:
        return int(str(v), 0)
    except ValueError:
        return None


_CATEGORY = {"logon": ("authentication", "start"), "logon_failed": ("authentication", "start"),
             "ssh_accepted": ("authentication", "start"), "ssh_failed": ("authentication", "start"),
             "logoff": ("authentication", "end"), "process_created": ("process", "start"),
             "service_installed": ("configuration", "creation"), "network_connection": ("network", "connection")}


def ecs_record(row: dict) -> dict:
    f = dict(row.get("fields") or {})
    action = str(f.get("event") or "")
    cat = _CATEGORY.get(action)
    event = {"kind": "event", "module": "ungcuu", "dataset": f"ungcuu.{row['source']}", "provider": row["parser"],
             "action": action or row["timestamp_desc"]}
    if cat:
        event["category"] = [cat[0]]
        event["type"] = [cat[1]]
        if action in ("logon_failed", "ssh_failed"):
            event["outcome"] = "failure"
        elif cat[0] == "authentication" and cat[1] == "start":
            event["outcome"] = "success"
    if f.get("event_id") is not None and _int(f["event_id"]) is not None:
        event["code"] = str(_int(f["event_id"]))
    doc: dict = {"@timestamp": iso_z(row["ts"]), "message": row["message"], "event": event,
                 "ecs": {"version": ECS_VERSION},
                 "labels": {"evidence_id": row["evidence_id"], "locator": row["locator"],
                            "timestamp_desc": row["timestamp_desc"], "ungcuu_source": row["source"],
                            "local_datetime": row["datetime"]},
                 "tags": ["ungcuu"]}
    if row.get("host"):
        doc["host"] = {"name": row["host"]}
    extra = {}
    user = f.pop("user", None)
    if user:
        doc["user"] = {"name": str(user)}
        if f.get("domain"):
            doc["user"]["domain"] = str(f.pop("domain"))
    src: dict = {}
    for key in ("ip", "source_ip"):
        if f.get(key):
            ip = _ip(f[key])
            if ip and "ip" not in src:
                src["ip"] = ip
                f.pop(key)
    if f.get("port") not in (None, ""):
        p = _int(f["port"])
        if p is not None and 0 <= p <= 65535 and src:
            src["port"] = p
            f.pop("port")
    if src:
        doc["source"] = src
    proc: dict = {}
    image = f.pop("image", None) or None
    if image:
        proc["executable"] = str(image)
        proc["name"] = str(image).replace("\\", "/").rsplit("/", 1)[-1]
    elif f.get("program"):
        proc["name"] = str(f.pop("program"))
    if f.get("command_line"):
        proc["command_line"] = str(f.pop("command_line"))
    if f.get("pid") not in (None, "") and _int(f["pid"]) is not None:
        proc["pid"] = _int(f.pop("pid"))
    if f.get("parent"):
        proc["parent"] = {"executable": str(f.pop("parent"))}
    if proc:
        doc["process"] = proc
    file: dict = {}
    if row["source"] == "file" and f.get("path"):
        file["path"] = str(f.pop("path"))
    hashes = {k: str(f.pop(k)).lower() for k in ("sha256", "md5", "sha1") if f.get(k)}
    if hashes:
        file["hash"] = hashes
    if file:
        doc["file"] = file
    for k in ("service", "task", "logon_type", "channel", "provider", "computer"):
        if f.get(k) not in (None, ""):
            doc["labels"][k] = _text(f.pop(k))
    for k, v in f.items():
        if v is not None and v != "" and k != "event":
            extra[k] = v
    if extra:
        doc["ungcuu"] = {"extra": _text(extra)}
    return doc


def write_timesketch(rows: Iterable[dict], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(timesketch_record(row), ensure_ascii=False, default=str) + "\n")
        n += 1
    return n


def write_ecs(rows: Iterable[dict], out: IO[str], index: str | None = None) -> int:
    """ECS NDJSON; with `index`, each document is preceded by its `_bulk` action line."""
    action = json.dumps({"index": {"_index": index}}) + "\n" if index else ""
    n = 0
    for row in rows:
        out.write(action + json.dumps(ecs_record(row), ensure_ascii=False, default=str) + "\n")
        n += 1
    return n


def write_per_host(case, fmt: str, folder, flt: timeline.Filter | None = None) -> dict[str, Path]:
    """One file per host (``<host>.jsonl`` or ``<host>.ndjson``): {host: path}."""
    from dataclasses import replace

    from analysis.hosts import safe_host

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for host in timeline.host_counts(case):
        sub = replace(flt or timeline.Filter(), hosts=[host]) if host else flt
        path = folder / (safe_host(host or "unknown-host") + (".jsonl" if fmt == "timesketch" else ".ndjson"))
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            rows = timeline.events(case, sub)
            if not host:
                rows = (r for r in rows if not r.get("host"))
            if fmt == "timesketch":
                write_timesketch(rows, fh)
            else:
                write_ecs(rows, fh, index=f"ungcuu-{safe_host(host).lower()}" if fmt == "ecs-bulk" else None)
        out[host] = path
    return out
