"""What a CVAT images manifest contributes to the dataset pass, collected by the CVAT
checker in its own single pass: per image record a 64-bit hash of its ``checksum`` and,
when the group needs it, of the file it names; the lines they sit on as runs of
consecutive lines. Video manifests give nothing (their checksums are of key frames).

A hash says only "maybe the same": the pass reads back the few lines whose hashes repeat
and compares the real values (:func:`read_lines`, :func:`record_of`) before it reports.
:func:`records` streams a whole manifest for the one case the hashes cannot settle (a
manifest whose own names repeat or are not clean paths).
"""

from __future__ import annotations

import bisect
import os
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from manifest_lint.kinds.cvat.reading import loads
from manifest_lint.kinds.cvat.structure import escaped, is_checksum
from manifest_lint.s3 import is_remote
from manifest_lint.textio import iter_raw_lines

REQUEST = "cvat-dataset"  # the facts key the pass asks with (a Resolver) and gets CvatFacts
READ_BLOCK = 1 << 22

digest = hash  # bytes -> 64-bit int; a module attribute so tests can force collisions


class Resolver:
    """Where a manifest's names resolve (the same rule as the dataset pass has always used:
    the media root or the manifest's folder, normalised; a URL root is joined as is), and
    the key of a file: its path escaped as in a canonical line, split at its extension by
    :data:`KEY_SEPARATOR`, so that a clean record's key is ``prefix + record_key``."""

    def __init__(self, manifest: Path, media_root: Path | str | None) -> None:
        self.url = (media_root.rstrip("/") + "/"
                    if isinstance(media_root, str) and is_remote(media_root) else "")
        self.base = os.path.abspath(media_root or manifest.parent) if not self.url else ""
        self.prefix = escaped(self.url or os.path.join(self.base, "")).encode("ascii")

    def file(self, full: str) -> str:
        """The file a record's ``name + extension`` names."""
        if self.url:
            return self.url + full
        return os.path.normpath(os.path.join(self.base, *full.split("/")))

    def folder(self) -> str:
        """The folder (or URL prefix) clean names stay inside."""
        return self.url or os.path.join(self.base, "")


def file_key(file: str) -> bytes:
    """The key of a resolved file (see :class:`Resolver`)."""
    dot, slash = file.rfind("."), file.rfind("/")
    stem, ext = (file[:dot], file[dot:]) if dot > slash else (file, "")
    return (escaped(stem) + '","extension":"' + escaped(ext)).encode("ascii")


class Runs:
    """Index -> line for values appended in line order, kept as runs of consecutive lines."""

    def __init__(self) -> None:
        self.starts = array("q")  # index of each run's first value
        self.lines = array("q")  # its line
        self.count = 0
        self._next_line = -1

    def add(self, line: int, count: int = 1) -> None:
        if line != self._next_line:
            self.starts.append(self.count)
            self.lines.append(line)
        self.count += count
        self._next_line = line + count

    def line(self, index: int) -> int:
        run = bisect.bisect_right(self.starts, index) - 1
        return self.lines[run] + index - self.starts[run]


@dataclass
class CvatFacts:
    """The compact facts of one images manifest."""

    records: int = 0  # image records (string name and extension)
    sums: array[int] = field(default_factory=lambda: array("q"))  # valid checksums' hashes
    sum_runs: Runs = field(default_factory=Runs)
    files: array[int] | None = None  # file keys' hashes, one per record, when asked
    file_runs: Runs | None = None
    regular: bool = True  # every name clean and listed once: no file twice in this manifest


class Collector:
    """Filled by the CVAT checker as it reads; ``files`` only when the resolver asks."""

    def __init__(self, resolver: Resolver, files: bool) -> None:
        self.resolver = resolver
        self.facts = CvatFacts()
        if files:
            self.facts.files = array("q")
            self.facts.file_runs = Runs()

    def block(self, first_line: int, keys: list[bytes], sums: Iterable[bytes]) -> None:
        """Consecutive canonical records (keys as :data:`IMAGE_RECORD` captures them)."""
        f = self.facts
        f.records += len(keys)
        f.sums.extend(map(digest, sums))
        f.sum_runs.add(first_line, len(keys))
        if f.files is not None and f.file_runs is not None:
            f.files.extend(map(digest, map(self.resolver.prefix.__add__, keys)))
            f.file_runs.add(first_line, len(keys))

    def canonical(self, line: int, key: bytes, body: bytes) -> None:
        """One canonical record (its line ends with ``"checksum":"<32 hex>"}``)."""
        self.block(line, [key], (body[-34:-2],))

    def record(self, line: int, full: str, checksum: object, clean: bool) -> None:
        """Any other image record with a string name and extension."""
        f = self.facts
        f.records += 1
        if not clean:
            f.regular = False
        if is_checksum(checksum):
            assert isinstance(checksum, str)
            f.sums.append(digest(checksum.encode("ascii")))
            f.sum_runs.add(line)
        if f.files is not None and f.file_runs is not None:
            f.files.append(digest(file_key(self.resolver.file(full))))
            f.file_runs.add(line)


@dataclass(frozen=True, slots=True)
class Record:
    """One image record: its line, the file it names, its checksum (if valid)."""

    line: int
    name: str  # name + extension as written
    file: str  # the resolved file (a normalised path, or a URL)
    checksum: str | None


def record_of(n: int, body: bytes, resolver: Resolver) -> Record | None:
    """The image record on line ``n``, or None when the line is not one."""
    if n <= 2 or b'"name"' not in body:
        return None
    obj = loads(body)
    if not isinstance(obj, dict):
        return None
    name, ext = obj.get("name"), obj.get("extension")
    if not isinstance(name, str) or not isinstance(ext, str):
        return None
    full = name + ext
    checksum = obj.get("checksum")
    return Record(n, full, resolver.file(full), checksum if is_checksum(checksum) else None)


def records(path: Path, resolver: Resolver) -> Iterator[Record]:
    """Every image record of the manifest at ``path`` (nothing for a video manifest or a
    file that cannot be read)."""
    try:
        f = open(path, "rb")
    except OSError:
        return
    with f:
        for n, (body, _term) in enumerate(iter_raw_lines(f, skip_bom=True), 1):
            if n <= 3 and b'"type"' in body and b'"video"' in body:
                return
            rec = record_of(n, body, resolver)
            if rec is not None:
                yield rec


def read_lines(path: Path, wanted: Iterable[int]) -> dict[int, bytes]:
    """The bodies of the lines ``wanted`` (1-based), found by counting newlines block by
    block; a BOM and the line end are dropped. Lines past the end are missing."""
    targets = sorted(set(wanted))
    out: dict[int, bytes] = {}
    if not targets:
        return out
    try:
        f = open(path, "rb")
    except OSError:
        return out
    with f:
        first = 1  # the line number of the block's first line
        carry = b""
        i = 0
        while i < len(targets):
            chunk = f.read(READ_BLOCK)
            if not chunk:
                if carry and targets[i] == first:
                    out[first] = carry.rstrip(b"\r")
                break
            buf = carry + chunk
            if b"\r" in buf and buf.count(b"\r") != buf.count(b"\r\n"):
                return _read_lines_slowly(path, targets)  # a lone CR ends a line too
            end = buf.rfind(b"\n")
            if end < 0:
                carry = buf
                continue
            whole, carry = buf[:end + 1], buf[end + 1:]
            count = whole.count(b"\n")
            if targets[i] < first + count:
                lines = whole.split(b"\n")
                while i < len(targets) and targets[i] < first + count:
                    out[targets[i]] = lines[targets[i] - first].rstrip(b"\r")
                    i += 1
            first += count
    if 1 in out and out[1].startswith(b"\xef\xbb\xbf"):
        out[1] = out[1][3:]
    return out


def _read_lines_slowly(path: Path, targets: list[int]) -> dict[int, bytes]:
    wanted = set(targets)
    out: dict[int, bytes] = {}
    with open(path, "rb") as f:
        for n, (body, _term) in enumerate(iter_raw_lines(f, skip_bom=True), 1):
            if n in wanted:
                out[n] = body
                if len(out) == len(wanted):
                    break
    return out
