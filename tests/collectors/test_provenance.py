"""What custody records about the tool and the machines, and what UngCuu runs or reads of the host:
the build (git commit and dirty flag read from .git, never by running git), library versions, a named time
zone, the host's machine-id and addresses, the examiner kept per case; host programs identified by path,
SHA-256 and argv; the kernel's uname instead of the host's `uname`; /etc/passwd read once."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from test_artifacts_offline import build_linux_root

from collectors import provenance, records, util
from collectors.base import Context
from collectors.case import Case
from desktop import cli


def test_custody_records_the_build_zone_and_host(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/hostname").write_text("web01\n")
    assert cli.main(["collect", "--case", str(tmp_path / "case"), "--root", str(root), "--only", "B2",
                     "--examiner", "Nguyễn Văn An"]) in (0, 1)
    case = Case.open(tmp_path / "case", affected_root="")
    try:
        entries = case.custody.entries()
        create = entries[0]["details"]
        start = [e for e in entries if e["action"] == "collect-start"][-1]["details"]
    finally:
        case.close()
    repo_head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                               text=True).stdout.strip()
    for build in (create["build"], start["build"]):
        assert build["source"] == "git" and build["commit"] == repo_head and isinstance(build["dirty"], bool)
    libs = start["build"]["libraries"]
    assert re.fullmatch(r"cpython 3\.\d+\.\d+", start["build"]["python"])
    for dist in ("py7zr", "regipy", "evtx", "cryptography", "reportlab", "PyYAML", "psutil"):
        assert re.match(r"\d", libs[dist]), (dist, libs[dist])
    assert start["time_zone"]["name"] and re.fullmatch(r"[+-]\d\d:\d\d", start["time_zone"]["offset"])
    ident = start["host_identity"]
    assert ident["hostname"] == util.host_name()
    if os.path.exists("/etc/machine-id"):
        assert ident["machine_id"] == Path("/etc/machine-id").read_text().strip()
    assert "127.0.0.1" in ident["addresses"].get("lo", [])
    assert start["examiner"] == "Nguyễn Văn An"


def test_git_commit_and_dirty_flag_read_from_the_git_files(tmp_path):
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg/a.py").write_text("x = 1\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for argv in (["init", "-q"], ["add", "."], ["commit", "-qm", "one"]):
        subprocess.run(["git", *argv], cwd=repo, check=True, env=env)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    info = provenance._git_info(repo)
    assert info["commit"] == head and info["dirty"] is False and info["branch"].startswith("refs/heads/")
    os.utime(repo / "pkg/a.py", (1, 1))             # touched, same content: still clean
    assert provenance._git_info(repo)["dirty"] is False
    (repo / "pkg/a.py").write_text("x = 2\n")       # same size, other content: dirty
    assert provenance._git_info(repo)["dirty"] is True
    subprocess.run(["git", "gc", "-q"], cwd=repo, check=True)   # refs packed
    (repo / "pkg/a.py").write_text("x = 1\n")
    assert provenance._git_info(repo) == {"source": "git", "commit": head, "branch": info["branch"], "dirty": False}


def test_the_examiner_is_kept_per_case(tmp_path):
    c = Case.create(tmp_path / "case", examiner="Lê Thị Hoa", affected_root="")
    c.close()
    c = Case.open(tmp_path / "case", affected_root="")       # no --examiner: not the login name (root)
    try:
        assert c.examiner == "Lê Thị Hoa"
        c.custody.append("note", "x", {})
        assert c.custody.entries()[-1]["actor"] == "Lê Thị Hoa"
    finally:
        c.close()
    c = Case.open(tmp_path / "case", examiner="Trần Minh", affected_root="")
    try:
        last = c.custody.entries()[-1]
        assert (last["action"], last["actor"], last["details"]) == ("examiner", "Trần Minh", {"previous": "Lê Thị Hoa"})
    finally:
        c.close()
    c = Case.open(tmp_path / "case", affected_root="")
    try:
        assert c.examiner == "Trần Minh" and c.custody.entries()[-1]["action"] == "examiner"   # logged once
    finally:
        c.close()


def test_put_command_records_the_program_path_hash_and_argv(case):
    ctx = Context(case, run_id=None, checklist_id="B2", collector_name="test")
    rec = ctx.put_command(["uname", "-r"], name="uname.txt")
    prog = rec.orig_meta["programs"][0]
    path = shutil.which("uname")
    assert prog["path"] == path and prog["argv"] == [path, "-r"] and rec.source == f"{path} -r"
    real = os.path.realpath(path)
    assert prog["real_path"] == real and prog["sha256"] == hashlib.sha256(Path(real).read_bytes()).hexdigest()
    assert case.evidence_path(rec).read_bytes().strip() == os.uname().release.encode()
    missing = ctx.put_command(["no-such-program-ungcuu"], name="x.txt")
    assert "is not installed" in missing.reason


def test_system_and_network_facts_run_no_host_program(case, monkeypatch):
    """os.uname and netlink / /proc, never `uname` (platform.processor) or `ip neigh`."""
    from collectors.artifacts import network_config, os_config, system_info

    ran = []

    class NoPopen:
        def __init__(self, argv, *a, **kw):
            ran.append(argv)
            raise AssertionError(f"ran {argv}")

    monkeypatch.setattr(subprocess, "Popen", NoPopen)
    ctx = Context(case, run_id=None, checklist_id="B2", collector_name="test")
    info, _ = system_info.live_info(ctx)
    assert info["os"]["release"] == os.uname().release and info["hardware"]["machine"] == os.uname().machine
    assert util.platform_string().startswith(f"Linux-{os.uname().release}")
    stored = [r for r in os_config.OsConfig().collect(ctx) if hasattr(r, "sha256")]
    assert records.plain(case.read_json(stored[-1]))["platform"] == util.platform_string()
    rows = network_config.neighbours([])
    assert isinstance(rows, list)
    assert ran == []


def test_passwd_is_read_once_not_looked_up_per_file(tmp_path, monkeypatch):
    import pwd

    def refuse(uid):
        raise AssertionError("a libc name lookup (opens /etc/passwd again)")

    monkeypatch.setattr(pwd, "getpwuid", refuse)
    opened = []
    real_open = util.open_source

    def counting(path, **kw):
        opened.append(os.fspath(path))
        return real_open(path, **kw)

    monkeypatch.setattr(util, "open_source", counting)
    util._uid_names.cache_clear()
    files = []
    for i in range(50):
        p = tmp_path / f"f{i}"
        p.write_text("x")
        files.append(p)
    names = {util.file_metadata(os.stat(p))["owner"] for p in files}
    assert names == {"root"} and opened.count("/etc/passwd") == 1
    from collectors.artifacts import processes

    monkeypatch.setattr(processes, "owner_name", util.owner_name)
    case = Case.create(tmp_path / "case", examiner="t", affected_root="")
    try:
        ctx = Context(case, run_id=None, checklist_id="B8", collector_name="test")
        from collectors.artifacts._common import ExeHasher

        rows, _ = processes.snapshot(ctx, ExeHasher(), with_files=False)
    finally:
        case.close()
    me = [r for r in rows if r["pid"] == os.getpid()]
    assert me and me[0]["user"] == "root" and opened.count("/etc/passwd") == 1


def test_offline_owner_names_come_from_the_roots_passwd(tmp_path, shared_data):
    root = tmp_path / "root"
    root.mkdir()
    build_linux_root(root, shared_data)
    os.chown(root / "home/alice/.bashrc", 1000, 1000)       # alice in the root's passwd; maybe nobody here
    assert cli.main(["collect", "--case", str(tmp_path / "case"), "--root", str(root), "--only", "B4"]) in (0, 1)
    case = Case.open(tmp_path / "case", affected_root="")
    try:
        recs = {r.source: r for r in case.evidence()}
    finally:
        case.close()
    assert recs["/home/alice/.bashrc"].orig_meta["owner"] == "alice"
    assert recs["/etc/passwd"].orig_meta["owner"] == "root"


def test_the_fully_qualified_name_comes_from_etc_hosts_not_the_resolver(tmp_path, monkeypatch):
    """No resolver call (it reads /etc/hosts and resolv.conf without O_NOATIME and may query DNS from the
    examined machine): the name is read from the root's own /etc/hosts."""
    import socket

    from collectors.artifacts import system_info
    from collectors.base import Context
    from collectors.case import Case

    def no_resolver(*a, **k):
        raise AssertionError("the resolver was asked")

    monkeypatch.setattr(socket, "getaddrinfo", no_resolver)
    monkeypatch.setattr(socket, "getfqdn", no_resolver)
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hosts").write_text("127.0.0.1 localhost\n10.0.0.5 web01.camxuyen.gov.vn web01 # the server\n")
    case = Case.create(tmp_path / "case", examiner="t", affected_root="")
    try:
        ctx = Context(case, run_id=None, checklist_id="B2", root=root, collector_name="test")
        assert system_info.fqdn(ctx, "web01") == "web01.camxuyen.gov.vn"
        assert system_info.fqdn(ctx, "db01") is None
        assert system_info.fqdn(ctx, "db01.hatinh.gov.vn") == "db01.hatinh.gov.vn"
    finally:
        case.close()
