"""Three hosts of one incident, collected by UngCuu's own `collect --root` over small offline trees:
web01 (Linux, entered by SSH from outside), db01 (Linux, entered by SSH from web01's address) and a
Windows host (the Security.evtx sample). The shared syslog sample is on both Linux hosts."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from collectors.case import Case
from desktop import cli

WEB_IP = "10.0.0.5"
OUTSIDE_IP = "203.0.113.9"
WEB_AUTH = (f"Mar  3 10:00:01 web01 sshd[100]: Accepted password for admin from {OUTSIDE_IP} port 5000 ssh2\n"
            "Mar  3 10:01:00 web01 sshd[101]: Failed password for root from 198.51.100.4 port 5001 ssh2\n")
DB_AUTH = f"Mar  3 10:05:01 db01 sshd[200]: Accepted publickey for admin from {WEB_IP} port 40000 ssh2\n"


def _linux_tree(base: Path, name: str, ip: str, auth: str, shared: Path) -> Path:
    r = base / f"root-{name}"
    (r / "etc").mkdir(parents=True)
    (r / "var/log").mkdir(parents=True)
    (r / "etc/hostname").write_text(name + "\n")
    (r / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n")
    (r / "etc/hosts").write_text(f"127.0.0.1 localhost\n{ip} {name}.example.vn {name}\n")
    (r / "var/log/auth.log").write_text(auth)
    shutil.copy(shared / "logs/plaso-test-data/syslog_syslog", r / "var/log/syslog")
    return r


def _collect(case_dir: Path, root: Path, only: str) -> Path:
    rc = cli.main(["--lang", "en", "collect", "--case", str(case_dir), "--root", str(root), "--only", only])
    assert rc in (0, 1), rc
    return case_dir


@pytest.fixture(scope="session")
def host_cases(tmp_path_factory, shared_data) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hosts")
    web = _linux_tree(base, "web01", WEB_IP, WEB_AUTH, shared_data)
    db = _linux_tree(base, "db01", "10.0.0.7", DB_AUTH, shared_data)
    win = base / "root-win"
    (win / "Windows/System32/winevt/Logs").mkdir(parents=True)
    shutil.copy(shared_data / "evtx/evtx-rs-samples/security.evtx", win / "Windows/System32/winevt/Logs/Security.evtx")
    return {"web01": _collect(base / "case-web01", web, "B2,B4,B10"),
            "db01": _collect(base / "case-db01", db, "B2,B4,B10"),
            "win": _collect(base / "case-win", win, "B2,B10")}


@pytest.fixture(scope="session")
def bundles(host_cases, tmp_path_factory) -> dict[str, Path]:
    """web01 and win as plain ZIP bundles, db01 as an encrypted 7z (passphrase 'mật khẩu 2026')."""
    from reports.bundle import build_bundle

    out = tmp_path_factory.mktemp("bundles")
    made = {}
    for name, path in host_cases.items():
        c = Case.open(path, affected_root="")
        try:
            pw = "mật khẩu 2026" if name == "db01" else None
            made[name] = out / (f"{name}.7z" if pw else f"{name}.zip")
            build_bundle(c, made[name], passphrase=pw, include_reports=False)
        finally:
            c.close()
    return made


@pytest.fixture(scope="session")
def passphrase_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("secret") / "pw.txt"
    p.write_text("mật khẩu 2026\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def incident(bundles, passphrase_file, tmp_path_factory) -> Path:
    """The incident case with the three bundles imported through the command line."""
    inc = tmp_path_factory.mktemp("incident") / "INC"
    rc = cli.main(["--lang", "en", "import", "--case", str(inc), str(bundles["web01"]), str(bundles["db01"]),
                   str(bundles["win"]), "--passphrase-file", str(passphrase_file)])
    assert rc == 0
    return inc
