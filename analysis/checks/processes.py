"""Processes and listeners whose executable is deleted, in memory only or in a user-writable place (H2, C5).

A case check: it reads the process and listening-port snapshots (either JSON layout), not log events.
One finding per executable; one in a temporary folder (/tmp, /var/tmp, /dev/shm) is critical, and
linux_temp_exec leaves such processes to this check.
"""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._common import USER_WRITABLE, snapshot
from analysis.checks._linux import in_temp

_EXPL = ("Chương trình chạy từ tệp đã xoá, chỉ có trong bộ nhớ hoặc từ thư mục ai cũng ghi được là cách mã độc "
         "ẩn mình (Stealth) và tồn tại (Persistence): cần thu bộ nhớ tiến trình, băm tệp thực thi "
         "và xác minh trước khi dừng nó (C5, H2).")
RULES = [
    CheckRule(id="H2-process-location", title_en="Process from a deleted, in-memory or user-writable executable",
              title_vi="Tiến trình chạy từ tệp đã xoá, trong bộ nhớ hoặc thư mục ghi được", explanation_vi=_EXPL,
              level="high", checklist_id="H2", kind="suspicious_process",
              tags=["attack.stealth", "attack.t1036", "attack.t1620"]),
    CheckRule(id="H2-listener-location", title_en="Listening port of a program in a suspicious place",
              title_vi="Cổng mở bởi chương trình ở vị trí nghi vấn", explanation_vi=_EXPL, level="high",
              checklist_id="H2", kind="suspicious_listener",
              tags=["attack.command-and-control", "attack.persistence", "attack.t1571"]),
]
R = {r.id: r for r in RULES}


def reasons(p: dict) -> list[tuple[str, str]]:
    exe = p.get("exe") or ""
    why = []
    if exe.startswith(("/memfd:", "memfd:")) or str(p.get("name") or "").startswith("memfd:"):
        # memfd_create + exec: the program only ever lived in memory (fileless malware does this; so does
        # runc, as "memfd:runc_cloned", while it starts a container)
        why.append(("chạy từ bộ nhớ (memfd), không có tệp trên đĩa", "runs from memory (memfd), no file on disk"))
    elif p.get("exe_deleted"):
        why.append(("tệp thực thi đã bị xoá", "executable deleted"))
    if exe and USER_WRITABLE.search(exe):
        why.append((f"chạy từ thư mục ghi được ({exe})", f"runs from a writable folder ({exe})"))
    return why


def run(case, db):
    """One finding per executable (its SHA-256 and the reasons), listing every process that runs it."""
    rec, procs = snapshot(case, "processes.json")
    groups: dict[tuple, list[tuple[dict, list]]] = {}
    for p in procs or []:
        why = reasons(p)
        if why:
            key = (p.get("exe") or p.get("name") or "", p.get("exe_sha256"), tuple(w[1] for w in why))
            groups.setdefault(key, []).append((p, why))
    for members in groups.values():
        p, why = members[0]
        pids = [m[0].get("pid") for m in members]
        cmdline = p.get("cmdline")
        cmd = (" ".join(cmdline) if isinstance(cmdline, list) else str(cmdline or "")) or p.get("name") or ""
        shown = ", ".join(str(x) for x in pids[:10]) + (", ..." if len(pids) > 10 else "")
        who_vi = f"Tiến trình nghi vấn PID {shown}" if len(pids) == 1 else f"{len(pids)} tiến trình nghi vấn (PID {shown})"
        who_en = f"Suspicious process PID {shown}" if len(pids) == 1 else f"{len(pids)} suspicious processes (PID {shown})"
        yield R["H2-process-location"].finding(
            summary_vi=f"{who_vi} ({cmd[:100]}): " + "; ".join(w[0] for w in why),
            summary_en=f"{who_en} ({cmd[:100]}): " + "; ".join(w[1] for w in why),
            evidence_ids=[rec.id], events=[{"evidence_id": rec.id, "locator": f"pid {x}"} for x in pids[:50]],
            details={k: p.get(k) for k in ("pid", "ppid", "name", "user", "exe", "exe_sha256", "exe_deleted", "cwd")}
            | {"cmdline": cmdline, "pids": pids,
               "processes": [{k: m[0].get(k) for k in ("pid", "ppid", "user", "cwd")} for m in members[:50]]},
            first_match={"image": p.get("exe"), "commandline": cmd[:500], "user": p.get("user")},
            event_count=len(pids), level="critical" if in_temp(p.get("exe")) else None)
    by_pid = {p.get("pid"): p for p in procs or [] if p.get("pid") is not None}
    rec, ports = snapshot(case, "listening_ports.json")
    for lp in ports or []:
        exe = lp.get("exe") or ""
        # the process snapshot knows whether the listener's executable was deleted or lives in memory
        proc = by_pid.get(lp.get("pid"))
        why = reasons(proc if proc is not None and (proc.get("exe") or "") == exe else {"exe": exe})
        if exe.endswith(" (deleted)") and not why:
            why = [("tệp thực thi đã bị xoá", "executable deleted")]
        if exe and why:
            yield R["H2-listener-location"].finding(
                summary_vi=f"Cổng {lp.get('proto')}/{lp.get('lport')} mở bởi chương trình ở vị trí nghi vấn: {exe} ("
                           + "; ".join(w[0] for w in why) + ")",
                summary_en=f"Port {lp.get('proto')}/{lp.get('lport')} listened on by a program in a suspicious place: "
                           f"{exe} (" + "; ".join(w[1] for w in why) + ")",
                evidence_ids=[rec.id], details=dict(lp), first_match={"image": exe})
