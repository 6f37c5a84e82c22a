"""PowerShell command history (PSReadLine ConsoleHost_history.txt, no times): commands that attackers
use, read from the hashed copy of each profile's history. Transcripts and 4104 events are timed and go
through the timeline and the Sigma rules instead."""
from __future__ import annotations

import re

from analysis.checks import CheckRule

RULE = CheckRule(
    id="ungcuu.windows.powershell_history_suspicious",
    title_en="Suspicious command in a PowerShell history",
    title_vi="Lệnh đáng ngờ trong lịch sử PowerShell",
    explanation_vi=("Lịch sử lệnh PowerShell (ConsoleHost_history.txt) của một người dùng chứa lệnh thường thấy trong tấn "
                    "công: tạo tài khoản hoặc thêm vào nhóm quản trị, tải và chạy mã từ Internet, lệnh mã hóa base64, "
                    "xóa bản sao bóng (shadow copy) hoặc xóa nhật ký. Tệp này không ghi thời gian: cần đối chiếu với "
                    "thời điểm sửa tệp, nhật ký sự kiện 4104/4688 và tài khoản sở hữu hồ sơ (C3, C5, H2)."),
    level="high", tags=["attack.execution", "attack.t1059.001"], checklist_id="C5")
RULES = [RULE]

PATTERNS = [
    (re.compile(r"\bnet1?(\.exe)?\s+user\s+\S+\s+\S*\s*/add\b", re.I), "account created", "attack.t1136.001"),
    (re.compile(r"\bnet1?(\.exe)?\s+localgroup\s+\"?administrators\"?\s+\S+\s+/add\b", re.I), "added to Administrators",
     "attack.t1098"),
    (re.compile(r"\b(iex|invoke-expression)\b.*\b(downloadstring|invoke-webrequest|iwr|net\.webclient)\b|"
                r"\b(downloadstring|downloadfile)\s*\(", re.I), "download and run", "attack.t1105"),
    (re.compile(r"\s-e(nc|ncodedcommand)?\s+[A-Za-z0-9+/=]{20,}", re.I), "encoded command", "attack.t1027"),
    (re.compile(r"\bvssadmin(\.exe)?\s+delete\s+shadows\b|\bwmic\s+shadowcopy\s+delete\b", re.I),
     "shadow copies deleted", "attack.t1490"),
    (re.compile(r"\bwevtutil(\.exe)?\s+(cl|clear-log)\b|\bclear-eventlog\b", re.I), "event log cleared",
     "attack.t1070.001"),
    (re.compile(r"\b(invoke-mimikatz|sekurlsa|lsadump|procdump.*lsass|comsvcs(\.dll)?,?\s*minidump)", re.I),
     "credential dumping", "attack.t1003.001"),
    (re.compile(r"\bset-mppreference\b.*-disable\w+\s+\$?true|\badd-mppreference\b.*-exclusion", re.I),
     "Defender weakened", "attack.t1562.001"),
]


def run(case, db):
    for rec in case.evidence():
        src = (rec.source or "").replace("\\", "/").lower()
        if rec.kind != "file" or "/psreadline/" not in src or not src.endswith("_history.txt"):
            continue
        try:
            with case.open_evidence(rec) as fh:
                text = fh.read(16 << 20).decode("utf-8", "replace")
        except OSError:
            continue
        user = src.split("/")[2] if src.startswith("/users/") else ""
        hits = 0
        for n, line in enumerate(text.splitlines(), 1):
            for rx, what, tag in PATTERNS:
                if rx.search(line) and hits < 50:
                    hits += 1
                    yield RULE.finding(
                        summary_vi=f"{rec.source} dòng {n}: {line.strip()[:200]}",
                        summary_en=f"{rec.source} line {n} ({what}): {line.strip()[:200]}",
                        evidence_ids=[rec.id], events=[{"evidence_id": rec.id, "locator": f"line {n}"}],
                        details={"line": n, "command": line.strip(), "what": what, "technique": tag, "user": user})
                    break
