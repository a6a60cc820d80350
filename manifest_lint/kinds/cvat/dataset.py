"""What a CVAT manifest contributes to the dataset pass: per image record, the file it names
(resolved against the media folder) and its ``checksum``, streamed from the file.

The CVAT checker keeps no per-record map (it validates canonical blocks by regular
expression), so this reads the manifest once more with the kind's own line reader and JSON
parsing. Video manifests are left out: their checksums are of key frames, not images.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from manifest_lint.kinds.cvat.reading import loads
from manifest_lint.kinds.cvat.structure import is_checksum
from manifest_lint.s3 import is_remote
from manifest_lint.textio import iter_raw_lines


@dataclass(frozen=True, slots=True)
class Record:
    """One image record: its line, the file it names, its checksum (if valid)."""

    line: int
    name: str  # name + extension as written
    file: str  # the absolute, normalised path of that file
    checksum: str | None


def records(path: Path, media_root: Path | str | None) -> Iterator[Record]:
    """The image records of the manifest at ``path``; nothing for a video manifest or a
    file that cannot be read. ``media_root`` may be an ``s3://`` prefix."""
    url = (media_root.rstrip("/") + "/"
           if isinstance(media_root, str) and is_remote(media_root) else "")
    base = os.path.abspath(media_root or path.parent) if not url else ""
    try:
        f = open(path, "rb")
    except OSError:
        return
    with f:
        for n, (body, _term) in enumerate(iter_raw_lines(f, skip_bom=True), 1):
            if b'"name"' not in body:
                if n <= 3 and b'"type"' in body and b'"video"' in body:
                    return
                continue
            obj = loads(body)
            if not isinstance(obj, dict):
                continue
            name, ext = obj.get("name"), obj.get("extension")
            if not isinstance(name, str) or not isinstance(ext, str) or n <= 2:
                continue
            full = name + ext
            file = (url + full if url
                    else os.path.normpath(os.path.join(base, *full.split("/"))))
            checksum = obj.get("checksum")
            yield Record(n, full, file, checksum if is_checksum(checksum) else None)
