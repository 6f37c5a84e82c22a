"""Microsoft Defender's protection log (MPLog-*.log). No real MPLog is in ../shared/data, so the test file
is written here, UTF-16LE with a BOM and CRLF as Defender writes it, from the line formats documented
publicly: artefacts.help, "Windows Defender - Support logs"
(https://artefacts.help/windows_defender_support_logs.html, last updated 2024-01-30: the estimated
impact, DETECTIONEVENT, DETECTION_ADD, DETECTION_CLEANEVENT, Resource Scan, threat actions, command line,
filter caching, SDN query, original file name and RTP Perf Log formats) and CERT Intrinsec, "Hunting attackers using
Microsoft Protection Logs (MPLogs)" (https://www.intrinsec.com/hunt-mplogs/ and its mplog_parser: the
"[Exclusion] <path> -> <device path>" and "Engine:EMS scan for process" lines). Values are ours."""
from __future__ import annotations

from analysis.events import ParseReport
from analysis.parsers import mplog

LINES = [
    "2022-12-15T11:20:01.100Z ProcessImageName: rclone.exe, Pid: 7836, TotalTime: 6070, Count: 24, MaxTime: 828, "
    r"MaxTimeFile: \Device\HarddiskVolume2\Users\alice\Downloads\rclone.exe, EstimatedImpact: 100%",
    r"2022-12-15T11:21:00.000Z Engine:command line reported as lowfi: C:\Windows\System32\reg.exe(reg add "
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest /v UseLogonCredential /t REG_DWORD /d 1 /f)",
    r"2022-12-15T11:21:30.000Z Filter caching disabled for \Device\HarddiskVolume2\Users\alice\Documents\1\PsExec.exe "
    "(runtime MpDisableCaching from 0x0)",
    "2022-12-15T11:21:40.000Z Engine:EMS scan for process: rundll32.exe pid: 4242, sigseq: 0x00001667a6e4976b, "
    "sendMemoryScanReport: 0, source: 1",
    r"2022-12-15T11:22:00.000Z [Exclusion] C:\Users\Public\tmp -> \Device\HarddiskVolume2\Users\Public\tmp",
    r"2022-12-15T11:23:00.500Z SDN:Issuing SDN query for \Device\HarddiskVolume2\Users\alice\Videos\binary.exe "
    r"(\Device\HarddiskVolume2\Users\alice\Videos\binary.exe) (sha1=343051CC1B3F33201D076478EA9BADC796951423, "
    "sha2=0A841B7957377458895059E9780F802A2F75B432B0D87A6700098163EDDAA276)",
    r'2022-12-15T11:23:30.000Z Engine:Setting original file name "mimikatz.exe" for '
    r'"c:\users\alice\videos\binary.exe", hr=0x0',
    r"2022-12-15T11:24:18.854Z DETECTIONEVENT MPSOURCE_REALTIME HackTool:Win32/Mimikatz!pz "
    r"file:C:\Users\alice\Videos\binary.exe;",
    r"2022-12-15T11:24:18.854Z DETECTION_ADD#1 HackTool:Win32/Mimikatz!pz file:C:\Users\alice\Videos\binary.exe "
    "PropBag [length: 0, data: (null)]",
    "Begin Resource Scan",
    "Scan ID:{C343E826-1234-1234-1234-123456789999}",
    "Scan Source:6",
    "Start Time:12-15-2022 18:24:33",
    "End Time:12-15-2022 18:24:45",
    "Explicit resource to scan",
    "Resource Schema:file",
    r"Resource Path:C:\Users\alice\Videos\binary.exe",
    "Result Count:1",
    "Threat Name:HackTool:Win32/Mimikatz!pz",
    "ID:2147805916",
    "Severity:4",
    "Number of Resources:1",
    "Resource Schema:file",
    r"Resource Path:C:\Users\alice\Videos\binary.exe",
    "Extended Info - SigSeq:00001667a6e4976b",
    "Extended Info - SigSha:3de04872ea8ce2ceea7d0787abe1234567899876",
    "End Scan",
    "*" * 60,
    r"2022-12-15T11:25:01.549Z DETECTION_CLEANEVENT MPSOURCE_REALTIME MP_THREAT_ACTION_QUARANTINE 0x80508033 "
    r"HackTool:Win32/Mimikatz!pz file:C:\Users\alice\Videos\binary.exe;",
    "Beginning threat actions",
    "Start time:12-15-2022 18:27:46",
    "Threat Name:HackTool:Win32/Mimikatz!pz",
    "Threat ID:2147805916",
    "Action:quarantine",
    "Resource action complete:Quarantine",
    r"Path:\\?\C:\Users\alice\Videos\binary.exe",
    "File to act on SHA1:343051CC1B3F33201D076478EA9BADC796951423",
    r"File owner:HATINH\alice",
    "Finished threat actions",
    "2022-12-15T11:30:00.000Z Engine:command line reported as threat: C:\\Windows\\System32\\rundll32.exe"
    r"(rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 700 C:\Users\Public\l.dmp full)",
    "****************************RTP Perf Log***************************",
    "RTP Start:N/A",
    "Last Perf:(null)",
    "First RTP Scan:N/A",
    "Plugin States:  AV:2  AS:2  RTP:2  OA:2  BM:2",
    "Process Exclusions:",
    r"  C:\ProgramData\upd\svc.exe",
    "Path Exclusions:",
    r"  C:\Users\Public\tmp",
    "Ext Exclusions:",
    "  .ps1",
    "Worker Threads",
    "**END RTP Perf Log**",
]
OFFSET = 7 * 3600  # the host's offset (SE Asia Standard Time): block times are written in it


def write(path, lines=LINES, bom=True) -> str:
    data = ("\r\n".join(lines) + "\r\n").encode("utf-16-le")
    path.write_bytes((b"\xff\xfe" if bom else b"") + data)
    return str(path)


def run(path):
    report = ParseReport()
    events = list(mplog.parse(path, report, host="SRV", offset_s=OFFSET, evidence_id="E1"))
    return events, report


def test_every_documented_event_of_a_utf16_protection_log(tmp_path):
    events, report = run(write(tmp_path / "MPLog-20221215-112001.log"))
    assert report.fatal == "" and report.skipped == 0, report.problems
    got = [(e.iso(), e.timestamp_desc, e.message) for e in events]
    assert got == [
        ("2022-12-15T11:20:01.100000+00:00", "Event Recorded", "Defender scanned 24 file(s) opened by rclone.exe (pid 7836)"),
        ("2022-12-15T11:21:00.000000+00:00", "Event Recorded",
         r"Defender reported a command line as lowfi: C:\Windows\System32\reg.exe(reg add HKLM\SYSTEM\CurrentControlSet"
         r"\Control\SecurityProviders\WDigest /v UseLogonCredential /t REG_DWORD /d 1 /f)"),
        ("2022-12-15T11:21:30.000000+00:00", "Event Recorded",
         r"Defender keeps rescanning \Device\HarddiskVolume2\Users\alice\Documents\1\PsExec.exe (filter caching "
         "disabled)"),
        ("2022-12-15T11:21:40.000000+00:00", "Event Recorded",
         "Defender scanned the memory of process rundll32.exe (pid 4242)"),
        ("2022-12-15T11:22:00.000000+00:00", "Event Recorded", r"Defender exclusion in force: C:\Users\Public\tmp"),
        ("2022-12-15T11:23:00.500000+00:00", "Event Recorded",
         r"Defender cloud lookup of \Device\HarddiskVolume2\Users\alice\Videos\binary.exe (SHA-256 "
         "0a841b7957377458895059e9780f802a2f75b432b0d87a6700098163eddaa276)"),
        ("2022-12-15T11:23:30.000000+00:00", "Event Recorded",
         r"Defender: the original name of c:\users\alice\videos\binary.exe is mimikatz.exe"),
        ("2022-12-15T11:24:18.854000+00:00", "Detection Time",
         r"Defender detected HackTool:Win32/Mimikatz!pz in C:\Users\alice\Videos\binary.exe (MPSOURCE_REALTIME)"),
        ("2022-12-15T11:24:18.854000+00:00", "Detection Time",
         r"Defender added detection HackTool:Win32/Mimikatz!pz: C:\Users\alice\Videos\binary.exe"),
        ("2022-12-15T18:24:33.000000+07:00", "Start Time",
         r"Defender scan of C:\Users\alice\Videos\binary.exe started (1 threat(s): HackTool:Win32/Mimikatz!pz)"),
        ("2022-12-15T18:24:45.000000+07:00", "End Time",
         r"Defender scan of C:\Users\alice\Videos\binary.exe ended (1 threat(s): HackTool:Win32/Mimikatz!pz)"),
        ("2022-12-15T11:25:01.549000+00:00", "Remediation Time",
         r"Defender quarantine: HackTool:Win32/Mimikatz!pz in C:\Users\alice\Videos\binary.exe"),
        ("2022-12-15T18:27:46.000000+07:00", "Remediation Time",
         r"Defender quarantine on HackTool:Win32/Mimikatz!pz: C:\Users\alice\Videos\binary.exe (SHA-1 "
         r"343051cc1b3f33201d076478ea9badc796951423, owner HATINH\alice)"),
        ("2022-12-15T11:30:00.000000+00:00", "Event Recorded",
         r"Defender reported a command line as threat: C:\Windows\System32\rundll32.exe(rundll32.exe "
         r"C:\Windows\System32\comsvcs.dll, MiniDump 700 C:\Users\Public\l.dmp full)"),
        ("2022-12-15T11:30:00.000000+00:00", "Event Recorded",
         r"Defender exclusions in force: paths C:\Users\Public\tmp; processes C:\ProgramData\upd\svc.exe; "
         "extensions .ps1"),
    ]
    assert report.events == len(events) == 15
    scan = events[9].fields
    assert scan["scan_id"] == "{C343E826-1234-1234-1234-123456789999}" and scan["scan_source"] == "6"
    assert scan["sig_seq"] == "00001667a6e4976b" and scan["result_count"] == 1
    assert events[9].timestamp == 1671103473000000  # 18:24:33 at +07:00 = 11:24:33 UTC
    assert events[0].fields["max_time_file"] == r"\Device\HarddiskVolume2\Users\alice\Downloads\rclone.exe"
    assert events[7].fields["resources"] == [{"kind": "file", "path": r"C:\Users\alice\Videos\binary.exe"}]
    assert events[-1].fields["paths"] == [r"C:\Users\Public\tmp"]
    assert all(e.evidence_id == "E1" and e.parser == "mplog" and e.source == "defender" for e in events)


def test_utf8_and_no_bom_read_the_same(tmp_path):
    a, _ = run(write(tmp_path / "MPLog-a.log"))
    b, _ = run(write(tmp_path / "MPLog-b.log", bom=False))
    p = tmp_path / "MPLog-c.log"
    p.write_bytes(("\n".join(LINES) + "\n").encode())
    c, _ = run(str(p))
    assert [e.message for e in a] == [e.message for e in b] == [e.message for e in c]


def test_a_garbled_and_truncated_log_keeps_the_rest_and_says_what(tmp_path):
    data = bytearray(("\r\n".join(LINES) + "\r\n").encode("utf-16-le"))
    # line 3 (the [Exclusion] line) gets a lone surrogate: not valid UTF-16
    at = data.index("[Exclusion]".encode("utf-16-le"))
    data[at:at + 2] = b"\x00\xd8"
    # the file is cut inside the threat actions block, in the middle of a character
    cut = data.index("File owner".encode("utf-16-le")) + 7
    p = tmp_path / "MPLog-bad.log"
    p.write_bytes(b"\xff\xfe" + bytes(data[:cut]))
    events, report = run(str(p))
    reasons = [r for _, r in report.problems]
    assert "not valid UTF-16 text (garbled): read as far as it makes sense" in reasons
    assert "cut in the middle of a UTF-16 character (truncated file)" in reasons
    assert "threat_action block cut by the end of the file: read as it was" in reasons
    kinds = [e.fields["kind"] for e in events]
    assert kinds == ["process_scanned", "command_line", "no_cache", "memory_scan", "cloud_lookup", "original_name", "detection", "detection_add",
                     "scan", "scan", "remediation", "threat_action"]  # the garbled line is the only one lost
    assert events[-1].fields["sha1"] == "343051cc1b3f33201d076478ea9badc796951423"
    assert events[-1].fields["owner"] is None  # cut before it


def test_not_a_log_at_all(tmp_path):
    p = tmp_path / "MPLog-zero.log"
    p.write_bytes(b"\x00" * 4096)
    events, report = run(str(p))
    assert events == [] and report.fatal == ""


def test_collected_log_reaches_the_timeline_and_the_findings(tmp_path):
    """windows_text_logs copies the log (B10); the timeline reads its hashed copy; the Defender check gives
    one finding per threat and file, per exclusion and per flagged command line."""
    from analysis import findings, timeline
    from collectors.case import Case
    from desktop import cli
    from tests.windows import winroot

    root = tmp_path / "root"
    write(winroot.place(root, "ProgramData/Microsoft/Windows Defender/Support/MPLog-20221215-112001.log", b""))
    (root / "Windows" / "System32" / "config").mkdir(parents=True)
    assert cli.main(["--lang", "en", "collect", "--case", str(tmp_path / "case"), "--root", str(root),
                     "--only", "B10"]) == 0
    with Case.open(tmp_path / "case", affected_root="") as case:
        timeline.build(case)
        ev = [e for e in timeline.events(case) if e["parser"] == "mplog"]
        assert len(ev) == 15
        got = sorted((f.rule, f.severity, f.summary_en) for f in findings.run(case, build=False)
                     if f.rule.startswith("ungcuu.windows.defender"))
    assert got == sorted([
        ("ungcuu.windows.defender_detection", "high",
         r"HackTool:Win32/Mimikatz!pz in C:\Users\alice\Videos\binary.exe (MPLog, quarantine)"),
        ("ungcuu.windows.defender_exclusion", "medium", r"Excluded path: C:\Users\Public\tmp"),
        ("ungcuu.windows.defender_exclusion", "medium", r"Excluded process: C:\ProgramData\upd\svc.exe"),
        ("ungcuu.windows.defender_exclusion", "medium", "Excluded extension: .ps1"),
        ("ungcuu.windows.defender_flagged_command", "medium",
         r"Command line reported as lowfi: C:\Windows\System32\reg.exe(reg add HKLM\SYSTEM\CurrentControlSet\Control"
         r"\SecurityProviders\WDigest /v UseLogonCredential /t REG_DWORD /d 1 /f)"),
        ("ungcuu.windows.defender_flagged_command", "high",
         r"Command line reported as threat: C:\Windows\System32\rundll32.exe(rundll32.exe "
         r"C:\Windows\System32\comsvcs.dll, MiniDump 700 C:\Users\Public\l.dmp full)"),
    ])
