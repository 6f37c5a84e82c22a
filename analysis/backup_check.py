"""R2 "khôi phục từ các bản sao lưu hệ thống sạch": would restoring this backup restore the attacker too?

A backup is a folder, an archive (tar in any compression, zip) or a disk / partition image (read through
The Sleuth Kit, allocated files only); it is only ever read (folders the forensic way: O_NOATIME, no
link followed). The answer has two parts:

- does the backup predate the first malicious event of the case (the earliest high or critical finding
  with a time, or the earliest marked timeline event)? Its time is the newest file time inside it;
- does it hold the incident's indicators: file hashes from the findings and the plan (quarantined files),
  the persistence paths and entries found (the cron line, the unit file, the SSH key, the account in
  etc/passwd), YARA rules and IOC files given (hashes; IP addresses and domains in small text files)?

A backup path matches a system path by its tail: ``etc/crontab`` and ``srv/backup/etc/crontab`` both stand
for ``/etc/crontab``.

    for ev in iter_check(case, "/mnt/backup", ioc_file=..., yara_file=..., cancel=...):
        ...                        # BackupProgress, then the BackupResult (also kept by record())
"""
from __future__ import annotations

import hashlib
import json
import os
import tarfile
import threading
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from collectors.util import list_source_dir, open_source, utc_now_iso

READ_LIMIT = 256 << 20       # members bigger than this are hashed but not searched for text or YARA
TEXT_LIMIT = 1 << 20         # IP addresses / domains are searched in files up to this size
_TABLE = ("CREATE TABLE IF NOT EXISTS analysis_backup_checks (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
          "source TEXT NOT NULL, verdict TEXT NOT NULL, result TEXT NOT NULL)")
VERDICT_VI = {"clean": "sạch: có trước sự cố và không chứa dấu hiệu nào",
              "contains_indicators": "KHÔNG SẠCH: chứa dấu hiệu của sự cố",
              "after_compromise": "có sau thời điểm bị xâm nhập: không thấy dấu hiệu đã biết nhưng có thể chứa thứ chưa phát hiện",
              "incomplete": "chưa quét hết (bị dừng): chưa kết luận được",
              "unknown_time": "không thấy dấu hiệu; chưa xác định được thời điểm xâm nhập đầu tiên"}


@dataclass
class BackupProgress:
    done: int
    message: str


@dataclass
class BackupResult:
    source: str
    kind: str                       # folder | tar | zip | image
    at: str
    files: int
    newest_file_time: str | None
    first_malicious: str | None
    predates: bool | None
    hits: list[dict] = field(default_factory=list)   # [{member, indicator, what, detail}]
    verdict: str = "unknown_time"
    source_sha256: str | None = None
    problems: list[str] = field(default_factory=list)
    indicators: dict = field(default_factory=dict)
    cancelled: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Indicator:
    path: str | None = None         # a system path (matched by tail)
    needle: str | None = None       # text that must be in it (a cron line, a key blob, "name:" of passwd)
    what: str = ""
    ref: str = ""                   # the plan step or finding it comes from


def _iso(ts: float | None) -> str | None:
    import datetime as dt

    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ----------------------------------------------------------------------------- what to look for
def first_malicious(case, found) -> str | None:
    times = [f.time for f in found if f.severity in ("high", "critical") and f.time]
    try:
        from analysis import timeline

        for m in timeline.marks(case):
            if m.get("ts") is not None:
                from analysis.events import iso_z

                times.append(iso_z(m["ts"]))
    except Exception:  # noqa: BLE001 - no timeline yet (or a damaged one): the findings' times alone
        pass
    return min(times) if times else None


def case_indicators(case, found, plan=None) -> tuple[set[str], list[Indicator]]:
    """SHA-256 hashes and path indicators from the findings and the remediation plan."""
    from analysis import remediation

    hashes: set[str] = set()
    for f in found:
        d = f.details or {}
        for k in ("exe_sha256", "sha256"):
            v = d.get(k)
            if isinstance(v, str) and len(v) == 64 and f.severity in ("medium", "high", "critical"):
                hashes.add(v.lower())
    steps = plan if plan is not None else (remediation.steps(case) or remediation.build(found, remediation.case_os(case)))
    paths: list[Indicator] = []
    for s in steps:
        t = s.target
        ref = s.id if s.no else s.action
        if s.action == "remove_line":
            paths.append(Indicator(t["path"], t["line"], f"{t.get('mechanism')} line", ref))
        elif s.action == "remove_ssh_key" and t.get("comment") != "":
            paths.append(Indicator(t["path"], t["key"], "SSH key", ref))
        elif s.action in ("disable_unit",):
            paths.append(Indicator(t["path"], None, "systemd unit", ref))
        elif s.action == "quarantine_file":
            paths.append(Indicator(t["path"], None, "file to quarantine", ref))
            if t.get("sha256"):
                hashes.add(t["sha256"].lower())
        elif s.action == "lock_account" and s.os == "linux":
            paths.append(Indicator("/etc/passwd", t["account"] + ":", "account", ref))
        elif s.action == "delete_task":
            task = str(t["task"]).lstrip("\\")
            paths.append(Indicator("/Windows/System32/Tasks/" + task.replace("\\", "/"), None, "scheduled task", ref))
    return hashes, paths


# ------------------------------------------------------------------------------ backup readers
class _Member:
    __slots__ = ("name", "mtime", "size", "open")

    def __init__(self, name, mtime, size, opener):
        self.name, self.mtime, self.size, self.open = name, mtime, size, opener


def _folder(root: Path, problems: list[str]):
    stack = [os.fspath(root)]
    base = len(os.fspath(root).rstrip("/")) + 1
    while stack:
        d = stack.pop()
        try:
            entries = list_source_dir(d, follow=d == os.fspath(root))
        except OSError as exc:
            problems.append(f"{d[base:] or '.'}: {exc.strerror or exc}")
            continue
        for e in entries:
            path = os.fsdecode(e.path)  # a str folder lists str paths
            if e.is_symlink():
                continue
            if e.is_dir():
                stack.append(path)
            elif e.is_file():
                try:
                    st = os.lstat(path)
                except OSError as exc:
                    problems.append(f"{path[base:]}: {exc.strerror or exc}")
                    continue

                def opener(p=path, st=st):
                    return os.fdopen(open_source(p, expect=st), "rb")

                yield _Member(path[base:], st.st_mtime, st.st_size, opener)


def _tar(path: Path, problems: list[str]):
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            if m.isfile():
                yield _Member(m.name, m.mtime, m.size, lambda m=m: tf.extractfile(m))


def _zip(path: Path, problems: list[str]):
    import calendar

    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir():
                continue
            ts = calendar.timegm(info.date_time + (0, 0, -1))
            yield _Member(info.filename, ts, info.file_size, lambda i=info: z.open(i))


def _image(path: Path, problems: list[str]):
    import io

    import pytsk3

    from collectors.acquire.recover import find_filesystems, open_image

    img = open_image(str(path))
    for info, fs in find_filesystems(img):
        prefix = f"{info.partition}/" if getattr(info, "partition", None) not in (None, "", "whole") else ""

        def walk(directory, parent, depth=0):
            if depth > 64:
                return
            for entry in directory:
                name = entry.info.name.name.decode("utf-8", "replace")
                if name in (".", "..") or entry.info.meta is None:
                    continue
                if int(entry.info.name.flags) & int(pytsk3.TSK_FS_NAME_FLAG_UNALLOC):
                    continue
                meta = entry.info.meta
                full = f"{parent}/{name}" if parent else name
                if meta.type == pytsk3.TSK_FS_META_TYPE_DIR:
                    try:
                        yield from walk(entry.as_directory(), full, depth + 1)
                    except OSError as exc:
                        problems.append(f"{full}: {exc}")
                elif meta.type == pytsk3.TSK_FS_META_TYPE_REG:
                    size = int(meta.size)

                    def opener(e=entry, size=size):
                        return io.BytesIO(e.read_random(0, min(size, READ_LIMIT)) if size else b"")

                    yield _Member(prefix + full, int(meta.mtime), size, opener)  # noqa: B023 - called within this iteration

        try:
            yield from walk(fs.open_dir("/"), "")
        except OSError as exc:
            problems.append(f"{prefix or '/'}: {exc}")


def _kind(path: Path) -> str:
    if path.is_dir():
        return "folder"
    if zipfile.is_zipfile(path):
        return "zip"
    # tarfile.is_tarfile takes a mostly-zero file system image for a tar: the magic numbers decide
    with os.fdopen(open_source(path), "rb") as fh:
        head = fh.read(512)
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")) or head[257:262] == b"ustar":
        return "tar"
    return "image"


READERS = {"folder": _folder, "tar": _tar, "zip": _zip, "image": _image}


# --------------------------------------------------------------------------------------- check
def _tail_match(member: str, path: str) -> bool:
    m = "/" + member.replace("\\", "/").lstrip("./").lstrip("/")
    p = "/" + path.replace("\\", "/").lstrip("/")
    if len(p) > 2 and p[2] == ":":                      # C:/Windows/... -> /Windows/...
        p = p[3:]
    return m.lower().endswith(p.lower()) if "\\" in path or ":" in path[:3] else m.endswith(p)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    fd = open_source(path)
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def iter_check(case, source, *, found=None, plan=None, ioc_file=None, yara_file=None, cancel=None):
    """Scan a backup; yields BackupProgress, then the BackupResult."""
    from analysis import findings as _findings
    from analysis import ioc

    cancel = cancel or threading.Event()
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"backup {source}: no such file or folder")
    if found is None:
        found = _findings.run(case, ioc_file=ioc_file)
    hashes, paths = case_indicators(case, found, plan)
    ind = ioc.load(ioc_file) if ioc_file else None
    if ind is not None:
        hashes |= {h.lower() for h in ind.sha256}
    md5s = {h.lower() for h in ind.md5} if ind else set()
    sha1s = {h.lower() for h in ind.sha1} if ind else set()
    words = sorted((ind.ips | ind.domains) if ind else set())
    rules = None
    if yara_file:
        import yara

        rules = yara.compile(filepath=str(yara_file))
    kind = _kind(source)
    first = first_malicious(case, found)
    res = BackupResult(str(source), kind, utc_now_iso(), 0, None, first, None,
                       indicators={"sha256": len(hashes), "md5": len(md5s), "sha1": len(sha1s),
                                   "paths": [asdict(p) for p in paths], "words": len(words),
                                   "yara": str(yara_file) if yara_file else None})
    if kind != "folder":
        res.source_sha256 = _file_sha256(source)
    newest = None
    try:
        for m in READERS[kind](source, res.problems):
            if cancel.is_set():
                res.cancelled = True
                break
            res.files += 1
            if newest is None or (m.mtime or 0) > newest:
                newest = m.mtime
            if res.files % 200 == 0:
                yield BackupProgress(res.files, m.name)
            want_text = [p for p in paths if p.path and _tail_match(m.name, p.path)]
            for p in want_text:
                if p.needle is None:
                    res.hits.append({"member": m.name, "indicator": p.path, "what": p.what, "ref": p.ref})
            need_body = bool(hashes or md5s or sha1s or rules or words or [p for p in want_text if p.needle])
            if not need_body:
                continue
            h256, h1, h5 = hashlib.sha256(), hashlib.sha1(), hashlib.md5()
            head = bytearray()
            try:
                with m.open() as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h256.update(chunk)
                        if sha1s:
                            h1.update(chunk)
                        if md5s:
                            h5.update(chunk)
                        if len(head) < READ_LIMIT:
                            head += chunk[:READ_LIMIT - len(head)]
            except (OSError, tarfile.TarError, zipfile.BadZipFile, RuntimeError) as exc:
                res.problems.append(f"{m.name}: {getattr(exc, 'strerror', None) or exc}")
                continue
            for algo, h, wanted in (("sha256", h256, hashes), ("sha1", h1, sha1s), ("md5", h5, md5s)):
                if wanted and h.hexdigest() in wanted:
                    res.hits.append({"member": m.name, "indicator": h.hexdigest(), "what": f"{algo} of a known file",
                                     "ref": "hash"})
            text = None
            for p in want_text:
                if p.needle:
                    text = text if text is not None else bytes(head).decode("utf-8", "replace")
                    lines = [ln.strip() for ln in text.splitlines() if not ln.strip().startswith("#")]
                    if any(p.needle == ln or p.needle in ln for ln in lines):
                        res.hits.append({"member": m.name, "indicator": p.needle[:200], "what": p.what, "ref": p.ref})
            if words and m.size <= TEXT_LIMIT:
                low = bytes(head).decode("utf-8", "replace").lower()
                for w in words:
                    if w.lower() in low:
                        res.hits.append({"member": m.name, "indicator": w, "what": "IOC address/domain", "ref": "ioc"})
            if rules is not None:
                try:
                    for r in rules.match(data=bytes(head)):
                        res.hits.append({"member": m.name, "indicator": r.rule, "what": "YARA rule", "ref": "yara"})
                except Exception as exc:  # noqa: BLE001 - yara.Error and kin: a member YARA cannot scan is named, the rest goes on
                    res.problems.append(f"{m.name}: YARA: {exc}")
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        res.problems.append(f"{source}: {getattr(exc, 'strerror', None) or exc}")
    res.newest_file_time = _iso(newest)
    if first and res.newest_file_time:
        res.predates = res.newest_file_time < first
    if res.hits:
        res.verdict = "contains_indicators"
    elif res.cancelled:
        res.verdict = "incomplete"
    elif res.predates is None:
        res.verdict = "unknown_time"
    else:
        res.verdict = "clean" if res.predates else "after_compromise"
    yield res


def check(case, source, **kw) -> BackupResult:
    out = None
    for ev in iter_check(case, source, **kw):
        out = ev
    assert isinstance(out, BackupResult)  # iter_check ends with its result
    return out


def record(case, res: BackupResult) -> None:
    with case.transaction():
        case.db.execute(_TABLE)
        case.db.execute("INSERT INTO analysis_backup_checks (at, source, verdict, result) VALUES (?, ?, ?, ?)",
                        (res.at, res.source, res.verdict, json.dumps(res.to_dict(), ensure_ascii=False)))
        case.custody.append("backup_check", res.source, {
            "kind": res.kind, "sha256": res.source_sha256, "files": res.files, "verdict": res.verdict,
            "predates": res.predates, "first_malicious": res.first_malicious, "newest_file_time": res.newest_file_time,
            "hits": len(res.hits), "problems": len(res.problems), "cancelled": res.cancelled})


def results(case) -> list[dict]:
    case.db.execute(_TABLE)
    return [json.loads(r[0]) for r in case.db.execute("SELECT result FROM analysis_backup_checks ORDER BY id")]


def render_text(res: BackupResult, lang: str = "vi") -> str:
    vi = lang == "vi"
    lines = [f"{'bản sao lưu' if vi else 'backup'}: {res.source} ({res.kind}, {res.files} {'tệp' if vi else 'files'}"
             + (f", SHA-256 {res.source_sha256}" if res.source_sha256 else "") + ")",
             f"{'tệp mới nhất' if vi else 'newest file'}: {res.newest_file_time or '-'}; "
             f"{'sự kiện độc hại đầu tiên' if vi else 'first malicious event'}: {res.first_malicious or '-'}",
             f"{'kết luận' if vi else 'verdict'}: {VERDICT_VI[res.verdict] if vi else res.verdict}"]
    for h in res.hits:
        lines.append(f"  {h['member']}: {h['what']} {h['indicator']} ({h['ref']})")
    for p in res.problems[:50]:
        lines.append(f"  {'không đọc được' if vi else 'unreadable'}: {p}")
    if res.cancelled:
        lines.append("  " + ("bị dừng giữa chừng: kết luận chưa đầy đủ" if vi else "stopped part-way: the verdict is incomplete"))
    return "\n".join(lines)
