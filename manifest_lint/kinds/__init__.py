"""The file kinds manifest-lint understands, their options, and how a file's kind is found.

Each kind lives in its own package (``kinds/csv``, ``kinds/lfv``, ``kinds/cvat``) with a
``SPEC`` (cheap to import), a ``rules`` module (rule metadata and docs) and a ``check``
module (the checker, imported only when a file of that kind is linted).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from manifest_lint.diagnostics import Diagnostic
    from manifest_lint.engine import CheckContext

Checker = Callable[["CheckContext"], Iterator["Diagnostic"]]


@dataclass(frozen=True)
class Option:
    """One per-kind configuration key (``[tool.manifest-lint.<kind>]``)."""

    type: str  # "str", "bool", "int", "list[str]", "dict[str,str]"
    default: Any
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindSpec:
    name: str
    title: str
    checker: str  # "module:function", imported lazily
    options: dict[str, Option] = field(default_factory=dict)

    def load_checker(self) -> Checker:
        module, func = self.checker.split(":")
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def _specs() -> dict[str, KindSpec]:
    from manifest_lint.kinds.csv import SPEC as CSV
    from manifest_lint.kinds.cvat import SPEC as CVAT
    from manifest_lint.kinds.lfv import SPEC as LFV

    return {s.name: s for s in (CSV, LFV, CVAT)}


KINDS: dict[str, KindSpec] = _specs()


def sniff_kind(path: Path, head: bytes) -> str | None:
    """Guess a file's kind from its name and first bytes (BOM already removed)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".manifest":
        return "lfv"
    if suffix in (".jsonl", ".ndjson"):
        first = next((ln for ln in head.splitlines() if ln.strip()), b"")
        if b'"version"' in first:
            return "cvat"
        if b'"source-ref"' in first:
            return "lfv"
        if re.match(rb'\s*\{\s*"type"\s*:\s*"(?:images|video)"', first):
            return "cvat"  # a CVAT manifest that lost its version line
    return None
