"""Windows local accounts (SAM): an administrator account created after the system was installed, and
an account whose name ends in '$' (hidden from `net user`) in a local group."""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._windows import latest

NEW_ADMIN = CheckRule(
    id="ungcuu.windows.new_admin_account",
    title_en="Local administrator account created after installation",
    title_vi="Tài khoản quản trị cục bộ được tạo sau khi cài đặt hệ thống",
    explanation_vi=("Cơ sở dữ liệu SAM cho thấy một tài khoản cục bộ thuộc nhóm Administrators được tạo sau khi cài "
                    "đặt Windows. Kẻ tấn công thường tạo tài khoản quản trị mới để duy trì truy cập. Cần đối chiếu "
                    "với người quản trị hệ thống xem tài khoản này có được phép hay không, và xem nhật ký sự kiện "
                    "4720/4732 quanh thời điểm tạo (C5, H2)."),
    level="high", tags=["attack.persistence", "attack.t1136.001", "attack.t1098"], checklist_id="C5")
HIDDEN = CheckRule(
    id="ungcuu.windows.hidden_account",
    title_en="Local account named like a computer account ('$' at the end)",
    title_vi="Tài khoản cục bộ đặt tên giống tài khoản máy (kết thúc bằng '$')",
    explanation_vi=("Tên tài khoản kết thúc bằng '$' không hiện trong lệnh `net user`: một cách che giấu tài khoản "
                    "do kẻ tấn công tạo. Tài khoản cục bộ hợp lệ không cần tên như vậy (C5, H2)."),
    level="high", tags=["attack.defense_evasion", "attack.t1564.002"], checklist_id="C5")
RULES = [NEW_ADMIN, HIDDEN]
DAY = "T"


def _install_time(case) -> str | None:
    rec = case.latest("os_release.json")
    if rec is None:
        return None
    try:
        return ((case.read_json(rec) or {}).get("windows") or {}).get("install_date")
    except (OSError, ValueError, AttributeError):
        return None


def run(case, db):
    accounts, eid = latest(case, "windows_sam_accounts.json")
    if not accounts:
        return
    installed = _install_time(case)
    if installed is None:
        builtin = [a.get("created") for a in accounts if a.get("rid") in (500, 501) and a.get("created")]
        installed = min(builtin) if builtin else None
    for a in accounts:
        name, created = a.get("name") or "", a.get("created")
        admin = "Administrators" in (a.get("groups") or [])
        if str(name).endswith("$"):
            yield HIDDEN.finding(
                summary_vi=f"Tài khoản {name} (RID {a.get('rid')}), nhóm: {', '.join(a.get('groups') or []) or 'không'}",
                summary_en=f"Account {name} (RID {a.get('rid')}), groups: {', '.join(a.get('groups') or []) or 'none'}",
                evidence_ids=[eid], time=created, details=a)
        if admin and a.get("rid") != 500 and created and installed and created[:10] > installed[:10]:
            yield NEW_ADMIN.finding(
                summary_vi=f"Tài khoản {name} (RID {a.get('rid')}) thuộc Administrators, tạo lúc {created}, "
                           f"đăng nhập lần cuối {a.get('last_logon') or 'chưa'}",
                summary_en=f"Account {name} (RID {a.get('rid')}) in Administrators, created {created}, "
                           f"last logon {a.get('last_logon') or 'never'}",
                evidence_ids=[eid], time=created, details=a,
                level=None if not a.get("disabled") else "medium")
