"""The S3 prefix a manifest was made with from a CSV of bare image names
(``create lfv --s3-path``), so that the CSV and its manifest can be compared without the
prefix being written down anywhere."""

from __future__ import annotations

from collections import Counter
from collections.abc import Set
from pathlib import Path

import orjson

from manifest_lint.textio import UTF8_BOM, LongLine, iter_raw_lines

MAX_PREFIXES = 1000  # distinct candidate prefixes counted while inferring


def infer_prefix(manifest: Path, names: Set[str]) -> str:
    """The S3 prefix ``manifest`` was made with from the bare image ``names`` of its CSV:
    the ``s3://bucket/folder/`` that, followed by one of the names, gives the most
    ``source-ref`` values, provided it gives at least half of them. '' when there is no
    such prefix or the manifest cannot be read. One streaming pass over the manifest."""
    votes: Counter[str] = Counter()
    refs = 0
    try:
        with open(manifest, "rb") as f:
            if f.read(3) != UTF8_BOM:
                f.seek(0)
            for body, _term in iter_raw_lines(f, skip_bom=False):
                if isinstance(body, LongLine) or b"source-ref" not in body:
                    continue
                try:
                    sr = orjson.loads(body).get("source-ref")
                except (orjson.JSONDecodeError, AttributeError):
                    continue
                if not isinstance(sr, str) or not sr.startswith("s3://"):
                    continue
                refs += 1
                cut = sr.find("/", 5)
                while cut > 0:
                    if sr[cut + 1:] in names:
                        prefix = sr[: cut + 1]
                        if prefix in votes or len(votes) < MAX_PREFIXES:
                            votes[prefix] += 1
                    cut = sr.find("/", cut + 1)
    except OSError:
        return ""
    if not votes:
        return ""
    prefix, count = votes.most_common(1)[0]
    return prefix if count * 2 >= refs else ""
