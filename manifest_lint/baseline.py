"""Baseline files: switch manifest-lint on for a dataset that already has problems.

``lint --write-baseline FILE`` records every current problem by identity (file, rule and
record key; see :mod:`manifest_lint.identity`) with how often it occurs; ``--baseline FILE``
(or ``baseline`` in the config) hides that many occurrences of each and reports the rest.
Paths are stored relative to the baseline file's folder, so the file works from any
current folder. The file is sorted JSON with one entry per line, so a review diff shows
one line per problem that was added or fixed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from manifest_lint.atomic import write_atomically
from manifest_lint.config import ConfigError
from manifest_lint.engine import FileResult
from manifest_lint.identity import Identity, identities, relative_path

VERSION = 1
NEVER_BASELINED = frozenset({"ML002"})  # an internal error is a bug to report, not debt


class BaselineError(ConfigError):
    """A baseline file that cannot be read or is not a baseline (exit 2)."""


@dataclass
class Outcome:
    """What a baseline did in this run."""

    path: Path
    hidden: int = 0  # problems found in the baseline and not reported
    stale: int = 0  # recorded problems that no longer occur in the checked files
    written: int = 0  # entries written by --write-baseline (0 when only read)


def _bad(path: Path, why: str) -> BaselineError:
    return BaselineError(
        f"{path}: not a manifest-lint baseline ({why}); write one with "
        f"`manifest-lint lint --write-baseline {path}`"
    )


def load(path: Path) -> Counter[Identity]:
    """The recorded problems of the baseline at ``path`` and how often each occurs."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BaselineError(
            f"{path}: baseline file not found; create it with "
            f"`manifest-lint lint --write-baseline {path}`"
        ) from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise _bad(path, f"invalid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise _bad(path, f'expected an object with "version": {VERSION}')
    entries = data.get("entries")
    if not isinstance(entries, list):
        raise _bad(path, 'no "entries" list')
    counts: Counter[Identity] = Counter()
    for i, e in enumerate(entries):
        ok = (isinstance(e, dict) and all(isinstance(e.get(k), str)
                                          for k in ("path", "code", "key"))
              and isinstance(e.get("count"), int) and not isinstance(e["count"], bool)
              and e["count"] > 0)
        if not ok:
            raise _bad(path, f"entry {i + 1} needs string path, code and key and a "
                             "positive integer count")
        counts[Identity(e["path"], e["code"], e["key"])] += e["count"]
    return counts


def _base(path: Path) -> Path:
    return path.absolute().parent


def collect(results: Iterable[FileResult], base: Path) -> tuple[Counter[Identity],
                                                                  dict[str, str]]:
    """Every problem of ``results`` by identity (paths relative to ``base``), and the rule
    name of each code."""
    counts: Counter[Identity] = Counter()
    names: dict[str, str] = {}
    for r in results:
        if not r.diagnostics:
            continue
        for d, ident in zip(r.diagnostics, identities(r, base), strict=True):
            if d.code not in NEVER_BASELINED:
                counts[ident] += 1
                names[d.code] = d.name
    return counts, names


def dumps(counts: Counter[Identity], names: dict[str, str]) -> str:
    """The baseline file's text: sorted, one entry per line."""
    lines = []
    for ident in sorted(counts):
        entry = {"path": ident.path, "code": ident.code, "name": names.get(ident.code, ""),
                 "key": ident.key, "count": counts[ident]}
        lines.append("    " + _entry_json(entry))
    body = ",\n".join(lines)
    entries = f"[\n{body}\n  ]" if lines else "[]"
    return f'{{\n  "version": {VERSION},\n  "entries": {entries}\n}}\n'


def _entry_json(entry: dict[str, object]) -> str:
    text = json.dumps(entry, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not valid UTF-8: escape it
        text = json.dumps(entry, ensure_ascii=True)
    return text


def write(path: Path, results: list[FileResult]) -> Counter[Identity]:
    """Record every problem of ``results`` in a new baseline at ``path`` (atomically)."""
    counts, names = collect(results, _base(path))
    try:
        write_atomically(path, dumps(counts, names).encode("utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline: {exc.strerror or exc}") from None
    return counts


def apply(
    results: list[FileResult],
    path: Path,
    recorded: Counter[Identity],
    enabled: Callable[[Path], frozenset[str]],
) -> Outcome:
    """Drop the diagnostics the baseline records from ``results`` (each entry hides as
    many occurrences as it counts) and count what was hidden and what is stale. An entry
    is stale only if its file was checked and its rule enabled for that file."""
    base = _base(path)
    left = Counter(recorded)
    out = Outcome(path)
    checked: dict[str, frozenset[str]] = {}
    for r in results:
        checked[relative_path(r.path, base)] = enabled(r.path)
        if not r.diagnostics:
            continue
        kept = []
        for d, ident in zip(r.diagnostics, identities(r, base), strict=True):
            if left[ident] > 0 and d.code not in NEVER_BASELINED:
                left[ident] -= 1
                out.hidden += 1
            else:
                kept.append(d)
        r.diagnostics = kept
    out.stale = sum(n for ident, n in left.items()
                    if n > 0 and ident.code in checked.get(ident.path, frozenset()))
    return out


def summary_line(o: Outcome) -> str:
    """One sentence on what the baseline did, for the end of a report."""
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    if o.written:
        text = f"baseline {o.path}: wrote {plural(o.written, 'problem')}"
    else:
        text = f"baseline {o.path}: {plural(o.hidden, 'known problem')} hidden"
    if o.stale:
        text += (f"; {plural(o.stale, 'recorded problem')} no longer "
                 f"occur{'s' if o.stale == 1 else ''} (shrink the baseline with "
                 f"`manifest-lint lint --write-baseline {o.path}`)")
    return text
