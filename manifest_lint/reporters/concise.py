"""``--format concise``: one ``path:line:col: CODE [severity] message`` line per problem."""

from __future__ import annotations

from typing import TextIO

from manifest_lint.engine import FileResult, Summary


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None) -> None:
    for r in results:
        for d in r.diagnostics:
            mark = " [*]" if d.fixable else ""
            out.write(
                f"{d.path}:{d.line}:{d.column}: {d.code} [{d.severity.value}] {d.message}{mark}\n"
            )
