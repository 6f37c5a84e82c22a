"""Memory acquisition (checklist B6): process dumps and full physical memory.

* Linux process: every readable region of /proc/PID/maps read from /proc/PID/mem, written one after
  the other; a map (JSON) says where each region sits in the dump, what could not be read and why.
* Windows process: MiniDumpWriteDump (dbghelp) with full memory, through ctypes. The Win32 functions
  are looked up through an object that tests replace by a fake.
* Physical memory on Linux: /proc/kcore (an ELF core of the kernel's view) rewritten in LiME format
  (what Volatility 3 and others read), limited to the "System RAM" ranges of /proc/iomem. When the
  kernel does not allow it, `physical_memory_blockers()` says exactly why, and the responder may run an
  acquirer they bring (avml, winpmem): `run_external_acquirer` records its path, hash and output.
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Callable

from collectors.acquire.common import CancelFlag, ProgressFn, RateMeter, cancel_requested, human_size
from collectors.errors import AccessDenied, NoSuchProcess, NotApplicable, SourceError
from collectors.util import is_admin

CHUNK = 1 << 20
PAGE = 4096
LIME_MAGIC = 0x4C694D45
LIME_VERSION = 1
_LIME_HEADER = struct.Struct("<IIQQ8s")


# ---------------------------------------------------------------------------------------------
# Linux process memory


@dataclass
class Region:
    start: int
    end: int
    perms: str
    offset: int
    dev: str
    inode: int
    path: str
    dump_offset: int | None = None
    bytes_read: int = 0
    unreadable: list = field(default_factory=list)  # [(address, length, reason)]
    skipped: str = ""

    @property
    def size(self) -> int:
        return self.end - self.start


_MAPS_LINE = re.compile(
    r"^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+(\S+)\s+(\d+)\s*(.*)$")
# Never read: [vvar] faults on read on some kernels; [vsyscall] is the same fixed page everywhere.
_SKIP = {"[vvar]": "the kernel's [vvar] area (reading it fails)", "[vvar_vclock]": "the kernel's [vvar_vclock] area",
         "[vsyscall]": "the fixed [vsyscall] page, the same in every process"}


def parse_maps(text: str) -> list[Region]:
    regions = []
    for line in text.splitlines():
        m = _MAPS_LINE.match(line)
        if not m:
            continue
        regions.append(Region(int(m[1], 16), int(m[2], 16), m[3], int(m[4], 16), m[5], int(m[6]), m[7].strip()))
    return regions


def _proc_read_maps(pid: int, proc: str = "/proc") -> tuple[str, str]:
    try:
        with open(f"{proc}/{pid}/maps", encoding="utf-8", errors="replace") as fh:
            maps = fh.read()
        with open(f"{proc}/{pid}/comm", encoding="utf-8", errors="replace") as fh:
            comm = fh.read().strip()
    except FileNotFoundError as exc:
        raise NoSuchProcess(f"process {pid} no longer exists", pid=pid) from exc
    except PermissionError as exc:
        raise AccessDenied(f"no permission to read the memory of process {pid} (needs root)", pid=pid) from exc
    return maps, comm


def estimate_process(pid: int, proc: str = "/proc") -> int:
    """Bytes a dump of the process would hold (readable regions), to show before starting."""
    maps, _ = _proc_read_maps(pid, proc)
    return sum(r.size for r in parse_maps(maps) if r.perms[0] == "r" and r.path not in _SKIP)


@dataclass
class ProcessDump:
    pid: int
    name: str
    size: int
    sha256: str
    regions: list[Region]
    readable_regions: int
    unreadable_bytes: int
    cancelled: bool = False  # stopped by the flag: the dump holds the regions before it

    def map_json(self) -> dict:
        return {
            "format": "ungcuu-process-dump-map",
            "version": 1,
            "pid": self.pid,
            "name": self.name,
            "dump_size": self.size,
            "dump_sha256": self.sha256,
            "note": ("the dump holds the readable regions one after the other, in order; 'dump_offset' is where "
                     "each region starts in it; a region that could not be read has 'unreadable' (address, "
                     "length, reason)"),
            "regions": [asdict(r) for r in self.regions],
        }


def dump_process_linux(pid: int, sink: Callable[[bytes], object], *, cancel: CancelFlag = None,
                       progress: ProgressFn | None = None, proc: str = "/proc") -> ProcessDump:
    """Read every readable region of a live process; write the bytes to `sink` (hashed here too). When the
    flag stops it, the result says `cancelled` (the caller, who raised it, discards the partial dump)."""
    maps, comm = _proc_read_maps(pid, proc)
    regions = parse_maps(maps)
    try:
        fd = os.open(f"{proc}/{pid}/mem", os.O_RDONLY)
    except FileNotFoundError as exc:
        raise NoSuchProcess(f"process {pid} ({comm}) has ended", pid=pid, name=comm) from exc
    except PermissionError as exc:
        raise AccessDenied(
            f"no permission to read the memory of process {pid} ({comm}): needs root (or CAP_SYS_PTRACE, "
            f"see /proc/sys/kernel/yama/ptrace_scope)", pid=pid, name=comm) from exc
    h = hashlib.sha256()
    total = sum(r.size for r in regions if r.perms[0] == "r" and r.path not in _SKIP)
    meter = RateMeter(total, progress=progress)
    written = 0
    done = 0
    unreadable = 0
    stopped = False
    try:
        for r in regions:
            if cancel_requested(cancel):
                stopped = True
                break
            if r.perms[0] != "r":
                r.skipped = "a region without read permission (---p): no data to read"
                continue
            if r.path in _SKIP:
                r.skipped = _SKIP[r.path]
                continue
            r.dump_offset = written
            addr = r.start
            while addr < r.end:
                n = min(CHUNK, r.end - addr)
                try:
                    data = os.pread(fd, n, addr)
                except OSError as exc:
                    if exc.errno == errno.ESRCH:
                        raise NoSuchProcess(f"process {pid} ({comm}) ended during the dump", pid=pid,
                                            name=comm) from exc
                    data = _read_pages(fd, addr, n, r)
                if not data:
                    if not os.path.exists(f"{proc}/{pid}"):
                        raise NoSuchProcess(f"process {pid} ({comm}) ended during the dump", pid=pid,
                                            name=comm)
                    r.unreadable.append((addr, n, "0 bytes read"))
                    data = b""
                if len(data) < n:
                    missing = n - len(data)
                    if not r.unreadable or r.unreadable[-1][0] + r.unreadable[-1][1] != addr + len(data):
                        r.unreadable.append((addr + len(data), missing, "shorter than asked"))
                    data = data + bytes(missing)  # keep offsets in the dump aligned with the map
                    unreadable += missing
                h.update(data)
                sink(data)
                written += len(data)
                r.bytes_read += n
                addr += n
                done += n
                meter.report("dump", done, f"PID {pid} ({comm}): {human_size(done)}")
    finally:
        os.close(fd)
    readable = sum(1 for r in regions if r.dump_offset is not None)
    return ProcessDump(pid, comm, written, h.hexdigest(), regions, readable, unreadable, cancelled=stopped)


def _read_pages(fd: int, addr: int, n: int, region: Region) -> bytes:
    """Page by page after a failed chunk; failed pages become zeros and are listed."""
    out = bytearray()
    pos = addr
    while pos < addr + n:
        step = min(PAGE - (pos % PAGE), addr + n - pos)
        try:
            piece = os.pread(fd, step, pos)
        except OSError as exc:
            piece = b""
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            if region.unreadable and region.unreadable[-1][0] + region.unreadable[-1][1] == pos:
                a, length, why = region.unreadable[-1]
                region.unreadable[-1] = (a, length + step, why)
            else:
                region.unreadable.append((pos, step, reason))
        out += piece if len(piece) == step else piece + bytes(step - len(piece))
        pos += step
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Windows process memory (MiniDumpWriteDump)

PROCESS_QUERY_INFORMATION = 0x0400
PROCESS_VM_READ = 0x0010
GENERIC_WRITE = 0x40000000
CREATE_ALWAYS = 2
FILE_ATTRIBUTE_NORMAL = 0x80
INVALID_HANDLE_VALUE = -1
MINIDUMP_WITH_FULL_MEMORY = 0x00000002
MINIDUMP_WITH_HANDLE_DATA = 0x00000004
MINIDUMP_WITH_UNLOADED_MODULES = 0x00000020
MINIDUMP_WITH_THREAD_INFO = 0x00001000
MINIDUMP_FULL = (MINIDUMP_WITH_FULL_MEMORY | MINIDUMP_WITH_HANDLE_DATA | MINIDUMP_WITH_UNLOADED_MODULES
                 | MINIDUMP_WITH_THREAD_INFO)
ERROR_ACCESS_DENIED = 5
_DEBUG_PRIVILEGE: list = []  # the outcome of enabling SeDebugPrivilege (None: enabled), once per process
ERROR_INVALID_PARAMETER = 87


class WinApi:
    """The Win32 calls the dumper needs (real ones on Windows; tests pass a fake with the same methods)."""

    def __init__(self):
        if not sys.platform.startswith("win"):
            raise NotApplicable("MiniDumpWriteDump exists only on Windows")
        from ctypes import wintypes

        k32 = ctypes.WinDLL("kernel32", use_last_error=True)
        dbg = ctypes.WinDLL("dbghelp", use_last_error=True)
        k32.OpenProcess.restype = wintypes.HANDLE
        k32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        k32.CreateFileW.restype = wintypes.HANDLE
        k32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, ctypes.c_void_p,
                                    wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
        k32.CloseHandle.argtypes = [wintypes.HANDLE]
        dbg.MiniDumpWriteDump.restype = wintypes.BOOL
        dbg.MiniDumpWriteDump.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.HANDLE, ctypes.c_int,
                                          ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        self.k32, self.dbg = k32, dbg

    def OpenProcess(self, access, inherit, pid):
        return self.k32.OpenProcess(access, inherit, pid)

    def CreateFileW(self, path, access, share, security, disposition, flags, template):
        return self.k32.CreateFileW(path, access, share, security, disposition, flags, template)

    def MiniDumpWriteDump(self, hprocess, pid, hfile, dump_type, exc, user, callback):
        return self.dbg.MiniDumpWriteDump(hprocess, pid, hfile, dump_type, exc, user, callback)

    def CloseHandle(self, h):
        return self.k32.CloseHandle(h)

    def GetLastError(self):
        return ctypes.get_last_error()


def dump_process_windows(pid: int, out_path: str, *, api=None, dump_type: int = MINIDUMP_FULL,
                         privilege_api=None) -> int:
    """Write a full-memory minidump of `pid` to out_path; returns its size. Errors are UngCuuErrors.

    SeDebugPrivilege is enabled first (once per process, collectors/acquire/winpriv.py); without it a
    process that refuses is still an AccessDenied for that process alone."""
    from .winpriv import enable_debug_privilege

    if privilege_api is not None or api is None:
        if not _DEBUG_PRIVILEGE:
            _DEBUG_PRIVILEGE.append(enable_debug_privilege(privilege_api))
    api = api or WinApi()
    hproc = api.OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, False, pid)
    if not hproc:
        err = api.GetLastError()
        if err == ERROR_ACCESS_DENIED:
            raise AccessDenied(f"no permission to open process {pid}: run as Administrator "
                               f"(a protected process such as lsass may still refuse)", pid=pid)
        if err == ERROR_INVALID_PARAMETER:
            raise NoSuchProcess(f"process {pid} no longer exists", pid=pid)
        raise SourceError(f"OpenProcess({pid}) failed, Windows error {err}", pid=pid, winerror=err)
    try:
        hfile = api.CreateFileW(str(out_path), GENERIC_WRITE, 0, None, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, None)
        if hfile in (None, 0, INVALID_HANDLE_VALUE, ctypes.c_void_p(-1).value):
            err = api.GetLastError()
            raise SourceError(f"cannot create the dump file {out_path} (error {err})", path=str(out_path),
                              winerror=err)
        try:
            ok = api.MiniDumpWriteDump(hproc, pid, hfile, dump_type, None, None, None)
            if not ok:
                err = api.GetLastError()
                # HRESULT_FROM_WIN32(ERROR_PARTIAL_COPY) = 0x8007012B: the process changed or exited
                if err in (0x8007012B, 299):
                    raise NoSuchProcess(f"process {pid} changed or ended during the dump", pid=pid)
                if err == ERROR_ACCESS_DENIED:
                    raise AccessDenied(f"refused while dumping process {pid}", pid=pid)
                raise SourceError(f"MiniDumpWriteDump({pid}) failed, error {err}", pid=pid, winerror=err)
        finally:
            api.CloseHandle(hfile)
    finally:
        api.CloseHandle(hproc)
    return os.path.getsize(out_path)


# ---------------------------------------------------------------------------------------------
# physical memory


def physical_memory_blockers(kcore: str = "/proc/kcore", *, lockdown_path: str = "/sys/kernel/security/lockdown",
                             root: bool | None = None) -> list[str]:
    """Why a full memory image from /proc/kcore is impossible here (empty list: possible)."""
    reasons: list[str] = []
    if not sys.platform.startswith("linux"):
        return ["not Linux: use an external memory acquirer (winpmem, for example) with --acquirer"]
    if root is None:
        root = is_admin()
    if not os.path.exists(kcore):
        reasons.append(f"no {kcore}: the kernel was built without CONFIG_PROC_KCORE "
                       f"(or this is a restricted container or virtual machine)")
    if not root:
        reasons.append("not running as root: only root can read /proc/kcore")
    try:
        with open(lockdown_path, encoding="ascii") as fh:
            mode = re.search(r"\[(\w+)\]", fh.read())
        if mode and mode.group(1) == "confidentiality":
            reasons.append("kernel lockdown is in 'confidentiality' mode (usually from Secure Boot): the kernel "
                           "blocks reading /proc/kcore")
    except OSError:
        pass
    if _in_container():
        reasons.append("running in a container: /proc/kcore (if any) does not show the host's whole memory")
    if root and os.path.exists(kcore) and not reasons:
        try:
            with open(kcore, "rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    reasons.append(f"{kcore} is not a valid ELF core file")
        except PermissionError:
            reasons.append(f"reading {kcore} was refused (SELinux/AppArmor or lockdown)")
        except OSError as exc:
            reasons.append(f"cannot read {kcore}: {exc.strerror}")
    return reasons


def _in_container() -> bool:
    if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv"):
        return True
    try:
        with open("/proc/1/cgroup", encoding="ascii", errors="replace") as fh:
            text = fh.read()
        return any(k in text for k in ("docker", "kubepods", "containerd", "lxc", "libpod"))
    except OSError:
        return False


@dataclass
class ElfSegment:
    p_type: int
    p_offset: int
    p_vaddr: int
    p_paddr: int
    p_filesz: int
    p_memsz: int


PT_LOAD = 1


def parse_elf_segments(read_at: Callable[[int, int], bytes]) -> list[ElfSegment]:
    """Program headers of a 64-bit little-endian ELF core (what /proc/kcore is on x86-64/arm64)."""
    ident = read_at(0, 64)
    if len(ident) < 64 or ident[:4] != b"\x7fELF":
        raise SourceError("not an ELF file (no \\x7fELF signature)")
    if ident[4] != 2 or ident[5] != 1:
        raise SourceError("only 64-bit little-endian ELF is supported")
    e_phoff = struct.unpack_from("<Q", ident, 0x20)[0]
    e_phentsize, e_phnum = struct.unpack_from("<HH", ident, 0x36)
    table = read_at(e_phoff, e_phentsize * e_phnum)
    segs = []
    for i in range(e_phnum):
        p_type, _flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", table, i * e_phentsize)
        segs.append(ElfSegment(p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz))
    return segs


def parse_iomem(text: str) -> list[tuple[int, int]]:
    """Top-level 'System RAM' ranges of /proc/iomem as (start, end inclusive)."""
    out = []
    for line in text.splitlines():
        if line.startswith(" "):
            continue
        m = re.match(r"^([0-9a-fA-F]+)-([0-9a-fA-F]+) : System RAM\s*$", line)
        if m:
            out.append((int(m[1], 16), int(m[2], 16)))
    return out


def lime_plan(segments: list[ElfSegment], ram: list[tuple[int, int]] | None) -> list[tuple[int, int, int]]:
    """(physical start, physical end inclusive, file offset) pieces to copy, sorted by address."""
    loads = [s for s in segments if s.p_type == PT_LOAD and s.p_filesz > 0
             and s.p_paddr not in (0xFFFFFFFFFFFFFFFF,)]
    pieces = []
    if ram is None:
        ram = [(s.p_paddr, s.p_paddr + s.p_filesz - 1) for s in loads]
    for start, end in ram:
        for s in loads:
            lo = max(start, s.p_paddr)
            hi = min(end, s.p_paddr + s.p_filesz - 1)
            if lo <= hi:
                pieces.append((lo, hi, s.p_offset + (lo - s.p_paddr)))
    pieces.sort()
    merged: list[tuple[int, int, int]] = []
    for lo, hi, off in pieces:
        if merged and merged[-1][1] >= lo:  # overlapping segments (kcore maps RAM twice): keep one
            if hi <= merged[-1][1]:
                continue
            off += merged[-1][1] + 1 - lo
            lo = merged[-1][1] + 1
        merged.append((lo, hi, off))
    return merged


def write_lime(read_at: Callable[[int, int], bytes], sink: Callable[[bytes], object], *,
               ram: list[tuple[int, int]] | None = None, cancel: CancelFlag = None,
               progress: ProgressFn | None = None) -> dict:
    """Rewrite an ELF core (e.g. /proc/kcore) as LiME: one 32-byte header + data per physical range.
    "cancelled": True when the flag stopped it (the caller, who raised it, discards the partial copy)."""
    segments = parse_elf_segments(read_at)
    plan = lime_plan(segments, ram)
    if not plan:
        raise SourceError("no physical memory range to write (no PT_LOAD matches the System RAM)")
    total = sum(hi - lo + 1 for lo, hi, _ in plan)
    meter = RateMeter(total, progress=progress)
    done = 0
    h = hashlib.sha256()
    size = 0
    unreadable = []
    stopped = False
    for lo, hi, off in plan:
        if stopped:
            break
        header = _LIME_HEADER.pack(LIME_MAGIC, LIME_VERSION, lo, hi, b"\0" * 8)
        sink(header)
        h.update(header)
        size += len(header)
        pos = 0
        length = hi - lo + 1
        while pos < length:
            if cancel_requested(cancel):
                stopped = True
                break
            n = min(CHUNK, length - pos)
            try:
                data = read_at(off + pos, n)
            except OSError as exc:
                data = b""
                unreadable.append((lo + pos, n, exc.strerror or str(exc)))
            if len(data) < n:
                if data or not unreadable or unreadable[-1][0] != lo + pos:
                    unreadable.append((lo + pos + len(data), n - len(data), "short read"))
                data = data + bytes(n - len(data))
            sink(data)
            h.update(data)
            size += n
            pos += n
            done += n
            meter.report("lime", done, f"physical memory: {human_size(done)}/{human_size(total)}")
    return {"format": "lime", "ranges": [(lo, hi) for lo, hi, _ in plan], "size": size,
            "sha256": h.hexdigest(), "unreadable": unreadable, "cancelled": stopped}


def acquire_kcore_lime(sink: Callable[[bytes], object], *, kcore: str = "/proc/kcore", iomem: str = "/proc/iomem",
                       cancel: CancelFlag = None,
                       blockers: Callable[[str], list[str]] | None = None, progress: ProgressFn | None = None) -> dict:
    """/proc/kcore -> LiME, limited to the System RAM of /proc/iomem (`blockers` checks first)."""
    reasons = (blockers or physical_memory_blockers)(kcore)
    if reasons:
        raise NotApplicable("the whole physical memory cannot be acquired: " + "; ".join(reasons), reasons=reasons)
    with open(iomem, encoding="ascii") as fh:
        ram = parse_iomem(fh.read())
    if not ram or all(s == 0 and e == 0 for s, e in ram):
        raise NotApplicable(f"{iomem} hides the addresses (all zeros): needs real root (not only in a namespace)")
    fd = os.open(kcore, os.O_RDONLY)
    try:
        result = write_lime(lambda off, n: os.pread(fd, n, off), sink, ram=ram, cancel=cancel, progress=progress)
    finally:
        os.close(fd)
    return result


def physical_memory_size() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except (OSError, RuntimeError):  # pragma: no cover - no memory accounting (some containers)
        return None


# ---------------------------------------------------------------------------------------------
# an acquirer the responder brings


@dataclass
class ExternalRun:
    tool: str
    tool_sha256: str
    argv: list[str]
    returncode: int
    output: str
    stdout_tail: str
    stderr_tail: str


def run_external_acquirer(tool: str, args: list[str], output: str, *, timeout: float | None = None) -> ExternalRun:
    """Run e.g. `avml OUTPUT` or `winpmem_mini.exe OUTPUT`; '{output}' in args is replaced by the path."""
    path = shutil.which(tool) or tool
    if not os.path.isfile(path):
        raise SourceError(f"memory acquirer not found: {tool}", path=tool)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    argv = [path] + [a.replace("{output}", output) for a in args]
    if not any("{output}" in a for a in args):
        argv.append(output)
    proc = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return ExternalRun(path, h.hexdigest(), argv, proc.returncode, output,
                       proc.stdout.decode("utf-8", "replace")[-2000:], proc.stderr.decode("utf-8", "replace")[-2000:])
