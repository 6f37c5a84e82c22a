"""B10 / C2 on Windows: the NTFS metadata files `$MFT` and `$Extend/$UsnJrnl:$J`, copied whole.

They are not files a path can open: they are read through The Sleuth Kit from an NTFS partition of a
disk image (`--root IMAGE`) or, on a running Windows, from the raw system volume (`\\\\.\\C:`, needs
Administrator). The timeline reads them back (analysis/parsers/mft.py, usnjrnl.py): every record's
$STANDARD_INFORMATION and $FILE_NAME times, and every change-journal entry.
"""
from __future__ import annotations

from .. import sources
from ..base import Collector, Context
from ..sources import rawvolume

USN_PATH = "/$Extend/$UsnJrnl"


def ntfs_root(ctx: Context):
    """The root VPath of the NTFS file system to read, or None."""
    if ctx.live:
        return rawvolume.system_root()
    root = ctx.root
    if sources.is_virtual(root) and getattr(root.fs, "type", None) == "NTFS":
        return root
    return None


class NtfsMetadata(Collector):
    name = "ntfs_metadata"
    version = "1.0"
    os = ("windows",)

    def check(self, ctx: Context) -> str | None:
        if ntfs_root(ctx) is not None:
            return None
        if ctx.live:
            return "the system volume cannot be opened raw (needs Administrator): $MFT and $UsnJrnl not read"
        return "$MFT and $UsnJrnl are read from an NTFS image (--root IMAGE), not from a mounted or copied tree"

    def collect(self, ctx: Context):
        root = ntfs_root(ctx)
        yield ctx.progress(0, 2, "$MFT")
        yield ctx.put_file(root / "$MFT")
        usn = root / USN_PATH.lstrip("/")
        if not usn.exists():
            yield ctx.incomplete("no change journal on this volume ($Extend/$UsnJrnl absent or turned off)")
            return
        yield ctx.progress(1, 2, "$UsnJrnl:$J")
        yield put_stream(ctx, usn, "$J", name="$UsnJrnl:$J", source=f"{USN_PATH}:$J")


def put_stream(ctx: Context, path, stream: str | None, *, name: str, source: str):
    """Copy a file's stream from an NTFS file system read raw, without its leading sparse run: the
    change journal's $J is gigabytes of never-written zeros before its live records. Where the copy
    starts is recorded (orig_meta `copied_from_offset`, `stream_size`), so a record's offset in the
    stream is its offset in the copy plus that."""
    try:
        st = path.lstat()
        with path.open(stream=stream) as fh:
            skip = fh.leading_sparse()
            fh.seek(skip)
            meta = {"stream": stream, "stream_size": fh.size, "copied_from_offset": skip,
                    "leading_sparse_bytes": skip, "inode": st.st_ino, "read_from": path.fs.label,
                    **(getattr(path.fs, "evidence_meta", {}) or {})}
            rec = ctx.case.add_stream(fh, source=source, orig_meta=meta, size_hint=fh.size - skip,
                                      cancelled=lambda: ctx.cancelled, **ctx._common({"name": name, "kind": "file"}))
    except FileNotFoundError:
        return ctx.incomplete(f"{source}: no such stream on this volume")
    except OSError as exc:
        return ctx.incomplete(f"{source}: {exc.strerror or exc}")
    ctx.stored.append(rec)
    return rec
