"""SigmaHQ's Linux auditd rules over UngCuu's auditd events: an audit.log in auditd's own line syntax
(SYSCALL, EXECVE, CWD, PATH, PROCTITLE records of one event sharing a serial) goes through the timeline
and the shipped rules, and the SigmaHQ rule for each recorded action fires on its record."""
from __future__ import annotations

from analysis import findings

AUDIT_LOG = """\
type=SYSCALL msg=audit(1767225600.120:501): arch=c000003e syscall=313 success=yes exit=0 a0=3 a1=5581a0c2e4a0 a2=0 a3=0 items=0 ppid=1200 pid=1300 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="insmod" exe="/usr/bin/kmod" subj=unconfined key="modules"
type=PROCTITLE msg=audit(1767225600.120:501): proctitle=696E736D6F64002F746D702F6469616D6F727068696E652E6B6F
type=SYSCALL msg=audit(1767225660.456:602): arch=c000003e syscall=59 success=yes exit=0 a0=55d0c8a1b2c0 a1=55d0c8a1b310 a2=55d0c8a1b340 a3=8 items=2 ppid=1200 pid=1400 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="chattr" exe="/usr/bin/chattr" subj=unconfined key="exec"
type=EXECVE msg=audit(1767225660.456:602): argc=3 a0="chattr" a1="-i" a2="/etc/passwd"
type=CWD msg=audit(1767225660.456:602): cwd="/root"
type=PATH msg=audit(1767225660.456:602): item=0 name="/usr/bin/chattr" inode=1311 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
type=PROCTITLE msg=audit(1767225660.456:602): proctitle=636861747472002D69002F6574632F706173737764
type=SYSCALL msg=audit(1767225720.789:703): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd5a3c a2=241 a3=1b6 items=2 ppid=1200 pid=1500 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="bash" exe="/usr/bin/bash" subj=unconfined key="preload"
type=CWD msg=audit(1767225720.789:703): cwd="/root"
type=PATH msg=audit(1767225720.789:703): item=0 name="/etc/" inode=393217 dev=08:01 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
type=PATH msg=audit(1767225720.789:703): item=1 name="/etc/ld.so.preload" inode=393300 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0
type=USER_LOGIN msg=audit(1767225780.001:704): pid=1600 uid=0 auid=1000 ses=4 subj=unconfined msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=? addr=192.0.2.10 terminal=/dev/pts/1 res=success'
"""
INSMOD = "106d7cbd-80ff-4985-b682-a7043e5acb72"  # lnx_auditd_load_module_insmod (SYSCALL comm/exe)
CHATTR = "a5b977d6-8a81-4475-91b9-49dbfcd941f7"  # lnx_auditd_chattr_immutable_removal (EXECVE a0/a1)
PRELOAD = "4b3cb710-5e83-4715-8c45-8b2b5b3e5751"  # lnx_auditd_ld_so_preload_mod (PATH name)
# a process_creation rule over the EXECVE record (CommandLine = its arguments, Image = /chattr)
CHATTR_PROC = "34979410-e4b5-4e5d-8cfb-389fdff05c12"  # proc_creation_lnx_chattr_immutable_removal
PRELOAD_ANY = "7e3c4651-c347-40c4-b1d4-d48590fdf684"  # lnx_ldso_preload_injection (keyword, any Linux log)


def test_sigmahq_auditd_rules_fire_on_auditd_records(tmp_path, case):
    log = tmp_path / "audit.log"
    log.write_text(AUDIT_LOG)
    rec = case.add_file(log, checklist_id="B10", collector="test", source="/var/log/audit/audit.log")
    report = findings.run_report(case)
    fired = {f.rule: f for f in report.findings}
    assert set(fired) == {INSMOD, CHATTR, PRELOAD, CHATTR_PROC, PRELOAD_ANY, "C4-last-activity"}, sorted(fired)
    lines = {rule: [e["locator"] for e in fired[rule].events] for rule in fired}
    assert lines[INSMOD] == ["line 1"]  # the SYSCALL record: comm insmod, exe /usr/bin/kmod
    assert lines[CHATTR] == lines[CHATTR_PROC] == ["line 4"]  # the EXECVE record
    assert lines[PRELOAD] == lines[PRELOAD_ANY] == ["line 11"]  # the PATH record naming /etc/ld.so.preload
    assert fired[INSMOD].severity == "high" and "attack.t1547.006" in fired[INSMOD].tags
    assert fired[CHATTR].severity == "medium" and fired[PRELOAD].severity == "high"
    for rule in (INSMOD, CHATTR, PRELOAD, CHATTR_PROC, PRELOAD_ANY):
        f = fired[rule]
        assert f.evidence_ids == [rec.id] and f.events[0]["evidence_id"] == rec.id and f.event_count == 1
        assert f.author and f.title_en
