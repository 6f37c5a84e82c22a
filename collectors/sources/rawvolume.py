"""Live Windows: files the running system holds locked, read through the raw volume (`\\\\.\\C:`).

Registry hives (SYSTEM, SOFTWARE, SAM, SECURITY, every profile's NTUSER.DAT and UsrClass.dat, loaded
or not), `$MFT`, `$UsnJrnl:$J`, EVTX files the EventLog service holds open and Amcache.hve cannot be
opened by path while Windows runs (sharing violation) or at all ($MFT). With Administrator rights the
volume itself can be opened read-only, and The Sleuth Kit reads the file from it, the way KAPE does:
the same `TskFileSystem` that reads an NTFS partition of an image, so the tests exercise this path on
NTFS images made with mkntfs.

Seams for tests (and nothing else): `ENABLED` (None: only on Windows), `split(path)` -> (device,
path inside the volume), `system_device()` -> the device of the system drive.
"""
from __future__ import annotations

import os
import sys

from . import VPath
from .tsk import TskFileSystem

ENABLED: bool | None = None
_OPEN: dict[str, TskFileSystem] = {}


def enabled() -> bool:
    return sys.platform.startswith("win") if ENABLED is None else ENABLED


def split(path: str) -> tuple[str, str] | None:
    """('\\\\.\\C:', '/Windows/System32/config/SYSTEM') for 'C:\\Windows\\System32\\config\\SYSTEM'."""
    drive, rest = os.path.splitdrive(os.path.abspath(path))
    if len(drive) != 2 or drive[1] != ":":
        return None  # a UNC path or no drive letter: not a local volume
    return rf"\\.\{drive.upper()}", rest.replace("\\", "/")


def system_device() -> str:
    return rf"\\.\{os.environ.get('SystemDrive', 'C:')}"


def open_volume(device: str) -> TskFileSystem:
    """The NTFS file system of a volume device (or, in tests, of an image file standing in for it)."""
    fs = _OPEN.get(device)
    if fs is None:
        import pytsk3

        fs = TskFileSystem(pytsk3.Img_Info(device), label=f"raw volume {device}")
        fs.evidence_meta = {"read_from_raw_volume": device,
                            "why": "locked by the running system: read through the volume, not the file"}
        _OPEN[device] = fs
    return fs


def vpath_for(path) -> VPath | None:
    """The same file read through its raw volume, or None when that is not possible here."""
    if not enabled():
        return None
    where = split(os.fspath(path))
    if where is None:
        return None
    device, inner = where
    try:
        return VPath(open_volume(device), inner)
    except OSError:
        return None


def system_root() -> VPath | None:
    """The root of the system volume read raw (for $MFT and $UsnJrnl), or None when it cannot be opened."""
    if not enabled():
        return None
    try:
        return open_volume(system_device()).root
    except OSError:
        return None
