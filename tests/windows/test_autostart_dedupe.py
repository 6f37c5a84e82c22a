"""Each Windows autostart is one finding across the case checks: a Run key, a service and a scheduled task
starting a program from C:\\Users\\Public are reported once (ungcuu.windows.autostart_user_writable or
H2-scheduled-task), not also as H2-run-key / H2-windows-service-path / a TaskCache duplicate; the others
keep their own finding."""
from __future__ import annotations

import collections

from analysis import findings
from analysis.checks import windows_autostart, windows_persistence
from collectors.case import Case

RUN = r"Software\Microsoft\Windows\CurrentVersion\Run"


def test_one_finding_per_run_key_service_and_task(tmp_path):
    c = Case.create(tmp_path / "case", examiner="pytest", affected_root="")
    add = lambda name, rows: c.add_json(rows, checklist_id="B4", name=name, source="test", collector="test")  # noqa: E731
    add("windows_run_keys.json", [
        {"hive": "HKLM", "key": RUN, "name": "Updater", "value": r"C:\Users\Public\updater.exe -k"},
        {"hive": "HKCU", "key": RUN, "name": "loader", "value": "powershell.exe -w hidden -enc SQBFAFgA"},
        {"hive": "HKCU", "key": RUN, "name": "OneDrive",
         "value": r'"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background'}])
    add("windows_services.json", [
        {"name": "EvilSvc", "binpath": r"C:\Users\Public\svc.exe", "start_type": "auto"},
        {"name": "Spooler", "binpath": r"C:\Windows\System32\spoolsv.exe", "start_type": "auto"}])
    add("windows_scheduled_tasks.json", [
        {"path": r"\Updater", "actions": [{"type": "exec", "command": r"C:\Users\Public\u.exe"}]}])
    add("windows_taskcache.json", [
        {"path": r"\Updater", "actions": [r"C:\Users\Public\u.exe"], "has_sd": True},
        {"path": r"\Other", "actions": [r"C:\Windows\Temp\o.exe"], "has_sd": True}])
    found = [f for f in findings.run(c) if f.rule in {r.id for r in windows_autostart.RULES + windows_persistence.RULES}]
    objects = collections.Counter()
    for f in found:
        d = f.details
        objects[d.get("name") if "hive" in d else d.get("name") if "binpath" in d else d.get("path")] += 1
    assert objects == {"Updater": 1, "loader": 1, "OneDrive": 1, "EvilSvc": 1, r"\Updater": 1, r"\Other": 1}, \
        [(f.rule, f.summary_en) for f in found]
    by = {(f.rule, f.details.get("name") or f.details.get("path")): f.severity for f in found}
    assert by == {
        ("ungcuu.windows.autostart_user_writable", "Updater"): "high",
        ("H2-run-key", "loader"): "high",
        ("H2-run-key", "OneDrive"): "low",
        ("ungcuu.windows.autostart_user_writable", "EvilSvc"): "high",
        ("H2-scheduled-task", r"\Updater"): "high",  # from the task's XML; its TaskCache entry is not repeated
        ("ungcuu.windows.autostart_user_writable", r"\Other"): "high",  # only in TaskCache
    }
    c.close()
