"""Reporters: turn file results into text. One module per format."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from manifest_lint.engine import FileResult, Summary

FORMATS = ("full", "concise", "json", "github")

Reporter = Callable[[list[FileResult], Summary, TextIO, "bool | None"], None]


def get_reporter(name: str) -> Reporter:
    """The render function of format ``name`` (imported lazily)."""
    if name == "full":
        from manifest_lint.reporters.full import render
    elif name == "concise":
        from manifest_lint.reporters.concise import render
    elif name == "json":
        from manifest_lint.reporters.json import render
    elif name == "github":
        from manifest_lint.reporters.github import render
    else:  # pragma: no cover - the CLI validates the name
        raise ValueError(name)
    return render
