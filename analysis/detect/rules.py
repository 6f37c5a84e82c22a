"""Loading Sigma rule files: the shipped set (``resources/rules/``), the team's own folders (``--rules DIR``).

``load(extra_dirs=(), *, statuses=DEFAULT_STATUSES, min_level=DEFAULT_MIN_LEVEL, hunting=False,
shipped=True) -> RuleSet``. A file that cannot be read or compiled is a `LoadError` naming the file and
line, and every other rule still loads. A rule using a field no UngCuu event of its log source carries
is loaded with a warning (it can never match), as is one whose log source UngCuu has no events for.

Which rules run by default, and why:

- statuses ``stable``, ``test`` and ``experimental``: SigmaHQ puts new threat detections in
  ``experimental`` first, and an incident responder on an affected machine wants coverage; ``deprecated``
  and ``unsupported`` rules are not shipped at all.
- levels ``medium`` and above: ``low`` and ``informational`` rules describe normal administration as
  often as attacks (they are hunting aids), and on a benign machine they are most of the noise; they are
  shipped and run with ``min_level="informational"`` (``ungcuu findings --all-levels``).
- ``rules-threat-hunting`` is shipped but runs only with ``hunting=True`` (``--hunting``): its rules are
  meant to be reviewed one by one, not to raise findings.

The shipped rules are compiled once when UngCuu is set up or built (``python -m analysis.detect.compile``
writes ``resources/rules/compiled.jsonl``, not committed); at run time a missing or stale compiled file is
compiled in memory only, never written (the affected machine's disk holds nothing of ours but the case).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

from analysis.detect import mapping
from analysis.detect.engine import LEVELS, LoadError, Rule, RuleSet, check_correlation
from analysis.detect.schema import unknown_fields
from analysis.detect.sigma import Namespace, RuleError, detection_expr

RULES_DIR = Path(__file__).resolve().parents[2] / "resources" / "rules"
COMPILED = RULES_DIR / "compiled.jsonl"
DEFAULT_STATUSES = ("stable", "test", "experimental")
DEFAULT_MIN_LEVEL = "medium"
COMPILED_VERSION = 6

_Loader: Any
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml
    _Loader = yaml.SafeLoader


def shipped_files(hunting: bool = True) -> list[Path]:
    out = []
    for sub in ("sigma", "ungcuu"):
        base = RULES_DIR / sub
        if base.is_dir():
            for p in sorted(base.rglob("*.yml")):
                if not hunting and "rules-threat-hunting" in p.parts:
                    continue
                out.append(p)
    return out


def _line_of(text: str, key: str) -> int | None:
    if not key:
        return None
    needle = key.split("|")[0].lower()
    for n, ln in enumerate(text.splitlines(), 1):
        s = ln.strip().lstrip("-").strip().lstrip("'\"").lower()
        if s.startswith(needle) and s[len(needle):len(needle) + 1] in (":", "|", "'", '"'):
            return n
    return None


def _origin(path: Path) -> str:
    try:
        rel = path.resolve().relative_to(RULES_DIR)
    except ValueError:
        return "custom"
    return "ungcuu" if rel.parts[0] == "ungcuu" else "sigma"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(RULES_DIR.parent.parent))
    except ValueError:
        return str(path)


def _as_list(v) -> list:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def parse_file(path: Path, text: str | None = None) -> tuple[list[dict], list[LoadError]]:
    """The rule documents of one file (each with ``_path``/``_line``), or errors naming file and line."""
    shown = _rel(path)
    try:
        if text is None:
            with open(path, "rb") as fh:
                raw = fh.read(8 << 20)
            text = raw.decode("utf-8")
    except OSError as exc:
        return [], [LoadError(shown, None, f"cannot read: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        return [], [LoadError(shown, None, f"not UTF-8 text: {exc}")]
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [LoadError(shown, line, f"not valid YAML: {why}")]
    out, errors = [], []
    for d in docs:
        if not isinstance(d, dict):
            errors.append(LoadError(shown, None, "a YAML document that is not a Sigma rule (not a map)"))
            continue
        d["_path"] = shown
        d["_text"] = text
        out.append(d)
    return out, errors


def build(doc: dict, ns: Namespace, origin: str) -> Rule:
    """A rule document compiled (RuleError when it cannot be)."""
    if doc.get("action"):
        raise RuleError("rule collections with 'action: global/reset/repeat' are not supported", "action")
    title = str(doc.get("title") or "").strip()
    if not title:
        raise RuleError("the rule has no 'title'", "title")
    level = str(doc.get("level") or "medium").lower()
    if level not in LEVELS:
        raise RuleError(f"level {level!r} is not one of {', '.join(LEVELS)}", "level")
    common = dict(id=str(doc.get("id") or doc.get("name") or title), title=title, path=doc["_path"], level=level,
                  status=str(doc.get("status") or "").lower(), tags=_as_list(doc.get("tags")),
                  author=str(doc.get("author") or ""), references=_as_list(doc.get("references")),
                  description=str(doc.get("description") or "").strip(),
                  falsepositives=_as_list(doc.get("falsepositives")), name=str(doc.get("name") or ""),
                  ungcuu=dict(doc.get("ungcuu") or {}) if isinstance(doc.get("ungcuu"), dict) else {},
                  origin=origin)
    if "correlation" in doc:
        spec = check_correlation(doc["correlation"])
        return Rule(**common, correlation=spec, generate=True)
    logsource = doc.get("logsource")
    if not isinstance(logsource, dict) or not logsource:
        raise RuleError("the rule has no 'logsource'", "logsource")
    if "detection" not in doc:
        raise RuleError("the rule has no 'detection'", "detection")
    expr, fields, eids, guard = detection_expr(doc["detection"], ns)
    compile(expr, "<rule>", "eval")  # a generated expression that Python cannot read is our bug: fail here
    return Rule(**common, logsource={k: str(v).lower() for k, v in logsource.items() if isinstance(v, (str, int))},
                keys=mapping.rule_keys(logsource), expr=expr, eids=eids, fields=frozenset(fields),
                guard=guard)


def _selected(doc: dict, statuses, min_level: str, origin: str) -> bool:
    if origin == "custom":
        return True  # the team's own rules always run
    status = str(doc.get("status") or "").lower()
    if status in ("deprecated", "unsupported"):
        return False
    if statuses is not None and status and status not in statuses:
        return False
    if doc.get("correlation"):
        return True
    level = str(doc.get("level") or "medium").lower()
    return level not in LEVELS or LEVELS.index(level) >= LEVELS.index(min_level)


def _meta(d: dict) -> dict:
    corr = d.get("correlation") if isinstance(d.get("correlation"), dict) else None
    return {"id": d.get("id"), "name": d.get("name"), "title": d.get("title"), "status": d.get("status"),
            "level": d.get("level"), "_path": d["_path"], "correlation": corr is not None,
            "feeds": [str(r) for r in (corr.get("rules") or [])] if corr else [],
            "generate": bool(corr.get("generate")) if corr else False}


def _rule_json(rule: Rule) -> dict:
    d = {k: getattr(rule, k) for k in Rule.__dataclass_fields__}
    d["eids"] = sorted(rule.eids) if rule.eids is not None else None
    d["fields"] = sorted(rule.fields)
    d["guard"] = sorted(list(a) for a in rule.guard) if rule.guard is not None else None
    return d


def _rule_from_json(d: dict) -> Rule:
    d = dict(d)
    d["eids"] = frozenset(d["eids"]) if d.get("eids") is not None else None
    d["fields"] = frozenset(d.get("fields") or ())
    d["guard"] = frozenset(tuple(a) for a in d["guard"]) if d.get("guard") is not None else None
    return Rule(**d)


def entry(d: dict, ns: Namespace, origin: str) -> dict:
    """One rule document compiled: {"meta", "rule", "warnings"} or {"meta", "error", "line"}."""
    text = d.get("_text", "")
    meta = _meta(d)
    try:
        rule = build(d, ns, origin)
    except RuleError as exc:
        return {"meta": meta, "error": exc.reason, "line": _line_of(text, exc.key)}
    except (SyntaxError, RecursionError, MemoryError, ValueError, TypeError) as exc:
        return {"meta": meta, "error": f"cannot compile: {type(exc).__name__}: {exc}", "line": None}
    warnings = []
    if rule.correlation is None:
        if not any(k.startswith(mapping.KNOWN_PREFIXES) for k in rule.keys):
            warnings.append([_line_of(text, "logsource"),
                             f"no UngCuu event has the log source {rule.logsource}: the rule cannot match"])
        for f in unknown_fields(rule):
            warnings.append([_line_of(text, f), f"field '{f}' is not a field of {'/'.join(rule.keys)} events: "
                                                "the selection using it cannot match"])
    return {"meta": meta, "rule": _rule_json(rule), "warnings": warnings}


def _select(rs: RuleSet, entries: list[dict], statuses, min_level: str) -> None:
    """Add the chosen entries to the rule set: status and level as asked, the team's rules always, and the
    base rules of a chosen correlation whatever their level (they raise no finding of their own unless the
    correlation says ``generate: true``)."""
    def chosen(e):
        origin = e["rule"]["origin"] if "rule" in e else "custom" if e.get("custom") else ""
        return _selected(e["meta"], statuses, min_level, origin)

    fed: dict[str, bool] = {}
    for e in entries:
        if e["meta"]["correlation"] and chosen(e):
            for ref in e["meta"]["feeds"]:
                fed[ref] = fed.get(ref, False) or e["meta"]["generate"]
    for e in entries:
        m = e["meta"]
        refs = [str(m[k]) for k in ("id", "name", "title") if m.get(k)]
        feeds = [r for r in refs if r in fed]
        if not (chosen(e) or feeds):
            rs.not_selected += 1
            continue
        if "error" in e:
            rs.errors.append(LoadError(m["_path"], e.get("line"), e["error"]))
            continue
        rule = _rule_from_json(e["rule"])
        if feeds and rule.correlation is None:
            rule.generate = any(fed[r] for r in feeds)
        rs.warnings.extend(LoadError(m["_path"], line, msg) for line, msg in e.get("warnings", ()))
        rs.add(rule)


def _fingerprint(files: list[Path]) -> str:
    h = hashlib.sha256()
    h.update(f"compiler {COMPILED_VERSION}\n".encode())
    for p in files:
        st = p.stat()
        h.update(f"{p.relative_to(RULES_DIR)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def compile_shipped(files: list[Path] | None = None) -> dict:
    """The shipped rule files parsed and compiled: {"entries", "namespace", "files"} (JSON-ready)."""
    files = files if files is not None else shipped_files()
    ns = Namespace()
    entries = []
    for p in files:
        docs, errors = parse_file(p)
        for d in docs:
            entries.append(entry(d, ns, _origin(p)))
        for e in errors:
            entries.append({"meta": {"_path": e.path, "correlation": False, "feeds": [], "generate": False,
                                     "status": None, "level": None}, "error": e.message, "line": e.line})
    return {"entries": entries, "namespace": ns.keys(), "files": len(files)}


def write_compiled(path: Path = COMPILED) -> int:
    """Compile every shipped rule file and write the result next to them (setup and build time only)."""
    files = shipped_files()
    compiled = compile_shipped(files)
    tmp = path.with_suffix(".tmp")
    # JSON Lines: a header, the namespace, then one rule entry a line. Read back line by line, no single
    # parse holds the interpreter for long (the desktop app loads the rules on a worker thread).
    with open(tmp, "w", encoding="utf-8") as fh:
        header = {"version": COMPILED_VERSION, "fingerprint": _fingerprint(files), "files": compiled["files"]}
        for obj in (header, compiled["namespace"], *compiled["entries"]):
            fh.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)
    return len(compiled["entries"])


def _read_compiled(path: Path, fingerprint: str) -> dict | None:
    """The compiled rules written by `write_compiled`, or None when the file is missing, of another
    version, stale (its fingerprint differs) or damaged."""
    try:
        with open(path, encoding="utf-8") as fh:
            header = json.loads(fh.readline())
            if header.get("version") != COMPILED_VERSION or header.get("fingerprint") != fingerprint:
                return None
            namespace = json.loads(fh.readline())
            entries = [json.loads(line) for line in fh]
    except (OSError, ValueError, AttributeError):
        return None
    return {"entries": entries, "namespace": namespace, "files": header.get("files")}


def _shipped() -> dict:
    files = shipped_files()
    payload = _read_compiled(COMPILED, _fingerprint(files))
    if payload is not None:
        return payload
    return compile_shipped(files)  # in memory only: nothing is written on the examined machine


def load(extra_dirs=(), *, statuses=DEFAULT_STATUSES, min_level: str = DEFAULT_MIN_LEVEL, hunting: bool = False,
         shipped: bool = True) -> RuleSet:
    rs = RuleSet()
    entries: list[dict] = []
    if shipped:
        payload = _shipped()
        rs.ns = Namespace.from_keys(payload["namespace"])
        entries = [e for e in payload["entries"] if hunting or "rules-threat-hunting" not in e["meta"]["_path"]]
        rs.files = len({e["meta"]["_path"] for e in entries})
    for folder in extra_dirs or ():
        folder = Path(folder)
        if not folder.exists():
            rs.errors.append(LoadError(str(folder), None, "no such rule folder or file"))
            continue
        files = [folder] if folder.is_file() else sorted(
            p for p in folder.rglob("*") if p.suffix.lower() in (".yml", ".yaml") and p.is_file())
        if not files:
            rs.errors.append(LoadError(str(folder), None, "no .yml/.yaml rule files in this folder"))
        for p in files:
            got, errors = parse_file(p)
            for d in got:
                e = entry(d, rs.ns, "custom")
                e["custom"] = True
                entries.append(e)
            rs.errors.extend(errors)
            rs.files += 1
    _select(rs, entries, statuses, min_level)
    return rs
