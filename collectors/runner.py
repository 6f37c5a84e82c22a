"""Run checklist items: order of volatility, one outcome per item, cancel and resume.

`run_checklist` is a generator of events (ItemStarted, Progress, Stored, Incomplete, ItemFinished,
RunFinished). The command line prints them; the GUI runs the generator on a worker thread and turns
the events into signals. Setting the `cancel` event stops after the current unit of work: what was
stored stays valid, the item is marked interrupted, and running the same selection again resumes
(items already collected are not collected again; files already stored are not copied again).
"""
from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
import traceback
from typing import Any, Generator, Iterator, cast

from .base import Context, Incomplete, Progress, registry
from .case import Case, EvidenceRecord
from .checklist import Checklist, Item
from .errors import Cancelled, CaseError, DestinationFull, DestinationUnwritable, NotApplicable, UngCuuError
from .sources import is_virtual
from .sources.images import is_image
from .states import COLLECTED_EARLIER, DONE_STATES, ITEM_STATES
from .util import host_name, utc_now_iso

STATES = ITEM_STATES
CONSENT_REASON = "changes the affected system: needs the responder's explicit consent (--consent)"


@dataclasses.dataclass
class ItemStarted:
    checklist_id: str
    label: str


@dataclasses.dataclass
class Stored:
    checklist_id: str
    record: EvidenceRecord


@dataclasses.dataclass
class ItemFinished:
    checklist_id: str
    state: str
    reason: str | None
    evidence_count: int


@dataclasses.dataclass
class RunFinished:
    run_id: str
    state: str  # completed | cancelled | failed
    reason: str | None
    outcomes: dict[str, str]


def _summarise(notes: list[str], limit: int = 6) -> str:
    if len(notes) <= limit:
        return "; ".join(notes)
    return "; ".join(notes[:limit]) + f"; and {len(notes) - limit} more"


def run_item(case: Case, item: Item, *, run_id: str | None, root=None, cancel: threading.Event,
             options: dict | None = None, consent: bool = False,
             collectors: list[str] | None = None) -> Iterator[object]:
    """Run one checklist item's collectors (or only those of them named in `collectors`); yields events,
    ends with ItemFinished."""
    reg = registry()
    started = utc_now_iso()
    yield ItemStarted(item.id, item.label_vi)
    if item.changes_system and not consent:
        if run_id is not None:
            case.record_outcome(run_id, item.id, "skipped", CONSENT_REASON, 0, started)
        yield ItemFinished(item.id, "skipped", CONSENT_REASON, 0)
        return
    stored = 0
    notes: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    ran = 0
    interrupted = False
    fatal: BaseException | None = None
    for name in item.collectors:
        if collectors is not None and name not in collectors:
            continue
        if cancel.is_set():
            break
        coll = reg[name]
        ctx = Context(case, run_id=run_id, checklist_id=item.id, root=root, cancel=cancel, options=options,
                      collector_name=f"{coll.name}", collector_version=coll.version)
        why = coll.why_not(ctx)
        if why:
            skipped.append(f"{name}: {why}")
            continue
        ran += 1
        gen = cast(Generator[Any, None, None], coll.collect(ctx))  # collectors are generator functions
        try:
            for ev in gen:
                if isinstance(ev, EvidenceRecord):
                    yield Stored(item.id, ev)
                elif isinstance(ev, (Progress, Incomplete)):
                    yield ev
                if cancel.is_set():
                    break
        except NotApplicable as exc:
            skipped.append(f"{name}: {exc}")
        except (DestinationFull, DestinationUnwritable) as exc:
            fatal = exc
            failed.append(f"{name}: {exc}")
        except Cancelled:
            interrupted = True  # a copy stopped by the cancel: the item is not done
        except CaseError as exc:
            fatal = exc
            failed.append(f"{name}: {exc}")
        except UngCuuError as exc:  # a clear refusal (source not found, access denied): the item failed
            failed.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a collector bug must not lose the rest of the run
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            failed.append(f"{name}: {type(exc).__name__}: {exc} (at {tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})")
        finally:
            gen.close()
        stored += len(ctx.stored)
        notes.extend(f"{name}: {n}" if not n.startswith(name) else n for n in ctx.notes)
        if fatal or interrupted:
            break

    reason: str | None
    if (cancel.is_set() or interrupted) and not fatal:
        state, reason = "interrupted", "cancelled by the responder; run the same command again to resume"
    elif fatal is not None:
        # The destination stopped the item (disk full, unwritable case folder), not the source: it is not
        # done, so the next run resumes it (files already stored are not copied again).
        state, reason = "interrupted", _summarise(
            [f"stopped by the case folder, not the source: {fatal}", "run the same command again to resume"]
            + notes + skipped)
    elif stored == 0:
        if failed:
            state, reason = "failed", _summarise(failed + notes)
        elif skipped and not ran:
            state, reason = "skipped", _summarise(skipped)
        else:
            state, reason = "skipped", "nothing found to collect" + (": " + _summarise(notes + skipped) if notes or skipped else "")
    elif failed or notes:
        state, reason = "partial", _summarise(failed + notes + skipped)
    else:
        # A collector that does not apply here (another OS, an offline root, no journal on this
        # system) does not make the item partial: nothing is missing. It is still named.
        state, reason = "collected", (_summarise(skipped) if skipped else None)
    if run_id is not None:
        case.record_outcome(run_id, item.id, state, reason, stored, started)
    yield ItemFinished(item.id, state, reason, stored)
    if fatal:
        raise fatal


def _target(root, host: str | None) -> tuple:
    """What a run collected from: an offline root (wherever it is mounted from) or a live host."""
    if root:
        return ("root", os.path.realpath(str(root) if is_virtual(root) else os.fsdecode(root)))
    return ("live", host)


def done_items(case: Case, root=None, items: list[Item] | None = None) -> set[str]:
    """Items an earlier run of their own collectors collected (or partly collected) from the same target:
    this live host, or this offline root.

    Collecting a mounted image after the live system (or another host's) must not find its items
    'already collected'; nor must a packet capture (B7), a memory dump (B6) or a disk image (B9), which
    record an outcome under the same id, stand for the item's socket list, memory maps or disk list.
    """
    want = _target(root, host_name())
    own = {i.id: set(i.collectors) for i in items or ()}
    by_run: dict[tuple[str, str], set[str]] = {}
    for r in case.db.execute("SELECT DISTINCT run_id, checklist_id, collector FROM evidence WHERE run_id IS NOT NULL"):
        by_run.setdefault((r["run_id"], r["checklist_id"]), set()).add(r["collector"])
    latest: dict[str, str] = {}
    for r in case.db.execute(
            "SELECT o.run_id, o.checklist_id, o.state, r.root, r.host FROM outcomes o JOIN runs r ON r.id = o.run_id "
            "ORDER BY r.started_at, o.started_at"):
        if _target(r["root"], r["host"]) != want:
            continue
        stored_by = by_run.get((r["run_id"], r["checklist_id"]))
        if stored_by and r["checklist_id"] in own and not stored_by & own[r["checklist_id"]]:
            continue  # stored by other tools (an acquisition), not by this item's collectors
        latest[r["checklist_id"]] = r["state"]
    return {cid for cid, state in latest.items() if state in DONE_STATES}


def run_checklist(case: Case, checklist: Checklist, *, profile: str | None = "triage", only: list[str] | None = None,
                  root=None, cancel: threading.Event | None = None, options: dict | None = None,
                  argv: list[str] | None = None, again: bool = False, consent: bool = False,
                  collectors: list[str] | None = None) -> Iterator[object]:
    """Run the chosen items in order of volatility, resuming what an earlier run left undone.
    `collectors` limits each item to those of its collectors (the acquisition commands run one).

    `root` may be a disk image file: it is opened without mounting (options 'volume' and 'shadow'
    choose the partition and shadow copy), hashed and custody-logged first (collectors/sources/).
    """
    cancel = cancel or threading.Event()
    if root is not None and not is_virtual(root) and is_image(root):
        from .sources.image_root import prepare_image_root

        root = yield from prepare_image_root(case, root, volume=(options or {}).get("volume"),
                                             shadow=(options or {}).get("shadow"), cancel=cancel)
    items = checklist.select(profile, only)
    done = set() if again else done_items(case, root, items)
    todo = [i for i in items if again or i.id not in done]
    resumed = [i for i in items if i not in todo]
    run_id = case.start_run(profile=None if only else profile, items=[i.id for i in todo], root=str(root) if root else None,
                            argv=argv)
    for item in resumed:
        yield ItemFinished(item.id, COLLECTED_EARLIER, "already collected by an earlier run (use --again to repeat)", 0)
    outcomes: dict[str, str] = {}
    state, reason = "completed", None
    try:
        for item in todo:
            if cancel.is_set():
                state, reason = "cancelled", "cancelled by the responder"
                break
            for ev in run_item(case, item, run_id=run_id, root=root, cancel=cancel, options=options,
                               consent=consent, collectors=collectors):
                if isinstance(ev, ItemFinished):
                    outcomes[ev.checklist_id] = ev.state
                yield ev
        if cancel.is_set():
            state, reason = "cancelled", "cancelled by the responder"
    except (DestinationFull, DestinationUnwritable, CaseError) as exc:
        state, reason = "failed", str(exc)
    finally:
        try:
            case.finish_run(run_id, state if reason is None else f"{state}: {reason}")
        except (CaseError, OSError, sqlite3.Error):  # disk full: the run row stays 'running', verify still works
            pass
    yield RunFinished(run_id, state, reason, outcomes)
