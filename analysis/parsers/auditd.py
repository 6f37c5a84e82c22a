"""Linux audit logs (``/var/log/audit/audit.log``, raw or enriched with ``log_format = ENRICHED``):
``type=SYSCALL msg=audit(1783414661.335:485): arch=c000003e syscall=59 ... key="specimen_exec"``.

One event per record, time from ``audit(SECONDS.MILLIS:SERIAL)`` (a line without milliseconds or without
a type is skipped, as plaso does). Fields keep what Sigma's auditd rules match: ``type``, ``key``,
``syscall`` (the name, from the enriched ``SYSCALL=`` or the x86-64/i386 table), ``exe``, ``comm``,
``a0``..``aN`` (EXECVE arguments decoded from hex), ``proctitle`` (decoded), ``cwd``, ``name`` and
``nametype`` (PATH), ``auid``/``uid`` with their enriched names, the USER_* message's ``op``, ``acct``,
``addr``, ``res``; the record's ``serial`` ties the records of one event together. AVC records get the
SELinux fields (see selinux.py).
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from analysis.events import DESC_RECORDED, Event, ParseReport
from analysis.parsers import selinux

RE_HEAD = re.compile(r"^(?:node=(?P<node>\S+) )?type=(?P<type>[A-Z0-9_\[\]]+) msg=audit\((?P<s>\d+)\.(?P<ms>\d+):(?P<serial>\d+)\):\s?")
# A key starts after a space (or the enriched part's \x1d, which \s matches): without that anchor a long
# run of key characters with no "=" is rescanned from every position (quadratic in the line's length).
RE_KV = re.compile(r"(?:^|(?<=[\s'\"]))([A-Za-z0-9_-]+)=(\"[^\"]*\"|'[^']*'|\S*)")
HEX = re.compile(r"^(?:[0-9A-F]{2})+$")
SYSCALLS_X86_64 = {0: "read", 1: "write", 2: "open", 3: "close", 9: "mmap", 10: "mprotect", 21: "access",
                   41: "socket", 42: "connect", 43: "accept", 44: "sendto", 49: "bind", 50: "listen",
                   56: "clone", 57: "fork", 58: "vfork", 59: "execve", 62: "kill", 76: "truncate", 82: "rename",
                   83: "mkdir", 84: "rmdir", 87: "unlink", 88: "symlink", 90: "chmod", 92: "chown", 101: "ptrace",
                   105: "setuid", 106: "setgid", 113: "setreuid", 117: "setresuid", 165: "mount", 166: "umount2",
                   175: "init_module", 176: "delete_module", 257: "openat", 263: "unlinkat", 268: "fchmodat",
                   260: "fchownat", 288: "accept4", 313: "finit_module", 316: "renameat2", 319: "memfd_create",
                   322: "execveat", 264: "renameat", 266: "symlinkat", 91: "fchmod", 93: "fchown", 94: "lchown"}
SYSCALLS_I386 = {11: "execve", 5: "open", 197: "fstat64", 195: "stat64", 196: "lstat64", 102: "socketcall",
                 10: "unlink", 38: "rename", 15: "chmod", 23: "setuid", 120: "clone", 2: "fork", 190: "vfork",
                 128: "init_module", 129: "delete_module", 26: "ptrace", 21: "mount", 295: "openat", 358: "execveat"}
ARCH = {"c000003e": ("x86_64", SYSCALLS_X86_64), "40000003": ("i386", SYSCALLS_I386)}
KEEP_USER = ("op", "acct", "exe", "hostname", "addr", "terminal", "res", "cmd", "cwd", "grantors", "id")


def unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    return v


def decode_hex(v: str, sep: str = " ") -> str:
    """An audit value written as hex (it held a space, a quote or a control character) decoded."""
    if v.startswith('"') or not HEX.match(v):
        return unquote(v)
    try:
        return bytes.fromhex(v).decode("utf-8", "backslashreplace").replace("\0", sep)
    except ValueError:
        return v


def _kv(text: str) -> dict:
    return {k: v for k, v in RE_KV.findall(text)}


def parse(lines: Iterable[tuple[int, str]], report: ParseReport, *, host: str = "", evidence_id: str = "") -> Iterator[Event]:
    report.parser = report.parser or "auditd"
    for n, line in lines:
        if not line.strip():
            continue
        m = RE_HEAD.match(line)
        if not m:
            report.skip(f"line {n}", "not an audit record (type=... msg=audit(SECONDS.MILLIS:SERIAL):)")
            continue
        rtype = m.group("type")
        ts = int(m.group("s")) * 1_000_000 + int(m.group("ms")[:3].ljust(3, "0")) * 1000
        body = line[m.end():]
        enriched = ""
        if "\x1d" in body:
            body, _, enriched = body.partition("\x1d")
        kv = {k: v for k, v in _kv(body).items()}
        inner = kv.get("msg")
        fields: dict = {"type": rtype, "serial": int(m.group("serial"))}
        if m.group("node"):
            fields["node"] = m.group("node")
        if inner and inner.startswith("'"):  # USER_* records: the interesting pairs are inside msg='...'
            ikv = _kv(unquote(inner))
            for k in KEEP_USER:
                if k in ikv:
                    fields[k] = unquote(ikv[k])
            kv.pop("msg", None)
        for k, v in kv.items():
            if k in fields:
                continue
            if k == "key":
                fields["key"] = None if v == "(null)" else unquote(v)
            elif k in ("proctitle",):
                fields[k] = decode_hex(v)
            elif rtype == "EXECVE" and re.fullmatch(r"a\d+", k):
                fields[k] = decode_hex(v, sep="\0")
            elif k in ("exe", "comm", "cwd", "name", "path", "cmd"):
                fields[k] = decode_hex(v)
            else:
                fields[k] = unquote(v)
        for k, v in _kv(enriched).items():
            fields[f"{k.lower()}_name" if k in ("UID", "AUID", "GID", "EUID", "SUID", "FSUID", "EGID", "SGID",
                                                 "FSGID", "OUID", "OGID", "OLD-AUID") else k.lower()] = unquote(v)
        if rtype == "SYSCALL" and "syscall" in fields:
            named = fields.pop("syscall_name", None) if "syscall_name" in fields else None
            arch, table = ARCH.get(str(fields.get("arch", "")).lower(), (None, {}))
            if named is None:
                try:
                    named = table.get(int(fields["syscall"]))
                except ValueError:
                    named = fields["syscall"]
            fields["syscall_number"] = fields["syscall"]
            if named:
                fields["syscall"] = named
            if arch:
                fields["arch_name"] = arch
        if rtype == "EXECVE":
            argc = int(fields.get("argc") or 0) if str(fields.get("argc", "")).isdigit() else 0
            args = [fields.get(f"a{i}", "") for i in range(argc)]
            fields["command_line"] = " ".join(args)
        if rtype in ("AVC", "USER_AVC"):
            avc = selinux.avc_fields(body, {k: unquote(v) for k, v in kv.items()})
            fields.update(avc)
            msg = selinux.message(rtype, {k: unquote(v) for k, v in kv.items()}, avc)
        else:
            msg = _message(rtype, fields)
        report.events += 1
        yield Event(ts, DESC_RECORDED, "audit", "auditd", msg, host, fields, 0, evidence_id, f"line {n}")


def _message(rtype: str, f: dict) -> str:
    if rtype == "SYSCALL":
        return (f"audit SYSCALL {f.get('syscall')} {'ok' if f.get('success') == 'yes' else 'failed'} "
                f"exe={f.get('exe', '')} comm={f.get('comm', '')} auid={f.get('auid', '')} uid={f.get('uid', '')}"
                + (f" key={f['key']}" if f.get("key") else ""))
    if rtype == "EXECVE":
        return f"audit EXECVE {f.get('command_line', '')}"
    if rtype == "PROCTITLE":
        return f"audit PROCTITLE {f.get('proctitle', '')}"
    if rtype == "PATH":
        return f"audit PATH {f.get('name', '')} ({f.get('nametype', '')})"
    if rtype == "CWD":
        return f"audit CWD {f.get('cwd', '')}"
    parts = [f"{k}={f[k]}" for k in ("op", "acct", "exe", "addr", "terminal", "res", "cmd") if f.get(k) not in (None, "", "?")]
    if not parts:
        parts = [f"{k}={v}" for k, v in f.items() if k not in ("type", "serial")][:8]
    return f"audit {rtype} " + " ".join(parts)
