"""B4 /boot: every entry listed with its metadata and the SHA-256 of every file (kernels, initrds, boot
loader configuration and modules), so a replaced kernel or initrd is seen; grub.cfg and the like copied.

``boot_files.json`` (BootFile).
"""
from __future__ import annotations

import stat
from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context
from ..util import decode_path, ts_to_iso
from . import _linux_fs as lfs
from .fs_timeline import mode_string

COPY_SUFFIXES = (".cfg", ".conf", "config", ".env", ".lst")


@records.record("boot_file", version=1)
@dataclass
class BootFile:
    path: str
    type: str
    mode: str
    uid: int
    size: int
    mtime: str | None
    ctime: str | None
    btime: str | None
    sha256: str | None = None
    link_target: str | None = None
    extra: dict = field(default_factory=dict)


def _iso(ns):
    return ts_to_iso(ns / 1e9) if ns else None


class BootFiles(Collector):
    name = "boot_files"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        real = ctx.path("/boot")
        if not real.is_dir():
            return "no /boot folder"
        return None

    def collect(self, ctx: Context):
        rows: list[BootFile] = []
        errors: list[str] = []
        real = ctx.path("/boot")
        if real.is_symlink():
            yield ctx.incomplete("/boot is a symbolic link: not followed")
            return
        for e in lfs.walk(real, b"/boot", on_error=lambda p, x: errors.append(
                f"{decode_path(p)}: {x.strerror or x}"), cancelled=lambda: ctx.cancelled):
            st = e.st
            t = "dir" if stat.S_ISDIR(st.mode) else "link" if stat.S_ISLNK(st.mode) else \
                "file" if stat.S_ISREG(st.mode) else "other"
            row = BootFile(decode_path(e.path), t, mode_string(st.mode), st.uid, st.size, _iso(st.mtime_ns),
                           _iso(st.ctime_ns), _iso(st.btime_ns))
            if t == "link":
                try:
                    row.link_target = decode_path(e.readlink())
                except OSError:
                    pass
            elif t == "file":
                try:
                    (row.sha256,), _ = e.hash()
                except OSError as exc:
                    errors.append(f"{row.path}: {exc.strerror or exc}")
                if e.name.endswith(tuple(s.encode() for s in COPY_SUFFIXES)) and st.size < (4 << 20):
                    yield ctx.put_file(ctx.path(row.path))
            rows.append(row)
        if errors:
            yield ctx.incomplete(f"{len(errors)} entries of /boot not readable: " + "; ".join(errors[:5]))
        yield ctx.put_records("boot_files.json", BootFile, rows, source="/boot")
