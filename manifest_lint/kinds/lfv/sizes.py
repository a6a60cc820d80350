"""The majority image size, chosen one way for a file (LFV405) and for a project (DS301)."""

from __future__ import annotations

from collections.abc import Iterable

Size = tuple[int, int]


def majority_size(seen: Iterable[tuple[Size, int, tuple[int, ...]]]) -> tuple[Size, int]:
    """The size most images have, and how many: from ``(size, images, first)`` where
    ``first`` is where the size was seen first (a line, or a file's index and a line). On a
    tie the size seen first wins. A size may come more than once (from several files)."""
    counts: dict[Size, int] = {}
    firsts: dict[Size, tuple[int, ...]] = {}
    for size, n, first in seen:
        counts[size] = counts.get(size, 0) + n
        if size not in firsts or first < firsts[size]:
            firsts[size] = first
    best = max(counts, key=lambda s: (counts[s], tuple(-x for x in firsts[s])))
    return best, counts[best]
