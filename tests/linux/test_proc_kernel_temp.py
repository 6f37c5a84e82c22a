"""Live process and kernel state: a process with a marked environment and a preload library, a running
program whose executable was deleted from /dev/shm (copied back through /proc/PID/exe), a file staged
in /dev/shm, the kernel's modules and taint; /etc/ld.so.preload of a fake root."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import uuid

import pytest

from collectors.artifacts.kernel_state import (
    KernelModule,
    KernelState,
    KernelTaint,
    PreloadLibrary,
    decode_taint,
    parse_proc_modules,
)
from collectors.artifacts.proc_state import DeletedExecutable, ProcessEnviron, ProcState
from collectors.artifacts.temp_dirs import TempDirs, TempEntry


@pytest.fixture
def shm_dir():
    if not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK):
        pytest.skip("/dev/shm is not writable here: the live staging test needs it")
    d = f"/dev/shm/ungcuu-test-{uuid.uuid4().hex[:8]}"
    os.mkdir(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _wait_until_exec_done(pid: int, exe: str, mark: str) -> None:
    """Popen returns once the exec has begun; the kernel fills /proc/PID/environ a moment later
    (on a busy machine, many milliseconds later), so wait for the mark itself, not for /proc/PID/exe."""
    if int(os.readlink("/proc/self")) != os.getpid():
        pytest.skip("/proc here belongs to another pid namespace: this test's process is not in it")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if (os.readlink(f"/proc/{pid}/exe") == exe
                    and f"UNGCUU_MARK={mark}".encode() in open(f"/proc/{pid}/environ", "rb").read()):
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"pid {pid} did not finish its exec of {exe} within 20 s")


def test_marked_environment_and_deleted_executable(run, shm_dir):
    mark = uuid.uuid4().hex
    exe = f"{shm_dir}/kworker-fake"
    shutil.copy("/bin/sleep", exe)
    want = hashlib.sha256(open(exe, "rb").read()).hexdigest()
    env = {"PATH": "/usr/bin:/bin", "UNGCUU_MARK": mark, "LD_PRELOAD": f"{shm_dir}/libhide.so"}
    open(f"{shm_dir}/libhide.so", "wb").close()  # the loader ignores an empty library with a warning
    proc = subprocess.Popen([exe, "60"], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_until_exec_done(proc.pid, exe, mark)
        os.unlink(exe)
        ran = run(ProcState(), checklist_id="B8")
    finally:
        proc.kill()
        proc.wait()
    envs = {e.pid: e for e in ran.rows("process_environ.json", ProcessEnviron)}
    mine = envs[proc.pid]
    assert mine.environ["UNGCUU_MARK"] == mark
    assert mine.loader == {"LD_PRELOAD": f"{shm_dir}/libhide.so"}
    deleted = {d.pid: d for d in ran.rows("deleted_executables.json", DeletedExecutable)}
    row = deleted[proc.pid]
    assert row.exe == exe and row.sha256 == want
    copy = ran.ctx.case.get_evidence(row.evidence_id)
    assert copy.sha256 == want and copy.size == os.path.getsize("/bin/sleep")


def test_file_staged_in_dev_shm(run, shm_dir):
    payload = b"\x7fELF staged payload\n"
    with open(f"{shm_dir}/.x", "wb") as fh:
        fh.write(payload)
    os.chmod(f"{shm_dir}/.x", 0o755)
    with open(f"{shm_dir}/big", "wb") as fh:
        fh.truncate(2 << 20)
    ran = run(TempDirs(), checklist_id="B9", options={"temp_roots": ["/dev/shm"], "temp_max_file_bytes": 1 << 20})
    rows = {r.path: r for r in ran.rows("temp_entries.json", TempEntry)}
    x = rows[f"{shm_dir}/.x"]
    assert x.executable and x.sha256 == hashlib.sha256(payload).hexdigest()
    assert ran.ctx.case.get_evidence(x.evidence_id).sha256 == x.sha256
    big = rows[f"{shm_dir}/big"]
    assert big.evidence_id is None and "per-file cap" in big.note
    assert big.sha256 == hashlib.sha256(b"\0" * (2 << 20)).hexdigest()
    assert any("hashed but not copied" in n for n in ran.notes)
    assert rows[shm_dir].type == "dir"


def test_temp_total_cap_and_case_folder_skipped(tmp_path, case):
    from .conftest import run_collector
    root = tmp_path / "root"
    (root / "tmp").mkdir(parents=True)
    for i in range(5):
        (root / f"tmp/f{i}").write_bytes(bytes([i]) * 1000)
    ran = run_collector(case, TempDirs(), root=root, checklist_id="B9", options={"temp_max_total_bytes": 2500})
    rows = ran.rows("temp_entries.json", TempEntry)
    copied = [r for r in rows if r.evidence_id]
    assert len(copied) == 2 and all(r.sha256 for r in rows if r.type == "file")
    assert any("total cap of 2500 bytes reached: 3 files" in n for n in ran.notes)


def test_kernel_modules_and_taint(run):
    if not os.path.exists("/proc/modules"):
        pytest.skip("no /proc/modules in this kernel or container")
    ran = run(KernelState(), checklist_id="B6")
    mods = ran.rows("kernel_modules.json", KernelModule)
    with open("/proc/modules") as fh:
        assert [m.name for m in mods] == [line.split()[0] for line in fh]
    (taint,) = ran.rows("kernel_taint.json", KernelTaint)
    assert taint.value == int(open("/proc/sys/kernel/tainted").read())
    assert [f["letter"] for f in decode_taint(4097)] == ["P", "O"]
    m = parse_proc_modules("rootkit 16384 0 - Live 0xffffffffc0a00000 (OE)\nvfat 20480 1 fat, Live 0x0\n")
    assert (m[0].name, m[0].taint, m[1].used_by) == ("rootkit", "OE", ["fat"])


def test_ld_so_preload_of_a_fake_root(tmp_path, case):
    from .conftest import run_collector
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/libprocesshider.so").write_bytes(b"\x7fELF hider")
    (root / "etc/ld.so.preload").write_text("# hide\n/usr/lib/libprocesshider.so /lib/missing.so\n")
    ran = run_collector(case, KernelState(), root=root, checklist_id="B6")
    rows = ran.rows("ld_preload.json", PreloadLibrary)
    assert [(r.library, r.line, r.exists) for r in rows] == [
        ("/usr/lib/libprocesshider.so", 2, True), ("/lib/missing.so", 2, False)]
    assert rows[0].sha256 == hashlib.sha256(b"\x7fELF hider").hexdigest()
    assert not ran.named("kernel_modules")  # a dead box has no loaded modules
