"""Microsoft Defender on disk: the detections it kept (DetectionHistory files and the protection log
MPLog-*.log), each a threat Defender saw on this machine with the file and the time; and from the
protection log, the scan exclusions in force (an attacker adds them before dropping tools) and the
command lines the engine reported as a threat. Read from the hashed copies."""
from __future__ import annotations

import struct

from analysis.checks import CheckRule
from analysis.events import ParseReport
from analysis.parsers import mplog
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
RULE_EXCLUSION = CheckRule(
    id="ungcuu.windows.defender_exclusion",
    title_en="Microsoft Defender scan exclusion in force",
    title_vi="Microsoft Defender có thư mục/tiến trình/phần mở rộng được loại trừ khỏi quét",
    explanation_vi=("Nhật ký bảo vệ (MPLog) của Microsoft Defender ghi các mục được loại trừ khỏi quét. Kẻ tấn công "
                    "thường thêm loại trừ (thư mục Temp, Public, ProgramData, tiến trình của chúng) trước khi thả công cụ "
                    "để Defender không phát hiện. Cần đối chiếu từng mục với cấu hình do quản trị viên đặt (C5, H2)."),
    level="medium", tags=["attack.defense_evasion", "attack.t1562.001"], checklist_id="C5")
RULE_COMMAND = CheckRule(
    id="ungcuu.windows.defender_flagged_command",
    title_en="Microsoft Defender reported a command line as a threat",
    title_vi="Microsoft Defender đánh giá một dòng lệnh là mối đe dọa",
    explanation_vi=("Bộ máy quét của Defender ghi lại dòng lệnh bị đánh giá là mối đe dọa (threat) hoặc đáng ngờ (lowfi) "
                    "trong nhật ký bảo vệ (MPLog), kể cả khi không có tệp nào bị cách ly: đây là dấu vết thực thi lệnh "
                    "(C3, C4) với thời điểm chính xác."),
    level="high", tags=["attack.execution", "attack.t1059"], checklist_id="C3")
RULES = [RULE, RULE_EXCLUSION, RULE_COMMAND]


def _is_mplog(rec) -> bool:
    src = (rec.source or "").replace("\\", "/").lower()
    base = src.rsplit("/", 1)[-1]
    return rec.kind == "file" and "/windows defender/support/" in src and base.startswith("mplog-") and \
        base.endswith(".log")


def mplog_findings(case, rec):
    """Findings of one protection log: one per (threat, file), per exclusion, per flagged command line."""
    seen: dict[tuple, dict] = {}
    for ev in mplog.parse(str(case.evidence_path(rec)), ParseReport(), evidence_id=rec.id):
        f = ev.fields or {}
        kind = f.get("kind")
        if kind in ("detection", "detection_add", "remediation"):
            files = [r["path"] for r in f.get("resources", []) if r["kind"] in ("file", "containerfile")]
            key = ("threat", f.get("threat"), files[0] if files else None)
        elif kind == "scan":
            for threat in f.get("threats", []):
                k = ("threat", threat, (f.get("threat_resources") or [None])[0])
                seen.setdefault(k, {"time": ev.timestamp, "count": 0, "actions": set()})["count"] += 1
            continue
        elif kind == "threat_action":
            key = ("threat", f.get("threat"), f.get("path"))
        elif kind == "exclusion":
            key = ("exclusion", "path", f.get("path"))
        elif kind == "exclusions":
            for what in ("paths", "processes", "extensions"):
                for item in f.get(what, []):
                    seen.setdefault(("exclusion", what[:-1] if what != "processes" else "process", item),
                                    {"time": ev.timestamp, "count": 0, "actions": set()})["count"] += 1
            continue
        elif kind == "command_line":
            key = ("command", f.get("level"), f.get("command_line"))
        else:
            continue
        entry = seen.setdefault(key, {"time": ev.timestamp, "count": 0, "actions": set()})
        entry["count"] += 1
        entry["time"] = min(entry["time"], ev.timestamp)
        if kind in ("remediation", "threat_action") and f.get("action"):
            entry["actions"].add(str(f["action"]))
    from analysis.events import iso_z

    for (what, a, b), e in sorted(seen.items(), key=lambda kv: (kv[1]["time"], str(kv[0]))):
        when = iso_z(e["time"])
        if what == "threat":
            done = ", ".join(sorted(e["actions"]))
            yield RULE.finding(
                summary_vi=f"{a} trong {b or '?'} (MPLog{', đã ' + done if done else ''})",
                summary_en=f"{a} in {b or '?'} (MPLog{', ' + done if done else ''})",
                evidence_ids=[rec.id], time=when, details={"threat": a, "path": b, "lines": e["count"],
                                                          "actions": sorted(e["actions"])},
                level="medium" if str(a).startswith("PUA:") else None, event_count=e["count"])
        elif what == "exclusion":
            kind_vi = {"path": "thư mục/tệp", "process": "tiến trình", "extension": "phần mở rộng"}[a]
            yield RULE_EXCLUSION.finding(summary_vi=f"Loại trừ {kind_vi}: {b}", summary_en=f"Excluded {a}: {b}",
                                         evidence_ids=[rec.id], time=when, details={"type": a, "value": b},
                                         event_count=e["count"])
        else:
            yield RULE_COMMAND.finding(
                summary_vi=f"Dòng lệnh bị đánh giá là {'mối đe dọa' if a == 'threat' else 'đáng ngờ'}: {b}",
                summary_en=f"Command line reported as {a}: {b}", evidence_ids=[rec.id], time=when,
                details={"level": a, "command_line": b}, level="high" if a == "threat" else "medium",
                first_match={"commandline": b}, event_count=e["count"])


def run(case, db):
    for rec in case.evidence():
        if _is_mplog(rec):
            try:
                yield from mplog_findings(case, rec)
            except OSError:
                pass  # the timeline names an unreadable file
            continue
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
