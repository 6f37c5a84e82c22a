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

CHUNK = 1 << 20  # 1 MiB
_PIPELINE_DEPTH = 8
_THREAD_THRESHOLD = 4 * CHUNK  # below this, hashing inline is cheaper than a thread


class _Hasher:
    """Hashes chunks on a background thread; `feed` never blocks for long (bounded queue)."""

    def __init__(self, algorithms: Iterable[str] = ("sha256",)):
        self.hashes = {name: hashlib.new(name) for name in algorithms}
        self._queue: queue.Queue = queue.Queue(maxsize=_PIPELINE_DEPTH)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        hashes = list(self.hashes.values())
        try:
            while True:
                chunk = self._queue.get()
                if chunk is None:
                    return
                for h in hashes:
                    h.update(chunk)
        except BaseException as exc:  # pragma: no cover - hashlib does not fail on bytes
            self._error = exc

    def feed(self, chunk: bytes) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ungcuu-hash", daemon=True)
            self._thread.start()
        self._queue.put(chunk)

    def update_inline(self, chunk: bytes) -> None:
        for h in self.hashes.values():
            h.update(chunk)

    def finish(self) -> dict[str, str]:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            if self._error:
                raise self._error
        return {name: h.hexdigest() for name, h in self.hashes.items()}


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
    (the rest of the source is not read). Raises OSError from reads or writes unchanged: the caller
    decides what a read error or a full disk means.
    """
    hasher = _Hasher(algorithms)
    threaded = size_hint is None or size_hint >= _THREAD_THRESHOLD
    total = 0
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
                break
            chunk = src.read(want)
            if not chunk:
                break
            if threaded:
                hasher.feed(chunk)
            else:
                hasher.update_inline(chunk)
            view = memoryview(chunk)
            while view:
                written = os.write(dst_fd, view)
                view = view[written:]
            total += len(chunk)
            if progress is not None:
                progress(total)
    finally:
        digests = hasher.finish()
    return digests, total, truncated


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
