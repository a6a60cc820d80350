"""What a CVAT manifest line must look like: canonical key order, the byte patterns of
canonical records (the checker's fast path), duplicate keys and path checks.

CVAT writes every line with ``json.dumps(obj, separators=(",", ":"))`` (ASCII-escaped,
insertion order). A line that matches :data:`IMAGE_RECORD` is exactly such a line for a 2D
image record whose fields are all valid, so the checker needs no JSON parsing for it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from typing import Any, TypeGuard

IMAGE_KEYS = ("name", "extension", "width", "height", "meta", "checksum")
VIDEO_KEYS = ("number", "pts", "checksum")
PROPERTY_KEYS = ("name", "resolution", "length")
VERSIONS = ("1.0", "1.1")
TYPES = ("images", "video")
POINT_CLOUD_EXTENSION = ".pcd"
HEX_DIGITS = "0123456789abcdef"

# Possessive quantifiers (3.11+) keep the patterns linear on lines that do not match.
_P = "+" if sys.version_info >= (3, 11) else ""

# Canonical JSON string content that may appear in a clean path: runs of printable ASCII
# except `"`, `\` and `/`; an escaped quote; a non-ASCII character written as \uXXXX
# (lowercase, as json.dumps writes it; surrogates only as a whole pair, so lone ones, e.g.
# the escapes of a non-UTF-8 file name, take the slow path). Backslashes and control
# characters are left to the slow path. Written as "run (escape run)*" so the engine loops
# per run, not per character.
_RUN = rb'[^"\\/\x00-\x1f\x7f-\xff]*' + _P.encode()
_ESCAPE = (rb'(?:\\"|\\u(?:00[89a-f][0-9a-f]|0[1-9a-f][0-9a-f]{2}|[1-9a-ce-f][0-9a-f]{3}'
           rb'|d[0-7][0-9a-f]{2}|d[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}))')
# A path segment: not empty, not "." or "..".
_SEGMENT = rb'(?!\.\.?(?:/|")|["/])' + _RUN + rb"(?:" + _ESCAPE + _RUN + rb")*" + _P.encode()
# A relative path: segments joined by "/", not starting with "~".
PATH = rb"(?!~)" + _SEGMENT + rb"(?:/" + _SEGMENT + rb")*" + _P.encode()
# A plain extension: a dot and printable ASCII without dots, slashes or escapes.
_EXTENSION = rb'\.[^"\\/.\x00-\x1f\x7f-\xff]*' + _P.encode()
_POSITIVE = rb"[1-9][0-9]*" + _P.encode()
# At most one related image: longer lists take the slow path, which checks their order.
_RELATED = rb'\[(?:"' + PATH + rb'")?\]'
# Group 1 is the escaped `name","extension":"ext` (see record_key).
_IMAGE_BODY = (
    rb'\{"name":"(' + PATH + rb'","extension":"' + _EXTENSION + rb')","width":' + _POSITIVE
    + rb',"height":' + _POSITIVE + rb',"meta":\{"related_images":' + _RELATED
    + rb'\},"checksum":"[0-9a-f]{32}"\}'
)
IMAGE_RECORD = re.compile(_IMAGE_BODY)
# The same, for many lines at once: each match starts at the newline before the record.
IMAGE_RECORD_AFTER_NEWLINE = re.compile(rb"\n" + _IMAGE_BODY + rb"(?=\n)")
# `name` ends with its own extension, e.g. "a.jpg" + ".jpg" (searched in canonical lines).
NAME_ENDS_WITH_EXTENSION = re.compile(
    rb'(\.[^"./\\]*' + _P.encode() + rb')","extension":"\1"'
)
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]")


def ordered(obj: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``obj`` with ``keys`` first in that order, then any other keys as they were."""
    out = {k: obj[k] for k in keys if k in obj}
    for k, v in obj.items():
        if k not in out:
            out[k] = v
    return out


def canonical_record(obj: Mapping[str, Any], kind: str | None) -> dict[str, Any]:
    """A record in CVAT's key order for its manifest ``kind`` (images or video)."""
    if kind == "video" or (kind is None and "number" in obj and "name" not in obj):
        return ordered(obj, VIDEO_KEYS)
    return ordered(obj, IMAGE_KEYS)


def canonical_properties_line(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A video ``properties`` header line with the properties in CVAT's order."""
    props = obj.get("properties")
    if not isinstance(props, dict):
        return dict(obj)
    out = dict(obj)
    out["properties"] = ordered(props, PROPERTY_KEYS)
    return out


def escaped(text: str) -> str:
    """``text`` escaped as inside a canonical JSON string (ASCII-only)."""
    return json.dumps(text)[1:-1]


KEY_SEPARATOR = b'","extension":"'


def record_key(name: str, extension: str) -> bytes:
    """The duplicate key of a record: ``name`` and ``extension`` escaped as in a canonical
    line and joined by :data:`KEY_SEPARATOR`, i.e. what group 1 of :data:`IMAGE_RECORD`
    captures (so canonical lines need no decoding)."""
    return (escaped(name) + '","extension":"' + escaped(extension)).encode("ascii")


def key_of_match(match: re.Match[bytes]) -> bytes:
    """The duplicate key of a line that matched :data:`IMAGE_RECORD`."""
    return match.group(1)


def is_int(value: object) -> TypeGuard[int]:
    """An integer that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_checksum(value: object) -> bool:
    """32 lowercase hex digits."""
    return isinstance(value, str) and len(value) == 32 and not value.strip(HEX_DIGITS)


def is_point_cloud(path: str) -> bool:
    """CVAT's test for 3D data: a path or file name (a record's ``name`` + ``extension``)
    whose extension is ``.pcd``, in any case."""
    if path[-4:].lower() != POINT_CLOUD_EXTENSION:  # a quick no for most names
        return False
    return os.path.splitext(path)[1].lower() == POINT_CLOUD_EXTENSION


def path_problem(path: str) -> str | None:
    """Why ``path`` is not a clean relative ``/`` path, or None."""
    if not path:
        return "is empty"
    bad = next((c for c in path if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        return f"contains the control character U+{ord(bad):04X}"
    if _WINDOWS_ABSOLUTE.match(path):
        return "is an absolute Windows path"
    if "\\" in path:
        return "contains a backslash (CVAT names use '/')"
    if path.startswith("/"):
        return "is an absolute path"
    if path.startswith("~"):
        return "starts with '~'"
    segments = path.split("/")
    if ".." in segments:
        return "contains a '..' segment"
    if "." in segments or "" in segments:
        return "has an empty or '.' segment (not a normalised path)"
    return None


def backslash_fix(path: str) -> str | None:
    """``path`` with backslashes turned into ``/`` if that makes it clean, else None."""
    if "\\" not in path or _WINDOWS_ABSOLUTE.match(path):
        return None
    fixed = path.replace("\\", "/")
    return fixed if path_problem(fixed) is None else None


def extension_problem(name: str, extension: str) -> str | None:
    """Why ``name``/``extension`` are not what ``os.path.splitext`` gives, or None."""
    if extension and not extension.startswith("."):
        return (f"extension {extension!r} does not start with a dot, so the file is "
                f"{name + extension!r}; write {'.' + extension!r}")
    if "/" in extension or "\\" in extension:
        return f"extension {extension!r} contains a path separator"
    if extension and name.endswith(extension):
        return (f"name {name!r} already ends with the extension {extension!r}, so the "
                f"record refers to {name + extension!r}; drop the extension from the name")
    return None


def version_fix(value: object) -> str | None:
    """The version string a numeric or padded version value stands for, or None."""
    if isinstance(value, float) and not isinstance(value, bool) and value in (1.0, 1.1):
        return f"{value:.1f}"
    if isinstance(value, str):
        text = value.strip().lstrip("vV")
        if text in VERSIONS:
            return text
    return None
