"""What a file kind declares: its name, its checker and its options (cheap to import)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from manifest_lint.diagnostics import Diagnostic

# A checker takes a manifest_lint.context.CheckContext (not imported here: the context
# stands above the kind registry, which config reads).
Checker = Callable[[Any], Iterator[Diagnostic]]


@dataclass(frozen=True)
class Option:
    """One per-kind configuration key (``[tool.manifest-lint.<kind>]``)."""

    type: str  # "str", "bool", "int", "list[str]", "dict[str,str]"
    default: Any
    help: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindSpec:
    """A kind: its checker and later passes ("module:function", imported lazily)."""

    name: str
    title: str
    checker: str  # "module:function", imported lazily
    options: dict[str, Option] = field(default_factory=dict)
    passes: tuple[str, ...] = ()  # run after the checker on the same file, in order
    # "module:function" making a media locator for reports: (path, config, settings) ->
    # line text -> RecordMedia (manifest_lint.media.thumbs); "" when the kind has none
    preview: str = ""

    def load_preview(self) -> Callable[..., Any] | None:
        """The kind's media locator factory for reports (None when it has none)."""
        if not self.preview:
            return None
        module, func = self.preview.split(":")
        return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]

    def load_checkers(self) -> list[Checker]:
        """The checker and the later passes."""
        return [_load(ref) for ref in (self.checker, *self.passes)]


def _load(ref: str) -> Checker:
    module, func = ref.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]
