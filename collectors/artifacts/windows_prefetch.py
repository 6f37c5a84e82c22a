"""B10 on Windows: Prefetch (Windows/Prefetch/*.pf): which programs ran, how often, and their last eight
run times, with the volumes and files each loaded (windows_prefetch.json). Each .pf is copied into
the case and parsed from there with libscca (libyal; LGPL-3.0-or-later), which reads every format from
XP (17) to Windows 11 (31) including the MAM (LZXpress Huffman) compression of Windows 10+."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import records
from ..base import Collector, Context, Incomplete
from . import _winfiles

PATTERNS = ("Windows/Prefetch/*.pf",)


@records.record("windows_prefetch", version=1)
@dataclass
class PrefetchEntry:
    file: str                      # the .pf as found (logical path)
    executable: str | None
    prefetch_hash: str | None = None
    path: str | None = None        # the executable's full path among the loaded files, when listed
    run_count: int | None = None
    last_run: str | None = None    # ISO 8601 UTC, the latest run
    last_runs: list = field(default_factory=list)  # up to 8 run times, newest first
    format_version: int | None = None
    volumes: list = field(default_factory=list)    # [{device_path, serial, created}]
    files_loaded: int | None = None
    evidence_id: str | None = None
    extra: dict = field(default_factory=dict)


def _iso(dt) -> str | None:
    if dt is None:
        return None
    try:
        if dt.year < 1980:
            return None
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (AttributeError, ValueError):
        return None


def parse(path: str, logical: str) -> PrefetchEntry:
    import pyscca

    pf = pyscca.open(path)
    try:
        exe = pf.executable_filename
        runs = []
        for i in range(8):
            try:
                t = _iso(pf.get_last_run_time(i))
            except (OSError, IOError):
                break
            if t:
                runs.append(t)
        names = [pf.get_filename(i) for i in range(pf.number_of_filenames)]
        full = next((n for n in names if exe and n.upper().endswith("\\" + exe.upper())), None)
        vols = []
        for i in range(pf.number_of_volumes):
            v = pf.get_volume_information(i)
            vols.append({"device_path": v.device_path, "serial": f"{v.serial_number:08X}", "created": _iso(v.creation_time)})
        return PrefetchEntry(file=logical, executable=exe, prefetch_hash=f"{pf.prefetch_hash:08X}", path=full,
                             run_count=pf.run_count, last_run=runs[0] if runs else None, last_runs=runs,
                             format_version=pf.format_version, volumes=vols, files_loaded=len(names))
    finally:
        pf.close()


def _lib() -> bool:
    try:
        import pyscca  # noqa: F401
    except ImportError:
        return False
    return True


class WindowsPrefetch(Collector):
    name = "windows_prefetch"
    version = "1.0"
    os = ("windows",)

    def check(self, ctx: Context) -> str | None:
        if not _winfiles.find(ctx, PATTERNS):
            return "no Prefetch files (Windows/Prefetch/*.pf) here"
        return None

    def collect(self, ctx: Context):
        files = _winfiles.find(ctx, PATTERNS)
        rows: list[PrefetchEntry] = []
        for i, p in enumerate(files):
            if ctx.cancelled:
                return
            rec = ctx.put_file(p)
            yield rec
            yield ctx.progress(i + 1, len(files), p.name)
            if isinstance(rec, Incomplete) or not _lib():
                continue
            try:
                row = parse(str(ctx.case.evidence_path(rec)), ctx.logical(p))
            except (OSError, IOError, ValueError) as exc:
                yield ctx.incomplete(f"{ctx.logical(p)}: not a readable Prefetch file ({exc})")
                continue
            row.evidence_id = rec.id
            rows.append(row)
        if not _lib():
            yield ctx.incomplete("libscca-python is not installed: the Prefetch files are copied, not parsed")
            return
        yield ctx.put_records("windows_prefetch.json", PrefetchEntry, rows, source=f"{len(rows)} Prefetch files (libscca)")
