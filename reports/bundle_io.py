"""The two containers of an evidence bundle, behind one small interface.

- a plain bundle is a ZIP file (`unzip`, Windows Explorer's "Extract All");
- an encrypted bundle is a standard 7z archive, AES-256 with encrypted headers (member names hidden),
  written with py7zr (LGPL-2.1+) and opened by 7-Zip / `7z x` with the passphrase alone.

Writing: `open_sink(path, passphrase)` -> sink with `add_stream(name, fh)` / `add_bytes(name, data)`, each
returning (size, sha256) of what was written, and `close()`.

Reading: `open_members(path, passphrase)` -> members with `.names`, `.encrypted`, `read(name, limit)`,
`blocks(name)` and `digest(name)` -> (size, sha256); every member header is checked first (traversal,
absolute paths, links, duplicates, zip bombs) and a refusal names the member.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

from collectors.errors import UnreadableInput

CHUNK = 1 << 20
STORED_ABOVE = 16 << 20          # ZIP members larger than this are stored, not deflated (fast; no ratio alarms)
MAX_MEMBERS = 200_000
MAX_TOTAL = 1 << 40              # 1 TiB of declared uncompressed content
MAX_RATIO = 200                  # declared size / compressed size, for members above RATIO_MIN
RATIO_MIN = STORED_ABOVE
TOTAL_RATIO_MIN = 1 << 30        # above 1 GiB declared in all, the whole bundle must respect MAX_RATIO too
MAX_SMALL = 64 << 20             # signature, README, SHA256SUMS: read into memory
MAX_MANIFEST = 512 << 20         # the manifest is read into memory (~800 bytes an item: 600 000 items)
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"


class BundleRefused(UnreadableInput):
    """The file is not a bundle that can be read safely (traversal, links, duplicates, zip bomb...)."""


class BundlePassphraseError(UnreadableInput):
    """The bundle is encrypted and no passphrase, or a wrong one, was given."""


def check_name(name: str) -> str | None:
    """Why a member name is unsafe to extract anywhere (None when it is safe)."""
    if not name or "\0" in name:
        return "tên rỗng hoặc có ký tự NUL"
    if "\\" in name:
        return "tên chứa dấu '\\'"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "đường dẫn tuyệt đối"
    if ":" in name:
        return "tên chứa dấu ':' (luồng dữ liệu ẩn trên Windows)"
    if re.search(r"[\x00-\x1f]", name):
        return "tên chứa ký tự điều khiển"
    parts = name.split("/")
    if any(p == ".." for p in parts):
        return "đường dẫn vượt ra ngoài (..)"
    if any(p in ("", ".") for p in parts[:-1]) or parts[-1] in ("", "."):
        return "đường dẫn không chuẩn"
    return None


def _read_full(fh: BinaryIO, n: int) -> bytes:
    parts = []
    while n > 0:
        b = fh.read(n)
        if not b:
            break
        parts.append(b)
        n -= len(b)
    return b"".join(parts)


def is_sevenzip(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SEVENZIP_MAGIC)) == SEVENZIP_MAGIC
    except OSError:
        return False


# ------------------------------------------------------------------------------------------- writing


class _HashingReader(io.BufferedIOBase):
    """A read-only file seen through SHA-256: what the archiver reads is exactly what is hashed."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        self.h = hashlib.sha256()
        self.n = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.fh.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.fh.seek(offset, whence)

    def read(self, size: int | None = -1) -> bytes:
        data = self.fh.read(-1 if size is None else size)
        self.h.update(data)
        self.n += len(data)
        return data


class ZipSink:
    """Members written into a ZIP file, hashed as written."""

    encrypted = False

    def __init__(self, path: Path):
        self.zf = zipfile.ZipFile(path, "w", allowZip64=True)
        self.when = _zip_time()

    def add_stream(self, name: str, src: BinaryIO, size_hint: int | None = None) -> tuple[int, str]:
        info = zipfile.ZipInfo(name, date_time=self.when)
        big = size_hint is not None and size_hint > STORED_ABOVE
        info.compress_type = zipfile.ZIP_STORED if big else zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | 0o444) << 16
        h, size = hashlib.sha256(), 0
        with self.zf.open(info, "w", force_zip64=True) as out:
            for block in iter(lambda: _read_full(src, CHUNK), b""):
                h.update(block)
                size += len(block)
                out.write(block)
        return size, h.hexdigest()

    def add_bytes(self, name: str, data: bytes) -> tuple[int, str]:
        return self.add_stream(name, io.BytesIO(data), len(data))

    def close(self) -> None:
        self.zf.close()


class SevenZipSink:
    """Members written into a 7z archive: AES-256 (7-Zip's own key derivation from the passphrase), headers
    encrypted too, content stored without compression (evidence is often compressed already, and copying
    keeps the speed of the disk)."""

    encrypted = True

    def __init__(self, path: Path, passphrase: str):
        import py7zr

        filters = [{"id": py7zr.FILTER_COPY}, {"id": py7zr.FILTER_CRYPTO_AES256_SHA256}]
        self.z = py7zr.SevenZipFile(path, "w", filters=filters, password=passphrase, header_encryption=True)

    def add_stream(self, name: str, src: BinaryIO, size_hint: int | None = None) -> tuple[int, str]:
        reader = _HashingReader(src)
        self.z.writef(reader, name)  # type: ignore[arg-type]  # a readable, seekable file, as writef needs
        return reader.n, reader.h.hexdigest()

    def add_bytes(self, name: str, data: bytes) -> tuple[int, str]:
        self.z.writestr(data, name)
        return len(data), hashlib.sha256(data).hexdigest()

    def close(self) -> None:
        self.z.close()


def open_sink(path: Path, passphrase: str | bytes | None):
    if passphrase is None:
        return ZipSink(path)
    if isinstance(passphrase, bytes):
        passphrase = passphrase.decode("utf-8")
    return SevenZipSink(path, passphrase)


def _zip_time() -> tuple:
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    return (max(now.year, 1980), now.month, now.day, now.hour, now.minute, now.second)


# ------------------------------------------------------------------------------------------- reading


def _refuse_names(entries: list[tuple[str, int, int | None, str]], max_members: int, max_total: int,
                  max_ratio: float) -> list[str]:
    """entries: (name, declared size, compressed size or None, 'file'|'dir'|'link'|'other')."""
    reasons = []
    if len(entries) > max_members:
        reasons.append(f"quá nhiều mục ({len(entries)} > {max_members})")
    seen: set[str] = set()
    total = total_compressed = 0
    for name, size, csize, kind in entries:
        why = check_name(name.rstrip("/") if kind == "dir" else name)
        if why:
            reasons.append(f"{name!r}: {why}")
        key = name.lower()
        if key in seen:
            reasons.append(f"{name!r}: tên trùng lặp")
        seen.add(key)
        if kind == "link":
            reasons.append(f"{name!r}: liên kết tượng trưng (symlink)")
        elif kind == "other":
            reasons.append(f"{name!r}: không phải tệp thường")
        total += size
        if csize is not None:
            total_compressed += csize
            if size > RATIO_MIN and size > max_ratio * max(csize, 1):
                reasons.append(f"{name!r}: tỉ lệ nén bất thường ({size} / {csize} byte) — nghi zip bomb")
    if total > max_total:
        reasons.append(f"tổng dung lượng giải nén khai báo {total} byte vượt giới hạn {max_total} — nghi zip bomb")
    elif total_compressed and total > TOTAL_RATIO_MIN and total > max_ratio * max(total_compressed, 1):
        # many members, each under the per-member threshold, that together expand enormously
        reasons.append(f"tổng tỉ lệ nén bất thường ({total} / {total_compressed} byte, {len(entries)} mục) — nghi zip bomb")
    return reasons


class ZipMembers:
    """A ZIP bundle opened for reading; members are streamed on demand."""

    encrypted = False

    def __init__(self, p: Path, zf: zipfile.ZipFile):
        self.path = p
        self.zf = zf
        self.names = {n for n in zf.namelist() if not n.endswith("/")}

    def blocks(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks, never more than its declared size."""
        with self.zf.open(name, "r") as fh:
            yield from iter(lambda: fh.read(CHUNK), b"")

    def read(self, name: str, limit: int | None = None) -> bytes:
        info = self.zf.getinfo(name)
        limit = limit or MAX_SMALL
        if info.file_size > limit:
            raise BundleRefused(f"{name}: quá lớn ({info.file_size} byte)", member=name)
        return b"".join(self.blocks(name))

    def digest(self, name: str) -> tuple[int, str]:
        h, n = hashlib.sha256(), 0
        for block in self.blocks(name):
            h.update(block)
            n += len(block)
        return n, h.hexdigest()

    def extract_to(self, targets: dict[str, Path]) -> dict[str, str]:
        """Write each member to its target (created new, never followed); the reasons members failed."""
        failed: dict[str, str] = {}
        for name, target in targets.items():
            try:
                with _create(target) as out:
                    for block in self.blocks(name):
                        out.write(block)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                failed[name] = f"không đọc được trong gói (hỏng): {exc}"
        return failed

    def close(self) -> None:
        self.zf.close()


def _create(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                 | getattr(os, "O_NOFOLLOW", 0), 0o644)
    return os.fdopen(fd, "wb")


class SevenZipMembers:
    """A 7z bundle: decrypted once, in one pass, when opened (7z content is one encrypted stream); every
    member is hashed on the way and the top-level ones (manifest, SHA256SUMS and its signature, README,
    incident record, custody log) kept in memory. Nothing is written to disk."""

    encrypted = True

    def __init__(self, p: Path, passphrase: str, *, max_members: int, max_total: int):
        import py7zr
        from py7zr.io import Py7zIO, WriterFactory

        self.path = p
        self._digests: dict[str, tuple[int, str]] = {}
        self._kept: dict[str, bytes] = {}
        owner = self

        class _Hash(Py7zIO):
            def __init__(self, name: str):
                self.name, self.h, self.n = name, hashlib.sha256(), 0
                self.buf = io.BytesIO() if "/" not in name else None

            def write(self, s) -> int:
                self.h.update(s)
                self.n += len(s)
                if self.buf is not None:
                    if self.buf.tell() + len(s) > MAX_MANIFEST:
                        self.buf = None
                    else:
                        self.buf.write(s)
                return len(s)

            def read(self, size=None) -> bytes:
                return b""

            def seek(self, offset, whence=0) -> int:
                return 0

            def flush(self) -> None:
                pass

            def size(self) -> int:
                return self.n

            def close(self) -> None:
                owner._digests[self.name] = (self.n, self.h.hexdigest())
                if self.buf is not None:
                    owner._kept[self.name] = self.buf.getvalue()

        class _Factory(WriterFactory):
            def __init__(self):
                self.made: list[_Hash] = []

            def create(self, filename: str) -> Py7zIO:
                w = _Hash(filename)
                self.made.append(w)
                return w

        try:
            z = py7zr.SevenZipFile(p, "r", password=passphrase, max_extract_size=max_total)
        except py7zr.exceptions.PasswordRequired as exc:
            raise BundlePassphraseError(f"{p}: gói được mã hóa — cần mật khẩu (ungcuu verify đọc nó từ biến "
                                        "môi trường UNGCUU_PASSPHRASE)", path=str(p)) from exc
        except Exception as exc:   # a wrong passphrase gives garbage headers: any decoding error
            raise BundlePassphraseError(f"{p}: sai mật khẩu, hoặc gói 7z hỏng ({type(exc).__name__}: {exc})",
                                        path=str(p)) from exc
        with z:
            infos = z.list()
            entries: list[tuple[str, int, int | None, str]] = []
            for i in infos:
                kind = "dir" if i.is_directory else "link" if i.is_symlink else "file"
                entries.append((i.filename + ("/" if i.is_directory else ""), int(i.uncompressed or 0), None, kind))
            reasons = _refuse_names(entries, max_members, max_total, MAX_RATIO)
            if reasons:
                raise BundleRefused(f"{p}: từ chối đọc gói:\n" + "\n".join(f"  - {r}" for r in reasons),
                                    path=str(p), reasons=reasons)
            self.names = {i.filename for i in infos if not i.is_directory}
            factory = _Factory()
            try:
                z.extractall(factory=factory)
            except Exception as exc:
                raise UnreadableInput(f"{p}: gói 7z hỏng, không giải mã được: {type(exc).__name__}: {exc}",
                                      path=str(p)) from exc
            for w in factory.made:    # py7zr calls close() on each writer; this covers versions that do not
                if w.name not in owner._digests:
                    w.close()
            for i in infos:           # empty members have no stream, hence no writer
                if not i.is_directory and i.filename not in self._digests and not i.uncompressed:
                    self._digests[i.filename] = (0, hashlib.sha256(b"").hexdigest())
                    self._kept[i.filename] = b""

    def blocks(self, name: str) -> Iterator[bytes]:
        if name not in self._kept:
            raise ValueError(f"{name}: không giữ được trong bộ nhớ để đọc")
        data = self._kept[name]
        for i in range(0, len(data), CHUNK):
            yield data[i:i + CHUNK]

    def read(self, name: str, limit: int | None = None) -> bytes:
        limit = limit or MAX_SMALL
        if name not in self._kept:
            raise BundleRefused(f"{name}: quá lớn để đọc vào bộ nhớ", member=name)
        data = self._kept[name]
        if len(data) > limit:
            raise BundleRefused(f"{name}: quá lớn ({len(data)} byte)", member=name)
        return data

    def digest(self, name: str) -> tuple[int, str]:
        if name not in self._digests:
            raise ValueError("không giải mã được mục này")
        return self._digests[name]

    def extract_to(self, targets: dict[str, Path], passphrase: str) -> dict[str, str]:
        import py7zr
        from py7zr.io import Py7zIO, WriterFactory

        class _File(Py7zIO):
            def __init__(self, fh):
                self.fh, self.n = fh, 0

            def write(self, s) -> int:
                self.n += len(s)
                return self.fh.write(s)

            def read(self, size=None) -> bytes:
                return b""

            def seek(self, offset, whence=0) -> int:
                return 0

            def flush(self) -> None:
                self.fh.flush()

            def size(self) -> int:
                return self.n

            def close(self) -> None:
                self.fh.close()

        handles: list = []

        class _Factory(WriterFactory):
            def create(self, filename: str) -> Py7zIO:
                w = _File(_create(targets[filename]))
                handles.append(w)
                return w

        try:
            with py7zr.SevenZipFile(self.path, "r", password=passphrase) as z:
                z.extract(targets=list(targets), factory=_Factory())
        except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
            return {name: f"không giải mã được: {type(exc).__name__}: {exc}" for name in targets}
        finally:
            for w in handles:
                with contextlib.suppress(OSError, ValueError):
                    w.fh.close()
        return {}

    def close(self) -> None:
        pass


def open_members(path: str | os.PathLike, passphrase: str | bytes | None = None, *, max_total: int = MAX_TOTAL,
                 max_members: int = MAX_MEMBERS, max_ratio: float = MAX_RATIO):
    """Open a bundle (ZIP or 7z) for reading after checking every member header."""
    p = Path(path)
    if is_sevenzip(p):
        if not passphrase:
            raise BundlePassphraseError(f"{p}: gói được mã hóa (7z) — cần mật khẩu (ungcuu verify đọc nó từ biến "
                                        "môi trường UNGCUU_PASSPHRASE)", path=str(p))
        if isinstance(passphrase, bytes):
            passphrase = passphrase.decode("utf-8")
        return SevenZipMembers(p, passphrase, max_members=max_members, max_total=max_total)
    try:
        zf = zipfile.ZipFile(p, "r")
    except FileNotFoundError as exc:
        raise UnreadableInput(f"không có tệp {p}", path=str(p)) from exc
    except PermissionError as exc:
        raise UnreadableInput(f"không có quyền đọc {p}", path=str(p)) from exc
    except IsADirectoryError as exc:
        raise UnreadableInput(f"{p} là thư mục, không phải gói", path=str(p)) from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableInput(f"{p} không phải gói ZIP đọc được (hỏng hoặc bị cắt cụt): {exc}", path=str(p)) from exc
    infos = zf.infolist()
    entries: list[tuple[str, int, int | None, str]] = []
    offsets: list[tuple[int, int, str]] = []
    extra: list[str] = []
    for info in infos:
        mode = (info.external_attr >> 16) & 0o170000
        kind = "dir" if info.is_dir() else "link" if mode == stat.S_IFLNK else \
            "file" if mode in (0, stat.S_IFREG) else "other"
        entries.append((info.filename, info.file_size, info.compress_size, kind))
        if info.flag_bits & 0x1:
            extra.append(f"{info.filename!r}: mã hóa ZIP cổ điển không được hỗ trợ")
        offsets.append((info.header_offset, info.compress_size, info.filename))
    reasons = _refuse_names(entries, max_members, max_total, max_ratio) + extra
    offsets.sort()
    for (off, csize, name), (noff, _, nname) in zip(offsets, offsets[1:]):
        if off + csize > noff:
            reasons.append(f"{name!r} và {nname!r} chồng lên nhau trong tệp — nghi zip bomb")
    if reasons:
        zf.close()
        raise BundleRefused(f"{p}: từ chối đọc gói:\n" + "\n".join(f"  - {r}" for r in reasons), path=str(p),
                            reasons=reasons)
    return ZipMembers(p, zf)
