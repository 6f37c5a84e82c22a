"""B9 Thu thập ổ cứng: a raw image of a device, partition or file, in split parts hashed while read
(collectors/acquire/imaging.py), registered part by part with its manifest. Opt-in: option
`image_sources` (list), `image_verify`, `image_name`, `image_part_size`, `image_md5` (default True).

A run killed at any point resumes from the last checkpoint when run again with the same source (the
image folder keeps its name: a state file is written before the first byte)."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import records
from ..acquire import imaging
from ..acquire.common import human_size, now_iso
from ..base import Collector, Context
from ..case import Case
from ..errors import AccessDenied, Cancelled, SourceError
from ._acquire import VERSION, ensure_space, run_on_case


@records.record("image_manifest", version=1)
@dataclass
class ImageManifest:
    """NAME.manifest.json: what was imaged, its hashes and parts (each part's evidence id once registered)."""
    name: str
    source: str
    size: int
    hashes: dict                                  # sha256, md5
    parts: list[dict]                             # file, size, sha256, evidence_id, evidence_sha256
    format: str = "ungcuu-raw-image-manifest"
    version: int = 1
    complete: bool = True
    tool: str = ""
    source_identity: dict = field(default_factory=dict)
    source_meta: dict = field(default_factory=dict)
    algorithms: list[str] = field(default_factory=list)
    part_size: int = 0
    sector_size: int = 512
    bad_sectors: list[int] = field(default_factory=list)  # byte offsets, zero-filled in the image
    bad_sector_note: str = ""
    resumed_from: int = 0
    verified: bool | None = None
    verify_hashes: dict | None = None
    started_at: str = ""
    finished_at: str = ""
    seconds: float = 0.0
    registered_at: str | None = None


class DiskImage(Collector):
    name = "disk_image"
    version = VERSION

    def check(self, ctx: Context) -> str | None:
        if not ctx.options.get("image_sources"):
            return "no device, partition or file chosen to image"
        return None

    def collect(self, ctx: Context) -> Iterator[Any]:
        algorithms = ("sha256", "md5") if ctx.options.get("image_md5", True) else ("sha256",)
        sources = list(ctx.options["image_sources"])
        for source in sources:
            if ctx.cancelled:
                return
            out: dict = {}
            try:
                yield from image_one(ctx, source, out=out, name=ctx.options.get("image_name"),
                                     verify=bool(ctx.options.get("image_verify")),
                                     part_size=ctx.options.get("image_part_size") or imaging.FAT32_PART,
                                     algorithms=algorithms)
            except (AccessDenied, SourceError):
                if len(sources) == 1:
                    raise  # the one source asked for cannot be read: the item failed, with the reason
                yield ctx.incomplete(f"{source}: {sys.exc_info()[1]}")
                continue
            except Cancelled:
                return
            res = out["result"]
            if res.bad_sectors:
                yield ctx.incomplete(f"{source}: {len(res.bad_sectors)} unreadable sectors zero-filled")
            if res.verified is False:
                yield ctx.incomplete(f"{source}: verification: the source read back differently")


def image_one(ctx: Context, source: str, *, out: dict, name: str | None = None, verify: bool = False,
              part_size: int = imaging.FAT32_PART, algorithms=("sha256", "md5"),
              check_space: bool = True) -> Iterator[Any]:
    """Image one source into CASE/images/NAME and register it. Fills `out` with result (ImageResult),
    records (new evidence) and manifest (the manifest's evidence record)."""
    case = ctx.case
    src = imaging.Source(source)
    try:
        # First, before anything is written (not even a custody note): the case must not live on the source.
        imaging.check_not_same_device(src, case.path)
        name = image_name(case, src, name or imaging._default_name(src))
        out_dir = case.path / "images" / name
        if check_space:
            have = sum(p.stat().st_size for p in out_dir.glob(f"{name}.[0-9][0-9][0-9]")) if out_dir.exists() else 0
            ensure_space(ctx, max(0, src.size - have) + (1 << 20), f"the image of {source} ({human_size(src.size)})")
        case.custody.append("note", f"image {source}", {
            "event": "image-start", "source": source, "size": src.size, "out_dir": str(out_dir),
            "verify": verify, "part_size": part_size})
        job = ctx.job(imaging.image_source, src, out_dir, name=name, part_size=part_size, verify=verify,
                      algorithms=algorithms)
        yield from job.events()
        result = job.result()
        if result.cancelled:  # checkpointed: the same command again resumes
            raise Cancelled(result.note, done=result.size)
    finally:
        src.close()
    stored = []
    manifest = json.loads(Path(result.manifest_path).read_text(encoding="utf-8"))
    registered = {p.get("file"): p.get("evidence_id") for p in manifest.get("parts", []) if p.get("evidence_id")}
    for i, part in enumerate(result.parts):
        fname = os.path.basename(part.path)
        if registered.get(fname):
            continue  # an earlier run already registered it (resumed or repeated run)
        rec = ctx.adopt_file(part.path, sha256=part.sha256, size=part.size, name=fname,
                             source=f"{source} (part {i + 1})", media_type="application/octet-stream",
                             orig_meta={"image_part": i + 1, "parts": len(result.parts),
                                        "image_sha256": result.hashes["sha256"], "image_md5": result.hashes.get("md5"),
                                        "offset": i * part_size, "source": result.source_meta})
        stored.append(rec)
        for p in manifest["parts"]:
            if p["file"] == fname:
                p["evidence_id"] = rec.id
                p["evidence_sha256"] = rec.sha256
        yield rec
        yield ctx.progress(i + 1, len(result.parts), f"{fname} registered as {rec.id}")
    out.update(result=result, records=stored)
    if not stored and registered:
        prior = case.latest(f"{name}.manifest.json", checklist_id="B9")
        if prior is not None:
            out["manifest"] = prior  # imaged and registered earlier
            return
    manifest["registered_at"] = now_iso()
    Path(result.manifest_path).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    incomplete = []
    if result.bad_sectors:
        incomplete.append(f"{len(result.bad_sectors)} unreadable sectors zero-filled (offsets in the manifest, "
                          "bad_sectors)")
    if result.verified is False:
        incomplete.append("reading the source again gave another hash: the source changed or reads unreliably")
    mrec = ctx.put_record(f"{name}.manifest.json", records.from_dict(ImageManifest, manifest),
                          source=f"image manifest of {source}", kind="api", incomplete=incomplete)
    stored.append(mrec)
    yield mrec
    case.custody.append("note", mrec.id, {
        "event": "image-done", "source": source, "sha256": result.hashes["sha256"], "md5": result.hashes.get("md5"),
        "size": result.size, "parts": len(result.parts), "bad_sectors": len(result.bad_sectors),
        "verified": result.verified, "resumed_from": result.resumed_from})
    out["manifest"] = mrec


def image_name(case: Case, src: imaging.Source, base: str) -> str:
    """`base`, unless images/<base>/ holds an image (or an interrupted one) of another source: then
    base-2, base-3... (two sources called disk.img must not overwrite each other). An interrupted image
    of the same source keeps its name, so it resumes."""
    ident = src.identity()
    for i in range(1, 1000):
        name = base if i == 1 else f"{base}-{i}"
        folder = case.path / "images" / name
        known = None
        for fname in (f"{name}.state.json", f"{name}.manifest.json"):
            try:
                known = json.loads((folder / fname).read_text(encoding="utf-8")).get("source_identity")
                break
            except (OSError, ValueError):
                continue
        if known is None and folder.exists() and any(folder.glob(f"{name}.[0-9][0-9][0-9]")):
            continue  # parts of unknown origin: leave them alone
        if known is None or known == ident:
            return name
    raise imaging.ImageError(f"too many images named {base} in the case", name=base)


def image_into_case(case: Case, source: str, *, run_id: str | None = None, cancel=None, progress=None,
                    **kw) -> dict:
    """Image one source into `case` outside the runner (scripts, tests): {result, records, manifest}."""
    out: dict = {}
    run_on_case(case, DiskImage, lambda ctx: image_one(ctx, source, out=out, **kw), checklist_id="B9",
                run_id=run_id, cancel=cancel, progress=progress)
    return out
