"""Raw image of a block device, partition or file (checklist B9).

* The source is opened read-only (O_RDONLY, O_NOATIME where allowed) and read exactly once.
* SHA-256 and MD5 of the whole image are computed while reading, each on a thread of its own (hashlib
  releases the GIL), so hashing overlaps the read/write loop; SHA-256 of each part is computed too, so
  the parts can be registered as evidence without reading them again.
* Output: `<name>.001`, `<name>.002`, ... (parts smaller than 4 GiB, for FAT32 media) and
  `<name>.manifest.json` (whole-image hashes, parts, unreadable sectors, source metadata).
* Unreadable sectors are zero-filled and their byte offsets logged.
* Resumable: a checkpoint (`<name>.state.json`, fsynced parts) is written every 256 MiB and when
  cancelled or the destination fills; running again continues from the checkpoint (parts already
  written are re-hashed from the output, the source is not read twice).
* Refuses to write the image onto the device it reads (same partition, or the disk / device-mapper
  stack it belongs to).
"""
from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import queue
import re
import stat
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from collectors import __version__
from collectors.acquire.common import (
    CancelFlag,
    ProgressFn,
    RateMeter,
    cancel_requested,
    cancelled_note,
    human_size,
    now_iso,
    report,
    utc_iso,
    write_all,
)
from collectors.errors import AccessDenied, DestinationFull, SourceError, UngCuuError
from collectors.util import is_admin

CHUNK = 4 << 20  # 4 MiB, like dd bs=4M
FAT32_PART = (4 << 30) - (1 << 20)  # 4 GiB - 1 MiB: fits FAT32's 4 GiB - 1 byte limit
CHECKPOINT_EVERY = 256 << 20  # fsync + state file every 256 MiB: a killed image loses at most that
_POOL_BUFFERS = 8  # 8 x 4 MiB in flight at most: peak RSS does not depend on the image size
_HAVE_PREADV = hasattr(os, "preadv")
_HAVE_PREAD = hasattr(os, "pread")
_MEDIA_ERRORS = (errno.EIO, errno.ENXIO, errno.EILSEQ, errno.ENODATA, errno.EBADMSG)
SECTOR = 512


class ImageError(UngCuuError):
    """The image cannot be made as asked (the message says why)."""


class SameDeviceRefused(ImageError):
    """The output folder lives on the device being imaged."""


@dataclass
class ImagePart:
    path: str
    size: int
    sha256: str


@dataclass
class ImageResult:
    name: str
    out_dir: str
    source: str
    size: int
    hashes: dict[str, str]
    parts: list[ImagePart]
    bad_sectors: list[int]
    sector_size: int
    manifest_path: str
    source_meta: dict
    resumed_from: int = 0
    verified: bool | None = None
    verify_hashes: dict[str, str] | None = None
    started_at: str = ""
    finished_at: str = ""
    seconds: float = 0.0
    cancelled: bool = False  # stopped by the flag: no manifest, the state file says where to resume
    note: str = ""           # why it stopped early

    def to_json(self) -> dict:
        data = asdict(self)
        return data


# ---------------------------------------------------------------------------------------------
# hashing threads


class _Pool:
    """A fixed set of buffers shared by the reader, the writer and the hash threads (RSS stays flat and
    no memory is allocated per chunk). A buffer returns to the pool when its last user releases it."""

    def __init__(self, count: int, size: int):
        self.buffers = [bytearray(size) for _ in range(count)]
        self.views = [memoryview(b) for b in self.buffers]
        self.free: queue.Queue = queue.Queue()
        self.refs = [0] * count
        self.lock = threading.Lock()
        for i in range(count):
            self.free.put(i)

    def acquire(self) -> int:
        i = self.free.get()
        self.refs[i] = 1
        return i

    def ref(self, i: int, n: int) -> None:
        with self.lock:
            self.refs[i] += n

    def release(self, i: int) -> None:
        with self.lock:
            self.refs[i] -= 1
            if self.refs[i] == 0:
                self.free.put(i)


class _HashWorker:
    """One algorithm on its own thread. Items: (view, release) chunks, or `_PART_END`."""

    def __init__(self, algorithm: str, per_part: bool):
        self.algorithm = algorithm
        self.whole = hashlib.new(algorithm)
        self.per_part = per_part
        self.part = hashlib.new(algorithm)  # per part, used only when per_part
        self.part_digests: list[str] = []
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"ungcuu-{algorithm}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        whole_update = self.whole.update
        while True:
            item = self.queue.get()
            if item is None:
                return
            if item is _PART_END:
                if self.per_part:
                    self.part_digests.append(self.part.hexdigest())
                    self.part = hashlib.new(self.algorithm)
                continue
            view, release = item
            try:
                whole_update(view)
                if self.per_part:
                    self.part.update(view)
            except BaseException as exc:  # noqa: BLE001 # pragma: no cover - handed to the reading thread
                self.error = exc
            finally:
                release()

    def finish(self) -> str:
        self.queue.put(None)
        self.thread.join()
        if self.error:
            raise self.error
        return self.whole.hexdigest()


_PART_END = object()


class _Hashers:
    def __init__(self, algorithms: Iterable[str], per_part: bool, part_algorithm: str = "sha256"):
        self.workers = [_HashWorker(a, per_part=per_part and a == part_algorithm) for a in algorithms]
        self.part_worker = next((w for w in self.workers if w.per_part), None)

    def feed(self, view, release) -> None:
        for w in self.workers:
            w.queue.put((view, release))

    def end_part(self) -> None:
        for w in self.workers:
            w.queue.put(_PART_END)

    def finish(self) -> dict[str, str]:
        return {w.algorithm: w.finish() for w in self.workers}

    def abandon(self) -> None:
        for w in self.workers:
            w.queue.put(None)

    @property
    def part_digests(self) -> list[str]:
        return self.part_worker.part_digests if self.part_worker else []


def _load_sync_file_range():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.sync_file_range
        fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
        fn.restype = ctypes.c_int
        return fn
    except (OSError, AttributeError):  # pragma: no cover
        return None


_sync_file_range = _load_sync_file_range()
_SYNC_FILE_RANGE_WRITE = 2
_KICK_EVERY = 8 << 20


class _Writer:
    """Writes the image parts on its own thread, so reading the source and writing the copy overlap
    (on real disks they are different devices). Checkpoints go through the same queue, so a checkpoint
    is written only once everything before it is on disk."""

    def __init__(self, out: Path, name: str, part_size: int, start: int, state_path: Path):
        self.out, self.name, self.part_size, self.state_path = out, name, part_size, state_path
        self.pos = start
        self.part_index = start // part_size
        self.fd: int | None = None  # the open part, None between parts
        self.kicked = 0
        self.error: BaseException | None = None
        self.checkpointed = start
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="ungcuu-writer", daemon=True)
        self.thread.start()

    def _open(self) -> int:
        p = _part_path(self.out, self.name, self.part_index)
        keep = self.pos - self.part_index * self.part_size
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        os.ftruncate(fd, keep)
        os.lseek(fd, keep, os.SEEK_SET)
        return fd

    def _write(self, view) -> None:
        while view:
            if self.fd is None:
                self.fd = self._open()
                self.kicked = self.pos - self.part_index * self.part_size
            fd = self.fd
            room = (self.part_index + 1) * self.part_size - self.pos
            piece = view[:room]
            write_all(fd, piece)
            self.pos += len(piece)
            view = view[len(piece):]
            in_part = self.pos - self.part_index * self.part_size
            if _sync_file_range is not None and in_part - self.kicked >= _KICK_EVERY:
                # Start writing back what is written so far without waiting: the disk works while we hash,
                # and the final fsync has little left to do.
                _sync_file_range(fd, self.kicked, in_part - self.kicked, _SYNC_FILE_RANGE_WRITE)
                self.kicked = in_part
            if self.pos == (self.part_index + 1) * self.part_size:
                os.fsync(fd)
                os.close(fd)
                self.fd = None
                self.part_index += 1

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                break
            kind = item[0]
            try:
                if kind == "data":
                    if self.error is None:
                        self._write(item[1])
                elif kind == "checkpoint" and self.error is None:
                    if self.fd is not None:
                        os.fsync(self.fd)
                    state = dict(item[2], done=item[1])
                    _write_state(self.state_path, state)
                    self.checkpointed = item[1]
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread (disk full...)
                self.error = exc
            finally:
                if kind == "data":
                    item[2]()
        try:
            if self.fd is not None:
                if self.error is None:
                    os.fsync(self.fd)
                os.close(self.fd)
                self.fd = None
        except OSError as exc:
            self.error = self.error or exc

    def data(self, view, release) -> None:
        self.queue.put(("data", view, release))

    def checkpoint(self, at: int, state: dict) -> None:
        self.queue.put(("checkpoint", at, state))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


# ---------------------------------------------------------------------------------------------
# source


class Source:
    """A read-only source with positional reads. Tests may subclass it to simulate failing media."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
        try:
            try:
                self.fd = os.open(self.path, flags | getattr(os, "O_NOATIME", 0))
            except PermissionError:
                # O_NOATIME needs ownership or CAP_FOWNER; fall back to a plain read-only open.
                self.fd = os.open(self.path, flags)
        except PermissionError as exc:
            if is_admin():
                # Root and still refused: a container's device rules, SELinux/AppArmor or a locked device.
                raise AccessDenied(
                    f"reading {self.path} refused even as root: a container or a security policy (device "
                    f"cgroup, SELinux/AppArmor) blocks it; image it from the host, outside the container",
                    path=self.path,
                ) from exc
            raise AccessDenied(
                f"no permission to read {self.path} (reading a device needs root/Administrator)",
                path=self.path,
            ) from exc
        except FileNotFoundError as exc:
            raise SourceError(f"the source to image was not found: {self.path}", path=self.path) from exc
        except OSError as exc:
            raise SourceError(f"cannot open {self.path}: {exc.strerror}", path=self.path) from exc
        st = os.fstat(self.fd)
        self.st = st
        self.is_block = stat.S_ISBLK(st.st_mode) or is_windows_device_path(self.path)
        self._lock = threading.Lock()
        if stat.S_ISDIR(st.st_mode):
            os.close(self.fd)
            raise ImageError(f"{self.path} is a folder, not a device or a file", path=self.path)
        if self.is_block and is_windows_device_path(self.path):  # pragma: no cover - Windows
            self.size = _windows_device_size(self.fd) or 0
        elif self.is_block:
            self.size = os.lseek(self.fd, 0, os.SEEK_END)
            os.lseek(self.fd, 0, os.SEEK_SET)
        else:
            self.size = st.st_size
        self.sector_size = _logical_sector_size(self.fd) if self.is_block else SECTOR
        if hasattr(os, "posix_fadvise"):
            try:
                os.posix_fadvise(self.fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            except OSError:
                pass

    def pread(self, n: int, offset: int) -> bytes:
        if _HAVE_PREAD:
            return os.pread(self.fd, n, offset)
        with self._lock:  # pragma: no cover - Windows has no pread
            os.lseek(self.fd, offset, os.SEEK_SET)
            return os.read(self.fd, n)

    def readinto(self, view: memoryview, offset: int) -> int:
        """Read into a buffer at offset (no allocation); a short count means end of source or trouble."""
        if _HAVE_PREADV:
            return os.preadv(self.fd, [view], offset)
        data = self.pread(len(view), offset)  # pragma: no cover - Windows
        view[: len(data)] = data
        return len(data)

    def identity(self) -> dict:
        st = self.st
        ident = {"path": os.path.realpath(self.path), "size": self.size, "is_block": self.is_block}
        if is_windows_device_path(self.path):  # pragma: no cover - Windows
            ident["path"] = self.path
        elif self.is_block:
            info = _block_device_info(st.st_rdev)
            if info.get("serial") or info.get("wwid"):
                # A disk with a serial number is recognised after being unplugged and plugged back in
                # (it may come back as /dev/sdc instead of /dev/sdb): resume works across that.
                ident = {"size": self.size, "is_block": True}
                ident.update({k: info[k] for k in ("serial", "wwid", "model", "partition_start_sector")
                              if k in info})
            else:
                ident["rdev"] = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
                ident.update(info)
        else:
            ident.update({"dev": st.st_dev, "ino": st.st_ino, "mtime_ns": st.st_mtime_ns})
        return ident

    def metadata(self) -> dict:
        st = self.st
        meta = self.identity()
        meta["path"] = self.path if is_windows_device_path(self.path) else os.path.realpath(self.path)
        if self.is_block and not is_windows_device_path(self.path):
            meta["rdev"] = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
            meta.update(_block_device_info(st.st_rdev))
        meta.update(
            {
                "mode": oct(st.st_mode),
                "uid": st.st_uid,
                "gid": st.st_gid,
                "mtime": utc_iso(st.st_mtime),
                "atime": utc_iso(st.st_atime),
                "ctime": utc_iso(st.st_ctime),
                "sector_size": self.sector_size,
            }
        )
        return meta

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:  # pragma: no cover
            pass


def _logical_sector_size(fd: int) -> int:
    try:
        import fcntl
        import struct

        BLKSSZGET = 0x1268
        buf = fcntl.ioctl(fd, BLKSSZGET, struct.pack("i", 0))
        size = struct.unpack("i", buf)[0]
        return size if size > 0 else SECTOR
    except (OSError, ImportError):
        return SECTOR


def _sys_block_dir(rdev: int) -> Path | None:
    p = Path(f"/sys/dev/block/{os.major(rdev)}:{os.minor(rdev)}")
    try:
        return p.resolve(strict=True)
    except OSError:
        return None


def _block_device_info(rdev: int) -> dict:
    info: dict = {}
    d = _sys_block_dir(rdev)
    if d is None:
        return info
    info["kernel_name"] = d.name
    disk = d.parent if (d / "partition").exists() else d
    for key, rel in (("model", "device/model"), ("serial", "device/serial"), ("vendor", "device/vendor"),
                     ("wwid", "device/wwid")):
        try:
            info[key] = (disk / rel).read_text().strip()
        except OSError:
            pass
    if (d / "partition").exists():
        info["disk"] = disk.name
        try:
            info["partition_start_sector"] = int((d / "start").read_text())
        except (OSError, ValueError):
            pass
    return info


def _dev_family(devnum: int, depth: int = 0) -> set[str]:
    """Kernel names of a block device, its whole disk and everything below it (dm/md/loop slaves)."""
    names: set[str] = set()
    d = _sys_block_dir(devnum)
    if d is None:
        return _mount_backing_devices(devnum, depth) if depth < 4 else names
    stack = [d]
    while stack:
        cur = stack.pop()
        if cur.name in names:
            continue
        names.add(cur.name)
        if (cur / "partition").exists():
            stack.append(cur.parent)
        slaves = cur / "slaves"
        if slaves.is_dir():
            for s in slaves.iterdir():
                try:
                    stack.append(s.resolve(strict=True))
                except OSError:
                    pass
        # loop device backed by a file: the file's device is also "below" it
        backing = cur / "loop" / "backing_file"
        if backing.exists():
            try:
                bst = os.stat(backing.read_text().strip())
                names |= _dev_family(bst.st_dev, depth + 1)
            except OSError:
                pass
    return names


def _unescape_mountinfo(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), text)


def _mount_backing_devices(devnum: int, depth: int = 0, mountinfo: str = "/proc/self/mountinfo") -> set[str]:
    """The block devices behind a mount whose device number is anonymous (0:NN: btrfs, ntfs-3g and other
    fuseblk, overlayfs): /sys/dev/block does not know them, /proc/self/mountinfo names their source."""
    names: set[str] = set()
    want = f"{os.major(devnum)}:{os.minor(devnum)}"
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return names
    for line in lines:
        fields = line.split(" ")
        if len(fields) < 10 or fields[2] != want or "-" not in fields[6:]:
            continue
        sep = fields.index("-", 6)
        source = _unescape_mountinfo(fields[sep + 2]) if len(fields) > sep + 2 else ""
        options = fields[sep + 3] if len(fields) > sep + 3 else ""
        if source.startswith("/dev/"):
            try:
                st = os.stat(source)
                if stat.S_ISBLK(st.st_mode):
                    names |= _dev_family(st.st_rdev, depth + 1)
            except OSError:
                pass
        for opt in options.split(","):
            if opt.startswith("upperdir="):  # overlayfs writes into its upper directory
                try:
                    names |= _dev_family(os.stat(_unescape_mountinfo(opt[len("upperdir="):])).st_dev, depth + 1)
                except OSError:
                    pass
    return names


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def is_windows_device_path(path: str) -> bool:
    """\\\\.\\PhysicalDrive1, \\\\.\\E: and the like (raw disks and volumes on Windows)."""
    return path.startswith(("\\\\.\\", "//./"))


def _windows_device_size(fd: int) -> int | None:  # pragma: no cover - Windows
    import ctypes
    import msvcrt
    from ctypes import wintypes

    IOCTL_DISK_GET_LENGTH_INFO = 0x0007405C
    length = ctypes.c_longlong(0)
    returned = wintypes.DWORD(0)
    handle = wintypes.HANDLE(msvcrt.get_osfhandle(fd))  # type: ignore[attr-defined]  # Windows only
    ok = ctypes.windll.kernel32.DeviceIoControl(  # type: ignore[attr-defined]
        handle, IOCTL_DISK_GET_LENGTH_INFO, None, 0, ctypes.byref(length), ctypes.sizeof(length),
        ctypes.byref(returned), None)
    return int(length.value) if ok else None


def _windows_volume_disk_number(drive: str) -> int | None:  # pragma: no cover - Windows
    """The physical disk number holding a volume (IOCTL_STORAGE_GET_DEVICE_NUMBER on \\\\.\\C:)."""
    import ctypes
    from ctypes import wintypes

    class STORAGE_DEVICE_NUMBER(ctypes.Structure):
        _fields_ = [("DeviceType", wintypes.DWORD), ("DeviceNumber", wintypes.DWORD),
                    ("PartitionNumber", wintypes.DWORD)]

    k32 = ctypes.windll.kernel32  # type: ignore[attr-defined]  # Windows only
    h = k32.CreateFileW(f"\\\\.\\{drive}", 0, 3, None, 3, 0, None)
    if h in (0, -1, ctypes.c_void_p(-1).value):
        return None
    try:
        out = STORAGE_DEVICE_NUMBER()
        returned = wintypes.DWORD(0)
        ok = k32.DeviceIoControl(h, 0x002D1080, None, 0, ctypes.byref(out), ctypes.sizeof(out),
                                 ctypes.byref(returned), None)
        return int(out.DeviceNumber) if ok else None
    finally:
        k32.CloseHandle(h)


def windows_conflict(source_path: str, out_dir: str, disk_number_of=None) -> bool:
    """Would writing into out_dir write onto the Windows device source_path? (volume or physical drive)"""
    import ntpath
    import re as _re

    drive = ntpath.splitdrive(os.path.abspath(out_dir) if os.name == "nt" else out_dir)[0].rstrip("\\").upper()
    name = source_path.replace("/", "\\")[4:].upper()  # after \\.\
    if _re.fullmatch(r"[A-Z]:", name):
        return name == drive
    m = _re.fullmatch(r"PHYSICALDRIVE(\d+)", name)
    if m and drive:
        number = (disk_number_of or _windows_volume_disk_number)(drive)
        return number is None or number == int(m.group(1))  # unknown: refuse, to be safe
    return False


def same_device_reason(out_dir, source_path: str) -> str:
    return (f"refused: the image folder ({out_dir}) is on the device being imaged ({source_path}); "
            "choose another destination drive (a USB or external disk)")


def check_not_same_device(source: Source, out_dir: Path) -> None:
    """Raise SameDeviceRefused if writing into out_dir would write onto the source."""
    if is_windows_device_path(source.path):  # pragma: no cover - Windows
        if windows_conflict(source.path, str(out_dir)):
            raise SameDeviceRefused(
                same_device_reason(out_dir, source.path), path=source.path, out_dir=str(out_dir))
        return
    anchor = _existing_ancestor(out_dir)
    out_st = os.stat(anchor)
    if not source.is_block:
        # A file source: the parts are new files, so nothing can land on the source itself.
        return
    src_names = {n for n in [(_sys_block_dir(source.st.st_rdev) or Path("?")).name]}
    out_family = _dev_family(out_st.st_dev)
    src_dir = _sys_block_dir(source.st.st_rdev)
    # Conflict when the source is the output's partition, its whole disk, or a device beneath it.
    # A different partition of the same disk is fine: nothing is written onto it.
    conflict = bool(src_names & out_family)
    if not conflict and src_dir is not None and not (src_dir / "partition").exists():
        # Whole disk: any of its partitions under the output also conflicts.
        parts = {p.name for p in src_dir.iterdir() if (p / "partition").exists()}
        conflict = bool(parts & out_family)
    if conflict or os.major(out_st.st_dev) == os.major(source.st.st_rdev) and os.minor(out_st.st_dev) == os.minor(
        source.st.st_rdev
    ):
        raise SameDeviceRefused(
            same_device_reason(out_dir, source.path),
            path=source.path,
            out_dir=str(out_dir),
        )


def list_devices(sys_block: str = "/sys/block") -> list[dict]:
    """Disks and partitions the responder may image (Linux): size, model, serial, removable, mount points,
    and whether the running system lives on it (imaging that disk into a case on it is refused)."""
    out: list[dict] = []
    try:
        import psutil

        mounts: dict[str, list[str]] = {}
        for p in psutil.disk_partitions(all=True):
            if p.device.startswith("/dev/"):
                mounts.setdefault(os.path.realpath(p.device), []).append(p.mountpoint)
    except (ImportError, OSError, RuntimeError):  # pragma: no cover - no mount table (some containers)
        mounts = {}
    root_dev = os.stat("/").st_dev if os.path.exists("/") else None
    root_family = _dev_family(root_dev) if root_dev is not None else set()

    def read(path: Path) -> str:
        try:
            return path.read_text().strip()
        except OSError:
            return ""

    base = Path(sys_block)
    if not base.is_dir():
        return out
    for disk in sorted(base.iterdir()):
        size_sectors = read(disk / "size")
        if not size_sectors.isdigit() or int(size_sectors) == 0:
            continue  # empty loop devices, card readers without a card
        entries = [disk] + sorted(p for p in disk.iterdir() if (p / "partition").exists())
        for node in entries:
            name = node.name
            dev = f"/dev/{name}"
            out.append({
                "device": dev,
                "kind": "partition" if node is not disk else "disk",
                "size": int(read(node / "size") or 0) * 512,
                "model": read(disk / "device" / "model"),
                "serial": read(disk / "device" / "serial") or read(disk / "serial"),
                "removable": read(disk / "removable") == "1",
                "read_only": read(node / "ro") == "1",
                "mounted_on": mounts.get(dev, []),
                "system": name in root_family,
                "backing_file": read(disk / "loop" / "backing_file"),
            })
    return out


# ---------------------------------------------------------------------------------------------
# the imaging loop


def _read_chunk(src: Source, offset: int, n: int, sector: int, bad: list[int]) -> bytes:
    """Read n bytes at offset; unreadable sectors become zeros (offsets appended to `bad`)."""
    try:
        data = src.pread(n, offset)
        if len(data) == n:
            return data
    except OSError as exc:
        if exc.errno not in (errno.EIO, errno.ENXIO, errno.EILSEQ, errno.ENODATA, errno.EBADMSG, None):
            raise
        data = b""
    # Short read or error: go sector by sector for the rest of the chunk.
    out = bytearray(data)
    pos = offset + len(data)
    end = offset + n
    while pos < end:
        want = min(sector - (pos % sector), end - pos)
        try:
            piece = src.pread(want, pos)
        except OSError as exc:
            if exc.errno not in (errno.EIO, errno.ENXIO, errno.EILSEQ, errno.ENODATA, errno.EBADMSG, None):
                raise
            bad.append(pos - (pos % sector))
            piece = bytes(want)
        if not piece:
            break  # end of the source
        out += piece
        pos += len(piece)
    return bytes(out)


def _part_path(out_dir: Path, name: str, index: int) -> Path:
    return out_dir / f"{name}.{index + 1:03d}"


def _write_state(state_path: Path, state: dict) -> None:
    tmp = state_path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, state_path)


def _cut_parts(out: Path, name: str, part_size: int, keep: int) -> None:
    """Make the parts hold exactly the first `keep` bytes of the image (durably): truncate, remove the rest."""
    index = keep // part_size
    within = keep % part_size
    k = index
    while _part_path(out, name, k).exists():
        p = _part_path(out, name, k)
        if k == index and within:
            fd = os.open(p, os.O_WRONLY | getattr(os, "O_BINARY", 0))
            try:
                os.ftruncate(fd, within)
                os.fsync(fd)
            finally:
                os.close(fd)
        else:
            p.unlink()
        k += 1


def _keep_after_full(out: Path, name: str, part_size: int, written: int, checkpointed: int, state_path: Path,
                     state: dict, bad: list[int]) -> int:
    """The destination filled up. Keep what was written (down to the whole MiB below it, which gives back room
    for the state file) if a checkpoint for it can be saved, else go back to the last checkpoint. Either way the
    bytes past the kept point go at once: a resume would drop them, and a full case drive cannot record
    anything more (outcome, custody log). Returns the number of bytes kept."""
    target = max(checkpointed, (written - 1) // (1 << 20) * (1 << 20))  # always gives at least 1 byte back
    try:
        if target > checkpointed:
            _cut_parts(out, name, part_size, target)
            try:
                _write_state(state_path, dict(state, done=target, bad_sectors=[b for b in bad if b < target]))
                return target
            except OSError:
                with contextlib.suppress(OSError):
                    state_path.with_suffix(".tmp").unlink()
        _cut_parts(out, name, part_size, checkpointed)  # the state file on disk (if any) says `checkpointed`
    except OSError:
        pass  # nothing more can be done here; a resume discards what lies past the checkpoint
    return checkpointed


def _disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def image_source(
    source: str | os.PathLike | Source,
    out_dir: str | os.PathLike,
    *,
    name: str | None = None,
    part_size: int = FAT32_PART,
    chunk: int = CHUNK,
    algorithms: Iterable[str] = ("sha256", "md5"),
    resume: bool = True,
    verify: bool = False,
    cancel: CancelFlag = None,
    progress: ProgressFn | None = None,
    checkpoint_every: int = CHECKPOINT_EVERY,
) -> ImageResult:
    """Image `source` into `out_dir`; returns the ImageResult, with `cancelled` set when the flag stopped
    it (after a checkpoint, without a manifest: run again to resume). Raises DestinationFull,
    SameDeviceRefused, AccessDenied, SourceError.

    The state file is written before the first byte, so an image killed at any point (even SIGKILL)
    resumes from its last checkpoint when run again with the same source and name."""
    algorithms = tuple(algorithms)
    if "sha256" not in algorithms:
        algorithms = ("sha256",) + algorithms
    if part_size <= 0 or part_size % SECTOR:
        raise ImageError("the part size must be a multiple of 512 bytes", part_size=part_size)
    src = source if isinstance(source, Source) else Source(source)
    out = Path(out_dir)
    try:
        check_not_same_device(src, out)
        name = name or _default_name(src)
        out.mkdir(parents=True, exist_ok=True)
        return _image(src, out, name, part_size, chunk, algorithms, resume, verify, cancel, progress,
                      checkpoint_every)
    finally:
        if not isinstance(source, Source):
            src.close()


def _default_name(src: Source) -> str:
    base = os.path.basename(os.path.realpath(src.path)) or "image"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in base)


def _image(src, out, name, part_size, chunk, algorithms, resume, verify, cancel, progress, checkpoint_every):
    state_path = out / f"{name}.state.json"
    manifest_path = out / f"{name}.manifest.json"
    ident = src.identity()
    started_at = now_iso()
    t0 = time.monotonic()

    # A finished image of the same source: nothing to do.
    if manifest_path.exists() and resume and not state_path.exists():
        try:
            existing = json.loads(manifest_path.read_text(encoding="utf-8"))
            if existing.get("source_identity") == ident and existing.get("complete"):
                return _result_from_manifest(existing, out, manifest_path)
        except (OSError, ValueError):
            pass

    done = 0
    bad: list[int] = []
    state = None
    if resume and state_path.exists():
        try:
            state = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = None
        if state and (state.get("source_identity") != ident or state.get("part_size") != part_size
                      or tuple(state.get("algorithms", ())) != algorithms):
            state = None
    if state:
        done = int(state["done"])
        bad = list(state.get("bad_sectors", []))
    else:
        for stale in out.glob(f"{name}.[0-9][0-9][0-9]"):
            stale.unlink()
        if manifest_path.exists():
            manifest_path.unlink()
    resumed_from = done
    # Parts written after the checkpoint (before an interruption) are dropped.
    k = done // part_size + 1
    while _part_path(out, name, k).exists():
        _part_path(out, name, k).unlink()
        k += 1

    total = src.size
    sector = src.sector_size
    if total:
        chunk = max(SECTOR, min(chunk, total))  # small sources: small buffers
    # One part only (the usual case below 4 GiB): its hash is the image's SHA-256, no second pass.
    per_part = not total or total > part_size
    pool = _Pool(_POOL_BUFFERS, chunk)
    hashers = _Hashers(algorithms, per_part)
    writer = None
    state_base = {"version": 1, "source_identity": ident, "part_size": part_size, "algorithms": list(algorithms),
                  "sector_size": sector}
    pos = done
    last_checkpoint = done
    try:
        if done:
            if not _rehash_existing(out, name, part_size, done, hashers, pool, cancel, progress):
                return _stopped(src, out, name, manifest_path, done, resumed_from, started_at, bad,
                                cancelled_note("re-hashing the parts already written"))
        else:
            _write_state(state_path, dict(state_base, done=0, bad_sectors=[], updated_at=now_iso()))
        writer = _Writer(out, name, part_size, done, state_path)
        meter = RateMeter(total, done, progress)
        readinto = getattr(src, "readinto", None)
        meter.report("image", pos, f"imaging {src.path} ({human_size(total)})")
        while True:
            if writer.error is not None:
                break
            if cancel_requested(cancel):
                writer.checkpoint(pos, dict(state_base, bad_sectors=list(bad), updated_at=now_iso()))
                writer.close()
                writer_done = writer
                writer = None
                if writer_done.error is None:
                    return _stopped(src, out, name, manifest_path, pos, resumed_from, started_at, bad,
                                    f"imaging cancelled at {human_size(pos)}/{human_size(total)}; run it again "
                                    "to resume from there")
                writer = writer_done
                break
            want = min(chunk, total - pos) if total else chunk
            if total and want <= 0:
                break
            i = pool.acquire()
            buf = pool.views[i]
            n = 0
            try:
                n = readinto(buf[:want], pos) if readinto else 0
            except OSError as exc:
                if exc.errno not in _MEDIA_ERRORS:
                    pool.release(i)
                    raise
                n = 0
            if n < want and (not total or pos + n < total):
                rest = _read_chunk(src, pos + n, want - n, sector, bad)
                buf[n:n + len(rest)] = rest
                n += len(rest)
            if n == 0:
                pool.release(i)
                break
            view = buf[:n]
            # Hash pieces split at part boundaries (per-part digests), write the whole chunk.
            pieces = []
            p, v = pos, view
            while v:
                room = (p // part_size + 1) * part_size - p
                pieces.append(v[:room])
                p += len(v[:room])
                v = v[room:]
            pool.ref(i, len(pieces) * len(hashers.workers) + 1)
            release = functools.partial(pool.release, i)
            for piece_pos, piece in _with_positions(pos, pieces):
                hashers.feed(piece, release)
                if per_part and (piece_pos + len(piece)) % part_size == 0:
                    hashers.end_part()
            writer.data(view, release)
            pool.release(i)
            pos += n
            if pos - last_checkpoint >= checkpoint_every:
                writer.checkpoint(pos, dict(state_base, bad_sectors=list(bad), updated_at=now_iso()))
                last_checkpoint = pos
            meter.report("image", pos)
        if writer is not None:
            writer.close()
            if writer.error is not None:
                failure = writer.error
                if isinstance(failure, OSError) and _disk_full(failure):
                    kept = _keep_after_full(out, name, part_size, writer.pos, writer.checkpointed, state_path,
                                            dict(state_base, updated_at=now_iso()), bad)
                    raise DestinationFull(
                        f"the destination filled up after {human_size(writer.pos)}: the first {human_size(kept)} "
                        f"of the image are kept (the part written after them was removed to give the room back); "
                        f"free space and run again to resume at {human_size(kept)}, or choose another drive",
                        done=kept) from failure
                raise failure
        if per_part and pos % part_size:
            hashers.end_part()
        if pos == 0:
            _part_path(out, name, 0).touch()
        hashes = hashers.finish()
        part_digests = list(hashers.part_digests) if per_part else [hashes["sha256"]]
        hashers = None
    finally:
        if writer is not None and writer.thread.is_alive():
            # Stopped from outside (an error, or the caller stopped waiting): keep what was written.
            if writer.error is None and pos > last_checkpoint:
                writer.checkpoint(pos, dict(state_base, bad_sectors=list(bad), updated_at=now_iso()))
            writer.close()
        if hashers is not None:
            hashers.abandon()

    n_parts = max(1, -(-pos // part_size))
    parts = []
    for i in range(n_parts):
        p = _part_path(out, name, i)
        parts.append(ImagePart(str(p), p.stat().st_size, part_digests[i] if i < len(part_digests) else ""))

    result = ImageResult(
        name=name, out_dir=str(out), source=src.path, size=pos, hashes=hashes, parts=parts,
        bad_sectors=sorted(set(bad)), sector_size=sector, manifest_path=str(manifest_path),
        source_meta=src.metadata(), resumed_from=resumed_from, started_at=started_at,
    )
    if verify:
        result.verify_hashes = _verify(src, algorithms, chunk, cancel, progress)
        if result.verify_hashes is None:  # the image is written and checkpointed: a rerun verifies it
            result.cancelled, result.note = True, cancelled_note("verifying the source")
            return result
        result.verified = result.verify_hashes == hashes
    result.finished_at = now_iso()
    result.seconds = round(time.monotonic() - t0, 3)
    manifest = _manifest(result, ident, algorithms, part_size)
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, manifest_path)
    try:
        state_path.unlink()
    except FileNotFoundError:
        pass
    report(progress, pos, total, f"image of {human_size(pos)} written; SHA-256 {hashes['sha256']}", stage="done")
    return result


def _stopped(src, out: Path, name: str, manifest_path: Path, pos: int, resumed_from: int, started_at: str,
             bad: list[int], note: str) -> ImageResult:
    """The result of an image stopped by its flag: what was written up to the checkpoint, no manifest."""
    return ImageResult(name=name, out_dir=str(out), source=src.path, size=pos, hashes={}, parts=[],
                       bad_sectors=sorted(set(bad)), sector_size=src.sector_size, manifest_path=str(manifest_path),
                       source_meta=src.metadata(), resumed_from=resumed_from, started_at=started_at,
                       finished_at=now_iso(), cancelled=True, note=note)


def _with_positions(pos: int, pieces):
    for piece in pieces:
        yield pos, piece
        pos += len(piece)


def _rehash_existing(out, name, part_size, done, hashers: _Hashers, pool: _Pool, cancel: CancelFlag,
                     progress) -> bool:
    """Feed the parts already written (up to the checkpoint) to the hashers, to resume; False when the
    flag stopped it."""
    pos = 0
    index = 0
    meter = RateMeter(done, progress=progress)
    per_part = hashers.part_worker is not None
    while pos < done:
        p = _part_path(out, name, index)
        want_in_part = min(part_size, done - pos)
        try:
            fh = open(p, "rb", buffering=0)
        except FileNotFoundError:
            raise ImageError(f"image part {p} is missing, so the image cannot resume; image it again from the start",
                             path=str(p)) from None
        with fh:
            got = 0
            while got < want_in_part:
                if cancel_requested(cancel):
                    return False
                i = pool.acquire()
                view = pool.views[i][: min(len(pool.buffers[i]), want_in_part - got)]
                n = fh.readinto(view)
                if not n:
                    pool.release(i)
                    raise ImageError(f"image part {p} is shorter than its checkpoint; image it again from the start",
                                     path=str(p))
                pool.ref(i, len(hashers.workers))
                hashers.feed(view[:n], functools.partial(pool.release, i))
                pool.release(i)
                got += n
                meter.report("rehash", pos + got, "re-hashing the parts already written, to resume")
        pos += want_in_part
        if want_in_part == part_size and per_part:
            hashers.end_part()
        index += 1
    return True


def _verify(src: Source, algorithms, chunk, cancel: CancelFlag, progress) -> dict[str, str] | None:
    """The source read again and hashed; None when the flag stopped it."""
    hs = {a: hashlib.new(a) for a in algorithms}
    pos = 0
    meter = RateMeter(src.size, progress=progress)
    bad: list[int] = []
    while True:
        if cancel_requested(cancel):
            return None
        want = min(chunk, src.size - pos) if src.size else chunk
        if src.size and want <= 0:
            break
        data = _read_chunk(src, pos, want, src.sector_size, bad)
        if not data:
            break
        for h in hs.values():
            h.update(data)
        pos += len(data)
        meter.report("verify", pos, "reading the source again to verify")
    return {a: h.hexdigest() for a, h in hs.items()}


def _manifest(result: ImageResult, ident: dict, algorithms, part_size: int) -> dict:
    return {
        "format": "ungcuu-raw-image-manifest",
        "version": 1,
        "complete": True,
        "tool": f"UngCuu {__version__}",
        "name": result.name,
        "source": result.source,
        "source_identity": ident,
        "source_meta": result.source_meta,
        "size": result.size,
        "hashes": result.hashes,
        "algorithms": list(algorithms),
        "part_size": part_size,
        "parts": [{"file": os.path.basename(p.path), "size": p.size, "sha256": p.sha256} for p in result.parts],
        "sector_size": result.sector_size,
        "bad_sectors": result.bad_sectors,
        "bad_sector_note": "unreadable sectors are zero-filled in the image; offsets in bytes",
        "resumed_from": result.resumed_from,
        "verified": result.verified,
        "verify_hashes": result.verify_hashes,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "seconds": result.seconds,
    }


def _result_from_manifest(m: dict, out: Path, manifest_path: Path) -> ImageResult:
    return ImageResult(
        name=m["name"], out_dir=str(out), source=m["source"], size=m["size"], hashes=m["hashes"],
        parts=[ImagePart(str(out / p["file"]), p["size"], p["sha256"]) for p in m["parts"]],
        bad_sectors=m["bad_sectors"], sector_size=m["sector_size"], manifest_path=str(manifest_path),
        source_meta=m["source_meta"], resumed_from=m.get("resumed_from", 0), verified=m.get("verified"),
        verify_hashes=m.get("verify_hashes"), started_at=m.get("started_at", ""),
        finished_at=m.get("finished_at", ""), seconds=m.get("seconds", 0.0),
    )
