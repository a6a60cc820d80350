"""The md5 of a media file's bytes: how the dataset pass finds one picture under two names.

Computed by the kinds' probes next to the other facts of a file (its format and size) and
cached with them, keyed by location, size and change token, so a warm run reads no image.
"""

from __future__ import annotations

import hashlib
import os

CHUNK = 1 << 20


def file_md5(path: str | os.PathLike[str]) -> str:
    """Hex md5 of the file's bytes, read in 1 MiB chunks; raises :class:`OSError`."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
