"""What a diagnostic is about, independent of line numbers: the record its line holds, the
file relative to a base folder, and stable fingerprints. The baseline, SARIF and GitLab
reports use these, so inserting, deleting or reordering other rows changes none of them.

A record key is derived from the diagnostic's physical line (re-read by number, one
streaming pass per file): the image location of a CSV row, the ``source-ref`` of a Lookout
for Vision line, the ``name`` + ``extension`` (or the frame ``number``) of a CVAT record,
otherwise a hash of the line's content. Rules about the whole file are keyed by the file.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import orjson

from manifest_lint.textio import UTF8_BOM, iter_raw_lines

if TYPE_CHECKING:
    from manifest_lint.diagnostics import Diagnostic
    from manifest_lint.engine import FileResult

# Rules about the file as a whole: the line they are reported on is incidental (the first
# line, the first row from another bucket, where missing rows belong), so it is not part of
# their identity.
FILE_SCOPED: frozenset[str] = frozenset({
    "ML001", "ML002",
    "CSV001", "CSV002", "CSV004", "CSV303",
    "LFV001", "LFV002", "LFV006", "LFV302", "LFV303", "LFV304", "LFV305", "LFV501",
    "CVAT001", "CVAT002", "CVAT005", "CVAT007", "CVAT105", "CVAT503",
    "DS302", "DS304", "DS305",
})
FILE_KEY = "file"
BLANK_KEY = "blank"


class Identity(NamedTuple):
    """A problem's identity: file (relative to a base folder), rule code and record key."""

    path: str
    code: str
    key: str


def relative_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` in posix form (``..`` when outside; absolute when there
    is no relative path, e.g. another drive)."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(base))
    except ValueError:
        return Path(absolute).as_posix()
    return Path(rel).as_posix()


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the current folder) holding
    ``.git``; ``start`` itself when there is none."""
    here = Path(os.path.abspath(start or Path.cwd()))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def read_lines(path: Path, wanted: Iterable[int]) -> dict[int, bytes]:
    """The bodies of the ``wanted`` physical lines of ``path`` (BOM removed from line 1),
    read in one streaming pass that stops after the last one. Unreadable: ``{}``."""
    want = set(wanted)
    found: dict[int, bytes] = {}
    if not want:
        return found
    last = max(want)
    try:
        with open(path, "rb") as f:
            for n, (body, _term) in enumerate(iter_raw_lines(f, skip_bom=False), 1):
                if n in want:
                    found[n] = body[len(UTF8_BOM):] if n == 1 and body.startswith(
                        UTF8_BOM) else bytes(body)
                if n >= last:
                    break
    except OSError:
        pass
    return found


def _csv_key(body: bytes) -> str | None:
    text = body.decode("utf-8", "replace").replace("\x00", "\ufffd")
    try:
        fields = next(csv.reader([text]), [])
    except csv.Error:
        return None
    image = fields[0].strip() if fields else ""
    return f"image:{image}" if image else None


def _json_object(body: bytes) -> dict[str, object] | None:
    try:
        obj = orjson.loads(body)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _lfv_key(body: bytes) -> str | None:
    obj = _json_object(body)
    ref = obj.get("source-ref") if obj is not None else None
    return f"source-ref:{ref}" if isinstance(ref, str) else None


def _cvat_key(body: bytes) -> str | None:
    obj = _json_object(body)
    if obj is None:
        return None
    name, ext, number = obj.get("name"), obj.get("extension"), obj.get("number")
    if isinstance(name, str):
        return f"name:{name}{ext if isinstance(ext, str) else ''}"
    if isinstance(number, int) and not isinstance(number, bool):
        return f"frame:{number}"
    return None


_KEYS: dict[str, Callable[[bytes], str | None]] = {
    "csv": _csv_key, "lfv": _lfv_key, "cvat": _cvat_key,
}


def line_key(kind: str, body: bytes | None) -> str:
    """The record key of one line of a file of ``kind`` (``None``: the line is gone)."""
    if body is None:
        return FILE_KEY
    if not body.strip():
        return BLANK_KEY
    extract = _KEYS.get(kind)
    key = extract(body) if extract is not None else None
    if key is not None:
        return key
    from hashlib import sha256  # only for a report that names records

    return "text:" + sha256(body).hexdigest()[:16]


def record_keys(result: FileResult) -> list[str]:
    """The record key of each diagnostic of ``result``, in order."""
    diags = result.diagnostics
    lines = read_lines(result.path, {d.line for d in diags if d.code not in FILE_SCOPED})
    keys: dict[int, str] = {}
    out = []
    for d in diags:
        if d.code in FILE_SCOPED:
            out.append(FILE_KEY)
            continue
        if d.line not in keys:
            keys[d.line] = line_key(result.kind, lines.get(d.line))
        out.append(keys[d.line])
    return out


def identities(result: FileResult, base: Path) -> list[Identity]:
    """The identity of each diagnostic of ``result``, with paths relative to ``base``."""
    path = relative_path(result.path, base)
    return [Identity(path, d.code, key)
            for d, key in zip(result.diagnostics, record_keys(result), strict=True)]


def fingerprints(result: FileResult, base: Path) -> list[str]:
    """A stable fingerprint per diagnostic of ``result``: its identity and how many
    diagnostics with the same identity came before it in the file."""
    from hashlib import sha256

    seen: Counter[Identity] = Counter()
    out = []
    for ident in identities(result, base):
        seen[ident] += 1
        text = "\0".join((*ident, str(seen[ident])))
        out.append(sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32])
    return out


def paired(result: FileResult, base: Path) -> list[tuple[Diagnostic, str]]:
    """``(diagnostic, fingerprint)`` for each diagnostic of ``result``."""
    if not result.diagnostics:
        return []
    return list(zip(result.diagnostics, fingerprints(result, base), strict=True))
