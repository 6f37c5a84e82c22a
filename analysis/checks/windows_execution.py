"""Program execution traces on Windows (BAM/DAM, UserAssist, Amcache, shimcache, Prefetch): programs
run from user-writable or temporary folders, and known attack tools by name."""
from __future__ import annotations

import re

from analysis.checks import CheckRule
from analysis.checks._windows import latest, norm, odd_place

ODD = CheckRule(
    id="ungcuu.windows.exec_from_odd_place",
    title_en="Program run from a user-writable or temporary folder",
    title_vi="Chương trình được chạy từ thư mục người dùng ghi được hoặc thư mục tạm",
    explanation_vi=("Dấu vết thực thi (BAM, UserAssist, Amcache, shimcache, Prefetch) cho thấy một chương trình chạy từ "
                    "Users\\Public, thư mục Temp, Downloads, ProgramData hoặc Thùng rác. Mã độc và công cụ của kẻ tấn "
                    "công thường được thả và chạy ở đó. Cần thu tệp (nếu còn), tính mã băm, đối chiếu với "
                    "thời gian sự cố (C3, C5)."),
    level="medium", tags=["attack.execution", "attack.t1204.002"], checklist_id="C3")
TOOL = CheckRule(
    id="ungcuu.windows.attack_tool_executed",
    title_en="Known attack tool executed",
    title_vi="Công cụ tấn công đã biết đã được chạy",
    explanation_vi=("Tên chương trình trong dấu vết thực thi trùng với một công cụ hay dùng trong tấn công (lấy mật "
                    "khẩu, điều khiển từ xa, tạo đường hầm, đánh cắp dữ liệu). Tên tệp có thể bị đổi nên cần xác "
                    "minh bằng mã băm, nhưng sự xuất hiện của nó là dấu hiệu mạnh cần điều tra ngay (C3, C5, H2)."),
    level="high", tags=["attack.credential_access", "attack.lateral_movement", "attack.t1003.001", "attack.t1569.002"],
    checklist_id="C3")
RULES = [ODD, TOOL]

TOOLS = {"mimikatz", "mimi", "procdump", "procdump64", "psexec", "psexec64", "psexesvc", "wce", "pwdump", "gsecdump",
         "lazagne", "rclone", "plink", "ngrok", "chisel", "nc", "nc64", "ncat", "rubeus", "sharphound", "bloodhound",
         "adfind", "cobaltstrike", "beacon", "nanodump", "secretsdump", "wmiexec", "frp", "frpc"}

# artifact file -> (field with the path, field with the time, label)
SOURCES = (("windows_bam.json", "path", "last_run", "BAM"), ("windows_userassist.json", "name", "last_run", "UserAssist"),
           ("windows_amcache.json", "path", "key_last_write", "Amcache"),
           ("windows_shimcache.json", "path", "last_modified", "shimcache"),
           ("windows_prefetch.json", "path", "last_run", "Prefetch"))


def _exe_name(path: str) -> str:
    base = norm(path).rsplit("\\", 1)[-1]
    return re.sub(r"\.(exe|com|scr|bat|ps1)$", "", base)


def run(case, db):
    odd: dict[str, dict] = {}
    tools: dict[str, dict] = {}
    for name, pfield, tfield, label in SOURCES:
        rows, eid = latest(case, name)
        for r in rows:
            path = str(r.get(pfield) or (r.get("executable") if name == "windows_prefetch.json" else "") or "")
            if not path:
                continue
            key = norm(path)
            for bucket, hit in ((odd, odd_place(path)), (tools, _exe_name(path) in TOOLS)):
                if not hit:
                    continue
                b = bucket.setdefault(key, {"path": path, "seen_in": [], "evidence_ids": set(), "times": []})
                if label not in b["seen_in"]:
                    b["seen_in"].append(label)
                b["evidence_ids"].add(eid)
                if r.get(tfield):
                    b["times"].append(r[tfield])
    for key, b in sorted(tools.items()):
        first = min(b["times"]) if b["times"] else None
        yield TOOL.finding(summary_vi=f"{b['path']} (dấu vết: {', '.join(b['seen_in'])})",
                           summary_en=f"{b['path']} (traces: {', '.join(b['seen_in'])})",
                           evidence_ids=sorted(b["evidence_ids"]), time=first,
                           details={"path": b["path"], "seen_in": b["seen_in"], "times": sorted(b["times"])})
    for key, b in sorted(odd.items()):
        if key in tools:
            continue
        first = min(b["times"]) if b["times"] else None
        yield ODD.finding(summary_vi=f"{b['path']} (dấu vết: {', '.join(b['seen_in'])})",
                          summary_en=f"{b['path']} (traces: {', '.join(b['seen_in'])})",
                          evidence_ids=sorted(b["evidence_ids"]), time=first,
                          details={"path": b["path"], "seen_in": b["seen_in"], "times": sorted(b["times"])})
