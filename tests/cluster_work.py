"""Batch functions for the cluster tests; a module of their own so that Dask workers import
them by name (the tests' folder is on the workers' path)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path


def square(batch: Sequence[int]) -> list[int]:
    return [x * x for x in batch]


def square_or_die(marker: str, batch: Sequence[int]) -> list[int]:
    """Kill this worker process the first time any worker runs a batch (``marker`` records
    that it happened); square otherwise."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return square(batch)
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    os._exit(1)


def always_die(batch: Sequence[int]) -> list[int]:
    """Kill every worker that runs it."""
    os._exit(1)


def square_then_kill_scheduler(pid_file: str, batch: Sequence[int]) -> list[int]:
    """Kill the scheduler (its pid is in ``pid_file``) while the batch runs, then wait."""
    pid = int(Path(pid_file).read_text())
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    time.sleep(0.5)
    return square(batch)


def fail(batch: Sequence[int]) -> list[int]:
    """A bug in the work itself."""
    raise ValueError(f"cannot square {len(batch)} numbers")
