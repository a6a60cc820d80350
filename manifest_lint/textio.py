"""Reading files as physical lines, byte-exact, with BOM and encoding detection.

Every kind reads through :func:`open_source` so that line numbers, BOM handling and line
terminators mean the same thing in the checkers and in the fixer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32-LE"),
    (b"\x00\x00\xfe\xff", "UTF-32-BE"),
    (b"\xff\xfe", "UTF-16-LE"),
    (b"\xfe\xff", "UTF-16-BE"),
)
SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Preflight:
    """What the first bytes of a file say about how to read it."""

    size: int
    bom: bool  # a UTF-8 byte order mark
    foreign_encoding: str | None  # e.g. "UTF-16-LE" when a UTF-16/32 BOM is present
    nul_line: int | None  # first line with a NUL byte within the sniffed prefix, if any
    head: bytes  # the first bytes (BOM removed)


def preflight(path: Path) -> Preflight:
    """Look at the start of ``path``; raises ``OSError`` if it cannot be read."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
        size = os.fstat(f.fileno()).st_size
    for mark, name in _OTHER_BOMS:
        if head.startswith(mark):
            return Preflight(size, False, name, None, head)
    has_bom = head.startswith(UTF8_BOM)
    if has_bom:
        head = head[3:]
    nul = head.find(b"\x00")
    nul_line = head.count(b"\n", 0, nul) + 1 if nul >= 0 else None
    return Preflight(size, has_bom, None, nul_line, head)


def split_terminator(raw: bytes) -> tuple[bytes, bytes]:
    """Split one line as read by binary iteration into body and terminator."""
    if raw.endswith(b"\n"):
        if raw.endswith(b"\r\n"):
            return raw[:-2], b"\r\n"
        return raw[:-1], b"\n"
    if raw.endswith(b"\r"):
        return raw[:-1], b"\r"
    return raw, b""


MAX_LINE_BYTES = 4 << 20  # longer lines are reported, not held in memory


class LongLine(bytes):
    """Stands in for a physical line longer than the limit: holds its first bytes;
    ``size`` is the line's full length in bytes."""

    size: int = 0


def iter_raw_lines(
    f: BinaryIO, *, skip_bom: bool, max_line: int | None = MAX_LINE_BYTES
) -> Iterator[tuple[bytes, bytes]]:
    """Yield ``(body, terminator)`` per physical line; ``\n``, ``\r\n`` and a lone
    ``\r`` all end a line (as in Python's universal newlines).

    A line longer than ``max_line`` bytes is yielded as a :class:`LongLine` holding only
    its start, so memory stays bounded; ``max_line=None`` reads lines whole (the fixer
    needs every byte).
    """
    if skip_bom:
        f.read(len(UTF8_BOM))
    readline = f.readline
    limit = max_line if max_line is not None else -1
    while True:
        raw = readline(limit)
        if not raw:
            return
        if b"\r" in raw:
            if len(raw) == limit and not raw.endswith(b"\n"):
                yield _long_line(raw, readline, limit)
                continue
            yield from _split_cr(raw)
            continue
        if raw[-1:] == b"\n":
            yield raw[:-1], b"\n"
        elif len(raw) == limit:
            yield _long_line(raw, readline, limit)
        else:
            yield raw, b""


def _long_line(first: bytes, readline: Callable[[int], bytes], limit: int
               ) -> tuple[bytes, bytes]:
    """Skip the rest of an over-long line, keeping its start and length."""
    size = len(first)
    last = first
    while not last.endswith(b"\n"):
        last = readline(limit)
        if not last:
            break
        size += len(last)
    term = b"\r\n" if last.endswith(b"\r\n") else (b"\n" if last.endswith(b"\n") else b"")
    long = LongLine(first[:256])
    long.size = size - len(term)
    return long, term


_LINE = re.compile(rb"([^\r\n]*)(\r\n|\r|\n)")


def _split_cr(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Slow path for a chunk holding a carriage return (a CRLF never straddles chunks,
    since binary iteration cuts after ``\n``)."""
    pos = 0
    for m in _LINE.finditer(raw):
        yield m.group(1), m.group(2)
        pos = m.end()
    if pos < len(raw):
        yield raw[pos:], b""


@dataclass(slots=True)
class DecodeProblem:
    """Where the first undecodable byte was, and how many lines had one."""

    line: int
    column: int
    detail: str
    count: int = 1


class LineDecoder:
    """Decode line bodies as UTF-8, remembering the first failure instead of raising.
    Undecodable bytes become U+FFFD, or with ``errors="surrogateescape"`` Python's escapes
    U+DC80..U+DCFF (what a file name holding those bytes decodes to)."""

    __slots__ = ("errors", "problem")

    def __init__(self, errors: str = "replace") -> None:
        self.errors = errors
        self.problem: DecodeProblem | None = None

    def decode(self, body: bytes, line: int) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            if self.problem is None:
                col = len(body[: exc.start].decode("utf-8", "replace")) + 1
                self.problem = DecodeProblem(line, col, f"byte 0x{body[exc.start]:02x}")
            else:
                self.problem.count += 1
            return body.decode("utf-8", self.errors)


def count_lines(f: BinaryIO) -> int:
    """How many ``\n`` the rest of ``f`` holds (to size a progress bar)."""
    count = 0
    while chunk := f.read(1 << 20):
        count += chunk.count(b"\n")
    return count


# --------------------------------------------------------------------------- surrogates

# In a str decoded from JSON (or from a file name), every surrogate code point is lone:
# Python joins a valid pair into one character. U+DC80..U+DCFF are Python's escapes for the
# bytes 0x80..0xFF that are not UTF-8 (``os.fsdecode``, "surrogateescape").
SURROGATE = re.compile("[\ud800-\udfff]")


def is_surrogate_escape(char: str) -> bool:
    """``char`` stands for one byte that is not UTF-8 (U+DC80..U+DCFF)."""
    return "\udc80" <= char <= "\udcff"


def first_surrogate(text: str) -> tuple[int, str] | None:
    """The 0-based position and the character of the first lone surrogate in ``text``."""
    m = SURROGATE.search(text)
    return None if m is None else (m.start(), m.group())


def only_surrogate_escapes(text: str) -> bool:
    """Every lone surrogate in ``text`` is an escape of a non-UTF-8 byte, so
    ``os.fsencode(text)`` gives back the bytes it was decoded from."""
    return all(is_surrogate_escape(c) for c in SURROGATE.findall(text))


def describe_surrogate(char: str) -> str:
    """What a lone surrogate stands for, for a message."""
    if is_surrogate_escape(char):
        return f"U+{ord(char):04X}, Python's escape of the byte 0x{ord(char) - 0xDC00:02X}"
    return f"the lone surrogate U+{ord(char):04X}, which is not a character"


def shown(text: str) -> str:
    """``text`` printable in any UTF-8 report: an escaped non-UTF-8 byte as ``\\xNN``,
    another lone surrogate as ``\\uXXXX``."""
    if SURROGATE.search(text) is None:
        return text
    return SURROGATE.sub(
        lambda m: (f"\\x{ord(m.group()) - 0xDC00:02x}" if is_surrogate_escape(m.group())
                   else f"\\u{ord(m.group()):04x}"), text)



def surrogate_in(value: object, where: str = "") -> tuple[str, str, int, str] | None:
    """The first string holding a lone surrogate in a JSON value: (where, text, position,
    character); ``where`` is a dotted path of keys and indexes."""
    stack: list[tuple[str, object]] = [(where, value)]
    while stack:
        at, v = stack.pop()
        if isinstance(v, str):
            found = first_surrogate(v)
            if found is not None:
                return at or "value", v, found[0], found[1]
        elif isinstance(v, dict):
            items = list(v.items())
            for k, item in reversed(items):
                kat = f"{at}.{k}" if at else str(k)
                found = first_surrogate(k)
                if found is not None:
                    return f"a key in {at or 'the object'}", k, found[0], found[1]
                stack.append((kat, item))
        elif isinstance(v, list):
            stack.extend((f"{at}[{i}]", item) for i, item in reversed(list(enumerate(v))))
    return None
