"""Is a ``.csv`` file a label file? Judged from its first rows, so that ``metrics.csv``
(``epoch,loss,acc``) or an object-detection table is not linted as labels."""

from __future__ import annotations

import csv
import io
import re

from manifest_lint.textio import SNIFF_BYTES, Preflight

SAMPLE_ROWS = 20  # non-blank rows looked at
# Wider than the extensions Lookout for Vision accepts: a label file of .bmp images is a
# label file with CSV207 warnings.
_IMAGE = re.compile(r"\.(?:png|jpe?g|bmp|gif|tiff?|webp)$", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def looks_like_label_file(pre: Preflight, classes: list[str]) -> bool:
    """True when the first rows of the file look like ``image,class`` rows.

    A row looks like a label row when its first field is an image location (``s3:``... or
    a name with an image extension) and its second field, if any, is not a number (a
    score, a width), or when one of its first two fields is a configured class (swapped
    columns, a name without extension). The file is claimed when at least half of its
    first 20 non-blank rows look like that; a first row that does not is taken for a
    header and not counted. Files that cannot be judged are claimed: empty or blank files,
    and files that are not UTF-8 text (the CSV rules report those).
    """
    if pre.foreign_encoding or pre.nul_line is not None:
        return True
    data = pre.head
    if len(data) >= SNIFF_BYTES - 3:  # the last line may be cut: drop it
        data = data[: data.rfind(b"\n") + 1] if b"\n" in data else b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    folded = {c.strip().casefold() for c in classes}
    rows: list[list[str]] = []
    try:
        for fields in csv.reader(io.StringIO(text, newline="")):
            if any(f.strip() for f in fields):
                rows.append(fields)
                if len(rows) == SAMPLE_ROWS:
                    break
    except csv.Error:
        return True
    if not rows:
        return True
    votes = [_label_row(fields, folded) for fields in rows]
    if not votes[0]:
        if len(votes) == 1:  # a header alone: a label file only with a label header
            from manifest_lint.kinds.csv.rows import HEADER_WORDS

            return any(f.strip().lower() in HEADER_WORDS for f in rows[0][:2])
        votes = votes[1:]
    return sum(votes) * 2 >= len(votes)


def _label_row(fields: list[str], classes: set[str]) -> bool:
    first = fields[0].strip()
    second = fields[1].strip() if len(fields) > 1 else ""
    if first.casefold() in classes or second.casefold() in classes:
        return True
    if not (first.lower().startswith("s3:") or _IMAGE.search(first)):
        return False
    return not _NUMBER.fullmatch(second)
