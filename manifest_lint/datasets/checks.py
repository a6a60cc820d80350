"""The checks of a Lookout for Vision dataset (training and test split together), over the
compact entries of its files. Every diagnostic sits on the later occurrence and names the
earlier one as ``file:line``; counts are over the split's primary files (its manifests, and
the CSV label files that have no manifest beside them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from manifest_lint.datasets import rules as R
from manifest_lint.datasets.entries import FileEntries
from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.lfv.sizes import majority_size

MAX_LABELS = 100
MIN_PER_LABEL = 10
MIN_TEST = (10, 10)  # normal, anomaly
LOCALIZATION_CAPS = {"train": 8_000, "test": 800}
SPLIT_NAMES = {"train": "training", "test": "test"}

# the file a diagnostic sits in, the diagnostic, and the file of the earlier occurrence it
# names (None for a count over the dataset)
Found = tuple[Path, Diagnostic, Path | None]


def primary(files: list[FileEntries]) -> list[FileEntries]:
    """The files whose counts stand for the split: a CSV with a manifest beside it in the
    same split is the same split, not more images."""
    stems = {(f.path.parent, f.path.stem) for f in files if f.kind == "lfv"}
    return [f for f in files if f.read and (f.kind == "lfv"
                                            or (f.path.parent, f.path.stem) not in stems)]


def check_dataset(train: list[FileEntries], test: list[FileEntries]) -> Iterator[Found]:
    """Every dataset diagnostic of a training and a test split."""
    yield from leakage(train, test)
    yield from content(train, test)
    yield from image_sizes([*train, *test])
    yield from anomaly_labels(train, test)
    yield from test_minimums(test)
    for split, files in (("train", train), ("test", test)):
        yield from localization_cap(split, files)


def leakage(train: list[FileEntries], test: list[FileEntries]) -> Iterator[Found]:
    """DS101: a test image whose reference is in the training split."""
    sources = [f for f in train if f.read and f.refs]
    if not sources:
        return
    for f in test:
        if not f.read:
            continue
        for ref, line in f.items():
            for src in sources:
                packed = src.refs.get(ref)
                if packed is not None:
                    yield f.path, R.LEAKAGE.diag(
                        f.display, line,
                        f"image {ref!r} is also in the training split (also in "
                        f"{src.display}:{src.line(packed)}); the test score of a model "
                        "trained on it means nothing: keep each image in one split",
                    ), src.path
                    break


def content(train: list[FileEntries], test: list[FileEntries]) -> Iterator[Found]:
    """DS201 (same bytes, another name, one split) and DS202 (across the splits), from the
    md5 of image files the media pass reached."""
    # md5 -> split, file, line, ref, local file of its first image
    first: dict[str, tuple[str, FileEntries, int, str, str]] = {}
    for split, files in (("train", train), ("test", test)):
        for f in files:
            for digest, line, ref, local in f.digests:
                seen = first.get(digest)
                if seen is None:
                    first[digest] = (split, f, line, ref, local)
                    continue
                s_split, s_file, s_line, s_ref, s_local = seen
                if s_ref == ref or s_local == local:
                    continue  # the same image: DS101 or the file's own duplicate rule
                where = f"{s_file.display}:{s_line}"
                if s_split != split:
                    yield f.path, R.CONTENT_LEAKAGE.diag(
                        f.display, line,
                        f"image {ref!r} has the same bytes as training image {s_ref!r} "
                        f"(also in {where}); a renamed copy leaks into the test split: "
                        "remove one of them",
                    ), s_file.path
                else:
                    yield f.path, R.DUPLICATE_CONTENT.diag(
                        f.display, line,
                        f"image {ref!r} has the same bytes as {s_ref!r} (also in {where}); "
                        f"the {SPLIT_NAMES[split]} split holds one picture twice: keep one",
                    ), s_file.path


def image_sizes(files: list[FileEntries]) -> Iterator[Found]:
    """DS301: images whose size is not the project's majority size, except those their own
    file already reports (LFV405 flags each file's minority sizes)."""
    files = primary(files)
    if len({size for f in files for size in f.sizes}) < 2:
        return
    major, count = majority_size((size, len(lines), (i, min(lines)))
                                 for i, f in enumerate(files) for size, lines in f.sizes.items())
    total = sum(len(lines) for f in files for lines in f.sizes.values())
    for f in files:
        if not f.sizes:
            continue
        own = majority_size((s, len(v), (min(v),)) for s, v in f.sizes.items())[0]
        if own == major:
            continue
        for line in f.sizes[own]:
            yield f.path, R.IMAGE_SIZE.diag(
                f.display, line,
                f"image is {own[0]}x{own[1]} but most images of the project "
                f"({count} of {total}, training and test together) are {major[0]}x{major[1]}; "
                "all images of a Lookout for Vision project must have one size: resize it",
            ), None


def anomaly_labels(train: list[FileEntries], test: list[FileEntries]) -> Iterator[Found]:
    """DS302 (more than 100 labels in the project) and DS303 (fewer than 10 single-label
    images of a label in a split)."""
    order: dict[str, tuple[FileEntries, int]] = {}
    for f in [*train, *test]:
        for label, (line, _single) in f.labels.items():
            if label not in order:
                order[label] = (f, line)
                if len(order) == MAX_LABELS + 1:
                    yield f.path, R.TOO_MANY_LABELS.diag(
                        f.display, line,
                        f"anomaly label {label!r} is the {MAX_LABELS + 1}st of the project "
                        f"(training and test together); Lookout for Vision allows at most "
                        f"{MAX_LABELS}: merge or drop labels",
                    ), None
    if not order or not primary(train) or not primary(test):
        return
    for split, files in (("train", train), ("test", test)):
        anchor = primary(files)[0]
        for label in order:
            single = sum(f.labels[label][1] for f in files if label in f.labels)
            if single >= MIN_PER_LABEL:
                continue
            at = next(((f, f.labels[label][0]) for f in files if label in f.labels),
                      (anchor, 1))
            yield at[0].path, R.TOO_FEW_PER_LABEL.diag(
                at[0].display, at[1],
                f"anomaly label {label!r} is the only anomaly type of {single} image"
                f"{'s' if single != 1 else ''} in the {SPLIT_NAMES[split]} split; Lookout for "
                f"Vision needs at least {MIN_PER_LABEL} in each of the training and the test "
                "dataset (images with several anomaly types do not count): add images",
            ), None


def test_minimums(test: list[FileEntries]) -> Iterator[Found]:
    """DS304: fewer than 10 normal or 10 anomalous test images (unless LFV305 says so for
    the single test manifest)."""
    files = primary(test)
    if not files or (len(files) == 1 and files[0].kind == "lfv" and files[0].role == "test"):
        return
    normal = sum(f.normal for f in files)
    anomaly = sum(f.anomaly for f in files)
    short = [f"{n} {what} (needs {need})"
             for n, what, need in ((normal, "normal", MIN_TEST[0]),
                                   (anomaly, "anomaly", MIN_TEST[1])) if n < need]
    if short:
        yield files[0].path, R.TOO_FEW_TEST.diag(
            files[0].display, 1,
            f"{' and '.join(short)} labeled images in the test split"
            f"{' (' + ', '.join(f.display for f in files) + ')' if len(files) > 1 else ''}; "
            "a project with a test dataset needs at least 10 normal and 10 anomalous test "
            "images: add images",
        ), None


def localization_cap(split: str, files: list[FileEntries]) -> Iterator[Found]:
    """DS305: a segmentation split over its image cap, on the first image over it."""
    cap = LOCALIZATION_CAPS[split]
    files = primary(files)
    if not any(f.masks for f in files):
        return
    total = sum(len(f.refs) for f in files)
    if total <= cap:
        return
    before = 0
    for f in files:
        if before + len(f.refs) > cap:
            line = f.nth_line(cap - before)
            yield f.path, R.LOCALIZATION_CAP.diag(
                f.display, line,
                f"{total:,} images in the {SPLIT_NAMES[split]} split of a segmentation "
                f"project (this line is number {cap + 1:,}); anomaly localization accepts at "
                f"most {cap:,}: split off or drop images",
            ), None
            return
        before += len(f.refs)


def summary(train: list[FileEntries], test: list[FileEntries]) -> str:
    """The split sizes and label counts, for the dataset's note."""
    parts = []
    for split, files in (("train", train), ("test", test)):
        prim = primary(files)
        shown = " + ".join(f.display for f in files) or "no files"
        unread = [f.display for f in files if not f.read]
        images = sum(len(f.refs) for f in prim)
        normal = sum(f.normal for f in prim)
        anomaly = sum(f.anomaly for f in prim)
        text = (f"{split} {images:,} image{'s' if images != 1 else ''} ({normal:,} normal, "
                f"{anomaly:,} anomaly) in {shown}")
        labels: Counter[str] = Counter()
        for f in prim:
            for label, (_line, single) in f.labels.items():
                labels[label] += single
        if labels:
            text += "; anomaly labels " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))
        if unread:
            text += f"; not read: {', '.join(unread)}"
        parts.append(text)
    return "; ".join(parts)
