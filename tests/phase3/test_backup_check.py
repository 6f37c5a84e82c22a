"""R2: a backup tree holding the backdoor is flagged, a clean one that predates the incident passes; the
same for tar and zip archives and an ext4 image; YARA and IOC files given."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from analysis import backup_check
from collectors.case import Case
from desktop import cli

from .conftest import CRON_LINE, KEY, PASSWD, build_root, write

OLD = 1_600_000_000  # 2020-09-13: long before the incident


@pytest.fixture
def case_dir(tmp_path, capsys):
    root = build_root(tmp_path / "root")
    d = tmp_path / "case"
    assert cli.main(["--lang", "en", "collect", "--case", str(d), "--root", str(root), "--profile", "triage"]) == 0
    assert cli.main(["--lang", "en", "remediate", "--case", str(d), "plan"]) == 0
    capsys.readouterr()
    return d


def clean_tree(base):
    """The system as it was before the attacker: no backdoor, old file times."""
    write(base, "etc/passwd", "".join(ln + "\n" for ln in PASSWD.splitlines() if not ln.startswith("backdoor:")))
    write(base, "etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    write(base, "root/.ssh/authorized_keys", "")
    write(base, "var/www/html/index.html", "<h1>Sở TT&TT</h1>\n")
    for p in base.rglob("*"):
        os.utime(p, (OLD, OLD), follow_symlinks=False)
    os.utime(base, (OLD, OLD))
    return base


def dirty_tree(base):
    clean_tree(base)
    write(base, "etc/crontab", "SHELL=/bin/sh\n" + CRON_LINE + "\n")
    write(base, "etc/systemd/system/implant.service", "[Service]\nExecStart=/tmp/.x/implant\n")
    write(base, "root/.ssh/authorized_keys", KEY + "\n")
    write(base, "var/www/html/up.php", "<?php system($_GET['cmd']); // 198.51.100.7\n")
    for p in base.rglob("*"):
        os.utime(p, (OLD, OLD), follow_symlinks=False)
    return base


def _run(case_dir, backup, capsys, *extra):
    capsys.readouterr()
    rc = cli.main(["--lang", "en", "backup-check", "--case", str(case_dir), str(backup), "--json", *extra])
    return rc, json.loads(capsys.readouterr().out)


def test_clean_tree_passes_dirty_tree_flagged(case_dir, tmp_path, capsys):
    rc, res = _run(case_dir, clean_tree(tmp_path / "clean"), capsys)
    assert (rc, res["verdict"], res["hits"]) == (0, "clean", [])
    assert res["predates"] is True and res["newest_file_time"] == "2020-09-13T12:26:40Z" and res["files"] == 4
    assert res["first_malicious"] > "2020"
    rc, res = _run(case_dir, dirty_tree(tmp_path / "dirty"), capsys)
    assert rc == 1 and res["verdict"] == "contains_indicators"
    hits = {(h["member"], h["what"]) for h in res["hits"]}
    assert ("etc/crontab", "cron line") in hits
    assert ("etc/systemd/system/implant.service", "systemd unit") in hits
    assert ("root/.ssh/authorized_keys", "SSH key") in hits
    assert not any(h["member"] == "etc/passwd" for h in res["hits"])  # the account is not in this backup
    case = Case.open(case_dir, affected_root="")
    checks = [e for e in case.custody.entries() if e["action"] == "backup_check"]
    assert len(checks) == 2 and [r["verdict"] for r in backup_check.results(case)] == ["clean", "contains_indicators"]
    assert case.incident()["actions"][-1]["result"].startswith("KHÔNG SẠCH")
    case.close()


def test_archives_and_indicator_files(case_dir, tmp_path, capsys):
    dirty = dirty_tree(tmp_path / "dirty")
    tgz = tmp_path / "backup.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(dirty, arcname="./")
    rc, res = _run(case_dir, tgz, capsys)
    assert res["kind"] == "tar" and rc == 1
    assert res["source_sha256"] == hashlib.sha256(tgz.read_bytes()).hexdigest()
    assert {h["what"] for h in res["hits"]} >= {"cron line", "systemd unit", "SSH key"}
    clean = clean_tree(tmp_path / "clean")
    zp = tmp_path / "backup.zip"
    with zipfile.ZipFile(zp, "w") as z:
        for p in sorted(clean.rglob("*")):
            if p.is_file():
                info = zipfile.ZipInfo(str(p.relative_to(clean)), date_time=(2020, 9, 13, 12, 0, 0))
                z.writestr(info, p.read_bytes())
    rc, res = _run(case_dir, zp, capsys)
    assert (res["kind"], res["verdict"], rc) == ("zip", "clean", 0)
    # IOC and YARA files given: the web shell is found by its hash, its address and a rule
    shell = (dirty / "var/www/html/up.php").read_bytes()
    ioc = write(tmp_path, "ioc.txt", hashlib.sha256(shell).hexdigest() + "\n198.51.100.7\n")
    rules = write(tmp_path, "r.yar", 'rule php_webshell { strings: $a = "system($_GET" condition: $a }\n')
    rc, res = _run(case_dir, tgz, capsys, "--ioc", str(ioc), "--yara", str(rules))
    web = {h["what"] for h in res["hits"] if h["member"].endswith("var/www/html/up.php")}
    assert web == {"sha256 of a known file", "IOC address/domain", "YARA rule"}
    rc, res = _run(case_dir, zp, capsys, "--ioc", str(ioc), "--yara", str(rules))
    assert res["verdict"] == "clean"


def test_a_backup_made_after_the_compromise_is_not_called_clean(case_dir, tmp_path, capsys):
    base = clean_tree(tmp_path / "late")
    os.utime(base / "var/www/html/index.html", None)  # touched now: after the first malicious event
    rc, res = _run(case_dir, base, capsys)
    assert res["verdict"] == "after_compromise" and res["predates"] is False and rc == 3


@pytest.mark.skipif(shutil.which("mkfs.ext4") is None, reason="mkfs.ext4 (e2fsprogs) is needed to build the image")
def test_disk_image_backup(case_dir, tmp_path, capsys):
    dirty = dirty_tree(tmp_path / "dirty")
    img = tmp_path / "backup.img"
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(dirty), str(img), "8M"], check=True,
                   env={**os.environ, "E2FSPROGS_FAKE_TIME": str(OLD)})
    before = hashlib.sha256(img.read_bytes()).hexdigest()
    rc, res = _run(case_dir, img, capsys)
    assert res["kind"] == "image" and res["verdict"] == "contains_indicators", res
    assert {h["member"] for h in res["hits"]} >= {"etc/crontab", "root/.ssh/authorized_keys"}
    assert hashlib.sha256(img.read_bytes()).hexdigest() == before == res["source_sha256"]


def test_missing_backup(case_dir, tmp_path, capsys):
    assert cli.main(["backup-check", "--case", str(case_dir), str(tmp_path / "nope")]) == 2
