"""Evidence is written and read in binary mode on Windows too.

On Windows a descriptor from `os.open` without `O_BINARY` is in text mode: every `\\n` written becomes
`\\r\\n` (and a read stops at ^Z), so a copied hive, EVTX or JSON would no longer match the SHA-256 it is
named by. Two checks: every `os.open` on the evidence paths names O_BINARY in its flags (source scan),
and a run of the real write and read paths with a stand-in O_BINARY bit sees the bit on every open.
"""
from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from collectors.case import Case

REPO = Path(__file__).resolve().parents[2]
SCANNED = sorted([*(REPO / "collectors").rglob("*.py"), *(REPO / "reports").glob("bundle*.py")])
# os.open calls that need no O_BINARY, each with why: (module, enclosing function) -> reason.
EXEMPT = {
    ("collectors/case.py", "_fsync_dir"): "a directory, opened only to fsync it (no data passes)",
    ("collectors/acquire/memory.py", "dump_process_linux"): "Linux /proc/PID/mem",
    ("collectors/acquire/memory.py", "acquire_kcore_lime"): "Linux /proc/kcore",
}
FAKE_O_BINARY = 0x40000000  # a bit no Linux open flag uses; removed before the real os.open


def _os_open_calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def visit(node, func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "open"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
            yield func, node
        for child in ast.iter_child_nodes(node):
            yield from visit(child, func)

    yield from visit(tree, "<module>")


def _flag_names(expr: ast.AST, scope: ast.AST) -> set[str]:
    """Names of os.O_* constants in a flags expression (following one local `flags = ...` assignment)."""
    names = {n.attr for n in ast.walk(expr) if isinstance(n, ast.Attribute) and n.attr.startswith("O_")}
    names |= {n.value for n in ast.walk(expr) if isinstance(n, ast.Constant) and isinstance(n.value, str)
              and n.value.startswith("O_")}
    for var in (n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and n.id != "os"):
        for node in ast.walk(scope):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == var for t in targets):
                    names |= _flag_names(node.value, ast.Module(body=[], type_ignores=[]))
    return names


def test_every_os_open_on_the_evidence_paths_names_o_binary():
    missing = []
    seen = 0
    for path in SCANNED:
        rel = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        funcs = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for func, call in _os_open_calls(path):
            seen += 1
            if (rel, func) in EXEMPT:
                continue
            if len(call.args) < 2:
                missing.append(f"{rel}:{call.lineno} ({func}): no flags")
                continue
            scope = funcs.get(func, tree)
            if "O_BINARY" not in _flag_names(call.args[1], scope):
                missing.append(f"{rel}:{call.lineno} ({func}): {ast.unparse(call.args[1])}")
    assert seen >= 8, "the scan found too few os.open calls: it no longer looks where they are"
    assert not missing, "os.open without O_BINARY (text mode on Windows):\n" + "\n".join(missing)


def test_the_scan_catches_a_text_mode_open(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\ndef f(p):\n    flags = os.O_WRONLY | os.O_CREAT\n    return os.open(p, flags, 0o600)\n")
    good = tmp_path / "good.py"
    good.write_text("import os\ndef f(p):\n    flags = os.O_RDONLY | getattr(os, 'O_BINARY', 0)\n"
                    "    return os.open(p, flags)\n")
    for path, expect in ((bad, False), (good, True)):
        tree = ast.parse(path.read_text())
        func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
        (_, call), = list(_os_open_calls(path))
        assert ("O_BINARY" in _flag_names(call.args[1], func)) is expect


@pytest.fixture
def recorded_opens(monkeypatch):
    """Every os.open made from our packages, with its flags, while os.O_BINARY is a stand-in bit."""
    calls: list[tuple[str, int, str]] = []
    real_open = os.open
    ours = (str(REPO / "collectors"), str(REPO / "reports"))

    def fake_open(path, flags, mode=0o777, *, dir_fd=None):
        caller = sys._getframe(1).f_code.co_filename
        if caller.startswith(ours) and not os.path.isdir(path):  # folders are opened to fsync them only
            calls.append((os.fsdecode(path), flags, caller))
        return real_open(path, flags & ~FAKE_O_BINARY, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "O_BINARY", FAKE_O_BINARY, raising=False)
    monkeypatch.setattr(os, "open", fake_open)
    return calls


def test_write_and_read_paths_open_binary(tmp_path, recorded_opens):
    from reports.bundle import build_bundle, extract_bundle, generate_keypair

    src = tmp_path / "hive"
    src.write_bytes(b"regf\n\r\n\x1a\n" * 1000)  # newlines and ^Z: text mode would change them
    case = Case.create(tmp_path / "case", examiner="t")
    common = dict(checklist_id="B2", collector="test")
    recs = [
        case.add_file(src, **common),
        case.add_bytes(b"a\nb\n", name="x.txt", source="test", **common),
        case.add_json({"k": "v\n"}, name="x.json", source="test", **common),
    ]
    with case.writer(name="w.bin", source="test", kind="derived", **common) as w:
        w.write(b"\n\x1a\n")
    recs.append(w.record)
    priv, _pub = generate_keypair(tmp_path / "k.key", tmp_path / "k.pub")
    out = tmp_path / "b.zip"
    build_bundle(case, out, signing_key=priv)
    extract_bundle(out, tmp_path / "extracted")
    case.close()
    assert src.read_bytes() == case.evidence_path(recs[0]).read_bytes()

    files = recorded_opens
    kinds = {Path(c).name for _, _, c in files}
    assert {"case.py", "util.py", "custody.py", "bundle.py"} <= kinds, kinds
    text_mode = [f"{p} from {c}" for p, f, c in files if not f & FAKE_O_BINARY]
    assert not text_mode, "opened without O_BINARY:\n" + "\n".join(text_mode)
