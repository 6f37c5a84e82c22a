"""The package rules of ARCHITECTURE.md, checked on the source (a test that fails when they are broken)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = {"collectors": 0, "analysis": 1, "reports": 2, "desktop": 3}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["collectors", "analysis", "reports"])
def test_core_never_imports_qt_nor_a_higher_layer(package):
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in ("PySide6", "PyQt5", "PyQt6", "shiboken6"):
                bad.append(f"{path.relative_to(REPO)} imports {name}")
            if top in LAYERS and LAYERS[top] > LAYERS[package]:
                bad.append(f"{path.relative_to(REPO)} imports {name} (a higher layer)")
    assert not bad, "\n".join(bad)


def test_every_package_is_listed_in_pyproject():
    text = (REPO / "pyproject.toml").read_text()
    listed = set(re.findall(r'"([a-z_.]+)"', text.split("packages = [", 1)[1].split("]", 1)[0]))
    on_disk = {
        ".".join(p.parent.relative_to(REPO).parts)
        for top in ("desktop", "collectors", "analysis", "reports", "resources")
        for p in (REPO / top).rglob("__init__.py")
    }
    assert on_disk - listed == set(), f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
