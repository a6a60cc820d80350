"""What a Lookout for Vision manifest contributes to the dataset pass: the checker's map of
``source-ref`` to first line, its label counts and anomaly labels, and what its media pass
measured (image sizes, file digests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from manifest_lint.datasets.entries import FileEntries


def entries(path: Path, display: str, facts: dict[str, Any]) -> FileEntries:
    """The entries of one manifest from the facts its checker left."""
    refs = facts.get("refs")
    if refs is None:
        return FileEntries(path, display, "lfv", read=False)
    return FileEntries(
        path, display, "lfv", refs=refs, normal=int(facts.get("normal", 0)),
        anomaly=int(facts.get("anomaly", 0)), role=str(facts.get("role", "")),
        labels=facts.get("labels", {}), masks=int(facts.get("masks", 0)),
        sizes=facts.get("sizes", {}), digests=facts.get("digests", []),
    )
