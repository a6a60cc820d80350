"""What a CSV label file contributes to the dataset pass: the checker's duplicate map
(image -> first line and class), the class counts, and what its media pass measured."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from manifest_lint.datasets.entries import FileEntries


def entries(path: Path, display: str, facts: dict[str, Any]) -> FileEntries:
    """The entries of one CSV from the facts its checker (and media pass) left."""
    refs = facts.get("refs")
    if refs is None:
        return FileEntries(path, display, "csv", read=False)
    scale = int(facts["line_scale"])
    names: list[str] = facts.get("class_names", [])
    out = FileEntries(path, display, "csv", refs=refs, line_scale=scale,
                      sizes=facts.get("sizes", {}), digests=facts.get("digests", []))
    out.normal, out.anomaly = _counts(refs, names, scale)
    return out


def _counts(refs: dict[str, int], names: list[str], scale: int) -> tuple[int, int]:
    """Images labelled normal and anomaly (case-folded, as the checker compares classes)."""
    by_index = Counter(v % scale for v in refs.values())
    normal = anomaly = 0
    for idx, n in by_index.items():
        cls = names[idx].strip().casefold() if idx < len(names) else ""
        if cls == "normal":
            normal += n
        elif cls == "anomaly":
            anomaly += n
    return normal, anomaly
