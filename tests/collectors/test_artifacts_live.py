"""The spine's live collectors on this machine (B2-B4, B6-B11), with real processes and sockets.

A child Python process listening on 127.0.0.1 must show up under B8, B7 and B11 with its executable
and SHA-256; a running program whose executable was deleted is hashed through /proc/PID/exe; a
collector run without root says what it could not see.
"""
from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from collectors import checklist, records
from collectors.artifacts._common import ExeHasher
from collectors.case import Case
from collectors.runner import ItemFinished, run_checklist
from collectors.verify import verify_case
from desktop import cli

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the live collectors are tested on Linux")

LISTENER = ("import socket, sys, time\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))\n"
            "print(s.getsockname()[1], u.getsockname()[1], flush=True)\n"
            "time.sleep(120)\n")

PROCESS_KEYS = {"pid", "ppid", "name", "user", "create_time", "cmdline", "exe", "exe_sha256", "exe_deleted", "cwd",
                "open_files", "connections", "status"}


def sha_file(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A listener (python) and a program whose executable is deleted, then one collection of B7, B8, B11."""
    base = tmp_path_factory.mktemp("live")
    listener = subprocess.Popen([sys.executable, "-c", LISTENER], stdout=subprocess.PIPE, cwd=base)
    tcp_port, udp_port = map(int, listener.stdout.readline().split())
    doomed = base / "implant"
    shutil.copyfile("/bin/sleep", doomed)
    doomed.chmod(0o755)
    doomed_sha = sha_file(str(doomed))
    ghost = subprocess.Popen([str(doomed), "120"])
    # Popen returns once the exec has begun; the kernel fills /proc/PID/cmdline a moment later
    deadline = time.monotonic() + 20
    while open(f"/proc/{ghost.pid}/cmdline", "rb").read() != b"\0".join([bytes(doomed), b"120", b""]):
        assert time.monotonic() < deadline, "the copied sleep did not finish its exec within 20 s"
        time.sleep(0.02)
    doomed.unlink()
    try:
        rc = cli.main(["--lang", "en", "collect", "--case", str(base / "case"), "--only", "B7,B8,B11"])
        case = Case.open(base / "case", affected_root="")
        yield {"case": case, "rc": rc, "listener": listener, "tcp": tcp_port, "udp": udp_port, "ghost": ghost,
               "doomed": str(doomed), "doomed_sha": doomed_sha, "cwd": str(base)}
        case.close()
    finally:
        for p in (listener, ghost):
            p.kill()
            p.wait()


def load(case, name):
    rec = case.latest(name)
    assert rec is not None, name
    return records.plain(case.read_json(rec))


def test_listener_shows_up_in_b8_with_its_executable_hash(live):
    case = live["case"]
    assert live["rc"] == 0
    procs = {p["pid"]: p for p in load(case, "processes.json")}
    row = procs[live["listener"].pid]
    assert set(row) == PROCESS_KEYS
    real_exe = os.path.realpath(sys.executable)
    assert row["exe"] == real_exe and row["exe_sha256"] == sha_file(real_exe) and row["exe_deleted"] is False
    assert row["ppid"] == os.getpid() and row["cmdline"][:2] == [sys.executable, "-c"]
    assert row["cwd"] == live["cwd"] and row["user"] == pwd.getpwuid(os.getuid()).pw_name and row["create_time"].endswith("Z")
    conns = {(c["proto"], c["lport"], c["status"]) for c in row["connections"]}
    assert ("tcp", live["tcp"], "LISTEN") in conns and ("udp", live["udp"], "NONE") in conns
    assert all(c["laddr"] == "127.0.0.1" for c in row["connections"])
    # the python executable is shared by this test process too: hashed once, same digest everywhere
    assert procs[os.getpid()]["exe_sha256"] == row["exe_sha256"]


def test_deleted_executable_is_flagged_and_hashed_through_proc(live):
    procs = {p["pid"]: p for p in load(live["case"], "processes.json")}
    row = procs[live["ghost"].pid]
    assert row["exe"] == live["doomed"] and row["exe_deleted"] is True
    assert not os.path.exists(row["exe"])
    assert row["exe_sha256"] == live["doomed_sha"]
    assert row["cmdline"] == [live["doomed"], "120"]


def test_listener_in_b11_and_b7(live):
    case = live["case"]
    ports = load(case, "listening_ports.json")
    exe = os.path.realpath(sys.executable)
    mine = [p for p in ports if p["pid"] == live["listener"].pid]
    assert sorted((p["proto"], p["laddr"], p["lport"]) for p in mine) == [
        ("tcp", "127.0.0.1", live["tcp"]), ("udp", "127.0.0.1", live["udp"])]
    for p in mine:
        assert set(p) == {"proto", "laddr", "lport", "pid", "process", "exe", "exe_sha256"}
        assert p["exe"] == exe and p["exe_sha256"] == sha_file(exe) and p["process"].startswith("python")
    conns = load(case, "connections.json")
    row = next(c for c in conns if c["pid"] == live["listener"].pid and c["proto"] == "tcp")
    assert row == {"proto": "tcp", "laddr": "127.0.0.1", "lport": live["tcp"], "raddr": None, "rport": None,
                   "status": "LISTEN", "pid": live["listener"].pid, "process": row["process"], "exe": exe}
    counters = {c["name"]: c for c in load(case, "interface_counters.json")}
    assert set(counters["lo"]) >= {"bytes_sent", "bytes_recv", "packets_sent", "packets_recv", "errin", "errout",
                                    "dropin", "dropout"}
    out = case.outcomes()
    assert out["B11"]["state"] in ("collected", "partial") and out["B11"]["evidence_count"] == 1
    assert out["B7"]["evidence_count"] == 2


def test_each_distinct_executable_is_hashed_once(tmp_path):
    exe = tmp_path / "twin"
    shutil.copyfile("/bin/sleep", exe)
    exe.chmod(0o755)
    kids = [subprocess.Popen([str(exe), "60"]) for _ in range(3)]
    try:
        time.sleep(0.05)
        hasher = ExeHasher()
        digests = {hasher.hash(str(exe), k.pid)[0] for k in kids}
        assert digests == {sha_file(str(exe))}
        assert hasher.hashed == 1 and hasher.bytes == exe.stat().st_size
    finally:
        for k in kids:
            k.kill()
            k.wait()
    # a changed file (new size and mtime) is hashed again
    with open(exe, "ab") as fh:
        fh.write(b"\0")
    assert hasher.hash(str(exe))[0] == sha_file(str(exe)) and hasher.hashed == 2


def test_live_triage_gives_every_item_a_real_outcome(tmp_path):
    rc = cli.main(["--lang", "en", "collect", "--case", str(tmp_path / "case"), "--profile", "triage"])
    case = Case.open(tmp_path / "case", affected_root="")
    try:
        out = case.outcomes()
        assert set(out) == {"B1", "B2", "B3", "B4", "B6", "B7", "B8", "B9", "B10", "B11"}
        assert rc == 0 and not [k for k, v in out.items() if v["state"] == "failed"]
        assert out["B1"]["state"] == "skipped"  # no incident record yet: said so
        for cid in ("B2", "B3", "B4", "B6", "B7", "B8", "B9", "B10", "B11"):
            assert out[cid]["state"] in ("collected", "partial"), (cid, out[cid])
            assert out[cid]["evidence_count"] > 0, cid
            if out[cid]["state"] == "partial":
                assert out[cid]["reason"], cid
        names = {r.name for r in case.evidence()}
        for name in ("memory.json", "process_maps.json", "processes.json", "connections.json",
                     "interface_counters.json", "listening_ports.json", "system.json", "roles.json",
                     "os_release.json", "packages.json", "services.json", "network_config.json", "users.json",
                     "groups.json", "disks.json", "passwd"):
            assert name in names, name
        system = load(case, "system.json")
        assert set(system) == {"hostname", "fqdn", "os", "kernel", "boot_time", "uptime_s", "timezone", "utc_offset",
                               "clock", "users", "hardware"}
        assert system["hostname"] == os.uname().nodename and system["kernel"].startswith(os.uname().release)
        assert system["hardware"]["cpus"] == os.cpu_count() and system["uptime_s"] > 0
        assert system["clock"]["utc"].endswith("Z")
        mem = load(case, "memory.json")
        assert mem["virtual"]["total"] == system["hardware"]["memory_bytes"]
        maps = {m["pid"]: m for m in load(case, "process_maps.json")}
        me = maps[os.getpid()]["maps"]
        assert any(m["path"] == os.path.realpath(sys.executable) and "x" in m["perms"] for m in me)
        disks = load(case, "disks.json")
        assert set(disks) == {"disks", "partitions", "mounts"}
        assert any(m["mountpoint"] == "/" for m in disks["mounts"])
        users = {u["name"]: u for u in load(case, "users.json")}
        assert users["root"]["uid"] == 0 and users["root"]["home"] == "/root"
        pkgs = load(case, "packages.json")
        if os.path.exists("/var/lib/dpkg/status"):
            dpkg = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\\n"], capture_output=True, text=True).stdout.split()
            assert {p["name"] for p in pkgs if p["manager"] == "dpkg"} == set(dpkg)
        assert verify_case(case.path, log=False).ok
    finally:
        case.close()


def _as_nobody(case_dir: Path, root: Path, conn) -> None:  # runs in a forked child
    try:
        import traceback

        from collectors import util

        # Python lives under /root here, which 'nobody' cannot read: do one run as root first so every
        # module and codec the run needs is already imported, then drop root for the real run.
        warm = Case.create(case_dir.parent / "warm", examiner="root", affected_root="")
        for only, r in ((["B10"], root), (["B8"], None)):
            list(run_checklist(warm, checklist.load(), only=only, root=r))
        warm.close()
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        util.privileges.cache_clear()
        cl = checklist.load()
        case = Case.create(case_dir, examiner="nobody", affected_root="")
        result = {}
        for only, r in ((["B10"], root), (["B8"], None)):
            for ev in run_checklist(case, cl, only=only, root=r):
                if isinstance(ev, ItemFinished):
                    result[ev.checklist_id] = [ev.state, ev.reason, ev.evidence_count]
        result["sources"] = sorted(r.source for r in case.evidence("B10"))
        case.close()
        os.write(conn, json.dumps(result).encode())
    except BaseException:
        os.write(conn, json.dumps({"error": traceback.format_exc()}).encode())
    finally:
        os._exit(0)


@pytest.mark.skipif(os.geteuid() != 0, reason="drops root to 'nobody': needs to start as root")
def test_without_root_permission_denied_is_said_and_nothing_good_is_lost(shared_data):
    """The collectors run as 'nobody' (a forked child drops root): unreadable logs and hidden processes are named."""
    top = Path(tempfile.mkdtemp(prefix="ungcuu-nobody-", dir="/tmp"))
    try:
        top.chmod(0o755)
        root = top / "root"
        (root / "var/log/private").mkdir(parents=True)
        auth = shared_data / "logs/elastic-beats/system_auth_test.log"
        shutil.copyfile(auth, root / "var/log/auth.log")
        (root / "var/log/btmp").write_bytes(b"\0" * 384)
        (root / "var/log/btmp").chmod(0o600)
        (root / "var/log/secret.log").write_text("x")
        (root / "var/log/secret.log").chmod(0o000)
        (root / "var/log/private/mail.log").write_text("y")
        (root / "var/log/private").chmod(0o700)
        (top / "cases").mkdir()
        (top / "cases").chmod(0o777)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _as_nobody(top / "cases/case", root, w)
        os.close(w)
        data = b""
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        os.waitpid(pid, 0)
        result = json.loads(data)
        assert "error" not in result, result.get("error")
        state, reason, count = result["B10"]
        assert state == "partial" and count == 1
        assert "/var/log/btmp: permission denied" in reason
        assert "/var/log/secret.log: permission denied" in reason
        assert "/var/log/private: permission denied (folder not listed)" in reason
        assert result["sources"] == ["/var/log/auth.log"]
        state, reason, count = result["B8"]
        assert state == "partial" and count == 2 and "hidden without root" in reason  # processes, process_environ
        assert "the environment of" in reason and "readable only by root" in reason
        with Case.open(top / "cases/case", affected_root="") as case:
            rec = case.latest("auth.log")
            assert rec.sha256 == "87e90f5e3824fc0e37690971b3b457ad2ea004fa20e3318dd93ba90861600ed9"
            assert rec.privileges["euid"] == 65534
            assert verify_case(case.path, log=False).ok
    finally:
        for p in top.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)
