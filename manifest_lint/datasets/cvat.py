"""The checks of a group of CVAT manifests: the same image file in two manifests (DS102)
and the same pixels under different names (DS201, from the ``checksum`` values), within
one manifest and across the group.

The CVAT checker leaves per record a 64-bit hash of its checksum and, where two
manifests' folders nest, of its file (``kinds/cvat/dataset.py``). Only hashes that repeat
make candidates; the lines of the candidates are read back and their real values decide,
in file order, exactly as a full walk over every record would (a record whose checksum
and file are both unique in the group can neither be reported nor change what another
record gets). A manifest whose own names repeat or are not clean paths has its files
hashed by reading it once more: only such manifests pay for it.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain, compress
from pathlib import Path

from manifest_lint.datasets import rules as R
from manifest_lint.datasets.checks import Found
from manifest_lint.kinds.cvat import dataset as D
from manifest_lint.kinds.cvat.dataset import CvatFacts, Record, Resolver, Runs

CHUNK = 1 << 12  # values added to the set at once
MAX_DIRTY = 64  # chunks that repeat a value: more, and the repeats are found chunk by chunk


@dataclass
class Manifest:
    """One member of a group: where its names resolve, and its facts (None: nothing to
    check, e.g. a video manifest or a file that could not be read)."""

    path: Path
    display: str
    resolver: Resolver
    facts: CvatFacts | None


def check_group(manifests: list[Manifest], counts: dict[str, int]) -> Iterator[Found]:
    """Diagnostics for the manifests of one group, in order; ``counts`` gets the number of
    records and distinct checksums, for the note.

    A line read back that does not hold what its facts say means the file is not the one
    the checker read (``fix --diff`` checks a fixed copy it then deletes): the facts of
    every member are then taken from the files as they are, by reading them again."""
    found = _check(manifests, counts)
    if found is None:
        for m in manifests:
            if m.facts is not None:
                m.facts = _read_facts(m)
        found = _check(manifests, counts)
    yield from found or []


def _check(manifests: list[Manifest], counts: dict[str, int]) -> list[Found] | None:
    """:func:`check_group` from the facts as they are; None when they are stale."""
    members = [(i, m, m.facts) for i, m in enumerate(manifests) if m.facts is not None]
    counts["records"] = sum(f.records for _, _, f in members)
    valid = sum(len(f.sums) for _, _, f in members)
    counts["checksums"] = valid
    value_of: Callable[[Resolver, str], int] = Resolver.value
    if not all(f.regular for _, _, f in members):  # files hashed again, all as absolute
        for _, m, f in members:
            _hash_files(m, f)
        value_of = _absolute
    sums, sum_at = _repeated([f.sums for _, _, f in members])
    with_files = [f for _, _, f in members if f.files is not None]
    files, file_at = _repeated([f.files for f in with_files if f.files is not None])
    if not sums and not files:
        return []
    wanted: dict[int, set[int]] = {}  # id(facts) -> lines to read back
    for (_, _, f), at in zip(members, sum_at, strict=True):
        wanted[id(f)] = {f.sum_runs.line(k) for k in at}
    for f, at in zip(with_files, file_at, strict=True):
        assert f.file_runs is not None
        wanted[id(f)] |= {f.file_runs.line(k) for k in at}
    candidates: list[tuple[int, Record]] = []
    for i, m, f in members:
        got = D.read_lines(m.path, wanted[id(f)], f.anchors)
        for n in sorted(wanted[id(f)]):
            rec = D.record_of(n, got[n], m.resolver) if n in got else None
            if rec is None or not (
                    (rec.checksum is not None
                     and D.checksum_value(rec.checksum.encode("ascii")) in sums)
                    or (files and value_of(m.resolver, rec.file) in files)):
                return None  # not the record the checker saw there
            candidates.append((i, rec))
    return list(_walk(manifests, candidates, counts))


def _walk(manifests: list[Manifest], candidates: list[tuple[int, Record]],
          counts: dict[str, int]) -> Iterator[Found]:
    """The records that share a file or a checksum, in file order, judged as a walk over
    all records would judge them; ``counts["checksums"]`` loses a checksum per repeat."""
    first_file: dict[str, tuple[int, int]] = {}  # file -> (manifest index, line)
    first_sum: dict[str, tuple[int, int]] = {}  # checksum -> (manifest index, line)
    for i, rec in candidates:
        path, display = manifests[i].path, manifests[i].display
        first = first_file.setdefault(rec.file, (i, rec.line))
        if first != (i, rec.line):
            if rec.checksum is not None:
                counts["checksums"] -= 1  # not counted by the walk: its file came before
            if first[0] != i:  # the same manifest: CVAT206 reports it
                yield path, R.DUPLICATE_REFERENCE.diag(
                    display, rec.line,
                    f"image {rec.name!r} ({_show(rec.file)}) is also listed by another "
                    f"manifest of the group (also in {manifests[first[0]].display}:"
                    f"{first[1]}); list each image in one manifest",
                ), manifests[first[0]].path
            continue
        if rec.checksum is None:
            continue
        earlier = first_sum.setdefault(rec.checksum, (i, rec.line))
        if earlier != (i, rec.line):
            counts["checksums"] -= 1
            where = f"{manifests[earlier[0]].display}:{earlier[1]}"
            yield path, R.DUPLICATE_CONTENT.diag(
                display, rec.line,
                f"image {rec.name!r} has the same pixels (checksum {rec.checksum}) as the "
                f"image also in {where}; one picture under two names is labelled twice: "
                "keep one",
            ), manifests[earlier[0]].path


def _repeated(arrays: list[array[int]]) -> tuple[set[int], list[list[int]]]:
    """The values found more than once across ``arrays``, and where they are in each.

    One set of all values, filled a chunk at a time, tells which chunks repeat a value
    seen before; only the values of those few chunks are then looked for in all arrays.
    When many chunks repeat, a second set pass finds the repeated values chunk by chunk."""
    seen: set[int] = set()
    dirty: list[array[int]] = []
    for a in arrays:
        for start in range(0, len(a), CHUNK):
            chunk = a[start:start + CHUNK]
            size = len(seen)
            seen.update(chunk)
            if len(seen) - size < len(chunk):
                dirty.append(chunk)
    seen.clear()
    if not dirty:
        return set(), [[] for _ in arrays]
    if len(dirty) > MAX_DIRTY:
        repeated = _repeated_by_chunks(arrays)
        return repeated, [_where(a, repeated) for a in arrays]
    suspects: set[int] = set().union(*dirty)
    at = [_where(a, suspects) for a in arrays]
    pairs = list(zip(arrays, at, strict=True))
    counts = Counter(chain.from_iterable(map(a.__getitem__, ks) for a, ks in pairs))
    repeated = {v for v, n in counts.items() if n > 1}
    return repeated, [[k for k in ks if a[k] in repeated] for a, ks in pairs]


def _where(values: array[int], wanted: set[int]) -> list[int]:
    """The indexes of the values in ``wanted``."""
    return list(compress(range(len(values)), map(wanted.__contains__, values)))


def _repeated_by_chunks(arrays: list[array[int]]) -> set[int]:
    """The repeated values of arrays with many repeats: the values of each chunk seen
    before it, and those a chunk holds twice."""
    seen: set[int] = set()
    repeated: set[int] = set()
    for a in arrays:
        for start in range(0, len(a), CHUNK):
            chunk = a[start:start + CHUNK]
            before = seen.intersection(chunk) if seen else set()
            size = len(seen)
            seen.update(chunk)
            if len(seen) - size + len(before) < len(chunk):  # a value twice in the chunk
                once: set[int] = set()
                for x in chunk:
                    if x in once:
                        repeated.add(x)
                    once.add(x)
            repeated |= before
    return repeated


def _read_facts(m: Manifest) -> CvatFacts:
    """The facts of a manifest as it is on disk, by reading it (files as absolute keys)."""
    f = CvatFacts(regular=False)
    for rec in D.records(m.path, m.resolver):
        f.records += 1
        if rec.checksum is not None:
            f.sums.append(D.checksum_value(rec.checksum.encode("ascii")))
            f.sum_runs.add(rec.line)
    _hash_files(m, f)
    return f


def _hash_files(m: Manifest, f: CvatFacts) -> None:
    """Hash the file of every record (its absolute key) by reading the manifest again."""
    files, runs = array("q"), Runs()
    for rec in D.records(m.path, m.resolver):
        files.append(_absolute(m.resolver, rec.file))
        runs.add(rec.line)
    f.files, f.file_runs = files, runs


def _absolute(_resolver: Resolver, file: str) -> int:
    return D.file_value(D.file_key(file))


def _show(path: str) -> str:
    if "://" in path:
        return path
    p = Path(path)
    try:
        return p.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return p.as_posix()
