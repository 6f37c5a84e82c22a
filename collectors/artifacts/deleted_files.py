"""H4 Khôi phục dữ liệu: deleted files of an image, device or evidence item (collectors/acquire/recover.py),
each recoverable one stored with its times, plus carving of the free space (collectors/acquire/carve.py).
Every run stores recovered.json: all deleted files, recoverable or not, with their times and the verdict.
Opt-in: option `recover_sources` (list of paths, devices or evidence ids), `carve` (default True)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from .. import records
from ..acquire import carve as carve_mod
from ..acquire import recover
from ..acquire.common import cancelled_note, now_iso
from ..base import Collector, Context
from ..case import Case
from ..errors import Cancelled, NotApplicable, SourceError, UnreadableInput
from ._acquire import VERSION, run_on_case

RECOVERED_NOTE = ("the deletion time (dtime) exists only on ext2/3/4 (FAT and NTFS do not keep it); files marked "
                  "'unrecoverable' are deleted files that cannot be recovered, with the reason")
CARVED_NOTE = "carved from unallocated space: no original name or times"


@records.record("recovered", version=1)
@dataclass
class RecoveredListing:
    """recovered.json: every deleted file found (recoverable or not, with its times and the verdict) and
    what was carved; written by deleted_files and by open_deleted_files."""
    source: str
    scanned_at: str
    deleted: list[dict]       # path, name, inode, size, times, status, reason, evidence_id, sha256, ...
    carved: list[dict] = field(default_factory=list)    # kind, offset, size, name, evidence_id, sha256
    format: str = "ungcuu-recovered"
    version: int = 1
    filesystems: list[dict] = records.absent()
    counts: dict = records.absent()           # deleted, recovered, unrecoverable, partial, carved
    errors: list[str] = records.absent()
    notes: list[str] = records.absent()
    note: str = ""


class DeletedFiles(Collector):
    name = "deleted_files"
    version = VERSION

    def check(self, ctx: Context) -> str | None:
        if not ctx.options.get("recover_sources"):
            return "no image, device or evidence id chosen to search for deleted files"
        return None

    def collect(self, ctx: Context) -> Iterator[Any]:
        sources = list(ctx.options["recover_sources"])
        for source in sources:
            if ctx.cancelled:
                return
            try:
                yield from recover_one(ctx, source, out={}, carve=ctx.options.get("carve", True),
                                       carve_kinds=ctx.options.get("carve_kinds"))
            except (SourceError, NotApplicable, UnreadableInput) as exc:
                if len(sources) == 1:
                    raise  # the one source asked for cannot be read: the item failed, with the reason
                yield ctx.incomplete(f"{source}: {exc}")
            except Cancelled:
                return


def resolve_source(case: Case, source: str) -> tuple[Any, str]:
    """An image path, a device, or an evidence id (a part or an image manifest) -> (pytsk3 image, label)."""
    if source and source[0] == "E" and source[1:].isdigit():
        rec = case.get_evidence(source)
        if rec.name.endswith(".manifest.json"):
            manifest = records.row_of(case.read_json(rec))
            parts = []
            for p in manifest.get("parts", []):
                if p.get("evidence_sha256"):
                    parts.append(str(case.evidence_path(p["evidence_sha256"])))
                elif p.get("sha256"):
                    parts.append(str(case.evidence_path(p["sha256"])))
            if not parts:
                raise SourceError(f"{source}: the manifest lists no image part", path=source)
            return recover.open_image(parts), f"{source} ({manifest.get('source', rec.source)})"
        return recover.open_image(str(case.evidence_path(rec))), f"{source} ({rec.name})"
    return recover.open_image(source), source


def recover_one(ctx: Context, source: str, *, out: dict, carve: bool = True, include_partial: bool = True,
                carve_kinds=None) -> Iterator[Any]:
    """Scan, recover and carve one source; fills `out` with scan, records, listing, doc."""
    img, label = resolve_source(ctx.case, source)
    custody = {"custody_action": "derive"}
    job = ctx.job(recover.scan_deleted, label, img=img)
    yield from job.events()
    scan = job.result()
    if scan.cancelled:
        raise Cancelled(scan.note)
    fs_cache: dict = {}
    stored = []
    recovered: dict[int, Any] = {}
    wanted = [d for d in scan.deleted if not d.is_dir and d.size > 0 and
              (d.status == recover.RECOVERABLE or (include_partial and d.status == recover.PARTIAL))]
    for i, d in enumerate(wanted):
        if ctx.cancelled:
            raise Cancelled("recovery cancelled by the responder")
        incomplete = [d.reason] if d.status == recover.PARTIAL else []
        with ctx.writer(name=d.name, source=f"{label}:{d.path} (inode {d.inode}, {d.fs_type} @ {d.fs_offset})",
                        kind="file", orig_meta=d.orig_meta(), incomplete=incomplete, **custody) as w:
            recover.read_deleted(img, d, w.write, fs_cache=fs_cache, cancel=ctx.cancel)
            if ctx.cancelled:  # a partial copy: the writer discards it
                raise Cancelled("recovery cancelled by the responder")
        stored.append(w.record)
        recovered[id(d)] = w.record
        yield w.record
        yield ctx.progress(i + 1, len(wanted), f"recovered {d.path} as {w.record.id}")
    rows = []
    for d in scan.deleted:
        row = d.to_json()
        row.pop("runs", None)
        rec = recovered.get(id(d))
        row["evidence_id"] = rec.id if rec else None
        row["sha256"] = rec.sha256 if rec else None
        rows.append(row)
    carved_rows: list[dict] = []
    if carve:
        yield from _carve(ctx, img, scan, label, carve_kinds, stored, carved_rows)
    doc = {
        "format": "ungcuu-recovered",
        "version": 1,
        "source": label,
        "scanned_at": now_iso(),
        "filesystems": [fs.__dict__ for fs in scan.filesystems],
        "deleted": rows,
        "carved": carved_rows,
        "counts": {
            "deleted": len(rows),
            "recovered": sum(1 for r in rows if r["evidence_id"]),
            "unrecoverable": sum(1 for r in rows if r["status"] == recover.UNRECOVERABLE),
            "partial": sum(1 for r in rows if r["status"] == recover.PARTIAL),
            "carved": len(carved_rows),
        },
        "errors": scan.errors,
        "note": RECOVERED_NOTE,
    }
    listing = ctx.put_record("recovered.json", records.from_dict(RecoveredListing, doc),
                             source=f"deleted-file scan of {label}", kind="derived", **custody)
    yield listing
    ctx.case.custody.append("note", listing.id, {"event": "recover", "source": label, **doc["counts"]})
    out.update(scan=scan, records=stored, listing=listing, doc=doc)


def unallocated_ranges(scan: recover.ScanResult, image_size: int) -> list[tuple[int, int]]:
    """Byte ranges (offset, length) to carve: free clusters of each file system, or everything."""
    ranges: list[tuple[int, int]] = []
    if not scan.filesystems:
        return [(0, image_size)]
    for fs in scan.filesystems:
        alloc = scan.allocated.get(fs.offset)
        if alloc is None:
            continue
        for start, length in alloc.gaps(0, fs.block_count):
            ranges.append((fs.offset + start * fs.block_size, length * fs.block_size))
    return ranges


def _carve(ctx: Context, img, scan, label: str, kinds, stored: list, rows: list) -> Iterator[Any]:
    reader = carve_mod.RangeReader(lambda off, n: img.read(off, n), unallocated_ranges(scan, img.get_size()))
    job = ctx.job(carve_mod.carve, reader, kinds=kinds)
    yield from job.events()
    found = job.result()
    if ctx.cancelled:  # what was found so far is not a full carve: nothing is stored
        raise Cancelled(cancelled_note("carving"))
    for c in found:
        meta = {"carved_offset": c.offset, "size": c.size, "kind": c.kind, "carved_from": label, "note": CARVED_NOTE}
        with ctx.writer(name=c.name, source=f"{label}: carved at byte {c.offset}", kind="derived",
                        media_type=c.media_type, orig_meta=meta, custody_action="derive") as w:
            carve_mod.read_carved(reader, c, w.write)
        stored.append(w.record)
        yield w.record
        rows.append({**c.to_json(), "evidence_id": w.record.id, "sha256": w.record.sha256})


def recover_into_case(case: Case, source: str, *, run_id: str | None = None, cancel=None, progress=None,
                      **kw) -> dict:
    """Recover one source into `case` outside the runner (scripts, tests): {scan, records, listing, doc}."""
    out: dict = {}
    run_on_case(case, DeletedFiles, lambda ctx: recover_one(ctx, source, out=out, **kw), checklist_id="H4",
                run_id=run_id, cancel=cancel, progress=progress)
    return out
