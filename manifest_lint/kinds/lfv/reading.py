"""Reading a Lookout for Vision manifest: blocks of lines cut at line ends, the dataset
role and project layout a file name implies, and JSON error wording."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.kinds.lfv import rules as R
from manifest_lint.textio import MAX_LINE_BYTES, LongLine, describe_surrogate, surrogate_in

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext

BLOCK_BYTES = 1 << 16
_ROLE = re.compile(r"(?<![a-z])(train|training|test|testing)(?![a-z])")
_CR_LINE = re.compile(rb"([^\r\n]*)(?:\r\n|\r|\n)")
JSONDecodeError = orjson.JSONDecodeError


def blocks(f: BinaryIO) -> Iterator[bytes | LongLine]:
    """The bytes of ``f`` in batches of whole lines (:func:`split_lines` splits one). A
    line longer than ``MAX_LINE_BYTES`` comes alone as a :class:`LongLine` holding its
    start, so memory stays bounded.
    """
    pending: list[bytes] = []
    size = 0
    long: LongLine | None = None
    while True:
        chunk = f.read(BLOCK_BYTES)
        if not chunk:
            break
        if long is not None:  # skipping the rest of an over-long line
            nl = chunk.find(b"\n")
            if nl < 0:
                long.size += len(chunk)
                continue
            long.size += nl
            yield long
            long = None
            chunk = chunk[nl + 1:]
            if not chunk:
                continue
        cut = chunk.rfind(b"\n")
        if cut < 0:
            pending.append(chunk)
            size += len(chunk)
            if size > MAX_LINE_BYTES:
                long = LongLine(b"".join(pending)[:256])
                long.size = size
                pending, size = [], 0
            continue
        head = chunk[: cut + 1]
        if pending:
            pending.append(head)
            head = b"".join(pending)
            pending, size = [], 0
        if cut + 1 < len(chunk):
            pending.append(chunk[cut + 1:])
            size = len(chunk) - cut - 1
        yield head
    if long is not None:
        yield long
    elif pending:
        yield b"".join(pending)


def split_lines(data: bytes) -> tuple[list[bytes], bool]:
    """The physical lines of a batch, as ``(bodies, escapes)``.

    Bodies have no ``\\n``; a body may end in the ``\\r`` of a CRLF (JSON ignores it, the
    slow path strips it). Lone ``\\r`` terminators are split exactly. ``escapes`` is True
    when the batch holds a backslash or DEL (a string may then hold control characters).
    """
    escapes = data.find(b"\\") >= 0 or data.find(b"\x7f") >= 0
    if data.find(b"\r") >= 0 and data.count(b"\r") != data.count(b"\r\n"):
        lines, end = [], 0
        for m in _CR_LINE.finditer(data):
            lines.append(m.group(1))
            end = m.end()
        if end < len(data):
            lines.append(data[end:])
        return lines, escapes
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return lines, escapes


def role_of(ctx: CheckContext) -> str:
    """``train``/``test`` from the config, else from the file name; '' if unknown."""
    role: str = ctx.options.get("role", "")
    if role:
        return role
    found = {"test" if m.group(1).startswith("test") else "train"
             for m in _ROLE.finditer(ctx.path.stem.lower())}
    return found.pop() if len(found) == 1 else ""


def project_of(ctx: CheckContext, role: str) -> str:
    """``single``/``separate`` from the config, else inferred (see the ``project`` option)."""
    project: str = ctx.options.get("project", "")
    if project:
        return project
    if role == "test":
        return "separate"
    if role == "train":
        name = ctx.path.name.lower()
        for a, b in (("training", "testing"), ("train", "test")):
            if a in name and (ctx.path.parent / name.replace(a, b)).is_file():
                return "separate"
    return "single"


def is_object(body: bytes) -> bool:
    try:
        return isinstance(orjson.loads(body), dict)
    except JSONDecodeError:
        return False


def describe(exc: JSONDecodeError) -> str:
    msg = exc.msg
    if exc.lineno == 1:
        msg += f" at column {exc.colno}"
    return msg


def invalid_message(detail: str) -> str:
    return (f"line is not a JSON object: {detail}; each line must be one complete JSON "
            "object")


def json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool) or value is None:
        return f"JSON {orjson.dumps(value).decode()}"
    return "a JSON number"


# (normal, anomaly) minimums by (project, role), from limits.md
MINIMUMS = {
    ("single", "train"): (20, 10),
    ("separate", "train"): (10, 0),
    ("separate", "test"): (10, 10),
}


def minimum_counts(ctx: CheckContext, display: str, role: str, normal: int, anomaly: int
                   ) -> Iterator[Diagnostic]:
    """LFV too-few-images when the labeled counts are below the dataset's minimums."""
    if not role and ctx.options.get("project") != "single":
        return
    project = project_of(ctx, role)
    want = MINIMUMS.get((project, role or "train"))
    if want is None:
        return
    need_normal, need_anomaly = want
    short = []
    if normal < need_normal:
        short.append(f"{normal} normal (needs {need_normal})")
    if anomaly < need_anomaly:
        short.append(f"{anomaly} anomaly (needs {need_anomaly})")
    if short:
        yield R.TOO_FEW.diag(
            display, 1,
            f"{' and '.join(short)} labeled images for the {role or 'train'} dataset "
            f"of a {project}-dataset project; training will fail: add images "
            "(set role/project under [tool.manifest-lint.lfv] if this is wrong)",
        )


def lone_surrogate(path: str, n: int, body: bytes) -> Diagnostic | None:
    """LFV007 when ``body`` is a JSON object only Python's json reads, because a string in
    it holds a lone surrogate (orjson refuses those), or None."""
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):
        return None
    found = surrogate_in(obj) if isinstance(obj, dict) else None
    if found is None:
        return None
    where, text, pos, char = found
    if where in ("source-ref", "anomaly-mask-ref"):
        why = "S3 object keys are UTF-8, so no object has this key; rename the object to a "
        how = "UTF-8 key and write that key here"
    else:
        why = "it is not a character; write the intended text as UTF-8 (a character above "
        how = "U+FFFF as a whole pair, e.g. \\ud83d\\ude00)"
    return R.LONE_SURROGATE.diag(
        path, n, f"{where} {text!r} holds {describe_surrogate(char)} (character {pos + 1}): "
        f"{why}{how}. `fix` leaves this line alone",
    )
