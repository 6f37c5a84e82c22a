"""Leadership's route without UngCuu: `unzip`, then the README's own commands (`sha256sum -c`, the file-list
comparison, `openssl pkeyutl -verify`) catch every tampering a forger without the signing key can make, and
`ungcuu verify --public-key` catches the same ones."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile

import pytest

from desktop.cli import main as ungcuu
from reports.bundle import build_bundle, generate_keypair
from reports.bundle_readme import LINUX_CHECK_SIGNATURE, LINUX_CHECK_SUMS, LINUX_CHECK_UNLISTED, LINUX_KEY_FINGERPRINT

from test_reports_bundle import SYSLOG, flip, rewrite

STEPS = {"sha256sum": LINUX_CHECK_SUMS, "unlisted": LINUX_CHECK_UNLISTED, "openssl": LINUX_CHECK_SIGNATURE}

pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in ("unzip", "sha256sum", "openssl", "bash")),
                                reason="needs unzip, sha256sum, openssl and bash (the reader's standard tools)")


@pytest.fixture(scope="module")
def signed(module_case, tmp_path_factory):
    d = tmp_path_factory.mktemp("route")
    priv, pub = generate_keypair(d / "team.key", d / "team.pub")
    path = d / "goi.zip"
    build_bundle(module_case, path, signing_key=priv, include_timeline=False)
    return {"path": path, "pub": pub, "dir": d}


def standard_route(bundle, pub, work) -> dict[str, bool]:
    """Extract with unzip into work/goi (the public key beside it, as the README says) and run each step."""
    work.mkdir()
    shutil.copy(pub, work / "khoa_cong_khai.pem")
    subprocess.run(["unzip", "-q", str(bundle), "-d", str(work / "goi")], check=True)
    return {name: subprocess.run(["bash", "-c", cmd], cwd=work / "goi", capture_output=True).returncode == 0
            for name, cmd in STEPS.items()}


def test_readme_gives_these_commands(signed):
    with zipfile.ZipFile(signed["path"]) as zf:
        readme = zf.read("README.txt").decode("utf-8")
    for cmd in (*STEPS.values(), LINUX_KEY_FINGERPRINT, "certutil -hashfile goi.zip SHA256", "Get-FileHash",
                "unzip -q goi.zip -d goi"):
        assert cmd in readme
    assert "ĐỐI CHIẾU QUA KÊNH KHÁC" in readme and "how to verify (English)" in readme


def test_intact_bundle_passes_every_step(signed, tmp_path, module_case):
    assert standard_route(signed["path"], signed["pub"], tmp_path / "w") == dict.fromkeys(STEPS, True)
    # the key fingerprint the README prints is the one the command computes from the public key file
    out = subprocess.run(["bash", "-c", LINUX_KEY_FINGERPRINT], cwd=tmp_path / "w" / "goi", capture_output=True,
                         text=True, check=True).stdout.split()[0]
    with zipfile.ZipFile(signed["path"]) as zf:
        assert f"khóa công khai SHA-256 {out}" in zf.read("README.txt").decode("utf-8")
    last = [e for e in module_case.custody.entries() if e["action"] == "export"][-1]
    assert last["details"]["key_fingerprint"] == out
    assert ungcuu(["verify", str(signed["path"]), "--public-key", str(signed["pub"])]) == 0


def _readme_edit(name, data):
    return data.replace("ungcuu verify".encode(), b"ungcuu verifx") if name == "README.txt" else data


TAMPERINGS = {
    # name: (rewrite arguments, the steps that must fail)
    "evidence byte changed": (dict(change=lambda n, d: flip(d) if n == SYSLOG else d), {"sha256sum"}),
    "evidence byte changed, its line fixed": (dict(change=lambda n, d: flip(d) if n == SYSLOG else d, resum=True),
                                              {"openssl"}),
    "file added": (dict(add=[("evidence/E000099-backdoor.sh", b"#!/bin/sh\n")]), {"unlisted"}),
    "file removed": (dict(drop=(SYSLOG,)), {"sha256sum", "unlisted"}),
    "file removed with its line": (dict(drop=(SYSLOG,), resum=True), {"openssl"}),
    "README edited": (dict(change=_readme_edit), {"sha256sum"}),
    "README edited, its line fixed": (dict(change=_readme_edit, resum=True), {"openssl"}),
    "manifest edited, its line fixed": (dict(change=lambda n, d: d.replace(b'"B10"', b'"B11"')
                                             if n == "manifest.json" else d, resum=True), {"openssl"}),
    "signature removed": (dict(drop=("SHA256SUMS.sig",)), {"openssl"}),
}


@pytest.mark.parametrize("what", list(TAMPERINGS))
def test_tampering_caught_by_standard_tools_and_by_verify(signed, tmp_path, what, capsys):
    kwargs, must_fail = TAMPERINGS[what]
    bad = tmp_path / "goi.zip"
    rewrite(signed["path"], bad, **kwargs)
    assert hashlib.sha256(bad.read_bytes()).hexdigest() != hashlib.sha256(signed["path"].read_bytes()).hexdigest()
    steps = standard_route(bad, signed["pub"], tmp_path / "w")
    failed = {name for name, ok in steps.items() if not ok}
    assert must_fail <= failed, steps
    assert ungcuu(["verify", str(bad), "--public-key", str(signed["pub"])]) == 1
    assert "NOT intact" in capsys.readouterr().err


def test_signed_bundle_without_key_is_not_a_pass(signed, capsys):
    assert ungcuu(["verify", str(signed["path"])]) == 1
    assert "signature not checked" in capsys.readouterr().out


def test_unsigned_bundle_that_claims_a_signature(signed, tmp_path, capsys):
    bad = tmp_path / "nosig.zip"
    rewrite(signed["path"], bad, drop=("SHA256SUMS.sig",))
    assert ungcuu(["verify", str(bad)]) == 1
    assert "danh mục ghi là có chữ ký nhưng thiếu SHA256SUMS.sig" in capsys.readouterr().out
