"""Background work for the GUI: the collection runner, verification and the core's other generators run
on a QThread.

`RunWorker` iterates `collectors.runner.run_checklist` (a generator) on its own thread and turns the
events into Qt signals (queued to the GUI thread). Evidence records and progress are batched (at most
one delivery every `BATCH_S` seconds) so a collector that stores thousands of small files never floods
the event loop. Cancel sets the `threading.Event` passed to the runner as `cancel=`: the runner stops
after the current unit of work and what was stored stays valid.

`start_call` runs one function; `start_generator` runs any generator function of the core that takes
``cancel=`` (import, timeline build...), with its progress, result and cancellation as callbacks.

While a call or generator worker runs (analysis, timeline, import: work of bounded length), the cyclic
garbage collector's full pass (over every object of the process) is held off (`full_collections_held`):
it would run on whichever thread allocates and hold the interpreter lock for the whole scan, 50-150 ms
with the objects of a detection alive, so the GUI thread could not run meanwhile. The young generations
are still collected; the full pass may run again when the last such worker ends. A collection run (hours
for a disk image) keeps the collector's usual thresholds.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import threading
import time
import traceback

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from collectors.errors import UngCuuError

BATCH_S = 0.05

# gc threshold of the oldest generation while workers run: never reached (the full pass waits for the end)
HELD_THRESHOLD2 = 1_000_000_000
_held_lock = threading.Lock()
_held = {"count": 0, "saved": (700, 10, 10)}


@contextlib.contextmanager
def full_collections_held():
    """No automatic full (oldest-generation) garbage collection while inside, in any thread; nestable
    across threads: the thresholds in force before the first entry come back when the last one leaves."""
    with _held_lock:
        if _held["count"] == 0:
            _held["saved"] = gc.get_threshold()
            t0, t1, _t2 = _held["saved"]
            gc.set_threshold(t0, t1, HELD_THRESHOLD2)
        _held["count"] += 1
    try:
        yield
    finally:
        with _held_lock:
            _held["count"] -= 1
            if _held["count"] == 0:
                gc.set_threshold(*_held["saved"])


def _holding_full_collections(run):
    @functools.wraps(run)
    def wrapper(self):
        with full_collections_held():
            return run(self)
    return wrapper


class RunWorker(QObject):
    itemStarted = Signal(str, str)              # checklist id, label
    progress = Signal(str, int, int, str)       # checklist id, done, total (-1 = unknown), message
    storedBatch = Signal(object)                # list[(checklist id, EvidenceRecord)]
    incomplete = Signal(str, str)               # checklist id, reason
    itemFinished = Signal(str, str, str, int)   # checklist id, state, reason ("" = none), evidence count
    runFinished = Signal(str, str, str, object)  # run id, state, reason, outcomes
    failed = Signal(str)                        # an error that stopped the run (message for the responder)
    done = Signal()

    def __init__(self, case, checklist, *, profile: str | None = None, only: list[str] | None = None,
                 options: dict | None = None, again: bool = False, root=None, consent: bool = False,
                 argv: list[str] | None = None):
        super().__init__()
        self.case = case
        self.checklist = checklist
        self.profile = profile
        self.only = only
        self.options = options or {}
        self.again = again
        self.root = root
        self.consent = consent  # the responder said yes to items that change the system
        # The equivalent command line: recorded as the run's argv (custody), so a resume knows what ran.
        self.argv = argv or ["ungcuu", "gui"] + (["--consent"] if consent else [])
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    @Slot()
    def run(self) -> None:
        from collectors.base import Incomplete, Progress
        from collectors.runner import ItemFinished, ItemStarted, RunFinished, Stored, run_checklist

        pending: list = []
        last_progress: tuple | None = None
        last_flush = time.monotonic()

        def flush(force: bool = False) -> None:
            nonlocal pending, last_progress, last_flush
            now = time.monotonic()
            if not force and now - last_flush < BATCH_S:
                return
            if pending:
                self.storedBatch.emit(pending)
                pending = []
            if last_progress is not None:
                self.progress.emit(*last_progress)
                last_progress = None
            last_flush = now

        try:
            for ev in run_checklist(self.case, self.checklist, profile=self.profile, only=self.only, root=self.root,
                                    cancel=self.cancel_event, options=self.options, again=self.again,
                                    argv=self.argv,
                                    consent=self.consent):
                if isinstance(ev, Stored):
                    pending.append((ev.checklist_id, ev.record))
                    flush()
                elif isinstance(ev, Progress):
                    last_progress = (ev.checklist_id, int(ev.done), -1 if ev.total is None else int(ev.total),
                                     str(ev.message))
                    flush()
                elif isinstance(ev, Incomplete):
                    flush(True)
                    self.incomplete.emit(ev.checklist_id, ev.reason)
                elif isinstance(ev, ItemStarted):
                    flush(True)
                    self.itemStarted.emit(ev.checklist_id, ev.label)
                elif isinstance(ev, ItemFinished):
                    flush(True)
                    self.itemFinished.emit(ev.checklist_id, ev.state, ev.reason or "", int(ev.evidence_count))
                elif isinstance(ev, RunFinished):
                    flush(True)
                    self.runFinished.emit(ev.run_id, ev.state, ev.reason or "", dict(ev.outcomes))
        except UngCuuError as exc:
            flush(True)
            self.failed.emit(str(exc))
        except Exception as exc:  # never let a bug kill the thread silently
            flush(True)
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            self.failed.emit(f"{type(exc).__name__}: {exc} (at {tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})")
        finally:
            self.done.emit()


class CallWorker(QObject):
    """Runs one function on a thread; emits `result(value)` or `failed(message)`, then `done`."""

    result = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)
    done = Signal()

    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs

    @Slot()
    @_holding_full_collections
    def run(self) -> None:
        try:
            self.result.emit(self.fn(*self.args, **self.kwargs))
        except UngCuuError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.done.emit()


class GeneratorWorker(QObject):
    """Runs a generator function of the core on a thread: ``fn(*args, cancel=<threading.Event>, **kwargs)``.

    Each item it yields is emitted as `progress(item)` (the latest one, at most one delivery every
    `BATCH_S` seconds, the last always delivered), its return value as `result(value)`; a
    `collectors.errors.Cancelled` raised after `cancel()` as `cancelled(message)`, any other error as
    `failed(message)`; then `done`."""

    progress = Signal(object)
    result = Signal(object)
    cancelled = Signal(str)
    failed = Signal(str)
    done = Signal()

    def __init__(self, fn, *args, **kwargs):
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    @Slot()
    @_holding_full_collections
    def run(self) -> None:
        from collectors.errors import Cancelled

        pending: list = []   # the latest item not delivered yet (empty: none)
        last_flush = 0.0

        def flush() -> None:
            if pending:
                self.progress.emit(pending.pop())

        try:
            gen = self.fn(*self.args, cancel=self.cancel_event, **self.kwargs)
            while True:
                try:
                    item = next(gen)
                except StopIteration as stop:
                    flush()
                    self.result.emit(stop.value)
                    break
                pending[:] = [item]
                now = time.monotonic()
                if now - last_flush >= BATCH_S:
                    flush()
                    last_flush = now
        except Cancelled as exc:
            flush()
            self.cancelled.emit(str(exc))
        except UngCuuError as exc:
            flush()
            self.failed.emit(str(exc))
        except Exception as exc:  # never let a bug kill the thread silently
            flush()
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            self.failed.emit(f"{type(exc).__name__}: {exc} (at {tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})")
        finally:
            self.done.emit()


def _described(make, describe, is_result, cancel):
    """The generator `start_iter` runs: the events of ``make(cancel)`` as ``(done, total, message)``
    through ``describe`` (None: not shown); returns the last event for which ``is_result`` holds."""
    found = None
    for ev in make(cancel):
        if is_result(ev):
            found = ev
            continue
        d = describe(ev)
        if d is not None:
            yield int(d[0]), int(d[1]), str(d[2])
    return found


def start_iter(owner: QObject, make, *, describe=lambda ev: None, is_result=lambda ev: False, on_progress=None,
               on_result=None, on_failed=None, on_done=None) -> GeneratorWorker:
    """Iterate ``make(cancel_event)`` (a generator of the core whose result is one of its events) on a new
    thread: ``on_progress(done, total, message)`` from ``describe(ev)``, ``on_result(ev)`` with the last
    event ``is_result`` accepts (not called when there is none), a cancellation reported as a failure.
    Returns the worker (its `cancel()` stops the generator at its next check)."""
    return start_generator(
        owner, _described, make, describe, is_result,
        on_progress=(lambda d: on_progress(*d)) if on_progress else None,
        on_result=(lambda ev: ev is not None and on_result(ev)) if on_result else None,
        on_failed=on_failed, on_cancelled=on_failed, on_done=on_done)


def start_in_thread(worker: QObject, owner: QObject) -> QThread:
    """Move `worker` to a new QThread (child of `owner`), start it; the thread quits when `done` fires."""
    thread = QThread(owner)
    # The thread object (owned by `owner`) holds the only lasting reference to the worker; both go when
    # the thread has finished (deleting the worker earlier, while run() returns, would crash).
    thread.worker = worker
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit() is thread-safe and runs on the worker's thread, so the thread ends even while the GUI
    # thread is blocked in QThread.wait() (closing the window); queued, it would wait for the event loop.
    worker.done.connect(thread.quit, Qt.DirectConnection)
    thread.finished.connect(thread.deleteLater)
    thread.start()
    return thread


class _Relay(QObject):
    """Lives in the GUI thread: turns a worker's signals into plain Python callbacks run on the GUI thread
    (a lambda connected straight to a worker's signal would run on the worker's thread)."""

    def __init__(self, owner, on_result=None, on_failed=None, on_done=None, on_progress=None, on_cancelled=None):
        super().__init__(owner)
        self.on_result, self.on_failed, self.on_done = on_result, on_failed, on_done
        self.on_progress, self.on_cancelled = on_progress, on_cancelled

    @Slot(object)
    def progress(self, value):
        if self.on_progress:
            self.on_progress(value)

    @Slot(str)
    def cancelled(self, message):
        if self.on_cancelled:
            self.on_cancelled(message)

    @Slot(object)
    def result(self, value):
        if self.on_result:
            self.on_result(value)

    @Slot(str)
    def failed(self, message):
        if self.on_failed:
            self.on_failed(message)

    @Slot()
    def done(self):
        try:
            if self.on_done:
                self.on_done()
        finally:
            self.deleteLater()


def start_call(owner: QObject, fn, *args, on_result=None, on_failed=None, on_done=None, **kwargs) -> QThread:
    """Run fn(*args, **kwargs) on a new thread; the callbacks run on the GUI thread."""
    worker = CallWorker(fn, *args, **kwargs)
    relay = _Relay(owner, on_result, on_failed, on_done)
    worker.result.connect(relay.result)
    worker.failed.connect(relay.failed)
    worker.done.connect(relay.done)
    owner._ungcuu_threads = [t for t in getattr(owner, "_ungcuu_threads", []) if _running(t)]
    thread = start_in_thread(worker, owner)
    owner._ungcuu_threads.append(thread)
    return thread


def start_generator(owner: QObject, fn, *args, on_progress=None, on_result=None, on_failed=None, on_cancelled=None,
                    on_done=None, **kwargs) -> GeneratorWorker:
    """Run the generator function ``fn(*args, cancel=..., **kwargs)`` on a new thread; the callbacks run on
    the GUI thread. Returns the worker: its `cancel()` asks the generator to stop."""
    worker = GeneratorWorker(fn, *args, **kwargs)
    relay = _Relay(owner, on_result, on_failed, on_done, on_progress, on_cancelled)
    worker.progress.connect(relay.progress)
    worker.result.connect(relay.result)
    worker.cancelled.connect(relay.cancelled)
    worker.failed.connect(relay.failed)
    worker.done.connect(relay.done)
    owner._ungcuu_threads = [t for t in getattr(owner, "_ungcuu_threads", []) if _running(t)]
    thread = start_in_thread(worker, owner)
    owner._ungcuu_threads.append(thread)
    return worker


def _running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:
        return False


def wait_threads(root: QObject, ms: int = 30000) -> None:
    """Wait for every start_call thread owned by `root` or its children (before they are destroyed: Qt aborts
    the process when a running QThread object is deleted)."""
    owners = [root] + root.findChildren(QObject)
    for owner in owners:
        for thread in getattr(owner, "_ungcuu_threads", []):
            if _running(thread):
                thread.wait(ms)
