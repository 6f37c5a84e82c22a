"""Origin candidates (C6): source addresses with many failed authentications, and those that then logged on.

A case check rather than a Sigma correlation because it joins every authentication source of the case
(Windows 4624/4625, RDP, sshd, PAM, utmp) under one spelling of each address (``::ffff:203.0.113.9`` is
``203.0.113.9``, loopback is local), counts rsyslog's "message repeated N times" lines as N, and has no
time window: a slow guesser over days is still one origin.
"""
from __future__ import annotations

import ipaddress

from analysis.checks import CheckRule
from analysis.checks._common import t

_EXPL = ("Dò mật khẩu (Credential Access) rồi đăng nhập thành công thường là lối vào của kẻ tấn công: địa chỉ "
         "nguồn và tài khoản này là ứng viên hàng đầu cho nguồn gốc tấn công (bước C6); cần đổi mật khẩu, "
         "chặn địa chỉ và kiểm tra mọi việc tài khoản đã làm sau lần đăng nhập đó.")
RULES = [
    CheckRule(id="C6-failed-then-success", title_en="Failed authentications then a successful logon from one address",
              title_vi="Xác thực thất bại nhiều lần rồi đăng nhập thành công từ cùng một địa chỉ",
              explanation_vi=_EXPL, level="high", checklist_id="C6", kind="origin_candidate",
              tags=["attack.credential-access", "attack.t1110", "attack.initial-access", "attack.t1078"]),
    CheckRule(id="C6-brute-force", title_en="Password guessing from one address",
              title_vi="Dò mật khẩu từ một địa chỉ",
              explanation_vi=("Nhiều lần xác thực thất bại từ một địa chỉ là dấu hiệu dò mật khẩu (Credential "
                              "Access); chưa thấy đăng nhập thành công, nhưng địa chỉ này là nguồn tấn công "
                              "nghi vấn (bước C6)."),
              level="medium", checklist_id="C6", kind="origin_candidate",
              tags=["attack.credential-access", "attack.t1110"]),
]
R = {r.id: r for r in RULES}

# (pam_unix "authentication failure" lines are not counted: sshd logs each of them again as "Failed ...")
FAIL_EVENTS = ("ssh_failed", "ssh_invalid_user", "logon_failed", "login_failed")
OK_EVENTS = ("ssh_accepted", "logon", "rdp_auth", "rdp_logon", "login")
BRUTE_FORCE_MIN = 10
LOCAL_IPS = ("", "-", "127.0.0.1", "::1", "0.0.0.0", "localhost")


def remote_address(text: str) -> str | None:
    """The source address of an authentication in one spelling, or None when it is this host.

    ``::ffff:203.0.113.9`` (an IPv4 client of a dual-stack socket, as Windows 4624/4625 and many daemons
    write it) is ``203.0.113.9``; IPv6 is compressed (``2001:0db8::0001`` = ``2001:db8::1``); loopback and
    unspecified addresses are local; a host name (utmp) is kept as written."""
    text = text.strip().strip("[]")
    if text in LOCAL_IPS:
        return None
    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_loopback or addr.is_unspecified:
        return None
    return str(addr)


def run(case, db):
    ev = "json_extract(fields, '$.event')"
    stats: dict[str, dict] = {}
    kinds = FAIL_EVENTS + OK_EVENTS
    sql = (f"SELECT ts, evidence_id, locator, {ev}, json_extract(fields, '$.ip'), json_extract(fields, '$.user'), "
           f"json_extract(fields, '$.hostname'), json_extract(fields, '$.repeat') FROM events "
           f"WHERE {ev} IN ({','.join('?' * len(kinds))}) ORDER BY ts")
    for ts, eid, loc, kind, ip, user, hostname, repeat in db.execute(sql, kinds):
        ip = remote_address(str(ip or hostname or ""))
        if ip is None:
            continue
        s = stats.setdefault(ip, {"failed": 0, "ok": 0, "first": ts, "last": ts, "users_failed": set(),
                                  "users_ok": set(), "first_ok_after_fail": None, "evidence": set(), "keys": []})
        s["last"] = ts
        s["evidence"].add(eid)
        if kind in FAIL_EVENTS:
            s["failed"] += repeat or 1
            if user:
                s["users_failed"].add(user)
            if len(s["keys"]) < 20:
                s["keys"].append({"evidence_id": eid, "locator": loc})
        else:
            s["ok"] += 1
            if user:
                s["users_ok"].add(user)
            if s["failed"] and s["first_ok_after_fail"] is None:
                s["first_ok_after_fail"] = (ts, user, eid, loc)
                s["keys"].append({"evidence_id": eid, "locator": loc})
    for ip, s in sorted(stats.items(), key=lambda kv: (-kv[1]["failed"], kv[0])):
        details = {"ip": ip, "failed": s["failed"], "succeeded": s["ok"], "first_seen": t(s["first"]),
                   "last_seen": t(s["last"]), "accounts_failed": sorted(s["users_failed"])[:50],
                   "accounts_succeeded": sorted(s["users_ok"])[:50]}
        first = {"ip": ip}
        if s["first_ok_after_fail"]:
            ts, user, eid, loc = s["first_ok_after_fail"]
            details["success_after_failures_at"] = t(ts)
            details["success_account"] = user
            sev = "critical" if s["failed"] >= BRUTE_FORCE_MIN else "high"
            yield R["C6-failed-then-success"].finding(
                summary_vi=f"Nguồn tấn công nghi vấn {ip}: {s['failed']} lần xác thực thất bại rồi đăng nhập thành "
                           f"công (tài khoản {user or '?'}, lúc {t(ts)}); xuất hiện từ {t(s['first'])} đến {t(s['last'])}",
                summary_en=f"Origin candidate {ip}: {s['failed']} failed authentications then a successful logon "
                           f"(account {user or '?'}, at {t(ts)}); seen {t(s['first'])} to {t(s['last'])}",
                time=t(ts), evidence_ids=sorted(s["evidence"]), events=s["keys"], details=details,
                level="critical" if sev == "critical" else "high", first_match=first | {"user": user},
                event_count=s["failed"] + s["ok"])
        elif s["failed"] >= BRUTE_FORCE_MIN:
            yield R["C6-brute-force"].finding(
                summary_vi=f"Dò mật khẩu từ {ip}: {s['failed']} lần thất bại, chưa thấy đăng nhập thành công "
                           f"({t(s['first'])} – {t(s['last'])})",
                summary_en=f"Password guessing from {ip}: {s['failed']} failures, no successful logon seen "
                           f"({t(s['first'])} – {t(s['last'])})",
                time=t(s["first"]), evidence_ids=sorted(s["evidence"]), events=s["keys"], details=details,
                first_match=first, event_count=s["failed"])
