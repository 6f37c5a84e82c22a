"""The Windows audit policy (SECURITY hive, windows_security.json): what the Security event log cannot
hold because it was never audited (no 4688 without Process Creation auditing, no 4624 without Logon),
so the responder knows which absences mean nothing; and an autologon password stored as an LSA secret
(DefaultPassword: only its name is read)."""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._windows import latest

AUDIT_GAP = CheckRule(
    id="ungcuu.windows.audit_gap",
    title_en="Audit policy: some events were never written to the Security log",
    title_vi="Chính sách kiểm toán: một số sự kiện không bao giờ được ghi vào nhật ký Security",
    explanation_vi=("Theo chính sách kiểm toán trong hive SECURITY (Policy\\PolAdtEv), các loại sự kiện này không được "
                    "bật ghi. Vì vậy nhật ký Security không thể có chúng: việc không thấy sự kiện (ví dụ 4688 tạo tiến "
                    "trình) không chứng minh là hành vi đó không xảy ra. Cần tìm dấu vết ở nguồn khác (Prefetch, "
                    "Amcache, BAM, Sysmon, PowerShell) và đề nghị bật kiểm toán khi khôi phục (C1, C3, R1)."),
    level="low", tags=["attack.defense_evasion", "attack.t1562.002"], checklist_id="C1", kind="context")
AUTOLOGON = CheckRule(
    id="ungcuu.windows.autologon_secret",
    title_en="An autologon password is stored (LSA secret DefaultPassword)",
    title_vi="Mật khẩu đăng nhập tự động được lưu trên máy (LSA secret DefaultPassword)",
    explanation_vi=("Hive SECURITY có LSA secret DefaultPassword: máy lưu mật khẩu để tự đăng nhập. Kẻ tấn công có "
                    "quyền SYSTEM đọc được mật khẩu này ở dạng rõ. UngCuu chỉ đọc tên secret, không đọc nội dung. Cần "
                    "đổi mật khẩu tài khoản đó và tắt đăng nhập tự động (H2, R1)."),
    level="medium", tags=["attack.credential_access", "attack.t1552.002"], checklist_id="H2")
RULES = [AUDIT_GAP, AUTOLOGON]
VI = {"logons (4624, 4625)": "đăng nhập (4624, 4625)", "process creations (4688)": "tạo tiến trình (4688)",
      "account changes (4720, 4722, 4724, 4738)": "thay đổi tài khoản (4720, 4722, 4724, 4738)",
      "group changes (4728, 4732)": "thay đổi nhóm (4728, 4732)",
      "credential validation (4776)": "xác thực thông tin đăng nhập (4776)",
      "audit policy changes (4719)": "thay đổi chính sách kiểm toán (4719)"}


def run(case, db):
    rows, eid = latest(case, "windows_security.json")
    for row in rows or []:
        gaps = row.get("not_audited") or []
        if gaps:
            yield AUDIT_GAP.finding(
                summary_vi="Không được kiểm toán: " + ", ".join(VI.get(g, g) for g in gaps),
                summary_en="Not audited: " + ", ".join(gaps), evidence_ids=[eid],
                time=row.get("audit_policy_changed"), details={"not_audited": gaps})
        if "DefaultPassword" in (row.get("secret_names") or []):
            yield AUTOLOGON.finding(summary_vi="Có LSA secret DefaultPassword (chỉ đọc tên)",
                                    summary_en="LSA secret DefaultPassword present (name only)", evidence_ids=[eid])
