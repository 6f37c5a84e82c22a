"""The evidence bundle: one ZIP file leadership can check on its own.

    build_bundle(case, out_path, passphrase=None, signing_key=None) -> sha256 of the bundle file
    verify_bundle(path, public_key=None, passphrase=None) -> VerifyResult (.ok, .problems, .notes, ...)
    extract_bundle(path, dest, passphrase=None) -> list of written paths (safe extraction)
    generate_keypair(private_path, public_path) -> (private PEM path, public PEM path)

Layout of a plain bundle::

    README.txt        how to verify (Vietnamese, with English)
    manifest.json     every evidence item (id, checklist id, name, source, size, SHA-256, collected at,
                      collector, host) and every other member with its size and SHA-256
    manifest.sig      optional: raw Ed25519 signature of manifest.json (64 bytes)
    SHA256SUMS        the same hashes in `sha256sum -c` format
    incident.json     the incident record
    custody.jsonl     the case's hash-chained custody log at the time of bundling
    evidence/E000001-<name>   the evidence files, byte for byte
    reports/*.pdf     the findings report, Mẫu 03 (and Mẫu 04 when filled), and reports already exported
    timeline/timeline.jsonl   the timeline (Timesketch JSONL), when the analysis package can make it

The bundle's own SHA-256 cannot be inside it: it is returned, printed and written to the case's custody log.

Encrypted bundle (a confidential incident, Mẫu 03 "phải được giữ bí mật"): the ZIP holds README.txt,
encryption.json (scrypt parameters and salt, no secret), manifest.sig (if signed) and, for every member
above, `data/NNNNNN` encrypted with AES-256-GCM in 1 MiB chunks (nonce = 8 random bytes + chunk
number; the member name, chunk number and a last-chunk flag are authenticated, so swapping, truncating
or reordering is detected); `data/000000` is the manifest. Member names are hidden.

Reading a bundle (verify, extract) never writes a member to disk during verification and refuses path
traversal, absolute paths, links, duplicate names, overlapping members and zip bombs (size, count and
ratio caps, per member and for the whole file) with a message naming the member. Verify names every
difference: a member changed, missing or added, a malformed manifest entry, an evidence item the custody
log recorded but the manifest lost, an edited README (its hash is in the manifest). Extraction checks
every name before writing anything and keeps no member whose bytes do not match the manifest.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Iterator

from collectors.errors import UnreadableInput, UngCuuError
from collectors.util import atomic_output

FORMAT = "ungcuu-bundle"
VERSION = 1
CHUNK = 1 << 20
TAG = 16
NONCE_PREFIX = 8
STORED_ABOVE = 16 << 20          # members larger than this are stored, not deflated (fast; no ratio alarms)
MAX_MEMBERS = 200_000
MAX_TOTAL = 1 << 40              # 1 TiB of declared uncompressed content
MAX_RATIO = 200                  # declared size / compressed size, for members above RATIO_MIN
RATIO_MIN = STORED_ABOVE
TOTAL_RATIO_MIN = 1 << 30        # above 1 GiB declared in all, the whole bundle must respect MAX_RATIO too
MAX_SMALL = 64 << 20             # signature, encryption header: read into memory
MAX_MANIFEST = 512 << 20         # the manifest is read into memory (~800 bytes an item: 600 000 items)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 15, 8, 1
README_NAME = "README.txt"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ENCRYPTION = "encryption.json"
SUMS = "SHA256SUMS"


class BundleError(UngCuuError):
    """The bundle cannot be written."""


class BundleRefused(UnreadableInput):
    """The file is not a bundle that can be read safely (traversal, links, duplicates, zip bomb...)."""


class BundlePassphraseError(UnreadableInput):
    """The bundle is encrypted and no passphrase, or a wrong one, was given."""


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


# ------------------------------------------------------------------------------------------- crypto


def _derive_key(passphrase: str | bytes, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase)


def _aad(name: str, index: int, final: bool) -> bytes:
    return name.encode("utf-8") + b"\0" + index.to_bytes(8, "big") + (b"\1" if final else b"\0")


class _Encryptor:
    """Encrypts a stream chunk by chunk for one member."""

    def __init__(self, key: bytes, name: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.aead = AESGCM(key)
        self.name = name
        self.prefix = os.urandom(NONCE_PREFIX)
        self.index = 0

    def seal(self, chunk: bytes, final: bool) -> bytes:
        nonce = self.prefix + self.index.to_bytes(4, "big")
        out = self.aead.encrypt(nonce, chunk, _aad(self.name, self.index, final))
        self.index += 1
        return out


def _decrypt_stream(fh: BinaryIO, key: bytes, name: str) -> Iterator[bytes]:
    """Yield the plaintext chunks of an encrypted member; raise ValueError when it was altered."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    prefix = fh.read(NONCE_PREFIX)
    if len(prefix) != NONCE_PREFIX:
        raise ValueError("truncated (no nonce)")
    block = CHUNK + TAG
    cur = _read_full(fh, block)
    index = 0
    while True:
        nxt = _read_full(fh, block) if len(cur) == block else b""
        final = not nxt
        if len(cur) < TAG:
            raise ValueError("truncated chunk")
        try:
            yield aead.decrypt(prefix + index.to_bytes(4, "big"), cur, _aad(name, index, final))
        except InvalidTag:
            raise ValueError(f"chunk {index} does not authenticate (altered, truncated or reordered)") from None
        if final:
            return
        cur = nxt
        index += 1


def _read_full(fh: BinaryIO, n: int) -> bytes:
    parts = []
    while n > 0:
        b = fh.read(n)
        if not b:
            break
        parts.append(b)
        n -= len(b)
    return b"".join(parts)


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


# ------------------------------------------------------------------------------------------- build


def _safe_name(name: str, limit: int = 80) -> str:
    base = PurePosixPath(str(name).replace("\\", "/")).name or "item"
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "item"
    return clean[:limit]


README_TEXT = """GÓI CHỨNG CỨ UNGCUU — HƯỚNG DẪN KIỂM TRA
==========================================

Vụ việc: {case_id}
Lập lúc (UTC): {created}
Người lập: {examiner} — máy: {host}
Số mục chứng cứ: {items}{enc_vi}

Mã SHA-256 của chính tệp gói này KHÔNG thể nằm trong gói (một tệp không thể chứa mã băm của chính
nó). Mã đó được in ra khi lập gói và ghi vào nhật ký chuỗi lưu giữ của vụ việc (hành động "export").
Hãy đối chiếu với người gửi qua một kênh khác (điện thoại, công văn).

1. Kiểm tra bằng UngCuu (không giải nén ra đĩa):
     ungcuu verify TEN_GOI.zip
     ungcuu verify TEN_GOI.zip --public-key khoa_cong_khai.pem      (nếu gói có chữ ký)
     UNGCUU_PASSPHRASE='mật khẩu' ungcuu verify TEN_GOI.zip         (nếu gói được mã hóa)
   Kết quả: mã thoát 0 = nguyên vẹn; 1 = có khác biệt (liệt kê từng mục); 2 = không đọc được.

2. Kiểm tra bằng công cụ thông dụng (gói không mã hóa):
     sha256sum TEN_GOI.zip                      (so với mã đã được thông báo)
     giải nén vào một thư mục trống, rồi trong thư mục đó:
     sha256sum -c SHA256SUMS                    (mọi dòng phải là "OK")
   Trên Windows: certutil -hashfile TEN_TEP SHA256
   Chữ ký (nếu có tệp manifest.sig), với OpenSSL 3:
     openssl pkeyutl -verify -pubin -inkey khoa_cong_khai.pem -rawin -in manifest.json -sigfile manifest.sig

3. Nội dung:
   manifest.json   danh mục: mã chứng cứ, mục danh mục thu thập (B1..B11), nguồn, kích thước,
                   SHA-256, thời điểm thu thập, công cụ thu thập, máy
   custody.jsonl   nhật ký chuỗi lưu giữ (mỗi dòng nối mã băm với dòng trước)
   evidence/       các tệp chứng cứ, nguyên từng byte
   reports/        các báo cáo; timeline/ dòng thời gian (JSONL, nhập được vào Timesketch)

-----------------------------------------------------------------------------------------------
UNGCUU EVIDENCE BUNDLE — how to verify: `ungcuu verify FILE.zip [--public-key PEM]` (passphrase in $UNGCUU_PASSPHRASE)
(exit 0 intact, 1 differences listed, 2 unreadable), or unzip and run `sha256sum -c SHA256SUMS`.
The bundle's own SHA-256 is in the case's custody log and was given by the sender.
"""


class _Writer:
    """Adds members to the ZIP, hashing the plaintext; encrypts when a key is set."""

    def __init__(self, zf: zipfile.ZipFile, key: bytes | None):
        self.zf = zf
        self.key = key
        self.files: dict[str, dict] = {}    # logical path -> {size, sha256, stored}
        self.counter = 0

    def _stored_name(self, logical: str) -> str:
        if self.key is None:
            return logical
        if logical == MANIFEST:
            return "data/000000"
        self.counter += 1
        return f"data/{self.counter:06d}"

    def add_stream(self, logical: str, src: BinaryIO, size_hint: int | None = None, record: bool = True) -> dict:
        stored = self._stored_name(logical)
        big = size_hint is not None and size_hint > STORED_ABOVE
        info = zipfile.ZipInfo(stored, date_time=_zip_time())
        info.compress_type = zipfile.ZIP_STORED if (big or self.key is not None) else zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | 0o444) << 16
        h = hashlib.sha256()
        size = 0
        with self.zf.open(info, "w", force_zip64=True) as out:
            enc = _Encryptor(self.key, stored) if self.key is not None else None
            if enc is not None:
                out.write(enc.prefix)
            pending = _read_full(src, CHUNK)
            while True:
                nxt = _read_full(src, CHUNK) if len(pending) == CHUNK else b""
                h.update(pending)
                size += len(pending)
                if enc is not None:
                    out.write(enc.seal(pending, final=not nxt))
                else:
                    out.write(pending)
                if not nxt:
                    break
                pending = nxt
        entry = {"size": size, "sha256": h.hexdigest()}
        if self.key is not None:
            entry["stored_as"] = stored
        if record:
            self.files[logical] = entry
        return entry

    def add_bytes(self, logical: str, data: bytes, record: bool = True) -> dict:
        return self.add_stream(logical, io.BytesIO(data), len(data), record)

    def add_plain(self, name: str, data: bytes) -> None:
        """A member that is never encrypted (README, encryption header, signature)."""
        info = zipfile.ZipInfo(name, date_time=_zip_time())
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = (stat.S_IFREG | 0o444) << 16
        self.zf.writestr(info, data)


def _zip_time() -> tuple:
    now = dt.datetime.now(dt.timezone.utc)
    return (max(now.year, 1980), now.month, now.day, now.hour, now.minute, now.second)


def _report_members(case, notes: list[str]) -> list[tuple[str, bytes]]:
    """The findings report, Mẫu 03 and (when filled) Mẫu 04 as PDF, plus reports already exported."""
    from .render import render_bytes

    incident = case.incident()
    kinds = ["findings", "initial"]
    if (incident.get("closing") or {}).get("resolution") or (incident.get("closing") or {}).get("summary"):
        kinds.append("closing")
    out: list[tuple[str, bytes]] = []
    for kind in kinds:
        try:
            data, _ = render_bytes(case, kind, "pdf")
            out.append((f"reports/{kind}.pdf", data))
        except Exception as exc:  # a report that cannot be rendered must not stop the bundle
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

    Evidence whose stored bytes no longer match the recorded SHA-256, or that is missing from the store,
    is named in `warnings` and in the manifest's `problems_at_build`; the bundle still carries the
    recorded hash, so verify reports the difference too."""
    from collectors import __version__ as tool_version
    from collectors.custody import verify_chain

    from .sources import ensure_timeline, timeline_export

    warnings = warnings if warnings is not None else []
    key_obj = _load_private_key(signing_key)
    from .render import check_out_path

    if Path(out_path).is_dir():   # a folder: the bundle goes in it under its usual name
        out_path = Path(out_path) / f"bundle-{case.case_id}.zip"
    try:
        out_path = check_out_path(case, out_path)
    except UngCuuError as exc:
        raise BundleError(str(exc), path=str(out_path)) from exc
    salt = os.urandom(16)
    key = _derive_key(passphrase, salt) if passphrase else None
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
    for p in chain_problems:
        warnings.append(p)
    items: list[dict] = []
    with atomic_output(out_path, what=f"gói {out_path}") as tmp:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            w = _Writer(zf, key)
            examiner = getattr(case, "examiner", "")
            from collectors.util import host_name

            readme = README_TEXT.format(
                case_id=case.case_id, created=created, examiner=examiner, host=host_name(), items=len(records),
                enc_vi=("\nGói được MÃ HÓA (AES-256-GCM): cần mật khẩu để kiểm tra và đọc nội dung." if key else ""))
            w.add_plain(README_NAME, readme.encode("utf-8"))
            if key is not None:
                w.add_plain(ENCRYPTION, json.dumps({
                    "format": FORMAT + "-encryption", "version": VERSION, "cipher": "AES-256-GCM", "kdf": "scrypt",
                    "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": base64.b64encode(salt).decode(),
                    "chunk": CHUNK}, indent=1).encode())
            used: set[str] = set()
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
                path = case.evidence_path(rec)
                try:
                    with open(path, "rb") as fh:
                        got = w.add_stream(logical, fh, rec.size, record=False)
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
                if got["sha256"] != rec.sha256 or got["size"] != rec.size:
                    warnings.append(f"{rec.id}: nội dung trong kho không khớp SHA-256 đã ghi "
                                    f"({got['sha256']} ≠ {rec.sha256}): kho chứng cứ đã bị thay đổi")
                if "stored_as" in got:
                    item["stored_as"] = got["stored_as"]
                items.append(item)
            incident = case.incident()
            w.add_bytes("incident.json", json.dumps(incident, ensure_ascii=False, indent=1, sort_keys=True).encode())
            custody_text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in custody_entries)
            w.add_bytes("custody.jsonl", custody_text.encode("utf-8"))
            if include_reports:
                for name, data in _report_members(case, notes):
                    w.add_bytes(name, data)
            timeline_events = None
            if include_timeline:
                buf = io.StringIO()
                timeline_events, note = timeline_export(case, buf)
                if timeline_events is not None:
                    w.add_bytes("timeline/timeline.jsonl", buf.getvalue().encode("utf-8"))
                elif note:
                    notes.append(note)
            sums = "".join(f"{it['sha256']}  {it['path']}\n" for it in items if not it.get("missing_at_build"))
            sums += "".join(f"{f['sha256']}  {name}\n" for name, f in w.files.items())
            w.add_bytes(SUMS, sums.encode("utf-8"))
            manifest = {
                "format": FORMAT, "version": VERSION, "case_id": case.case_id, "created_at": created,
                "tool": "UngCuu", "tool_version": tool_version, "examiner": examiner, "host": host_name(),
                "encrypted": key is not None, "signed": key_obj is not None,
                "signer": _signer(key_obj),
                "items": items, "files": w.files,
                "custody": {"entries": len(custody_entries),
                            "last_hash": custody_entries[-1]["hash"] if custody_entries else None,
                            "problems_at_build": chain_problems},
                "timeline_events": timeline_events,
                "problems_at_build": [x for x in warnings if x not in chain_problems],
                "notes": notes,
                # the README is never encrypted (it says how to verify): its hash, so a signed manifest covers it
                "readme_sha256": hashlib.sha256(readme.encode("utf-8")).hexdigest(),
            }
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
            if key is not None:
                w.add_stream(MANIFEST, io.BytesIO(manifest_bytes), len(manifest_bytes), record=False)
            else:
                w.add_plain(MANIFEST, manifest_bytes)
            if key_obj is not None:
                w.add_plain(SIGNATURE, key_obj.sign(manifest_bytes))
    h = hashlib.sha256()
    with open(out_path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    digest = h.hexdigest()
    case.custody.append("export", str(out_path), {
        "bundle_sha256": digest, "size": out_path.stat().st_size, "items": len(items), "encrypted": key is not None,
        "signed": key_obj is not None, "warnings": warnings})
    return digest


# ------------------------------------------------------------------------------------------- read


def _check_name(name: str) -> str | None:
    if not name or "\0" in name:
        return "tên rỗng hoặc có ký tự NUL"
    if "\\" in name:
        return "tên chứa dấu '\\'"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "đường dẫn tuyệt đối"
    if ":" in name:
        return "tên chứa dấu ':' (luồng dữ liệu ẩn trên Windows)"
    if re.search(r"[\x00-\x1f]", name):
        return "tên chứa ký tự điều khiển"
    parts = name.split("/")
    if any(p == ".." for p in parts):
        return "đường dẫn vượt ra ngoài (..)"
    if any(p in ("", ".") for p in parts[:-1]) or parts[-1] in ("", "."):
        return "đường dẫn không chuẩn"
    return None


def open_bundle(path: str | os.PathLike, *, max_total: int = MAX_TOTAL, max_members: int = MAX_MEMBERS,
                max_ratio: float = MAX_RATIO) -> zipfile.ZipFile:
    """Open a bundle for reading after checking every member header; raise BundleRefused / UnreadableInput."""
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p, "r")
    except FileNotFoundError as exc:
        raise UnreadableInput(f"không có tệp {p}", path=str(p)) from exc
    except PermissionError as exc:
        raise UnreadableInput(f"không có quyền đọc {p}", path=str(p)) from exc
    except IsADirectoryError as exc:
        raise UnreadableInput(f"{p} là thư mục, không phải gói", path=str(p)) from exc
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableInput(f"{p} không phải gói ZIP đọc được (hỏng hoặc bị cắt cụt): {exc}", path=str(p)) from exc
    reasons = []
    infos = zf.infolist()
    if len(infos) > max_members:
        reasons.append(f"quá nhiều mục ({len(infos)} > {max_members})")
    seen: set[str] = set()
    total = 0
    total_compressed = 0
    offsets: list[tuple[int, int, str]] = []
    for info in infos:
        name = info.filename
        why = _check_name(name)
        if why:
            reasons.append(f"{name!r}: {why}")
        key = name.lower()
        if key in seen:
            reasons.append(f"{name!r}: tên trùng lặp")
        seen.add(key)
        mode = (info.external_attr >> 16) & 0o170000
        if mode == stat.S_IFLNK:
            reasons.append(f"{name!r}: liên kết tượng trưng (symlink)")
        elif mode not in (0, stat.S_IFREG) and not info.is_dir():
            reasons.append(f"{name!r}: không phải tệp thường")
        if info.flag_bits & 0x1:
            reasons.append(f"{name!r}: mã hóa ZIP cổ điển không được hỗ trợ")
        total += info.file_size
        total_compressed += info.compress_size
        if info.file_size > RATIO_MIN and info.file_size > max_ratio * max(info.compress_size, 1):
            reasons.append(f"{name!r}: tỉ lệ nén bất thường ({info.file_size} / {info.compress_size} byte) — nghi zip bomb")
        offsets.append((info.header_offset, info.compress_size, name))
    if total > max_total:
        reasons.append(f"tổng dung lượng giải nén khai báo {total} byte vượt giới hạn {max_total} — nghi zip bomb")
    elif total > TOTAL_RATIO_MIN and total > max_ratio * max(total_compressed, 1):
        # many members, each under the per-member threshold, that together expand enormously
        reasons.append(f"tổng tỉ lệ nén bất thường ({total} / {total_compressed} byte, {len(infos)} mục) — nghi zip bomb")
    offsets.sort()
    for (off, csize, name), (noff, _, nname) in zip(offsets, offsets[1:]):
        if off + csize > noff:
            reasons.append(f"{name!r} và {nname!r} chồng lên nhau trong tệp — nghi zip bomb")
    if reasons:
        zf.close()
        raise BundleRefused(f"{p}: từ chối đọc gói:\n" + "\n".join(f"  - {r}" for r in reasons), path=str(p),
                            reasons=reasons)
    return zf


def _stream_member(zf: zipfile.ZipFile, name: str, key: bytes | None, stored: str | None = None) -> Iterator[bytes]:
    """Plaintext chunks of a member (decrypting when needed), never more than its declared size."""
    stored = stored or name
    with zf.open(stored, "r") as fh:
        if key is None:
            for block in iter(lambda: fh.read(CHUNK), b""):
                yield block
        else:
            yield from _decrypt_stream(fh, key, stored)


def _read_small(zf: zipfile.ZipFile, name: str, key: bytes | None = None, stored: str | None = None,
                limit: int | None = None) -> bytes:
    info = zf.getinfo(stored or name)
    if info.file_size > (limit or MAX_SMALL):
        raise BundleRefused(f"{name}: quá lớn ({info.file_size} byte)", member=name)
    return b"".join(_stream_member(zf, name, key, stored))


def _open_manifest(zf: zipfile.ZipFile, path: str, passphrase) -> tuple[dict, bytes, bytes | None]:
    try:
        return _read_manifest(zf, path, passphrase)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:   # a damaged header member
        raise UnreadableInput(f"{path}: gói hỏng, không đọc được danh mục: {exc}", path=path) from exc


def _read_manifest(zf: zipfile.ZipFile, path: str, passphrase) -> tuple[dict, bytes, bytes | None]:
    names = set(zf.namelist())
    key = None
    if ENCRYPTION in names:
        try:
            hdr = json.loads(_read_small(zf, ENCRYPTION))
            salt = base64.b64decode(hdr["salt"])
            n, r, p = int(hdr["n"]), int(hdr["r"]), int(hdr["p"])
        except (ValueError, KeyError, TypeError) as exc:
            raise UnreadableInput(f"{path}: phần đầu mã hóa hỏng: {exc}", path=path) from exc
        if n < 2 or n & (n - 1) or 128 * n * r * p > 256 << 20 or p > 16:
            raise BundleRefused(f"{path}: tham số scrypt quá lớn (n={n}, r={r}, p={p})", path=path)
        if not passphrase:
            raise BundlePassphraseError(f"{path}: gói được mã hóa — cần mật khẩu (ungcuu verify đọc nó từ biến "
                                        "môi trường UNGCUU_PASSPHRASE)", path=path)
        key = _derive_key(passphrase, salt, n, r, p)
        if "data/000000" not in names:
            raise UnreadableInput(f"{path}: gói mã hóa thiếu danh mục (data/000000)", path=path)
        try:
            raw = _read_small(zf, MANIFEST, key, "data/000000", limit=MAX_MANIFEST)
        except ValueError as exc:
            raise BundlePassphraseError(f"{path}: sai mật khẩu, hoặc danh mục đã bị sửa ({exc})", path=path) from exc
    else:
        if MANIFEST not in names:
            raise UnreadableInput(f"{path}: không có {MANIFEST} — không phải gói chứng cứ UngCuu", path=path)
        raw = _read_small(zf, MANIFEST, limit=MAX_MANIFEST)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableInput(f"{path}: {MANIFEST} không đọc được: {exc}", path=path) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise UnreadableInput(f"{path}: {MANIFEST} không phải danh mục gói UngCuu", path=path)
    return manifest, raw, key


_SHA256 = re.compile(r"[0-9a-f]{64}")
_EVIDENCE_ID = re.compile(r"E\d+")
# custody actions that store an evidence item (Case._index): a later "note" about an item (an image's
# manifest carries the image's own SHA-256) is not the item's hash
STORE_ACTIONS = {"collect", "add", "derive"}


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
        entry(f"items[{i}]", it.get("stored_as") or it["path"], it.get("size"), it.get("sha256"),
              f"{it.get('id')} ({it['path']})", it["path"])
    files = manifest.get("files")
    if not isinstance(files, dict):
        problems.append("danh mục: 'files' không phải bảng tên tệp")
        files = {}
    for name, f in files.items():
        if not isinstance(f, dict):
            problems.append(f"danh mục: {name}: mục không hợp lệ")
            continue
        entry(f"files.{name}", f.get("stored_as") or name, f.get("size"), f.get("sha256"), name, name)
    return expected


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
        d = e.get("details") if isinstance(e.get("details"), dict) else {}
        target = e.get("target")
        if e.get("action") in STORE_ACTIONS and isinstance(d.get("sha256"), str) and isinstance(target, str) \
                and _EVIDENCE_ID.fullmatch(target):
            collected.setdefault(target, d["sha256"])
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
    """Check every member against the manifest and the custody chain, without unpacking to disk.

    Raises UnreadableInput (or a subclass: BundleRefused, BundlePassphraseError) when the file cannot be
    read at all; otherwise returns a result whose `problems` name each difference."""
    path_s = str(path)
    pub = _load_public_key(public_key)
    zf = open_bundle(path)
    with zf:
        try:
            return _verify_open(zf, path_s, pub, public_key, passphrase)
        except zipfile.BadZipFile as exc:
            raise UnreadableInput(f"{path_s}: gói hỏng: {exc}", path=path_s) from exc
        except UngCuuError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OSError, EOFError,
                zlib.error) as exc:   # a hostile bundle must give exit 2 with a message, never a traceback
            raise UnreadableInput(f"{path_s}: không đọc được gói: {type(exc).__name__}: {exc}", path=path_s) from exc


def _verify_open(zf: zipfile.ZipFile, path_s: str, pub, public_key, passphrase) -> VerifyResult:
    from collectors.custody import verify_chain

    manifest, raw, key = _open_manifest(zf, path_s, passphrase)
    res = VerifyResult(ok=False, encrypted=key is not None, case_id=str(manifest.get("case_id", "")),
                       manifest=manifest)
    names = set(zf.namelist())
    # Signature
    if SIGNATURE in names:
        sig = _read_small(zf, SIGNATURE)
        if pub is None:
            res.signature = "not_checked"
            res.notes.append("gói có chữ ký nhưng không có khóa công khai để kiểm tra (--public-key)")
        else:
            from cryptography.exceptions import InvalidSignature

            try:
                pub.verify(sig, raw)
                res.signature = "valid"
                res.notes.append(f"chữ ký hợp lệ, khóa công khai SHA-256 {public_key_fingerprint(pub)}")
            except InvalidSignature:
                res.signature = "invalid"
                res.problems.append("chữ ký của danh mục KHÔNG hợp lệ (danh mục bị sửa hoặc khóa khác)")
    elif pub is not None:
        res.problems.append("gói không có chữ ký (manifest.sig) dù đã đưa khóa công khai")
    elif manifest.get("signed"):
        res.problems.append("danh mục ghi là có chữ ký nhưng thiếu manifest.sig")

    expected = _expected_members(manifest, res.problems)
    for p in manifest.get("problems_at_build") if isinstance(manifest.get("problems_at_build"), list) else []:
        res.notes.append(f"khi lập gói: {p}")

    readme_sha = manifest.get("readme_sha256")
    if readme_sha is not None:
        if README_NAME not in names:
            res.problems.append(f"{README_NAME}: thiếu trong gói")
        elif hashlib.sha256(_read_small(zf, README_NAME)).hexdigest() != readme_sha:
            res.problems.append(f"{README_NAME}: nội dung khác với danh mục (hướng dẫn kiểm tra đã bị sửa)")
    allowed = {README_NAME, SIGNATURE, ENCRYPTION, MANIFEST if key is None else "data/000000"}
    for name in sorted(names - set(expected) - allowed):
        if not name.endswith("/"):
            res.problems.append(f"{name}: mục không có trong danh mục (được thêm vào sau)")
    custody_stored = None
    for stored, (size, sha, label, _) in expected.items():
        if stored not in names:
            res.problems.append(f"{label}: thiếu trong gói")
            continue
        h = hashlib.sha256()
        n = 0
        try:
            for block in _stream_member(zf, label, key, stored):
                h.update(block)
                n += len(block)
        except ValueError as exc:
            res.problems.append(f"{label}: giải mã thất bại — {exc}")
            continue
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            res.problems.append(f"{label}: không đọc được trong gói (hỏng): {exc}")
            continue
        res.members += 1
        if n != size:
            res.problems.append(f"{label}: kích thước {n} byte, danh mục ghi {size} byte")
        if h.hexdigest() != sha:
            res.problems.append(f"{label}: SHA-256 không khớp (có {h.hexdigest()}, danh mục ghi {sha})")
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
            res.problems += verify_chain(_custody_entries(_stream_member(zf, "custody.jsonl", key, custody_stored),
                                                          res.problems, stats))
        except (ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
            pass   # already named by the member check above
        else:
            cinfo = manifest.get("custody") if isinstance(manifest.get("custody"), dict) else {}
            count = stats.get("entries", 0)
            if cinfo.get("entries") is not None and cinfo.get("entries") != count:
                res.problems.append(f"custody.jsonl có {count} mục, danh mục ghi {cinfo.get('entries')}")
            if count and cinfo.get("last_hash") and stats.get("last_hash") != cinfo.get("last_hash"):
                res.problems.append("custody.jsonl: mục cuối không khớp với danh mục")
            collected = stats.get("collected", {})
            listed = set()
            for it in items:
                listed.add(it.get("id"))
                got = collected.get(it.get("id"))
                if got is None:
                    res.problems.append(f"{it.get('id')}: không có trong nhật ký chuỗi lưu giữ")
                elif got != it.get("sha256"):
                    res.problems.append(f"{it.get('id')}: SHA-256 trong danh mục khác với nhật ký chuỗi lưu giữ")
            for eid in sorted(set(collected) - listed):
                res.problems.append(f"{eid}: có trong nhật ký chuỗi lưu giữ nhưng không có trong danh mục "
                                    "(mục chứng cứ bị bỏ khỏi gói)")
    res.ok = not res.problems
    return res


def extract_bundle(path: str | os.PathLike, dest: str | os.PathLike, passphrase: str | bytes | None = None) -> list[Path]:
    """Extract a bundle into `dest` only: names from the manifest, every one checked before anything is
    written; no links, no overwrite; each member hashed as it is written. A member missing from the bundle,
    or whose bytes do not match the manifest, is not left on disk: BundleRefused names them at the end
    (its `written` attribute lists what was extracted)."""
    zf = open_bundle(path)
    dest = Path(dest)
    with zf:
        manifest, raw, key = _open_manifest(zf, str(path), passphrase)
        malformed: list[str] = []
        expected = _expected_members(manifest, malformed, missing=[])
        if malformed:
            raise BundleRefused(f"{path}: danh mục không hợp lệ, không giải nén:\n" +
                                "\n".join(f"  - {p}" for p in malformed), path=str(path), reasons=malformed)
        names = set(zf.namelist())
        members: list[tuple[str, str, int | None, str | None]] = [(MANIFEST, "", None, None)]
        members += [(logical, stored, size, sha) for stored, (size, sha, _, logical) in expected.items()]
        members += [(plain, plain, None, None) for plain in (README_NAME, SIGNATURE) if plain in names]
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        seen: set[str] = set()
        for logical, *_ in members:          # every name is checked before anything is written
            why = _check_name(logical)
            target = (root / logical).resolve()
            if why or not target.is_relative_to(root):
                raise BundleRefused(f"{logical!r}: {why or 'nằm ngoài thư mục đích'}", member=logical)
            if logical.lower() in seen:
                raise BundleRefused(f"{logical!r}: tên trùng lặp trong danh mục", member=logical)
            seen.add(logical.lower())
        written: list[Path] = []
        bad: list[str] = []
        for logical, stored, size, sha in members:
            if logical != MANIFEST and stored not in names:
                bad.append(f"{logical}: thiếu trong gói")
                continue
            target = root / logical
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                         | getattr(os, "O_NOFOLLOW", 0), 0o644)
            h, n, why = hashlib.sha256(), 0, ""
            with os.fdopen(fd, "wb") as out:
                if logical == MANIFEST:
                    out.write(raw)
                else:
                    try:
                        for block in _stream_member(zf, logical, key if stored.startswith("data/") else None, stored):
                            out.write(block)
                            h.update(block)
                            n += len(block)
                    except ValueError as exc:
                        why = f"giải mã thất bại — {exc}"
                    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                        why = f"không đọc được trong gói (hỏng): {exc}"
            if not why and sha is not None and (n != size or h.hexdigest() != sha):
                why = f"SHA-256 không khớp danh mục (có {h.hexdigest()}, danh mục ghi {sha})"
            if why:
                target.unlink()
                bad.append(f"{logical}: {why}")
                continue
            written.append(target)
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
    """Verify and print the outcome (for `ungcuu verify FILE.zip`): exit 0 intact, 1 differences, 2 unreadable."""
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
