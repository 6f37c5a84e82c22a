"""known_hosts naming other internal machines: the account has opened SSH sessions to them, the path a
responder follows for lateral movement (C6)."""
from __future__ import annotations

from analysis.checks import CheckRule
from collectors.artifacts.user_access import KnownHost

from ._linux import internal_host, rows

LATERAL = CheckRule(
    id="ungcuu.linux.known_hosts_internal",
    title_en="SSH known_hosts names other internal hosts",
    title_vi="known_hosts của SSH ghi các máy nội bộ khác",
    explanation_vi=("Tệp ~/.ssh/known_hosts ghi lại máy mà tài khoản này đã kết nối SSH tới. Các địa chỉ nội bộ "
                    "trong đó là các máy có thể đã bị truy cập tiếp từ máy này (di chuyển ngang). Cần đưa các máy "
                    "này vào phạm vi điều tra (C6) và kiểm tra nhật ký đăng nhập của chúng. Mục đã băm (|1|) "
                    "không đọc được tên: chỉ đối chiếu được với danh sách máy đã biết."),
    level="medium", tags=["attack.lateral_movement", "attack.t1021.004"], checklist_id="C6")
RULES = [LATERAL]


def run(case, db):
    by_user: dict[tuple[str, str], list] = {}
    hashed: dict[tuple[str, str], int] = {}
    recs: dict[tuple[str, str], set] = {}
    for rec, h in rows(case, "ssh_known_hosts.json", KnownHost):
        key = (h.user, h.file)
        recs.setdefault(key, set()).add(rec.id)
        if h.hashed:
            hashed[key] = hashed.get(key, 0) + 1
            continue
        for name in h.hosts:
            if internal_host(name):
                by_user.setdefault(key, []).append(name.strip("[]").split("]:")[0])
    for (user, file), hosts in sorted(by_user.items()):
        uniq = sorted(set(hosts))
        extra = hashed.get((user, file), 0)
        yield LATERAL.finding(
            summary_vi=f"{user} ({file}) đã kết nối SSH tới {len(uniq)} máy nội bộ: {', '.join(uniq[:20])}"
                       + (f"; thêm {extra} mục đã băm" if extra else ""),
            summary_en=f"{user} ({file}) has connected over SSH to {len(uniq)} internal hosts: {', '.join(uniq[:20])}"
                       + (f"; plus {extra} hashed entries" if extra else ""),
            evidence_ids=sorted(recs[(user, file)]), details={"user": user, "file": file, "hosts": uniq,
                                                             "hashed_entries": extra})
