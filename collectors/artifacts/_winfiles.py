"""Files of the Windows file artifacts (Prefetch, Recycle Bin, LNK, logs...), found by case-insensitive
glob patterns under the examined root (an offline root, or the system drive live), never following a
link; copied into the case so that the parsers read the hashed copy."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from .. import sources


def system_drive(ctx) -> Path:
    """The examined Windows file system's root: the offline root, or the live system drive."""
    if ctx.root is not None:
        return ctx.root  # a folder (Path) or a file system read without mounting it (VPath)
    return Path(os.environ.get("SystemDrive", "C:") + "\\")  # pragma: no cover - Windows


def glob_ci(base: Path, pattern: str, *, max_depth: int = 12, limit: int = 100_000) -> list[Path]:
    """Regular files under `base` matching `pattern` ('Users/*/AppData/**/*.lnk'), each part matched
    without regard to case, '**' as any number of folders; links are neither followed nor returned."""
    parts = [p for p in pattern.replace("\\", "/").split("/") if p]
    out: list[Path] = []

    def walk(cur: Path, i: int, depth: int) -> None:
        if len(out) >= limit or depth > max_depth:
            return
        try:
            entries = sorted(sources.scandir(cur), key=lambda e: e.name.lower())
        except OSError:
            return
        part = parts[i].lower()
        last = i == len(parts) - 1
        if part == "**":
            walk(cur, i + 1, depth)  # zero folders
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    walk(sources.entry_path(e), i, depth + 1)
            return
        for e in entries:
            if not fnmatch.fnmatchcase(e.name.lower(), part):
                continue
            if last:
                if e.is_file(follow_symlinks=False):
                    out.append(sources.entry_path(e))
            elif e.is_dir(follow_symlinks=False):
                walk(sources.entry_path(e), i + 1, depth + 1)

    if parts:
        walk(base, 0, 0)
    return out


def find(ctx, patterns: tuple[str, ...]) -> list[Path]:
    """Every file matching any of `patterns`, once, in a stable order."""
    base = system_drive(ctx)
    seen: dict[str, Path] = {}
    for pat in patterns:
        for p in glob_ci(base, pat):
            seen.setdefault(str(p), p)
    return list(seen.values())


def user_of(ctx, real: Path) -> str | None:
    """The profile a file belongs to (Users/<name>/...), or None."""
    parts = ctx.logical(real).strip("/").replace("\\", "/").split("/")
    return parts[1] if len(parts) > 2 and parts[0].lower() == "users" else None


def copy_all(ctx, patterns: tuple[str, ...], what: str):
    """Generator for a collector that copies files for the timeline parsers: yields each stored record
    and progress; a run with none found says so."""
    files = find(ctx, patterns)
    if not files:
        yield ctx.incomplete(f"no {what} found")
        return
    for i, p in enumerate(files):
        if ctx.cancelled:
            return
        yield ctx.put_file(p)
        yield ctx.progress(i + 1, len(files), p.name)


class FileArtifact:
    """Mixin of the copy-only Windows collectors: `PATTERNS` and `WHAT` name what they copy."""

    PATTERNS: tuple[str, ...] = ()
    WHAT = ""

    def check(self, ctx) -> str | None:
        return None if find(ctx, self.PATTERNS) else f"no {self.WHAT} here"

    def collect(self, ctx):
        yield from copy_all(ctx, self.PATTERNS, self.WHAT)
