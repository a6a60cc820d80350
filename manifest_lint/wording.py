"""Small helpers for the words of messages: plurals and long values cut short."""

from __future__ import annotations

import re

MAX_VALUE_CHARS = 160  # as the source preview of the full report
MAX_MESSAGE_CHARS = 2000
_LONG_RUN = re.compile(rf"\S{{{MAX_VALUE_CHARS + 40},}}")
_CLOSERS = "'\")]}.,:;"


def plural_noun(n: int, noun: str, many: str | None = None) -> str:
    """``noun`` for one, its plural (``many`` or the regular one) otherwise."""
    if n == 1:
        return noun
    if many is not None:
        return many
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``"1 problem"``, ``"2 problems"``, ``"3 key frames"`` (``many`` for odd plurals)."""
    return f"{n:,} {plural_noun(n, noun, many)}"


def cut_long_values(message: str) -> str:
    """``message`` with every run of more than ~200 non-space characters (a quoted value,
    usually) cut to its first 160 characters, an ellipsis and its closing quote or
    punctuation, so that one huge value cannot flood a report. A message still longer
    than 2,000 characters keeps its start and end."""
    if len(message) < MAX_VALUE_CHARS + 40:
        return message
    message = _LONG_RUN.sub(_cut, message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:1200] + " … " + message[-600:]
    return message


def _cut(m: re.Match[str]) -> str:
    run = m.group(0)
    tail = len(run) - len(run.rstrip(_CLOSERS))
    tail = min(tail, 3)
    return run[:MAX_VALUE_CHARS] + "…" + (run[-tail:] if tail else "")
