"""The collectors read the examined system only through collectors/sources (so a disk image works like a
folder), and a file-based collector run on an image behaves as on the same tree copied to a folder."""
from __future__ import annotations

import ast
from pathlib import Path

from collectors.base import Context
from collectors.case import Case
from collectors.sources.images import open_image

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = {("os", "scandir"), ("os", "listdir"), ("os", "readlink"), ("os", "lstat"), ("os", "stat"),
             ("os.path", "islink"), ("os.path", "lexists"), ("os.path", "isfile"), ("os.path", "isdir"),
             ("os.path", "exists")}
# Calls on paths that are never the examined system's files under --root: the live kernel's /proc and
# /sys, the running process's executable, the live branch of a helper. (module, function) -> why.
LIVE_ONLY = {
    ("_common.py", "resolve_in_root"): "the live branch (no --root)",
    ("_common.py", "_key"): "executables of running processes",
    ("_common.py", "process_exe"): "/proc/PID/exe of a running process",
    ("disks.py", "linux_disks"): "/sys/block of the running kernel",
    ("services.py", "systemctl_states"): "/run/systemd of the running system",
    ("proc_state.py", "_pids"): "/proc of the running kernel",
    ("proc_state.py", "_self_pid"): "/proc/self of the running kernel",
    ("proc_state.py", "collect"): "/proc/PID of running processes (a live-only collector)",
    ("sysctl_state.py", "read_sysctl"): "/proc/sys of the running kernel",
}


def _calls(tree):
    def visit(node, func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            if (owner, node.func.attr) in FORBIDDEN:
                yield func, node
        for child in ast.iter_child_nodes(node):
            yield from visit(child, func)
    yield from visit(tree, "<module>")


# The descriptor-relative walker (O_NOATIME, statx) of a real folder tree: a VPath goes through its own
# branch (_walk_virtual, from_vstat), which the image tests read.
REAL_FOLDER_HELPERS = {"_linux_fs.py"}


def _folders_only_modules() -> set[str]:
    """Modules whose collectors say `folders_only` (they refuse a disk image with a reason), and the
    real-folder helpers."""
    from collectors.base import registry

    mods = {type(c).__module__.rsplit(".", 1)[-1] + ".py" for c in registry().values() if c.folders_only}
    return mods | REAL_FOLDER_HELPERS


def test_collectors_never_call_os_on_the_examined_system():
    bad = []
    skip = _folders_only_modules()
    for path in sorted((REPO / "collectors" / "artifacts").glob("*.py")):
        if path.name in skip:
            continue
        for func, call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            if (path.name, func) not in LIVE_ONLY:
                bad.append(f"{path.name}:{call.lineno} ({func}): {ast.unparse(call)}")
    assert not bad, ("use collectors.sources (lstat, scandir, listdir, readlink, lexists, open_read) or the "
                     "path's own methods, so the collector also reads disk images:\n" + "\n".join(bad))


def test_named_evidence_files_from_an_image(tmp_path, linux_disk):
    from collectors.artifacts.evidence_files import EvidenceFiles

    with open_image(linux_disk["path"]) as img, Case.create(tmp_path / "case", examiner="t") as case:
        ctx = Context(case, run_id=None, checklist_id="B5", root=img.root(), collector_name="evidence_files",
                      options={"paths": ["/home/an", "/etc/resolv.conf", "/nope"]})
        out = list(EvidenceFiles().collect(ctx))
        stored = {r.source: r.sha256 for r in out if hasattr(r, "sha256") and r.name != "symlinks.json"}
        assert stored == {"/home/an/.bash_history": linux_disk["hashes"]["home/an/.bash_history"]}
        reasons = [o.reason for o in out if hasattr(o, "reason")]
        assert "/etc/resolv.conf is a symbolic link to /run/systemd/resolve/stub-resolv.conf: not followed" in reasons
        assert "/nope: no such file or folder" in reasons


def test_folder_only_collectors_refuse_a_disk_image_with_a_reason(tmp_path, linux_disk):
    """A collector not yet reading through collectors/sources says so on an image, instead of reading the
    responder's own machine or failing half way; the same collector runs on a folder. Every registered
    collector reads images now; the refusal is checked on one declared here."""
    from collectors.base import Collector, registry

    class FolderWalker(Collector):
        name = "folder_walker"
        os = ("linux",)
        folders_only = True

    names = [n for n, c in registry().items() if c.folders_only]
    assert names == []
    with open_image(linux_disk["path"]) as img, Case.create(tmp_path / "case", examiner="t") as case:
        c = FolderWalker()
        ctx = Context(case, run_id=None, checklist_id="B4", root=img.root(), collector_name=c.name)
        assert "mount the image read-only" in (c.why_not(ctx) or "")
        folder = Context(case, run_id=None, checklist_id="B4", root=tmp_path, collector_name=c.name)
        assert c.why_not(folder) is None
