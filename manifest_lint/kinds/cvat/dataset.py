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
from operator import itemgetter
from pathlib import Path

from manifest_lint.kinds.cvat.reading import loads
from manifest_lint.kinds.cvat.structure import escaped, is_checksum
from manifest_lint.s3 import is_remote
from manifest_lint.textio import iter_raw_lines

REQUEST = "cvat-dataset"  # the facts key the pass asks with (a Resolver) and gets CvatFacts
READ_BLOCK = 1 << 22

digest = hash  # bytes -> 64-bit int; a module attribute so tests can force collisions
SMALL = (1 << 60) - 1  # values below 2**60 are two-digit Python ints (32 bytes, not 48)


class Resolver:
    """Where a manifest's names resolve (the same rule as the dataset pass has always used:
    the media root or the manifest's folder, normalised; a URL root is joined as is), and
    the key of a file: its path below ``top`` (a folder the manifests whose files are
    compared share; "" for none) escaped as in a canonical line, split at its extension by
    :data:`KEY_SEPARATOR`, so that a clean record's key is ``prefix + record_key``."""

    def __init__(self, manifest: Path, media_root: Path | str | None, top: str = "") -> None:
        self.url = (media_root.rstrip("/") + "/"
                    if isinstance(media_root, str) and is_remote(media_root) else "")
        self.base = os.path.abspath(media_root or manifest.parent) if not self.url else ""
        folder = self.folder()
        self.top = top if folder.startswith(top) else ""
        self.prefix = escaped(folder[len(self.top):]).encode("ascii")

    def value(self, file: str) -> int:
        """The value kept of a resolved file: of its key below ``top`` (absolute when it
        is not below it, e.g. a name with ``..``)."""
        top = self.top
        return file_value(file_key(file[len(top):] if top and file.startswith(top) else file))

    def file(self, full: str) -> str:
        """The file a record's ``name + extension`` names."""
        if self.url:
            return self.url + full
        return os.path.normpath(os.path.join(self.base, *full.split("/")))

    def folder(self) -> str:
        """The folder (or URL prefix) clean names stay inside."""
        return self.url or os.path.join(self.base, "")


def file_value(key: bytes) -> int:
    """The value the pass keeps of a file key (60 bits of its hash)."""
    return digest(key) & SMALL


def file_key(file: str) -> bytes:
    """The key of a resolved file (see :class:`Resolver`)."""
    dot, slash = file.rfind("."), file.rfind("/")
    stem, ext = (file[:dot], file[dot:]) if dot > slash else (file, "")
    return (escaped(stem) + '","extension":"' + escaped(ext)).encode("ascii")


def checksum_value(checksum: bytes) -> int:
    """The value the pass keeps of a checksum: 60 bits of it (its first 16 hex digits but
    the 15th; an md5 is uniform, so this is as good as a hash). Below 2**60 on a
    little-endian machine, it is a small Python int (a set of a million holds 16 MB less)."""
    return array("q", bytes.fromhex((checksum[:14] + b"0" + checksum[15:16]).decode("ascii"))
                 )[0]


def checksum_values(prefixes: Iterable[bytes]) -> array[int]:
    """:func:`checksum_value` of many checksums at once, from their first 16 hex digits."""
    digits = bytearray(b"".join(prefixes))
    return _values(digits)


def _values(digits: bytearray) -> array[int]:
    digits[14::16] = b"0" * (len(digits) // 16)
    out = array("q")
    out.frombytes(bytes.fromhex(digits.decode("ascii")))
    return out


def block_checksums(buf: bytes, count: int) -> array[int]:
    """The checksum values of a block of ``count`` canonical image records (every line
    ends with ``"checksum":"<32 hex>"}`` and LF). Lines of one length (names of one
    width, as tools write them) are read column by column, without a line object."""
    width = buf.find(b"\n") + 1
    if checksum_values is not _checksum_values or width * count != len(buf) or \
            buf[width - 1::width] != b"\n" * count:
        lines = buf.split(b"\n")
        lines.pop()  # after the last LF
        return checksum_values(map(_PREFIX_OF_LINE, lines))
    digits = bytearray(16 * count)
    for k in range(16):  # the k-th hex digit of every line's checksum
        if k != 14:
            digits[k::16] = buf[width - 35 + k::width]
    return _values(digits)


_checksum_values = checksum_values
_PREFIX_OF_LINE = itemgetter(slice(-34, -18))  # a canonical line ends `"checksum":"…"}`


class Anchors:
    """Where some lines start in the file (line, byte offset), so a line can be found
    without counting from the top."""

    def __init__(self) -> None:
        self.lines = array("q")
        self.offsets = array("q")

    def add(self, line: int, offset: int) -> None:
        self.lines.append(line)
        self.offsets.append(offset)

    def before(self, line: int) -> tuple[int, int]:
        """The last anchor at or before ``line``: (line, offset); (1, 0) if none."""
        k = bisect.bisect_right(self.lines, line) - 1
        return (self.lines[k], self.offsets[k]) if k >= 0 else (1, 0)


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
    anchors: Anchors = field(default_factory=Anchors)


class Collector:
    """Filled by the CVAT checker as it reads; ``files`` only when the resolver asks."""

    def __init__(self, resolver: Resolver, files: bool) -> None:
        self.resolver = resolver
        self.facts = CvatFacts()
        if files:
            self.facts.files = array("q")
            self.facts.file_runs = Runs()

    def block(self, first_line: int, keys: list[bytes], sums: array[int],
              offset: int = -1) -> None:
        """Consecutive canonical records (keys as :data:`IMAGE_RECORD` captures them, the
        checksum values); ``offset``: where the first one starts in the file, if known."""
        f = self.facts
        f.records += len(keys)
        f.sums.extend(sums)
        f.sum_runs.add(first_line, len(keys))
        if offset >= 0:
            f.anchors.add(first_line, offset)
        if f.files is not None and f.file_runs is not None:
            f.files.extend(map(SMALL.__and__,
                               map(digest, map(self.resolver.prefix.__add__, keys))))
            f.file_runs.add(first_line, len(keys))

    def canonical(self, line: int, key: bytes, body: bytes) -> None:
        """One canonical record (its line ends with ``"checksum":"<32 hex>"}``)."""
        self.block(line, [key], array("q", (checksum_value(body[-34:-18]),)))

    def record(self, line: int, full: str, checksum: object, clean: bool) -> None:
        """Any other image record with a string name and extension."""
        f = self.facts
        f.records += 1
        if not clean:
            f.regular = False
        if is_checksum(checksum):
            assert isinstance(checksum, str)
            f.sums.append(checksum_value(checksum.encode("ascii")))
            f.sum_runs.add(line)
        if f.files is not None and f.file_runs is not None:
            f.files.append(self.resolver.value(self.resolver.file(full)))
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


def read_lines(path: Path, wanted: Iterable[int], anchors: Anchors | None = None
               ) -> dict[int, bytes]:
    """The bodies of the lines ``wanted`` (1-based), found by counting newlines from the
    nearest anchor before each; a BOM and the line end are dropped. Lines past the end
    are missing."""
    targets = sorted(set(wanted))
    out: dict[int, bytes] = {}
    if not targets:
        return out
    anchors = anchors or Anchors()
    try:
        f = open(path, "rb")
    except OSError:
        return out
    with f:
        first, buf, count, eof = 1, b"", 0, False  # buf: `count` whole lines from `first` on
        for target in targets:
            line, offset = anchors.before(target)
            if line > first and line >= first + count:  # jump ahead
                f.seek(offset)
                first, buf, count = line, b"", 0
            while count <= target - first and not eof:
                buf, first = buf[buf.rfind(b"\n") + 1:], first + count  # whole lines: done
                chunk = f.read(READ_BLOCK)
                if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
                    return _read_lines_slowly(path, targets)  # a lone CR ends a line too
                eof = not chunk
                chunk = chunk or (b"\n" if buf else b"")  # the last line may lack its LF
                buf += chunk
                count = chunk.count(b"\n")
            if target - first < count:
                begin = _nth_newline(buf, target - first) + 1 if target > first else 0
                out[target] = buf[begin:buf.index(b"\n", begin)].rstrip(b"\r")
    if 1 in out and out[1].startswith(b"\xef\xbb\xbf"):
        out[1] = out[1][3:]
    return out


def _nth_newline(buf: bytes, n: int) -> int:
    """The index of the ``n``-th (1-based) LF in ``buf``."""
    if n > 1000:  # skip most of them by one split from the front
        head = buf.split(b"\n", n - 1)
        pos = len(buf) - len(head[-1]) - 1
        return buf.index(b"\n", pos + 1)
    pos = -1
    for _ in range(n):
        pos = buf.index(b"\n", pos + 1)
    return pos


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
