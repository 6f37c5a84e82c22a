"""B9 temporary folders: every entry of /tmp, /var/tmp, /dev/shm and /run/user (where droppers stage
their payloads) listed with its metadata and SHA-256, and the files copied up to a per-file cap
(``options['temp_max_file_bytes']``, 32 MiB) and a total cap (``options['temp_max_total_bytes']``,
512 MiB); a cap that is hit is reported with what was left. Files larger than
``options['temp_hash_max_bytes']`` (256 MiB) are listed without a hash. ``options['temp_roots']`` (or the
environment variable UNGCUU_TEMP_ROOTS, ':'-separated) names other folders; the folders of ``options['fs_skip']`` are left out.

``temp_entries.json`` (TempEntry). Folders are listed without changing their access times; the case
folder is never listed when it lies in one of them.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .. import records, sources
from ..base import Collector, Context
from ..errors import Cancelled
from ..util import decode_path, ts_to_iso
from . import _linux_fs as lfs
from ._common import JsonListWriter
from .fs_timeline import mode_string

TEMP_ROOTS = ("/tmp", "/var/tmp", "/dev/shm", "/run/user", "/run/shm")
DEFAULT_MAX_FILE = 32 << 20
DEFAULT_MAX_TOTAL = 512 << 20
DEFAULT_HASH_MAX = 256 << 20
MAX_ENTRIES = 200_000


@records.record("temp_entry", version=1)
@dataclass
class TempEntry:
    path: str
    type: str  # file | dir | link | fifo | socket | device
    mode: str
    uid: int
    gid: int
    size: int
    mtime: str | None
    ctime: str | None
    btime: str | None
    atime: str | None
    executable: bool = False
    sha256: str | None = None
    evidence_id: str | None = None  # the copy, when copied
    link_target: str | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


def _type(mode: int) -> str:
    return {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "link", stat.S_IFIFO: "fifo",
            stat.S_IFSOCK: "socket", stat.S_IFCHR: "device", stat.S_IFBLK: "device"}.get(stat.S_IFMT(mode), "other")


def _iso(ns: int | None) -> str | None:
    return ts_to_iso(ns / 1e9) if ns else None


class TempDirs(Collector):
    name = "temp_dirs"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        max_file = int(ctx.options.get("temp_max_file_bytes") or DEFAULT_MAX_FILE)
        max_total = int(ctx.options.get("temp_max_total_bytes") or DEFAULT_MAX_TOTAL)
        try:
            cst = Path(ctx.case.path).stat()
            case_key = (cst.st_dev, cst.st_ino)
        except OSError:
            case_key = None
        out = JsonListWriter(ctx, "temp_entries.json", TempEntry, source=", ".join(TEMP_ROOTS))
        with out:  # rows are streamed into the store: memory stays flat however full the folders are
            yield from self._walk(ctx, out, max_file, max_total, case_key)
        yield out.record

    def _walk(self, ctx: Context, out: JsonListWriter, max_file: int, max_total: int, case_key):
        hash_max = int(ctx.options.get("temp_hash_max_bytes") or DEFAULT_HASH_MAX)
        skip_paths = {os.fsencode(str(p).rstrip("/")) for p in ctx.options.get("fs_skip") or ()}
        not_hashed = 0
        total = 0
        skipped_big = skipped_total = 0
        errors: list[str] = []
        seen: set[tuple[int, int]] = set()

        def on_error(path, exc):
            errors.append(f"{decode_path(path)}: {exc.strerror or exc}")

        chosen = ctx.options.get("temp_roots") or (
            [p for p in os.environ.get("UNGCUU_TEMP_ROOTS", "").split(":") if p] if ctx.live else None)
        for top in chosen or TEMP_ROOTS:
            real_top = ctx.path(top)
            if not sources.is_real_dir(real_top):
                continue
            try:
                tst = sources.stat(real_top)
            except OSError:
                continue
            if (tst.st_dev, tst.st_ino) in seen:
                continue  # /run/shm -> /dev/shm
            seen.add((tst.st_dev, tst.st_ino))
            def skip(p, st):
                if (st.dev, st.ino) == case_key:
                    return "case folder"
                return "skipped" if p in skip_paths else None

            for e in lfs.walk(real_top, os.fsencode(top), skip=skip, on_error=on_error,
                              cancelled=lambda: ctx.cancelled):
                if out.count >= MAX_ENTRIES:
                    yield ctx.incomplete(f"more than {MAX_ENTRIES} entries in the temporary folders: the rest not listed")
                    break
                st = e.st
                if (st.dev, st.ino) == case_key:
                    continue
                row = TempEntry(decode_path(e.path), _type(st.mode), mode_string(st.mode), st.uid, st.gid, st.size,
                                _iso(st.mtime_ns), _iso(st.ctime_ns), _iso(st.btime_ns), _iso(st.atime_ns),
                                executable=stat.S_ISREG(st.mode) and bool(st.mode & 0o111))
                if row.type == "link":
                    try:
                        row.link_target = decode_path(e.readlink())
                    except OSError:
                        pass
                elif row.type == "file" and st.size > hash_max:
                    not_hashed += 1
                    row.note = f"larger than {hash_max} bytes: listed, not hashed or copied"
                elif row.type == "file":
                    if st.size > max_file:
                        skipped_big += 1
                        row.note = f"larger than the per-file cap of {max_file} bytes: hashed, not copied"
                    elif total + st.size > max_total:
                        skipped_total += 1
                        row.note = f"total cap of {max_total} bytes reached: hashed, not copied"
                    try:
                        if row.note:
                            (row.sha256,), _ = e.hash()
                        else:
                            with e.open() as fh:
                                rec = ctx.case.add_stream(
                                    fh, name=e.name.decode("utf-8", "backslashreplace"), source=row.path,
                                    kind="file", orig_meta=_meta(st), cancelled=lambda: ctx.cancelled,
                                    **ctx._common({}))
                            ctx.stored.append(rec)
                            yield rec
                            total += rec.size
                            row.sha256, row.evidence_id = rec.sha256, rec.id
                    except OSError as exc:
                        row.note = f"not readable: {exc.strerror or exc}"
                out.add(row)
                if out.count % 500 == 0:
                    yield ctx.progress(out.count, None, row.path)
            if ctx.cancelled:
                raise Cancelled("temporary folders: cancelled (the partial listing is not kept)")
        if skipped_big:
            yield ctx.incomplete(f"{skipped_big} files larger than {max_file} bytes were hashed but not copied "
                                 "(options temp_max_file_bytes)")
        if skipped_total:
            yield ctx.incomplete(f"total cap of {max_total} bytes reached: {skipped_total} files were hashed but "
                                 "not copied (options temp_max_total_bytes)")
        if not_hashed:
            yield ctx.incomplete(f"{not_hashed} files larger than {hash_max} bytes were listed but not hashed "
                                 "(options temp_hash_max_bytes)")
        if errors:
            yield ctx.incomplete(f"{len(errors)} entries not readable: " + "; ".join(errors[:5]))


def _meta(st: lfs.Stat) -> dict:
    return {"size": st.size, "mtime": _iso(st.mtime_ns), "atime": _iso(st.atime_ns), "ctime": _iso(st.ctime_ns),
            "btime": _iso(st.btime_ns), "uid": st.uid, "gid": st.gid, "mode": stat.filemode(st.mode),
            "mode_octal": oct(stat.S_IMODE(st.mode)), "inode": st.ino}
