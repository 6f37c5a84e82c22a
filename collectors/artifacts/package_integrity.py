"""B4 package integrity: every file dpkg or rpm owns checked against the package database's digest, read
directly (never the host's `dpkg -V` or `rpm -V`), and the executables in PATH folders no package owns.

- dpkg: ``/var/lib/dpkg/info/*.md5sums`` (MD5 of each shipped file) and the ``Conffiles:`` of
  ``/var/lib/dpkg/status`` (configuration files, whose changes are expected: marked ``config``);
- rpm: the sqlite database (``/var/lib/rpm/rpmdb.sqlite``, Fedora 33+/RHEL 9), headers decoded here
  (names, digests with their algorithm, the config flag), or the older Berkeley DB ``Packages`` file
  (RHEL/CentOS 7, older SUSE) read page by page by `_rpmdb`; the ndb layout is named as not read;
- ``package_files.json`` (PackageFileCheck): only the files that are changed, missing or unreadable (the
  counts of those that match are in the summary record); ``unowned_executables.json`` (UnownedExecutable).

Files are read with O_NOATIME on two hashing threads. ``options['package_scope']`` (or UNGCUU_PACKAGE_SCOPE):
``binaries`` (default: programs, libraries, kernel and PAM modules, configuration), ``all``, ``config``.
"""
from __future__ import annotations

import os
import sqlite3
import stat
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .. import records
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
# The default scope: what a trojan replaces (programs, libraries, kernel and PAM modules, configuration).
BINARY_PARTS = ("/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/", "/libexec/", "/security/", "/modules/")


def in_binary_scope(path: str) -> bool:
    if path.startswith("/etc/"):
        return True
    base = path.rsplit("/", 1)[-1]
    if ".so" in base or base.endswith((".ko", ".ko.xz", ".ko.zst")):
        return True
    return any(p in path for p in BINARY_PARTS) and "/share/" not in path and not base.endswith(
        (".py", ".pyc", ".h", ".txt", ".html", ".pm", ".pod", ".gz", ".json", ".xml", ".png", ".svg"))


@records.record("package_file_check", version=1)
@dataclass
class PackageFileCheck:
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
    extra: dict = field(default_factory=dict)


@records.record("package_integrity_summary", version=1)
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
def _listdir(folder) -> list[str]:
    """Names in a folder, listed without changing its access time."""
    fd = lfs.open_dir_noatime(os.fsencode(str(folder)))
    try:
        return os.listdir(fd)
    finally:
        os.close(fd)


def dpkg_conffiles(status_text: str) -> dict[str, tuple[str, str]]:
    """{path: (md5, package)} of the Conffiles of every package in dpkg's status file."""
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


def owned_paths(ctx: Context) -> set[str]:
    """Every path a dpkg package lists (/var/lib/dpkg/info/*.list), with its /usr-merged twin."""
    owned: set[str] = set()
    info = resolve_in_root(ctx, "/var/lib/dpkg/info")
    if info is not None:
        try:
            names = [n for n in _listdir(info) if n.endswith(".list")]
        except OSError:
            names = []
        for n in names:
            for line in (read_logical(ctx, f"/var/lib/dpkg/info/{n}", limit=64 << 20) or "").splitlines():
                if line.startswith("/"):
                    owned.add(line)
                    if line.startswith(MERGED):
                        owned.add("/usr" + line)
                    elif line.startswith("/usr/") and line[4:].startswith(MERGED):
                        owned.add(line[4:])
    for _pkg, _algo, _digest, path, _flags in rpm_files(ctx, notes=[]):
        owned.add(path)
        if path.startswith("/usr/") and path[4:].startswith(MERGED):
            owned.add(path[4:])
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
            yield from _rpm_bdb_files(folder / "Packages", notes)
        elif (folder / "Packages.db").exists():
            notes.append("the rpm database is in the ndb layout, which is not read: rpm files not checked")
        return
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


def _rpm_header_files(blob: bytes, where: str, notes: list):
    try:
        h = parse_rpm_header(blob)
    except (ValueError, struct.error):
        notes.append(f"{where}: a damaged package header was skipped")
        return
    name = h.get(1000, "?")
    base, dirs, idx = h.get(1117) or [], h.get(1118) or [], h.get(1116) or []
    digests, flags = h.get(1035) or [], h.get(1037) or []
    algo = RPM_DIGEST_ALGOS.get((h.get(5011) or [1])[0], "md5")
    for i, b in enumerate(base):
        d = dirs[idx[i]] if i < len(idx) and idx[i] < len(dirs) else ""
        yield (name, algo, digests[i] if i < len(digests) else "", d + b, flags[i] if i < len(flags) else 0)


# ------------------------------------------------------------------ checking
def _check(real: bytes, algo: str) -> tuple[str, str | None, os.stat_result | None, int]:
    """('ok'|'missing'|'unreadable'|'other', hex digest, lstat, bytes read)."""
    try:
        st = os.stat(real, follow_symlinks=False)
    except FileNotFoundError:
        return "missing", None, None, 0
    except OSError as exc:
        return "unreadable", exc.strerror, None, 0
    if not stat.S_ISREG(st.st_mode):
        return "other", None, st, 0
    try:
        (digest,), n = lfs.hash_path(real, (algo,))
    except OSError as exc:
        return "unreadable", exc.strerror, st, 0
    return "ok", digest, st, n


class PackageIntegrity(Collector):
    folders_only = True
    name = "package_integrity"
    version = "1.0"
    os = ("linux",)

    def check(self, ctx: Context) -> str | None:
        if resolve_in_root(ctx, "/var/lib/dpkg/info") is None and resolve_in_root(ctx, "/var/lib/rpm") is None:
            return "no dpkg or rpm database on this system"
        return None

    def _real(self, ctx: Context, path: str) -> bytes:
        return os.fsencode(str(ctx.path(path)))

    def collect(self, ctx: Context):
        notes: list[str] = []
        status = read_logical(ctx, "/var/lib/dpkg/status", limit=512 << 20) or ""
        conf = dpkg_conffiles(status)
        jobs = []  # (manager, package, algo, expected, path, config)
        for pkg, md5, path in dpkg_manifests(ctx):
            jobs.append(("dpkg", pkg, "md5", md5, path, path in conf))
        listed = {j[4] for j in jobs}
        for path, (md5, pkg) in conf.items():
            if path not in listed and md5 not in ("newconffile", "obsolete"):
                jobs.append(("dpkg", pkg, "md5", md5, path, True))
        for pkg, algo, digest, path, flags in rpm_files(ctx, notes):
            if digest and not flags & RPMFILE_GHOST:
                jobs.append(("rpm", pkg, algo, digest, path, bool(flags & RPMFILE_CONFIG)))
        scope = ctx.options.get("package_scope") or (os.environ.get("UNGCUU_PACKAGE_SCOPE") if ctx.live else None) \
            or "binaries"
        if scope == "config":
            kept = [j for j in jobs if j[5]]
            if len(kept) < len(jobs):
                notes.append(f"{len(jobs) - len(kept)} package files that are not configuration were not checked "
                             "(options package_scope=all checks every file)")
            jobs = kept
        elif scope != "all":
            kept = [j for j in jobs if j[5] or in_binary_scope(j[4])]
            if len(kept) < len(jobs):
                notes.append(f"{len(jobs) - len(kept)} package files that are not programs, libraries, modules "
                             "or configuration were not checked (options package_scope=all checks every file)")
            jobs = kept
        yield ctx.progress(0, len(jobs), "package files to check")
        problems: list[PackageFileCheck] = []
        sums: dict[str, IntegritySummary] = {}
        pkgs: dict[str, set] = {}
        done = 0
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pkg-hash") as pool:
            batch = 512
            for start in range(0, len(jobs), batch):
                if ctx.cancelled:
                    return
                chunk = jobs[start:start + batch]
                results = pool.map(lambda j: _check(self._real(ctx, j[4]), j[2]), chunk)
                for (mgr, pkg, algo, expected, path, config), (state, digest, st, n) in zip(chunk, results):
                    s = sums.setdefault(mgr, IntegritySummary(mgr, 0, 0, 0, 0, 0, 0, 0, 0))
                    pkgs.setdefault(mgr, set()).add(pkg)
                    s.files_checked += 1
                    s.bytes_hashed += n
                    if state == "other":
                        s.matched += 1  # a link or folder where the manifest names one (alternatives, merged /usr)
                        continue
                    if state == "ok" and digest == expected.lower():
                        s.matched += 1
                        continue
                    row = PackageFileCheck(path=path, package=pkg, manager=mgr, status=state, config=config,
                                           algorithm=algo, expected=expected)
                    if state == "ok":
                        row.status = "changed"
                        row.actual = digest
                        if config:
                            s.config_changed += 1
                        else:
                            s.changed += 1
                        try:
                            (row.sha256,), _ = lfs.hash_path(self._real(ctx, path))
                        except OSError:
                            pass
                    elif state == "missing":
                        s.missing += 1
                    else:
                        s.unreadable += 1
                        row.detail = digest or ""
                    if st is not None:
                        row.size, row.mtime, row.ctime = st.st_size, ts_to_iso(st.st_mtime), ts_to_iso(st.st_ctime)
                    problems.append(row)
                done += len(chunk)
                yield ctx.progress(done, len(jobs), "package files checked")
        for mgr, s in sums.items():
            s.packages = len(pkgs[mgr])
        for n in notes:
            yield ctx.incomplete(n)
        if sums:
            yield ctx.put_records("package_files.json", PackageFileCheck, problems,
                                  source="dpkg md5sums and conffiles, rpm database digests")
            yield ctx.put_records("package_integrity_summary.json", IntegritySummary, list(sums.values()),
                                  source="dpkg md5sums and conffiles, rpm database digests")
        yield from self._unowned(ctx)

    def _unowned(self, ctx: Context):
        owned = owned_paths(ctx)
        if not owned:
            return
        rows: list[UnownedExecutable] = []
        seen: set[tuple[int, int]] = set()
        for d in PATH_DIRS:
            real = resolve_in_root(ctx, d)
            if real is None:
                continue
            try:
                st_dir = os.stat(real)
            except OSError:
                continue
            if (st_dir.st_dev, st_dir.st_ino) in seen:
                continue  # /bin -> /usr/bin
            seen.add((st_dir.st_dev, st_dir.st_ino))
            try:
                fd = lfs.open_dir_noatime(os.fsencode(str(real)))
            except OSError as exc:
                yield ctx.incomplete(f"{d}: {exc.strerror or exc}")
                continue
            try:
                names = sorted(os.fsencode(n) for n in os.listdir(fd))
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

