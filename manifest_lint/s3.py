"""S3 URI checks shared by the CSV and manifest kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from manifest_lint.cloud import is_remote, not_s3_hint

_BUCKET = re.compile(r"[0-9A-Za-z.\-_]{3,63}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


__all__ = ["S3Uri", "check_s3_uri", "is_remote", "join_prefix"]


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
            hint = not_s3_hint(uri)
            return f"not an s3:// URI ({hint})" if hint else "not an s3:// URI"
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


def join_prefix(prefix: str, name: str) -> str:
    """Join an S3 prefix and a relative name with exactly one ``/``; a name that already
    holds an ``s3://`` URI is returned unchanged."""
    if not prefix or name.lower().startswith("s3:"):
        return name
    return prefix.rstrip("/") + "/" + name.lstrip("/")


# Ground Truth writes this private-use character where an object key holds ':'.
GT_COLON = "\uf03a"
_INVISIBLE = frozenset({"Cf", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"})


def hidden_character(uri: str) -> str | None:
    """What in ``uri`` will not match the S3 object key it is meant to name: U+F03A,
    another invisible character (format, private use, non-ASCII space) or decomposed
    accents; None for a plain key (any printable ASCII, or composed non-ASCII text)."""
    if uri.isascii():
        return None
    import unicodedata

    for i, ch in enumerate(uri, 1):
        if ch == GT_COLON:
            return (f"U+F03A at character {i}, the private-use character Ground Truth writes "
                    "for ':' in object keys; the object's key has ':' there")
        if ch != " " and unicodedata.category(ch) in _INVISIBLE:
            name = unicodedata.name(ch, "unnamed")
            return (f"U+{ord(ch):04X} {name} at character {i}, an invisible character that "
                    "the object's key most likely does not have")
    if not unicodedata.is_normalized("NFC", uri):
        return ("decomposed accents (not Unicode NFC), so the bytes differ from a key typed "
                "or uploaded in the usual composed form")
    return None
