"""Rule metadata and the registry that ``rules``, ``explain``, selection and the README use."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from manifest_lint.diagnostics import Diagnostic, Fix, Severity
from manifest_lint.wording import cut_long_values

# Modules that define rules; imported lazily so start-up stays cheap.
RULE_MODULES = (
    "manifest_lint.kinds.common",
    "manifest_lint.kinds.csv.rules",
    "manifest_lint.kinds.lfv.rules",
    "manifest_lint.kinds.cvat.rules",
    "manifest_lint.datasets.rules",
)

_REGISTRY: dict[str, Rule] = {}
_BY_NAME: dict[str, Rule] = {}


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: stable code, kebab-case name, default severity, whether ``fix`` repairs it,
    a one-line summary and docs with a bad and a good example."""

    code: str
    name: str
    kind: str
    severity: Severity
    fixable: bool
    summary: str
    why: str
    bad: str
    good: str
    fix_note: str = ""
    blocks_fixes: bool = False  # present => the file was not read fully; no line edits

    def diag(
        self,
        path: str,
        line: int,
        message: str,
        *,
        column: int = 1,
        fix: Fix | None = None,
    ) -> Diagnostic:
        """Build a diagnostic of this rule (a huge quoted value in ``message`` is cut)."""
        return Diagnostic(path, line, column, self.code, self.name, self.severity,
                          cut_long_values(message), fix)


def rule(
    code: str,
    name: str,
    kind: str,
    severity: str,
    fixable: bool,
    summary: str,
    *,
    why: str,
    bad: str,
    good: str,
    fix_note: str = "",
    blocks_fixes: bool = False,
) -> Rule:
    """Define and register a rule (called at import time by the rule modules)."""
    if code in _REGISTRY or name in _BY_NAME:
        raise ValueError(f"duplicate rule {code} {name}")
    r = Rule(code, name, kind, Severity(severity), fixable, summary, why.strip(),
             bad.strip("\n"), good.strip("\n"), fix_note.strip(), blocks_fixes)
    _REGISTRY[code] = r
    _BY_NAME[name] = r
    return r


_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for module in RULE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a kind not built yet
            if exc.name != module:
                raise
    _loaded = True


def all_rules() -> list[Rule]:
    """Every registered rule, ordered by code."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda r: (_prefix_order(r.code), r.code))


def _prefix_order(code: str) -> int:
    order = ("ML", "CSV", "LFV", "CVAT", "DS")
    prefix = code.rstrip("0123456789")
    return order.index(prefix) if prefix in order else len(order)


def find_rule(key: str) -> Rule | None:
    """Look a rule up by code (case-insensitive) or name."""
    _load()
    return _REGISTRY.get(key.upper()) or _BY_NAME.get(key.lower())


class UnknownSelector(ValueError):
    """A selector that names no rule, prefix or rule name."""


def _matches(selector: str, r: Rule) -> bool:
    if selector == "ALL":
        return True
    return r.code.startswith(selector.upper()) or r.name == selector.lower()


def validate_selectors(selectors: Iterable[str], where: str) -> list[str]:
    """Return the selectors, raising ``UnknownSelector`` for one that matches nothing."""
    rules = all_rules()
    out = []
    for raw in selectors:
        s = raw.strip()
        if not s:
            continue
        if not any(_matches(s, r) for r in rules):
            raise UnknownSelector(
                f"{where}: unknown rule selector {s!r} "
                "(use a code like CSV101, a prefix like CSV, a rule name, or ALL; "
                "`manifest-lint rules` lists them)"
            )
        out.append(s)
    return out


def select_codes(select: Iterable[str] | None, ignore: Iterable[str]) -> frozenset[str]:
    """The set of enabled codes for ``select`` (None = all) minus ``ignore``."""
    rules = all_rules()
    sel = list(select) if select is not None else ["ALL"]
    ign = list(ignore)
    return frozenset(
        r.code
        for r in rules
        if any(_matches(s, r) for s in sel) and not any(_matches(s, r) for s in ign)
    )
