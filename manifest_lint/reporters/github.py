"""``--format github``: workflow commands that annotate pull requests (notes become
``::notice`` lines after the problems)."""

from __future__ import annotations

from typing import TextIO

from manifest_lint.engine import FileResult, Summary
from manifest_lint.reporters import ReportOptions, all_notes


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    for r in results:
        for d in r.diagnostics:
            level = "error" if d.severity.value == "error" else "warning"
            title = _prop(f"{d.code} {d.name}")
            out.write(
                f"::{level} file={_prop(d.path)},line={d.line},col={d.column},"
                f"title={title}::{_data(d.message)}\n"
            )
    for path, message in all_notes(results, options):
        out.write(f"::notice file={_prop(path)},title=manifest-lint note::{_data(message)}\n")
