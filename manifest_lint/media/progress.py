"""A Rich progress bar on stderr for long media work; nothing when stderr is not a
terminal or a machine-readable format was asked for."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Only show a bar for work expected to last longer than about this many seconds.
SHOW_AFTER_SECONDS = 1.0


def no_progress(n: int = 1) -> None:
    """Progress callback that draws nothing."""


@contextmanager
def progress(total: int, description: str, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draws files, items/s and ETA once the work has run for a
    second, only if ``enabled`` and stderr is a TTY."""
    if not enabled or total <= 1 or not sys.stderr.isatty():
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    )
    task = bar.add_task(description, total=total, rate="")
    start = time.monotonic()
    done = 0
    started = False

    def advance(n: int = 1) -> None:
        nonlocal done, started
        done += n
        elapsed = time.monotonic() - start
        if not started and elapsed >= SHOW_AFTER_SECONDS:
            bar.start()
            started = True
        rate = f"{done / elapsed:.0f}/s" if elapsed > 0 else ""
        bar.update(task, completed=done, rate=rate)

    try:
        yield advance
    finally:
        if started:
            bar.stop()
