"""B5 Thu thập chứng cứ: files and folders the responder names, copied and hashed with their metadata.

Symlink-safe: links are recorded, never followed, so a loop cannot trap the walk. A per-file size cap
(default 2 GiB, `options['max_file_bytes']`) copies the head of a larger file and says so; a total cap
(`options['max_total_bytes']`) stops the walk and says what was left.
"""
from __future__ import annotations

import os
from pathlib import Path

from .. import records, sources
from ..base import Collector, Context, walk_tree
from ._common import Symlink

DEFAULT_MAX_FILE = 2 << 30


class EvidenceFiles(Collector):
    name = "evidence_files"
    version = "1.0"

    def check(self, ctx: Context) -> str | None:
        if not ctx.options.get("paths"):
            return "no files or folders named: use `ungcuu add --case DIR PATH...`"
        return None

    def collect(self, ctx: Context):
        max_file = int(ctx.options.get("max_file_bytes") or DEFAULT_MAX_FILE)
        max_total = ctx.options.get("max_total_bytes")
        total = 0
        count = 0
        links = []
        # The named trees are listed first (metadata only), so progress has a total and the GUI an ETA.
        planned = []
        for raw in ctx.options["paths"]:
            if ctx.cancelled:
                return
            real = ctx.path(raw) if ctx.root and str(raw).startswith("/") else Path(raw)
            if not sources.lexists(real):
                yield ctx.incomplete(f"{raw}: no such file or folder")
                continue
            if real.is_symlink():
                planned.append([(real, "link")])
            elif real.is_dir():
                planned.append(list(walk_tree(ctx, real, max_depth=64)))
            else:
                planned.append([(real, "file")])
        files = sum(1 for entries in planned for _f, kind in entries if kind == "file")
        for entries in planned:
            for f, kind in entries:
                if ctx.cancelled:
                    return
                if kind == "link":
                    target = sources.readlink(f)
                    links.append({"path": ctx.logical(f), "target": os.fsdecode(target)})
                    yield ctx.incomplete(f"{ctx.logical(f)} is a symbolic link to {os.fsdecode(target)}: not followed")
                    continue
                if kind != "file":
                    yield ctx.incomplete(f"{ctx.logical(f)} is not a regular file (device, socket or pipe): not copied")
                    continue
                if max_total is not None and total >= int(max_total):
                    yield ctx.incomplete(f"total size cap of {max_total} bytes reached: {ctx.logical(f)} "
                                         "and the files after it were not copied")
                    return
                limit = max_file if max_total is None else min(max_file, int(max_total) - total)
                result = ctx.put_file(f, limit=limit, custody_action="add")
                yield result
                count += 1
                total += getattr(result, "size", 0)
                yield ctx.progress(count, files, ctx.logical(f))
        if links:
            yield ctx.put_records("symlinks.json", Symlink, records.from_dicts(Symlink, links), source="named paths (symbolic links, not followed)")
