"""``--format full`` (default): Rich report grouped by file, with the offending source line
and a summary table.

When Rich would write no styles (the output is not a terminal, as in a pre-commit hook, or
``--color never``) and every text is printable ASCII, the same characters are written
without importing Rich (:mod:`manifest_lint.reporters.plain`); anything else goes through
Rich.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from manifest_lint.engine import FileResult, Summary
from manifest_lint.reporters import ReportOptions
from manifest_lint.reporters.plain import plain_report, source_lines
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from rich.console import Console

    from manifest_lint.baseline import Outcome

def make_console(out: TextIO, color: bool | None) -> Console:
    """A console on ``out``; ``color`` True/False forces, None leaves it to Rich (NO_COLOR,
    FORCE_COLOR, TTY). No emoji codes: ``a.csv:100:1:`` must not print a 💯."""
    from rich.console import Console

    if color is None:
        return Console(file=out, highlight=False, soft_wrap=True, emoji=False)
    return Console(
        file=out, highlight=False, soft_wrap=True, force_terminal=color, no_color=not color,
        color_system="auto" if color else None, emoji=False,
    )


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    if options.statistics:
        from manifest_lint.reporters.statistics import rule_statistics, write_text

        write_text(rule_statistics(results), out)
        return
    text = plain_report(results, summary, out, color, options)
    if text is not None:
        out.write(text)
        return
    from rich.markup import escape

    console = make_console(out, color)
    for r in results:
        if not r.diagnostics and not r.fixed and not r.notes:
            continue
        console.rule(f"[bold]{escape(r.display)}[/]", align="left", style="dim")
        if r.fixed:
            console.print(f"[green]fixed {plural(r.fixed, 'problem')}[/]")
        for note in r.notes:
            style = "yellow" if note.startswith("not fixed") else "dim"
            console.print(f"[{style}]note: {escape(note)}[/]")
        lines = source_lines(r.path, {d.line for d in r.diagnostics})
        for d in r.diagnostics:
            style = "bold red" if d.severity.value == "error" else "bold yellow"
            fix = " [cyan]\\[*][/]" if d.fixable else ""
            console.print(
                f"[bold]{escape(d.path)}:{d.line}:{d.column}:[/] [{style}]{d.code}[/] "
                f"[dim]{d.name}[/] [{style}]{d.severity.value}[/]{fix}"
            )
            console.print(f"  {escape(d.message)}")
            src = lines.get(d.line)
            if src is not None:
                width = len(str(d.line))
                console.print(f"  [blue]{d.line:>{width}} │[/] {escape(src)}")
            console.print()
    _summary(console, summary, options.baseline)


def _summary(console: Console, s: Summary, baseline: Outcome | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="manifest-lint summary", title_justify="left", show_header=True)
    for col in ("files", "errors", "warnings", "fixable"):
        table.add_column(col, justify="right")
    if s.fixed:
        table.add_column("fixed", justify="right")
    if baseline is not None:
        table.add_column("baselined", justify="right")
    row = [
        str(s.files),
        f"[red]{s.errors}[/]" if s.errors else "0",
        f"[yellow]{s.warnings}[/]" if s.warnings else "0",
        f"[cyan]{s.fixable}[/]" if s.fixable else "0",
    ]
    if s.fixed:
        row.append(f"[green]{s.fixed}[/]")
    if baseline is not None:
        row.append(f"[dim]{baseline.hidden}[/]")
    table.add_row(*row)
    console.print(table)
    if baseline is not None:
        from manifest_lint.baseline import summary_line

        console.print(f"[dim]{escape(summary_line(baseline))}[/]")
    if s.fixable:
        verb = "is" if s.fixable == 1 else "are"
        console.print(
            f"[cyan]{plural(s.fixable, 'problem')} {verb} fixable with `manifest-lint fix`[/] "
            "(marked [*])"
        )
    elif not s.files:
        console.print("[yellow]No files were checked.[/]")
    elif not s.errors and not s.warnings:
        hidden = baseline is not None and baseline.hidden
        console.print("[green]No new problems.[/]" if hidden else "[green]All checks passed.[/]")

