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
        try:
            st = usn.lstat()
            with usn.open(stream="$J") as fh:
                meta = {"size": fh.size, "inode": st.st_ino, "read_from": root.fs.label, "stream": "$J",
                        **(getattr(root.fs, "evidence_meta", {}) or {})}
                rec = ctx.case.add_stream(fh, source=f"{USN_PATH}:$J", orig_meta=meta, size_hint=fh.size,
                                          cancelled=lambda: ctx.cancelled,
                                          **ctx._common({"name": "$UsnJrnl:$J", "kind": "file"}))
        except FileNotFoundError:
            yield ctx.incomplete("no change journal on this volume ($UsnJrnl has no $J stream)")
            return
        except OSError as exc:
            yield ctx.incomplete(f"{USN_PATH}:$J: {exc.strerror or exc}")
            return
        ctx.stored.append(rec)
        yield rec
