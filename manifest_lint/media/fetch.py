"""How requests run: tens in flight on a thread pool, results in submission order.

Fetching is I/O (threads wait on sockets, not on the GIL); decoding stays where it was (this
process for headers, the process pool of :mod:`manifest_lint.media.executor` for whole
images), so a fetch stage is simply an :class:`~manifest_lint.media.executor.OrderedWork` on
a thread pool whose results feed the decode stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from manifest_lint.media.executor import Backend, OrderedWork

T = TypeVar("T")
R = TypeVar("R")


def thread_pool(workers: int) -> Backend:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="manifest-lint-s3")


def fetch_stage(work: Callable[[Sequence[Any]], list[R]], concurrency: int, *,
                send: Callable[[Any], Any] | None = None) -> OrderedWork[Any, R]:
    """An ordered stage running ``work`` one task per call, ``concurrency`` at a time."""
    return OrderedWork(work, workers=max(1, concurrency), batch=1, min_parallel=2,
                       backend=thread_pool, send=send)
