"""The case's context for the report: last updates (C3) and last use of the machine (C4).

These are no attack indicators (no ATT&CK tactic): they answer the procedure's questions C3 and C4 from
the timeline as a whole (the most recent of several kinds of events), which no single-event rule can.
"""
from __future__ import annotations

from analysis.checks import CheckRule
from analysis.checks._common import evidence_ids, key, rows, t

_EXPL_C3 = ("Thời điểm hệ thống được cập nhật gần nhất (bước C3): cho biết bản vá nào đã có khi sự cố xảy ra "
            "và lỗ hổng nào có thể còn mở.")
_EXPL_C4 = ("Lần cuối hệ thống được sử dụng (bước C4): mốc để đối chiếu với thời điểm tấn công và để biết "
            "ai đã dùng máy gần nhất.")


def _rule(id_, en, vi, expl, checklist):
    return CheckRule(id=id_, title_en=en, title_vi=vi, explanation_vi=expl, level="informational",
                     checklist_id=checklist, kind="last_update" if checklist == "C3" else "last_use")


RULES = [
    _rule("C3-last-package-activity", "Last package update or installation", "Lần cập nhật/cài đặt gói gần nhất",
          _EXPL_C3, "C3"),
    _rule("C3-last-windows-update", "Last Windows update installed", "Bản cập nhật Windows cài gần nhất",
          _EXPL_C3, "C3"),
    _rule("C4-last-logon", "Last interactive logon", "Lần đăng nhập tương tác gần nhất", _EXPL_C4, "C4"),
    _rule("C4-last-logoff", "Last logoff", "Lần đăng xuất gần nhất", _EXPL_C4, "C4"),
    _rule("C4-last-activity", "Last activity recorded in the logs", "Hoạt động cuối cùng ghi trong nhật ký",
          _EXPL_C4, "C4"),
]
R = {r.id: r for r in RULES}

LOGIN_EVENTS = ("ssh_accepted", "login", "rdp_logon", "rdp_reconnection", "last_login")
LOGOFF_EVENTS = ("logout", "logoff", "rdp_disconnected", "rdp_logoff")
# PAM sessions that are someone logging in; cron, sudo, su, runuser and systemd-user open sessions too
# (cron every few minutes), and those are no "last use" of the machine
INTERACTIVE_PAM_SERVICES = ("sshd", "login", "gdm-password", "gdm-autologin", "gdm-fingerprint", "lightdm",
                            "lightdm-autologin", "sddm", "sddm-autologin", "xrdp-sesman", "vsftpd", "cockpit",
                            "kde", "xdm", "remote")


def run(case, db):
    pkg = list(rows(db, "source IN ('apt','yum','dnf') OR (source = 'dpkg' AND "
                        "json_extract(fields, '$.action') IN ('install','upgrade','remove','purge'))",
                    order="ts DESC, id DESC", limit=5))
    if pkg:
        last = pkg[0]
        n = db.execute("SELECT COUNT(*) FROM events WHERE source IN ('dpkg','apt','yum','dnf')").fetchone()[0]
        yield R["C3-last-package-activity"].finding(
            summary_vi=f"Lần cập nhật/cài đặt gói gần nhất: {last['datetime']} — {last['message'][:160]}",
            summary_en=f"Last package update/installation: {last['datetime']} — {last['message'][:160]}",
            time=t(last["ts"]), evidence_ids=evidence_ids(pkg), events=[key(r) for r in pkg],
            details={"recent": [{"time": r["datetime"], "message": r["message"]} for r in pkg], "package_events": n})
    win = list(rows(db, "source = 'evtx' AND json_extract(fields, '$.event') = 'update_installed'",
                    order="ts DESC, id DESC", limit=5))
    if win:
        last = win[0]
        title = last["fields"].get("update", "")
        yield R["C3-last-windows-update"].finding(
            summary_vi=f"Bản cập nhật Windows cài gần nhất: {last['datetime']} — {title}",
            summary_en=f"Last Windows update installed: {last['datetime']} — {title}",
            time=t(last["ts"]), evidence_ids=evidence_ids(win), events=[key(r) for r in win],
            details={"recent": [{"time": r["datetime"], "update": r["fields"].get("update")} for r in win]})
    ev = "json_extract(fields, '$.event')"
    pam = f"json_extract(fields, '$.service') IN ({','.join('?' * len(INTERACTIVE_PAM_SERVICES))})"
    login_where = (f"({ev} IN ({','.join('?' * len(LOGIN_EVENTS))}) OR ({ev} = 'logon' AND "
                   f"json_extract(fields, '$.logon_type') IN (2, 7, 10, 11)) OR ({ev} = 'session_opened' AND {pam}))")
    logins = list(rows(db, login_where, LOGIN_EVENTS + INTERACTIVE_PAM_SERVICES, order="ts DESC, id DESC", limit=5))
    if logins:
        r = logins[0]
        f = r["fields"]
        who = f.get("user") or "?"
        frm = f.get("ip") or f.get("hostname") or "local"
        yield R["C4-last-logon"].finding(
            summary_vi=f"Lần đăng nhập tương tác gần nhất: {r['datetime']} — tài khoản {who} từ {frm}",
            summary_en=f"Last interactive logon: {r['datetime']} — account {who} from {frm}",
            time=t(r["ts"]), evidence_ids=evidence_ids(logins), events=[key(x) for x in logins],
            details={"recent": [{"time": x["datetime"], "message": x["message"]} for x in logins]})
    logoffs = list(rows(db, f"{ev} IN ({','.join('?' * len(LOGOFF_EVENTS))}) OR ({ev} = 'session_closed' AND {pam})",
                        LOGOFF_EVENTS + INTERACTIVE_PAM_SERVICES, order="ts DESC, id DESC", limit=5))
    if logoffs:
        r = logoffs[0]
        yield R["C4-last-logoff"].finding(
            summary_vi=f"Lần đăng xuất gần nhất: {r['datetime']} — {r['message'][:120]}",
            summary_en=f"Last logoff: {r['datetime']} — {r['message'][:120]}",
            time=t(r["ts"]), evidence_ids=evidence_ids(logoffs), events=[key(x) for x in logoffs])
    act = list(rows(db, "source NOT IN ('file', 'process', 'package', 'system')", order="ts DESC, id DESC", limit=1))
    if act:
        r = act[0]
        yield R["C4-last-activity"].finding(
            summary_vi=f"Hoạt động cuối cùng ghi trong nhật ký: {r['datetime']} — {r['message'][:120]}",
            summary_en=f"Last activity recorded in the logs: {r['datetime']} — {r['message'][:120]}",
            time=t(r["ts"]), evidence_ids=[r["evidence_id"]], events=[key(r)])
