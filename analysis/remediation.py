"""R1, H1, H2: a remediation plan from the findings, one step per thing to remove or fix.

Each step names the finding(s) and evidence behind it, says what to do in Vietnamese and English and
shows the exact commands for the operator (Linux shell or Windows PowerShell / cmd). UngCuu never runs
them: the examined system is only ever read.

Steps are made by small adapters keyed on what stays stable in a finding (its rule id and the fields
of ``details``: path, lines, keys, account, exe, sha256, registry key / name, service, task), never on
the message text. A step's identity (``key``) is a hash of its action and target, so generating the
plan again keeps the state of the steps already marked and only adds the new ones.

State lives in case.sqlite (``analysis_remediation_steps``); each mark is written to the custody log and
appended to the incident's action log (``actions[]``, by ``reports.actions``), which the progress report
and Mẫu 04 read.

    plan = generate(case)              # or generate(case, findings=[...]) ; -> list[Step]
    steps(case) -> list[Step]
    mark(case, "S03", "done", by="...", reason="...")
"""
from __future__ import annotations

import hashlib
import json
import ntpath
import posixpath
import re
import shlex
from dataclasses import asdict, dataclass, field

from collectors import records
from collectors.util import utc_now_iso

STATUSES = ("pending", "done", "skipped", "failed")
STATUS_VI = {"pending": "chưa làm", "done": "đã làm", "skipped": "bỏ qua", "failed": "không thành công"}
QUARANTINE_LINUX = "/root/ungcuu-quarantine"
QUARANTINE_WINDOWS = r"C:\UngCuu-Quarantine"
EXECUTABLE_SUFFIXES = (".exe", ".dll", ".scr", ".ps1", ".bat", ".cmd", ".vbs", ".js", ".hta", ".sys", ".com")
# packages that sit behind an entry point (origin findings): the patch steps name them
ENTRY_PACKAGES = {
    "ssh": ("openssh-server", "openssh", "openssh-sftp-server", "dropbear"),
    "web": ("nginx", "apache2", "httpd", "php", "tomcat", "wordpress", "libapache2-mod-php", "php-fpm",
            "lighttpd", "jetty", "drupal", "joomla", "phpmyadmin"),
    "rdp": ("xrdp", "freerdp"),
}

_TABLE = """
CREATE TABLE IF NOT EXISTS analysis_remediation_steps (
    key TEXT PRIMARY KEY, no INTEGER UNIQUE NOT NULL, action TEXT NOT NULL, os TEXT NOT NULL,
    target TEXT NOT NULL, title_vi TEXT NOT NULL, title_en TEXT NOT NULL, commands TEXT NOT NULL,
    findings TEXT NOT NULL, evidence_ids TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    by TEXT, at TEXT, reason TEXT, created_at TEXT NOT NULL)
"""


@dataclass
class Step:
    action: str                 # remove_line, disable_unit, remove_ssh_key, lock_account, ...
    os: str                     # linux | windows
    target: dict                # what the step acts on: path, line, unit, account, key blob, sha256, ...
    title_vi: str
    title_en: str
    commands: list[str]
    findings: list[dict] = field(default_factory=list)   # [{rule, kind, severity, summary_en, summary_vi}]
    evidence_ids: list[str] = field(default_factory=list)
    status: str = "pending"
    by: str | None = None
    at: str | None = None
    reason: str | None = None
    no: int = 0

    @property
    def id(self) -> str:
        return f"S{self.no:02d}"

    @property
    def key(self) -> str:
        return step_key(self.action, self.target)

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def to_dict(self) -> dict:
        return asdict(self) | {"id": self.id, "key": self.key}


def step_key(action: str, target: dict) -> str:
    return hashlib.sha256(json.dumps([action, target], sort_keys=True, default=str).encode()).hexdigest()[:20]


def _q(text: object) -> str:
    return shlex.quote(str(text))


def _ps(text: object) -> str:
    """A PowerShell single-quoted literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _ref(f) -> dict:
    return {"rule": f.rule, "kind": f.kind, "severity": f.severity, "summary_en": f.summary_en,
            "summary_vi": f.summary_vi, "time": f.time}


def _backup(kind: str, *parts) -> str:
    """A file in the Windows quarantine folder for one step's export (one per step: never overwritten)."""
    return f"{QUARANTINE_WINDOWS}\\{kind}-{hashlib.sha256(repr(parts).encode()).hexdigest()[:10]}"


def _dq(text: str) -> str:
    """A double-quoted argument of a Windows program (reg, sc, schtasks: CommandLineToArgv rules)."""
    return '"' + str(text).replace('"', '\\"') + '"'


def _cmdq(text: str) -> str:
    """A cmd.exe argument: quoted when it holds spaces or shell characters."""
    t = str(text)
    return f'"{t}"' if re.search(r'[\s&|<>^()%!"]', t) or not t else t


def _is_windows_path(p: str) -> bool:
    return "\\" in p or (len(p) > 1 and p[1] == ":")


# ------------------------------------------------------------------------------------- Linux steps
def _remove_lines(f, path: str, lines: list[dict], mechanism: str) -> list[Step]:
    out = []
    for ln in lines:
        text = ln.get("text") if isinstance(ln, dict) else str(ln)
        if not text:
            continue
        cmds = [f"mkdir -p {QUARANTINE_LINUX} && cp -a {_q(path)} {QUARANTINE_LINUX}/",
                f"grep -vxF -- {_q(text)} {_q(path)} > {_q(path + '.ungcuu-new')}; "
                f"cat {_q(path + '.ungcuu-new')} > {_q(path)}; rm -f {_q(path + '.ungcuu-new')}",
                f"grep -nF -- {_q(text)} {_q(path)} || echo removed"]
        if path.startswith("/var/spool/cron/"):
            user = posixpath.basename(path)
            cmds.insert(1, f"crontab -u {_q(user)} -l   # check, then edit with: crontab -u {_q(user)} -e")
        elif mechanism == "sudoers":
            cmds.append("visudo -c")
        out.append(Step(
            "remove_line", "linux", {"path": path, "line": text, "mechanism": mechanism},
            f"Xoá dòng độc hại ({mechanism}) khỏi {path}: {text[:160]}",
            f"Remove the malicious line ({mechanism}) from {path}: {text[:160]}",
            cmds, [_ref(f)], list(f.evidence_ids)))
    return out


def _unit(f, path: str) -> list[Step]:
    unit = posixpath.basename(path)
    user_unit = "/.config/systemd/user/" in path
    sc = "systemctl --user -M {user}@" if user_unit else "systemctl"
    if user_unit:
        user = path.split("/home/", 1)[-1].split("/", 1)[0] if path.startswith("/home/") else "root"
        sc = sc.format(user=_q(user))
    cmds = [f"{sc} disable --now {_q(unit)}",
            f"mkdir -p {QUARANTINE_LINUX} && mv {_q(path)} {QUARANTINE_LINUX}/",
            f"{sc} daemon-reload",
            f"{sc} status {_q(unit)}   # expect: not found / inactive"]
    return [Step("disable_unit", "linux", {"path": path, "unit": unit, "user_unit": user_unit},
                 f"Vô hiệu hoá và cách ly dịch vụ systemd {unit} ({path})",
                 f"Disable and quarantine the systemd unit {unit} ({path})", cmds, [_ref(f)], list(f.evidence_ids))]


def _key_blob(line: str) -> str:
    parts = line.split()
    for i, p in enumerate(parts):
        if p.startswith(("ssh-", "ecdsa-", "sk-")) and i + 1 < len(parts):
            return parts[i + 1]
    return parts[-1] if parts else line


def _ssh_keys(f, path: str, keys: list[str]) -> list[Step]:
    out = []
    for line in keys:
        blob = _key_blob(line)
        comment = line.split()[-1] if len(line.split()) > 2 else ""
        cmds = [f"mkdir -p {QUARANTINE_LINUX} && cp -a {_q(path)} {QUARANTINE_LINUX}/",
                f"grep -vF -- {_q(blob)} {_q(path)} > {_q(path + '.ungcuu-new')}; "
                f"cat {_q(path + '.ungcuu-new')} > {_q(path)}; rm -f {_q(path + '.ungcuu-new')}",
                f"grep -cF -- {_q(blob)} {_q(path)}   # expect 0"]
        out.append(Step("remove_ssh_key", "linux", {"path": path, "key": blob, "comment": comment},
                        f"Xác minh khoá SSH {comment or blob[:24]} trong {path}; gỡ nếu không phải của quản trị viên",
                        f"Verify the SSH key {comment or blob[:24]} in {path}; remove it unless an administrator owns it", cmds, [_ref(f)],
                        list(f.evidence_ids)))
    return out


def _lock_account(f, name: str, os_: str) -> list[Step]:
    if os_ == "windows":
        cmds = [f"net user {_cmdq(name)} /active:no", f"Disable-LocalUser -Name {_ps(name)}",
                f"Get-LocalUser -Name {_ps(name)} | Select-Object Name, Enabled, LastLogon"]
    else:
        cmds = [f"usermod -L -e 1 -s /usr/sbin/nologin {_q(name)}",
                f"pkill -KILL -u {_q(name)}   # end its sessions",
                f"passwd -S {_q(name)}   # expect L (locked)",
                f"userdel {_q(name)}   # once the account is confirmed as the attacker's"]
    return [Step("lock_account", os_, {"account": name},
                 f"Khoá (rồi xoá) tài khoản {name} do kẻ tấn công tạo hoặc dùng",
                 f"Lock (then delete) the account {name} the attacker created or used", cmds, [_ref(f)],
                 list(f.evidence_ids))]


def _group_member(f, user: str, group: str, os_: str) -> list[Step]:
    if os_ == "windows":
        cmds = [f"Remove-LocalGroupMember -Group {_ps(group)} -Member {_ps(user)}",
                f"net localgroup {_ps(group)}"]
    else:
        cmds = [f"gpasswd -d {_q(user)} {_q(group)}", f"id {_q(user)}"]
    return [Step("remove_group_member", os_, {"account": user, "group": group},
                 f"Rút tài khoản {user} khỏi nhóm quản trị {group}",
                 f"Remove {user} from the administrative group {group}", cmds, [_ref(f)], list(f.evidence_ids))]


DEVICE_PATH = re.compile(r"^(?:\\device\\harddiskvolume\d+|\\volume\{[^}]*\})\\", re.I)


def _quarantine(f, path: str, sha: str | None, pids=()) -> list[Step]:
    win = _is_windows_path(path)
    path = path.removesuffix(" (deleted)")
    seen_as = None
    if win and DEVICE_PATH.match(path):  # \Device\HarddiskVolume2\Users\... as BAM and shimcache write it
        seen_as, path = path, DEVICE_PATH.sub(r"C:\\", path)
    if win:
        name = ntpath.basename(path)
        cmds = ([f"Stop-Process -Id {','.join(str(p) for p in pids)} -Force"] if pids else []) + [
            f"Get-FileHash -Algorithm SHA256 -LiteralPath {_ps(path)}" + (f"   # expect {sha}" if sha else ""),
            f"New-Item -ItemType Directory -Force {_ps(QUARANTINE_WINDOWS)}; "
            f"Move-Item -LiteralPath {_ps(path)} -Destination {_ps(QUARANTINE_WINDOWS + chr(92) + name + '.quarantine')}"]
    else:
        name = posixpath.basename(path)
        cmds = ([f"kill -KILL {' '.join(str(p) for p in pids)}"] if pids else []) + [
            f"sha256sum {_q(path)}" + (f"   # expect {sha}" if sha else ""),
            f"mkdir -p {QUARANTINE_LINUX} && mv {_q(path)} {QUARANTINE_LINUX}/{_q(name + '.quarantine')} && "
            f"chmod 000 {QUARANTINE_LINUX}/{_q(name + '.quarantine')}"]
    target = {"path": path}
    if sha:
        target["sha256"] = sha
    if seen_as:  # the volume's drive letter is not in the trace: C: is assumed, the command says so
        target["seen_as"] = seen_as
        cmds.insert(0, f"# {seen_as}: the volume is assumed to be C: (check with: Get-Volume)")
    return [Step("quarantine_file", "windows" if win else "linux", target,
                 f"Cách ly tệp {path}" + (f" (SHA-256 {sha[:16]}…)" if sha else ""),
                 f"Quarantine the file {path}" + (f" (SHA-256 {sha[:16]}…)" if sha else ""),
                 cmds, [_ref(f)], list(f.evidence_ids))]


# ----------------------------------------------------------------------------------- Windows steps
def _run_key(f, d: dict) -> list[Step]:
    hive = d.get("hive") or "HKLM"
    key = d.get("key") or ""
    name = d.get("name") or ""
    full = f"{hive}\\{key}".rstrip("\\")
    cmds = [f"New-Item -ItemType Directory -Force {_ps(QUARANTINE_WINDOWS)}",
            f"reg export {_dq(full)} \"{_backup('reg', full, name)}.reg\" /y",
            f"reg delete {_dq(full)} /v {_dq(name)} /f",
            f"reg query {_dq(full)} /v {_dq(name)}   # expect: not found"]
    return [Step("delete_registry_value", "windows", {"hive": hive, "key": key, "name": name,
                                                     "value": str(d.get("value") or "")[:500]},
                 f"Xoá giá trị khởi động {name} trong {full}", f"Delete the autostart value {name} in {full}",
                 cmds, [_ref(f)], list(f.evidence_ids))]


WINLOGON_DEFAULTS = {"Shell": "explorer.exe", "Userinit": r"C:\Windows\system32\userinit.exe,"}


def _reset_value(f, d: dict) -> list[Step]:
    """Winlogon Shell/Userinit and AppInit_DLLs are reset to the Windows default, never deleted (a missing
    Shell or Userinit stops anyone from logging on)."""
    hive, key, name = d.get("hive") or "HKLM", d.get("key") or "", d.get("name") or ""
    full = f"{hive}\\{key}"
    if d.get("location") == "appinit_dlls":
        default = ""
        extra = [f'reg add {_dq(full)} /v LoadAppInit_DLLs /t REG_DWORD /d 0 /f']
    else:
        default = WINLOGON_DEFAULTS.get(name, "")
        extra = []
    cmds = [f"New-Item -ItemType Directory -Force {_ps(QUARANTINE_WINDOWS)}",
            f'reg export {_dq(full)} "{_backup("reg", full, name)}.reg" /y',
            f'reg add {_dq(full)} /v {_dq(name)} /t REG_SZ /d "{default}" /f', *extra,
            f'reg query {_dq(full)} /v {_dq(name)}   # expect: {default or "(empty)"}']
    return [Step("reset_registry_value", "windows", {"hive": hive, "key": key, "name": name, "default": default,
                                                    "value": str(d.get("value") or "")[:500]},
                 f"Đặt lại {name} trong {full} về mặc định ({default or 'rỗng'}); đang là {str(d.get('value'))[:100]}",
                 f"Reset {name} in {full} to the default ({default or 'empty'}); now {str(d.get('value'))[:100]}",
                 cmds, [_ref(f)], list(f.evidence_ids))]


def _service(f, name: str, path: str) -> list[Step]:
    cmds = [f"sc.exe qc {_dq(name)}", f"sc.exe stop {_dq(name)}", f"sc.exe delete {_dq(name)}",
            f"sc.exe query {_dq(name)}   # expect: 1060 does not exist"]
    steps = [Step("delete_service", "windows", {"service": name, "path": path},
                  f"Dừng và xoá dịch vụ Windows {name} ({path[:120]})",
                  f"Stop and delete the Windows service {name} ({path[:120]})", cmds, [_ref(f)],
                  list(f.evidence_ids))]
    return steps


def _task(f, name: str, action: str) -> list[Step]:
    cmds = [f"New-Item -ItemType Directory -Force {_ps(QUARANTINE_WINDOWS)}",
            f"schtasks /Query /TN {_dq(name)} /XML > \"{_backup('task', name)}.xml\"",
            f"schtasks /Delete /TN {_dq(name)} /F", f"schtasks /Query /TN {_dq(name)}   # expect: not found"]
    return [Step("delete_task", "windows", {"task": name, "action": action[:500]},
                 f"Xoá tác vụ theo lịch {name}", f"Delete the scheduled task {name}", cmds, [_ref(f)],
                 list(f.evidence_ids))]


def _wmi(f, d: dict) -> list[Step]:
    consumer = str(d.get("consumer") or d.get("name") or "")
    cmds = ["Get-CimInstance -Namespace root/subscription -ClassName __EventFilter",
            "Get-CimInstance -Namespace root/subscription -ClassName __FilterToConsumerBinding",
            f"Get-CimInstance -Namespace root/subscription -ClassName CommandLineEventConsumer | "
            f"Where-Object Name -eq {_ps(consumer)} | Remove-CimInstance",
            f"Get-CimInstance -Namespace root/subscription -ClassName __FilterToConsumerBinding | "
            f"Where-Object {{ $_.Consumer -like {_ps('*' + consumer + '*')} }} | Remove-CimInstance"]
    return [Step("delete_wmi_subscription", "windows", {"consumer": consumer},
                 f"Xoá đăng ký sự kiện WMI {consumer}", f"Delete the WMI event subscription {consumer}", cmds,
                 [_ref(f)], list(f.evidence_ids))]


def _registry_key(f, key: str) -> list[Step]:
    k = key.strip()
    if "image file execution options" in k.lower():
        what_vi, what_en = "khoá IFEO (chiếm quyền chạy chương trình)", "IFEO entry (program hijack)"
    else:
        what_vi, what_en = "khoá registry khởi động", "autostart registry entry"
    parent, _, value = k.rpartition("\\")
    cmds = [f"New-Item -ItemType Directory -Force {_ps(QUARANTINE_WINDOWS)}",
            f"reg export {_dq(parent)} \"{_backup('reg', parent, value)}.reg\" /y",
            f"reg delete {_dq(parent)} /v {_dq(value)} /f",
            f"reg query {_dq(parent)} /v {_dq(value)}   # expect: not found"]
    return [Step("delete_registry_value", "windows", {"key": parent, "name": value},
                 f"Xoá {what_vi}: {k}", f"Delete the {what_en}: {k}", cmds, [_ref(f)], list(f.evidence_ids))]


# --------------------------------------------------------------------------- passwords and patches
def _password(f, account: str, os_: str, why_vi: str, why_en: str) -> list[Step]:
    if os_ == "windows":
        cmds = [f"net user {_cmdq(account)} *", f"net user {_cmdq(account)} /logonpasswordchg:yes"]
    else:
        cmds = [f"passwd {_q(account)}", f"chage -d 0 {_q(account)}   # force a change at next logon",
                f"grep -n '' \"$(getent passwd {_q(account)} | cut -d: -f6)/.ssh/authorized_keys\"   "
                "# review the keys of the account too"]
    return [Step("change_password", os_, {"account": account},
                 f"Đổi mật khẩu tài khoản {account} ({why_vi})", f"Change the password of {account} ({why_en})",
                 cmds, [_ref(f)], list(f.evidence_ids))]


def _entry_point(f) -> str | None:
    if f.rule.startswith("C6-web-") or f.kind == "web_attack":
        return "web"
    if f.kind == "origin_candidate":
        return "ssh"
    return None


def _patch(pkg: dict, entry: str, f, os_: str) -> list[Step]:
    """Upgrade one package; `f` the finding behind it (None: a vulnerability check)."""
    name, manager = pkg.get("name"), pkg.get("manager") or ""
    if manager == "dpkg":
        cmds = ["apt-get update", f"apt-get install --only-upgrade {_q(name)}", f"dpkg -s {_q(name)} | grep Version"]
    elif manager == "rpm":
        cmds = [f"dnf upgrade {_q(name)}   # or: yum update {_q(name)}", f"rpm -q {_q(name)}"]
    else:
        cmds = [f"winget upgrade --exact --name {_ps(name)}   # or the vendor's installer",
                "Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 10"]
    return [Step("apply_patch", "windows" if manager == "windows" else os_,
                 {"package": name, "manager": manager, "version": pkg.get("version")},
                 f"Cập nhật gói {name} (phiên bản {pkg.get('version')}) nằm sau điểm xâm nhập ({entry})",
                 f"Upgrade {name} (version {pkg.get('version')}), behind the entry point ({entry})",
                 cmds, [_ref(f)] if f else [], list(f.evidence_ids) if f else [])]


# ------------------------------------------------------------------------------------ the adapters
def case_os(case) -> str:
    """'windows' when the case holds a Windows collection, else 'linux'."""
    rec = case.latest("system.json")
    if rec is not None:
        try:
            data = records.row_of(case.read_json(rec))
            if "windows" in json.dumps(data.get("os") if isinstance(data, dict) else data).lower():
                return "windows"
        except (OSError, ValueError):
            pass
    for name in ("windows_run_keys.json", "windows_services.json", "windows_scheduled_tasks.json"):
        if case.latest(name) is not None:
            return "windows"
    return "linux"


def steps_for(f, os_: str = "linux", packages: list[dict] | None = None) -> list[Step]:
    """The steps one finding calls for (empty for findings that need nothing removed or fixed)."""
    d = f.details or {}
    rule = f.rule or ""
    if f.kind in ("last_update", "last_use"):
        return []
    if f.kind == "origin_candidate" or rule.startswith("C6-web-") or f.kind == "web_attack":
        out: list[Step] = []
        acct = d.get("success_account")
        if acct:
            out += _password(f, acct, os_, f"đăng nhập được từ {d.get('ip')} sau khi dò mật khẩu",
                             f"logged on from {d.get('ip')} after password guessing")
        entry = _entry_point(f)
        if entry and f.severity in ("high", "critical"):
            names = ENTRY_PACKAGES.get(entry, ())
            for p in packages or []:
                n = str(p.get("name") or "").lower()
                if any(n == x or n.startswith(x + "-") or n.startswith(x + ".") or
                       (x == "php" and n.startswith("php")) for x in names):
                    out += _patch(p, entry, f, os_)
        return out
    if f.severity in ("info", "low") and not d.get("keys"):
        return []
    if d.get("keys") and d.get("path"):
        return _ssh_keys(f, d["path"], d["keys"])
    mech = d.get("mechanism")
    if mech == "systemd_unit" and d.get("path"):
        return _unit(f, d["path"])
    if mech in ("cron_script", "init_script") and d.get("path"):
        return _quarantine(f, d["path"], None)
    if d.get("lines") and d.get("path"):
        return _remove_lines(f, d["path"], d["lines"], mech or "file")
    acct = d.get("account")
    if acct:
        name = acct.get("name") if isinstance(acct, dict) else acct
        if name:
            return _lock_account(f, str(name), os_)
    if d.get("user") and d.get("group") and f.kind == "privilege_change":
        return _group_member(f, d["user"], d["group"], os_)
    if d.get("member") and d.get("group"):
        return _group_member(f, str(d["member"]), d["group"], "windows")
    if rule.startswith("H2-windows-wmi") or d.get("consumer"):
        return _wmi(f, d)
    if d.get("location") in ("winlogon", "appinit_dlls"):
        return _reset_value(f, d)
    if rule == "H2-run-key" or ("hive" in d and "name" in d and "key" in d):
        return _run_key(f, d)
    if "rid" in d and d.get("name"):
        return _lock_account(f, str(d["name"]), "windows")
    if isinstance(d.get("resources"), list):  # an antivirus detection: the files it names
        out = []
        for res in dict.fromkeys(str(r["path"]).split("->", 1)[0] for r in d["resources"]  # a zip member: the zip
                                 if isinstance(r, dict) and r.get("kind") in ("file", "containerfile") and r.get("path")):
            out += _quarantine(f, res, None)
        return out
    if rule == "H2-scheduled-task" or d.get("task") or (d.get("path") and "actions" in d):
        name = d.get("path") or d.get("name") or d.get("task") or ""
        acts = d.get("actions")
        action = json.dumps(acts, ensure_ascii=False) if acts else str(d.get("action") or d.get("command") or "")
        return _task(f, str(name), action)
    if rule in ("H2-windows-service-path", "H2-windows-service-installed") or d.get("service") or "binpath" in d:
        name = d.get("service") or d.get("name") or ""
        path = str(d.get("binpath") or d.get("image_path") or d.get("image") or d.get("path") or "")
        return _service(f, str(name), path)
    if d.get("key") and isinstance(d.get("key"), str) and "\\" in d["key"]:
        return _registry_key(f, d["key"])
    exe = d.get("exe") or (d.get("path") if d.get("mode") or d.get("sha256") else None)
    if exe:
        return _quarantine(f, str(exe), d.get("exe_sha256") or d.get("sha256"), d.get("pids") or ())
    if d.get("path") and (d.get("sha256") or (_is_windows_path(str(d["path"])) and
                                              str(d["path"]).lower().endswith(EXECUTABLE_SUFFIXES))):
        return _quarantine(f, str(d["path"]), d.get("sha256"))
    return []


def build(findings, os_: str = "linux", packages: list[dict] | None = None) -> list[Step]:
    """Steps for a list of findings; a step two findings call for is listed once, naming both."""
    out: dict[str, Step] = {}
    for f in findings:
        for s in steps_for(f, os_, packages):
            prior = out.get(s.key)
            if prior is None:
                out[s.key] = s
            else:
                prior.findings += [r for r in s.findings if r not in prior.findings]
                prior.evidence_ids = sorted(set(prior.evidence_ids) | set(s.evidence_ids))
    return list(out.values())


# ----------------------------------------------------------------------------------------- storage
def _table(case) -> None:
    case.db.execute(_TABLE)


def _from_row(r) -> Step:
    return Step(r["action"], r["os"], json.loads(r["target"]), r["title_vi"], r["title_en"],
                json.loads(r["commands"]), json.loads(r["findings"]), json.loads(r["evidence_ids"]),
                r["status"], r["by"], r["at"], r["reason"], r["no"])


def steps(case) -> list[Step]:
    _table(case)
    return [_from_row(r) for r in case.db.execute("SELECT * FROM analysis_remediation_steps ORDER BY no")]


def _packages(case) -> list[dict]:
    rec = case.latest("packages.json")
    if rec is None:
        return []
    try:
        rows = records.rows_of(case.read_json(rec))
    except (OSError, ValueError):
        return []
    return [p for p in rows if isinstance(p, dict)]


def vuln_steps(result: dict | None, os_: str = "linux") -> list[Step]:
    """Patch steps for the vulnerable packages of a vulnerability check (analysis.vulns), each naming its
    CVEs and the version that fixes them; the packages behind the entry point first."""
    out = []
    check = (result or {}).get("after") or result or {}
    for v in check.get("vulnerable") or []:
        fixed = sorted({a["fixed"] for a in v["advisories"] if a.get("fixed")}, key=str)
        cves = ", ".join(v["cves"][:8]) + (" ..." if len(v["cves"]) > 8 else "")
        entry = " — nằm sau điểm xâm nhập" if v.get("entry_point") else ""
        entry_en = " — behind the entry point" if v.get("entry_point") else ""
        s = _patch({"name": v["package"], "manager": v["manager"], "version": v["version"]}, "", None, os_)[0]
        s.title_vi = (f"Vá gói {v['package']} {v['version']} ({cves})" + (f" lên {fixed[-1]} trở lên" if fixed else
                      " (chưa có bản sửa: giảm thiểu theo khuyến cáo)") + entry)
        s.title_en = (f"Patch {v['package']} {v['version']} ({cves})" + (f" to {fixed[-1]} or later" if fixed else
                      " (no fix yet: mitigate as advised)") + entry_en)
        s.findings = [{"rule": "H3-vulnerable-package", "kind": "vulnerability", "severity": "high" if v.get("entry_point")
                       else "medium", "summary_en": s.title_en, "summary_vi": s.title_vi, "time": None}]
        s.evidence_ids = [check["snapshot"]] if check.get("snapshot") else []
        out.append(s)
    out += kb_steps(check)
    return out


def kb_steps(check: dict) -> list[Step]:
    """One step per Windows update (KB) the MSRC part of a vulnerability check says is missing, naming
    the CVEs it fixes and the build it brings; UngCuu does not download it (the catalog address is shown)."""
    wv = check.get("windows_vulnerable") or {}
    win = check.get("windows") or {}
    by_kb: dict[str, dict] = {}
    for v in wv.get("vulnerable") or []:
        kb = v["kbs"][-1] if v.get("kbs") else None   # the newest KB for the host's product
        if not kb:
            continue
        g = by_kb.setdefault(kb, {"cves": [], "severity": set(), "builds": set(), "pending": False})
        g["cves"].append(v["cve"])
        g["severity"] |= {x.strip() for x in (v.get("severity") or "").split(",") if x.strip()}
        g["builds"] |= set(v.get("fixed_build") or [])
        g["pending"] = g["pending"] or kb in (v.get("pending_restart") or [])
    out = []
    for kb, g in sorted(by_kb.items()):
        cves = ", ".join(g["cves"][:8]) + (" ..." if len(g["cves"]) > 8 else "")
        build = max(g["builds"], key=lambda b: [int(x) for x in b.split(".") if x.isdigit()]) if g["builds"] else None
        sev = "/".join(sorted(g["severity"]))
        if g["pending"]:
            title_vi = f"Khởi động lại để bản cập nhật {kb} có hiệu lực ({cves})"
            title_en = f"Restart so that the update {kb} takes effect ({cves})"
        else:
            title_vi = f"Cài bản cập nhật bảo mật {kb} của Microsoft ({cves})"
            title_en = f"Install the Microsoft security update {kb} ({cves})"
        cmds = [f"Get-HotFix -Id {kb}   # before: not found",
                f"# download the .msu of {kb} from https://catalog.update.microsoft.com/Search.aspx?q={kb} "
                "(or approve it in WSUS)",
                'wusa.exe "<the downloaded .msu>" /quiet /norestart',
                "Restart-Computer",
                f"Get-HotFix -Id {kb}   # after: installed"]
        if build:
            cmds.append("Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion' | "
                        f"Select-Object CurrentBuild, UBR   # expect {build.split('.', 2)[-1]} or later")
        if g["pending"]:
            cmds = ["Restart-Computer", f"Get-HotFix -Id {kb}   # after: installed"]
        summary = f"{title_en}" + (f"; severity {sev}" if sev else "")
        out.append(Step("install_update", "windows", {"kb": kb, "cves": g["cves"], "fixed_build": build},
                        title_vi, title_en, cmds,
                        [{"rule": "H3-missing-windows-update", "kind": "vulnerability",
                          "severity": "high" if "Critical" in g["severity"] else "medium",
                          "summary_en": summary, "summary_vi": title_vi + (f"; mức {sev}" if sev else ""),
                          "time": None}],
                        [win["snapshot"]] if win.get("snapshot") else []))
    return out


def generate(case, findings=None, ioc_file=None, yara_file=None) -> list[Step]:
    """Make (or extend) the case's plan from its findings (and the last vulnerability check, if any);
    steps already in the plan keep their state."""
    if findings is None:
        from analysis import findings as _findings

        findings = _findings.run(case, ioc_file=ioc_file, yara_file=yara_file)
    os_ = case_os(case)
    made = build(findings, os_, _packages(case))
    from analysis import vulns

    have = {s.key for s in made}
    made += [s for s in vuln_steps(vulns.latest(case), os_) if s.key not in have]
    _table(case)
    known = {s.key: s for s in steps(case)}
    added = []
    with case.transaction():
        no = max((s.no for s in known.values()), default=0)
        for s in made:
            if s.key in known:
                old = known[s.key]
                merged = old.findings + [r for r in s.findings if r not in old.findings]
                ev = sorted(set(old.evidence_ids) | set(s.evidence_ids))
                case.db.execute("UPDATE analysis_remediation_steps SET findings = ?, evidence_ids = ? WHERE key = ?",
                                (json.dumps(merged, ensure_ascii=False), json.dumps(ev), s.key))
                continue
            no += 1
            s.no = no
            case.db.execute(
                "INSERT INTO analysis_remediation_steps (key, no, action, os, target, title_vi, title_en, commands, "
                "findings, evidence_ids, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (s.key, s.no, s.action, s.os, json.dumps(s.target, ensure_ascii=False), s.title_vi, s.title_en,
                 json.dumps(s.commands, ensure_ascii=False), json.dumps(s.findings, ensure_ascii=False),
                 json.dumps(s.evidence_ids), utc_now_iso()))
            added.append(s)
        case.custody.append("remediation_plan", "analysis_remediation_steps",
                            {"steps": no, "added": [s.id for s in added],
                             "added_keys": [s.key for s in added], "findings": len(findings)})
    return steps(case)


def get(case, step_id: str) -> Step:
    want = step_id.strip().upper()
    for s in steps(case):
        if s.id == want or s.key == step_id or str(s.no) == step_id.strip():
            return s
    raise KeyError(step_id)


def mark(case, step_id: str, status: str, *, by: str | None = None, reason: str | None = None,
         at: str | None = None) -> Step:
    """Record that a step was done, skipped (a reason is required) or failed, by whom and when, in the
    plan and in the custody log. ``reports.actions.mark_step`` does this and adds it to the incident's
    action log (what the CLI and the GUI call)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    if status == "skipped" and not (reason or "").strip():
        raise ValueError("a skipped step needs a reason (--reason)")
    s = get(case, step_id)
    by = by or case.examiner or None
    at = at or utc_now_iso()
    with case.transaction():
        case.db.execute("UPDATE analysis_remediation_steps SET status = ?, by = ?, at = ?, reason = ? WHERE key = ?",
                        (status, by, at, reason, s.key))
        case.custody.append("remediation_mark", s.id, {"key": s.key, "status": status, "by": by, "at": at,
                                                       "reason": reason, "previous": s.status,
                                                       "action": s.action, "target": s.target})
    return get(case, s.id)


def summary(plan: list[Step]) -> dict[str, int]:
    out = {k: 0 for k in STATUSES}
    for s in plan:
        out[s.status] = out.get(s.status, 0) + 1
    return out


def render_text(plan: list[Step], lang: str = "vi") -> str:
    if not plan:
        return ("Không có bước khắc phục nào: chưa có phát hiện cần gỡ bỏ hay sửa."
                if lang == "vi" else "No remediation steps: no finding calls for something to remove or fix.")
    lines = []
    for s in plan:
        state = STATUS_VI[s.status] if lang == "vi" else s.status
        lines.append(f"{s.id} [{state}] ({s.os}) {s.title(lang)}")
        for r in s.findings:
            lines.append(f"    {'phát hiện' if lang == 'vi' else 'finding'}: {r['rule']} — "
                         f"{(r['summary_vi'] if lang == 'vi' else r['summary_en'])[:140]}")
        lines.append(f"    {'chứng cứ' if lang == 'vi' else 'evidence'}: {', '.join(s.evidence_ids) or '-'}")
        shell = "PowerShell (Administrator)" if s.os == "windows" else "root shell (sudo -i)"
        lines.append(f"    {'lệnh cho người vận hành, chạy trong' if lang == 'vi' else 'for the operator to run in'} "
                     f"{shell}:")
        for c in s.commands:
            lines.append(f"    $ {c}")
        if s.by or s.reason:
            lines.append(f"    {s.at or ''} {s.by or ''} {s.reason or ''}".rstrip())
    return "\n".join(lines)
