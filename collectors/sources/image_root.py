"""A disk image as the root of a collection run: open, choose the volume, hash, record custody.

    gen = prepare_image_root(case, "disk.E01", volume=None, shadow=None, cancel=ev)
    root = yield from gen          # Progress events while the image files are hashed; then a VPath
    run_checklist(case, checklist, root=root, ...)

The image files are hashed once per case (a later run of the same files, same size and modification
time, reuses the hash from the custody log); the custody entry `source-image` names the files, their
SHA-256, the hashes the image format stores (E01), every volume found and the one chosen. Every
evidence item copied from the image carries the image path, its SHA-256 and the volume in its
`orig_meta`.
"""
from __future__ import annotations

import os
import threading
from typing import Generator

from ..base import Progress
from ..errors import Cancelled
from .images import DiskImage, ImageError, hash_image_file, image_file_size, open_image

CHECKLIST_ID = "B9"  # the progress events belong to the disk item: the image is the examined disk


def _known_hashes(case, image: DiskImage) -> list[dict] | None:
    """The file hashes of an earlier `source-image` entry for the same files in the same state."""
    want = [(p, os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in image.files]
    for entry in reversed(case.custody.entries()):
        files = entry["details"].get("files") or [] if entry["action"] == "source-image" else []
        if files and [(f.get("path"), f.get("size"), f.get("mtime_ns")) for f in files] == want:
            return files
    return None


def prepare_image_root(case, path: str | os.PathLike, *, volume: int | None = None, shadow: int | None = None,
                       cancel: threading.Event | None = None) -> Generator[Progress, None, object]:
    """Open `path` as a disk image and return the root (a VPath) of the chosen file system.

    Raises ImageError with a clear reason: not an image UngCuu can read, no partition table and no
    file system, no such volume or shadow copy. Cancelled while hashing raises Cancelled.
    """
    image = open_image(path)
    vols = image.volumes()
    if not any(v.fs_type for v in vols):
        raise ImageError(image.why_unreadable(), path=image.path)
    chosen = image.choose_volume() if volume is None else next((v for v in vols if v.index == volume), None)
    if chosen is None:
        raise ImageError(f"{image.path}: no volume {volume}; found: "
                         + ", ".join(f"{v.index} ({v.fs_type or 'no file system'})" for v in vols), path=image.path)
    fs = image.filesystem(chosen.index, shadow)
    files = None if image.device else _known_hashes(case, image)
    if image.device:
        files = [{"path": image.path, "size": image.size, "sha256": None,
                  "not_hashed": "a device in use changes while it is read: make a hashed image of it "
                                "(ungcuu image) when a fixed copy is needed"}]
    elif files is None:
        files = []
        total = sum(image_file_size(p) for p in image.files)
        before = 0
        message = f"hashing the image {image.path}"
        yield Progress(CHECKLIST_ID, 0, total, message)
        for p in image.files:
            gen = hash_image_file(p)
            while True:
                if cancel is not None and cancel.is_set():
                    gen.close()
                    raise Cancelled("cancelled while hashing the image")
                try:
                    done = next(gen)
                except StopIteration as stop:
                    files.append(stop.value)
                    before += stop.value["size"]
                    break
                yield Progress(CHECKLIST_ID, before + done, total, message)
        yield Progress(CHECKLIST_ID, total, total, message)
    details = image.describe()
    details.update(files=files, volume=chosen.index, shadow=shadow, file_system=fs.type, read_only=True)
    case.custody.append("source-image", image.path, details)
    fs.evidence_meta = {
        "image": image.path, "image_format": image.format,
        "image_sha256": files[0]["sha256"] if len(files) == 1 else [f["sha256"] for f in files],
        "volume": chosen.index, "volume_offset": chosen.offset, "shadow_copy": shadow, "file_system": fs.type,
    }
    fs.image = image  # kept open as long as the root is used
    return fs.root
