"""What the reports say about the evidence bundle: its file name, size, SHA-256 and signing key, read from
the custody log entry `build_bundle` writes (the bundle's own hash cannot be inside it).

    latest_bundle(case) -> {"name", "path", "sha256", "size", "key_sha256", "encrypted", "at"} | None
    building: the name of the bundle whose reports are being rendered (set by build_bundle)
"""
from __future__ import annotations

import contextvars
from pathlib import Path

# the file name of the bundle being built while its reports are rendered (they travel inside it)
building: contextvars.ContextVar[str | None] = contextvars.ContextVar("building_bundle", default=None)


def latest_bundle(case) -> dict | None:
    from .bundle import bundle_exports

    exports = bundle_exports(case)
    if not exports:
        return None
    e = exports[-1]
    path = Path(str(e.get("path") or ""))
    return {"name": path.name, "path": str(path), "sha256": e["sha256"], "size": e.get("size"),
            "key_sha256": e.get("key_fingerprint"), "signed": e["signed"], "encrypted": e["encrypted"],
            "at": e.get("exported_at")}
