"""Reading a CVAT manifest: physical lines with one line of look-back, the record keys
seen (for duplicates), the sort order of image records, and JSON parsing helpers."""

from __future__ import annotations

import json
import operator
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.cvat import rules as R
from manifest_lint.textio import iter_raw_lines

if TYPE_CHECKING:
    pass

Line = tuple[int, bytes, bytes]  # (number, body, terminator)


class Lines:
    """Physical lines with their numbers, one line of push-back, and whether every line so
    far ended with LF (then the file position is right after the last line read)."""

    def __init__(self, f: BinaryIO) -> None:
        self.it = iter_raw_lines(f, skip_bom=False)
        self.n = 0
        self.back: list[Line] = []
        self.lf_only = True
        self.bad_terminator: int | None = None  # first line not ending with LF

    def next(self) -> Line | None:
        if self.back:
            return self.back.pop()
        item = next(self.it, None)
        if item is None:
            return None
        self.n += 1
        body, term = item
        if term != b"\n":
            self.lf_only = False
            self.note_terminator(self.n)
        return self.n, body, term

    def push(self, item: Line) -> None:
        self.back.append(item)

    def note_terminator(self, n: int) -> None:
        if self.bad_terminator is None:
            self.bad_terminator = n


class Order:
    """The configured sorting (lexicographical or natural) over the records' paths."""

    def __init__(self, sorting: str, root: str) -> None:
        self.sorting = sorting
        self.root = os.path.abspath(root)
        if sorting == "natural":
            from natsort import os_sort_keygen

            self.key: Any = os_sort_keygen()
        else:
            self.key = str
        self.prev: Any = None
        self.prev_name = ""
        self.prev_line = 0
        self.first: tuple[int, str, str, int] | None = None
        self.count = 0

    def add(self, n: int, full_name: str) -> None:
        key = self.key(os.path.join(self.root, *full_name.split("/")))
        if self.prev is not None and key < self.prev:
            self.count += 1
            if self.first is None:
                self.first = (n, full_name, self.prev_name, self.prev_line)
        self.prev, self.prev_name, self.prev_line = key, full_name, n

    def diagnostics(self, path: str) -> Iterator[Diagnostic]:
        if self.first is None:
            return
        n, name, prev, prev_line = self.first
        more = f"; {self.count} records are out of order" if self.count > 1 else ""
        yield R.SORT_ORDER.diag(
            path, n,
            f"{name!r} comes after {prev!r} (line {prev_line}) but {self.sorting} sorting "
            f"puts it first{more}. CVAT maps frame i to record i: regenerate with "
            f"`manifest-lint create cvat --sorting {self.sorting}`, or set `sorting` to the "
            "method your tasks use",
        )


class Keys:
    """Duplicate detection over record keys. While keys arrive strictly increasing (as in a
    lexicographically sorted manifest) they are all distinct and no set is kept; the first
    step back builds the set from the lines read so far (``rebuild``). The set holds the
    keys' hashes, so a collision may be a false alarm: the second pass (exact keys) decides."""

    def __init__(self, rebuild: Callable[[int], Iterable[bytes]]) -> None:
        self.rebuild = rebuild
        self.last: bytes | None = None
        self.seen: set[int] | None = None  # hashes of the keys
        self.collisions = 0

    def add(self, key: bytes, line: int) -> None:
        seen = self.seen
        if seen is None:
            if self.last is None or key > self.last:
                self.last = key
                return
            seen = self.seen = set(map(hash, self.rebuild(line)))
        h = hash(key)
        if h in seen:
            self.collisions += 1
        else:
            seen.add(h)

    def add_block(self, keys: list[bytes], first_line: int) -> None:
        seen = self.seen
        if seen is None:
            if ((self.last is None or keys[0] > self.last)
                    and all(map(operator.lt, keys, islice(keys, 1, None)))):
                self.last = keys[-1]
                return
            seen = self.seen = set(map(hash, self.rebuild(first_line)))
        before = len(seen)
        seen.update(map(hash, keys))
        self.collisions += len(keys) - (len(seen) - before)


def loads(body: bytes) -> object:
    """The JSON value of a line, or None if it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return None


def json_error(exc: ValueError) -> str:
    text = str(exc)
    return text.split(": line ")[0] if ": line " in text else text


def json_type(obj: object) -> str:
    if isinstance(obj, list):
        return "array"
    if isinstance(obj, str):
        return "string"
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "boolean"
    return "number"
