"""S3 URI checks shared by the CSV and manifest kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass

_BUCKET = re.compile(r"[0-9A-Za-z.\-_]{3,63}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class S3Uri:
    bucket: str
    key: str


def check_s3_uri(uri: str) -> S3Uri | str | None:
    """Parse ``uri``: an :class:`S3Uri` when well-formed, ``None`` for a bare relative
    name (no scheme), otherwise a string saying what is wrong."""
    if _CONTROL.search(uri):
        return "contains a control character (NUL, tab or newline)"
    low = uri.lower()
    if not uri.startswith("s3://"):
        if low.startswith("s3://"):
            return f"scheme must be lowercase 's3://', not {uri[:5]!r}"
        if re.match(r"s3\s*:|s3//", low):
            return "malformed scheme (expected exactly 's3://')"
        if _SCHEME.match(uri) or uri.startswith("//"):
            return "not an s3:// URI"
        return None
    rest = uri[5:]
    if rest.lower().startswith("s3:"):
        return "the 's3://' prefix is doubled"
    if rest.startswith("/"):
        return "missing bucket name (three slashes after 's3:')"
    bucket, sep, key = rest.partition("/")
    if not _BUCKET.fullmatch(bucket):
        return (f"bucket name {bucket!r} is not valid (3-63 letters, digits, '.', '-', '_')")
    if not sep or not key:
        return "missing object key after the bucket name"
    if "//" in key:
        return "empty path segment ('//') inside the key"
    if key.endswith("/"):
        return "key ends with '/': that names a folder, not an image"
    return S3Uri(bucket, key)


def is_remote(location: object) -> bool:
    """True for an ``s3://`` URL (a location in a bucket, not a path on disk)."""
    return isinstance(location, str) and location.startswith("s3://")


def join_prefix(prefix: str, name: str) -> str:
    """Join an S3 prefix and a relative name with exactly one ``/``; a name that already
    holds an ``s3://`` URI is returned unchanged."""
    if not prefix or name.lower().startswith("s3:"):
        return name
    return prefix.rstrip("/") + "/" + name.lstrip("/")
