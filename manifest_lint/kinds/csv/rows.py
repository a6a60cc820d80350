"""Reading a CSV label file as rows: the physical lines each row spans, its fields, and
what a class or a header looks like. Shared by the CSV checker, the manifest sync and
``create lfv``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from manifest_lint.textio import LineDecoder, iter_raw_lines

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
CLASS_SLOTS = 1024  # a row packed into one int: line * CLASS_SLOTS + class index
HEADER_WORDS = frozenset({
    "image", "images", "image-location", "image_location", "imagelocation", "location",
    "path", "file", "filename", "file_name", "source-ref", "source_ref", "uri", "url", "s3",
    "class", "label", "labels", "classification", "category", "class-name", "class_name",
    "anomaly-label", "anomaly_label", "target", "y",
})

@dataclass(frozen=True, slots=True)
class Row:
    """A CSV record and the physical lines it spans."""

    start: int
    end: int
    fields: list[str]


def iter_rows(
    f: io.BufferedIOBase, decoder: LineDecoder, *, skip_bom: bool
) -> Iterator[Row | tuple[int, int, str]]:
    """Rows of a CSV file; a ``(start, end, message)`` triple for a row that is not
    valid CSV."""
    reader = csv.reader(decoded_lines(f, decoder, skip_bom=skip_bom), strict=True)
    prev_end = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield (prev_end + 1, reader.line_num, str(exc))
            prev_end = reader.line_num
            continue
        yield Row(prev_end + 1, reader.line_num, fields)
        prev_end = reader.line_num


def format_row(fields: list[str]) -> str:
    """Serialise fields as one CSV record (minimal quoting, no terminator)."""
    buf = io.StringIO()
    # The terminator is part of what QUOTE_MINIMAL looks for: keep "\r\n" so fields
    # with a newline get quoted, then cut it off.
    csv.writer(buf, lineterminator="\r\n").writerow(fields)
    return buf.getvalue()[:-2]


def canonical_class(value: str, classes: list[str]) -> str | None:
    """The allowed class ``value`` means after stripping and case-folding, if any."""
    folded = value.strip().casefold()
    for c in classes:
        if c.casefold() == folded:
            return c
    return None


def decoded_lines(f: io.BufferedIOBase, decoder: LineDecoder, *, skip_bom: bool
                   ) -> Iterator[str]:
    """Physical lines decoded one by one, remembering the first invalid byte."""
    n = 0
    for body, term in iter_raw_lines(f, skip_bom=skip_bom):  # type: ignore[arg-type]
        n += 1
        yield decoder.decode(body, n) + term.decode("ascii")


def rows_of(path: Path) -> Iterator[Row | tuple[int, int, str]]:
    """Rows of the CSV at ``path`` (for ``create lfv`` and manifest sync)."""
    with open(path, "rb") as f:
        bom = f.read(3) == b"\xef\xbb\xbf"
        if not bom:
            f.seek(0)
        yield from iter_rows(f, LineDecoder(), skip_bom=False)  # type: ignore[arg-type]
