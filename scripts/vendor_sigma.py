"""Copy the SigmaHQ rules UngCuu ships from a SigmaHQ snapshot into resources/rules/sigma/.

    python scripts/vendor_sigma.py ../shared/data/sigma

Kept: rules whose log source is Windows, Linux or a web server (access logs), from rules/,
rules-emerging-threats/ and rules-threat-hunting/, each file byte for byte (id, title, author,
references, level, status, tags untouched); deprecated/unsupported folders and statuses are left out.
The snapshot's LICENSE (Detection Rule License 1.1) and SOURCE.txt (its commit) are copied alongside.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

WEB_PRODUCTS = {"apache", "nginx", "iis"}


def wanted(doc: dict) -> bool:
    if not isinstance(doc, dict):
        return False
    if str(doc.get("status", "")).lower() in ("deprecated", "unsupported"):
        return False
    ls = doc.get("logsource") or {}
    product = str(ls.get("product") or "").lower()
    category = str(ls.get("category") or "").lower()
    service = str(ls.get("service") or "").lower()
    return (product in ("windows", "linux") or category == "webserver" or product in WEB_PRODUCTS
            or service in WEB_PRODUCTS) or "correlation" in doc


def main(src: str) -> int:
    src_dir = Path(src)
    dest = Path(__file__).resolve().parents[1] / "resources" / "rules" / "sigma"
    if dest.exists():
        shutil.rmtree(dest)
    n = 0
    for top in ("rules", "rules-emerging-threats", "rules-threat-hunting"):
        for p in sorted((src_dir / top).rglob("*.yml")):
            if any(part in ("deprecated", "unsupported") for part in p.parts):
                continue
            try:
                docs = list(yaml.safe_load_all(p.read_text(encoding="utf-8")))
            except (yaml.YAMLError, UnicodeDecodeError):
                continue
            if not docs or not any(wanted(d) for d in docs):
                continue
            out = dest / p.relative_to(src_dir)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, out)
            n += 1
    shutil.copyfile(src_dir / "LICENSE", dest / "LICENSE")
    shutil.copyfile(src_dir / "SOURCE.txt", dest / "SOURCE.txt")
    print(f"{n} rule files copied to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sigma"))
