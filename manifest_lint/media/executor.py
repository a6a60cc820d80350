"""How media work runs: in this process, or in a pool of worker processes, in order.

Every media job of every kind goes through :class:`OrderedWork`: the caller submits tasks
one by one and gets ``(task, result)`` pairs back in submission order, a bounded window at
a time, so memory stays flat on a million-record manifest. Work is sent out in batches
(one function call per batch) by a *backend* — anything with ``submit(fn, *args)``
returning a future and ``shutdown()``: a :class:`~concurrent.futures.ProcessPoolExecutor`
by default, or a Dask cluster (``--scheduler``, :mod:`manifest_lint.media.cluster`, imported
only then). Small jobs never start a pool; a pool whose worker dies is abandoned and the rest
runs in this process. A backend factory may say how work is cut for it: ``batch`` (tasks per
call), ``ramp`` (the first batches are this small, doubling every ``workers`` batches up to
``batch``, so that a small job still reaches every worker and the first results come back
soon), ``min_parallel``, ``window`` and ``remote`` (see :class:`OrderedWork`).
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Future
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_MIN = 32  # below this many tasks a pool costs more than it saves
BATCH = 8  # tasks per call in a worker
WINDOW = 4  # batches in flight per worker
_LOCAL = re.compile(r"local:[1-9][0-9]{0,3}")
_SCHEDULER = re.compile(r"[a-z][a-z0-9+.-]*://\S+|[^\s:/]+:[0-9]{1,5}")


class Backend(Protocol):
    """Where batches run: ``submit`` returns a future, ``shutdown`` ends the workers."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future[Any]: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


def worker_count(jobs: int | None) -> int:
    """Workers for ``--jobs``: the usable CPUs when not given; at least 1."""
    if jobs is not None:
        if jobs < 1:
            raise ValueError(f"--jobs must be at least 1, not {jobs}")
        return jobs
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def process_pool(workers: int) -> Backend:
    """A process pool; ``forkserver`` where available, so that a parent running threads
    (progress bars) is never forked."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def check_scheduler(address: str) -> str:
    """``address`` if it names a Dask scheduler (``tcp://host:port``, ``host:port``) or a
    local cluster (``local:N``); raises :class:`ValueError` saying what is expected."""
    text = address.strip()
    if not _SCHEDULER.fullmatch(text) or (text.startswith("local:")
                                          and not _LOCAL.fullmatch(text)):
        raise ValueError(f"scheduler {address!r} is not a scheduler address: give "
                         "tcp://HOST:PORT for a Dask cluster or local:N for N local workers")
    return text


def backend_for(scheduler: str | None,
                roots: Iterable[str | os.PathLike[str]] = ()) -> Callable[[int], Backend]:
    """The backend factory for a run: the process pool, or the Dask cluster at
    ``scheduler`` whose workers must see the local folders ``roots`` (checked before any
    work is sent). Dask is imported only here, and only with a scheduler."""
    if not scheduler:
        return process_pool
    from manifest_lint.media.cluster import ClusterBackends

    where = (os.fspath(r) for r in roots if r)
    return ClusterBackends(scheduler, tuple(r if "://" in r else os.path.abspath(r)
                                            for r in where))


class OrderedWork(Generic[T, R]):
    """Runs ``work(batch) -> results`` over submitted tasks; yields results in order.

    ``work`` must be a module-level function (it is pickled to the workers) that never
    raises for bad media: it returns a result describing the failure instead. ``send``
    picks what of a task travels to the worker (default: the task itself). A *remote*
    backend factory (a cluster) gets every task, even where ``workers`` is 1 (the caller
    would have worked in-process) and from the first task on: it is where the user asked
    the work to run, and it may be the only place that can read the media.
    """

    def __init__(self, work: Callable[[Sequence[Any]], list[R]], *, workers: int,
                 send: Callable[[T], Any] | None = None,
                 min_parallel: int | None = None, batch: int | None = None,
                 backend: Callable[[int], Backend] = process_pool) -> None:
        self.work = work
        self.send: Callable[[T], Any] = send if send is not None else _same
        self.remote = bool(getattr(backend, "remote", False))
        self.workers = max(2 if self.remote else 1, workers)
        if min_parallel is None:
            min_parallel = getattr(backend, "min_parallel", PARALLEL_MIN)
        self.min_parallel = max(min_parallel, 1 if self.remote else 2)
        self.batch_size = batch if batch is not None else getattr(backend, "batch", BATCH)
        self.window: int = getattr(backend, "window", WINDOW)
        self.ramp: int = getattr(backend, "ramp", 0)
        self._sent = 0  # batches sent
        self._make_backend = backend
        self._backend: Backend | None = None
        self._waiting: list[T] = []  # held until enough tasks make a pool worth it
        self._batch: list[T] = []
        self._inflight: deque[tuple[list[T], Future[list[R]]]] = deque()

    def submit(self, task: T) -> Iterator[tuple[T, R]]:
        """Queue ``task``; yields the results that are ready, in order."""
        if self.workers <= 1:
            yield task, self.work([self.send(task)])[0]
            return
        if self._backend is None:
            self._waiting.append(task)
            if len(self._waiting) < self.min_parallel:
                return
            self._backend = self._make_backend(self.workers)
            self.workers = max(self.workers, getattr(self._backend, "workers", 1))
            waiting, self._waiting = self._waiting, []
            for queued in waiting:
                yield from self._add(queued)
            return
        yield from self._add(task)

    def finish(self) -> Iterator[tuple[T, R]]:
        """The results of everything still queued; then the workers are shut down."""
        try:
            waiting, self._waiting = self._waiting, []
            yield from self._inline(waiting)
            if self._backend is not None:
                self._send()
                while self._inflight:
                    yield from self._collect()
        finally:
            self.close()

    def close(self) -> None:
        """Shut the workers down (pending work is dropped)."""
        if self._backend is not None:
            self._backend.shutdown(wait=True, cancel_futures=True)
            self._backend = None

    def _add(self, task: T) -> Iterator[tuple[T, R]]:
        self._batch.append(task)
        if len(self._batch) >= self._batch_limit():
            self._send()
            while len(self._inflight) > self.workers * self.window:
                yield from self._collect()

    def _batch_limit(self) -> int:
        if not self.ramp:
            return self.batch_size
        return min(self.batch_size, self.ramp << min(self._sent // self.workers, 16))

    def _send(self) -> None:
        assert self._backend is not None
        batch, self._batch = self._batch, []
        if batch:
            self._sent += 1
            payload = [self.send(t) for t in batch]
            try:
                future = self._backend.submit(self.work, payload)
            except BrokenExecutor as exc:  # the pool broke before this batch went out
                future = Future()
                future.set_exception(exc)
            self._inflight.append((batch, future))

    def _collect(self) -> Iterator[tuple[T, R]]:
        batch, future = self._inflight.popleft()
        try:
            results = future.result()
        except BrokenExecutor:  # a worker died (e.g. killed for memory): go on in-process
            rest = [*batch, *(t for b, _ in self._inflight for t in b), *self._batch]
            self._inflight.clear()
            self._batch = []
            self.close()
            self.workers = 1
            yield from self._inline(rest)
            return
        yield from zip(batch, results, strict=True)

    def _inline(self, tasks: Sequence[T]) -> Iterator[tuple[T, R]]:
        for task in tasks:
            yield task, self.work([self.send(task)])[0]


def _same(task: Any) -> Any:
    return task


def run_ordered(work: Callable[[Sequence[T]], list[R]], tasks: Sequence[T], *, workers: int,
                progress: Callable[[int], None] | None = None,
                backend: Callable[[int], Backend] = process_pool) -> Iterator[tuple[T, R]]:
    """All ``tasks`` through :class:`OrderedWork`; ``progress`` is called with the count done."""
    runner: OrderedWork[T, R] = OrderedWork(work, workers=workers, backend=backend)
    done = 0
    try:
        for task in tasks:
            for pair in runner.submit(task):
                done += 1
                if progress is not None:
                    progress(done)
                yield pair
        for pair in runner.finish():
            done += 1
            if progress is not None:
                progress(done)
            yield pair
    finally:
        runner.close()
