"""H2 on a real collection of this machine: programs running from memory (memfd) or from a deleted
executable, one of them listening, must be reported once per executable, and the listener by its port."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from analysis import findings
from collectors.case import Case
from desktop import cli

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memfd and /proc are Linux")

# fexecve of a memfd holding /bin/sleep: the "fileless" pattern of in-memory implants
MEMFD = ("import os\n"
         "fd = os.memfd_create('implant', 0)\n"
         "with open('/bin/sleep', 'rb') as fh:\n"
         "    os.write(fd, fh.read())\n"
         "os.execv(f'/proc/self/fd/{fd}', ['implant', '120'])\n")
LISTENER = ("import socket, time\n"
            "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
            "print(s.getsockname()[1], flush=True)\n"
            "time.sleep(120)\n")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    base = tmp_path_factory.mktemp("fileless")
    procs = []
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-c", MEMFD]))
        # a listener whose executable is deleted once it runs (a copy of this Python)
        doomed = base / "kworkerd"
        shutil.copyfile(os.path.realpath(sys.executable), doomed)
        doomed.chmod(0o755)
        env = dict(os.environ, PYTHONHOME=sys.base_prefix)
        listener = subprocess.Popen([str(doomed), "-c", LISTENER], stdout=subprocess.PIPE, env=env)
        procs.append(listener)
        port = int(listener.stdout.readline())
        doomed.unlink()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(
                os.readlink(f"/proc/{p.pid}/exe").startswith("/memfd:") for p in procs[:2] if p.poll() is None):
            time.sleep(0.05)
        if any(p.poll() is not None for p in procs):
            pytest.skip("could not run a program from a memfd here")
        assert cli.main(["--lang", "en", "collect", "--case", str(base / "case"), "--only", "B8,B11"]) == 0
        case = Case.open(base / "case", affected_root="")
        yield {"case": case, "memfd": [p.pid for p in procs[:2]], "listener": listener.pid, "port": port,
               "doomed": str(doomed)}
        case.close()
    finally:
        for p in procs:
            p.kill()
            p.wait()


def test_programs_running_from_memory_are_one_finding_per_executable(live):
    found = [f for f in findings.run(live["case"]) if f.rule == "H2-process-location"]
    mine = [f for f in found if set(live["memfd"]) & set(f.details["pids"])]
    assert len(mine) == 1, [f.summary_en for f in mine]
    f = mine[0]
    assert set(live["memfd"]) <= set(f.details["pids"]) and f.severity == "high"
    assert "runs from memory (memfd), no file on disk" in f.summary_en
    assert "executable deleted" not in f.summary_en  # a memfd never had a file to delete
    assert f.details["exe"].startswith("/memfd:implant")
    assert {e["locator"] for e in f.events} >= {f"pid {pid}" for pid in live["memfd"]}


def test_listener_from_a_deleted_executable_is_reported_by_its_port(live):
    found = findings.run(live["case"])
    [proc] = [f for f in found if f.rule == "H2-process-location" and live["listener"] in f.details["pids"]]
    assert proc.details["exe"] == live["doomed"] and "executable deleted" in proc.summary_en
    [port] = [f for f in found if f.rule == "H2-listener-location" and f.details.get("lport") == live["port"]]
    assert port.details["exe"] == live["doomed"] and "(executable deleted" in port.summary_en
