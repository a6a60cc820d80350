"""The media layer's executor: ordered results, small jobs in-process, a broken pool
falls back to in-process work."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from manifest_lint.media.executor import OrderedWork, run_ordered, worker_count


def square(batch: Sequence[int]) -> list[int]:
    return [x * x for x in batch]


class InlineBackend:
    """Runs batches at once in this process and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.closed = False

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        self.calls += 1
        f: Future[Any] = Future()
        f.set_result(fn(*args))
        return f

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.closed = True


class DyingBackend(InlineBackend):
    """The second batch finds its worker dead."""

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        self.calls += 1
        f: Future[Any] = Future()
        if self.calls == 2:
            f.set_exception(BrokenProcessPool("killed"))
        else:
            f.set_result(fn(*args))
        return f


def drive(work: OrderedWork[int, int], tasks: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for t in tasks:
        out += work.submit(t)
    out += work.finish()
    return out


def test_results_come_back_in_order_in_batches() -> None:
    backend = InlineBackend()
    work: OrderedWork[int, int] = OrderedWork(square, workers=2, min_parallel=4, batch=3,
                                              backend=lambda n: backend)
    tasks = list(range(20))
    assert drive(work, tasks) == [(t, t * t) for t in tasks]
    assert backend.calls == 7  # 20 tasks in batches of 3
    assert backend.closed


def test_small_jobs_never_start_a_pool() -> None:
    def no_pool(n: int) -> InlineBackend:
        raise AssertionError("a pool was started for 3 tasks")

    work: OrderedWork[int, int] = OrderedWork(square, workers=4, min_parallel=10,
                                              backend=no_pool)
    assert drive(work, [1, 2, 3]) == [(1, 1), (2, 4), (3, 9)]


def test_a_dead_worker_means_the_rest_runs_in_process() -> None:
    backend = DyingBackend()
    work: OrderedWork[int, int] = OrderedWork(square, workers=2, min_parallel=2, batch=2,
                                              backend=lambda n: backend)
    tasks = list(range(11))
    assert drive(work, tasks) == [(t, t * t) for t in tasks]
    assert work.workers == 1 and backend.closed


class RampingFactory:
    """A backend factory like the cluster's: small first batches, doubling per worker."""

    batch, ramp, remote = 8, 2, True

    def __init__(self) -> None:
        self.backend = InlineBackend()
        self.sizes: list[int] = []

    def __call__(self, workers: int) -> InlineBackend:
        backend = self.backend

        def submit(fn: Any, *args: Any) -> Future[Any]:
            self.sizes.append(len(args[0]))
            return InlineBackend.submit(backend, fn, *args)

        backend.submit = submit  # type: ignore[method-assign]
        return backend


def test_a_remote_backend_gets_every_task_in_growing_batches() -> None:
    factory = RampingFactory()
    work: OrderedWork[int, int] = OrderedWork(square, workers=1, backend=factory)
    tasks = list(range(40))
    assert drive(work, tasks) == [(t, t * t) for t in tasks]
    assert factory.sizes == [2, 2, 4, 4, 8, 8, 8, 4]  # workers=1 still means 2 for a cluster


def test_send_picks_what_travels() -> None:
    seen: list[object] = []

    def record(batch: Sequence[object]) -> list[int]:
        seen.extend(batch)
        return [0 for _ in batch]

    work: OrderedWork[dict[str, int], int] = OrderedWork(record, workers=1,
                                                         send=lambda t: t["x"])
    assert [r for _, r in drive(work, [{"x": 5}, {"x": 6}])] == [0, 0]  # type: ignore[arg-type]
    assert seen == [5, 6]


def test_run_ordered_counts_progress_with_a_real_pool() -> None:
    done: list[int] = []
    got = list(run_ordered(square, list(range(40)), workers=2, progress=done.append))
    assert got == [(t, t * t) for t in range(40)]
    assert done == list(range(1, 41))


def test_worker_count() -> None:
    assert worker_count(3) == 3
    assert worker_count(None) >= 1
    with pytest.raises(ValueError, match="at least 1"):
        worker_count(0)


class BrokenOnSubmitBackend(InlineBackend):
    """The pool is found broken when the third batch is handed to it (a worker died
    while batches were still being sent), as ProcessPoolExecutor.submit raises then."""

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        if self.calls >= 2:
            raise BrokenProcessPool("a child process terminated abruptly")
        return super().submit(fn, *args)


def test_a_pool_broken_at_submit_means_the_rest_runs_in_process() -> None:
    backend = BrokenOnSubmitBackend()
    work: OrderedWork[int, int] = OrderedWork(square, workers=2, min_parallel=2, batch=2,
                                              backend=lambda n: backend)
    tasks = list(range(15))
    assert drive(work, tasks) == [(t, t * t) for t in tasks]
    assert work.workers == 1 and backend.closed


def die_in_a_worker(batch: Sequence[tuple[int, int]]) -> list[int]:
    """Square; a worker process (not the parent) that gets 13 dies at once."""
    import os

    out = []
    for parent, x in batch:
        if x == 13 and os.getpid() != parent:
            os._exit(1)
        out.append(x * x)
    return out


def test_run_ordered_survives_a_worker_that_dies() -> None:
    """What `create cvat` runs on: a killed worker (e.g. out of memory) is not an internal
    error; the rest of the work runs in this process, in order."""
    import os

    tasks = [(os.getpid(), x) for x in range(60)]
    got = list(run_ordered(die_in_a_worker, tasks, workers=2))
    assert got == [(t, t[1] * t[1]) for t in tasks]
