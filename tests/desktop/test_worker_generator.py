"""start_generator: a core generator run on a worker thread, its progress, return value, cancellation and
errors delivered as callbacks on the GUI thread."""
from __future__ import annotations

from PySide6.QtCore import QObject, QThread

from collectors.errors import Cancelled, UnreadableInput
from desktop.ui.worker import start_generator, wait_threads


def _count(n, cancel=None):
    for i in range(n):
        if cancel.is_set():
            raise Cancelled("stopped")
        yield i
    return f"counted {n}"


def _run(qtbot, fn, *args, cancel_after_first=False):
    owner = QObject()
    seen: dict = {"progress": [], "threads": set(), "result": None, "failed": None, "cancelled": None, "done": 0}
    gui = QThread.currentThread()

    def on_progress(v):
        seen["progress"].append(v)
        seen["threads"].add(QThread.currentThread() is gui)
        if cancel_after_first:
            worker.cancel()

    worker = start_generator(owner, fn, *args, on_progress=on_progress,
                             on_result=lambda v: seen.update(result=v), on_failed=lambda m: seen.update(failed=m),
                             on_cancelled=lambda m: seen.update(cancelled=m),
                             on_done=lambda: seen.update(done=seen["done"] + 1))
    qtbot.waitUntil(lambda: seen["done"] == 1, timeout=20_000)
    wait_threads(owner)
    return seen


def test_progress_result_on_the_gui_thread(qapp, qtbot):
    seen = _run(qtbot, _count, 20_000)
    assert seen["result"] == "counted 20000" and seen["failed"] is None and seen["cancelled"] is None
    assert seen["progress"][-1] == 19_999               # the last item always arrives
    assert len(seen["progress"]) < 20_000               # batched, not one delivery per item
    assert seen["progress"] == sorted(seen["progress"]) and seen["threads"] == {True}


def _until_cancelled(cancel=None):
    yield "started"
    while not cancel.wait(0.01):
        pass
    raise Cancelled("stopped at the user's request")


def test_cancel_reaches_the_generator(qapp, qtbot):
    seen = _run(qtbot, _until_cancelled, cancel_after_first=True)
    assert seen["progress"] == ["started"]
    assert seen["cancelled"] == "stopped at the user's request" and seen["result"] is None


def _broken(cancel=None):
    yield 1
    yield 2  # within the batching interval of the first: delivered before the error
    raise UnreadableInput("not a bundle")


def test_errors_are_reported(qapp, qtbot):
    seen = _run(qtbot, _broken)
    assert seen["failed"] == "not a bundle" and seen["result"] is None and seen["cancelled"] is None
    assert seen["progress"] == [1, 2]  # what was yielded before the error still arrives


def test_no_full_garbage_collection_while_workers_run(qapp, qtbot):
    """While any worker runs, the oldest generation's threshold is out of reach (no full pass holds the
    interpreter lock meanwhile); the thresholds come back when the last of two overlapping workers ends."""
    import gc
    import threading

    from desktop.ui.worker import HELD_THRESHOLD2, start_call

    before = gc.get_threshold()
    assert before[2] != HELD_THRESHOLD2
    owner = QObject()
    release = [threading.Event(), threading.Event()]
    seen: dict = {"inside": [], "done": 0}

    def job(i):
        seen["inside"].append(gc.get_threshold())
        release[i].wait(20)
        return i

    for i in (0, 1):
        start_call(owner, job, i, on_done=lambda: seen.update(done=seen["done"] + 1))
    qtbot.waitUntil(lambda: len(seen["inside"]) == 2, timeout=20_000)
    assert seen["inside"] == [before[:2] + (HELD_THRESHOLD2,)] * 2
    release[0].set()
    qtbot.waitUntil(lambda: seen["done"] == 1, timeout=20_000)
    assert gc.get_threshold()[2] == HELD_THRESHOLD2      # the other worker still runs
    release[1].set()
    qtbot.waitUntil(lambda: seen["done"] == 2, timeout=20_000)
    wait_threads(owner)
    assert gc.get_threshold() == before
