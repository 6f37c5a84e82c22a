"""B10 on Windows: the text logs beyond the event logs, copied for the timeline: Windows Firewall
(pfirewall.log), IIS W3C logs (inetpub\\logs\\LogFiles), setupapi device installation logs (first use of
USB devices), Microsoft Defender's MPLog and detection history (legacy .job tasks are copied by
windows_config with the task list). The parsers in analysis/parsers read the hashed copies."""
from __future__ import annotations

from ..base import Collector
from ._winfiles import FileArtifact

PATTERNS = (
    "Windows/System32/LogFiles/Firewall/*.log", "Windows/System32/LogFiles/Firewall/*.log.old",
    "inetpub/logs/LogFiles/*/*.log", "Windows/System32/LogFiles/W3SVC*/*.log",
    "Windows/INF/setupapi*.log", "Windows/setupapi*.log",
    "ProgramData/Microsoft/Windows Defender/Support/MPLog-*.log",
    "ProgramData/Microsoft/Windows Defender/Scans/History/Service/DetectionHistory/*/*",
)


class WindowsTextLogs(FileArtifact, Collector):
    name = "windows_text_logs"
    version = "1.0"
    os = ("windows",)
    PATTERNS = PATTERNS
    WHAT = "firewall, IIS, setupapi or Defender logs"
