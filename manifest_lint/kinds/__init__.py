"""The file kinds manifest-lint understands, and how a file's kind is found.

Each kind lives in its own package (``kinds/csv``, ``kinds/lfv``, ``kinds/cvat``) with a
``SPEC`` (cheap to import, see :mod:`manifest_lint.kinds.spec`), a ``rules`` module (rule
metadata and docs) and a ``check`` module (the checker, imported only when a file of that kind
is linted). This registry stands above the kinds and composes them: a CSV label file's media
are checked by the Lookout for Vision media pass, which the CSV kind does not know of.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from manifest_lint.kinds.spec import Checker, KindSpec, Option

__all__ = ["KINDS", "Checker", "KindSpec", "Option", "sniff_kind"]


def _specs() -> dict[str, KindSpec]:
    from manifest_lint.kinds.csv import SPEC as CSV
    from manifest_lint.kinds.cvat import SPEC as CVAT
    from manifest_lint.kinds.lfv import SPEC as LFV

    csv = replace(CSV, passes=("manifest_lint.kinds.lfv.csv_media:check_csv_media",),
                  preview="manifest_lint.kinds.lfv.preview:csv_locator")
    return {s.name: s for s in (csv, LFV, CVAT)}


KINDS: dict[str, KindSpec] = _specs()


def sniff_kind(path: Path, head: bytes) -> str | None:
    """Guess a file's kind from its name and first bytes (BOM already removed)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".manifest":
        return "lfv"
    if suffix in (".jsonl", ".ndjson"):
        first = next((ln for ln in head.splitlines() if ln.strip()), b"")
        if b'"version"' in first:
            return "cvat"
        if b'"source-ref"' in first:
            return "lfv"
        if re.match(rb'\s*\{\s*"type"\s*:\s*"(?:images|video)"', first):
            return "cvat"  # a CVAT manifest that lost its version line
    return None
