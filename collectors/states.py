"""The states and custody actions a case records, in one place: the runner and the case write only
these (an unknown one is an error), and `ungcuu status`, verify and the app label every one of them
(tests/collectors/test_states.py checks that each has its Vietnamese label)."""
from __future__ import annotations

# An item's outcome in a run (the outcomes table).
ITEM_STATES = ("collected", "partial", "skipped", "failed", "interrupted")
# Resuming skips only items that stored evidence; a skipped item (no contact point yet, no consent,
# nothing found) is cheap and may succeed now, so it runs again.
DONE_STATES = frozenset({"collected", "partial"})
# Shown, never stored: an item an earlier run already collected; an item no run has collected yet.
COLLECTED_EARLIER = "collected-earlier"
PENDING = "pending"
# A run (the runs table); a finished run may carry its reason after ": " ("failed: disk full").
RUN_STATES = ("running", "completed", "cancelled", "failed")
# What the custody log records.
CUSTODY_ACTIONS = frozenset({
    "create", "collect", "add", "derive", "export", "verify", "transfer", "incident", "note", "outcome",
    "collect-start", "collect-end", "analysis_mark", "analysis_unmark", "reconcile", "examiner",
    "import", "import_refused", "import_source", "remediation_plan", "remediation_mark", "recheck", "vulns_check",
    "backup_check", "source-image",
})


def check_item_state(state: str) -> str:
    if state not in ITEM_STATES:
        raise ValueError(f"unknown item state {state!r} (one of {', '.join(ITEM_STATES)})")
    return state


def check_run_state(state: str) -> str:
    if state.split(": ", 1)[0] not in RUN_STATES:
        raise ValueError(f"unknown run state {state!r} (one of {', '.join(RUN_STATES)})")
    return state


def check_custody_action(action: str) -> str:
    if action not in CUSTODY_ACTIONS:
        raise ValueError(f"unknown custody action {action!r} (one of {', '.join(sorted(CUSTODY_ACTIONS))})")
    return action
