"""B10 Thu thập log file: everything under /var/log (text, rotated, compressed .gz copied as is, binary
wtmp/btmp/lastlog) and the shell histories of root and every user (kind=file, source = the original path).

The walk never follows symbolic links (a loop cannot trap it; links are listed in log_symlinks.json).
The journal folder is left to the journal collector. A sparse lastlog (its apparent size grows with the
highest uid) is copied up to a cap and said so. A log over the size cap keeps its newest part (where an
attack is), and the item says which bytes were left out. A named pipe, socket or device where a log or
history should be is not read (it could block, or be a log diverted on purpose) and is named in a note.
"""
from __future__ import annotations

from .. import records, sources
from ..base import Collector, Context
from ._common import Symlink, link_record, resolve_in_root, walk_tree
from .config_files import home_dirs

HISTORY_FILES = (".bash_history", ".zsh_history", ".sh_history", ".ash_history", ".history",
                 ".local/share/fish/fish_history", ".mysql_history", ".psql_history", ".python_history",
                 ".sqlite_history", ".lesshst", ".viminfo", ".wget-hsts")
DEFAULT_MAX_LOG = 4 << 30
SPARSE_CAP = 64 << 20


class LogFiles(Collector):
    name = "log_files"
    version = "1.0"
    os = ("linux",)

    def collect(self, ctx: Context):
        max_file = int(ctx.options.get("max_log_bytes") or DEFAULT_MAX_LOG)
        links: list[dict] = []
        count = 0
        varlog = resolve_in_root(ctx, "/var/log")
        files: list[sources.AnyPath] = []
        if varlog is not None:
            skip = (varlog / "journal",)
            for real, kind in walk_tree(ctx, varlog, skip=skip):
                if kind == "link":
                    links.append(link_record(ctx, real))
                elif kind == "file":
                    files.append(real)
                else:
                    yield _not_a_file(ctx, real)
        for h in home_dirs(ctx):
            for f in HISTORY_FILES:
                real = ctx.path(f"{h}/{f}")
                if real.is_symlink():
                    links.append(link_record(ctx, real))  # e.g. .bash_history -> /dev/null (anti-forensics)
                elif real.is_file():
                    files.append(real)
                elif sources.lexists(real) and not real.is_dir():
                    yield _not_a_file(ctx, real)
        total = len(files)
        for real in files:
            if ctx.cancelled:
                return
            limit, keep = max_file, "tail"  # over the cap: the newest part
            try:
                st = sources.lstat(real)
                if st.st_size > SPARSE_CAP and getattr(st, "st_blocks", None) is not None \
                        and st.st_blocks * 512 < st.st_size // 4:
                    limit, keep = min(limit, SPARSE_CAP), "head"  # sparse (lastlog): the tail is holes
            except OSError:
                pass
            result = ctx.put_file(real, limit=limit, keep=keep)
            yield result
            count += 1
            if count % 10 == 0 or count == total:
                yield ctx.progress(count, total, ctx.logical(real))
        if links:
            yield ctx.put_records("log_symlinks.json", Symlink, records.from_dicts(Symlink, links), source="symbolic links among the log files and histories")


def _not_a_file(ctx: Context, real) -> object:
    import stat

    try:
        mode = sources.lstat(real).st_mode
    except OSError:
        return ctx.incomplete(f"{ctx.logical(real)}: vanished before it could be read")
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return ctx.incomplete(f"{ctx.logical(real)} is {what} where a log file is expected: not read")
