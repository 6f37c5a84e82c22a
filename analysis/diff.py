"""H3: what changed between two collections of the same host (before and after patching).

``compare(before_case, after_case) -> dict`` with one section per subject, each
``{"added": [...], "removed": [...], "changed": [...]}``:

- ``packages``: by (manager, name, arch) -> version;
- ``listeners``: by (proto, address, port) -> process / executable;
- ``accounts``: by name -> uid, gid, home, shell (and a list of uid-0 accounts after);
- ``services``: by name -> state, enabled, exec;
- ``persistence``: the H2 persistence candidates of each collection (by rule and path/subject);
- ``files``: collected files by original path -> SHA-256 (config files, binaries, logs excluded).
A section a collection does not have is reported under ``missing`` instead of being shown as removed.
"""
from __future__ import annotations

import json
from typing import Any

from analysis import findings as _findings
from collectors import records

LOG_PREFIXES = ("/var/log/",)


def _load(case, name):
    rec = case.latest(name)
    if rec is None:
        return None
    try:
        return records.plain(case.read_json(rec))
    except (OSError, ValueError):
        return None


def _diff_maps(before: dict, after: dict) -> dict:
    added = [{"key": k, "after": after[k]} for k in sorted(set(after) - set(before), key=str)]
    removed = [{"key": k, "before": before[k]} for k in sorted(set(before) - set(after), key=str)]
    changed = [{"key": k, "before": before[k], "after": after[k]}
               for k in sorted(set(before) & set(after), key=str) if before[k] != after[k]]
    return {"added": added, "removed": removed, "changed": changed}


def _packages(case):
    rows = _load(case, "packages.json")
    if rows is None:
        return None
    out = {}
    for p in rows if isinstance(rows, list) else []:
        if isinstance(p, dict) and p.get("name"):
            key = f"{p.get('manager') or ''}:{p['name']}" + (f":{p['arch']}" if p.get("arch") else "")
            out[key] = p.get("version")
    return out


def _listeners(case):
    rows = _load(case, "listening_ports.json")
    if rows is None:
        return None
    out = {}
    for p in rows if isinstance(rows, list) else []:
        if isinstance(p, dict):
            key = f"{p.get('proto')} {p.get('laddr')}:{p.get('lport')}"
            out[key] = {"process": p.get("process"), "exe": p.get("exe"), "exe_sha256": p.get("exe_sha256")}
    return out


def _accounts(case):
    rows = _load(case, "users.json")
    if rows is None:
        return None
    return {u["name"]: {k: u.get(k) for k in ("uid", "gid", "home", "shell")}
            for u in rows if isinstance(u, dict) and u.get("name")}


def _services(case):
    rows = _load(case, "services.json")
    if rows is None:
        return None
    return {s["name"]: {k: s.get(k) for k in ("state", "enabled", "exec")}
            for s in rows if isinstance(s, dict) and s.get("name")}


def _files(case):
    out = {}
    for rec in case.evidence():
        if rec.kind == "file" and rec.source and not rec.source.startswith(LOG_PREFIXES) \
                and not rec.source.endswith(("_history", ".evtx")):
            out[rec.source] = rec.sha256
    return out or None


def _persistence(case):
    db = None
    try:
        from analysis import timeline
        timeline.ensure(case)
        db = timeline.connect(case)
        found = _findings.rule_persistence(case, db)
    finally:
        if db is not None:
            db.close()
    out = {}
    for f in found:
        d = f.details
        account = d.get("account") if isinstance(d.get("account"), dict) else {}
        subject = (d.get("path") or account.get("name") or d.get("account") or d.get("name") or d.get("service")
                   or d.get("key") or d.get("exe") or f.summary_en)
        out[f"{f.rule} {subject}"] = {"severity": f.severity, "summary_vi": f.summary_vi, "summary_en": f.summary_en,
                                      "lines": [ln.get("text") for ln in d.get("lines", [])][:20]}
    return out


SECTIONS = {"packages": _packages, "listeners": _listeners, "accounts": _accounts, "services": _services,
            "persistence": _persistence, "files": _files}


def compare(before, after) -> dict:
    result: dict[str, Any] = {"before": {"case_id": before.case_id, "path": str(before.path)},
              "after": {"case_id": after.case_id, "path": str(after.path)}, "sections": {}, "missing": {}}
    for name, fn in SECTIONS.items():
        b, a = fn(before), fn(after)
        if b is None or a is None:
            result["missing"][name] = [w for w, x in (("before", b), ("after", a)) if x is None]
            continue
        result["sections"][name] = _diff_maps(b, a)
    uid0 = [n for n, u in (_accounts(after) or {}).items() if u.get("uid") == 0 and n != "root"]
    result["after_uid0_accounts"] = uid0
    result["counts"] = {n: {k: len(v) for k, v in s.items()} for n, s in result["sections"].items()}
    return result


def to_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2, default=str)


LABELS = {
    "packages": ("Gói phần mềm", "Packages"), "listeners": ("Cổng đang mở", "Listening ports"),
    "accounts": ("Tài khoản", "Accounts"), "services": ("Dịch vụ", "Services"),
    "persistence": ("Cơ chế duy trì (backdoor)", "Persistence (backdoors)"),
    "files": ("Tệp cấu hình/chương trình (SHA-256)", "Config/program files (SHA-256)"),
}


def render_text(result: dict, lang: str = "vi") -> str:
    vi = lang == "vi"
    lines = [("So sánh" if vi else "Comparing") + f" {result['before']['case_id']} -> {result['after']['case_id']}"]
    words = {"added": ("thêm", "added"), "removed": ("mất", "removed"), "changed": ("đổi", "changed")}
    for name, sec in result["sections"].items():
        label = LABELS[name][0 if vi else 1]
        lines.append(f"\n{label}: " + ", ".join(f"{len(sec[k])} {words[k][0 if vi else 1]}" for k in words))
        for k, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
            for item in sec[k][:200]:
                if k == "changed":
                    lines.append(f"  {sign} {item['key']}: {_short(item['before'])} -> {_short(item['after'])}")
                else:
                    lines.append(f"  {sign} {item['key']}" + (f": {_short(item.get('after', item.get('before')))}"
                                                             if name != "persistence" else ""))
    for name, which in result["missing"].items():
        label = LABELS[name][0 if vi else 1]
        lines.append(f"\n{label}: " + ("không có dữ liệu ở lần thu thập " if vi else "no data in the collection ")
                     + ", ".join(("trước" if w == "before" else "sau") if vi else w for w in which))
    if result.get("after_uid0_accounts"):
        lines.append(("\nTài khoản UID 0 ngoài root (sau): " if vi else "\nUID-0 accounts besides root (after): ")
                     + ", ".join(result["after_uid0_accounts"]))
    return "\n".join(lines)


def _short(v) -> str:
    if isinstance(v, dict):
        v = {k: x for k, x in v.items() if x not in (None, "", [])}
        if "summary_vi" in v:
            return str(v.get("summary_en"))[:120]
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return text[:160]
