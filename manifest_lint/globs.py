"""Gitignore-like glob matching for include/exclude/per-file-ignores/kinds patterns."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    pat = pattern.strip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pat[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    prefix = "" if anchored else "(?:.*/)?"
    # A pattern that names a folder also matches everything below it.
    return re.compile(f"{prefix}{''.join(out)}(?:/.*)?", re.DOTALL)


def match(pattern: str, relpath: str) -> bool:
    """Does ``relpath`` (posix, relative to the config folder) match ``pattern``?

    A pattern without ``/`` matches at any depth (``*.csv``); one with ``/`` is anchored
    at the config folder (``data/**/*.csv``); ``**`` spans folders; a pattern that matches
    a folder matches every file below it.
    """
    return _compile(pattern).fullmatch(relpath) is not None


def match_any(patterns: list[str] | tuple[str, ...], relpath: str) -> bool:
    return any(match(p, relpath) for p in patterns)
