"""Build the desktop app's translations: `python -m desktop.i18n_build [--update] [--check]`.

- default: compile every resources/i18n/*.ts into .qm with pyside6-lrelease (or Qt's lrelease) when one
  is installed; without one it says so and exits 0 — the app then reads the .ts directly
  (desktop.ui.i18n.TsTranslator), so Vietnamese works either way. The .qm files are not committed.
- --update: add the ``tr("...")`` strings of desktop/ui that the .ts lacks (as unfinished messages, for
  Qt Linguist) and mark the ones no longer used as obsolete.
- --check: list strings with no finished translation; exit 1 when there is any.
"""
from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_DIR = ROOT / "desktop" / "ui"
I18N_DIR = ROOT / "resources" / "i18n"
CONTEXT = "UngCuu"


def extract_strings(paths=None) -> list[str]:
    """Every literal passed to tr() in desktop/ui (in first-seen order)."""
    out: list[str] = []
    seen: set[str] = set()
    for path in paths or sorted(UI_DIR.glob("*.py")):
        tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                s = node.args[0].value
                if s not in seen:
                    seen.add(s)
                    out.append(s)
    # Strings translated through a variable (model headers) are listed in the module as tuples.
    from desktop.ui.models import EvidenceModel
    from desktop.ui.timeline import TimelineModel

    for s in list(EvidenceModel.HEADERS) + list(TimelineModel.HEADERS):
        if s not in seen and s not in ("ID", "SHA-256"):
            seen.add(s)
            out.append(s)
    return out


def _lrelease() -> list[str] | None:
    exe = Path(sys.executable).parent
    for name in ("pyside6-lrelease", "lrelease", "lrelease-qt6"):
        cand = exe / name
        if cand.exists():
            return [str(cand)]
        found = shutil.which(name)
        if found:
            return [found]
    return None


def compile_ts(ts: Path, qm: Path | None = None) -> Path | None:
    qm = qm or ts.with_suffix(".qm")
    tool = _lrelease()
    if tool is None:
        return None
    proc = subprocess.run(tool + [str(ts), "-qm", str(qm)], capture_output=True, text=True)
    if proc.returncode != 0 or not qm.exists():
        raise RuntimeError(f"lrelease failed on {ts.name}: {proc.stderr or proc.stdout}")
    return qm


def update_ts(ts: Path, strings: list[str]) -> tuple[int, int]:
    """Add missing messages (unfinished) and mark unused ones obsolete; returns (added, obsoleted)."""
    tree = ET.parse(ts)
    root = tree.getroot()
    ctx = next((c for c in root.iter("context") if c.findtext("name") == CONTEXT), None)
    if ctx is None:
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = CONTEXT
    have = {m.findtext("source"): m for m in ctx.iter("message")}
    added = obsoleted = 0
    for s in strings:
        if s not in have:
            m = ET.SubElement(ctx, "message")
            ET.SubElement(m, "source").text = s
            ET.SubElement(m, "translation", type="unfinished")
            added += 1
    wanted = set(strings)
    for s, m in have.items():
        t = m.find("translation")
        if s not in wanted and t is not None and t.get("type") != "obsolete":
            t.set("type", "obsolete")
            obsoleted += 1
    write_ts(tree, ts)
    return added, obsoleted


def write_ts(tree: ET.ElementTree, ts: Path) -> None:
    """Write a .ts the way Qt Linguist does (declaration, DOCTYPE, indented)."""
    ET.indent(tree, space="    ")
    with open(ts, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(f, encoding="utf-8", xml_declaration=False)
        f.write(b"\n")


def untranslated(ts: Path, strings: list[str]) -> list[str]:
    from desktop.ui.i18n import read_ts

    done = read_ts(ts)
    return [s for s in strings if (CONTEXT, s) not in done]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m desktop.i18n_build", description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="add new tr() strings to the .ts files")
    ap.add_argument("--check", action="store_true", help="fail when a string has no translation")
    args = ap.parse_args(argv)
    files = sorted(I18N_DIR.glob("*.ts"))
    if not files:
        print(f"no .ts files in {I18N_DIR}", file=sys.stderr)
        return 1
    strings = extract_strings() if (args.update or args.check) else []
    rc = 0
    for ts in files:
        if args.update:
            a, o = update_ts(ts, strings)
            print(f"{ts.name}: {a} new, {o} obsolete")
        if args.check:
            missing = untranslated(ts, strings)
            for s in missing:
                print(f"{ts.name}: untranslated: {s!r}")
            rc |= 1 if missing else 0
            continue
        if not args.update:
            qm = compile_ts(ts)
            if qm is None:
                print("lrelease not found: the app will read the .ts files directly (same translations)")
                return 0
            print(f"{ts.name} -> {qm.name}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
