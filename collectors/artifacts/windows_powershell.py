"""B10 on Windows: PowerShell command history (PSReadLine ConsoleHost_history.txt of every profile) and
transcripts (PowerShell_transcript.*.txt under the profiles' Documents), copied for the timeline."""
from __future__ import annotations

from ..base import Collector
from ._winfiles import FileArtifact

PATTERNS = ("Users/*/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/*_history.txt",
            "Users/*/Documents/PowerShell_transcript.*.txt", "Users/*/Documents/*/PowerShell_transcript.*.txt",
            "Windows/System32/config/systemprofile/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/*_history.txt")


class WindowsPowerShell(FileArtifact, Collector):
    name = "windows_powershell"
    version = "1.0"
    os = ("windows",)
    PATTERNS = PATTERNS
    WHAT = "PowerShell history or transcripts"
