"""The kernel's neighbour table (ARP and IPv6 neighbours) over rtnetlink: what `ip neigh` shows, read
from the kernel directly instead of running the host's `ip` program (which a compromised host can replace).

    neighbours_netlink() -> [{address, lladdr, iface, state}]      (Linux; raises OSError elsewhere)
"""
from __future__ import annotations

import ipaddress
import os
import socket
import struct
from collections.abc import Iterator

RTM_NEWNEIGH, RTM_GETNEIGH = 28, 30
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NDA_DST, NDA_LLADDR = 1, 2
NUD_STATES = {0x01: "INCOMPLETE", 0x02: "REACHABLE", 0x04: "STALE", 0x08: "DELAY", 0x10: "PROBE", 0x20: "FAILED",
              0x40: "NOARP", 0x80: "PERMANENT"}
_HDR = struct.Struct("=IHHII")          # nlmsghdr: len, type, flags, seq, pid
_NDMSG = struct.Struct("=BBHiHBB")      # ndmsg: family, pad, pad, ifindex, state, flags, type
_RTA = struct.Struct("=HH")             # rtattr: len, type


def _align(n: int) -> int:
    return (n + 3) & ~3


def _state(bits: int) -> str:
    return ",".join(name for bit, name in NUD_STATES.items() if bits & bit) or "NONE"


def _parse(payload: bytes, names: dict[int, str]) -> dict | None:
    family, _, _, ifindex, state, _, _ = _NDMSG.unpack_from(payload)
    attrs: dict[int, bytes] = {}
    pos = _align(_NDMSG.size)
    while pos + _RTA.size <= len(payload):
        length, kind = _RTA.unpack_from(payload, pos)
        if length < _RTA.size:
            break
        attrs[kind] = payload[pos + _RTA.size:pos + length]
        pos += _align(length)
    dst = attrs.get(NDA_DST)
    if dst is None or family not in (socket.AF_INET, socket.AF_INET6):
        return None
    lladdr = attrs.get(NDA_LLADDR)
    return {"address": str(ipaddress.ip_address(dst)),
            "lladdr": ":".join(f"{b:02x}" for b in lladdr) if lladdr else None,
            "iface": names.get(ifindex, str(ifindex)), "state": _state(state)}


def _replies(sock: socket.socket, seq: int, size: int, *, acks: bool = False) -> Iterator[tuple[int, bytes]]:
    """The (type, payload) of each netlink message answering request `seq`, up to NLMSG_DONE or the end
    of the stream. An NLMSG_ERROR with a code raises OSError(code); one with code 0 (an acknowledgement) is
    yielded when `acks`, else passed over."""
    while True:
        data = sock.recv(size)
        if not data:
            return
        pos = 0
        while pos + _HDR.size <= len(data):
            length, kind, _, got_seq, _ = _HDR.unpack_from(data, pos)
            if length < _HDR.size:
                return
            payload = data[pos + _HDR.size:pos + length]
            pos += _align(length)
            if got_seq != seq:
                continue
            if kind == NLMSG_DONE:
                return
            if kind == NLMSG_ERROR:
                code = -struct.unpack_from("=i", payload)[0]
                if code:
                    raise OSError(code, os.strerror(code))
                if acks:
                    yield kind, payload
                continue
            yield kind, payload


def neighbours_netlink(timeout: float = 5.0) -> list[dict]:
    names = {i: n for i, n in socket.if_nameindex()}
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | getattr(socket, "SOCK_CLOEXEC", 0),
                         getattr(socket, "NETLINK_ROUTE", 0))
    try:
        sock.settimeout(timeout)
        sock.bind((0, 0))
        seq = int.from_bytes(os.urandom(4), "little") or 1
        body = _NDMSG.pack(socket.AF_UNSPEC, 0, 0, 0, 0, 0, 0)
        sock.send(_HDR.pack(_HDR.size + len(body), RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body)
        rows: list[dict] = []
        for kind, payload in _replies(sock, seq, 1 << 16):
            if kind == RTM_NEWNEIGH and len(payload) >= _NDMSG.size:
                row = _parse(payload, names)
                if row is not None:
                    rows.append(row)
        return rows
    finally:
        sock.close()


# ---------------------------------------------------------------- the kernel's audit rules (NETLINK_AUDIT)
# What `auditctl -l` and `auditctl -s` show, asked of the kernel directly (include/uapi/linux/audit.h).
NETLINK_AUDIT = 9
AUDIT_GET, AUDIT_ADD_RULE, AUDIT_DEL_RULE, AUDIT_LIST_RULES = 1000, 1011, 1012, 1013
NLM_F_ACK = 0x4
AUDIT_BITMASK_SIZE = AUDIT_MAX_FIELDS = 64
# struct audit_rule_data: flags, action, field_count, mask[64], fields[64], values[64], fieldflags[64], buflen, buf[]
_RULE = struct.Struct(f"=III{AUDIT_BITMASK_SIZE}I{AUDIT_MAX_FIELDS}I{AUDIT_MAX_FIELDS}I{AUDIT_MAX_FIELDS}II")
# struct audit_status (its first eight u32): mask, enabled, failure, pid, rate_limit, backlog_limit, lost, backlog
_STATUS = struct.Struct("=8I")
AUDIT_LISTS = {0: "user", 1: "task", 2: "entry", 3: "watch", 4: "exit", 5: "exclude", 6: "filesystem",
               7: "io_uring"}
AUDIT_FILTER_PREPEND = 0x10
AUDIT_ACTIONS = {0: "never", 1: "possible", 2: "always"}
AUDIT_FIELDS = {
    0: "pid", 1: "uid", 2: "euid", 3: "suid", 4: "fsuid", 5: "gid", 6: "egid", 7: "sgid", 8: "fsgid", 9: "auid",
    10: "pers", 11: "arch", 12: "msgtype", 13: "subj_user", 14: "subj_role", 15: "subj_type", 16: "subj_sen",
    17: "subj_clr", 18: "ppid", 19: "obj_user", 20: "obj_role", 21: "obj_type", 22: "obj_lev_low",
    23: "obj_lev_high", 24: "loginuid_set", 25: "sessionid", 26: "fstype", 100: "devmajor", 101: "devminor",
    102: "inode", 103: "exit", 104: "success", 105: "path", 106: "perm", 107: "dir", 108: "filetype",
    109: "obj_uid", 110: "obj_gid", 111: "field_compare", 112: "exe", 113: "saddr_fam",
    200: "a0", 201: "a1", 202: "a2", 203: "a3", 210: "key"}
AUDIT_WATCH, AUDIT_PERM, AUDIT_DIR, AUDIT_ARCH, AUDIT_FILTERKEY = 105, 106, 107, 11, 210
STRING_FIELDS = {13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, 210}
SIGNED_FIELDS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 103, 109, 110, 25}  # ids (-1: unset) and exit codes
AUDIT_OPS = {0x08000000: "&", 0x10000000: "<", 0x20000000: ">", 0x30000000: "!=", 0x40000000: "=",
             0x48000000: "&=", 0x50000000: "<=", 0x60000000: ">="}
AUDIT_OPERATORS = 0x78000000
ARCHES = {0xC000003E: "b64", 0x40000003: "b32", 0xC00000B7: "b64", 0x40000028: "b32"}  # x86_64, i386, aarch64, arm
# x86_64 numbers of the system calls audit rules commonly name (others are shown as their number)
X86_64_SYSCALLS = {
    0: "read", 1: "write", 2: "open", 4: "stat", 9: "mmap", 10: "mprotect", 16: "ioctl", 41: "socket",
    42: "connect", 43: "accept", 49: "bind", 50: "listen", 56: "clone", 57: "fork", 58: "vfork", 59: "execve",
    62: "kill", 76: "truncate", 77: "ftruncate", 82: "rename", 83: "mkdir", 84: "rmdir", 85: "creat", 86: "link",
    87: "unlink", 88: "symlink", 90: "chmod", 91: "fchmod", 92: "chown", 93: "fchown", 94: "lchown",
    101: "ptrace", 105: "setuid", 106: "setgid", 113: "setreuid", 114: "setregid", 117: "setresuid",
    119: "setresgid", 122: "setfsuid", 123: "setfsgid", 159: "adjtimex", 160: "setrlimit", 161: "chroot",
    164: "settimeofday", 165: "mount", 166: "umount2", 167: "swapon", 169: "reboot", 170: "sethostname",
    171: "setdomainname", 175: "init_module", 176: "delete_module", 188: "setxattr", 189: "lsetxattr",
    190: "fsetxattr", 197: "removexattr", 198: "lremovexattr", 199: "fremovexattr", 227: "clock_settime",
    235: "utimes", 257: "openat", 258: "mkdirat", 259: "mknodat", 260: "fchownat", 263: "unlinkat",
    264: "renameat", 265: "linkat", 266: "symlinkat", 268: "fchmodat", 280: "utimensat", 288: "accept4",
    304: "open_by_handle_at", 313: "finit_module", 316: "renameat2", 321: "bpf", 322: "execveat",
    425: "io_uring_setup", 437: "openat2"}


def decode_audit_rule(payload: bytes) -> dict:
    """One AUDIT_LIST_RULES reply (struct audit_rule_data) -> {list, action, syscalls, fields, key, text};
    ``text`` is the rule as `auditctl -l` writes it. ValueError for a reply shorter than its layout."""
    if len(payload) < _RULE.size:
        raise ValueError(f"audit rule reply of {len(payload)} bytes, the layout needs {_RULE.size}")
    values = _RULE.unpack_from(payload)
    flags, action, count = values[0], values[1], min(values[2], AUDIT_MAX_FIELDS)
    mask = values[3:3 + AUDIT_BITMASK_SIZE]
    base = 3 + AUDIT_BITMASK_SIZE
    fields = values[base:base + AUDIT_MAX_FIELDS]
    vals = values[base + AUDIT_MAX_FIELDS:base + 2 * AUDIT_MAX_FIELDS]
    ops = values[base + 2 * AUDIT_MAX_FIELDS:base + 3 * AUDIT_MAX_FIELDS]
    buf = payload[_RULE.size:_RULE.size + values[-1]]
    listname = AUDIT_LISTS.get(flags & ~AUDIT_FILTER_PREPEND, f"list{flags}")
    out: list[dict] = []
    pos, arch = 0, None
    for i in range(count):
        num, op = fields[i], AUDIT_OPS.get(ops[i] & AUDIT_OPERATORS, "?")
        name = AUDIT_FIELDS.get(num, f"field{num}")
        value: int | str
        if num in STRING_FIELDS:
            value = buf[pos:pos + vals[i]].decode("utf-8", "replace")
            pos += vals[i]
        elif num in SIGNED_FIELDS:
            value = struct.unpack("=i", struct.pack("=I", vals[i]))[0]
        elif num == AUDIT_ARCH:
            arch = vals[i]
            value = ARCHES.get(vals[i], f"0x{vals[i]:x}")
        elif num == AUDIT_PERM:
            value = "".join(c for bit, c in ((4, "r"), (2, "w"), (1, "x"), (8, "a")) if vals[i] & bit)
        else:
            value = vals[i]
        out.append({"field": name, "op": op, "value": value})
    every = all(m == 0xFFFFFFFF for m in mask)
    syscalls: list[str] = []
    if listname in ("exit", "entry", "task") and not every:
        names = X86_64_SYSCALLS if arch in (None, 0xC000003E) else {}
        syscalls = [names.get(n, str(n)) for n in range(32 * AUDIT_BITMASK_SIZE) if mask[n // 32] >> (n % 32) & 1]
    elif listname in ("exit", "entry"):
        syscalls = ["all"]
    key = next((f["value"] for f in out if f["field"] == "key"), None)
    return {"list": listname, "action": AUDIT_ACTIONS.get(action, str(action)), "syscalls": syscalls,
            "fields": out, "key": key, "text": audit_rule_text(listname, AUDIT_ACTIONS.get(action, str(action)),
                                                              syscalls, out)}


def audit_rule_text(listname: str, action: str, syscalls: list[str], fields: list[dict]) -> str:
    """A decoded rule as `auditctl -l` writes it: ``-w PATH -p PERMS -k KEY`` for a file watch, otherwise
    ``-a ACTION,LIST`` with the arch first, then ``-S`` and the other fields (``-F name op value``)."""
    names = [f["field"] for f in fields]
    if listname == "exit" and action == "always" and syscalls == ["all"] and names and \
            names[0] in ("path", "dir") and set(names) <= {"path", "dir", "perm", "key"} and \
            all(f["op"] == "=" for f in fields):
        text = f"-w {fields[0]['value']}"
        perm = next((f["value"] for f in fields if f["field"] == "perm"), None)
        if perm:
            text += f" -p {perm}"
        for f in fields:
            if f["field"] == "key":
                text += f" -k {f['value']}"
        return text
    parts = [f"-a {action},{listname}"]
    arch = [f for f in fields if f["field"] == "arch"]
    parts += [f"-F arch{f['op']}{f['value']}" for f in arch]
    if syscalls and syscalls != ["all"]:
        parts.append("-S " + ",".join(syscalls))
    elif syscalls == ["all"] and not arch:
        pass  # every system call: auditctl writes no -S
    parts += [f"-F {f['field']}{f['op']}{f['value']}" for f in fields if f["field"] != "arch"]
    return " ".join(parts)


def _audit_socket(timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | getattr(socket, "SOCK_CLOEXEC", 0), NETLINK_AUDIT)
    try:
        sock.settimeout(timeout)
        sock.bind((0, 0))
    except OSError:
        sock.close()
        raise
    return sock


def audit_exchange(kind: int, body: bytes = b"", *, timeout: float = 5.0, until_done: bool = False) -> list[bytes]:
    """Send one audit request (with an acknowledgement asked) and return the payloads of the replies of the
    same type: up to NLMSG_DONE when `until_done`, else up to the acknowledgement. OSError carries the
    kernel's refusal (EPERM without CAP_AUDIT_CONTROL; ECONNREFUSED from a container's namespace) or
    EPROTONOSUPPORT (a kernel without audit); socket.timeout when the kernel does not answer."""
    sock = _audit_socket(timeout)
    try:
        seq = int.from_bytes(os.urandom(4), "little") or 1
        sock.send(_HDR.pack(_HDR.size + len(body), kind, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
        out: list[bytes] = []
        acked = False
        for got, payload in _replies(sock, seq, 1 << 17, acks=True):
            if got == NLMSG_ERROR:   # the acknowledgement (error code 0)
                acked = True
            elif got == kind:
                out.append(payload)
            if acked and not until_done and (out or kind != AUDIT_GET):
                return out
        return out
    finally:
        sock.close()


def audit_rules(timeout: float = 5.0) -> list[dict]:
    """The audit rules loaded in the kernel, decoded (`decode_audit_rule`), in the kernel's order."""
    return [decode_audit_rule(p) for p in audit_exchange(AUDIT_LIST_RULES, timeout=timeout, until_done=True)]


def audit_status(timeout: float = 5.0) -> dict:
    """The kernel's audit status: enabled (0 off, 1 on, 2 locked), failure action, auditd's pid, the
    rate and backlog limits, the records lost and waiting."""
    for payload in audit_exchange(AUDIT_GET, timeout=timeout):
        if len(payload) >= _STATUS.size:
            _mask, enabled, failure, pid, rate, backlog_limit, lost, backlog = _STATUS.unpack_from(payload)
            return {"enabled": enabled, "failure": failure, "pid": pid, "rate_limit": rate,
                    "backlog_limit": backlog_limit, "lost": lost, "backlog": backlog}
    raise OSError(0, "the kernel sent no audit status")
