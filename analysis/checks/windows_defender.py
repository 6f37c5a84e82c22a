"""Microsoft Defender detections kept on disk (DetectionHistory): each is a threat Defender saw on this
machine, with the file, the user and the time, read from the hashed copy."""
from __future__ import annotations

import struct

from analysis.checks import CheckRule
from analysis.parsers.defender import detection

RULE = CheckRule(
    id="ungcuu.windows.defender_detection",
    title_en="Microsoft Defender detected a threat",
    title_vi="Microsoft Defender đã phát hiện mối đe dọa",
    explanation_vi=("Lịch sử phát hiện của Microsoft Defender ghi lại mã độc hoặc phần mềm không mong muốn đã xuất hiện "
                    "trên máy, kể cả khi đã bị cách ly. Tên mối đe dọa, đường dẫn tệp, nguồn tải về và thời điểm phát "
                    "hiện giúp xác định điểm xâm nhập và mốc thời gian (C3, C4, H2). Cần kiểm tra xem tệp còn trên đĩa "
                    "không và các máy khác có cùng tệp không."),
    level="high", tags=["attack.execution", "attack.t1204.002"], checklist_id="C3")
RULES = [RULE]


def run(case, db):
    for rec in case.evidence():
        src = (rec.source or "").replace("\\", "/").lower()
        if rec.kind != "file" or "/windows defender/scans/history/service/detectionhistory/" not in src:
            continue
        try:
            with case.open_evidence(rec) as fh:
                d = detection(fh.read(8 << 20))
        except (OSError, ValueError, struct.error):
            continue  # the timeline names an unreadable file
        files = [r["path"] for r in d["resources"] if r["kind"] in ("file", "containerfile")]
        web = [r["path"].split("|")[1] for r in d["resources"] if r["kind"] == "webfile" and "|" in r["path"]]
        where = ", ".join(dict.fromkeys(files)) or "?"
        src_vi = f", tải từ {web[0]}" if web else ""
        src_en = f", downloaded from {web[0]}" if web else ""
        yield RULE.finding(summary_vi=f"{d['threat']} trong {where}{src_vi} ({d['user'] or 'không rõ người dùng'})",
                           summary_en=f"{d['threat']} in {where}{src_en} ({d['user'] or 'unknown user'})",
                           evidence_ids=[rec.id], time=d["detected"], details=d,
                           level="medium" if str(d["threat"]).startswith("PUA:") else None)
