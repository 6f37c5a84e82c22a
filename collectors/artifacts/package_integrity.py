"""B4 package integrity: every file dpkg or rpm owns checked against the package database's digest, read
directly (never the host's `dpkg -V` or `rpm -V`), and the executables in PATH folders no package owns.

- dpkg: ``/var/lib/dpkg/info/*.md5sums`` (MD5 of each shipped file) and the ``Conffiles:`` of
  ``/var/lib/dpkg/status`` (configuration files, whose changes are expected: marked ``config``);
- rpm: the sqlite database (``/var/lib/rpm/rpmdb.sqlite``, Fedora 33+/RHEL 9), headers decoded here
  (names, digests with their algorithm, the config flag), or the older Berkeley DB ``Packages`` file
  (RHEL/CentOS 7, older SUSE) read page by page by `_rpmdb`; the ndb layout is named as not read;
- ``package_files.json`` (PackageFileCheck): only the files that are changed, missing or unreadable (the
  counts of those that match are in the summary record); ``unowned_executables.json`` (UnownedExecutable).

What makes a changed digest a false alarm is handled before any file is reported:

- ``/var/lib/dpkg/diversions``: a file another package diverted is checked at its diverted-to path;
- merged /usr (``/bin -> usr/bin`` ...): ``/bin/x`` and ``/usr/bin/x`` are one file, checked once, and a
  file listed by several packages (under either name) matches when it has any owner's digest;
- a package's md5sums entry for a file another package took over (no longer in its ``.list``) is skipped;
- obsolete conffiles (``obsolete`` in the status file's Conffiles) are not expected on disk.

Each file gets a kind (``program``, ``library``, ``module`` for interpreter code, ``startup``, ``config``,
``data``) from its path and mode. Files are read with O_NOATIME on two hashing threads; inside a disk
image (collectors/sources) on one, the rpm database through a working copy in the case's tmp folder.
``options['package_scope']`` (or UNGCUU_PACKAGE_SCOPE): ``binaries`` (default: every kind but ``data``,
i.e. what a trojan or a persistence edit replaces; documentation, locale and media files and the
``node_modules`` trees that npm rewrites itself are left out and counted), ``all``, ``config``.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import stat
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator

from .. import records, sources
from ..base import Collector, Context
from ..util import decode_path, ts_to_iso
from . import _linux_fs as lfs
from . import _rpmdb
from ._common import read_logical, resolve_in_root

PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
MERGED = ("/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/")
RPM_DIGEST_ALGOS = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512", 11: "sha224"}
RPMFILE_CONFIG = 1
RPMFILE_GHOST = 1 << 6
PROGRAM_PREFIXES = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/local/bin/", "/usr/local/sbin/",
                    "/usr/games/", "/usr/libexec/", "/usr/lib/cgi-bin/")
RE_LIBRARY = re.compile(r"\.(so(\.[0-9][\w.]*)?|ko(\.(xz|zst|gz))?|a)$")
MODULE_SUFFIXES = (".py", ".pm", ".pl", ".rb", ".sh", ".js", ".mjs", ".cjs", ".php", ".lua", ".tcl")
STARTUP_PARTS = ("/systemd/", "/udev/rules.d/", "/init.d/", "/cron.", "/cron/", "/modprobe.d/", "/modules-load.d/",
                 "/tmpfiles.d/", "/pam.d/", "/security/", "/profile.d/", "/sudoers", "/xdg/autostart/",
                 "/Xsession.d/", "/apt.conf.d/", "/ld.so.conf")
# Trees whose files their own package managers rewrite (npm -g updates npm) and documentation: data.
DATA_PARTS = ("/node_modules/", "/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/locale/",
              "/usr/share/help/", "/usr/share/icons/", "/usr/share/fonts/")
KINDS = ("program", "library", "module", "startup", "config", "data")


def file_kind(path: str, mode: int = 0, config: bool = False) -> str:
    """What a package file is, for the scope and for how much a change matters: ``program`` (in a PATH
    or libexec folder, or executable), ``library`` (shared object, kernel module, static archive),
    ``module`` (interpreter code), ``startup`` (units, udev rules, PAM, cron, profile scripts), ``config``
    (a conffile or other file under /etc), ``data`` (the rest)."""
    if config:
        return "config"
    if any(p in path for p in DATA_PARTS):
        return "data"
    base = path.rsplit("/", 1)[-1]
    if path.startswith(PROGRAM_PREFIXES):
        return "program"
    if RE_LIBRARY.search(base) and "/share/" not in path:
        return "library"
    if any(p in path for p in STARTUP_PARTS):
        return "startup"
    if path.startswith("/etc/"):
        return "config"
    if stat.S_ISREG(mode) and mode & 0o111 and not path.startswith("/usr/share/doc/"):
        return "program"
    if base.endswith(MODULE_SUFFIXES) and not path.startswith("/usr/share/doc/"):
        return "module"
    return "data"


def in_binary_scope(path: str, mode: int = 0, config: bool = False) -> bool:
    """In the default scope: every kind but ``data``."""
    return file_kind(path, mode, config) != "data"


def dpkg_diversions(text: str) -> dict[str, tuple[str, str]]:
    """{diverted path: (diverted-to path, holder package)} of /var/lib/dpkg/diversions (three lines per
    diversion: from, to, the package that diverted it or ':' for a local diversion)."""
    lines = text.splitlines()
    out: dict[str, tuple[str, str]] = {}
    for i in range(0, len(lines) - 2, 3):
        src, dst, holder = lines[i], lines[i + 1], lines[i + 2]
        if src.startswith("/") and dst.startswith("/"):
            out[src] = (dst, holder.strip())
    return out


@records.record("package_file_check", version=2)
@dataclass
class PackageFileCheck:
    """``path`` as the package lists it; ``checked_path`` the file actually read when it differs (a
    diversion, the merged-/usr name); ``owners`` every package listing the file (any one's digest
    matches); ``kind`` one of KINDS."""
    path: str
    package: str
    manager: str  # dpkg | rpm
    status: str  # changed | missing | unreadable
    config: bool = False  # a configuration file: local changes are expected
    algorithm: str = "md5"
    expected: str = ""
    actual: str | None = None
    sha256: str | None = None
    size: int | None = None
    mtime: str | None = None
    ctime: str | None = None
    detail: str = ""
    kind: str = ""
    mode: str | None = None
    checked_path: str | None = None
    owners: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @staticmethod
    def upgrade(d: dict, from_version: int) -> dict:
        if not d.get("kind") and d.get("path"):
            d["kind"] = file_kind(d["path"], 0, bool(d.get("config")))
        return d


@records.record("package_integrity_summary", version=2)
@dataclass
class IntegritySummary:
    manager: str
    packages: int
    files_checked: int
    matched: int
    changed: int
    config_changed: int
    missing: int
    unreadable: int
    bytes_hashed: int
    scope: str = ""
    out_of_scope: int = 0  # listed files left out by the scope
    diverted: int = 0  # checked at their diverted-to path
    shared: int = 0  # files listed by more than one package (or under both merged-/usr names)
    superseded: int = 0  # md5sums entries of files another package took over
    obsolete_conffiles: int = 0
    extra: dict = field(default_factory=dict)


@records.record("unowned_executable", version=1)
@dataclass
class UnownedExecutable:
    path: str
    sha256: str | None
    size: int
    mode: str
    uid: int
    gid: int
    mtime: str | None = None
    ctime: str | None = None
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------ package databases
def _listdir(folder: sources.AnyPath) -> list[str]:
    """Names in a folder, listed without changing its access time (or inside a disk image)."""
    return sources.listdir(folder)


@contextlib.contextmanager
def _readable_copy(ctx: Context, path: sources.AnyPath) -> Iterator[sources.AnyPath]:
    """A database file as a real path its library can open: itself, or (inside a disk image) a working copy
    in the case's tmp folder, removed afterwards."""
    if not sources.is_virtual(path):
        yield path
        return
    ctx.case.tmp_dir.mkdir(parents=True, exist_ok=True)
    work = ctx.case.tmp_dir / f"rpmdb-{os.getpid()}-{path.name}"
    try:
        with sources.open_read(path) as src, open(work, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield work
    finally:
        work.unlink(missing_ok=True)


def dpkg_conffiles(status_text: str, obsolete: set | None = None) -> dict[str, tuple[str, str]]:
    """{path: (md5, package)} of the current Conffiles of every package in dpkg's status file. A line
    ``/path md5 obsolete`` (a conffile the package no longer ships) or ``remove-on-upgrade`` is left out
    and its path added to ``obsolete`` when given."""
    out: dict[str, tuple[str, str]] = {}
    for para in status_text.split("\n\n"):
        pkg = None
        in_conf = False
        for line in para.splitlines():
            if line.startswith("Package:"):
                pkg = line.split(":", 1)[1].strip()
            if line.startswith("Conffiles:"):
                in_conf = True
                continue
            if in_conf:
                if line[:1] != " ":
                    in_conf = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and parts[0].startswith("/"):
                    if "obsolete" in parts[1:] or "remove-on-upgrade" in parts[2:]:
                        if obsolete is not None:
                            obsolete.add(parts[0])
                        continue
                    out[parts[0]] = (parts[1], pkg or "?")
    return out


def dpkg_manifests(ctx: Context):
    """(package, md5, path) of every file in /var/lib/dpkg/info/*.md5sums."""
    info = resolve_in_root(ctx, "/var/lib/dpkg/info")
    if info is None:
        return
    try:
        names = sorted(_listdir(info))
    except OSError as exc:
        ctx.notes.append(f"/var/lib/dpkg/info: {exc.strerror or exc}")
        return
    for n in names:
        if not n.endswith(".md5sums"):
            continue
        pkg = n[: -len(".md5sums")]
        text = read_logical(ctx, f"/var/lib/dpkg/info/{n}", limit=64 << 20)
        for line in (text or "").splitlines():
            md5, _, rel = line.partition("  ")
            if len(md5) == 32 and rel:
                yield pkg, md5, "/" + rel.lstrip("/")


def merged_dirs(ctx: Context) -> tuple[str, ...]:
    """The top folders that are links into /usr on the examined system (``/bin -> usr/bin``), as
    prefixes ending in '/'."""
    out = []
    for d in MERGED:
        folder = d.rstrip("/")
        try:
            target = sources.readlink(ctx.path(folder))
        except OSError:
            continue
        if target.rstrip("/") in ("usr" + folder, "/usr" + folder):
            out.append(d)
    return tuple(out)


def canonical(path: str, merged: tuple[str, ...]) -> str:
    """The one name of a file under merged /usr: /bin/x -> /usr/bin/x when /bin links to usr/bin."""
    return "/usr" + path if merged and path.startswith(merged) else path


def dpkg_lists(ctx: Context, merged: tuple[str, ...]) -> dict[str, set[str]]:
    """{canonical path: packages whose /var/lib/dpkg/info/*.list names it}."""
    owners: dict[str, set[str]] = {}
    info = resolve_in_root(ctx, "/var/lib/dpkg/info")
    if info is None:
        return owners
    try:
        names = [n for n in _listdir(info) if n.endswith(".list")]
    except OSError:
        return owners
    for n in names:
        pkg = n[: -len(".list")]
        for line in (read_logical(ctx, f"/var/lib/dpkg/info/{n}", limit=64 << 20) or "").splitlines():
            if line.startswith("/"):
                owners.setdefault(canonical(line, merged), set()).add(pkg)
    return owners


def owned_paths(ctx: Context, extra: set[str] | None = None) -> set[str]:
    """Every path a dpkg package lists (/var/lib/dpkg/info/*.list) or an rpm package holds, and ``extra``
    (the diverted-to paths), each with its /usr-merged twin."""
    listed = set(dpkg_lists(ctx, ()))
    listed.update(extra or ())
    for _pkg, _algo, _digest, path, _flags in rpm_files(ctx, notes=[]):
        listed.add(path)
    return with_merged_twins(listed)


def with_merged_twins(listed: set[str]) -> set[str]:
    """The paths and, for each under a /usr-merged folder (/bin, /lib ...), its twin with or without /usr."""
    owned: set[str] = set()
    for line in listed:
        owned.add(line)
        if line.startswith(MERGED):
            owned.add("/usr" + line)
        elif line.startswith("/usr/") and line[4:].startswith(MERGED):
            owned.add(line[4:])
    return owned


def parse_rpm_header(blob: bytes) -> dict[int, object]:
    """Tag -> value of an rpm header blob (as the sqlite database stores it: index count, data length,
    16-byte index entries, data). Strings, string arrays, int16/int32 arrays are decoded."""
    il, dl = struct.unpack_from(">II", blob)
    base = 8 + 16 * il
    if il > 100_000 or base + dl > len(blob):
        raise ValueError("implausible rpm header sizes")
    data = blob[base: base + dl]
    out: dict[int, object] = {}
    for i in range(il):
        tag, typ, off, cnt = struct.unpack_from(">IIiI", blob, 8 + 16 * i)
        if off < 0 or off > dl:
            continue
        if typ == 6 or typ == 9:  # STRING, I18NSTRING (first)
            end = data.index(b"\0", off)
            out[tag] = data[off:end].decode("utf-8", "replace")
        elif typ == 8:  # STRING_ARRAY
            vals, pos = [], off
            for _ in range(cnt):
                end = data.index(b"\0", pos)
                vals.append(data[pos:end].decode("utf-8", "surrogateescape"))
                pos = end + 1
            out[tag] = vals
        elif typ == 4:
            out[tag] = list(struct.unpack_from(f">{cnt}I", data, off))
        elif typ == 3:
            out[tag] = list(struct.unpack_from(f">{cnt}H", data, off))
    return out


def rpm_files(ctx: Context, notes: list):
    """(package, algorithm, hex digest, path, flags) of every file in the rpm database (sqlite, or the
    Berkeley DB ``Packages`` file read by `_rpmdb`)."""
    folder = resolve_in_root(ctx, "/var/lib/rpm")
    if folder is None:
        return
    db = folder / "rpmdb.sqlite"
    if not db.is_file():
        if (folder / "Packages").is_file():  # the Berkeley DB layout (RHEL/CentOS 7, older SUSE)
            try:
                with _readable_copy(ctx, folder / "Packages") as bdb:
                    yield from _rpm_bdb_files(bdb, notes)
            except OSError as exc:
                notes.append(f"/var/lib/rpm/Packages (Berkeley DB) not read: {exc}: rpm files not checked")
        elif (folder / "Packages.db").exists():
            notes.append("the rpm database is in the ndb layout, which is not read: rpm files not checked")
        return
    try:
        with _readable_copy(ctx, db) as local:
            yield from _rpm_sqlite_files(local, notes)
    except OSError as exc:
        notes.append(f"/var/lib/rpm/rpmdb.sqlite: {exc}")


def _rpm_sqlite_files(db: sources.AnyPath, notes: list):
    try:
        # immutable=1: sqlite never writes beside an evidence database (no -wal, -shm or journal)
        con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
        rows = con.execute("SELECT blob FROM Packages")
    except sqlite3.Error as exc:
        notes.append(f"/var/lib/rpm/rpmdb.sqlite: {exc}")
        return
    try:
        for (blob,) in rows:
            yield from _rpm_header_files(bytes(blob), "/var/lib/rpm/rpmdb.sqlite", notes)
    except sqlite3.Error as exc:
        notes.append(f"/var/lib/rpm/rpmdb.sqlite: {exc}")
    finally:
        con.close()


def _rpm_bdb_files(path, notes: list):
    problems: list[str] = []
    try:
        for blob in _rpmdb.rpm_header_blobs(path, problems):
            yield from _rpm_header_files(blob, "/var/lib/rpm/Packages", notes)
    except (_rpmdb.BdbError, OSError) as exc:
        notes.append(f"/var/lib/rpm/Packages (Berkeley DB) not read: {exc}: rpm files not checked")
    notes.extend(f"/var/lib/rpm/Packages (Berkeley DB): {p}" for p in problems)


def _array(h: dict[int, object], tag: int) -> list:
    """An array tag of a parsed rpm header; [] when absent or not an array (a damaged header)."""
    v = h.get(tag)
    return v if isinstance(v, list) else []


def _rpm_header_files(blob: bytes, where: str, notes: list):
    try:
        h = parse_rpm_header(blob)
    except (ValueError, struct.error):
        notes.append(f"{where}: a damaged package header was skipped")
        return
    name = h.get(1000, "?")
    base, dirs, idx = _array(h, 1117), _array(h, 1118), _array(h, 1116)
    digests, flags = _array(h, 1035), _array(h, 1037)
    algo = RPM_DIGEST_ALGOS.get((_array(h, 5011) or [1])[0], "md5")
    for i, b in enumerate(base):
        d = dirs[idx[i]] if i < len(idx) and idx[i] < len(dirs) else ""
        yield (name, algo, digests[i] if i < len(digests) else "", d + b, flags[i] if i < len(flags) else 0)


# ------------------------------------------------------------------ checking
def _check(real: bytes | sources.VPath, algo: str, keep) -> tuple[str, str | None, os.stat_result | sources.VStat | None, int]:
    """('ok'|'missing'|'unreadable'|'other'|'skipped', hex digest, lstat, bytes read). ``keep(st)``
    says whether a regular file is in scope (read) or 'skipped'."""
    try:
        st = sources.lstat(real)
    except FileNotFoundError:
        return "missing", None, None, 0
    except OSError as exc:
        return "unreadable", exc.strerror, None, 0
    if not stat.S_ISREG(st.st_mode):
        return "other", None, st, 0
    if not keep(st):
        return "skipped", None, st, 0
    try:
        (digest,), n = lfs.hash_path(real, (algo,))
    except OSError as exc:
        return "unreadable", exc.strerror, st, 0
    return "ok", digest, st, n


ABSENT_FILE = os.stat_result((stat.S_IFREG,) + (0,) * 9)  # what the scope sees of a missing file


@dataclass
class _Job:
    """One file to check: where it is read, and every (package, digest, listed path) that names it."""
    manager: str
    algo: str
    checked: str
    config: bool
    entries: list = field(default_factory=list)  # (package, expected digest, listed path)
    diverted: bool = False


class PackageIntegrity(Collector):
    name = "package_integrity"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        if resolve_in_root(ctx, "/var/lib/dpkg/info") is None and resolve_in_root(ctx, "/var/lib/rpm") is None:
            return "no dpkg or rpm database on this system"
        return None

    def _real(self, ctx: Context, path: str) -> bytes | sources.VPath:
        real = ctx.path(path)
        return real if isinstance(real, sources.VPath) else os.fsencode(str(real))

    def jobs(self, ctx: Context, notes: list, counts: dict) -> tuple[list[_Job], set[str]]:
        """The files to check, each once, and every path a package owns (for `owned_paths`'s answer without
        reading the databases again): diversions applied, merged-/usr names
        joined, entries of files another package took over and obsolete conffiles left out (counted in
        ``counts``)."""
        merged = merged_dirs(ctx)
        diversions = {canonical(k, merged): (canonical(v[0], merged), v[1]) for k, v in dpkg_diversions(
            read_logical(ctx, "/var/lib/dpkg/diversions", limit=64 << 20) or "").items()}
        status = read_logical(ctx, "/var/lib/dpkg/status", limit=512 << 20) or ""
        obsolete: set[str] = set()
        conf = {canonical(k, merged): v for k, v in dpkg_conffiles(status, obsolete).items()}
        counts["obsolete_conffiles"] = len(obsolete)
        owners = dpkg_lists(ctx, merged)
        by_path: dict[tuple[str, str], _Job] = {}

        def add(mgr, pkg, algo, digest, path, config):
            where = canonical(path, merged)
            diverted = False
            if where in diversions:
                to, holder = diversions[where]
                if holder != pkg.split(":")[0]:  # another package's (or a local ':') diversion: the file moved
                    where, diverted = to, True
            job = by_path.get((mgr, where))
            if job is None:
                job = by_path[(mgr, where)] = _Job(mgr, algo, where, config, diverted=diverted)
            job.config = job.config or config
            job.entries.append((pkg, digest.lower(), path))

        for pkg, md5, path in dpkg_manifests(ctx):
            name = canonical(path, merged)
            if owners and name in owners and pkg.split(":")[0] not in {o.split(":")[0] for o in owners[name]}:
                counts["superseded"] += 1  # taken over by another package: its md5sums entry is stale
                continue
            if name in obsolete:
                continue
            add("dpkg", pkg, "md5", md5, path, name in conf)
        for path, (md5, pkg) in conf.items():
            if ("dpkg", path) not in by_path and md5 != "newconffile":
                add("dpkg", pkg, "md5", md5, path, True)
        listed = set(owners) | {v[0] for v in diversions.values()}
        for pkg, algo, digest, path, flags in rpm_files(ctx, notes):
            listed.add(path)
            if digest and not flags & RPMFILE_GHOST:
                add("rpm", pkg, algo, digest, path, bool(flags & RPMFILE_CONFIG))
        jobs = list(by_path.values())
        counts["diverted"] = sum(j.diverted for j in jobs)
        counts["shared"] = sum(len({e[0] for e in j.entries}) > 1 or len({e[2] for e in j.entries}) > 1
                               for j in jobs)
        return jobs, listed

    def collect(self, ctx: Context):
        notes: list[str] = []
        counts = {"superseded": 0, "obsolete_conffiles": 0, "diverted": 0, "shared": 0}
        jobs, package_paths = self.jobs(ctx, notes, counts)
        scope = ctx.options.get("package_scope") or (os.environ.get("UNGCUU_PACKAGE_SCOPE") if ctx.live else None) \
            or "binaries"
        if scope not in ("binaries", "all", "config"):
            notes.append(f"unknown package_scope {scope!r} (binaries, all or config): binaries used")
            scope = "binaries"

        def keep_for(job: _Job):
            if scope == "all":
                return lambda st: True
            if scope == "config":
                return lambda st: job.config
            return lambda st: in_binary_scope(job.checked, st.st_mode, job.config)

        yield ctx.progress(0, len(jobs), "package files to check")
        problems: list[PackageFileCheck] = []
        sums: dict[str, IntegritySummary] = {}
        pkgs: dict[str, set] = {}
        done = 0
        # a disk image's file system is read by one thread (its library is not thread-safe)
        workers = 1 if sources.is_virtual(ctx.root) else 2
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pkg-hash") as pool:
            batch = 512
            for start in range(0, len(jobs), batch):
                if ctx.cancelled:
                    return
                chunk = jobs[start:start + batch]
                results = pool.map(lambda j: _check(self._real(ctx, j.checked), j.algo, keep_for(j)), chunk)
                for job, (state, digest, st, n) in zip(chunk, results):
                    mgr = job.manager
                    s = sums.setdefault(mgr, IntegritySummary(mgr, 0, 0, 0, 0, 0, 0, 0, 0, scope=scope))
                    pkgs.setdefault(mgr, set()).update(e[0] for e in job.entries)
                    kind = file_kind(job.checked, st.st_mode if st is not None else 0, job.config)
                    if state == "skipped" or state == "missing" and not keep_for(job)(ABSENT_FILE):
                        s.out_of_scope += 1
                        continue
                    s.files_checked += 1
                    s.bytes_hashed += n
                    if state == "other":
                        s.matched += 1  # a link or folder where the manifest names one (alternatives, merged /usr)
                        continue
                    if state == "ok" and any(digest == e[1] for e in job.entries):
                        s.matched += 1
                        continue
                    pkg, expected, listed = job.entries[0]
                    row = PackageFileCheck(path=listed, package=pkg, manager=mgr, status=state, config=job.config,
                                           algorithm=job.algo, expected=expected, kind=kind,
                                           checked_path=job.checked if job.checked != listed else None,
                                           owners=sorted(owners) if len(owners := {e[0] for e in job.entries}) > 1
                                           else [])
                    if len(job.entries) > 1:
                        row.extra["expected_any"] = sorted({e[1] for e in job.entries})
                    if state == "ok":
                        row.status = "changed"
                        row.actual = digest
                        if job.config:
                            s.config_changed += 1
                        else:
                            s.changed += 1
                        try:
                            (row.sha256,), _ = lfs.hash_path(self._real(ctx, job.checked))
                        except OSError:
                            pass
                    elif state == "missing":
                        s.missing += 1
                    else:
                        s.unreadable += 1
                        row.detail = digest or ""
                    if st is not None:
                        row.size, row.mtime, row.ctime = st.st_size, ts_to_iso(st.st_mtime), ts_to_iso(st.st_ctime)
                        row.mode = stat.filemode(st.st_mode)
                    problems.append(row)
                done += len(chunk)
                yield ctx.progress(done, len(jobs), "package files checked")
        for mgr, s in sums.items():
            s.packages = len(pkgs[mgr])
            if mgr == "dpkg":
                for k, v in counts.items():
                    setattr(s, k, v)
            if s.out_of_scope and scope == "config":
                notes.append(f"{s.out_of_scope} {mgr} package files that are not configuration were not checked "
                             "(options package_scope=all checks every file)")
            elif s.out_of_scope:
                notes.append(f"{s.out_of_scope} {mgr} package files of documentation, data or node_modules trees "
                             "were not checked (options package_scope=all checks every file)")
        for note in notes:
            yield ctx.incomplete(note)
        if sums:
            yield ctx.put_records("package_files.json", PackageFileCheck, problems,
                                  source="dpkg md5sums, conffiles and diversions, rpm database digests")
            yield ctx.put_records("package_integrity_summary.json", IntegritySummary, list(sums.values()),
                                  source="dpkg md5sums, conffiles and diversions, rpm database digests")
        yield from self._unowned(ctx, with_merged_twins(package_paths))

    def _unowned(self, ctx: Context, owned: set[str]):
        if not owned:
            return
        rows: list[UnownedExecutable] = []
        seen: set[tuple[int, int]] = set()
        for d in PATH_DIRS:
            real = resolve_in_root(ctx, d)
            if real is None:
                continue
            try:
                st_dir = sources.stat(real)
            except OSError:
                continue
            if (st_dir.st_dev, st_dir.st_ino) in seen:
                continue  # /bin -> /usr/bin
            seen.add((st_dir.st_dev, st_dir.st_ino))
            if sources.is_virtual(real):
                try:
                    rows += self._unowned_in_image(real, d, owned)
                except OSError as exc:
                    yield ctx.incomplete(f"{d}: {exc.strerror or exc}")
                continue
            try:
                fd = lfs.open_dir_noatime(os.fsencode(str(real)))
            except OSError as exc:
                yield ctx.incomplete(f"{d}: {exc.strerror or exc}")
                continue
            try:
                names = sorted(os.fsencode(n) for n in sources.listdir(real))
                for name in names:
                    logical = f"{d}/{decode_path(name)}"
                    if logical in owned:
                        continue
                    try:
                        st = lfs.statx(fd, name)
                    except OSError:
                        continue
                    if not stat.S_ISREG(st.mode) or not st.mode & 0o111:
                        continue
                    try:
                        (digest,), _ = lfs.hash_at(fd, name)
                    except OSError:
                        digest = None
                    rows.append(UnownedExecutable(logical, digest, st.size, stat.filemode(st.mode), st.uid, st.gid,
                                                  ts_to_iso(st.mtime_ns / 1e9), ts_to_iso(st.ctime_ns / 1e9)))
            finally:
                os.close(fd)
        yield ctx.put_records("unowned_executables.json", UnownedExecutable, rows,
                              source="PATH folders against the package file lists")

    @staticmethod
    def _unowned_in_image(folder: sources.VPath, d: str, owned) -> list[UnownedExecutable]:
        """The executables of one PATH folder inside a disk image that no package owns."""
        rows: list[UnownedExecutable] = []
        for e in sorted(folder.scandir(), key=lambda e: os.fsencode(e.name)):
            logical = f"{d}/{e.name}"
            if logical in owned:
                continue
            try:
                st = lfs.from_vstat(e.stat(follow_symlinks=False))
            except OSError:
                continue
            if not stat.S_ISREG(st.mode) or not st.mode & 0o111:
                continue
            try:
                (digest,), _ = lfs.hash_path(sources.entry_path(e))
            except OSError:
                digest = None
            rows.append(UnownedExecutable(logical, digest, st.size, stat.filemode(st.mode), st.uid, st.gid,
                                          ts_to_iso(st.mtime_ns / 1e9), ts_to_iso(st.ctime_ns / 1e9)))
        return rows

