"""Windows persistence found in the registry artifacts: IFEO debuggers and SilentProcessExit monitors,
AppInit_DLLs, a changed Winlogon shell, scheduled tasks hidden from the Task Scheduler, and Run keys,
tasks or services that start programs from user-writable or temporary folders."""
from __future__ import annotations

import re

from analysis.checks import CheckRule
from analysis.checks._windows import command_path, latest, odd_place
from analysis.checks.windows_autostart import run_key_is_odd, service_is_odd, task_level

IFEO = CheckRule(
    id="ungcuu.windows.ifeo_debugger",
    title_en="Program hijacked through Image File Execution Options / SilentProcessExit",
    title_vi="Chương trình bị chiếm quyền qua Image File Execution Options / SilentProcessExit",
    explanation_vi=("Khóa Image File Execution Options (Debugger, GlobalFlag) hoặc SilentProcessExit "
                    "(MonitorProcess) khiến Windows chạy một chương trình khác mỗi khi chương trình đích khởi động "
                    "hoặc kết thúc. Kẻ tấn công dùng cách này để duy trì truy cập (ví dụ sethc.exe -> cmd.exe cho "
                    "phép mở cửa sổ lệnh quyền SYSTEM tại màn hình đăng nhập). Cần xác minh chương trình được chạy "
                    "và thời điểm khóa được ghi (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.privilege_escalation", "attack.t1546.012"], checklist_id="C5")
APPINIT = CheckRule(
    id="ungcuu.windows.appinit_dlls",
    title_en="AppInit_DLLs loads a library into every GUI process",
    title_vi="AppInit_DLLs nạp thư viện vào mọi tiến trình có giao diện",
    explanation_vi=("Giá trị AppInit_DLLs (khi LoadAppInit_DLLs = 1) buộc user32.dll nạp các thư viện được liệt kê "
                    "vào mọi tiến trình có giao diện: một cách duy trì và tiêm mã đã biết. Phần mềm hợp pháp hiện "
                    "nay hầu như không dùng; cần kiểm tra thư viện và nguồn gốc của nó (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.privilege_escalation", "attack.t1546.010"], checklist_id="C5")
WINLOGON = CheckRule(
    id="ungcuu.windows.winlogon_changed",
    title_en="Winlogon Shell or Userinit changed",
    title_vi="Winlogon Shell hoặc Userinit bị thay đổi",
    explanation_vi=("Winlogon chạy Shell (mặc định explorer.exe) và Userinit (mặc định userinit.exe) mỗi lần người "
                    "dùng đăng nhập. Một chương trình thêm vào hai giá trị này sẽ chạy ở mọi lần đăng nhập (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.t1547.004"], checklist_id="C5")
RUN_ODD = CheckRule(
    id="ungcuu.windows.autostart_user_writable",
    title_en="Autostart program in a user-writable or temporary folder",
    title_vi="Chương trình tự khởi động nằm trong thư mục người dùng ghi được hoặc thư mục tạm",
    explanation_vi=("Một khóa Run/RunOnce hoặc một dịch vụ khởi động chương trình từ thư mục mà người dùng thường "
                    "(hoặc mã độc không có quyền quản trị) ghi được: Users\\Public, AppData\\Local\\Temp, "
                    "ProgramData, Thùng rác... Phần mềm cài đặt đúng cách nằm trong Program Files hoặc Windows. "
                    "Cần thu mẫu tệp, tính mã băm và đối chiếu (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.t1547.001", "attack.t1543.003"], checklist_id="C5")
HIDDEN_TASK = CheckRule(
    id="ungcuu.windows.hidden_scheduled_task",
    title_en="Scheduled task hidden from the Task Scheduler",
    title_vi="Tác vụ lập lịch bị ẩn khỏi Task Scheduler",
    explanation_vi=("Bộ nhớ đệm TaskCache của registry có một tác vụ mà khóa Tree không còn giá trị SD (mô tả bảo mật): "
                    "tác vụ vẫn chạy nhưng không hiện trong schtasks hay giao diện Task Scheduler. Đây là kỹ thuật che "
                    "giấu đã biết (ví dụ mã độc Tarrask). Cần xem lệnh trong Actions và thời điểm tạo (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.defense_evasion", "attack.t1053.005", "attack.t1564"],
    checklist_id="C5")
RULES = [IFEO, APPINIT, WINLOGON, RUN_ODD, HIDDEN_TASK]

DEFAULT_SHELL = re.compile(r"^\s*explorer(\.exe)?\s*,?\s*$", re.I)
DEFAULT_USERINIT = re.compile(r"^\s*(?:[a-z]:\\windows\\system32\\)?userinit(\.exe)?\s*,?\s*$", re.I)


def run(case, db):
    rows, eid = latest(case, "windows_autoruns.json")
    for r in rows:
        loc, value = r.get("location"), r.get("value")
        if loc in ("ifeo_debugger", "silent_process_exit", "ifeo_globalflag"):
            what = {"ifeo_debugger": "Debugger", "silent_process_exit": "MonitorProcess",
                    "ifeo_globalflag": "GlobalFlag"}[loc]
            yield IFEO.finding(
                summary_vi=f"{r.get('target')}: {what} = {value} (khóa ghi lúc {r.get('key_last_write') or 'không rõ'})",
                summary_en=f"{r.get('target')}: {what} = {value} (key written {r.get('key_last_write') or 'unknown'})",
                evidence_ids=[eid], time=r.get("key_last_write"), details=r,
                level="medium" if loc == "ifeo_globalflag" else None)
        elif loc == "appinit_dlls" and (r.get("LoadAppInit_DLLs") or (r.get("extra") or {}).get("LoadAppInit_DLLs")):
            yield APPINIT.finding(summary_vi=f"AppInit_DLLs = {value}", summary_en=f"AppInit_DLLs = {value}",
                                  evidence_ids=[eid], time=r.get("key_last_write"), details=r)
        elif loc == "winlogon" and r.get("name") in ("Shell", "Userinit"):
            default = DEFAULT_SHELL if r["name"] == "Shell" else DEFAULT_USERINIT
            if not default.match(str(value or "")):
                yield WINLOGON.finding(summary_vi=f"Winlogon {r['name']} = {value}", summary_en=f"Winlogon {r['name']} = {value}",
                                       evidence_ids=[eid], time=r.get("key_last_write"), details=r)
    runs, rid = latest(case, "windows_run_keys.json")
    for r in runs:
        if run_key_is_odd(r):  # the one finding for this value (windows_autostart leaves it out)
            yield RUN_ODD.finding(
                summary_vi=f"Khóa {r.get('hive')}\\{r.get('key')} giá trị {r.get('name')} chạy {r.get('value')}",
                summary_en=f"{r.get('hive')}\\{r.get('key')} value {r.get('name')} runs {r.get('value')}",
                evidence_ids=[rid], details=r)
    defined, _ = latest(case, "windows_scheduled_tasks.json")
    reported = {str(t.get("path") or "").lower() for t in defined if task_level(t)}  # by windows_autostart
    tasks, tid = latest(case, "windows_taskcache.json")
    for t in tasks:
        cmds = [a for a in t.get("actions") or [] if "\\" in a or "." in a]
        if t.get("has_sd") is False:
            yield HIDDEN_TASK.finding(
                summary_vi=f"Tác vụ {t.get('path')} (tạo {t.get('created') or 'không rõ'}): {', '.join(cmds) or 'không rõ lệnh'}",
                summary_en=f"Task {t.get('path')} (created {t.get('created') or 'unknown'}): {', '.join(cmds) or 'no command found'}",
                evidence_ids=[tid], time=t.get("created"), details=t)
        elif any(odd_place(command_path(c)) for c in cmds) and str(t.get("path") or "").lower() not in reported:
            yield RUN_ODD.finding(summary_vi=f"Tác vụ {t.get('path')} chạy {', '.join(cmds)}",
                                  summary_en=f"Task {t.get('path')} runs {', '.join(cmds)}",
                                  evidence_ids=[tid], time=t.get("created"), details=t)
    services, sid = latest(case, "windows_services.json")
    for s in services:
        if service_is_odd(s):
            yield RUN_ODD.finding(
                summary_vi=f"Dịch vụ {s.get('name')} ({s.get('start_type')}) chạy {s.get('binpath')}",
                summary_en=f"Service {s.get('name')} ({s.get('start_type')}) runs {s.get('binpath')}",
                evidence_ids=[sid], details=s)
