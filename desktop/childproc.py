"""Run a generator function of the core in a child process, so its work never holds the GUI's interpreter.

A worker thread leaves the GUI thread waiting for Python's interpreter lock whenever the work spends long in
one C call (a regular expression over a long value, compiling a rule's expression, sorting a big list):
with the whole detection on a thread the window froze for 100-150 ms at a time. In a child process the
GUI's interpreter runs only the window.

    gen = iter_in_child("analysis.findings:iter_run_case", case_path, examiner, cancel=event)
    for item in gen: ...            # what the child's generator yields (at most one every BATCH_S seconds,
                                    # the latest; its last item and its return value always arrive)

``iter_in_child`` is itself a generator of the core's kind (``cancel=``, items, a return value), so the GUI
runs it with `desktop.ui.worker.start_generator` on a thread that only waits on a pipe.

- The child is this program again, in the same current folder (relative paths mean the same): from
  sources ``python -B -c <boot> ROOT`` (ROOT, the folder holding our packages, first on its path and the
  current folder not on it: files in the examined system's folders are never imported); in the portable
  build its console program with `CHILD_FLAG` (both launchers hand that flag to `child_main` before
  anything else). It writes no bytecode.
- The job (target, arguments) goes down the child's stdin as one pickle; the child's stdout carries framed
  pickles back: ``("item", x)``, ``("result", value)``, ``("failed", message)``, ``("cancelled", message)``.
  Anything else the child prints goes to its stderr (stdout is the channel); its stderr is passed through
  to ours, and its last lines are quoted when it dies without a result.
- Cancel: one byte down stdin; the child sets the ``cancel`` event its generator was given. When the parent
  dies, the child's stdin reaches its end and the child cancels itself: no analysis outlives the app.
- Errors: an `UngCuuError` in the child arrives as `ChildFailed` with the same message; any other exception
  as ``"Type: message (at file:line)"``; a child that dies (killed, crashed) as `ChildFailed` saying how it
  ended.

Both ends are this program: pickle is the format between them (nothing else reads the pipe).
"""
from __future__ import annotations

import collections
import importlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from collectors.errors import Cancelled, UngCuuError

CHILD_FLAG = "--ungcuu-child-process"
BATCH_S = 0.05
ROOT = Path(__file__).resolve().parents[1]
STDERR_KEPT = 40  # lines of the child's stderr quoted when it dies
_BOOT = ("import sys; sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p and p != sys.argv[1]]; "
         "from desktop.childproc import child_main; sys.exit(child_main())")
_HEADER = struct.Struct(">Q")


class ChildFailed(UngCuuError):
    """The work in the child process failed or the child ended without a result; the message says how."""


def child_command() -> list[str]:
    if getattr(sys, "frozen", False):
        # the console program of the portable folder (the windowed one has no standard streams on Windows)
        console = Path(sys.executable).with_name("ungcuu.exe" if os.name == "nt" else "ungcuu")
        return [str(console if console.is_file() else sys.executable), CHILD_FLAG]
    return [sys.executable, "-B", "-c", _BOOT, str(ROOT)]


# ------------------------------------------------------------------------------------------ parent
def iter_in_child(target: str, *args, cancel: threading.Event | None = None, command: list[str] | None = None,
                  **kwargs):
    """Run ``module:function`` (a generator function taking ``cancel=``) in a child process: yields its items
    (throttled, see the module docstring), returns its return value. ``command``: the child program
    (default `child_command()`; the portable build's check names the built one)."""
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console window for the GUI's child
    proc = subprocess.Popen(command or child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, creationflags=flags)
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_KEPT)
    relay = threading.Thread(target=_relay_stderr, args=(proc.stderr, tail), daemon=True,
                             name="ungcuu-child-stderr")
    relay.start()
    finished = threading.Event()
    try:
        try:
            _write_frame(proc.stdin, (target, args, kwargs))
        except OSError:
            pass  # the child died at start: its stderr says why (below)
        if cancel is not None:
            threading.Thread(target=_forward_cancel, args=(cancel, finished, proc), daemon=True,
                             name="ungcuu-child-cancel").start()
        while True:
            msg = _read_frame(proc.stdout)
            if msg is None:
                break
            kind, value = msg
            if kind == "item":
                yield value
            elif kind == "result":
                return value
            elif kind == "cancelled":
                raise Cancelled(value)
            else:
                raise ChildFailed(value)
        rc = proc.wait()
        relay.join(5)
        how = f"killed by signal {-rc}" if rc < 0 else f"exit code {rc}"
        last = " | ".join(line for line in tail if line.strip())[-1500:]
        raise ChildFailed(f"the analysis process ended without a result ({how})" + (f": {last}" if last else ""))
    finally:
        finished.set()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if proc.poll() is None:
            try:
                proc.wait(10)   # the child saw its stdin close: it cancels and ends by itself
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        relay.join(5)


def run_in_child(target: str, *args, **kwargs) -> tuple[list, object]:
    """`iter_in_child` to its end: (every item it delivered, the result)."""
    return finish(iter_in_child(target, *args, **kwargs))


def finish(gen) -> tuple[list, object]:
    """The rest of a generator: (its items, its return value)."""
    items = []
    while True:
        try:
            items.append(next(gen))
        except StopIteration as stop:
            return items, stop.value


def _forward_cancel(cancel, finished: threading.Event, proc) -> None:
    while not finished.is_set():
        if cancel.wait(0.1):
            try:
                proc.stdin.write(b"c")
                proc.stdin.flush()
            except (OSError, ValueError):
                pass
            return


def _relay_stderr(stream, tail) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        tail.append(line.rstrip("\n"))
        try:
            sys.stderr.write(line)
        except (OSError, ValueError, AttributeError):
            pass  # no stderr (the windowed app): the tail is still quoted on failure
    stream.close()


def _read_exact(stream, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_frame(stream):
    head = _read_exact(stream, _HEADER.size)
    if head is None:
        return None
    body = _read_exact(stream, _HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)


# ------------------------------------------------------------------------------------------ child
def child_main() -> int:
    """The child's side: read the job from stdin, run it, send its items and result on the real stdout."""
    sys.dont_write_bytecode = True
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)   # stray prints (ours or a library's, Python or C) go to stderr: stdout is the channel
    inbox = open(0, "rb", closefd=False)  # noqa: SIM115 - the process's stdin, for its whole life
    job = _read_frame(inbox)
    if job is None:
        return 2   # no job: the parent died at once
    target, args, kwargs = job
    cancel = threading.Event()
    threading.Thread(target=_watch_parent, args=(inbox, cancel), daemon=True, name="ungcuu-parent").start()

    def send(kind, value) -> None:
        _write_frame(channel, (kind, value))

    pending: list = []
    last = 0.0
    try:
        module, _, name = target.partition(":")
        gen = getattr(importlib.import_module(module), name)(*args, cancel=cancel, **kwargs)
        while True:
            try:
                item = next(gen)
            except StopIteration as stop:
                if pending:
                    send("item", pending.pop())
                send("result", stop.value)
                break
            pending[:] = [item]
            now = time.monotonic()
            if now - last >= BATCH_S:
                send("item", pending.pop())
                last = now
    except BrokenPipeError:
        return 1   # the parent is gone
    except Cancelled as exc:
        send("cancelled", str(exc))
    except UngCuuError as exc:
        send("failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - a bug in the job: said (with where) to the parent, which shows it
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        traceback.print_exc()
        send("failed", f"{type(exc).__name__}: {exc} (at {tb.filename.rsplit(os.sep, 1)[-1]}:{tb.lineno})")
    channel.close()
    return 0


def _watch_parent(inbox, cancel: threading.Event) -> None:
    """Any byte from the parent, or the end of stdin (the parent closed it or died), cancels the work."""
    try:
        inbox.read(1)
    except (OSError, ValueError):
        pass
    cancel.set()


# ------------------------------------------------------------------------------------------ self-check
def probe(ticks: int = 3, delay: float = 0.0, pid_file: str | None = None, fail: str | None = None, cancel=None):
    """A job that checks the child mechanism itself (the portable build's check and the tests): writes its
    pid to ``pid_file``, prints to stdout (which must not reach the channel), yields ``ticks`` counts
    ``delay`` seconds apart (stopping early when cancelled), fails on request (``fail``: "ungcuu" or
    "bug"), and returns what it saw of its process."""
    if pid_file:
        Path(pid_file).write_text(str(os.getpid()), encoding="ascii")
    print("a stray line on stdout")
    done = 0
    for done in range(1, ticks + 1):
        if cancel is not None and cancel.is_set():
            done -= 1
            break
        yield done
        if delay:
            time.sleep(delay)
    if fail == "ungcuu":
        raise UngCuuError("the probe failed on request")
    if fail == "bug":
        raise ZeroDivisionError("division by zero on request")
    return {"pid": os.getpid(), "ticks": done, "cancelled": bool(cancel is not None and cancel.is_set()),
            "dont_write_bytecode": sys.dont_write_bytecode, "flag_B": bool(sys.flags.dont_write_bytecode),
            "path": list(sys.path), "frozen": bool(getattr(sys, "frozen", False))}


if __name__ == "__main__":
    sys.exit(child_main())
