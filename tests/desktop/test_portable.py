"""The portable build: the spec is checked on every run; the real PyInstaller build is slow (about 20 s to
a few minutes) and runs only with UNGCUU_SLOW=1 (it also runs as bench/bench_portable.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_spec_bundles_resources_and_dynamic_modules(tmp_path):
    from desktop.commands.build import write_spec

    spec = write_spec(tmp_path, gui=True)
    text = spec.read_text()
    compile(text, str(spec), "exec")  # valid Python
    assert repr(str(REPO)) in text and '"resources"' in text
    for pkg in ("collectors", "analysis", "reports", "desktop"):
        assert repr(pkg) in text
    assert 'name="ungcuu"' in text and 'name="ungcuu-gui"' in text
    gui = (tmp_path / "ungcuu_gui.py").read_text()
    ns: dict = {}
    exec(compile(gui.replace("sys.exit(main(", "result = ((").replace("args = sys.argv[1:]", "args = []")
                 .replace('if __name__ == "__main__":', "if True:"),
                 "gui", "exec"), ns)
    assert ns["result"] == ["gui"]  # no arguments: the desktop app


def test_build_portable_without_pyinstaller_says_what_to_install(monkeypatch, tmp_path):
    import builtins

    from desktop.commands import build as b

    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "PyInstaller":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(RuntimeError, match="pip install pyinstaller"):
        b.build(tmp_path / "dist", tmp_path / "work")


@pytest.mark.skipif(not os.environ.get("UNGCUU_SLOW"), reason="slow: set UNGCUU_SLOW=1 (PyInstaller build)")
def test_portable_bundle_collects_and_verifies_in_a_clean_environment():
    p = subprocess.run([sys.executable, str(REPO / "bench" / "bench_portable.py")], capture_output=True, text=True,
                       timeout=1800)
    assert "PORTABLE OK" in p.stdout, p.stdout + p.stderr


@pytest.mark.parametrize("launcher", ["ungcuu_cli.py", "ungcuu_gui.py"])
def test_both_launchers_hand_the_child_flag_to_the_child_before_the_command_line(tmp_path, monkeypatch, launcher):
    from desktop import childproc
    from desktop.commands.build import write_spec

    write_spec(tmp_path, gui=True)
    code = (tmp_path / launcher).read_text()
    assert code.index(childproc.CHILD_FLAG) < code.index("from desktop.cli import main")
    monkeypatch.setattr(childproc, "child_main", lambda: 7)
    monkeypatch.setattr(sys, "argv", [launcher, childproc.CHILD_FLAG])
    with pytest.raises(SystemExit) as ended:
        exec(compile(code, launcher, "exec"), {"__name__": "__main__"})
    assert ended.value.code == 7
