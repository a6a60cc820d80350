"""``--statistics``: how often each rule fired, most frequent first (as ruff prints it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from manifest_lint.engine import FileResult


@dataclass(frozen=True)
class RuleCount:
    """One line of the statistics: a rule, how often it fired, whether ``fix`` can
    repair any of those problems."""

    count: int
    code: str
    name: str
    fixable: bool

    def to_json(self) -> dict[str, object]:
        return {"count": self.count, "code": self.code, "name": self.name,
                "fixable": self.fixable}


def rule_statistics(results: Iterable[FileResult]) -> list[RuleCount]:
    """Per rule that fired: count, code, name, fixable; by count, then in rule order."""
    from manifest_lint.rules import all_rules

    order = {r.code: i for i, r in enumerate(all_rules())}
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for r in results:
        for d in r.diagnostics:
            c = counts.setdefault(d.code, [0, 0])
            c[0] += 1
            c[1] += d.fixable
            names[d.code] = d.name
    stats = [RuleCount(n, code, names[code], fixable > 0)
             for code, (n, fixable) in counts.items()]
    stats.sort(key=lambda s: (-s.count, order.get(s.code, len(order)), s.code))
    return stats


def write_text(stats: list[RuleCount], out: TextIO) -> None:
    """``count<TAB>code<TAB>[*] name`` lines, columns aligned; ``[*]`` marks rules with
    fixable problems (the marks appear only when some rule has them)."""
    if not stats:
        return
    count_width = max(len(str(s.count)) for s in stats)
    code_width = max(len(s.code) for s in stats)
    any_fixable = any(s.fixable for s in stats)
    for s in stats:
        mark = ("[*] " if s.fixable else "[ ] ") if any_fixable else ""
        out.write(f"{s.count:>{count_width}}\t{s.code:<{code_width}}\t{mark}{s.name}\n")
