"""Per-file dataset statistics for reports: class balance and image sizes.

Nothing is read again for them: they are taken from the facts a kind's checker leaves in
``CheckContext.facts`` while it streams the file (the map of images to their first line and
class, the label counters, the sizes its media pass probed or found in the media cache).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SplitStats:
    """One file's (one split's) class balance and image-size distribution.

    ``classes`` counts distinct images per class (empty when the kind has no classes);
    ``sizes`` counts images per ``(width, height)`` as the media pass found them (empty
    when media were not checked)."""

    classes: dict[str, int] = field(default_factory=dict)
    sizes: dict[tuple[int, int], int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"classes": dict(self.classes),
                "sizes": {f"{w}x{h}": n for (w, h), n in self.sizes.items()}}


def split_stats(facts: Mapping[str, Any]) -> SplitStats | None:
    """The statistics of one file from its checker's facts (None when there are none)."""
    stats = SplitStats(classes=_classes(facts), sizes=_sizes(facts.get("sizes")))
    return stats if stats.classes or stats.sizes else None


def _classes(facts: Mapping[str, Any]) -> dict[str, int]:
    if "normal" in facts or "anomaly" in facts:  # a Lookout for Vision manifest
        counts = {"normal": int(facts.get("normal", 0)), "anomaly": int(facts.get("anomaly", 0))}
        return {k: v for k, v in counts.items() if v}
    refs, names = facts.get("refs"), facts.get("class_names")
    if not isinstance(refs, Mapping) or not isinstance(names, list):
        return {}
    scale = int(facts.get("line_scale", 1)) or 1
    found = Counter(packed % scale for packed in refs.values())
    return {names[i] if i < len(names) else "?": n for i, n in found.most_common()}


def _sizes(sizes: Any) -> dict[tuple[int, int], int]:
    if not isinstance(sizes, Mapping):
        return {}
    out = {}
    for size, value in sizes.items():
        n = value if isinstance(value, int) else len(value)
        if n:
            out[(int(size[0]), int(size[1]))] = n
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
