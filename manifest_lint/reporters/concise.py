"""``--format concise``: one ``path:line:col: CODE [severity] message`` line per problem."""

from __future__ import annotations

from typing import TextIO

from manifest_lint.engine import FileResult, Summary
from manifest_lint.reporters import ReportOptions


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    if options is not None and options.statistics:
        from manifest_lint.reporters.statistics import rule_statistics, write_text

        write_text(rule_statistics(results), out)
        return
    for r in results:
        for d in r.diagnostics:
            mark = " [*]" if d.fixable else ""
            out.write(
                f"{d.path}:{d.line}:{d.column}: {d.code} [{d.severity.value}] {d.message}{mark}\n"
            )
