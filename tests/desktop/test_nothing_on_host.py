"""Nothing written on the examined host: the desktop app, run offscreen with HOME pointing at an empty folder
(and no XDG_* variables, as on a server), opens a case, remembers it and closes, and HOME stays empty; the
settings and Qt's caches are on the "drive" (UNGCUU_STATE_DIR). The command line writes nothing there
either, and no `__pycache__` beside the code."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parents[2]

APP_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from desktop.app import create_app, make_window

app = create_app(["ungcuu"])
win = make_window(app, case=sys.argv[1])
win.show()

def done():
    win.close()            # saves the window state
    app.quit()

QTimer.singleShot(1500, done)
sys.exit(app.exec())
"""


def _host_env(home: Path, drive: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_", "FONTCONFIG"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", UNGCUU_STATE_DIR=str(drive / "ungcuu-state"),
               PYTHONDONTWRITEBYTECODE="1")
    return env


def _everything(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_desktop_app_writes_nothing_in_home(tmp_path):
    home, drive = tmp_path / "home", tmp_path / "drive"
    home.mkdir()
    drive.mkdir()
    case = drive / "CASE-01"
    done = subprocess.run([sys.executable, "-c", APP_SCRIPT, str(case)], cwd=REPO, env=_host_env(home, drive),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert _everything(home) == []
    state = drive / "ungcuu-state"
    ini = configparser.ConfigParser()
    ini.read(state / "settings.ini", encoding="utf-8")
    assert str(case.resolve()) in ini.get("General", "recent_cases")       # the case was remembered, on the drive
    assert ini.has_option("window", "geometry")
    assert (state / "runtime").stat().st_mode & 0o077 == 0
    assert (case / "case.sqlite").is_file()


def test_settings_live_beside_the_portable_folder(monkeypatch, tmp_path):
    from desktop import portable_env

    monkeypatch.delenv("UNGCUU_STATE_DIR", raising=False)
    assert portable_env.state_dir() == REPO / "ungcuu-state"               # a source checkout on the drive
    exe = tmp_path / "usb" / "ungcuu" / "ungcuu"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert portable_env.settings_path() == tmp_path / "usb" / "ungcuu" / "ungcuu-state" / "settings.ini"


def test_command_line_writes_nothing_in_home_nor_bytecode(tmp_path):
    """A copy of the code, run the way the drive runs it: no __pycache__ appears beside it (the desktop
    package's own __init__ excepted: Python caches it before any line of ours can say not to)."""
    home, drive = tmp_path / "home", tmp_path / "drive"
    home.mkdir()
    drive.mkdir()
    code = drive / "ungcuu"
    for pkg in ("collectors", "analysis", "reports", "desktop", "resources"):
        shutil.copytree(REPO / pkg, code / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/hostname").write_text("web01\n")
    env = _host_env(home, drive)
    env.pop("PYTHONDONTWRITEBYTECODE")
    done = subprocess.run([sys.executable, "-m", "desktop", "collect", "--case", str(drive / "CASE"), "--root",
                           str(root), "--only", "B2,B4"], cwd=code, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert _everything(home) == []
    caches = sorted(str(p.relative_to(code)) for p in code.rglob("__pycache__"))
    assert caches in ([], ["desktop/__pycache__"]), caches
    if caches:
        assert [p.name.split(".")[0] for p in (code / caches[0]).iterdir()] == ["__init__"]


def test_the_last_examiner_is_offered_again_from_the_drive(make_win, case_dir, settings):
    win = make_win()
    assert win.start_page.examiner_edit.text() == (os.environ.get("USER") or os.environ.get("USERNAME") or "")
    win.start_page.folder_edit.setText(str(case_dir))
    win.start_page.examiner_edit.setText("Phạm Thu Hà")
    assert win.start_page.create_case()
    assert settings.value("examiner") == "Phạm Thu Hà"
    again = make_win()
    assert again.start_page.examiner_edit.text() == "Phạm Thu Hà"
