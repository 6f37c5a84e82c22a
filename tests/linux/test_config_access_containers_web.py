"""A fake root with the places responders look: SSH files of two users (a private key that must not be
read), shell rc files, a user systemd unit starting a payload in /tmp, /etc with a shadow file (fields,
never the hash), /boot, a Docker container with its log, a Podman store, and an nginx site whose web
root holds a fresh web shell."""
from __future__ import annotations

import hashlib
import json
import os
import time

from collectors.artifacts.boot_files import BootFile, BootFiles
from collectors.artifacts.containers import Container, Containers
from collectors.artifacts.etc_tree import EtcTree, SecretFile, ShadowEntry
from collectors.artifacts.user_access import KnownHost, SshKeyFile, UserAccess, UserUnit, fingerprint
from collectors.artifacts.web_servers import WebFile, WebServer, WebServers

from .conftest import write

KEY_B64 = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
PRIVATE = b"-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-MATERIAL-NEVER-COPIED\n-----END OPENSSH PRIVATE KEY-----\n"


def build(root):
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    write(root, "/etc/shadow", "root:$y$j9T$salt$HASHVALUEXYZ:19700:0:99999:7:::\nbob:!$6$s$HASHBOB:19000:0:99999:7:::\n",
          0o640)
    write(root, "/etc/ssh/ssh_host_ed25519_key", PRIVATE, 0o600)
    write(root, "/etc/audit/rules.d/audit.rules", "-w /etc/passwd -p wa -k identity\n")
    write(root, "/etc/anacrontab", "1 5 cron.daily run-parts /etc/cron.daily\n")
    write(root, "/root/.ssh/known_hosts", f"10.0.5.21 ssh-ed25519 {KEY_B64}\n"
          f"|1|abc=|def= ssh-ed25519 {KEY_B64}\n")
    write(root, "/root/.ssh/id_ed25519", PRIVATE, 0o600)
    write(root, "/root/.ssh/id_ed25519.pub", f"ssh-ed25519 {KEY_B64} root@web\n")
    write(root, "/root/.ssh/config", "Host db\n  HostName 10.0.5.30\n")
    write(root, "/home/bob/.bashrc", "alias ls='ls --hide=.x'\n")
    write(root, "/home/bob/.config/systemd/user/updater.service",
          "[Service]\nExecStart=/tmp/.x/updater --quiet\n[Install]\nWantedBy=default.target\n")
    write(root, "/boot/vmlinuz-6.1.0", b"kernel image")
    write(root, "/boot/grub/grub.cfg", "menuentry 'Debian' {}\n")
    cid = "a" * 64
    write(root, f"/var/lib/docker/containers/{cid}/config.v2.json", json.dumps({
        "ID": cid, "Name": "/miner", "Created": "2026-11-30T01:02:03Z",
        "Config": {"Image": "alpine:3.19", "Entrypoint": ["/bin/sh"], "Cmd": ["-c", "xmrig"]},
        "State": {"Running": True, "Pid": 4242},
        "MountPoints": {"/host": {"Source": "/", "Destination": "/host", "RW": True}}}))
    write(root, f"/var/lib/docker/containers/{cid}/hostconfig.json", json.dumps({"Privileged": True}))
    write(root, f"/var/lib/docker/containers/{cid}/{cid}-json.log", '{"log":"mining started\\n"}\n')
    write(root, "/var/lib/containers/storage/overlay-containers/containers.json", json.dumps([
        {"id": "b" * 64, "names": ["web-proxy"], "image": "c" * 64, "created": "2026-11-29T00:00:00Z"}]))
    write(root, "/var/lib/containers/storage/overlay-images/images.json", json.dumps([
        {"id": "c" * 64, "names": ["docker.io/library/nginx:latest"]}]))
    write(root, "/etc/nginx/nginx.conf", "http { include /etc/nginx/sites-enabled/*; }\n")
    write(root, "/etc/nginx/sites-enabled/shop", "server {\n  root /srv/shop/public;\n"
          "  access_log /var/log/shop/access.log;\n}\n")
    old = time.time() - 400 * 86400
    for rel, data in (("/srv/shop/public/index.php", "<?php echo 'shop';"),
                      ("/srv/shop/public/logo.png", b"\x89PNG")):
        os.utime(write(root, rel, data), (old, old))
    write(root, "/srv/shop/public/uploads/cmd.php", "<?php system($_GET['c']);")
    write(root, "/var/log/shop/access.log", '10.0.0.9 - - [30/Nov/2026:10:00:00 +0700] "GET /uploads/cmd.php?c=id HTTP/1.1" 200 5\n')
    write(root, "/var/log/shop/access.log.1", "older\n")


def contents(ran):
    return [ran.ctx.case.evidence_path(r).read_bytes() for r in ran.stored]


def test_user_access(tmp_path, run):
    root = tmp_path / "root"
    build(root)
    ran = run(UserAccess(), root=root)
    hosts = ran.rows("ssh_known_hosts.json", KnownHost)
    assert [(h.hosts, h.hashed) for h in hosts] == [(["10.0.5.21"], False), (["|1|abc=|def="], True)]
    assert hosts[0].fingerprint == fingerprint(KEY_B64) and hosts[0].fingerprint.startswith("SHA256:")
    keys = {k.path: k for k in ran.rows("ssh_keys.json", SshKeyFile)}
    assert keys["/root/.ssh/id_ed25519"].kind == "private" and keys["/root/.ssh/id_ed25519"].size == len(PRIVATE)
    assert not any(b"SECRET-MATERIAL" in c for c in contents(ran))  # a private key is never copied
    assert {r.source for r in ran.stored} >= {"/root/.ssh/known_hosts", "/root/.ssh/config",
                                              "/root/.ssh/id_ed25519.pub", "/home/bob/.bashrc"}
    (unit,) = ran.rows("user_units.json", UserUnit)
    assert (unit.user, unit.exec_start, unit.wanted_by) == ("bob", ["/tmp/.x/updater --quiet"], ["default.target"])


def test_etc_without_secrets_and_boot(tmp_path, run):
    root = tmp_path / "root"
    build(root)
    ran = run(EtcTree(), root=root)
    shadow = {s.user: s for s in ran.rows("shadow_entries.json", ShadowEntry)}
    assert (shadow["root"].password_state, shadow["root"].scheme, shadow["root"].last_change) == (
        "set", "yescrypt", "2023-12-09")
    assert shadow["bob"].password_state == "locked"
    blob = b"".join(contents(ran))
    assert b"HASHVALUEXYZ" not in blob and b"SECRET-MATERIAL" not in blob
    secrets = {s.path for s in ran.rows("etc_secrets.json", SecretFile)}
    assert {"/etc/shadow", "/etc/ssh/ssh_host_ed25519_key"} <= secrets
    assert {"/etc/audit/rules.d/audit.rules", "/etc/anacrontab", "/etc/passwd"} <= {r.source for r in ran.stored}
    boot = run(BootFiles(), root=root)
    files = {b.path: b for b in boot.rows("boot_files.json", BootFile)}
    assert files["/boot/vmlinuz-6.1.0"].sha256 == hashlib.sha256(b"kernel image").hexdigest()
    assert "/boot/grub/grub.cfg" in {r.source for r in boot.stored}


def test_containers_from_state_folders(tmp_path, run):
    root = tmp_path / "root"
    build(root)
    ran = run(Containers(), root=root, checklist_id="B3")
    rows = {c.engine: c for c in ran.rows("containers.json", Container)}
    d = rows["docker"]
    assert (d.name, d.image, d.command, d.running, d.pid, d.privileged) == (
        "miner", "alpine:3.19", ["/bin/sh", "-c", "xmrig"], True, 4242, True)
    assert d.mounts == [{"source": "/", "destination": "/host", "rw": True}]
    assert ran.ctx.case.evidence_path(ran.ctx.case.get_evidence(d.log_evidence)).read_bytes().startswith(b'{"log"')
    p = rows["podman"]
    assert (p.name, p.image) == ("web-proxy", "docker.io/library/nginx:latest")


def test_web_roots_logs_and_recent_scripts(tmp_path, run):
    root = tmp_path / "root"
    build(root)
    ran = run(WebServers(), root=root, checklist_id="B3")
    (srv,) = ran.rows("web_servers.json", WebServer)
    assert srv.roots == ["/srv/shop/public"] and srv.logs == ["/var/log/shop/access.log"]
    files = {f.path: f for f in ran.rows("web_files.json", WebFile)}
    shell = files["/srv/shop/public/uploads/cmd.php"]
    assert shell.script and shell.recent and shell.sha256 == hashlib.sha256(b"<?php system($_GET['c']);").hexdigest()
    assert files["/srv/shop/public/index.php"].script and not files["/srv/shop/public/index.php"].recent
    assert not files["/srv/shop/public/logo.png"].script
    assert {"/var/log/shop/access.log", "/var/log/shop/access.log.1", "/etc/nginx/sites-enabled/shop"} <= {
        r.source for r in ran.stored}
