"""Fixtures for the reports tests: a case holding the example incident and evidence shaped like the
spine collectors' output (B2, B3, B4, B7, B8, B11) plus real log files from ../shared/data (B10)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from collectors.case import Case
from reports.incident import load_incident_file

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "resources" / "incident_example.yaml"

SYSTEM = {
    "hostname": "cx-web01", "fqdn": "camxuyen.hatinh.gov.vn",
    "os": {"system": "Linux", "release": "5.15.0-91-generic", "version": "#101-Ubuntu SMP",
           "distro": "Ubuntu", "distro_version": "22.04", "build": ""},
    "kernel": "5.15.0-91-generic", "boot_time": "2026-11-01T00:00:00Z", "uptime_s": 1700000,
    "timezone": "Asia/Ho_Chi_Minh", "utc_offset": "+07:00",
    "clock": {"utc": "2026-11-20T04:00:00Z", "local": "2026-11-20T11:00:00+07:00", "ntp_synced": True},
    "users": [], "hardware": {"cpu_model": "Xeon", "cpus": 4, "memory_bytes": 8589934592},
}
ROLES = [
    {"role": "web", "evidence": "port 443/tcp by nginx", "port": 443, "process": "nginx", "service": "nginx"},
    {"role": "database", "evidence": "port 3306/tcp by mysqld", "port": 3306, "process": "mysqld", "service": "mysql"},
    {"role": "ssh", "evidence": "port 22/tcp by sshd", "port": 22, "process": "sshd", "service": "ssh"},
]
SERVICES = [
    {"name": "nginx.service", "state": "active", "sub_state": "running", "enabled": "enabled", "exec": "/usr/sbin/nginx"},
    {"name": "clamav-daemon.service", "state": "active", "sub_state": "running", "enabled": "enabled", "exec": "/usr/sbin/clamd"},
    {"name": "ufw.service", "state": "active", "sub_state": "exited", "enabled": "enabled", "exec": "/lib/ufw/ufw-init"},
    {"name": "suricata.service", "state": "inactive", "sub_state": "dead", "enabled": "disabled", "exec": "/usr/bin/suricata"},
    {"name": "snort.service", "state": None, "sub_state": None, "enabled": "disabled", "exec": "/usr/sbin/snort"},
]
PROCESSES = [
    {"pid": 1, "ppid": 0, "name": "systemd", "user": "root", "exe": "/usr/lib/systemd/systemd"},
    {"pid": 812, "ppid": 1, "name": "nginx", "user": "root", "exe": "/usr/sbin/nginx"},
]
NETCFG = {
    "interfaces": {"eth0": {"mac": "52:54:00:12:34:56", "mtu": 1500}},
    "addresses": [
        {"iface": "lo", "family": "inet", "address": "127.0.0.1", "prefixlen": 8},
        {"iface": "eth0", "family": "inet", "address": "113.160.92.10", "prefixlen": 24, "broadcast": "113.160.92.255"},
        {"iface": "eth1", "family": "inet", "address": "10.20.5.12", "prefixlen": 24},
        {"iface": "eth0", "family": "inet6", "address": "fe80::5054:ff:fe12:3456", "prefixlen": 64},
    ],
    "routes": [{"dst": "default", "gateway": "113.160.92.1"}], "dns": ["203.162.4.191"], "neighbours": [],
}
PORTS = [
    {"proto": "tcp", "laddr": "0.0.0.0", "lport": 443, "pid": 812, "process": "nginx", "exe": "/usr/sbin/nginx"},
    {"proto": "tcp6", "laddr": "2001:ee0:4141::10", "lport": 8443, "pid": 812, "process": "nginx", "exe": "/usr/sbin/nginx"},
]
FIREWALL = b"""Chain INPUT (policy DROP)
-A INPUT -p tcp --dport 443 -j ACCEPT
-A INPUT -p tcp --dport 22 -s 10.20.0.0/16 -j ACCEPT
"""


def make_case(path: Path, shared_data: Path, *, incident: bool = True) -> Case:
    case = Case.create(path, examiner="Nguyễn Văn Đức")
    if incident:
        case.set_incident(load_incident_file(EXAMPLE))
    add = dict(collector="test")
    case.add_json(SYSTEM, checklist_id="B2", name="system.json", source="platform", **add)       # E000001
    case.add_json(ROLES, checklist_id="B3", name="roles.json", source="derived", **add)          # E000002
    case.add_json(SERVICES, checklist_id="B4", name="services.json", source="systemctl", **add)  # E000003
    case.add_json(NETCFG, checklist_id="B4", name="network_config.json", source="ip", **add)     # E000004
    case.add_bytes(FIREWALL, checklist_id="B4", name="firewall.txt", source="iptables -S", kind="command", **add)  # E000005
    case.add_json(PROCESSES, checklist_id="B8", name="processes.json", source="psutil", **add)   # E000006
    case.add_json(PORTS, checklist_id="B11", name="listening_ports.json", source="psutil", **add)  # E000007
    logs = shared_data / "logs"
    case.add_file(logs / "plaso-test-data" / "syslog_syslog", checklist_id="B10", source="/var/log/syslog", **add)  # E000008
    case.add_file(logs / "elastic-beats" / "system_auth_test.log", checklist_id="B10", source="/var/log/auth.log",
                  **add)  # E000009
    return case


def pdftotext(path: Path, layout: bool = False) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is required")
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def norm(text: str) -> str:
    """Collapse whitespace (pdftotext breaks long lines)."""
    return " ".join(text.split())
