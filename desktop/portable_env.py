"""Where the desktop app keeps its state: beside UngCuu on the responder's drive, never on the examined host.

Qt would otherwise write `~/.config/UngCuu/UngCuu.conf` (recent cases, window state) into the affected
machine's home folder, or on Windows the registry, into the user hive of the affected server; fontconfig
and Mesa would write caches under ~/.cache and Qt wants a runtime folder under /run/user.

    state_dir()              -> UNGCUU_STATE_DIR, else ungcuu-state/ beside the portable folder's
                                executables (frozen build) or beside the source checkout
    settings_path()          -> state_dir()/settings.ini   (QSettings, IniFormat at this explicit path)
    prepare_environment()    -> points XDG_CONFIG_HOME, XDG_CACHE_HOME (fontconfig, Mesa), XDG_DATA_HOME,
                                XDG_STATE_HOME and XDG_RUNTIME_DIR at folders under state_dir(); call it
                                before the QApplication exists
    open_settings()          -> the QSettings object on settings_path()

No Qt at import time (the CLI imports nothing of Qt).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

STATE_FOLDER = "ungcuu-state"
XDG = {"XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache", "XDG_DATA_HOME": "data", "XDG_STATE_HOME": "state",
       "XDG_RUNTIME_DIR": "runtime"}


def program_folder() -> Path:
    """The folder UngCuu runs from: the portable folder (beside the executables) or the source checkout."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[1]


def state_dir() -> Path:
    override = os.environ.get("UNGCUU_STATE_DIR")
    return Path(override) if override else program_folder() / STATE_FOLDER


def settings_path() -> Path:
    return state_dir() / "settings.ini"


def prepare_environment() -> Path:
    """Point every per-user folder Qt and its libraries write to at the drive; returns the state folder."""
    base = state_dir()
    for var, sub in XDG.items():
        folder = base / sub
        folder.mkdir(parents=True, exist_ok=True)
        if var == "XDG_RUNTIME_DIR":
            os.chmod(folder, 0o700)         # Qt refuses a runtime folder others can read
        os.environ[var] = str(folder)
    # shader caches that do not follow XDG_CACHE_HOME on every driver
    os.environ["MESA_SHADER_CACHE_DIR"] = str(base / "cache" / "mesa_shader_cache")
    os.environ["__GL_SHADER_DISK_CACHE_PATH"] = str(base / "cache" / "nv")
    return base


def open_settings():
    """The app's QSettings: an INI file at an explicit path on the drive (no ~/.config, no registry)."""
    from PySide6.QtCore import QSettings

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)
