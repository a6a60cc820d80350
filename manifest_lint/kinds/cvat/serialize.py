"""CVAT's canonical manifest serialization: the exact text CVAT's own tool writes.

Every line is ``json.dumps(obj, separators=(",", ":"))``: compact, keys in insertion order,
non-ASCII escaped as ``\\uXXXX``. Lines end with LF, including the last one. Header lines hold
one key each: ``version``, ``type`` and, for videos, ``properties``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

MANIFEST_VERSION = "1.1"
MANIFEST_FILE_NAME = "manifest.jsonl"

ManifestKind = Literal["images", "video"]


def dumps_line(obj: Mapping[str, Any]) -> str:
    """One manifest line (without the newline), byte-identical to CVAT's output."""
    return json.dumps(obj, separators=(",", ":"))


def header_lines(kind: ManifestKind, properties: Mapping[str, Any] | None = None) -> list[str]:
    """The header lines CVAT writes: version, type and (videos only) properties."""
    lines = [dumps_line({"version": MANIFEST_VERSION}), dumps_line({"type": kind})]
    if kind == "video":
        if properties is None:
            raise ValueError("a video manifest header needs properties")
        lines.append(dumps_line({"properties": properties}))
    elif kind == "images":
        if properties is not None:
            raise ValueError("an images manifest header has no properties")
    else:
        raise ValueError(f"unknown manifest type {kind!r}")
    return lines


def image_record(
    name: str,
    extension: str,
    width: int | None,
    height: int | None,
    meta: Mapping[str, Any] | None,
    checksum: str | None,
) -> dict[str, Any]:
    """An image record in CVAT's key order ``name, extension, width, height, meta, checksum``.

    ``width``/``height`` are both None for 3D point clouds (CVAT omits them); ``meta`` and
    ``checksum`` are omitted when None.
    """
    record: dict[str, Any] = {"name": name, "extension": extension}
    if (width is None) != (height is None):
        raise ValueError("width and height must both be given or both be None")
    if width is not None:
        record["width"] = width
        record["height"] = height
    if meta is not None:
        record["meta"] = dict(meta)
    if checksum is not None:
        record["checksum"] = checksum
    return record


def video_record(number: int, pts: int, checksum: str) -> dict[str, Any]:
    """A video key-frame record in CVAT's key order ``number, pts, checksum``."""
    return {"number": number, "pts": pts, "checksum": checksum}


def video_properties(name: str, resolution: Sequence[int], length: int) -> dict[str, Any]:
    """The video ``properties`` object: file base name, ``[width, height]``, frame count."""
    width, height = resolution
    return {"name": name, "resolution": [width, height], "length": length}


def to_text(lines: Iterable[str]) -> str:
    """Join manifest lines with LF and a final newline."""
    return "".join(f"{line}\n" for line in lines)
