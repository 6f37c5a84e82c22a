"""A set-user-ID copy of a shell (the classic root backdoor: ``cp /bin/bash /tmp/.x; chmod u+s``), or any
SUID/SGID file in a temporary folder or a user's home."""
from __future__ import annotations

import posixpath

from analysis.checks import CheckRule
from collectors.artifacts.fs_timeline import FileHash, FsNotable

from ._linux import SHELLS, in_temp, rows, when

SHELL = CheckRule(
    id="ungcuu.linux.suid_shell_copy",
    title_en="Set-user-ID copy of a shell",
    title_vi="Bản sao trình thông dịch lệnh (shell) có bit SUID",
    explanation_vi=("Một bản sao của bash/sh/dash... mang bit SUID cho phép bất kỳ ai chạy nó có quyền của chủ "
                    "sở hữu (thường là root): đây là cửa hậu leo thang đặc quyền cổ điển, để kẻ tấn công quay "
                    "lại máy. Cần thu giữ tệp, tìm thời điểm tạo (btime/ctime) trên dòng thời gian (C2) và xóa "
                    "sau khi đã lưu chứng cứ (H2)."),
    level="critical", tags=["attack.privilege_escalation", "attack.persistence", "attack.t1548.001"],
    checklist_id="C5")
ODD = CheckRule(
    id="ungcuu.linux.suid_in_odd_place",
    title_en="SUID/SGID file in a temporary folder or a home",
    title_vi="Tệp SUID/SGID trong thư mục tạm hoặc thư mục người dùng",
    explanation_vi=("Tệp có bit SUID/SGID nằm ngoài các thư mục chương trình hệ thống (/tmp, /dev/shm, /home...) "
                    "là dấu hiệu chuẩn bị leo thang đặc quyền. Cần xác định ai tạo tệp và khi nào."),
    level="high", tags=["attack.privilege_escalation", "attack.t1548.001"], checklist_id="C5")
RULES = [SHELL, ODD]
SHELL_HOMES = ("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/")


def run(case, db):
    shell_hashes: dict[str, str] = {}
    for _rec, h in rows(case, "fs_hashes-", FileHash, prefix=True):
        if h.path.startswith(SHELL_HOMES) and posixpath.basename(h.path) in SHELLS and h.sha256:
            shell_hashes.setdefault(h.sha256, h.path)
    for rec, n in rows(case, "fs_notable-", FsNotable, prefix=True):
        if n.kind not in ("suid", "sgid"):
            continue
        base = posixpath.basename(n.path)
        same = shell_hashes.get(n.sha256 or "")
        if same and same != n.path or base.lstrip(".") in SHELLS and not n.path.startswith(SHELL_HOMES):
            yield SHELL.finding(
                summary_vi=f"{n.path} là bản sao shell có bit {n.kind.upper()} (chủ uid {n.uid})"
                           + (f", giống hệt {same}" if same else ""),
                summary_en=f"{n.path} is a {n.kind.upper()} copy of a shell (owner uid {n.uid})"
                           + (f", identical to {same}" if same else ""),
                evidence_ids=[rec.id], time=when(n.btime or n.ctime),
                details={"path": n.path, "sha256": n.sha256, "same_as": same, "mode": n.mode, "uid": n.uid})
        elif in_temp(n.path) or n.path.startswith(("/home/", "/root/", "/var/www/")):
            yield ODD.finding(
                summary_vi=f"{n.path} có bit {n.kind.upper()} (chủ uid {n.uid})",
                summary_en=f"{n.path} is {n.kind.upper()} (owner uid {n.uid})",
                evidence_ids=[rec.id], time=when(n.btime or n.ctime),
                details={"path": n.path, "sha256": n.sha256, "mode": n.mode})
