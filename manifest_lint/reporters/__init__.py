"""Reporters: turn file results into text. One module per format."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from manifest_lint.engine import FileResult, Summary

if TYPE_CHECKING:
    from manifest_lint.baseline import Outcome
    from manifest_lint.config import Config
    from manifest_lint.context import Settings

_SURROGATE = re.compile("[\ud800-\udfff]")

FORMATS = ("full", "concise", "json", "github", "sarif", "gitlab", "junit", "html")
HTML_THUMBNAILS = 20  # default of --html-thumbnails: pictures per rule in an HTML report


def _cwd() -> Path:
    return Path.cwd()


@dataclass
class ReportOptions:
    """What a report needs besides the results: whether to show rule statistics, what
    the baseline hid, the folder that repository-relative paths start from, the notes on
    files that were not linted, and for ``fix`` the fixed count (and the ``--diff``); for
    the HTML report, the run's config and settings (to find and open media) and how many
    problems per rule get pictures."""

    statistics: bool = False
    baseline: Outcome | None = None
    root: Path = field(default_factory=_cwd)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, note): not linted
    fixed: int | None = None  # `fix`: problems fixed (with --diff: that would be fixed)
    diff: str | None = None  # `fix --diff`: the unified diff of every file
    config: Config | None = None
    settings: Settings | None = None
    html_thumbnails: int = HTML_THUMBNAILS


def all_notes(results: list[FileResult], options: ReportOptions | None
              ) -> list[tuple[str, str]]:
    """Every note of a run as (path, message): files not linted first, then each file's."""
    out = list(options.notes) if options is not None else []
    out.extend((r.display, note) for r in results for note in r.notes)
    return out


Reporter = Callable[[list[FileResult], Summary, TextIO, "bool | None", "ReportOptions | None"],
                    None]


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
    elif name == "sarif":
        from manifest_lint.reporters.sarif import render
    elif name == "gitlab":
        from manifest_lint.reporters.gitlab import render
    elif name == "junit":
        from manifest_lint.reporters.junit import render
    elif name == "html":
        from manifest_lint.reporters.html import render
    else:  # pragma: no cover - the CLI validates the name
        raise ValueError(name)
    return render


def clean_text(s: str) -> str:
    """``s`` with every lone surrogate replaced by U+FFFD, so that it can be written as
    UTF-8 (Python decodes a file name that is not UTF-8 into such surrogates)."""
    return _SURROGATE.sub("\ufffd", s)
