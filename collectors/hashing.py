"""Copy and hash in one pass.

The source is read exactly once. Reading and writing happen on the calling thread while a second
thread feeds the same immutable chunks to SHA-256 (hashlib releases the GIL on large updates), so the
hash costs little more than the copy itself. See bench/bench_copy_hash.py.
"""
from __future__ import annotations

import hashlib
import os
import queue
import threading
from typing import BinaryIO, Callable, Iterable

from .errors import Cancelled

CHUNK = 1 << 20  # 1 MiB
WRITEBACK_WINDOW = 16 << 20  # start writing the copy to disk every 16 MiB (see _start_writeback)
_PIPELINE_DEPTH = 8
_THREAD_THRESHOLD = 4 * CHUNK  # below this, hashing inline is cheaper than a thread


class _Pipeline:
    """Hashes filled buffers on a background thread and hands them back for reuse.

    Buffers are preallocated and recycled: allocating a fresh 1 MiB object per read costs more than
    the copy itself (page faults), and a bounded pool keeps memory flat whatever the file size.
    """

    def __init__(self, algorithms: Iterable[str], threaded: bool, chunk: int = CHUNK):
        self.hashes = [hashlib.new(name) for name in algorithms]
        self.names = list(algorithms) if not isinstance(algorithms, list) else algorithms
        self.threaded = threaded
        self._free: queue.Queue = queue.Queue()
        for _ in range(_PIPELINE_DEPTH if threaded else 1):
            self._free.put(bytearray(chunk))
        self._work: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            while True:
                item = self._work.get()
                if item is None:
                    return
                buf, n = item
                view = memoryview(buf)[:n]
                for h in self.hashes:
                    h.update(view)
                view.release()
                self._free.put(buf)
        except BaseException as exc:  # noqa: BLE001 # pragma: no cover - handed to the copying thread
            self._error = exc

    def buffer(self) -> bytearray:
        return self._free.get()

    def submit(self, buf: bytearray, n: int) -> None:
        if not self.threaded:
            view = memoryview(buf)[:n]
            for h in self.hashes:
                h.update(view)
            view.release()
            self._free.put(buf)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ungcuu-hash", daemon=True)
            self._thread.start()
        self._work.put((buf, n))

    def give_back(self, buf: bytearray) -> None:
        self._free.put(buf)

    def finish(self) -> dict[str, str]:
        if self._thread is not None:
            self._work.put(None)
            self._thread.join()
            if self._error:
                raise self._error
        return {name: h.hexdigest() for name, h in zip(self.names, self.hashes)}


def copy_and_hash(
    src: BinaryIO,
    dst_fd: int,
    *,
    algorithms: Iterable[str] = ("sha256",),
    size_hint: int | None = None,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[dict[str, str], int, bool]:
    """Copy `src` to the file descriptor `dst_fd`, hashing what was read.

    Returns (hexdigests by algorithm, bytes copied, truncated_at_limit). `limit` caps the bytes copied
    (the rest of the source is not read). Raises Cancelled when `cancelled()` turns true mid-copy, and
    OSError from reads or writes unchanged: the caller decides what a read error or a full disk means.
    """
    pipe = _Pipeline(list(algorithms), threaded=size_hint is None or size_hint >= _THREAD_THRESHOLD)
    readinto = getattr(src, "readinto", None)
    total = 0
    flushed = 0
    truncated = False
    try:
        while True:
            want = CHUNK
            if limit is not None:
                if total >= limit:
                    # Peek one byte to learn whether the source goes on past the cap.
                    truncated = bool(src.read(1))
                    break
                want = min(want, limit - total)
            if cancelled is not None and cancelled():
                raise Cancelled("cancelled while copying")
            buf = pipe.buffer()
            if readinto is not None:
                n = readinto(memoryview(buf)[:want]) or 0
            else:
                data = src.read(want)
                n = len(data)
                buf[:n] = data
            if not n:
                pipe.give_back(buf)
                break
            view = memoryview(buf)[:n]
            try:
                while view:
                    written = os.write(dst_fd, view)
                    view = view[written:]
            finally:
                view.release()
            pipe.submit(buf, n)
            total += n
            if total - flushed >= WRITEBACK_WINDOW:
                _start_writeback(dst_fd, flushed, total - flushed)
                flushed = total
            if progress is not None:
                progress(total)
    finally:
        digests = pipe.finish()
    return digests, total, truncated


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Start writing a window of the copy to disk now, without waiting for it.

    The final fsync then has little left to do (it overlaps the disk writes with the copy instead of
    waiting for all of them at the end), and the evidence copy does not crowd the page cache of the
    affected machine. Linux starts write-back of dirty pages on POSIX_FADV_DONTNEED.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    try:
        advise(fd, offset, length, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass


def sha256_file(path: str | os.PathLike, chunk: int = CHUNK) -> str:
    """SHA-256 of a file on disk (used to verify stored evidence)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()
