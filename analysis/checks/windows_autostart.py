"""Windows autostart entries from the collected snapshots (H2): Run/RunOnce keys, services, scheduled tasks.

A case check: it reads the registry and task snapshots the collectors made (either JSON layout); the
same mechanisms seen as events (7045, 4698, Sysmon 13) are Sigma rules in ``resources/rules/ungcuu/``.
"""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._common import USER_WRITABLE, snapshot, suspicious

_EXPL = ("Mục khởi động cùng Windows (Persistence) giúp mã độc chạy lại sau mỗi lần khởi động hoặc đăng nhập: "
         "cần xác minh chương trình mà nó chạy và gỡ bỏ ở bước H2.")
RULES = [
    CheckRule(id="H2-run-key", title_en="Windows autostart (Run/RunOnce)", title_vi="Khởi động cùng Windows (Run/RunOnce)",
              explanation_vi=_EXPL, level="low", checklist_id="H2", kind="persistence",
              tags=["attack.persistence", "attack.t1547.001"]),
    CheckRule(id="H2-windows-service-path", title_en="Windows service runs a program from a suspicious place",
              title_vi="Dịch vụ Windows chạy chương trình ở vị trí nghi vấn", explanation_vi=_EXPL, level="high",
              checklist_id="H2", kind="persistence", tags=["attack.persistence", "attack.t1543.003"]),
    CheckRule(id="H2-scheduled-task", title_en="Suspicious scheduled task", title_vi="Tác vụ theo lịch nghi vấn",
              explanation_vi=_EXPL, level="high", checklist_id="H2", kind="persistence",
              tags=["attack.persistence", "attack.execution", "attack.t1053.005"]),
]
R = {r.id: r for r in RULES}


def run(case, db):
    rec, runs = snapshot(case, "windows_run_keys.json")
    for r in runs or []:
        value = str(r.get("value") or r.get("data") or r.get("command") or "")
        name = r.get("name") or r.get("key") or ""
        yield R["H2-run-key"].finding(
            summary_vi=f"Khởi động cùng Windows (Run/RunOnce): {name} = {value[:150]}",
            summary_en=f"Windows autostart (Run/RunOnce): {name} = {value[:150]}",
            evidence_ids=[rec.id], details=dict(r), first_match={"commandline": value[:500]},
            level="high" if suspicious(value) or USER_WRITABLE.search(value) else "low")
    rec, svcs = snapshot(case, "windows_services.json")
    for s in svcs or []:
        path = str(s.get("binpath") or s.get("image_path") or s.get("path") or s.get("exec") or "")
        if path and (suspicious(path) or USER_WRITABLE.search(path)):
            yield R["H2-windows-service-path"].finding(
                summary_vi=f"Dịch vụ Windows chạy chương trình ở vị trí nghi vấn: {s.get('name')} -> {path[:150]}",
                summary_en=f"Windows service runs a program from a suspicious place: {s.get('name')} -> {path[:150]}",
                evidence_ids=[rec.id], details=dict(s), first_match={"servicename": s.get("name"), "imagepath": path})
    rec, tasks = snapshot(case, "windows_scheduled_tasks.json")
    for t in tasks or []:
        acts = t.get("actions")
        if isinstance(acts, list):
            action = " | ".join(f"{a.get('command') or a.get('class_id') or ''} {a.get('arguments') or ''}".strip()
                                for a in acts if isinstance(a, dict))
        else:
            action = str(t.get("action") or t.get("command") or acts or "")
        name = t.get("path") or t.get("name")
        if action and (suspicious(action) or USER_WRITABLE.search(action)):
            level = "high"
        elif t.get("hidden") and action:
            level = "medium"
        else:
            continue
        hidden_vi, hidden_en = (" (ẩn)", " (hidden)") if t.get("hidden") else ("", "")
        yield R["H2-scheduled-task"].finding(
            summary_vi=f"Tác vụ theo lịch nghi vấn{hidden_vi}: {name} -> {action[:150]}",
            summary_en=f"Suspicious scheduled task{hidden_en}: {name} -> {action[:150]}",
            time=t.get("registered"), evidence_ids=[rec.id], details=dict(t), level=level,
            first_match={"taskname": name, "commandline": action[:500]})
