"""Executables in /tmp, /var/tmp, /dev/shm and /run/user, and processes running from there: where
droppers stage miners, bots and tunnels (world-writable, often memory-backed). A process the
``processes`` check already reports (H2-process-location, one finding per executable) is not repeated."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.temp_dirs import TempEntry

from ._linux import in_temp, rows, when
from .processes import reasons

FILE = CheckRule(
    id="ungcuu.linux.temp_executable",
    title_en="Executable file in a temporary folder",
    title_vi="Tệp thực thi trong thư mục tạm (/tmp, /dev/shm...)",
    explanation_vi=("Thư mục tạm ai cũng ghi được; /dev/shm còn nằm trên RAM nên mất khi khởi động lại. Mã độc "
                    "(đào tiền ảo, botnet, công cụ đường hầm) thường được tải về và chạy từ đây. Tệp đã được "
                    "băm và sao chép vào hồ sơ: cần kiểm tra mã băm với nguồn tình báo mối đe dọa (C5)."),
    level="high", tags=["attack.execution", "attack.defense_evasion", "attack.t1204", "attack.t1074.001"],
    checklist_id="C5")
RUNNING = CheckRule(
    id="ungcuu.linux.process_from_temp",
    title_en="Process running from a temporary folder",
    title_vi="Tiến trình đang chạy từ thư mục tạm",
    explanation_vi=("Một tiến trình đang chạy có tệp thực thi trong /tmp, /var/tmp hoặc /dev/shm (hoặc tệp đó đã "
                    "bị xóa sau khi chạy). Đây là hành vi điển hình của mã độc; cần thu bộ nhớ tiến trình (B6) "
                    "trước khi cô lập máy."),
    level="critical", tags=["attack.execution", "attack.t1059.004"], checklist_id="C5")
RULES = [FILE, RUNNING]


def run(case, db):
    for rec, t in rows(case, "temp_entries.json", TempEntry):
        if t.type == "file" and t.executable:
            yield FILE.finding(
                summary_vi=f"{t.path} có quyền thực thi (SHA-256 {t.sha256}, uid {t.uid})",
                summary_en=f"{t.path} is executable (SHA-256 {t.sha256}, uid {t.uid})",
                evidence_ids=[rec.id] + ([t.evidence_id] if t.evidence_id else []), time=when(t.btime or t.mtime),
                details={"path": t.path, "sha256": t.sha256, "copy": t.evidence_id})
    rec = case.latest("processes.json")
    if rec is None:
        return
    try:
        import json

        with case.open_evidence(rec) as fh:
            from collectors import records
            procs = records.rows_of(json.load(fh))
    except (OSError, ValueError):
        return
    for p in procs:
        exe = p.get("exe") if isinstance(p, dict) else None
        if in_temp(exe) and not reasons(p):
            yield RUNNING.finding(
                summary_vi=f"Tiến trình {p.get('name')}[{p.get('pid')}] chạy từ {exe}"
                           + (" (tệp đã bị xóa)" if p.get("exe_deleted") else ""),
                summary_en=f"Process {p.get('name')}[{p.get('pid')}] runs from {exe}"
                           + (" (file deleted)" if p.get("exe_deleted") else ""),
                evidence_ids=[rec.id], time=when(p.get("create_time")),
                details={"pid": p.get("pid"), "exe": exe, "sha256": p.get("exe_sha256"),
                         "command_line": " ".join(p.get("cmdline") or [])})
