"""H3, R2 "kiểm tra thử toàn bộ hệ thống": run the triage again into the same case (a new run) and answer,
for every plan step and every finding, whether it is gone, still present or changed, with the evidence
of both runs; findings that appeared since are listed apart.

A re-run reuses the records of files that did not change (same size and mtime), so "the evidence of a
run" is what its collectors yielded: the ids are kept in ``analysis_recheck_evidence``. The state before
is the case as it was when the re-check started.

    for ev in iter_recheck(case, checklist, root=..., cancel=...):   # Progress / collector events
        ...                                                          # last: RecheckDone(result)
    result = compare(case, before_ids, after_ids)                    # the answer without collecting
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from analysis.checks._common import text as _evidence_text
from collectors import records
from collectors.util import utc_now_iso

GONE, PRESENT, CHANGED, UNKNOWN, PAST = "gone", "still_present", "changed", "unknown", "past_event"
STATUS_VI = {GONE: "đã hết", PRESENT: "vẫn còn", CHANGED: "đã thay đổi", UNKNOWN: "không xác định được",
             PAST: "sự kiện trong quá khứ (vẫn nằm trong nhật ký)"}
_TABLES = """
CREATE TABLE IF NOT EXISTS analysis_recheck_runs (
    run_id TEXT PRIMARY KEY, at TEXT NOT NULL, state TEXT NOT NULL, result TEXT);
CREATE TABLE IF NOT EXISTS analysis_recheck_evidence (
    run_id TEXT NOT NULL, evidence_id TEXT NOT NULL, PRIMARY KEY (run_id, evidence_id));
"""
VOLATILE = {"pid", "pids", "processes", "first_seen", "last_seen", "count", "failed", "succeeded", "recent",
            "package_events", "samples", "answered_2xx"}


@dataclass
class RecheckDone:
    run_id: str
    result: dict


class CaseView:
    """The case seen through one set of evidence ids (one collection): what the findings rules read."""

    def __init__(self, case, ids):
        self._case = case
        self._ids = set(ids)

    def __getattr__(self, name):
        return getattr(self._case, name)

    def evidence(self, checklist_id=None):
        return [r for r in self._case.evidence(checklist_id) if r.id in self._ids]

    def latest(self, name, checklist_id=None):
        rows = [r for r in self.evidence(checklist_id) if r.name == name]
        return rows[-1] if rows else None


def _tables(case) -> None:
    case.db.executescript(_TABLES)


def findings_of(case, ids, ioc_file=None, yara_file=None) -> list:
    """The findings of one collection: rules read only its evidence; timeline findings keep only that
    collection's evidence ids (a finding with none left is not this collection's)."""
    from analysis import findings as _findings

    view = CaseView(case, ids)
    out = []
    for f in _findings.run(view, ioc_file=ioc_file, yara_file=yara_file, build=False):
        kept = [e for e in f.evidence_ids if e in view._ids]
        if f.evidence_ids and not kept:
            continue
        f.evidence_ids = kept
        out.append(f)
    return out


def _subject(d: dict) -> str:
    for k in ("path", "exe", "account", "user", "member", "name", "task", "service", "consumer", "key", "ip",
              "sha256", "package"):
        v = d.get(k)
        if isinstance(v, dict):
            v = v.get("name")
        if v:
            return f"{k}={v}"
    return ""


def finding_key(f) -> str:
    return f"{f.rule}|{_subject(f.details or {})}"


def _content(f) -> str:
    d = {k: v for k, v in (f.details or {}).items() if k not in VOLATILE}
    if "lines" in d:
        d["lines"] = sorted(str(x.get("text") if isinstance(x, dict) else x) for x in d["lines"])
    return json.dumps(d, sort_keys=True, default=str)


def _is_past_event(f) -> bool:
    """Findings about something that happened (a log line), not a state the fix can remove."""
    return f.kind in ("last_update", "last_use", "origin_candidate", "web_attack", "anti_forensics",
                      "new_account", "privilege_change") or bool(f.events) and not (f.details or {}).get("path")


# ---------------------------------------------------------------------------------- step probes
def _file(view, path):
    rows = [r for r in view.evidence() if r.kind == "file" and r.source == path]
    return rows[-1] if rows else None


def _json(view, name):
    rec = view.latest(name)
    if rec is None:
        return None, None
    try:
        data = view.read_json(rec)
    except (OSError, ValueError):
        return rec, None
    return rec, records.rows_of(data)


def _collected(view, checklist_id="B4") -> bool:
    return any(r.checklist_id == checklist_id for r in view.evidence())


def probe(view, step) -> tuple[str, str, list[str]]:
    """(status, English note, evidence ids of this collection) for one plan step."""
    t = step.target
    a = step.action
    if a in ("remove_line", "remove_ssh_key"):
        rec = _file(view, t["path"])
        if rec is None:
            return GONE, f"{t['path']} is no longer there", []
        text = _evidence_text(view, rec)
        needle = t["line"] if a == "remove_line" else t["key"]
        active = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        hit = any(ln == needle for ln in active) if a == "remove_line" else any(needle in ln for ln in active)
        return (PRESENT, f"still in {t['path']}", [rec.id]) if hit else (GONE, f"no longer in {t['path']}", [rec.id])
    if a == "disable_unit":
        rec = _file(view, t["path"])
        _, svcs = _json(view, "services.json")
        state = next((s for s in svcs or [] if isinstance(s, dict) and s.get("name") == t["unit"]), None)
        if rec is None:
            return GONE, f"unit file {t['path']} is no longer there", []
        if state and state.get("enabled") in ("disabled", "masked"):
            return CHANGED, f"unit file kept but {state.get('enabled')}", [rec.id]
        orig = set(step.evidence_ids)
        return (PRESENT if rec.id in orig else CHANGED,
                "unit file still there" + ("" if rec.id in orig else " (its content changed)"), [rec.id])
    if a == "lock_account":
        rec, users = _json(view, "users.json")
        if users is None:
            return UNKNOWN, "no account list in this collection", []
        u = next((x for x in users if isinstance(x, dict) and x.get("name") == t["account"]), None)
        if u is None:
            return GONE, f"account {t['account']} no longer exists", [rec.id]
        if str(u.get("shell") or "").endswith(("nologin", "/false")) or u.get("disabled") or u.get("enabled") is False:
            return CHANGED, f"account {t['account']} still exists, without a login shell / disabled", [rec.id]
        return PRESENT, f"account {t['account']} still exists (uid {u.get('uid')}, shell {u.get('shell')})", [rec.id]
    if a == "remove_group_member":
        rec, groups = _json(view, "groups.json")
        if groups is None:
            return UNKNOWN, "no group list in this collection", []
        g = next((x for x in groups if isinstance(x, dict) and x.get("name") == t["group"]), None)
        if g is None or t["account"] not in (g.get("members") or []):
            return GONE, f"{t['account']} is not in {t['group']}", [rec.id]
        return PRESENT, f"{t['account']} still in {t['group']}", [rec.id]
    if a == "quarantine_file":
        ids = []
        for r in view.evidence():
            if r.source == t["path"] or (t.get("sha256") and r.sha256 == t["sha256"]):
                return PRESENT, f"{t['path']} collected again ({r.id})", [r.id]
        for name in ("processes.json", "listening_ports.json"):
            rec, rows = _json(view, name)
            if rows is None:
                continue
            ids.append(rec.id)
            for p in rows:
                if isinstance(p, dict) and ((p.get("exe") or "").removesuffix(" (deleted)") == t["path"]
                                            or (t.get("sha256") and p.get("exe_sha256") == t["sha256"])):
                    return PRESENT, f"still running (pid {p.get('pid')})", [rec.id]
        if ids:
            return GONE, "not running and not found in this collection", ids
        return UNKNOWN, "this collection has neither the file nor a process list to look in", []
    if a in ("delete_registry_value", "reset_registry_value"):
        ids, seen, rows = [], False, []
        for name in ("windows_run_keys.json", "windows_autoruns.json"):
            rec, got = _json(view, name)
            if got is not None:
                ids.append(rec.id)
                seen = True
                rows += [r for r in got if isinstance(r, dict)]
        if not seen:
            return UNKNOWN, "no autostart registry list in this collection", []
        same = [r for r in rows if r.get("name") == t.get("name") and (not t.get("key") or r.get("key") == t.get("key"))]
        if a == "reset_registry_value":
            bad = [r for r in same if str(r.get("value") or "").strip().lower() != t["default"].lower()]
            return (PRESENT, f"still {bad[0].get('value')}", ids) if bad else (GONE, "back to the default", ids)
        return (PRESENT, "value still there", ids) if same else (GONE, "value no longer there", ids)
    if a == "delete_service":
        rec, rows = _json(view, "windows_services.json")
        if rows is None:
            return UNKNOWN, "no service list in this collection", []
        hit = any(isinstance(r, dict) and r.get("name") == t["service"] for r in rows)
        return (PRESENT, "service still there", [rec.id]) if hit else (GONE, "service no longer there", [rec.id])
    if a == "delete_task":
        rec, rows = _json(view, "windows_scheduled_tasks.json")
        if rows is None:
            return UNKNOWN, "no task list in this collection", []
        hit = any(isinstance(r, dict) and t["task"] in (r.get("path"), r.get("name")) for r in rows)
        return (PRESENT, "task still there", [rec.id]) if hit else (GONE, "task no longer there", [rec.id])
    if a == "apply_patch":
        rec, rows = _json(view, "packages.json")
        if rows is None:
            return UNKNOWN, "no package list in this collection", []
        p = next((x for x in rows if isinstance(x, dict) and x.get("name") == t["package"]
                  and (x.get("manager") or "") == t.get("manager", "")), None)
        if p is None:
            return GONE, f"{t['package']} is no longer installed", [rec.id]
        if p.get("version") != t.get("version"):
            return CHANGED, f"{t['package']} {t.get('version')} -> {p.get('version')}", [rec.id]
        return PRESENT, f"{t['package']} still at {p.get('version')}", [rec.id]
    if a == "install_update":
        return _probe_update(view, t)
    return UNKNOWN, "cannot be seen in a collection: confirm by hand (the step's mark says what was done)", []


def _probe_update(view, t: dict) -> tuple[str, str, list[str]]:
    """A Windows update step: its KB in effect (or the build at its FixedBuild) in this collection's
    installed-updates snapshot."""
    from collectors.artifacts.windows_hotfixes import WindowsUpdates

    rec = view.latest("windows_hotfixes.json")
    if rec is None:
        return UNKNOWN, "no installed-updates list in this collection", []
    try:
        upd = records.load_one(view.read_json(rec), WindowsUpdates)
    except (OSError, ValueError, records.RecordError):
        return UNKNOWN, "the installed-updates list of this collection cannot be read", [rec.id]
    rows = [u for u in upd.updates if isinstance(u, dict) and str(u.get("kb") or "").upper() == t["kb"]]
    if any(u.get("in_effect") for u in rows):
        return GONE, f"{t['kb']} installed", [rec.id]
    fb = [int(x) for x in str(t.get("fixed_build") or "").split(".") if x.isdigit()]
    if len(fb) == 4 and upd.build and upd.ubr is not None and str(fb[2]) == str(upd.build) and upd.ubr >= fb[3]:
        return GONE, f"build {upd.build}.{upd.ubr} at or above {t['fixed_build']}", [rec.id]
    if rows:
        return CHANGED, f"{t['kb']} {rows[0].get('state')}, not in effect yet", [rec.id]
    return PRESENT, f"{t['kb']} not installed (build {upd.build}.{upd.ubr})", [rec.id]


# ---------------------------------------------------------------------------------------- compare
def compare(case, before_ids, after_ids, plan=None, ioc_file=None, yara_file=None) -> dict:
    from analysis import remediation, timeline

    timeline.ensure(case)
    before = findings_of(case, before_ids, ioc_file, yara_file)
    after = findings_of(case, after_ids, ioc_file, yara_file)
    view = CaseView(case, after_ids)
    plan = remediation.steps(case) if plan is None else plan
    after_by: dict = {}
    for f in after:
        after_by.setdefault(finding_key(f), []).append(f)
    rows = []
    for f in before:
        k = finding_key(f)
        now = after_by.get(k) or []
        if _is_past_event(f):
            status = PAST if now else GONE
        elif not now:
            status = GONE
        else:
            status = PRESENT if any(_content(x) == _content(f) for x in now) else CHANGED
        rows.append({"key": k, "rule": f.rule, "kind": f.kind, "severity": f.severity,
                     "summary_en": f.summary_en, "summary_vi": f.summary_vi, "status": status,
                     "before_evidence": f.evidence_ids, "after_evidence": sorted({e for x in now for e in x.evidence_ids})})
    before_keys = {finding_key(f) for f in before}
    new = [f.to_dict() | {"key": finding_key(f)} for f in after if finding_key(f) not in before_keys]
    steps = []
    for s in plan:
        status, note, ids = probe(view, s)
        steps.append({"id": s.id, "key": s.key, "action": s.action, "title_en": s.title_en, "title_vi": s.title_vi,
                      "mark": s.status, "status": status, "note": note, "before_evidence": s.evidence_ids,
                      "after_evidence": ids})
    count: dict = {}
    for r in steps:
        count[r["status"]] = count.get(r["status"], 0) + 1
    return {"at": utc_now_iso(), "steps": steps, "findings": rows, "new_findings": new, "step_counts": count,
            "before_evidence": len(set(before_ids)), "after_evidence": len(set(after_ids))}


def iter_recheck(case, checklist=None, *, root=None, profile="triage", cancel=None, argv=None,
                 ioc_file=None, yara_file=None):
    """Collect again (a new run, every item) and compare; yields the runner's events, then RecheckDone."""
    from collectors import checklist as checklist_mod
    from collectors.runner import RunFinished, Stored, run_checklist

    _tables(case)
    checklist = checklist or checklist_mod.load()
    before_ids = {r.id for r in case.evidence()}
    after_ids: set[str] = set()
    run_id, state = None, "failed"
    for ev in run_checklist(case, checklist, profile=profile, root=root, cancel=cancel, again=True, argv=argv):
        if isinstance(ev, Stored):
            after_ids.add(ev.record.id)
        if isinstance(ev, RunFinished):
            run_id = ev.run_id
            state = ev.state
        yield ev
    with case.transaction():
        case.db.executemany("INSERT OR IGNORE INTO analysis_recheck_evidence (run_id, evidence_id) VALUES (?, ?)",
                            [(run_id, e) for e in sorted(after_ids)])
    if state != "completed":
        with case.transaction():
            case.db.execute("INSERT OR REPLACE INTO analysis_recheck_runs (run_id, at, state) VALUES (?, ?, ?)",
                            (run_id, utc_now_iso(), state))
            case.custody.append("recheck", run_id, {"state": state, "compared": False})
        return
    result = compare(case, before_ids, after_ids, ioc_file=ioc_file, yara_file=yara_file)
    result["run_id"] = run_id
    with case.transaction():
        case.db.execute("INSERT OR REPLACE INTO analysis_recheck_runs (run_id, at, state, result) VALUES (?, ?, ?, ?)",
                        (run_id, result["at"], state, json.dumps(result, ensure_ascii=False, default=str)))
        case.custody.append("recheck", run_id, {"state": state, "compared": True, "step_counts": result["step_counts"],
                                                "new_findings": len(result["new_findings"]),
                                                "after_evidence": result["after_evidence"]})
    yield RecheckDone(run_id, result)


def latest(case) -> dict | None:
    """The last stored re-check result (for the GUI and the reports)."""
    _tables(case)
    row = case.db.execute("SELECT result FROM analysis_recheck_runs WHERE result IS NOT NULL "
                          "ORDER BY at DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row else None


def result_line(result: dict) -> str:
    """One Vietnamese line for the incident's action log."""
    c = result.get("step_counts") or {}
    return (f"{c.get(GONE, 0)} bước đã hết, {c.get(PRESENT, 0)} vẫn còn, {c.get(CHANGED, 0)} đã thay đổi, "
            f"{c.get(UNKNOWN, 0)} không xác định; {len(result.get('new_findings') or [])} phát hiện mới "
            f"(lượt chạy {result.get('run_id')})")


def render_text(result: dict, lang: str = "vi") -> str:
    vi = lang == "vi"
    lines = [("Các bước khắc phục:" if vi else "Remediation steps:")]
    for s in result["steps"]:
        st = STATUS_VI[s["status"]] if vi else s["status"]
        lines.append(f"  {s['id']} [{st}] {s['title_vi'] if vi else s['title_en']}")
        lines.append(f"      {s['note']}; {'chứng cứ trước' if vi else 'before'}: {', '.join(s['before_evidence']) or '-'}; "
                     f"{'sau' if vi else 'after'}: {', '.join(s['after_evidence']) or '-'}")
    lines.append("Các phát hiện:" if vi else "Findings:")
    for f in result["findings"]:
        st = STATUS_VI[f["status"]] if vi else f["status"]
        lines.append(f"  [{st}] {f['rule']} {(f['summary_vi'] if vi else f['summary_en'])[:140]}")
    lines.append(("Phát hiện mới từ lần trước: " if vi else "New findings since: ") + str(len(result["new_findings"])))
    for f in result["new_findings"]:
        lines.append(f"  {f['rule']} {(f['summary_vi'] if vi else f['summary_en'])[:140]}")
    return "\n".join(lines)
