"""B10 on Windows: web browser history and downloads (initial access: what was downloaded from where):
Chrome and Edge History, Firefox places.sqlite and downloads.sqlite of every profile, copied as they are
(SQLite files; the timeline parser opens the hashed copy read-only)."""
from __future__ import annotations

from ..base import Collector
from ._winfiles import FileArtifact

PATTERNS = ("Users/*/AppData/Local/Google/Chrome/User Data/*/History",
            "Users/*/AppData/Local/Microsoft/Edge/User Data/*/History",
            "Users/*/AppData/Local/Chromium/User Data/*/History",
            "Users/*/AppData/Roaming/Mozilla/Firefox/Profiles/*/places.sqlite",
            "Users/*/AppData/Roaming/Mozilla/Firefox/Profiles/*/downloads.sqlite")


class WindowsBrowsers(FileArtifact, Collector):
    name = "windows_browsers"
    version = "1.0"
    os = ("windows",)
    PATTERNS = PATTERNS
    WHAT = "browser history (Chrome, Edge, Firefox)"
