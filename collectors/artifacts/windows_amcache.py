"""B4 on Windows: Amcache.hve (Windows/AppCompat/Programs), the inventory of programs and files that
ran or were installed: path, SHA-1, publisher, version, size and the entry's key time (first seen,
usually first run): windows_amcache.json. The hive is copied into the case with its transaction
logs, recovered when dirty, and parsed from there with regipy's amcache plugin (both layouts: Windows 8
Root\\File and Windows 10+ Root\\InventoryApplicationFile)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import records, sources
from ..base import Collector, Context, find_case_insensitive
from . import _windows as win
from ._hives import HiveFiles


@records.record("windows_amcache", version=1)
@dataclass
class AmcacheEntry:
    path: str | None
    sha1: str | None = None
    name: str | None = None
    publisher: str | None = None
    version: str | None = None
    product_name: str | None = None
    size: int | None = None
    key_last_write: str | None = None   # when the entry was written: first seen (first run or install)
    file_modified: str | None = None    # Windows 8 layout: the file's own times
    file_created: str | None = None
    link_date: str | None = None        # PE link time as recorded
    program_id: str | None = None
    is_os_component: bool | None = None
    extra: dict = field(default_factory=dict)


REL = "Windows/AppCompat/Programs/Amcache.hve"
KNOWN = {"full_path", "lower_case_long_path", "sha1", "name", "publisher", "company_name", "version", "file_version",
         "product_name", "size", "file_size", "timestamp", "last_modified_timestamp", "last_modified_timestamp_2",
         "created_timestamp", "link_date", "program_id", "is_os_component"}


def _plain(v):
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return win.when(v) if hasattr(v, "strftime") else v


def entries(hive) -> list[AmcacheEntry]:
    from regipy.plugins.amcache.amcache import AmCachePlugin

    plugin = AmCachePlugin(hive, as_json=False)
    plugin.run()
    rows = []
    for e in plugin.entries:
        if not isinstance(e, dict):
            continue  # a Root\File volume key with values of its own, not a file
        size = e.get("size", e.get("file_size"))
        rows.append(AmcacheEntry(
            path=e.get("full_path") or e.get("lower_case_long_path"), sha1=e.get("sha1") or None, name=e.get("name"),
            publisher=e.get("publisher") or e.get("company_name"), version=e.get("version") or e.get("file_version"),
            product_name=e.get("product_name"), size=size if isinstance(size, int) else None,
            key_last_write=win.when(e.get("timestamp")),
            file_modified=win.when(e.get("last_modified_timestamp") or e.get("last_modified_timestamp_2")),
            file_created=win.when(e.get("created_timestamp")),
            link_date=str(e["link_date"]) if e.get("link_date") else None, program_id=e.get("program_id"),
            is_os_component=e.get("is_os_component"),
            extra={k: _plain(v) for k, v in e.items() if k not in KNOWN}))
    return rows


class WindowsAmcache(Collector):
    name = "windows_amcache"
    version = "1.0"
    os = ("windows",)

    def _path(self, ctx: Context) -> sources.AnyPath | None:
        if ctx.root is None:  # pragma: no cover - Windows (live)
            import os

            live = Path(os.environ.get("SystemRoot", r"C:\Windows")) / "AppCompat" / "Programs" / "Amcache.hve"
            return live if live.is_file() else None
        p = find_case_insensitive(ctx.root, REL)
        return p if p is not None and p.is_file() else None

    def check(self, ctx: Context) -> str | None:
        if not win.hive_support():
            return "regipy is not installed: Amcache.hve cannot be parsed"
        return None if self._path(ctx) is not None else f"no {REL} here"

    def collect(self, ctx: Context):
        path = self._path(ctx)
        if path is None:  # check() refuses such a root; it went between check and collect
            yield ctx.incomplete(f"no {REL} here")
            return
        files = HiveFiles().bind(ctx)
        yield ctx.progress(0, None, "Amcache.hve")
        hive = files.open(path)
        if hive is not None:
            try:
                rows = entries(hive)
            except Exception as exc:  # noqa: BLE001 - a third-party parser of hostile data may raise anything; named, the rest goes on
                files.note(f"{ctx.logical(path)}: the amcache entries could not be read ({type(exc).__name__}: {exc})")
                rows = []
            yield ctx.put_records("windows_amcache.json", AmcacheEntry, rows, source=f"{ctx.logical(path)} (regipy amcache)")
        for n in files.notes:
            yield ctx.incomplete(n)
