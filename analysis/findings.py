"""Findings: what the evidence says about updates (C3), last use (C4), indicators (C5), the origin of the
attack (C6) and backdoors / persistence (H2).

Each `Finding` has a kind, a severity (info, low, medium, high, critical), a summary in Vietnamese and
English, the time it concerns, the evidence ids and timeline events behind it (``events`` holds
``{"evidence_id", "locator"}`` keys that survive a timeline rebuild) and the rule that fired.

``run(case, ioc_file=None, yara_file=None) -> list[Finding]`` (builds the timeline first when it is
missing or stale). Rules read only the case: the timeline, JSON snapshots and copied files.
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analysis import timeline
from analysis.events import iso_z
from collectors import records

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass
class Finding:
    kind: str
    checklist_id: str
    severity: str
    summary_vi: str
    summary_en: str
    rule: str
    time: str | None = None  # ISO 8601 UTC ('Z')
    evidence_ids: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # [{"evidence_id", "locator"}]
    details: dict = field(default_factory=dict)
    # The rule's own description (Sigma rules and case checks): ATT&CK tags, titles, attribution.
    tags: list[str] = field(default_factory=list)
    title_en: str = ""
    title_vi: str = ""
    explanation_vi: str = ""
    author: str = ""
    references: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self, lang: str = "vi") -> str:
        return self.summary_vi if lang == "vi" else self.summary_en


def _key(row: dict) -> dict:
    return {"evidence_id": row["evidence_id"], "locator": row["locator"]}


def _t(us: int | None) -> str | None:
    return iso_z(us) if us is not None else None


def _rows(db, where: str, args=(), order="ts", limit: int | None = None):
    sql = f"SELECT {', '.join(timeline.COLUMNS)} FROM events WHERE {where} ORDER BY {order}"
    if limit:
        sql += f" LIMIT {int(limit)}"
    for r in db.execute(sql, args):
        yield timeline.row_dict(r)


def _evidence_ids(rows) -> list[str]:
    return sorted({r["evidence_id"] for r in rows})


# ------------------------------------------------------------------------------------------- C3
PKG_SOURCES = ("dpkg", "apt", "yum", "dnf")


def rule_updates(case, db) -> list[Finding]:
    out: list[Finding] = []
    pkg = list(_rows(db, "source IN ('apt','yum','dnf') OR (source = 'dpkg' AND "
                         "json_extract(fields, '$.action') IN ('install','upgrade','remove','purge'))",
                     order="ts DESC, id DESC", limit=5))
    if pkg:
        last = pkg[0]
        n = db.execute("SELECT COUNT(*) FROM events WHERE source IN ('dpkg','apt','yum','dnf')").fetchone()[0]
        out.append(Finding(
            "last_update", "C3", "info",
            f"Lần cập nhật/cài đặt gói gần nhất: {last['datetime']} — {last['message'][:160]}",
            f"Last package update/installation: {last['datetime']} — {last['message'][:160]}",
            "C3-last-package-activity", _t(last["ts"]), _evidence_ids(pkg), [_key(r) for r in pkg],
            {"recent": [{"time": r["datetime"], "message": r["message"]} for r in pkg], "package_events": n}))
    win = list(_rows(db, "source = 'evtx' AND json_extract(fields, '$.event') = 'update_installed'",
                     order="ts DESC, id DESC", limit=5))
    if win:
        last = win[0]
        title = last["fields"].get("update", "")
        out.append(Finding(
            "last_update", "C3", "info",
            f"Bản cập nhật Windows cài gần nhất: {last['datetime']} — {title}",
            f"Last Windows update installed: {last['datetime']} — {title}",
            "C3-last-windows-update", _t(last["ts"]), _evidence_ids(win), [_key(r) for r in win],
            {"recent": [{"time": r["datetime"], "update": r["fields"].get("update")} for r in win]}))
    return out


# ------------------------------------------------------------------------------------------- C4
LOGIN_EVENTS = ("ssh_accepted", "login", "rdp_logon", "rdp_reconnection", "last_login")
LOGOFF_EVENTS = ("logout", "logoff", "rdp_disconnected", "rdp_logoff")
INTERACTIVE_LOGON_TYPES = (2, 7, 10, 11)
# PAM sessions that are someone logging in; cron, sudo, su, runuser and systemd-user open sessions too
# (cron every few minutes), and those are no "last use" of the machine
INTERACTIVE_PAM_SERVICES = ("sshd", "login", "gdm-password", "gdm-autologin", "gdm-fingerprint", "lightdm",
                            "lightdm-autologin", "sddm", "sddm-autologin", "xrdp-sesman", "vsftpd", "cockpit",
                            "kde", "xdm", "remote")


def rule_last_use(case, db) -> list[Finding]:
    out: list[Finding] = []
    ev = "json_extract(fields, '$.event')"
    pam = f"json_extract(fields, '$.service') IN ({','.join('?' * len(INTERACTIVE_PAM_SERVICES))})"
    login_where = (f"({ev} IN ({','.join('?' * len(LOGIN_EVENTS))}) OR ({ev} = 'logon' AND "
                   f"json_extract(fields, '$.logon_type') IN (2, 7, 10, 11)) OR ({ev} = 'session_opened' AND {pam}))")
    logins = list(_rows(db, login_where, LOGIN_EVENTS + INTERACTIVE_PAM_SERVICES, order="ts DESC, id DESC", limit=5))
    if logins:
        r = logins[0]
        f = r["fields"]
        who = f.get("user") or "?"
        frm = f.get("ip") or f.get("hostname") or "local"
        out.append(Finding(
            "last_use", "C4", "info",
            f"Lần đăng nhập tương tác gần nhất: {r['datetime']} — tài khoản {who} từ {frm}",
            f"Last interactive logon: {r['datetime']} — account {who} from {frm}",
            "C4-last-logon", _t(r["ts"]), _evidence_ids(logins), [_key(x) for x in logins],
            {"recent": [{"time": x["datetime"], "message": x["message"]} for x in logins]}))
    logoffs = list(_rows(db, f"{ev} IN ({','.join('?' * len(LOGOFF_EVENTS))}) OR ({ev} = 'session_closed' AND {pam})",
                         LOGOFF_EVENTS + INTERACTIVE_PAM_SERVICES, order="ts DESC, id DESC", limit=5))
    if logoffs:
        r = logoffs[0]
        out.append(Finding(
            "last_use", "C4", "info",
            f"Lần đăng xuất gần nhất: {r['datetime']} — {r['message'][:120]}",
            f"Last logoff: {r['datetime']} — {r['message'][:120]}",
            "C4-last-logoff", _t(r["ts"]), _evidence_ids(logoffs), [_key(x) for x in logoffs]))
    act = list(_rows(db, "source NOT IN ('file', 'process', 'package', 'system')", order="ts DESC, id DESC",
                     limit=1))
    if act:
        r = act[0]
        out.append(Finding(
            "last_use", "C4", "info",
            f"Hoạt động cuối cùng ghi trong nhật ký: {r['datetime']} — {r['message'][:120]}",
            f"Last activity recorded in the logs: {r['datetime']} — {r['message'][:120]}",
            "C4-last-activity", _t(r["ts"]), [r["evidence_id"]], [_key(r)]))
    return out


# ------------------------------------------------------------------------------------------- C6
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


def rule_origin(case, db) -> list[Finding]:
    """Source addresses (and accounts) with failed-then-successful authentication; heavy failures."""
    out: list[Finding] = []
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
        details = {"ip": ip, "failed": s["failed"], "succeeded": s["ok"], "first_seen": _t(s["first"]),
                   "last_seen": _t(s["last"]), "accounts_failed": sorted(s["users_failed"])[:50],
                   "accounts_succeeded": sorted(s["users_ok"])[:50]}
        if s["first_ok_after_fail"]:
            ts, user, eid, loc = s["first_ok_after_fail"]
            details["success_after_failures_at"] = _t(ts)
            details["success_account"] = user
            sev = "critical" if s["failed"] >= BRUTE_FORCE_MIN else "high"
            out.append(Finding(
                "origin_candidate", "C6", sev,
                f"Nguồn tấn công nghi vấn {ip}: {s['failed']} lần xác thực thất bại rồi đăng nhập thành công "
                f"(tài khoản {user or '?'}, lúc {_t(ts)}); xuất hiện từ {_t(s['first'])} đến {_t(s['last'])}",
                f"Origin candidate {ip}: {s['failed']} failed authentications then a successful logon "
                f"(account {user or '?'}, at {_t(ts)}); seen {_t(s['first'])} to {_t(s['last'])}",
                "C6-failed-then-success", _t(ts), sorted(s["evidence"]), s["keys"], details))
        elif s["failed"] >= BRUTE_FORCE_MIN:
            out.append(Finding(
                "origin_candidate", "C6", "medium",
                f"Dò mật khẩu từ {ip}: {s['failed']} lần thất bại, chưa thấy đăng nhập thành công "
                f"({_t(s['first'])} – {_t(s['last'])})",
                f"Password guessing from {ip}: {s['failed']} failures, no successful logon seen "
                f"({_t(s['first'])} – {_t(s['last'])})",
                "C6-brute-force", _t(s["first"]), sorted(s["evidence"]), s["keys"], details))
    out.extend(_rule_log_cleared(db))
    out.extend(_rule_web_attacks(db))
    return out


def _rule_log_cleared(db) -> list[Finding]:
    rows = list(_rows(db, "source = 'evtx' AND json_extract(fields, '$.event') = 'log_cleared'", limit=50))
    out = []
    for r in rows:
        out.append(Finding(
            "anti_forensics", "C6", "high",
            f"Nhật ký sự kiện bị xoá lúc {r['datetime']}: {r['message'][:150]}",
            f"Event log cleared at {r['datetime']}: {r['message'][:150]}",
            "C6-log-cleared", _t(r["ts"]), [r["evidence_id"]], [_key(r)], {"user": r["fields"].get("user")}))
    return out


WEB_PATTERNS = [
    ("sql_injection", re.compile(r"union(\s|\+|%20)+(all(\s|\+|%20)+)?select|'\s*or\s*'?1'?\s*=\s*'?1|%27(\+|%20)*or|"
                                 r"information_schema|sleep\(\d|benchmark\(|waitfor(\s|%20)+delay", re.I)),
    ("path_traversal", re.compile(r"\.\./|\.\.%2f|%2e%2e(/|%2f)|\.\.\\", re.I)),
    ("sensitive_file", re.compile(r"/etc/passwd|/etc/shadow|win\.ini|boot\.ini|/proc/self/environ|\.env\b|"
                                  r"\.git/(config|HEAD)|wp-config\.php", re.I)),
    ("command_injection", re.compile(r"(;|%3b|\||%7c|`|\$\()\s*(wget|curl|bash|sh|nc|ncat|python|perl|id|whoami|"
                                     r"uname|cat)\b", re.I)),
    ("webshell", re.compile(r"\b(cmd|exec|command|shell)=|c99|r57|b374k|wso\.php|eval\(|base64_decode|"
                            r"/shell\.(php|aspx|jsp)|phpinfo\(", re.I)),
    ("jndi_injection", re.compile(r"\$\{jndi:|%24%7bjndi", re.I)),
    ("xss", re.compile(r"<script|%3cscript|javascript:|onerror=", re.I)),
    ("scanner", re.compile(r"sqlmap|nikto|nmap|masscan|acunetix|nessus|dirbuster|gobuster|wpscan|zgrab", re.I)),
]


def classify_request(path: str, agent: str = "") -> list[str]:
    hits = [name for name, rx in WEB_PATTERNS if name != "scanner" and rx.search(path or "")]
    if WEB_PATTERNS[-1][1].search(agent or ""):
        hits.append("scanner")
    return hits


def _rule_web_attacks(db) -> list[Finding]:
    groups: dict[tuple, dict] = {}
    for r in _rows(db, "source = 'web'"):
        f = r["fields"]
        hits = classify_request(f.get("path", ""), f.get("user_agent", ""))
        for h in hits:
            g = groups.setdefault((f.get("ip", ""), h), {"n": 0, "first": r["ts"], "last": r["ts"], "ok": 0,
                                                          "samples": [], "keys": [], "evidence": set()})
            g["n"] += 1
            g["last"] = r["ts"]
            g["evidence"].add(r["evidence_id"])
            if 200 <= (f.get("status") or 0) < 300:
                g["ok"] += 1
            if len(g["samples"]) < 5:
                g["samples"].append(f"{f.get('method', '')} {f.get('path', '')} -> {f.get('status')}")
            if len(g["keys"]) < 20:
                g["keys"].append(_key(r))
    out = []
    for (ip, kind), g in sorted(groups.items(), key=lambda kv: (-kv[1]["n"], kv[0])):
        sev = "high" if g["ok"] and kind not in ("scanner", "xss") else "medium"
        out.append(Finding(
            "web_attack", "C6", sev,
            f"Yêu cầu web có dấu hiệu tấn công ({kind}) từ {ip}: {g['n']} lần, {g['ok']} lần máy chủ trả 2xx "
            f"({_t(g['first'])} – {_t(g['last'])})",
            f"Web requests with attack patterns ({kind}) from {ip}: {g['n']}, {g['ok']} answered 2xx "
            f"({_t(g['first'])} – {_t(g['last'])})",
            f"C6-web-{kind}", _t(g["first"]), sorted(g["evidence"]), g["keys"],
            {"ip": ip, "pattern": kind, "count": g["n"], "answered_2xx": g["ok"], "samples": g["samples"],
             "first_seen": _t(g["first"]), "last_seen": _t(g["last"])}))
    return out


# ------------------------------------------------------------------------------------------- H2
# Strong signs anywhere: download-and-run, reverse shells, encoded or inline interpreters.
STRONG = re.compile(
    r"\b(curl|wget)\b[^|;\n]*\|\s*(ba|z|da)?sh\b|\b(curl|wget|fetch)\b\s+\S*https?://\d+\.\d+\.\d+\.\d+|"
    r"\bnc(at)?\b\s+(-\w+\s+)*\S+\s+\d+|/dev/tcp/|bash\s+-i\b|base64\s+(-d|--decode)|python[23]?\s+-c|"
    r"perl\s+-e|\bsocat\b|mkfifo|chmod\s+[ugo]*\+?[0-7]*s\b|"
    r"powershell(\.exe)?\s+.*-(e|enc|encodedcommand)\b|frombase64string|iex\s*\(|downloadstring|"
    r"rundll32.*javascript|mshta\s+https?:|regsvr32\s+/s\s+/n\s+/u", re.I)
# Running something from a world-writable place (weak alone in big scripts, strong in a cron line or unit).
FROM_TMP = re.compile(r"(^|[\s;&|`(=])(/tmp|/dev/shm|/var/tmp)/\S|\\appdata\\|\\temp\\|\\users\\public\\", re.I)


class _Suspicious:
    """STRONG or FROM_TMP: for short entries (a cron line, a unit's Exec, a Run key value)."""

    @staticmethod
    def search(text: str):
        return STRONG.search(text) or FROM_TMP.search(text)


SUSPICIOUS = _Suspicious()
USER_WRITABLE = re.compile(r"^(/tmp/|/dev/shm/|/var/tmp/|/home/[^/]+/\.|/run/user/)|\\appdata\\|\\temp\\|"
                           r"\\users\\public\\|\\programdata\\[^\\]+\.exe", re.I)

PERSISTENCE_PATHS = [
    ("cron", re.compile(r"^/etc/crontab$|^/etc/cron\.d/|^/etc/anacrontab$|^/var/spool/cron/")),
    ("cron_script", re.compile(r"^/etc/cron\.(hourly|daily|weekly|monthly)/")),
    ("at_job", re.compile(r"^/var/spool/at/")),
    ("systemd_unit", re.compile(r"^/etc/systemd/system/.*\.(service|timer|socket|path)$|^/lib/systemd/system/.*\.(service|timer)$")),
    ("rc_local", re.compile(r"^/etc/rc\.local$")),
    ("init_script", re.compile(r"^/etc/init\.d/")),
    ("ld_preload", re.compile(r"^/etc/ld\.so\.preload$")),
    ("shell_profile", re.compile(r"^/etc/profile$|^/etc/profile\.d/|^/etc/bash\.bashrc$|^/root/\.(bashrc|profile|bash_profile|zshrc)$|"
                                 r"^/home/[^/]+/\.(bashrc|profile|bash_profile|zshrc)$")),
    ("authorized_keys", re.compile(r"/\.ssh/authorized_keys2?$")),
    ("sudoers", re.compile(r"^/etc/sudoers(\.d/.*)?$")),
]


def _text(case, rec) -> str:
    try:
        with case.open_evidence(rec) as fh:
            return fh.read(4 << 20).decode("utf-8", "replace")
    except OSError:
        return ""


def _active_lines(text: str) -> list[tuple[int, str]]:
    return [(i, ln.strip()) for i, ln in enumerate(text.splitlines(), 1)
            if ln.strip() and not ln.strip().startswith("#")]


def rule_persistence(case, db) -> list[Finding]:
    out: list[Finding] = []
    latest: dict[str, object] = {}
    for rec in case.evidence():
        if rec.kind == "file" and rec.source:
            latest[rec.source] = rec  # the last copy of each path
    for src, rec in sorted(latest.items()):
        kind = next((k for k, rx in PERSISTENCE_PATHS if rx.search(src)), None)
        if kind is None:
            continue
        text = _text(case, rec)
        lines = _active_lines(text)
        if kind in ("cron", "cron_script", "at_job", "rc_local", "init_script", "shell_profile"):
            # long scripts (init scripts, profiles) mention /tmp legitimately: only strong signs count there
            rx = STRONG if kind in ("init_script", "shell_profile", "cron_script") else SUSPICIOUS
            bad = [(i, ln) for i, ln in lines if rx.search(ln)]
            if bad:
                out.append(_pf(kind, "high", src, rec, bad, "H2-suspicious-" + kind.replace("_", "-")))
            elif kind == "cron" and lines:
                entries = [(i, ln) for i, ln in lines if not re.match(r"^[A-Z_]+=", ln)]
                if entries:
                    out.append(_pf(kind, "low", src, rec, entries, "H2-cron-entries"))
            elif kind == "at_job" and lines:
                out.append(_pf(kind, "medium", src, rec, lines[-5:], "H2-at-job"))
            elif kind == "rc_local":
                real = [(i, ln) for i, ln in lines if ln not in ("exit 0",)]
                if real:
                    out.append(_pf(kind, "medium", src, rec, real, "H2-rc-local"))
        elif kind == "systemd_unit":
            execs = [(i, ln) for i, ln in lines if re.match(r"^Exec(Start|StartPre|StartPost|Stop|Reload)=", ln)]
            bad = [(i, ln) for i, ln in execs if SUSPICIOUS.search(ln) or USER_WRITABLE.search(ln.split("=", 1)[1].lstrip("-@+!:"))]
            if bad:
                out.append(_pf(kind, "high", src, rec, bad, "H2-suspicious-systemd-unit"))
            elif src.startswith("/etc/systemd/system/") and execs and "/wants/" not in src:
                out.append(_pf(kind, "low", src, rec, execs, "H2-custom-systemd-unit"))
        elif kind == "ld_preload":
            if lines:
                out.append(_pf(kind, "high", src, rec, lines, "H2-ld-so-preload"))
        elif kind == "authorized_keys":
            keys = [(i, ln) for i, ln in lines if re.search(r"(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+)\s+\S+", ln)]
            if keys:
                # a forced command or environment, in any place of the options before the key type
                forced = [k for k in keys if re.match(r'^(?:[^\s"]|"[^"]*")*?(?:^|,)(?:command|environment)=', k[1])]
                sev = "medium" if (src.startswith("/root/") or forced) else "low"
                comments = [k[1].split()[-1] if len(k[1].split()) > 2 else "" for k in keys]
                out.append(Finding(
                    "persistence", "H2", sev,
                    f"{len(keys)} khoá SSH được phép đăng nhập trong {src}: cần xác minh từng khoá ({', '.join(c for c in comments if c)[:200]})",
                    f"{len(keys)} SSH keys allowed to log in via {src}: verify each ({', '.join(c for c in comments if c)[:200]})",
                    "H2-authorized-keys", rec.orig_meta.get("mtime") if rec.orig_meta else None, [rec.id], [],
                    {"path": src, "keys": [k[1][:200] for k in keys], "comments": comments}))
        elif kind == "sudoers":
            # "%sudo ALL=(ALL:ALL) NOPASSWD: ALL" gives every sudo member root without a password: not stock
            bad = [(i, ln) for i, ln in lines if "NOPASSWD" in ln and not ln.startswith("Defaults")]
            if bad:
                out.append(_pf(kind, "medium", src, rec, bad, "H2-sudoers-nopasswd"))
    out.extend(_rule_accounts(case, db, latest))
    out.extend(_rule_processes(case))
    out.extend(_rule_windows(case, db))
    out.extend(_rule_suid(latest))
    return out


def _pf(kind, sev, src, rec, lines, rule) -> Finding:
    sample = "; ".join(ln[:120] for _, ln in lines[:3])
    names_vi = {"cron": "lịch cron", "cron_script": "script cron", "at_job": "tác vụ at", "rc_local": "rc.local",
                "init_script": "script khởi động", "shell_profile": "tệp cấu hình shell",
                "systemd_unit": "dịch vụ systemd", "ld_preload": "ld.so.preload", "sudoers": "sudoers"}
    return Finding(
        "persistence", "H2", sev,
        f"Cơ chế duy trì nghi vấn ({names_vi.get(kind, kind)}) trong {src}: {sample}",
        f"Persistence candidate ({kind}) in {src}: {sample}",
        rule, (rec.orig_meta or {}).get("mtime"), [rec.id], [],
        {"path": src, "lines": [{"line": i, "text": ln[:500]} for i, ln in lines[:50]], "mechanism": kind})


def _users(case, latest) -> list[dict]:
    rec = case.latest("users.json")
    if rec is not None:
        try:
            return [u for u in records.rows_of(case.read_json(rec)) if isinstance(u, dict)]
        except (OSError, ValueError):
            pass
    rec = latest.get("/etc/passwd")
    users = []
    if rec is not None:
        for ln in _text(case, rec).splitlines():
            p = ln.split(":")
            if len(p) >= 7 and p[2].lstrip("-").isdigit():
                users.append({"name": p[0], "uid": int(p[2]), "gid": int(p[3]) if p[3].isdigit() else None,
                              "home": p[5], "shell": p[6]})
    return users


def _rule_accounts(case, db, latest) -> list[Finding]:
    out = []
    users = _users(case, latest)
    src_rec = case.latest("users.json") or latest.get("/etc/passwd")
    for u in users:
        try:
            uid = int(u.get("uid"))
        except (TypeError, ValueError):
            continue
        if uid == 0 and u.get("name") != "root":
            out.append(Finding(
                "persistence", "H2", "critical",
                f"Tài khoản {u.get('name')} có UID 0 (quyền root) — không phải root",
                f"Account {u.get('name')} has UID 0 (root privileges) but is not root",
                "H2-extra-uid0", None, [src_rec.id] if src_rec else [], [], {"account": u}))
    ev = "json_extract(fields, '$.event')"
    for r in _rows(db, f"{ev} IN ('user_added', 'account_created')", limit=200):
        f = r["fields"]
        sev = "high" if f.get("uid") == 0 else "medium"
        out.append(Finding(
            "new_account", "H2", sev,
            f"Tài khoản mới được tạo: {f.get('user')} lúc {r['datetime']}",
            f"New account created: {f.get('user')} at {r['datetime']}",
            "H2-new-account", _t(r["ts"]), [r["evidence_id"]], [_key(r)], {"account": f.get("user"), "uid": f.get("uid")}))
    for r in _rows(db, f"{ev} = 'user_modified' AND json_extract(fields, '$.group') IN "
                       f"('sudo', 'wheel', 'admin', 'root', 'adm')", limit=200):
        f = r["fields"]
        out.append(Finding(
            "privilege_change", "H2", "high",
            f"Tài khoản {f.get('user')} được thêm vào nhóm quản trị {f.get('group')} lúc {r['datetime']}",
            f"Account {f.get('user')} added to administrative group {f.get('group')} at {r['datetime']}",
            "H2-admin-group", _t(r["ts"]), [r["evidence_id"]], [_key(r)], dict(f)))
    for r in _rows(db, f"source = 'evtx' AND {ev} = 'group_member_added'", limit=200):
        f = r["fields"]
        if str(f.get("group", "")).lower() in ("administrators", "domain admins", "enterprise admins",
                                               "remote desktop users", "backup operators"):
            out.append(Finding(
                "privilege_change", "H2", "high",
                f"{f.get('member')} được thêm vào nhóm {f.get('group')} lúc {r['datetime']}",
                f"{f.get('member')} added to group {f.get('group')} at {r['datetime']}",
                "H2-windows-admin-group", _t(r["ts"]), [r["evidence_id"]], [_key(r)], dict(f)))
    return out


def _load(case, name):
    rec = case.latest(name)
    if rec is None:
        return None, None
    try:
        return rec, records.plain(case.read_json(rec))
    except (OSError, ValueError):
        return rec, None


def _process_reasons(p: dict) -> list[tuple[str, str]]:
    exe = p.get("exe") or ""
    why = []
    if exe.startswith(("/memfd:", "memfd:")) or str(p.get("name") or "").startswith("memfd:"):
        # memfd_create + exec: the program only ever lived in memory (fileless malware does this; so does
        # runc, as "memfd:runc_cloned", while it starts a container)
        why.append(("chạy từ bộ nhớ (memfd), không có tệp trên đĩa", "runs from memory (memfd), no file on disk"))
    elif p.get("exe_deleted"):
        why.append(("tệp thực thi đã bị xoá", "executable deleted"))
    if exe and USER_WRITABLE.search(exe):
        why.append((f"chạy từ thư mục ghi được ({exe})", f"runs from a writable folder ({exe})"))
    return why


def _rule_processes(case) -> list[Finding]:
    """Processes from a deleted, in-memory or user-writable executable: one finding per executable (its
    SHA-256 and the reasons), listing every process that runs it."""
    out = []
    rec, procs = _load(case, "processes.json")
    groups: dict[tuple, list[tuple[dict, list]]] = {}
    for p in procs or []:
        if not isinstance(p, dict):
            continue
        why = _process_reasons(p)
        if why:
            key = (p.get("exe") or p.get("name") or "", p.get("exe_sha256"), tuple(w[1] for w in why))
            groups.setdefault(key, []).append((p, why))
    for members in groups.values():
        p, why = members[0]
        pids = [m[0].get("pid") for m in members]
        cmd = " ".join(p.get("cmdline") or []) or p.get("name") or ""
        shown = ", ".join(str(x) for x in pids[:10]) + (", ..." if len(pids) > 10 else "")
        who_vi = f"Tiến trình nghi vấn PID {shown}" if len(pids) == 1 else f"{len(pids)} tiến trình nghi vấn (PID {shown})"
        who_en = f"Suspicious process PID {shown}" if len(pids) == 1 else f"{len(pids)} suspicious processes (PID {shown})"
        out.append(Finding(
            "suspicious_process", "H2", "high",
            f"{who_vi} ({cmd[:100]}): " + "; ".join(w[0] for w in why),
            f"{who_en} ({cmd[:100]}): " + "; ".join(w[1] for w in why),
            "H2-process-location", None, [rec.id], [{"evidence_id": rec.id, "locator": f"pid {x}"} for x in pids[:50]],
            {k: p.get(k) for k in ("pid", "ppid", "name", "user", "exe", "exe_sha256", "exe_deleted", "cwd")}
            | {"cmdline": p.get("cmdline"), "pids": pids,
               "processes": [{k: m[0].get(k) for k in ("pid", "ppid", "user", "cwd")} for m in members[:50]]}))
    by_pid = {p.get("pid"): p for p in procs or [] if isinstance(p, dict) and p.get("pid") is not None}
    rec, ports = _load(case, "listening_ports.json")
    for lp in ports or []:
        if not isinstance(lp, dict):
            continue
        exe = lp.get("exe") or ""
        # the process snapshot knows whether the listener's executable was deleted or lives in memory
        proc = by_pid.get(lp.get("pid"))
        why = _process_reasons(proc if proc is not None and (proc.get("exe") or "") == exe else {"exe": exe})
        if exe.endswith(" (deleted)") and not why:
            why = [("tệp thực thi đã bị xoá", "executable deleted")]
        if exe and why:
            out.append(Finding(
                "suspicious_listener", "H2", "high",
                f"Cổng {lp.get('proto')}/{lp.get('lport')} mở bởi chương trình ở vị trí nghi vấn: {exe} ("
                + "; ".join(w[0] for w in why) + ")",
                f"Port {lp.get('proto')}/{lp.get('lport')} listened on by a program in a suspicious place: {exe} ("
                + "; ".join(w[1] for w in why) + ")",
                "H2-listener-location", None, [rec.id], [], dict(lp)))
    return out


def _rule_suid(latest) -> list[Finding]:
    out = []
    for src, rec in latest.items():
        mode = (rec.orig_meta or {}).get("mode") or ""
        if isinstance(mode, str) and len(mode) == 10 and mode[3] in "sS" and USER_WRITABLE.search(src):
            out.append(Finding(
                "persistence", "H2", "high",
                f"Tệp SUID ở vị trí bất thường: {src} ({mode})",
                f"SUID file in an odd place: {src} ({mode})",
                "H2-suid-odd-place", (rec.orig_meta or {}).get("mtime"), [rec.id], [], {"path": src, "mode": mode}))
    return out


def _rule_windows(case, db) -> list[Finding]:
    out = []
    rec, runs = _load(case, "windows_run_keys.json")
    for r in runs or []:
        if not isinstance(r, dict):
            continue
        value = str(r.get("value") or r.get("data") or r.get("command") or "")
        sev = "high" if SUSPICIOUS.search(value) or USER_WRITABLE.search(value) else "low"
        name = r.get("name") or r.get("key") or ""
        out.append(Finding(
            "persistence", "H2", sev,
            f"Khởi động cùng Windows (Run/RunOnce): {name} = {value[:150]}",
            f"Windows autostart (Run/RunOnce): {name} = {value[:150]}",
            "H2-run-key", None, [rec.id], [], dict(r)))
    rec, svcs = _load(case, "windows_services.json")
    for s in svcs or []:
        if not isinstance(s, dict):
            continue
        path = str(s.get("binpath") or s.get("image_path") or s.get("path") or s.get("exec") or "")
        if path and (SUSPICIOUS.search(path) or USER_WRITABLE.search(path)):
            out.append(Finding(
                "persistence", "H2", "high",
                f"Dịch vụ Windows chạy chương trình ở vị trí nghi vấn: {s.get('name')} -> {path[:150]}",
                f"Windows service runs a program from a suspicious place: {s.get('name')} -> {path[:150]}",
                "H2-windows-service-path", None, [rec.id], [], dict(s)))
    rec, tasks = _load(case, "windows_scheduled_tasks.json")
    for t in tasks or []:
        if not isinstance(t, dict):
            continue
        acts = t.get("actions")
        if isinstance(acts, list):
            action = " | ".join(f"{a.get('command') or a.get('class_id') or ''} {a.get('arguments') or ''}".strip()
                                for a in acts if isinstance(a, dict))
        else:
            action = str(t.get("action") or t.get("command") or acts or "")
        name = t.get("path") or t.get("name")
        if action and (SUSPICIOUS.search(action) or USER_WRITABLE.search(action)):
            sev = "high"
        elif t.get("hidden") and action:
            sev = "medium"
        else:
            continue
        out.append(Finding(
            "persistence", "H2", sev,
            f"Tác vụ theo lịch nghi vấn{' (ẩn)' if t.get('hidden') else ''}: {name} -> {action[:150]}",
            f"Suspicious scheduled task{' (hidden)' if t.get('hidden') else ''}: {name} -> {action[:150]}",
            "H2-scheduled-task", t.get("registered"), [rec.id], [], dict(t)))
    ev = "json_extract(fields, '$.event')"
    for r in _rows(db, f"source = 'evtx' AND {ev} IN ('service_installed', 'task_created', 'wmi_subscription')",
                   limit=500):
        f = r["fields"]
        target = f.get("image") or f.get("task") or f.get("name") or f.get("consumer") or ""
        blob = " ".join(str(f.get(k) or "") for k in ("image", "content", "destination", "consumer"))
        sev = "high" if (SUSPICIOUS.search(blob) or USER_WRITABLE.search(blob) or f["event"] == "wmi_subscription") else "medium"
        what_vi = {"service_installed": "Dịch vụ mới được cài", "task_created": "Tác vụ theo lịch mới",
                   "wmi_subscription": "Đăng ký sự kiện WMI"}[f["event"]]
        what_en = {"service_installed": "New service installed", "task_created": "New scheduled task",
                   "wmi_subscription": "WMI event subscription"}[f["event"]]
        out.append(Finding(
            "persistence", "H2", sev,
            f"{what_vi} lúc {r['datetime']}: {(f.get('service') or '') + ' ' + target}".strip(),
            f"{what_en} at {r['datetime']}: {(f.get('service') or '') + ' ' + target}".strip(),
            "H2-windows-" + f["event"].replace("_", "-"), _t(r["ts"]), [r["evidence_id"]], [_key(r)],
            {k: v for k, v in f.items() if k != "data"}))
    for r in _rows(db, f"source = 'evtx' AND {ev} = 'registry' AND (json_extract(fields, '$.key') LIKE '%\\Run\\%' "
                       f"OR json_extract(fields, '$.key') LIKE '%\\RunOnce\\%' OR json_extract(fields, '$.key') LIKE "
                       f"'%Winlogon\\Shell%' OR json_extract(fields, '$.key') LIKE '%Winlogon\\Userinit%' OR "
                       f"json_extract(fields, '$.key') LIKE '%\\Services\\%\\ImagePath' OR json_extract(fields, '$.key') "
                       f"LIKE '%\\Services\\%\\ServiceDll')", limit=500):
        f = r["fields"]
        out.append(Finding(
            "persistence", "H2", "high",
            f"Khoá registry khởi động bị thay đổi lúc {r['datetime']}: {f.get('key')} = {str(f.get('details'))[:120]}",
            f"Autostart registry key changed at {r['datetime']}: {f.get('key')} = {str(f.get('details'))[:120]}",
            "H2-windows-autostart-registry", _t(r["ts"]), [r["evidence_id"]], [_key(r)],
            {k: v for k, v in f.items() if k != "data"}))
    return out


# ------------------------------------------------------------------------------------------- C5
def rule_indicators(case, db, ioc_file=None, yara_file=None) -> list[Finding]:
    from analysis import ioc

    out: list[Finding] = []
    if ioc_file:
        out.extend(ioc.match_indicators(case, db, ioc.load(ioc_file)))
    if yara_file:
        out.extend(ioc.match_yara(case, yara_file))
    return out


# ------------------------------------------------------------------------------------------- run
RULES = (rule_updates, rule_last_use, rule_origin, rule_persistence)


def _run_checks(case, db) -> list[Finding]:
    from analysis import checks

    out: list[Finding] = []
    for mod in checks.modules():
        out.extend(mod.run(case, db))
    return out


def run(case, ioc_file: str | Path | None = None, yara_file: str | Path | None = None, build: bool = True) -> list[Finding]:
    """All findings of a case, most severe first."""
    if build:
        timeline.ensure(case)
    db = timeline.connect(case)
    try:
        out: list[Finding] = []
        for rule in RULES:
            out.extend(rule(case, db))
        out.extend(rule_indicators(case, db, ioc_file, yara_file))
        out.extend(_run_checks(case, db))
    finally:
        db.close()
    out.sort(key=lambda f: (-SEV_RANK[f.severity], f.checklist_id, f.time or "", f.rule))
    return out


def to_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2, default=str)
