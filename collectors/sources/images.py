"""Disk images as sources: raw/dd (split .001 too), E01 (split too), VHD/VHDX, VMDK and QCOW2.

Opened read-only with pytsk3 and the libyal readers (libewf, libvhdi, libvmdk, libqcow; LGPL-3.0, as
Python wheels), never mounted: the partition table (MBR, GPT, ...) is read by The Sleuth Kit, each
partition's file system (NTFS, FAT, exFAT, ext2/3/4) is opened with `TskFileSystem`, and the volume
shadow copies of an NTFS partition are listed with libvshadow. Raw, E01 and QCOW2 segment files are
read through `util.open_source` (O_NOATIME, O_BINARY): not even the image's access time changes.

    image = open_image("disk.E01")
    for vol in image.volumes(): ...               # index, offset, file system, shadow copies
    root = image.root(volume=None, shadow=None)   # a VPath: "/" of the chosen file system
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import errno
import hashlib
import os
import re
import stat as _stat
import sys
from typing import Any, Callable, Generator, Iterator

from ..errors import UnreadableInput
from ..util import open_source
from . import VPath
from .tsk import TskFileSystem, pytsk3

HASH_CHUNK = 4 << 20
EWF_MAGIC = (b"EVF\x09\x0d\x0a\xff\x00", b"LVF\x09\x0d\x0a\xff\x00", b"EVF2\r\n\x81\x00")


class ImageError(UnreadableInput):
    """The image cannot be read as a disk (format, partition table or file system); says which."""


@dataclasses.dataclass
class Shadow:
    index: int  # 1-based, as the responder chooses it
    identifier: str
    created: str | None  # ISO 8601 UTC


@dataclasses.dataclass
class Volume:
    index: int  # 1-based position among the partitions UngCuu found (0: the whole image is one file system)
    offset: int
    length: int
    description: str
    fs_type: str | None  # None: no file system UngCuu can read
    error: str | None = None
    shadows: list[Shadow] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _pread(fd: int, n: int, offset: int) -> bytes:
    """os.pread, or seek + read where there is none (Windows; the readers are used by one thread)."""
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, n)


def _open_image_file(path: str) -> tuple[int, int]:
    """(descriptor, size) of an image file (util.open_source: O_NOATIME, O_BINARY, regular files) or of
    a block device given as the image (read only, O_NOATIME where allowed)."""
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if st is not None and _stat.S_ISBLK(st.st_mode):
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_NOATIME", 0))
        except PermissionError:
            fd = os.open(path, flags)
        return fd, os.lseek(fd, 0, os.SEEK_END)
    fd = open_source(path)
    return fd, os.fstat(fd).st_size


def image_file_size(path: str) -> int:
    fd, size = _open_image_file(path)
    os.close(fd)
    return size


def detect_format(path: str) -> str:
    """'ewf', 'vhdi', 'vmdk', 'qcow' or 'raw' from the first bytes (and the last, for a fixed VHD)."""
    fd, size = _open_image_file(path)
    try:
        head = _pread(fd, 512, 0)
        tail = _pread(fd, 512, size - 512) if size >= 512 else b""
    finally:
        os.close(fd)
    if head.startswith(EWF_MAGIC):
        return "ewf"
    if head.startswith(b"vhdxfile") or head.startswith(b"conectix") or tail.startswith(b"conectix"):
        return "vhdi"
    if head.startswith(b"KDMV") or head.startswith(b"COWD") or b"# Disk DescriptorFile" in head[:64]:
        return "vmdk"
    if head.startswith(b"QFI\xfb"):
        return "qcow"
    return "raw"


def _segments(path: str, fmt: str) -> list[str]:
    """Every file the image is made of (E01 + E02..., or .001 + .002...), in order."""
    if fmt == "ewf":
        import pyewf

        return sorted(pyewf.glob(path))
    m = re.search(r"\.(0*1)$", path)
    if fmt == "raw" and m:
        width = len(m.group(1))
        stem = path[: m.start()]
        parts = []
        i = 1
        while os.path.isfile(f"{stem}.{i:0{width}d}"):
            parts.append(f"{stem}.{i:0{width}d}")
            i += 1
        return parts
    return [path]


class _Positional:
    """A seekable reader over `_read_at(offset, n)` and `size`, in the shape libyal's file-object API
    (read, seek, tell/get_offset, get_size) and pytsk3 want."""

    size = 0
    pos = 0

    def _read_at(self, offset: int, n: int) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.size - self.pos
        n = max(0, min(n, self.size - self.pos))
        data = self._read_at(self.pos, n) if n else b""
        self.pos += len(data)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self.pos = offset if whence == os.SEEK_SET else (self.pos + offset if whence == os.SEEK_CUR else self.size + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos

    get_offset = tell

    def get_size(self) -> int:
        return self.size

    def close(self) -> None:
        pass


class _FileObject(_Positional):
    """One image file (or device), read through one descriptor."""

    def __init__(self, path: str):
        self.fd, self.size = _open_image_file(path)

    def _read_at(self, offset: int, n: int) -> bytes:
        return _pread(self.fd, n, offset)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Concat:
    """Split raw parts read as one disk."""

    def __init__(self, parts: list[_FileObject]):
        self.parts = parts
        self.size = sum(p.size for p in parts)

    def read_at(self, offset: int, length: int) -> bytes:
        out = bytearray()
        base = 0
        for p in self.parts:
            if length <= 0:
                break
            if offset < base + p.size:
                within = offset - base
                take = min(length, p.size - within)
                out += _pread(p.fd, take, within)
                offset += take
                length -= take
            base += p.size
        return bytes(out)


if pytsk3 is not None:
    class _Img(pytsk3.Img_Info):
        """pytsk3's view of a disk given as a read_at(offset, length) function."""

        def __init__(self, read_at: Callable[[int, int], bytes], size: int, errors: list[str] | None = None):
            self._read_at, self._size = read_at, size
            self.errors = errors if errors is not None else []  # what the image format's reader said
            super().__init__(url="", type=pytsk3.TSK_IMG_TYPE_EXTERNAL)

        def read(self, offset, length):
            # An exception here would come out of The Sleuth Kit as an unexplained error: the reader's
            # own message is kept, and a short read makes TSK fail that one read cleanly.
            try:
                return self._read_at(offset, length)
            except (OSError, RuntimeError, IOError) as exc:  # libyal raises OSError or RuntimeError, with the reason
                if len(self.errors) < 20:
                    self.errors.append(f"read error at offset {offset}: {str(exc).split('. ')[0]}")
                return b""

        def get_size(self):
            return self._size

        def close(self):
            pass


def _reader(handle) -> Callable[[int, int], bytes]:
    def read_at(offset: int, length: int) -> bytes:
        handle.seek(offset)
        return handle.read(length)
    return read_at


class DiskImage:
    """An opened image: its files, its format, its volumes; read only."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path) if is_device(path) else os.path.abspath(os.fspath(path))
        self.device = is_device(self.path)  # a live disk: read as it is, never hashed as a fixed image
        if not is_image(self.path):
            raise ImageError(f"{self.path}: no such image file", path=self.path)
        try:
            self.format = "raw" if self.device and sys.platform.startswith("win") else detect_format(self.path)
        except OSError as exc:
            raise ImageError(f"{self.path}: cannot be read ({exc.strerror or exc})", path=self.path) from exc
        self.files = _segments(self.path, self.format)
        self._objects: list = []
        self.stored_hashes: dict[str, str] = {}  # hashes the image format itself records (E01)
        try:
            self._open()
        except ImportError as exc:
            raise ImageError(f"{self.path}: a {self.format} image needs the Python package {exc.name} "
                             "(pip install it)", path=self.path) from exc
        except OSError as exc:
            raise ImageError(f"{self.path}: not a readable {self.format} image ({exc})", path=self.path) from exc
        self._volumes: list[Volume] | None = None
        self._fs: dict[tuple, TskFileSystem] = {}

    def _open(self) -> None:
        fmt = self.format
        if fmt == "raw" and self.device and sys.platform.startswith("win"):
            self.img = pytsk3.Img_Info(self.path)  # TSK reads Windows devices in whole sectors itself
            self.size = self.img.get_size()
            return
        if fmt == "raw":
            parts = [_FileObject(p) for p in self.files]
            self._objects += parts
            cat = _Concat(parts)
            self.size = cat.size
            self.img = _Img(cat.read_at, cat.size)
            return
        if fmt == "ewf":
            import pyewf

            objs = [_FileObject(p) for p in self.files]
            self._objects += objs
            handle = pyewf.handle()
            handle.open_file_objects(objs)
            for name in ("MD5", "SHA1", "SHA256"):
                try:
                    value = handle.get_hash_value(name)
                except (OSError, KeyError):
                    value = None
                if value:
                    self.stored_hashes[name.lower()] = value
        elif fmt == "vhdi":
            import pyvhdi

            obj = _FileObject(self.path)
            self._objects.append(obj)
            handle = pyvhdi.file()
            handle.open_file_object(obj)
        elif fmt == "qcow":
            import pyqcow

            obj = _FileObject(self.path)
            self._objects.append(obj)
            handle = pyqcow.file()
            handle.open_file_object(obj)
        elif fmt == "vmdk":
            import pyvmdk

            handle = pyvmdk.handle()
            handle.open(self.path)  # the descriptor names its extent files; libvmdk opens them read only
            handle.open_extent_data_files()
        else:  # pragma: no cover
            raise OSError(errno.EINVAL, f"unknown format {fmt}")
        self._handle = handle
        self._objects.append(handle)
        self.size = handle.get_media_size()
        self.img = _Img(_reader(handle), self.size)

    def close(self) -> None:
        for o in reversed(self._objects):
            try:
                o.close()
            except (OSError, RuntimeError):  # closing a handle libyal already let go of
                pass
        self._objects.clear()

    def __enter__(self) -> "DiskImage":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- volumes
    def volumes(self) -> list[Volume]:
        """The partitions with their file systems; a whole-disk file system is volume 0."""
        if self._volumes is not None:
            return self._volumes
        vols: list[Volume] = []
        try:
            vs = pytsk3.Volume_Info(self.img)
        except OSError:
            vs = None
        if vs is not None:
            block = vs.info.block_size
            n = 0
            for part in vs:
                if int(part.flags) != int(pytsk3.TSK_VS_PART_FLAG_ALLOC):
                    continue
                n += 1
                desc = part.desc.decode("utf-8", "replace") if isinstance(part.desc, bytes) else str(part.desc)
                vols.append(self._probe(n, part.start * block, part.len * block, desc))
        if not any(v.fs_type for v in vols):
            whole = self._probe(0, 0, self.size, "whole image")
            if whole.fs_type:
                vols = [whole]
        self._volumes = vols
        return vols

    def _probe(self, index: int, offset: int, length: int, desc: str) -> Volume:
        vol = Volume(index=index, offset=offset, length=length, description=desc, fs_type=None)
        try:
            fs = TskFileSystem(self.img, offset=offset, label=self._label(index, None, "?"))
        except OSError as exc:
            vol.error = str(exc.strerror or exc)
            errors = getattr(self.img, "errors", [])
            if errors:
                vol.error += f" (the image itself could not be read: {errors[-1]})"
            return vol
        vol.fs_type = fs.type
        fs.label = self._label(index, None, fs.type)
        self._fs[(index, None)] = fs
        if fs.type == "NTFS":
            vol.shadows = [s for s, _store in self._shadow_stores(vol)]
        return vol

    def _label(self, index: int, shadow: int | None, fs_type: str) -> str:
        where = "whole image" if index == 0 else f"partition {index}"
        extra = f", shadow copy {shadow}" if shadow else ""
        return f"{self.path} [{where} ({fs_type}){extra}]"

    def _shadow_stores(self, vol: Volume) -> Iterator[tuple[Shadow, Any]]:  # Any: a pyvshadow store
        try:
            import pyvshadow
        except ImportError:
            return
        view = _Window(self.img, vol.offset, vol.length)
        try:
            if not pyvshadow.check_volume_signature_file_object(view):
                return
            vss = pyvshadow.volume()
            vss.open_file_object(view)
        except OSError:
            return
        self._objects.append(vss)
        for i in range(vss.number_of_stores):
            store = vss.get_store(i)
            created = store.creation_time
            if isinstance(created, _dt.datetime):
                created = created.replace(tzinfo=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            yield Shadow(index=i + 1, identifier=str(store.identifier), created=created), store

    def filesystem(self, volume: int, shadow: int | None = None) -> TskFileSystem:
        key = (volume, shadow)
        if key in self._fs:
            return self._fs[key]
        vol = next((v for v in self.volumes() if v.index == volume), None)
        if vol is None:
            raise ImageError(f"{self.path}: no volume {volume} (volumes: "
                             f"{', '.join(str(v.index) for v in self.volumes()) or 'none'})", path=self.path)
        if vol.fs_type is None:
            raise ImageError(f"{self.path}: volume {volume} holds no file system UngCuu can read ({vol.error})",
                             path=self.path)
        if shadow is None:
            return self._fs[(volume, None)]
        store = next((st for s, st in self._shadow_stores(vol) if s.index == shadow), None)
        if store is None:
            raise ImageError(f"{self.path}: volume {volume} has no shadow copy {shadow} "
                             f"({len(vol.shadows)} found)", path=self.path)
        size = store.volume_size
        fs = TskFileSystem(_Img(_reader(store), size), label=self._label(volume, shadow, vol.fs_type))
        self._fs[key] = fs
        return fs

    def choose_volume(self) -> Volume:
        """The volume to collect from when none is named: the one holding an OS (Windows/System32 or
        /etc), else the largest readable one."""
        readable = [v for v in self.volumes() if v.fs_type]
        if not readable:
            raise ImageError(self.why_unreadable(), path=self.path)
        for v in readable:
            root = self.filesystem(v.index).root
            from ..base import find_case_insensitive

            if find_case_insensitive(root, "Windows/System32") is not None or (root / "etc").is_dir():
                return v
        return max(readable, key=lambda v: v.length)

    def why_unreadable(self) -> str:
        vols = self.volumes()
        errors = getattr(self.img, "errors", [])
        if not vols and errors:
            return (f"{self.path}: the {self.format} image could not be read, damaged or truncated "
                    f"({errors[0]})")
        if not vols:
            return (f"{self.path}: no partition table (MBR, GPT, ...) and no file system at its start that "
                    f"UngCuu can read (NTFS, FAT, exFAT, ext2/3/4); {self.format} image of {self.size} bytes")
        return (f"{self.path}: {len(vols)} partitions, none with a file system UngCuu can read: "
                + "; ".join(f"{v.index} ({v.description}): {v.error}" for v in vols))

    def root(self, volume: int | None = None, shadow: int | None = None) -> VPath:
        if volume is None:
            volume = self.choose_volume().index
        return self.filesystem(volume, shadow).root

    def verify_stored_hashes(self, *, cancelled: Callable[[], bool] | None = None) -> dict:
        """Read the whole media and compare with the hashes the image format stored at acquisition
        (E01: MD5, SHA-1): {algorithm: {"stored", "computed", "match"}}; empty when none are stored."""
        from ..errors import Cancelled

        if not self.stored_hashes:
            return {}
        hashes = {name: hashlib.new(name) for name in self.stored_hashes}
        pos = 0
        while pos < self.size:
            if cancelled is not None and cancelled():
                raise Cancelled("cancelled while verifying the image")
            block = self._handle.read_buffer_at_offset(min(HASH_CHUNK, self.size - pos), pos)
            if not block:
                raise ImageError(f"{self.path}: the media ends at {pos} of {self.size} bytes", path=self.path)
            for h in hashes.values():
                h.update(block)
            pos += len(block)
        return {name: {"stored": self.stored_hashes[name], "computed": h.hexdigest(),
                       "match": h.hexdigest() == self.stored_hashes[name].lower()} for name, h in hashes.items()}

    def describe(self) -> dict:
        return {"path": self.path, "format": self.format, "files": self.files, "media_size": self.size,
                "stored_hashes": self.stored_hashes, "volumes": [v.to_dict() for v in self.volumes()]}


class _Window(_Positional):
    """A byte range of a pytsk3 image (a partition), for libvshadow."""

    def __init__(self, img, offset: int, length: int):
        self.img, self.offset, self.size = img, offset, length

    def _read_at(self, offset: int, n: int) -> bytes:
        return self.img.read(self.offset + offset, n)


def hash_image_file(path: str, *, report_every: int = 64 << 20) -> Generator[int, None, dict]:
    """SHA-256 of one image file, read once with O_NOATIME; yields the bytes hashed so far (every
    `report_every` bytes), returns {path, size, sha256, mtime, mtime_ns}."""
    from ..util import ts_to_iso

    fd, size = _open_image_file(path)
    try:
        st = os.fstat(fd)
        h = hashlib.sha256()
        done = since = 0
        while True:
            block = os.read(fd, HASH_CHUNK)
            if not block:
                break
            h.update(block)
            done += len(block)
            since += len(block)
            if since >= report_every:
                since = 0
                yield done
    finally:
        os.close(fd)
    return {"path": path, "size": size, "sha256": h.hexdigest(), "mtime": ts_to_iso(st.st_mtime),
            "mtime_ns": st.st_mtime_ns}


def is_device(path: str | os.PathLike) -> bool:
    """A disk or partition device (/dev/sdb, \\\\.\\PhysicalDrive1, \\\\.\\D:) rather than an image file."""
    path = os.fspath(path)
    if sys.platform.startswith("win"):
        return path.startswith("\\\\.\\")
    try:
        return _stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def is_image(path: str | os.PathLike) -> bool:
    """A --root that is a regular file or a device is an image; a folder is a tree."""
    if is_device(path):
        return True
    try:
        return _stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def open_image(path: str | os.PathLike) -> DiskImage:
    return DiskImage(path)


def volume_listing(path: str | os.PathLike) -> dict:
    """What `ungcuu volumes` shows of an image: its format, size, volumes with their file systems and
    shadow copies, and `default`, the volume collected when none is named (None: nothing readable)."""
    with open_image(path) as img:
        info = img.describe()
        info["default"] = img.choose_volume().index if any(v.fs_type for v in img.volumes()) else None
        if info["default"] is None:
            info["unreadable"] = img.why_unreadable()
    return info


__all__ = ["DiskImage", "ImageError", "Shadow", "Volume", "detect_format", "hash_image_file", "image_file_size",
           "is_device", "is_image", "open_image"]
