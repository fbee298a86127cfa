"""Worker processes that no document can stall or take down, and the per-document budget.

Two layers keep one document from holding up a run, whatever the cause:

* the **budget** (:func:`budget_timer`): inside the worker, a timer stops a
  stage that has run longer than ``[run] stage_budget`` seconds on one
  document by raising :class:`OverBudget` in it (a ``BaseException``, so a
  stage's own ``except Exception`` cannot swallow it). Python code stops
  there; the runner passes the document on unchanged by that stage.
* the **watchdog** (:class:`WorkerPool`): code that does not return to the
  interpreter (a long C call) cannot be interrupted by a signal handler, and
  a worker can die (out of memory, a crash in an extension). Each worker
  publishes which document and step it is in (:func:`beat`, a few numbers in
  shared memory, no messages); the parent kills a worker whose step has
  run well past the budget, starts a new one, and re-runs its task with that
  document's step skipped. A worker that died is handled the same way.

Workers exit quietly when the parent goes (``kill -9`` included): on Linux
the kernel kills them (``PR_SET_PDEATHSIG``); elsewhere they leave when their
pipe to the parent closes. They never print a traceback of a broken pipe.

Nothing here knows about documents or stages: the runner passes the function
to run and a callback that turns a failure into a task to retry.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any


class OverBudget(BaseException):
    """Raised inside a stage that ran past its budget (not an ``Exception``: stages must not catch it)."""


class WorkerFailure(RuntimeError):
    """A task failed in a way no retry can fix; the message is for the user."""


# -- the in-worker budget timer ----------------------------------------------------------

_armed = False


def _on_alarm(signum: int, frame: Any) -> None:
    # A timer that fires just as the step returns must not hit the code after it.
    if _armed:
        raise OverBudget()


@contextmanager
def budget_timer(seconds: float) -> Iterator[None]:
    """Raise :class:`OverBudget` in the block if it runs longer than ``seconds`` (0: no limit).

    Uses ``SIGALRM``, so it works in the main thread of a POSIX process only;
    elsewhere the block runs unlimited (the watchdog still applies).

    >>> with budget_timer(0.05):
    ...     try:
    ...         while True:
    ...             pass
    ...     except OverBudget:
    ...         print("stopped")
    stopped
    """
    global _armed
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- where a worker is: shared memory the parent reads -------------------------------------

#: Slots of a worker's progress array: the document (index in its task), the step, when it began.
_DOC, _STEP, _SINCE = 0, 1, 2
_progress: Any = None  # this worker's shared array, set in the worker process


def beat(doc_index: int, step_index: int) -> None:
    """Publish that this worker now runs step ``step_index`` on document ``doc_index`` (-1: neither)."""
    if _progress is not None:
        _progress[_DOC] = doc_index
        _progress[_STEP] = step_index
        _progress[_SINCE] = time.monotonic() if step_index >= 0 else 0.0


@dataclass(frozen=True)
class Stuck:
    """Where a failed worker was: the document of its task and the step, and what happened."""

    doc_index: int
    step_index: int
    why: str


# -- the worker process -------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); leave if it is already gone."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)


def _worker_main(conn: Connection, function: Callable[[Any], Any], progress: Any, parent: int) -> None:
    """Run tasks from the pipe until it closes; never print a traceback for a vanished parent."""
    global _progress
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the parent's to handle
    _progress = progress
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if task is None:
            os._exit(0)
        try:
            reply = ("done", function(task))
        except OSError as exc:  # the environment (disk full...): the parent reports it as such
            reply = ("error", OSError(exc.errno, exc.strerror, exc.filename))
        except Exception as exc:  # noqa: BLE001 - reported by the parent with the task
            reply = ("error", f"{type(exc).__name__}: {exc}")
        beat(-1, -1)
        try:
            conn.send(reply)
        except (OSError, ValueError):  # the parent is gone (BrokenPipeError) or the pipe closed
            os._exit(0)


def _death(code: int | None) -> str:
    """
    >>> _death(-9), _death(1), _death(None)
    ('the worker process died (killed by signal 9)', 'the worker process died (exit status 1)', 'the worker process died')
    """
    if code is None:  # gone, but its status was not seen yet
        return "the worker process died"
    why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    return f"the worker process died ({why})"


@dataclass
class _Worker:
    process: Any
    conn: Connection
    progress: Any
    task: int | None = None


class WorkerPool:
    """``workers`` processes running ``function`` over tasks, results in task order.

    At most ``window`` tasks are outstanding, so memory stays bounded however
    many tasks there are. ``hard_limit`` (seconds, 0: none) is how long one
    step of one document may run before its worker is killed. When a worker is
    killed or dies, ``retry(task, stuck)`` gives the task to run again (the
    runner skips the stuck step of that document) or ``None`` to give up,
    which raises :class:`WorkerFailure`.
    """

    def __init__(
        self,
        function: Callable[[Any], Any],
        workers: int,
        retry: Callable[[Any, Stuck], Any | None],
        hard_limit: float = 0.0,
        window: int | None = None,
    ) -> None:
        self.function = function
        self.retry = retry
        self.hard_limit = hard_limit
        self.window = window or 4 * workers
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self._context = multiprocessing.get_context(method)
        self._workers = [self._start() for _ in range(workers)]
        self._unplaced: dict[int, int] = {}  # task number -> failures outside any document

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        progress = self._context.RawArray("d", [-1.0, -1.0, 0.0])
        process = self._context.Process(
            target=_worker_main, args=(theirs, self.function, progress, os.getpid()), daemon=True
        )
        process.start()
        theirs.close()
        return _Worker(process, ours, progress)

    def close(self) -> None:
        """Stop every worker (a finished run, or the parent leaving on an error or ^C)."""
        for worker in self._workers:
            if worker.task is None:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + 2.0
        for worker in self._workers:
            worker.process.join(max(0.0, deadline - time.monotonic()) if worker.task is None else 0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]:
        """The results of ``function`` over ``tasks``, in order."""
        source = iter(tasks)
        exhausted = False
        pending: dict[int, Any] = {}  # task number -> task, until its result is in
        results: dict[int, Any] = {}
        queue: deque[int] = deque()  # task numbers waiting for a worker
        taken = done = 0
        while True:
            while not exhausted and taken - done < self.window:
                try:
                    pending[taken] = next(source)
                except StopIteration:
                    exhausted = True
                    break
                queue.append(taken)
                taken += 1
            while done in results:
                yield results.pop(done)
                done += 1
            if exhausted and done == taken:
                return
            self._dispatch(queue, pending)
            self._wait(queue, pending, results)

    def _dispatch(self, queue: deque[int], pending: dict[int, Any]) -> None:
        for worker in self._workers:
            if worker.task is None and queue:
                number = queue.popleft()
                worker.progress[_DOC] = worker.progress[_STEP] = -1.0
                worker.progress[_SINCE] = 0.0
                worker.task = number
                try:
                    worker.conn.send(pending[number])
                except OSError:  # it died while idle: _wait sees its sentinel and retries the task
                    pass

    def _wait(self, queue: deque[int], pending: dict[int, Any], results: dict[int, Any]) -> None:
        busy = [w for w in self._workers if w.task is not None]
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.5)
        for worker in busy:
            if worker.conn in ready:
                try:
                    kind, value = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(5)
                    self._failed(worker, queue, pending, _death(worker.process.exitcode))
                    continue
                assert worker.task is not None
                if kind == "error" and isinstance(value, OSError):
                    raise value
                if kind == "error":
                    raise WorkerFailure(f"a task failed in a worker: {value}")
                results[worker.task] = value
                del pending[worker.task]
                worker.task = None
            elif worker.process.sentinel in ready:
                self._failed(worker, queue, pending, _death(worker.process.exitcode))
            elif self._overdue(worker):
                self._failed(worker, queue, pending, f"stopped after {self.hard_limit:g} s (its worker was replaced)")

    def _overdue(self, worker: _Worker) -> bool:
        since = worker.progress[_SINCE]
        return bool(self.hard_limit and since and time.monotonic() - since > self.hard_limit)

    def _failed(self, worker: _Worker, queue: deque[int], pending: dict[int, Any], why: str) -> None:
        """Replace a dead or stuck worker; hand its task back for a retry (first in line)."""
        number = worker.task
        stuck = Stuck(int(worker.progress[_DOC]), int(worker.progress[_STEP]), why)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self._workers[self._workers.index(worker)] = self._start()
        assert number is not None
        if stuck.doc_index >= 0 and stuck.step_index >= 0:
            again = self.retry(pending[number], stuck)
            if again is None:
                raise WorkerFailure(f"a worker failed twice on the same document and step: {why}")
        else:  # not inside a document (loading, sending): run the task as it was, a few times at most
            self._unplaced[number] = self._unplaced.get(number, 0) + 1
            if self._unplaced[number] > 2:
                raise WorkerFailure(f"a worker failed three times outside any document's stage: {why}")
            again = pending[number]
        pending[number] = again
        queue.appendleft(number)
