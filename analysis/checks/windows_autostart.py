"""Windows autostart entries from the collected snapshots (H2): Run/RunOnce keys, services, scheduled tasks.

A case check: it reads the registry and task snapshots the collectors made (either JSON layout); the
same mechanisms seen as events (7045, 4698, Sysmon 13) are Sigma rules in ``resources/rules/ungcuu/``.

Each Run key, service and task is reported once across the checks: one whose program lies in a
user-writable or temporary folder (``_windows.odd_place``) is reported by windows_persistence as
``ungcuu.windows.autostart_user_writable`` and left out here (``run_key_is_odd``, ``service_is_odd``);
a task this check reports is left out of windows_persistence's TaskCache findings (``task_level``).
"""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._common import USER_WRITABLE, snapshot, suspicious
from analysis.checks._windows import command_path, odd_place

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


def run_key_is_odd(r: dict) -> bool:
    """windows_persistence reports this Run key (its program is in a user-writable or temporary folder)."""
    return odd_place(command_path(str(r.get("value") or "")))


def service_is_odd(s: dict) -> bool:
    """windows_persistence reports this service (its program or ServiceDll is in such a folder)."""
    return odd_place(command_path(str(s.get("binpath") or ""))) or odd_place(str(s.get("service_dll") or ""))


def task_action(t: dict) -> str:
    acts = t.get("actions")
    if isinstance(acts, list):
        return " | ".join(f"{a.get('command') or a.get('class_id') or ''} {a.get('arguments') or ''}".strip()
                          for a in acts if isinstance(a, dict))
    return str(t.get("action") or t.get("command") or acts or "")


def task_level(t: dict) -> str | None:
    """The level of this check's finding for a task definition, None when it reports none."""
    action = task_action(t)
    if action and (suspicious(action) or USER_WRITABLE.search(action)):
        return "high"
    if t.get("hidden") and action:
        return "medium"
    return None


def run(case, db):
    rec, runs = snapshot(case, "windows_run_keys.json")
    for r in runs or []:
        if run_key_is_odd(r):
            continue  # ungcuu.windows.autostart_user_writable
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
        if path and (suspicious(path) or USER_WRITABLE.search(path)) and not service_is_odd(s):
            yield R["H2-windows-service-path"].finding(
                summary_vi=f"Dịch vụ Windows chạy chương trình ở vị trí nghi vấn: {s.get('name')} -> {path[:150]}",
                summary_en=f"Windows service runs a program from a suspicious place: {s.get('name')} -> {path[:150]}",
                evidence_ids=[rec.id], details=dict(s), first_match={"servicename": s.get("name"), "imagepath": path})
    rec, tasks = snapshot(case, "windows_scheduled_tasks.json")
    for t in tasks or []:
        action, name, level = task_action(t), t.get("path") or t.get("name"), task_level(t)
        if level is None:
            continue
        hidden_vi, hidden_en = (" (ẩn)", " (hidden)") if t.get("hidden") else ("", "")
        yield R["H2-scheduled-task"].finding(
            summary_vi=f"Tác vụ theo lịch nghi vấn{hidden_vi}: {name} -> {action[:150]}",
            summary_en=f"Suspicious scheduled task{hidden_en}: {name} -> {action[:150]}",
            time=t.get("registered"), evidence_ids=[rec.id], details=dict(t), level=level,
            first_match={"taskname": name, "commandline": action[:500]})
