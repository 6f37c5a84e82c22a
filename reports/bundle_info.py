"""What the reports say about the evidence bundle: its file name, size, SHA-256 and signing key, read from
the custody log entry `build_bundle` writes (the bundle's own hash cannot be inside it), with the key
fingerprint from the bundle's manifest when the entry does not carry it.

    latest_bundle(case) -> {"name", "path", "sha256", "size", "key_sha256", "encrypted", "at"} | None
    building: the name of the bundle whose reports are being rendered (set by build_bundle)
"""
from __future__ import annotations

import contextvars
import json
import zipfile
from pathlib import Path

# the file name of the bundle being built while its reports are rendered (they travel inside it)
building: contextvars.ContextVar[str | None] = contextvars.ContextVar("building_bundle", default=None)


def _manifest_signer(path: Path) -> str | None:
    """The signer's public key SHA-256 from a plain bundle's manifest.json (None: encrypted, unsigned or gone)."""
    from .bundle import MANIFEST, MAX_SMALL

    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(MANIFEST)
            if info.file_size > MAX_SMALL:
                return None
            manifest = json.loads(zf.read(info).decode("utf-8"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    signer = manifest.get("signer") if isinstance(manifest, dict) else None
    return signer.get("public_key_sha256") if isinstance(signer, dict) else None


def latest_bundle(case) -> dict | None:
    try:
        row = case.db.execute("SELECT target, details, ts FROM custody WHERE action = 'export' "
                              "AND details LIKE '%\"bundle_sha256\"%' ORDER BY seq DESC LIMIT 1").fetchone()
    except Exception:
        return None
    if row is None:
        return None
    try:
        d = json.loads(row[1])
    except ValueError:
        return None
    if not isinstance(d, dict) or not d.get("bundle_sha256"):
        return None
    path = Path(str(row[0] or ""))
    key = d.get("key_sha256")
    if key is None and d.get("signed") and not d.get("encrypted"):
        key = _manifest_signer(path)
    return {"name": path.name, "path": str(path), "sha256": d["bundle_sha256"], "size": d.get("size"),
            "key_sha256": key, "signed": bool(d.get("signed")), "encrypted": bool(d.get("encrypted")),
            "at": row[2]}
