"""``media-map``: where the objects under an ``s3://`` prefix have a copy (a local folder, or
a mirror under another ``s3://``, ``gs://`` or Azure prefix)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from manifest_lint.cloud import is_remote


@dataclass(frozen=True, slots=True)
class MediaRoot:
    """One ``media-map`` entry: an ``s3://bucket/prefix/`` and its local folder (or the
    ``s3://``, ``gs://`` or Azure prefix of a mirror)."""

    prefix: str
    folder: Path | str


def parse_media_map(mapping: dict[str, str], root: Path) -> list[MediaRoot]:
    """Entries longest prefix first; ``s3://`` is added to a prefix without a scheme and a
    trailing ``/`` to one without it, so that ``train`` does not match ``training``."""
    out = []
    for prefix, folder in mapping.items():
        p = prefix.strip()
        if not p.lower().startswith("s3://"):
            p = "s3://" + p.lstrip("/")
        if not p.endswith("/"):
            p += "/"
        if is_remote(folder):
            out.append(MediaRoot(p, folder if folder.endswith("/") else folder + "/"))
            continue
        out.append(MediaRoot(p, (root / os.path.expanduser(folder)).absolute()))
    out.sort(key=lambda m: len(m.prefix), reverse=True)
    return out
