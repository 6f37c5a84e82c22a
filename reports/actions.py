"""Phase 3 work written into the incident's action log (``actions[]``), which the progress report and
Mẫu 04's "kết quả xử lý" read: remediation steps marked, re-checks and vulnerability checks run."""
from __future__ import annotations

from analysis import remediation
from reports import incident


def log_action(case, action: str, result: str, *, at: str | None = None, by: str | None = None) -> dict:
    """Append one entry to the incident's action log (custody records the new record's hash)."""
    record = incident.add_action(case.incident(), action, result, at=at, by=by or case.examiner or None)
    case.set_incident(record, note=f"action: {action[:80]}")
    return record


def mark_step(case, step_id: str, status: str, *, by: str | None = None, reason: str | None = None,
              at: str | None = None) -> remediation.Step:
    """Mark a remediation step (plan + custody) and add it to the incident's action log."""
    s = remediation.mark(case, step_id, status, by=by, reason=reason, at=at)
    result = remediation.STATUS_VI[status] + (f": {reason}" if reason else "")
    log_action(case, f"[{s.id}] {s.title_vi}", result, at=s.at, by=s.by)
    return s
