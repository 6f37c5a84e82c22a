"""Where a collection came from: the tool's exact build, the examiner's machine clock, the host's identity.

    build_info()      -> {version, source: git|frozen|unknown, commit, dirty | executable_sha256, archives,
                          python, libraries: {name: version}}
    time_zone()       -> {name, offset}        (a named zone, e.g. Asia/Ho_Chi_Minh, besides +07:00)
    host_identity()   -> {hostname, machine_id, addresses}

Recorded in the custody log when a case is created and when a collection starts, and in a bundle's
manifest. Nothing here runs a program: git metadata is read from the .git files (never `git`), the host's
addresses come from the kernel through psutil, the machine-id from its file.
"""
from __future__ import annotations

import functools
import hashlib
import os
import struct
import sys
from pathlib import Path

from . import __version__

# The libraries that parse evidence or write what leadership receives: (distribution, importable module).
LIBRARIES = (
    ("psutil", "psutil"), ("scapy", "scapy"), ("PyYAML", "yaml"), ("reportlab", "reportlab"), ("evtx", "evtx"),
    ("python-docx", "docx"), ("cryptography", "cryptography"), ("yara-python", "yara"), ("pytsk3", "pytsk3"),
    ("regipy", "regipy"), ("py7zr", "py7zr"), ("PySide6-Essentials", "PySide6"),
)


def _sha256_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def _library_versions() -> dict[str, str]:
    from importlib import metadata

    out: dict[str, str] = {}
    for dist, module in LIBRARIES:
        try:
            out[dist] = metadata.version(dist)
            continue
        except metadata.PackageNotFoundError:
            pass
        mod = sys.modules.get(module)     # no metadata: the module's own attribute (imported when frozen)
        if mod is None and getattr(sys, "frozen", False):
            try:
                import importlib

                mod = importlib.import_module(module)
            except Exception:
                mod = None
        ver = getattr(mod, "__version__", None) or getattr(mod, "version", None) if mod is not None else None
        out[dist] = str(ver) if isinstance(ver, (str, int, float)) else "not installed"
    return out


def _git_dir(start: Path) -> Path | None:
    for d in (start, *start.parents):
        dot = d / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():                    # a worktree: "gitdir: /path/to/.git/worktrees/NAME"
            try:
                text = dot.read_text(encoding="utf-8").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                g = Path(text[7:].strip())
                return g if g.is_absolute() else (d / g).resolve()
            return None
    return None


def _resolve_ref(git_dir: Path, common: Path, ref: str) -> str | None:
    for base in (git_dir, common):
        try:
            return (base / ref).read_text(encoding="ascii").strip()
        except OSError:
            pass
    try:
        for line in (common / "packed-refs").read_text(encoding="ascii").splitlines():
            parts = line.split(" ", 1)
            if len(parts) == 2 and parts[1].strip() == ref:
                return parts[0]
    except OSError:
        pass
    return None


def _index_entries(index: Path):
    """(path, size, mtime_s, mtime_ns, sha1 hex) of every entry of a git index (versions 2 and 3)."""
    data = index.read_bytes()
    if data[:4] != b"DIRC":
        raise ValueError("not a git index")
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3):
        raise ValueError(f"git index version {version} not read")
    pos = 12
    for _ in range(count):
        (_cs, _cn, ms, mn, _dev, _ino, mode, _uid, _gid, size) = struct.unpack(">10I", data[pos:pos + 40])
        sha = data[pos + 40:pos + 60].hex()
        flags = struct.unpack(">H", data[pos + 60:pos + 62])[0]
        head = 62 + (2 if version == 3 and flags & 0x4000 else 0)
        end = data.index(b"\0", pos + head)
        name = data[pos + head:end].decode("utf-8", "surrogateescape")
        pos += (end - pos + 8) // 8 * 8
        if mode >> 12 == 0o10:               # regular files only (links and submodules are not compared)
            yield name, size, ms, mn, sha


def _dirty(work: Path, index: Path) -> bool | None:
    """Whether a tracked file differs from the index (content compared by its git blob hash)."""
    try:
        for name, size, ms, mn, sha in _index_entries(index):
            p = work / name
            try:
                st = os.lstat(p)
            except OSError:
                return True
            if st.st_size != size:
                return True
            if (int(st.st_mtime), st.st_mtime_ns % 1_000_000_000) == (ms, mn):
                continue
            data = p.read_bytes()
            if hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() != sha:
                return True
    except (OSError, ValueError, struct.error):
        return None
    return False


def _git_info(source_dir: Path) -> dict | None:
    git_dir = _git_dir(source_dir)
    if git_dir is None:
        return None
    try:
        common_ref = (git_dir / "commondir").read_text(encoding="utf-8").strip()
        common = (git_dir / common_ref).resolve()
    except OSError:
        common = git_dir
    try:
        head = (git_dir / "HEAD").read_text(encoding="ascii").strip()
    except OSError:
        return None
    branch = None
    commit: str | None = head
    if head.startswith("ref:"):
        branch = head[4:].strip()
        commit = _resolve_ref(git_dir, common, branch)
    work = git_dir.parent if git_dir.name == ".git" else source_dir
    return {"source": "git", "commit": commit, "branch": branch, "dirty": _dirty(work, git_dir / "index")}


@functools.lru_cache(maxsize=1)
def build_info() -> dict:
    info: dict = {"version": __version__}
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        info.update(source="frozen", executable=str(exe), executable_sha256=_sha256_file(exe))
        bundle_dir = Path(getattr(sys, "_MEIPASS", exe.parent))
        archives = {}
        for p in sorted(bundle_dir.glob("*.pkg")) + sorted(bundle_dir.glob("base_library.zip")):
            archives[p.name] = _sha256_file(p)
        info["archives"] = archives
    else:
        repo = Path(__file__).resolve().parent.parent
        info.update(_git_info(repo) or {"source": "unknown", "path": str(repo)})
    info["python"] = f"{sys.implementation.name} {sys.version.split()[0]}"
    info["libraries"] = _library_versions()
    return info


def build_summary() -> dict:
    """The build in brief (version, commit and dirty flag, or the frozen executable's SHA-256); the whole
    build_info() with the library versions is in every collection's collect-start entry."""
    b = build_info()
    keys = ("version", "source", "commit", "dirty", "executable_sha256")
    return {k: b[k] for k in keys if k in b}


def time_zone() -> dict:
    """The examiner's clock: the named zone (TZ, /etc/timezone or the /etc/localtime link) and the offset."""
    from .util import local_offset

    name = os.environ.get("TZ", "").lstrip(":") or None
    if not name:
        from .util import open_source

        try:
            fd = open_source("/etc/timezone")
            with os.fdopen(fd, "rb") as fh:
                name = fh.read(256).decode("utf-8", "replace").strip() or None
        except OSError:
            name = None
    if not name:
        try:
            target = os.readlink("/etc/localtime")
            if "zoneinfo/" in target:
                name = target.split("zoneinfo/", 1)[1]
        except OSError:
            pass
    if not name:
        import time

        name = time.tzname[0]
    return {"name": name, "offset": local_offset()}


def _machine_id() -> str | None:
    from .util import open_source

    for p in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            fd = open_source(p)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as fh:
            value = fh.read(128).decode("ascii", "replace").strip()
        if value:
            return value
    if sys.platform.startswith("win"):
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography") as k:
                return str(winreg.QueryValueEx(k, "MachineGuid")[0])
        except OSError:
            return None
    return None


def host_identity() -> dict:
    """The machine UngCuu runs on: its name, machine-id and addresses (from the kernel, via psutil)."""
    from .util import host_name

    addresses: dict[str, list[str]] = {}
    try:
        import socket

        import psutil

        for nic, addrs in psutil.net_if_addrs().items():
            for a in addrs:
                if a.family in (socket.AF_INET, socket.AF_INET6) or a.family == getattr(psutil, "AF_LINK", None):
                    addresses.setdefault(nic, []).append(a.address)
    except Exception as exc:  # psutil missing or the kernel refused: recorded, not fatal
        addresses = {"error": [str(exc)]}
    return {"hostname": host_name(), "machine_id": _machine_id(), "addresses": addresses}


def session_record() -> dict:
    """What a custody entry that starts work on a case records about the tool and the machine."""
    return {"build": build_info(), "time_zone": time_zone(), "host_identity": host_identity()}
