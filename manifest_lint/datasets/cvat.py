"""The checks of a group of CVAT manifests: the same image file in two manifests (DS102)
and the same pixels under different names (DS201, from the ``checksum`` values), within
one manifest and across the group. One map entry per record: the file it names, and its
checksum."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from manifest_lint.datasets import rules as R
from manifest_lint.datasets.checks import Found
from manifest_lint.kinds.cvat.dataset import records


def check_group(manifests: list[tuple[Path, str]], media_root: Path | str | None,
                counts: dict[str, int]) -> Iterator[Found]:
    """Diagnostics for the manifests ``(path, display)`` of one group, in order; ``counts``
    gets the number of records and distinct checksums, for the note."""
    files: dict[str, tuple[int, int]] = {}  # file -> (manifest index, line)
    sums: dict[str, tuple[int, int]] = {}  # checksum -> (manifest index, line)
    for i, (path, display) in enumerate(manifests):
        for rec in records(path, media_root):
            counts["records"] = counts.get("records", 0) + 1
            first = files.setdefault(rec.file, (i, rec.line))
            if first != (i, rec.line):
                if first[0] != i:  # the same manifest: CVAT206 reports it
                    yield path, R.DUPLICATE_REFERENCE.diag(
                        display, rec.line,
                        f"image {rec.name!r} ({_show(rec.file)}) is also listed by another "
                        f"manifest of the group (also in {manifests[first[0]][1]}:{first[1]}); "
                        "list each image in one manifest",
                    ), manifests[first[0]][0]
                continue
            if rec.checksum is None:
                continue
            earlier = sums.setdefault(rec.checksum, (i, rec.line))
            if earlier != (i, rec.line):
                where = f"{manifests[earlier[0]][1]}:{earlier[1]}"
                yield path, R.DUPLICATE_CONTENT.diag(
                    display, rec.line,
                    f"image {rec.name!r} has the same pixels (checksum {rec.checksum}) as the "
                    f"image also in {where}; one picture under two names is labelled twice: "
                    "keep one",
                ), manifests[earlier[0]][0]
    counts["checksums"] = len(sums)


def _show(path: str) -> str:
    if "://" in path:
        return path
    p = Path(path)
    try:
        return p.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return p.as_posix()
