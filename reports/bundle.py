"""The evidence bundle: one file leadership can check on its own, with standard tools or with UngCuu.

    build_bundle(case, out_path, passphrase=None, signing_key=None) -> sha256 of the bundle file
    verify_bundle(path, public_key=None, passphrase=None) -> VerifyResult (.ok, .problems, .notes, ...)
    extract_bundle(path, dest, passphrase=None) -> list of written paths (safe extraction)
    generate_keypair(private_path, public_path) -> (private PEM path, public PEM path)
    bundle_exports(case) -> the bundles exported from a case (path, SHA-256, key fingerprint), newest last

Members (a ZIP file; with a passphrase a standard 7z archive, AES-256 with encrypted headers, that 7-Zip
opens with the passphrase alone; see bundle_io.py)::

    README.txt        how to verify on a Windows office PC and on Linux (Vietnamese, with English)
    manifest.json     every evidence item (id, checklist id, name, source, size, SHA-256, collected at,
                      collector, host), every other member with its size and SHA-256, the tool's build
    incident.json     the incident record
    custody.jsonl     the case's hash-chained custody log at the time of bundling
    evidence/E000001-<name>   the evidence files, byte for byte
    reports/*.pdf     the findings report, Mẫu 03 (and Mẫu 04 when filled), and reports already exported
    reports/annex/evidence.csv, custody.csv   the findings report's long tables (reports/annex.py)
    timeline/timeline.jsonl   the timeline (Timesketch JSONL with a bounded field set: analysis/export.py),
                      when the analysis package can make it
    SHA256SUMS        `sha256sum -c` list of EVERY other member (manifest and README included)
    SHA256SUMS.sig    optional: raw Ed25519 signature of SHA256SUMS (`openssl pkeyutl -verify -rawin`)

So `sha256sum -c`, a file-list comparison and `openssl pkeyutl -verify` catch a changed byte, a file added
or removed (with or without its line), an edited README or manifest. The bundle's own SHA-256 cannot be
inside it: it is returned, printed and written to the case's custody log with the key fingerprint.

Reading a bundle (verify, extract) never writes a member to disk during verification and refuses path
traversal, absolute paths, links, duplicate names, overlapping members and zip bombs with a message naming
the member. Verify names every difference: a member changed, missing or added, SHA256SUMS and the manifest
disagreeing, a malformed manifest entry, an evidence item the custody log recorded but the manifest lost,
an edited README, a signature that is invalid, absent though claimed, or present but not checked.
Extraction checks every name before writing anything and keeps no member whose bytes do not match.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from collectors.errors import UngCuuError, UnreadableInput
from collectors.util import atomic_output

from .bundle_io import CHUNK, MAX_MANIFEST, BundlePassphraseError, BundleRefused, check_name, open_members, open_sink

FORMAT = "ungcuu-bundle"
VERSION = 2
README_NAME = "README.txt"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"
README_MAX = 1 << 20
SIGNATURE_PROBLEM_NOT_CHECKED = ("chữ ký chưa được kiểm tra (signature not checked): gói có chữ ký, cần "
                                 "--public-key để kiểm tra")

__all__ = ["BundleError", "BundlePassphraseError", "BundleRefused", "VerifyResult", "build_bundle", "verify_bundle",
           "extract_bundle", "generate_keypair", "bundle_exports", "public_key_fingerprint", "verify_main",
           "read_passphrase_file", "default_bundle_name"]


class BundleError(UngCuuError):
    """The bundle cannot be written."""


@dataclass
class VerifyResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: int = 0                 # evidence items checked
    members: int = 0               # members checked (evidence + others)
    encrypted: bool = False
    signature: str = "absent"      # absent | valid | invalid | not_checked
    case_id: str = ""
    manifest: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok

    def summary(self) -> str:
        """One line for `ungcuu verify`."""
        sig = {"valid": "chữ ký hợp lệ", "invalid": "chữ ký KHÔNG hợp lệ", "absent": "không có chữ ký",
               "not_checked": "chữ ký chưa kiểm tra (cần --public-key)"}.get(self.signature, self.signature)
        head = f"gói {self.case_id}: {self.items} mục chứng cứ, {self.members} tệp, {sig}"
        if self.encrypted:
            head += ", đã mã hóa"
        if self.ok:
            return f"{head} — NGUYÊN VẸN (intact)"
        return f"{head} — {len(self.problems)} KHÁC BIỆT (NOT intact)"


# ------------------------------------------------------------------------------------------- keys


def _load_private_key(signing_key: Any):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if signing_key is None or isinstance(signing_key, Ed25519PrivateKey):
        return signing_key
    data = signing_key
    if isinstance(signing_key, (str, os.PathLike)):
        try:
            data = Path(signing_key).read_bytes()
        except OSError as exc:
            raise BundleError(f"không đọc được khóa ký {signing_key}: {exc.strerror or exc}", path=str(signing_key)) from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise BundleError(f"khóa ký không hợp lệ (cần khóa riêng Ed25519 dạng PEM, không mật khẩu): {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError("khóa ký phải là khóa Ed25519 (signing key must be Ed25519)")
    return key


def _load_public_key(public_key: Any):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    if public_key is None or isinstance(public_key, Ed25519PublicKey):
        return public_key
    if isinstance(public_key, Ed25519PrivateKey):
        return public_key.public_key()
    data = public_key
    if isinstance(public_key, (str, os.PathLike)) and not (isinstance(public_key, str) and
                                                          re.fullmatch(r"[0-9a-fA-F]{64}", public_key)):
        try:
            data = Path(public_key).read_bytes()
        except OSError as exc:
            raise UnreadableInput(f"không đọc được khóa công khai {public_key}: {exc.strerror or exc}",
                                  path=str(public_key)) from exc
    if isinstance(data, str):
        data = bytes.fromhex(data)
    try:
        if len(data) == 32:
            return Ed25519PublicKey.from_public_bytes(data)
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise UnreadableInput(f"khóa công khai không hợp lệ (cần Ed25519 PEM): {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UnreadableInput("khóa công khai phải là Ed25519")
    return key


def public_key_fingerprint(key) -> str:
    """SHA-256 of the raw 32-byte Ed25519 public key (to compare over the phone with the key's owner)."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _signer(private_key) -> dict | None:
    if private_key is None:
        return None
    return {"algorithm": "Ed25519", "public_key_sha256": public_key_fingerprint(private_key.public_key())}


def generate_keypair(private_path: str | os.PathLike, public_path: str | os.PathLike) -> tuple[Path, Path]:
    """Create an Ed25519 key pair (PEM). The private key file is created 0600 and never overwritten."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    private_path, public_path = Path(private_path), Path(public_path)
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError as exc:
        raise BundleError(f"{private_path} đã tồn tại: không ghi đè khóa", path=str(private_path)) from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(priv)
    public_path.write_bytes(pub)
    return private_path, public_path


def _safe_name(name: str, limit: int = 80) -> str:
    base = PurePosixPath(str(name).replace("\\", "/")).name or "item"
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "item"
    return clean[:limit]


# ------------------------------------------------------------------------------------------- build


def _report_members(case, notes: list[str]) -> list[tuple[str, bytes]]:
    """The findings report, Mẫu 03 and (when filled) Mẫu 04 as PDF, plus reports already exported.

    A report rendered before and unchanged since the case last changed is taken from the case's report
    cache instead of being rendered again (reports/report_cache.py)."""
    from .report_cache import cached_render

    incident = case.incident()
    kinds = ["findings", "initial"]
    if (incident.get("closing") or {}).get("resolution") or (incident.get("closing") or {}).get("summary"):
        kinds.append("closing")
    out: list[tuple[str, bytes]] = []
    for kind in kinds:
        try:
            data, _ = cached_render(case, kind, "pdf")
            out.append((f"reports/{kind}.pdf", data))
        except Exception as exc:  # noqa: BLE001 - a report that cannot be rendered must not stop the bundle
            notes.append(f"report {kind} could not be rendered: {exc}")
    exports = case.path / "exports"
    if exports.is_dir():
        taken = {n.lower() for n, _ in out}
        for p in sorted(exports.iterdir()):
            if p.suffix.lower() not in (".pdf", ".docx", ".eml") or not p.is_file() or p.is_symlink():
                continue
            # "Báo cáo.pdf" and "Bào cáo.pdf" (or "A.pdf" and "a.pdf") have one safe name: number the next
            # ones, or the bundle would hold a duplicate name that verify refuses
            stem, suffix = os.path.splitext(_safe_name(p.name))
            name, n = f"reports/exported/{stem}{suffix}", 1
            while name.lower() in taken:
                n += 1
                name = f"reports/exported/{stem}-{n}{suffix}"
            try:
                out.append((name, p.read_bytes()))
            except OSError as exc:
                notes.append(f"exported report {p.name} could not be read: {exc}")
                continue
            taken.add(name.lower())
    return out


def build_bundle(case, out_path: str | os.PathLike, passphrase: str | bytes | None = None, signing_key: Any = None,
                 *, include_reports: bool = True, include_timeline: bool = True,
                 warnings: list[str] | None = None) -> str:
    """Write the bundle to `out_path` (via a temporary file renamed into place); return its SHA-256.

    With a passphrase the bundle is a 7z archive (AES-256, encrypted headers). Evidence whose stored bytes
    no longer match the recorded SHA-256, or that is missing from the store, is named in `warnings` and in
    the manifest's `problems_at_build`; the bundle still carries the recorded hash, so verify reports the
    difference too."""
    from collectors import __version__ as tool_version
    from collectors.custody import verify_chain
    from collectors.provenance import build_info, host_identity, time_zone
    from collectors.util import host_name

    from .render import check_out_path
    from .sources import ensure_timeline, timeline_export

    warnings = warnings if warnings is not None else []
    key_obj = _load_private_key(signing_key)
    encrypted = bool(passphrase)
    if Path(out_path).is_dir():   # a folder: the bundle goes in it under its usual name
        out_path = Path(out_path) / default_bundle_name(case, encrypted)
    try:
        out_path = check_out_path(case, out_path)
    except UngCuuError as exc:
        raise BundleError(str(exc), path=str(out_path)) from exc
    fingerprint = public_key_fingerprint(key_obj.public_key()) if key_obj is not None else None
    notes: list[str] = []
    if include_timeline:   # before the custody snapshot: building the timeline may log custody entries
        note = ensure_timeline(case)
        if note:
            notes.append(note)
    created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with case.transaction(immediate=False):   # one snapshot: every item and the custody entry that stored it
        records = case.evidence()
        custody_entries = case.custody.entries()
    chain_problems = verify_chain(custody_entries)
    warnings.extend(chain_problems)
    items: list[dict] = []
    files: dict[str, dict] = {}
    examiner = getattr(case, "examiner", "")
    with atomic_output(out_path, what=f"gói {out_path}") as tmp:
        sink = open_sink(tmp, passphrase or None)
        try:
            from .bundle_readme import render_readme

            readme = render_readme(case_id=case.case_id, created=created, examiner=examiner, host=host_name(),
                                   items=len(records), bundle_name=out_path.name, fingerprint=fingerprint,
                                   encrypted=encrypted).encode("utf-8")
            size, sha = sink.add_bytes(README_NAME, readme)
            sums = [(sha, README_NAME)]
            used: set[str] = set()
            index_rows = _index_rows(case)
            for rec in records:
                logical = f"evidence/{rec.id}-{_safe_name(rec.name)}"
                while logical in used:  # pragma: no cover - ids are unique
                    logical += "_"
                used.add(logical)
                item = {"id": rec.id, "checklist_id": rec.checklist_id, "name": rec.name, "kind": rec.kind,
                        "source": rec.source, "size": rec.size, "sha256": rec.sha256,
                        "collected_at": rec.collected_at, "tz_offset": rec.tz_offset, "collector": rec.collector,
                        "collector_version": rec.collector_version, "host": rec.host, "run_id": rec.run_id,
                        "media_type": rec.media_type, "incomplete": rec.incomplete, "orig_meta": rec.orig_meta,
                        "path": logical}
                # the whole index row, as hashed into its custody entry: the verifier compares every field
                item["index_row"] = index_rows.get(rec.id)
                path = case.evidence_path(rec)
                try:
                    with open(path, "rb") as fh:
                        got_size, got_sha = sink.add_stream(logical, fh, rec.size)
                except FileNotFoundError:
                    warnings.append(f"{rec.id}: tệp chứng cứ không còn trong kho ({path}); không đưa vào gói")
                    item["missing_at_build"] = True
                    items.append(item)
                    continue
                except PermissionError as exc:
                    warnings.append(f"{rec.id}: không đọc được tệp chứng cứ ({exc.strerror})")
                    item["missing_at_build"] = True
                    items.append(item)
                    continue
                if got_sha != rec.sha256 or got_size != rec.size:
                    warnings.append(f"{rec.id}: nội dung trong kho không khớp SHA-256 đã ghi "
                                    f"({got_sha} ≠ {rec.sha256}): kho chứng cứ đã bị thay đổi")
                # SHA256SUMS lists the bytes really in the bundle; the manifest keeps the recorded hash, so
                # a store changed before bundling is a difference for both routes
                sums.append((got_sha, logical))
                items.append(item)

            def add(name: str, data: bytes) -> None:
                size, sha = sink.add_bytes(name, data)
                files[name] = {"size": size, "sha256": sha}
                sums.append((sha, name))

            add("incident.json", json.dumps(case.incident(), ensure_ascii=False, indent=1, sort_keys=True).encode())
            add("custody.jsonl", "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n"
                                         for e in custody_entries).encode("utf-8"))
            if include_reports:
                from .bundle_info import building

                token = building.set(out_path.name)
                try:
                    members = _report_members(case, notes)
                finally:
                    building.reset(token)
                for name, data in members:
                    add(name, data)
                from .annex import CUSTODY_NAME, EVIDENCE_NAME, custody_csv, evidence_csv

                add(EVIDENCE_NAME, evidence_csv(case, records))
                add(CUSTODY_NAME, custody_csv(case, custody_entries))
            timeline_events = None
            if include_timeline:
                buf = io.StringIO()
                timeline_events, note = timeline_export(case, buf)
                if timeline_events is not None:
                    add("timeline/timeline.jsonl", buf.getvalue().encode("utf-8"))
                elif note:
                    notes.append(note)
            manifest = {
                "format": FORMAT, "version": VERSION, "case_id": case.case_id, "created_at": created,
                "tool": "UngCuu", "tool_version": tool_version, "build": build_info(), "examiner": examiner,
                "host": host_name(), "time_zone": time_zone(), "host_identity": host_identity(), "encrypted": encrypted, "signed": key_obj is not None,
                "signer": _signer(key_obj), "items": items, "files": files,
                "custody": {"entries": len(custody_entries),
                            "last_hash": custody_entries[-1]["hash"] if custody_entries else None,
                            "problems_at_build": chain_problems},
                "timeline_events": timeline_events,
                "problems_at_build": [x for x in warnings if x not in chain_problems],
                "notes": notes,
                "readme_sha256": hashlib.sha256(readme).hexdigest(),
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            _, msha = sink.add_bytes(MANIFEST, manifest_bytes)
            sums.append((msha, MANIFEST))
            sums_bytes = "".join(f"{sha}  {name}\n" for sha, name in sums).encode("utf-8")
            sink.add_bytes(SUMS, sums_bytes)
            if key_obj is not None:
                sink.add_bytes(SIGNATURE, key_obj.sign(sums_bytes))
        finally:
            sink.close()
    h = hashlib.sha256()
    with open(out_path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    digest = h.hexdigest()
    case.custody.append("export", str(out_path), {
        "bundle_sha256": digest, "size": out_path.stat().st_size, "items": len(items), "encrypted": encrypted,
        "container": "7z" if encrypted else "zip", "signed": key_obj is not None, "key_fingerprint": fingerprint,
        "warnings": warnings})
    return digest


def default_bundle_name(case, encrypted: bool = False) -> str:
    return f"bundle-{case.case_id}.{'7z' if encrypted else 'zip'}"


def bundle_exports(case) -> list[dict]:
    """The bundles exported from a case, oldest first: {path, sha256, size, signed, key_fingerprint,
    encrypted, exported_at}, for Mẫu 04's attachments and the covering e-mail."""
    out = []
    for e in case.custody.entries():
        d = e.get("details") or {}
        if e.get("action") == "export" and d.get("bundle_sha256"):
            out.append({"path": e.get("target"), "sha256": d["bundle_sha256"], "size": d.get("size"),
                        "signed": bool(d.get("signed")), "key_fingerprint": d.get("key_fingerprint"),
                        "encrypted": bool(d.get("encrypted")), "exported_at": e.get("ts")})
    return out


# ------------------------------------------------------------------------------------------- read


def _read_manifest(m, path: str) -> tuple[dict, bytes]:
    if MANIFEST not in m.names:
        raise UnreadableInput(f"{path}: không có {MANIFEST} — không phải gói chứng cứ UngCuu", path=path)
    try:
        raw = m.read(MANIFEST, limit=MAX_MANIFEST)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:   # a damaged header member
        raise UnreadableInput(f"{path}: gói hỏng, không đọc được danh mục: {exc}", path=path) from exc
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableInput(f"{path}: {MANIFEST} không đọc được: {exc}", path=path) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UnreadableInput(f"{path}: {MANIFEST} không phải danh mục gói UngCuu", path=path)
    return manifest, raw


_SHA256 = re.compile(r"[0-9a-f]{64}")
_SUMS_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")
_EVIDENCE_ID = re.compile(r"E\d+")
# custody actions that store an evidence item (Case._index): a later "note" about an item (an image's
# manifest carries the image's own SHA-256) is not the item's hash
STORE_ACTIONS = {"collect", "add", "derive"}


def _parse_sums(data: bytes, problems: list[str]) -> dict[str, str]:
    listed: dict[str, str] = {}
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        m = _SUMS_LINE.fullmatch(line)
        if not m:
            problems.append(f"{SUMS} dòng {n}: không đúng định dạng sha256sum ({line!r:.80})")
            continue
        sha, name = m.groups()
        if name in listed:
            problems.append(f"{SUMS} dòng {n}: {name} được liệt kê hai lần")
        listed[name] = sha
    return listed


def _expected_members(manifest: dict, problems: list[str],
                      missing: list[str] | None = None) -> dict[str, tuple[int, str, str, str]]:
    """stored member name -> (size, sha256, label, logical path) from the manifest; malformed entries are
    named in `problems` (a hand-edited manifest must give a difference, never a crash), items missing from
    the store at build time in `missing` (default: `problems`)."""
    expected: dict[str, tuple[int, str, str, str]] = {}
    missing = problems if missing is None else missing

    def entry(where: str, stored: Any, size: Any, sha: Any, label: str, logical: str) -> None:
        if not isinstance(stored, str) or not stored:
            problems.append(f"danh mục: {where}: đường dẫn không hợp lệ ({stored!r:.80})")
            return
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            problems.append(f"danh mục: {label}: kích thước không hợp lệ ({size!r:.40})")
            return
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            problems.append(f"danh mục: {label}: SHA-256 không hợp lệ ({sha!r:.80})")
            return
        if stored in expected:
            problems.append(f"danh mục: {label}: trùng đường dẫn với {expected[stored][2]}")
            return
        expected[stored] = (size, sha, label, logical)

    items = manifest.get("items")
    if not isinstance(items, list):
        problems.append("danh mục: 'items' không phải danh sách")
        items = []
    for i, it in enumerate(items):
        if not isinstance(it, dict) or not isinstance(it.get("path"), str):
            problems.append(f"danh mục: mục chứng cứ thứ {i + 1} không hợp lệ: {it!r:.80}")
            continue
        if it.get("missing_at_build"):
            missing.append(f"{it.get('id')}: tệp chứng cứ đã thiếu trong kho khi lập gói")
            continue
        entry(f"items[{i}]", it["path"], it.get("size"), it.get("sha256"),
              f"{it.get('id')} ({it['path']})", it["path"])
    files = manifest.get("files")
    if not isinstance(files, dict):
        problems.append("danh mục: 'files' không phải bảng tên tệp")
        files = {}
    for name, f in files.items():
        if not isinstance(f, dict):
            problems.append(f"danh mục: {name}: mục không hợp lệ")
            continue
        entry(f"files.{name}", name, f.get("size"), f.get("sha256"), name, name)
    return expected




def _index_rows(case) -> dict[str, dict]:
    """{evidence id: its index row, every field as stored (JSON columns decoded)}, in one pass."""
    from collectors.case import _JSON_COLUMNS, INDEX_ROW_FIELDS

    out: dict[str, dict] = {}
    for row in case.db.execute("SELECT * FROM evidence"):
        keys = row.keys()
        values: dict[str, Any] = {}
        for col in INDEX_ROW_FIELDS:
            v = row[col] if col in keys else None
            if col in _JSON_COLUMNS and isinstance(v, str):
                with contextlib.suppress(ValueError):
                    v = json.loads(v)
            values[col] = v
        out[values["id"]] = values
    return out


def _row_problems(item: dict, logged: dict | None) -> list[str]:
    """Fields of a manifest item's index row that differ from what its custody entry hashed."""
    from collectors.case import index_row_digest

    row = item.get("index_row")
    if logged is None or not isinstance(row, dict):
        return []
    digest, fields = index_row_digest(row)
    if digest == logged.get("row_sha256"):
        problems = []
    else:
        changed = [f for f, h in (logged.get("field_sha256") or {}).items() if fields.get(f) != h]
        problems = [f"{item.get('id')}: dòng chỉ mục trong danh mục khác với nhật ký chuỗi lưu giữ "
                    f"(trường: {', '.join(changed) or 'không rõ'})"]
    # the manifest's own copies of the fields must agree with its index row
    for f in ("sha256", "size", "source", "name", "collected_at", "orig_meta", "incomplete"):
        if f in item and f in row and item[f] != row[f]:
            problems.append(f"{item.get('id')}: trường {f} trong danh mục khác với dòng chỉ mục")
    return problems


def _custody_entries(blocks: Iterator[bytes], problems: list[str], stats: dict) -> Iterator[dict]:
    """Parse custody.jsonl as it streams (no size cap, nothing buffered but one line); record the count,
    the last hash and each evidence id's SHA-256 in `stats`."""
    collected: dict[str, str] = stats.setdefault("collected", {})
    pending = b""
    n = 0

    def parse(raw: bytes) -> dict | None:
        nonlocal n
        n += 1
        try:
            e = json.loads(raw.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            problems.append(f"custody.jsonl dòng {n}: không phải JSON")
            return None
        if not isinstance(e, dict):
            problems.append(f"custody.jsonl dòng {n}: không phải một mục nhật ký")
            return None
        stats["entries"] = stats.get("entries", 0) + 1
        stats["last_hash"] = e.get("hash")
        d = _dict(e.get("details"))
        target = e.get("target")
        if e.get("action") in STORE_ACTIONS and isinstance(d.get("sha256"), str) and isinstance(target, str) \
                and _EVIDENCE_ID.fullmatch(target):
            collected.setdefault(target, d["sha256"])
            if isinstance(d.get("row_sha256"), str):
                stats.setdefault("rows", {}).setdefault(target, d)
        return e

    for block in blocks:
        pending += block
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            if raw.strip():
                e = parse(raw)
                if e is not None:
                    yield e
    if pending.strip():
        e = parse(pending)
        if e is not None:
            yield e




def verify_bundle(path: str | os.PathLike, public_key: Any = None, passphrase: str | bytes | None = None) -> VerifyResult:
    """Check every member against SHA256SUMS, its signature, the manifest and the custody chain, without
    unpacking to disk.

    Raises UnreadableInput (or a subclass: BundleRefused, BundlePassphraseError) when the file cannot be
    read at all; otherwise returns a result whose `problems` name each difference."""
    path_s = str(path)
    pub = _load_public_key(public_key)
    m = open_members(path, passphrase)
    try:
        return _verify_open(m, path_s, pub)
    except zipfile.BadZipFile as exc:
        raise UnreadableInput(f"{path_s}: gói hỏng: {exc}", path=path_s) from exc
    except UngCuuError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OSError, EOFError,
            zlib.error) as exc:   # a hostile bundle must give exit 2 with a message, never a traceback
        raise UnreadableInput(f"{path_s}: không đọc được gói: {type(exc).__name__}: {exc}", path=path_s) from exc
    finally:
        m.close()


def _digest(m, name: str, label: str, problems: list[str]) -> tuple[int, str] | None:
    try:
        return m.digest(name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
        problems.append(f"{label}: không đọc được trong gói (hỏng): {exc}")
        return None


def _check_signature(m, res: VerifyResult, pub, manifest: dict, sums_raw: bytes | None) -> None:
    if SIGNATURE in m.names:
        sig = m.read(SIGNATURE)
        if pub is None:
            res.signature = "not_checked"
            res.problems.append(SIGNATURE_PROBLEM_NOT_CHECKED)
            return
        from cryptography.exceptions import InvalidSignature

        try:
            if sums_raw is None:
                raise InvalidSignature
            pub.verify(sig, sums_raw)
            res.signature = "valid"
            res.notes.append(f"chữ ký hợp lệ, khóa công khai SHA-256 {public_key_fingerprint(pub)}")
        except InvalidSignature:
            res.signature = "invalid"
            res.problems.append(f"chữ ký của {SUMS} KHÔNG hợp lệ ({SUMS} bị sửa hoặc khóa khác)")
    elif pub is not None:
        res.problems.append(f"gói không có chữ ký ({SIGNATURE}) dù đã đưa khóa công khai")
    elif manifest.get("signed"):
        res.problems.append(f"danh mục ghi là có chữ ký nhưng thiếu {SIGNATURE}")


def _verify_open(m, path_s: str, pub) -> VerifyResult:
    from collectors.custody import verify_chain

    manifest, raw = _read_manifest(m, path_s)
    res = VerifyResult(ok=False, encrypted=m.encrypted, case_id=str(manifest.get("case_id", "")), manifest=manifest)
    names = m.names
    sums_raw = m.read(SUMS, limit=MAX_MANIFEST) if SUMS in names else None
    if sums_raw is None:
        res.problems.append(f"{SUMS}: thiếu trong gói")
    listed = _parse_sums(sums_raw, res.problems) if sums_raw is not None else {}
    _check_signature(m, res, pub, manifest, sums_raw)

    expected = _expected_members(manifest, res.problems)
    problems_at_build = manifest.get("problems_at_build")
    for p in problems_at_build if isinstance(problems_at_build, list) else []:
        res.notes.append(f"khi lập gói: {p}")

    # The manifest cannot hold its own hash: SHA256SUMS (signed) does.
    manifest_sha = hashlib.sha256(raw).hexdigest()
    if sums_raw is not None and listed.get(MANIFEST) != manifest_sha:
        res.problems.append(f"{MANIFEST}: SHA-256 không khớp {SUMS} (danh mục đã bị sửa)" if MANIFEST in listed
                            else f"{SUMS}: không liệt kê {MANIFEST}")
    readme_sha = manifest.get("readme_sha256")
    if readme_sha is not None:
        if README_NAME not in names:
            res.problems.append(f"{README_NAME}: thiếu trong gói")
        elif hashlib.sha256(m.read(README_NAME, limit=README_MAX)).hexdigest() != readme_sha:
            res.problems.append(f"{README_NAME}: nội dung khác với danh mục (hướng dẫn kiểm tra đã bị sửa)")
        if sums_raw is not None and listed.get(README_NAME) != readme_sha:
            res.problems.append(f"{SUMS}: dòng của {README_NAME} khác với danh mục")
    # SHA256SUMS and the manifest list the same members with the same hashes
    if sums_raw is not None:
        for stored, (_, sha, label, _) in expected.items():
            if stored not in listed:
                res.problems.append(f"{SUMS}: không có dòng cho {label}")
            elif listed[stored] != sha:
                res.problems.append(f"{SUMS}: dòng của {label} khác với danh mục")
        for name in sorted(set(listed) - set(expected) - {MANIFEST, README_NAME}):
            res.problems.append(f"{SUMS}: {name} không có trong danh mục")
    allowed = {README_NAME, SIGNATURE, MANIFEST, SUMS}
    for name in sorted(names - set(expected) - allowed):
        res.problems.append(f"{name}: mục không có trong danh mục (được thêm vào sau)")
    custody_stored = None
    for stored, (size, sha, label, _) in expected.items():
        if stored not in names:
            res.problems.append(f"{label}: thiếu trong gói")
            continue
        got = _digest(m, stored, label, res.problems)
        if got is None:
            continue
        res.members += 1
        n, h = got
        if n != size:
            res.problems.append(f"{label}: kích thước {n} byte, danh mục ghi {size} byte")
        if h != sha:
            res.problems.append(f"{label}: SHA-256 không khớp (có {h}, danh mục ghi {sha})")
        if label == "custody.jsonl":
            custody_stored = stored
    items = [it for it in manifest.get("items") or [] if isinstance(it, dict)] \
        if isinstance(manifest.get("items"), list) else []
    res.items = sum(1 for it in items if not it.get("missing_at_build"))

    # Custody chain (streamed a second time from the bundle), and that the evidence items are exactly the
    # ones the chain recorded: an item dropped from both the bundle and the manifest is still named.
    if custody_stored is None:
        if "custody.jsonl" not in (manifest.get("files") or {}):
            res.problems.append("gói không có nhật ký chuỗi lưu giữ (custody.jsonl)")
    else:
        stats: dict = {}
        try:
            res.problems += verify_chain(_custody_entries(m.blocks(custody_stored), res.problems, stats))
        except (ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
            pass   # already named by the member check above
        else:
            cinfo = _dict(manifest.get("custody"))
            count = stats.get("entries", 0)
            if cinfo.get("entries") is not None and cinfo.get("entries") != count:
                res.problems.append(f"custody.jsonl có {count} mục, danh mục ghi {cinfo.get('entries')}")
            if count and cinfo.get("last_hash") and stats.get("last_hash") != cinfo.get("last_hash"):
                res.problems.append("custody.jsonl: mục cuối không khớp với danh mục")
            collected = stats.get("collected", {})
            listed_ids = set()
            for it in items:
                listed_ids.add(it.get("id"))
                got = collected.get(it.get("id"))
                if got is None:
                    res.problems.append(f"{it.get('id')}: không có trong nhật ký chuỗi lưu giữ")
                elif got != it.get("sha256"):
                    res.problems.append(f"{it.get('id')}: SHA-256 trong danh mục khác với nhật ký chuỗi lưu giữ")
                res.problems += _row_problems(it, stats.get("rows", {}).get(it.get("id")))
            for eid in sorted(set(collected) - listed_ids):
                res.problems.append(f"{eid}: có trong nhật ký chuỗi lưu giữ nhưng không có trong danh mục "
                                    "(mục chứng cứ bị bỏ khỏi gói)")
    res.ok = not res.problems
    return res


def extract_bundle(path: str | os.PathLike, dest: str | os.PathLike, passphrase: str | bytes | None = None) -> list[Path]:
    """Extract a bundle into `dest` only: names from the manifest, every one checked before anything is
    written; no links, no overwrite; each member hashed after it is written. A member missing from the
    bundle, or whose bytes do not match the manifest, is not left on disk: BundleRefused names them at the
    end (its `written` attribute lists what was extracted)."""
    m = open_members(path, passphrase)
    dest = Path(dest)
    try:
        manifest, raw = _read_manifest(m, str(path))
        malformed: list[str] = []
        expected = _expected_members(manifest, malformed, missing=[])
        if malformed:
            raise BundleRefused(f"{path}: danh mục không hợp lệ, không giải nén:\n" +
                                "\n".join(f"  - {p}" for p in malformed), path=str(path), reasons=malformed)
        names = m.names
        members: list[tuple[str, int | None, str | None]] = [(MANIFEST, None, None)]
        members += [(logical, size, sha) for stored, (size, sha, _, logical) in expected.items()]
        members += [(plain, None, None) for plain in (README_NAME, SUMS, SIGNATURE) if plain in names]
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        seen: set[str] = set()
        for logical, *_ in members:          # every name is checked before anything is written
            why = check_name(logical)
            target = (root / logical).resolve()
            if why or not target.is_relative_to(root):
                raise BundleRefused(f"{logical!r}: {why or 'nằm ngoài thư mục đích'}", member=logical)
            if logical.lower() in seen:
                raise BundleRefused(f"{logical!r}: tên trùng lặp trong danh mục", member=logical)
            seen.add(logical.lower())
        for logical, *_ in members:
            if (root / logical).exists() or (root / logical).is_symlink():
                raise FileExistsError(f"{root / logical} đã tồn tại: không ghi đè")
        bad = [f"{logical}: thiếu trong gói" for logical, *_ in members if logical not in names]
        targets = {logical: root / logical for logical, *_ in members if logical in names}
        failed = m.extract_to(targets, passphrase) if m.encrypted else m.extract_to(targets)
        written: list[Path] = []
        for logical, size, sha in members:
            if logical not in targets:
                continue
            target = targets[logical]
            why = failed.get(logical, "")
            if not why and not target.is_file():
                why = "không giải nén được"
            if not why and sha is not None:
                h, n = hashlib.sha256(), 0
                with open(target, "rb") as fh:
                    for block in iter(lambda: fh.read(CHUNK), b""):
                        h.update(block)
                        n += len(block)
                if n != size or h.hexdigest() != sha:
                    why = f"SHA-256 không khớp danh mục (có {h.hexdigest()}, danh mục ghi {sha})"
            if why:
                if target.is_file():
                    target.unlink()
                bad.append(f"{logical}: {why}")
                continue
            written.append(target)
    finally:
        m.close()
    if bad:
        raise BundleRefused(f"{path}: {len(bad)} mục không giải nén (đã xóa khỏi {dest}):\n" +
                            "\n".join(f"  - {b}" for b in bad), path=str(path), reasons=bad, written=written)
    return written


def read_passphrase_file(path: str | os.PathLike) -> str:
    """The first line of a passphrase file (without its line ending)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableInput(f"không đọc được tệp mật khẩu {path}: {exc}", path=str(path)) from exc
    line = text.splitlines()[0] if text else ""
    if not line:
        raise UnreadableInput(f"tệp mật khẩu {path} rỗng", path=str(path))
    return line




def verify_main(path: str | os.PathLike, public_key: Any = None, passphrase: str | bytes | None = None,
                out=None, err=None) -> int:
    """Verify and print the outcome (for `ungcuu verify FILE.zip`): exit 0 intact, 1 differences (a signature
    not checked included), 2 unreadable."""
    import sys

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        res = verify_bundle(path, public_key=public_key, passphrase=passphrase)
    except UngCuuError as exc:
        print(f"Lỗi: {exc}", file=err)
        return 2
    print(f"Gói: {path}", file=out)
    print(f"Vụ việc: {res.case_id} — {res.items} mục chứng cứ, {res.members} tệp đã kiểm tra"
          f"{' — đã mã hóa' if res.encrypted else ''}", file=out)
    sig = {"valid": "hợp lệ", "invalid": "KHÔNG hợp lệ", "absent": "không có", "not_checked": "chưa kiểm tra"}
    print(f"Chữ ký: {sig.get(res.signature, res.signature)}", file=out)
    for n in res.notes:
        print(f"Ghi chú: {n}", file=out)
    if res.ok:
        print("KẾT QUẢ: NGUYÊN VẸN (intact)", file=out)
        return 0
    print(f"KẾT QUẢ: CÓ {len(res.problems)} KHÁC BIỆT (differences):", file=out)
    for p in res.problems:
        print(f"  - {p}", file=out)
    return 1


def _dict(value: Any) -> dict:
    """`value` when it is a mapping (a JSON object of a bundle under test), else an empty one."""
    return value if isinstance(value, dict) else {}
