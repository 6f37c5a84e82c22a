"""Persistence in the copied configuration files (H2): cron, at, systemd units, rc.local, init scripts,
shell profiles, ld.so.preload, authorized_keys, sudoers; accounts with UID 0; SUID files in odd places.

Case checks because they read the files and snapshots the collectors copied, not log events.
"""
from __future__ import annotations

import re

from analysis.checks import CheckRule
from analysis.checks._common import STRONG, USER_WRITABLE, latest_files, snapshot, suspicious, text

_EXPL = ("Cơ chế duy trì (Persistence) giúp kẻ tấn công quay lại sau khi máy khởi động lại hoặc bị đổi mật "
         "khẩu: mỗi mục phải được xác minh và gỡ bỏ ở bước H2, trước khi đưa hệ thống hoạt động trở lại.")
_T_CRON = ["attack.persistence", "attack.execution", "attack.t1053.003"]
_T_SYSTEMD = ["attack.persistence", "attack.t1543.002"]
_T_INIT = ["attack.persistence", "attack.t1037.004"]
_T_PROFILE = ["attack.persistence", "attack.t1546.004"]


def _r(id_, en, vi, level, tags, kind="persistence"):
    return CheckRule(id=id_, title_en=en, title_vi=vi, explanation_vi=_EXPL, level=level, tags=tags,
                     checklist_id="H2", kind=kind)


RULES = [
    _r("H2-suspicious-cron", "Suspicious cron entry", "Lịch cron nghi vấn", "high", _T_CRON),
    _r("H2-cron-entries", "Cron entries to verify", "Các lịch cron cần xác minh", "low", _T_CRON),
    _r("H2-suspicious-cron-script", "Suspicious cron script", "Script cron nghi vấn", "high", _T_CRON),
    _r("H2-suspicious-at-job", "Suspicious at job", "Tác vụ at nghi vấn", "high", ["attack.persistence", "attack.t1053.002"]),
    _r("H2-at-job", "Pending at job", "Tác vụ at đang chờ", "medium", ["attack.persistence", "attack.t1053.002"]),
    _r("H2-suspicious-rc-local", "Suspicious rc.local", "rc.local nghi vấn", "high", _T_INIT),
    _r("H2-rc-local", "Commands in rc.local", "Lệnh trong rc.local", "medium", _T_INIT),
    _r("H2-suspicious-init-script", "Suspicious init script", "Script khởi động nghi vấn", "high", _T_INIT),
    _r("H2-suspicious-shell-profile", "Suspicious shell profile", "Tệp cấu hình shell nghi vấn", "high", _T_PROFILE),
    _r("H2-suspicious-systemd-unit", "Suspicious systemd unit", "Dịch vụ systemd nghi vấn", "high", _T_SYSTEMD),
    _r("H2-custom-systemd-unit", "Locally added systemd unit", "Dịch vụ systemd do người dùng thêm", "low", _T_SYSTEMD),
    _r("H2-ld-so-preload", "Library preloaded into every process (/etc/ld.so.preload)",
       "Thư viện được nạp sẵn vào mọi tiến trình (/etc/ld.so.preload)", "high",
       ["attack.persistence", "attack.stealth", "attack.t1574.006"]),
    _r("H2-authorized-keys", "SSH keys allowed to log in", "Khoá SSH được phép đăng nhập", "low",
       ["attack.persistence", "attack.t1098.004"]),
    _r("H2-sudoers-nopasswd", "sudo without a password", "sudo không cần mật khẩu", "medium",
       ["attack.privilege-escalation", "attack.t1548.003"]),
    _r("H2-extra-uid0", "Account other than root with UID 0", "Tài khoản khác root có UID 0", "critical",
       ["attack.persistence", "attack.privilege-escalation", "attack.t1136.001"]),
    _r("H2-suid-odd-place", "SUID file in a user-writable place", "Tệp SUID ở vị trí bất thường", "high",
       ["attack.privilege-escalation", "attack.t1548.001"]),
]
R = {r.id: r for r in RULES}

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
NAMES_VI = {"cron": "lịch cron", "cron_script": "script cron", "at_job": "tác vụ at", "rc_local": "rc.local",
            "init_script": "script khởi động", "shell_profile": "tệp cấu hình shell",
            "systemd_unit": "dịch vụ systemd", "ld_preload": "ld.so.preload", "sudoers": "sudoers"}


def _active_lines(txt: str) -> list[tuple[int, str]]:
    return [(i, ln.strip()) for i, ln in enumerate(txt.splitlines(), 1)
            if ln.strip() and not ln.strip().startswith("#")]


def _pf(rule_id, kind, src, rec, lines):
    sample = "; ".join(ln[:120] for _, ln in lines[:3])
    return R[rule_id].finding(
        summary_vi=f"Cơ chế duy trì nghi vấn ({NAMES_VI.get(kind, kind)}) trong {src}: {sample}",
        summary_en=f"Persistence candidate ({kind}) in {src}: {sample}",
        time=(rec.orig_meta or {}).get("mtime"), evidence_ids=[rec.id],
        details={"path": src, "lines": [{"line": i, "text": ln[:500]} for i, ln in lines[:50]], "mechanism": kind},
        first_match={"path": src, "line": lines[0][1][:500]} if lines else {"path": src})


def run(case, db):
    latest = latest_files(case)
    for src, rec in sorted(latest.items()):
        kind = next((k for k, rx in PERSISTENCE_PATHS if rx.search(src)), None)
        if kind is None:
            continue
        lines = _active_lines(text(case, rec))
        if kind in ("cron", "cron_script", "at_job", "rc_local", "init_script", "shell_profile"):
            # long scripts (init scripts, profiles) mention /tmp legitimately: only strong signs count there
            strong_only = kind in ("init_script", "shell_profile", "cron_script")
            bad = [(i, ln) for i, ln in lines if (STRONG.search(ln) if strong_only else suspicious(ln))]
            if bad:
                yield _pf("H2-suspicious-" + kind.replace("_", "-"), kind, src, rec, bad)
            elif kind == "cron" and lines:
                entries = [(i, ln) for i, ln in lines if not re.match(r"^[A-Z_]+=", ln)]
                if entries:
                    yield _pf("H2-cron-entries", kind, src, rec, entries)
            elif kind == "at_job" and lines:
                yield _pf("H2-at-job", kind, src, rec, lines[-5:])
            elif kind == "rc_local":
                real = [(i, ln) for i, ln in lines if ln not in ("exit 0",)]
                if real:
                    yield _pf("H2-rc-local", kind, src, rec, real)
        elif kind == "systemd_unit":
            execs = [(i, ln) for i, ln in lines if re.match(r"^Exec(Start|StartPre|StartPost|Stop|Reload)=", ln)]
            bad = [(i, ln) for i, ln in execs
                   if suspicious(ln) or USER_WRITABLE.search(ln.split("=", 1)[1].lstrip("-@+!:"))]
            if bad:
                yield _pf("H2-suspicious-systemd-unit", kind, src, rec, bad)
            elif src.startswith("/etc/systemd/system/") and execs and "/wants/" not in src:
                yield _pf("H2-custom-systemd-unit", kind, src, rec, execs)
        elif kind == "ld_preload":
            if lines:
                yield _pf("H2-ld-so-preload", kind, src, rec, lines)
        elif kind == "authorized_keys":
            keys = [(i, ln) for i, ln in lines if re.search(r"(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+|sk-\S+)\s+\S+", ln)]
            if keys:
                # a forced command or environment, in any place of the options before the key type
                forced = [k for k in keys if re.match(r'^(?:[^\s"]|"[^"]*")*?(?:^|,)(?:command|environment)=', k[1])]
                comments = [k[1].split()[-1] if len(k[1].split()) > 2 else "" for k in keys]
                shown = ", ".join(c for c in comments if c)[:200]
                yield R["H2-authorized-keys"].finding(
                    summary_vi=f"{len(keys)} khoá SSH được phép đăng nhập trong {src}: cần xác minh từng khoá ({shown})",
                    summary_en=f"{len(keys)} SSH keys allowed to log in via {src}: verify each ({shown})",
                    time=(rec.orig_meta or {}).get("mtime"), evidence_ids=[rec.id],
                    level="medium" if (src.startswith("/root/") or forced) else "low",
                    details={"path": src, "keys": [k[1][:200] for k in keys], "comments": comments})
        elif kind == "sudoers":
            # "%sudo ALL=(ALL:ALL) NOPASSWD: ALL" gives every sudo member root without a password: not stock
            bad = [(i, ln) for i, ln in lines if "NOPASSWD" in ln and not ln.startswith("Defaults")]
            if bad:
                yield _pf("H2-sudoers-nopasswd", kind, src, rec, bad)
    yield from _uid0(case, latest)
    for src, rec in latest.items():
        mode = (rec.orig_meta or {}).get("mode") or ""
        if isinstance(mode, str) and len(mode) == 10 and mode[3] in "sS" and USER_WRITABLE.search(src):
            yield R["H2-suid-odd-place"].finding(
                summary_vi=f"Tệp SUID ở vị trí bất thường: {src} ({mode})",
                summary_en=f"SUID file in an odd place: {src} ({mode})",
                time=(rec.orig_meta or {}).get("mtime"), evidence_ids=[rec.id], details={"path": src, "mode": mode})


def _users(case, latest) -> tuple[object, list[dict]]:
    rec, users = snapshot(case, "users.json")
    if rec is not None and users is not None:
        return rec, users
    rec = latest.get("/etc/passwd")
    out = []
    if rec is not None:
        for ln in text(case, rec).splitlines():
            p = ln.split(":")
            if len(p) >= 7 and p[2].lstrip("-").isdigit():
                out.append({"name": p[0], "uid": int(p[2]), "gid": int(p[3]) if p[3].isdigit() else None,
                            "home": p[5], "shell": p[6]})
    return rec, out


def _uid0(case, latest):
    rec, users = _users(case, latest)
    for u in users:
        try:
            uid = int(u.get("uid"))
        except (TypeError, ValueError):
            continue
        if uid == 0 and u.get("name") != "root":
            yield R["H2-extra-uid0"].finding(
                summary_vi=f"Tài khoản {u.get('name')} có UID 0 (quyền root) — không phải root",
                summary_en=f"Account {u.get('name')} has UID 0 (root privileges) but is not root",
                evidence_ids=[rec.id] if rec else [], details={"account": u}, first_match={"user": u.get("name")})
