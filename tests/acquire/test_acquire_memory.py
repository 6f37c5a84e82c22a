"""B6: process memory dumps (Linux /proc/PID/mem; Windows MiniDumpWriteDump with a fake API), the LiME
writer on a synthetic ELF core, the physical-memory refusal reasons, deleted-but-open files."""
from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import threading

import pytest

from collectors.acquire import memory, openfiles
from collectors.errors import AccessDenied, NoSuchProcess, NotApplicable, SourceError

from .conftest import needs_root, payload

CHILD = r"""
import os, sys, time
marker = ("UNGCUU-MARKER-" + os.urandom(8).hex()).encode()
keep = bytearray(marker * 3)           # in the heap of this process only
sys.stdout.write(marker.decode() + "\n"); sys.stdout.flush()
sys.stdin.readline()
"""


@pytest.fixture
def child():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    marker = proc.stdout.readline().strip()
    yield proc, marker
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_child_dump_holds_its_marker(child):
    proc, marker = child
    buf = bytearray()
    dump = memory.dump_process_linux(proc.pid, buf.extend)
    assert marker.encode() * 3 in buf
    assert dump.size == len(buf) and dump.sha256 == hashlib.sha256(buf).hexdigest()
    assert dump.name.startswith("python")
    # The map says where each region is: the marker lies inside a readable region at the right place.
    at = bytes(buf).find(marker.encode() * 3)
    regions = [r for r in dump.regions if r.dump_offset is not None and r.dump_offset <= at < r.dump_offset + r.size]
    assert len(regions) == 1 and "r" in regions[0].perms
    mp = dump.map_json()
    json.dumps(mp)
    assert any(r["path"] == "[heap]" for r in mp["regions"])
    assert all(r["skipped"] for r in mp["regions"] if r["path"] == "[vvar]")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_dump_errors_vanished_and_cancel(child):
    proc, _ = child
    with pytest.raises(NoSuchProcess):
        memory.dump_process_linux(2 ** 22 + 12345, bytearray().extend)
    cancel = threading.Event()
    cancel.set()
    sink = bytearray()
    dump = memory.dump_process_linux(proc.pid, sink.extend, cancel=cancel)
    assert dump.cancelled and dump.size == 0 and not sink


@needs_root
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_dump_refused_without_privileges(child):
    proc, _ = child
    code = (
        "import os, sys\n"
        "from collectors.acquire import memory\n"
        "from collectors.errors import AccessDenied\n"
        "os.setgid(65534); os.setuid(65534)  # after the imports: /root may be unreadable to nobody\n"
        "try:\n"
        f"    list(memory.dump_process_linux({proc.pid}, lambda b: None))\n"
        "except AccessDenied as exc:\n"
        "    print('DENIED', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert "DENIED" in out.stdout and "root" in out.stdout, out.stderr


def _elf_core(segments: list[tuple[int, int, bytes]]) -> bytes:
    """A minimal ELF64 LE core: (vaddr, paddr, data) PT_LOAD segments plus one PT_NOTE."""
    phnum = len(segments) + 1
    phoff = 64
    data_off = phoff + 56 * phnum
    header = bytearray(64)
    header[:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", header, 16, 4, 62, 1, 0, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    phdrs = bytearray()
    body = bytearray()
    phdrs += struct.pack("<IIQQQQQQ", 4, 0, data_off, 0, 0, 0, 0, 4)  # PT_NOTE, empty
    off = data_off
    for vaddr, paddr, data in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 7, off, vaddr, paddr, len(data), len(data), 4096)
        body += data
        off += len(data)
    return bytes(header) + bytes(phdrs) + bytes(body)


def _parse_lime(blob: bytes) -> list[tuple[int, int, bytes]]:
    out = []
    pos = 0
    while pos < len(blob):
        magic, version, start, end, _ = struct.unpack_from("<IIQQ8s", blob, pos)
        assert magic == 0x4C694D45 and version == 1
        pos += 32
        n = end - start + 1
        out.append((start, end, blob[pos:pos + n]))
        pos += n
    return out


def test_lime_writer_on_a_synthetic_elf_core(tmp_path):
    low = payload(0x9F000, 1)  # 0x1000-0x9ffff
    high = payload(0x300000, 2)  # 0x100000-0x3fffff
    vmalloc = payload(0x1000, 3)
    core = _elf_core([
        (0xFFFF888000001000, 0x1000, low),
        (0xFFFF888000100000, 0x100000, high),
        (0xFFFFC90000000000, 0xFFFFFFFFFFFFFFFF, vmalloc),  # no physical address: never written
    ])
    path = tmp_path / "kcore"
    path.write_bytes(core)
    iomem = ("00000000-00000fff : Reserved\n"
             "00001000-0009ffff : System RAM\n"
             "000a0000-000fffff : Reserved\n"
             "00100000-002fffff : System RAM\n"
             "  00200000-00210000 : Kernel code\n"
             "fed00000-fed003ff : HPET 0\n")
    ram = memory.parse_iomem(iomem)
    assert ram == [(0x1000, 0x9FFFF), (0x100000, 0x2FFFFF)]
    fd = os.open(path, os.O_RDONLY)
    buf = bytearray()
    try:
        info = memory.write_lime(lambda off, n: os.pread(fd, n, off), buf.extend, ram=ram)
    finally:
        os.close(fd)
    ranges = _parse_lime(bytes(buf))
    assert [(s, e) for s, e, _ in ranges] == [(0x1000, 0x9FFFF), (0x100000, 0x2FFFFF)]
    assert ranges[0][2] == low
    assert ranges[1][2] == high[:0x200000]
    assert info["sha256"] == hashlib.sha256(buf).hexdigest() and info["size"] == len(buf)
    # Without /proc/iomem: every PT_LOAD with a physical address.
    buf2 = bytearray()
    memory.write_lime(lambda off, n: core[off:off + n], buf2.extend)
    assert [(s, e) for s, e, _ in _parse_lime(bytes(buf2))] == [(0x1000, 0x9FFFF), (0x100000, 0x3FFFFF)]
    with pytest.raises(SourceError, match="ELF"):
        memory.write_lime(lambda off, n: b"not an elf"[off:off + n].ljust(n, b"\0"), bytearray().extend)


def test_physical_memory_blockers_say_why(tmp_path):
    reasons = memory.physical_memory_blockers(str(tmp_path / "kcore"), root=False,
                                              lockdown_path=str(tmp_path / "lockdown"))
    text = " ".join(reasons)
    assert "CONFIG_PROC_KCORE" in text and "root" in text
    lock = tmp_path / "lockdown"
    lock.write_text("none integrity [confidentiality]\n")
    kcore = tmp_path / "kcore2"
    kcore.write_bytes(b"\x7fELF")
    reasons = memory.physical_memory_blockers(str(kcore), root=True, lockdown_path=str(lock))
    assert any("lockdown" in r for r in reasons)


class FakeWinApi:
    """Records calls like kernel32/dbghelp would receive them."""

    def __init__(self, *, open_ok=True, file_ok=True, dump_ok=True, last_error=0, out=None):
        self.calls = []
        self.open_ok, self.file_ok, self.dump_ok, self.last_error, self.out = open_ok, file_ok, dump_ok, last_error, out
        self.closed = []

    def OpenProcess(self, access, inherit, pid):
        self.calls.append(("OpenProcess", access, inherit, pid))
        return 0x100 if self.open_ok else 0

    def CreateFileW(self, path, access, share, sec, disp, flags, tmpl):
        self.calls.append(("CreateFileW", path, access, disp))
        return 0x200 if self.file_ok else -1

    def MiniDumpWriteDump(self, hproc, pid, hfile, dump_type, exc, user, cb):
        self.calls.append(("MiniDumpWriteDump", hproc, pid, hfile, dump_type))
        if self.dump_ok:
            with open(self.out, "wb") as fh:
                fh.write(b"MDMP" + bytes(60))
        return 1 if self.dump_ok else 0

    def CloseHandle(self, h):
        self.closed.append(h)
        return 1

    def GetLastError(self):
        return self.last_error


def test_windows_minidump_with_a_fake_api(tmp_path):
    out = tmp_path / "p.dmp"
    api = FakeWinApi(out=out)
    size = memory.dump_process_windows(4242, str(out), api=api)
    assert size == 64
    assert api.calls[0] == ("OpenProcess", memory.PROCESS_QUERY_INFORMATION | memory.PROCESS_VM_READ, False, 4242)
    assert api.calls[1][0] == "CreateFileW" and api.calls[1][3] == memory.CREATE_ALWAYS
    assert api.calls[2] == ("MiniDumpWriteDump", 0x100, 4242, 0x200, memory.MINIDUMP_FULL)
    assert memory.MINIDUMP_FULL & memory.MINIDUMP_WITH_FULL_MEMORY
    assert sorted(api.closed) == [0x100, 0x200]


@pytest.mark.parametrize("kw,error", [
    (dict(open_ok=False, last_error=5), AccessDenied),
    (dict(open_ok=False, last_error=87), NoSuchProcess),
    (dict(file_ok=False, last_error=3), SourceError),
    (dict(dump_ok=False, last_error=0x8007012B), NoSuchProcess),
    (dict(dump_ok=False, last_error=5), AccessDenied),
])
def test_windows_minidump_errors(tmp_path, kw, error):
    api = FakeWinApi(out=tmp_path / "x.dmp", **kw)
    with pytest.raises(error):
        memory.dump_process_windows(7, str(tmp_path / "x.dmp"), api=api)
    if kw.get("open_ok", True):
        assert 0x100 in api.closed  # the process handle is always released


def test_windows_api_is_refused_elsewhere():
    if sys.platform.startswith("win"):
        pytest.skip("on Windows the real API loads")
    with pytest.raises(NotApplicable):
        memory.WinApi()


HOLDER = r"""
import os, sys
path = sys.argv[1]
fh = open(path, "rb")
os.unlink(path)
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")
def test_deleted_but_open_file_is_recovered(tmp_path):
    data = payload(300_000, 8)
    path = tmp_path / "dropper.bin"
    path.write_bytes(data)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        assert not path.exists()
        items, notes = openfiles.find_open_deleted(pids=[proc.pid])
        # (pytest's captured stderr, an O_TMPFILE inherited as fd 2, may be listed too: also deleted-but-open)
        mine = [i for i in items if i.path == str(path)]
        assert len(mine) == 1
        item = mine[0]
        assert item.size == len(data) and item.pid == proc.pid and item.process.startswith("python")
        assert item.orig_meta()["dtime"] == item.ctime
        buf = bytearray()
        n, digest = openfiles.copy_open_deleted(item, buf.extend)
        assert bytes(buf) == data and digest == hashlib.sha256(data).hexdigest() and n == len(data)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    with pytest.raises(NoSuchProcess):
        openfiles.copy_open_deleted(item, bytearray().extend)


def test_kcore_to_lime_reads_iomem_and_refuses_hidden_addresses(tmp_path):
    ram = payload(0x5000, 9)
    core = tmp_path / "kcore"
    core.write_bytes(_elf_core([(0xFFFF888000001000, 0x1000, ram)]))
    iomem = tmp_path / "iomem"
    iomem.write_text("00000000-00000fff : Reserved\n00001000-00005fff : System RAM\n")
    buf = bytearray()
    info = memory.acquire_kcore_lime(buf.extend, kcore=str(core), iomem=str(iomem), blockers=lambda k: [])
    assert _parse_lime(bytes(buf)) == [(0x1000, 0x5FFF, ram)]
    assert info["ranges"] == [(0x1000, 0x5FFF)]
    # Not really root (e.g. a user namespace): /proc/iomem shows zeros instead of addresses.
    iomem.write_text("00000000-00000000 : System RAM\n")
    with pytest.raises(NotApplicable, match="iomem"):
        memory.acquire_kcore_lime(bytearray().extend, kcore=str(core), iomem=str(iomem),
                                        blockers=lambda k: [])
    with pytest.raises(NotApplicable, match="CONFIG_PROC_KCORE"):
        memory.acquire_kcore_lime(bytearray().extend, kcore=str(tmp_path / "none"))
