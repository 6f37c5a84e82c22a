"""A user systemd unit, a system unit or a cron entry that starts something in a temporary folder (how a
dropper in /tmp or /dev/shm survives a reboot or a kill)."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.user_access import UserUnit

from ._linux import rows, temp_paths, when

UNIT = CheckRule(
    id="ungcuu.linux.unit_starts_temp",
    title_en="systemd unit starts a program in a temporary folder",
    title_vi="Dịch vụ systemd khởi chạy chương trình trong thư mục tạm",
    explanation_vi=("Một unit systemd (của người dùng trong ~/.config/systemd/user hoặc của hệ thống) chạy "
                    "chương trình nằm trong /tmp, /var/tmp hoặc /dev/shm. Dịch vụ hợp lệ không chạy từ thư mục "
                    "tạm; đây là cơ chế duy trì của mã độc. Cần vô hiệu hóa unit sau khi thu chứng cứ (H2)."),
    level="high", tags=["attack.persistence", "attack.t1543.002"], checklist_id="H2")
CRON = CheckRule(
    id="ungcuu.linux.cron_starts_temp",
    title_en="cron entry starts a program in a temporary folder",
    title_vi="Lịch cron khởi chạy chương trình trong thư mục tạm",
    explanation_vi=("Một dòng crontab (của người dùng hoặc hệ thống) chạy chương trình trong /tmp, /var/tmp hoặc "
                    "/dev/shm theo định kỳ: cơ chế duy trì phổ biến của mã độc đào tiền ảo và botnet trên Linux. "
                    "Cần lưu crontab làm chứng cứ rồi gỡ dòng này (H2)."),
    level="high", tags=["attack.persistence", "attack.execution", "attack.t1053.003"], checklist_id="H2")
RULES = [UNIT, CRON]
CRON_SOURCES = ("/var/spool/cron/", "/etc/cron.d/", "/etc/crontab", "/etc/anacrontab", "/etc/cron.hourly/",
                "/etc/cron.daily/", "/etc/cron.weekly/", "/etc/cron.monthly/")
UNIT_SOURCES = ("/etc/systemd/system/", "/lib/systemd/system/", "/usr/lib/systemd/system/")
EXEC_KEYS = ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecReload")


def _text(case, rec) -> str:
    try:
        with case.open_evidence(rec) as fh:
            return fh.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return ""


def run(case, db):
    for rec, u in rows(case, "user_units.json", UserUnit):
        for line in u.exec_start:
            hits = temp_paths(line)
            if hits:
                yield UNIT.finding(
                    summary_vi=f"Unit người dùng {u.path} ({u.user}) chạy {line}",
                    summary_en=f"User unit {u.path} ({u.user}) runs {line}",
                    evidence_ids=[rec.id] + ([u.evidence_id] if u.evidence_id else []),
                    details={"unit": u.path, "user": u.user, "command": line, "temp_paths": hits})
    seen: set[tuple[str, str]] = set()
    for rec in case.evidence():
        src = rec.source or ""
        if rec.kind != "file":
            continue
        is_cron = src.startswith(CRON_SOURCES)
        is_unit = src.startswith(UNIT_SOURCES) and src.endswith((".service", ".timer", ".socket"))
        if not (is_cron or is_unit):
            continue
        for n, line in enumerate(_text(case, rec).splitlines(), 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if is_unit and s.split("=", 1)[0].strip() not in EXEC_KEYS:
                continue
            hits = temp_paths(s)
            if not hits or (src, s) in seen:
                continue
            seen.add((src, s))
            rule = CRON if is_cron else UNIT
            what_vi = "Lịch cron" if is_cron else "Unit hệ thống"
            what_en = "cron file" if is_cron else "system unit"
            yield rule.finding(
                summary_vi=f"{what_vi} {src} dòng {n}: {s}", summary_en=f"{what_en} {src} line {n}: {s}",
                evidence_ids=[rec.id], time=when((rec.orig_meta or {}).get("mtime")),
                details={"file": src, "line": n, "entry": s, "temp_paths": hits})
