"""The audit rules loaded in the kernel, read over NETLINK_AUDIT: replies built from the kernel's struct
audit_rule_data layout decoded into auditctl's text, and, as root on a kernel that allows it, a rule
loaded for the test read back by the kernel-state collector (then removed)."""
from __future__ import annotations

import errno
import os
import socket
import struct
import uuid

import pytest

from collectors.artifacts import _netlink
from collectors.artifacts.kernel_state import AUDIT_REFUSED, AuditStatus, KernelState, LoadedAuditRule
from collectors.messages import translate

EQ, NE, GE = 0x40000000, 0x30000000, 0x60000000


def rule_data(flags: int, action: int, fields: list[tuple[int, int, int | str]], syscalls=()) -> bytes:
    """struct audit_rule_data (include/uapi/linux/audit.h): flags, action, field_count, mask[64],
    fields[64], values[64], fieldflags[64], buflen, then the string values one after the other."""
    mask = [0xFFFFFFFF] * 64 if syscalls == "all" else [0] * 64
    for n in () if syscalls == "all" else syscalls:
        mask[n // 32] |= 1 << (n % 32)
    nums, vals, ops, buf = [0] * 64, [0] * 64, [0] * 64, b""
    for i, (num, op, value) in enumerate(fields):
        nums[i], ops[i] = num, op
        if isinstance(value, str):
            vals[i] = len(value.encode())
            buf += value.encode()
        else:
            vals[i] = value & 0xFFFFFFFF
    return struct.pack("=III64I64I64I64II", flags, action, len(fields), *mask, *nums, *vals, *ops, len(buf)) + buf


def test_replies_built_from_the_struct_layout_decode_to_auditctl_text():
    watch = rule_data(4, 2, [(105, EQ, "/etc/shadow"), (106, EQ, 2 | 8), (210, EQ, "identity")], "all")
    r = _netlink.decode_audit_rule(watch)
    assert r["text"] == "-w /etc/shadow -p wa -k identity"
    assert (r["list"], r["action"], r["key"]) == ("exit", "always", "identity")

    execs = rule_data(4, 2, [(11, EQ, 0xC000003E), (9, GE, 1000), (9, NE, -1), (210, EQ, "exec")], (59, 322))
    r = _netlink.decode_audit_rule(execs)
    assert r["text"] == "-a always,exit -F arch=b64 -S execve,execveat -F auid>=1000 -F auid!=-1 -F key=exec"
    assert r["syscalls"] == ["execve", "execveat"]
    assert r["fields"][1:3] == [{"field": "auid", "op": ">=", "value": 1000},
                                {"field": "auid", "op": "!=", "value": -1}]

    i386 = rule_data(4 | 0x10, 0, [(11, EQ, 0x40000003), (103, EQ, -13)], (11,))  # prepended; number only
    assert _netlink.decode_audit_rule(i386)["text"] == "-a never,exit -F arch=b32 -S 11 -F exit=-13"
    exclude = rule_data(5, 0, [(12, EQ, 1105)])
    assert _netlink.decode_audit_rule(exclude)["text"] == "-a never,exclude -F msgtype=1105"
    with pytest.raises(ValueError, match="audit rule reply of 100 bytes"):
        _netlink.decode_audit_rule(watch[:100])


def test_refusals_are_named_in_english_and_vietnamese():
    assert set(AUDIT_REFUSED) == {errno.EPROTONOSUPPORT, errno.EPERM, errno.EACCES, errno.ECONNREFUSED}
    for reason in AUDIT_REFUSED.values():
        assert translate(reason, "vi") != reason


def _audit_or_skip():
    try:
        _netlink.audit_status(timeout=3)
    except socket.timeout:
        pytest.skip("the kernel's audit interface did not answer")
    except OSError as exc:
        pytest.skip(f"NETLINK_AUDIT refused here: {exc} ({AUDIT_REFUSED.get(exc.errno or 0, 'other error')})")


def test_rules_loaded_in_the_kernel_read_by_the_collector(run):
    """As root: a rule that can match nothing (never, for a pid no process has) is loaded, the collector
    lists it with the kernel's status, and it is removed again."""
    if os.geteuid() != 0:
        pytest.skip("loading a test rule into the kernel needs root")
    _audit_or_skip()
    key = f"ungcuu-test-{uuid.uuid4().hex[:8]}"
    rule = rule_data(4, 0, [(11, EQ, 0xC000003E), (0, EQ, 0x7FFFFFF0), (210, EQ, key)], (59,))
    try:
        _netlink.audit_exchange(_netlink.AUDIT_ADD_RULE, rule, timeout=3)
    except OSError as exc:
        pytest.skip(f"the kernel does not let this process load an audit rule: {exc}")
    try:
        ran = run(KernelState(), checklist_id="B6")
    finally:
        _netlink.audit_exchange(_netlink.AUDIT_DEL_RULE, rule, timeout=3)
    rules = ran.rows("audit_rules.json", LoadedAuditRule)
    ours = [r for r in rules if r.key == key]
    assert [r.text for r in ours] == [f"-a never,exit -F arch=b64 -S execve -F pid=2147483632 -F key={key}"]
    (status,) = ran.rows("audit_status.json", AuditStatus)
    assert status.rules == len(rules) >= 1 and status.enabled in (0, 1, 2)
    assert key not in [r["key"] for r in _netlink.audit_rules()]  # removed again
