"""The full report without Rich, for output Rich would write without styles.

A pre-commit hook pipes the report, so Rich would only lay out characters; importing and
running it is most of the hook's start-up. :func:`plain_report` writes the same characters
(the file rules, the problem lines, the summary table) when Rich would use no styles (not a
terminal, or ``--color never``), and gives up (``None``) on anything whose layout it does
not reproduce exactly: non-ASCII or unprintable text (cell widths, tabs), a narrow console,
a non-UTF-8 stream (Rich falls back to ASCII boxes), Windows. ``tests/test_report_plain.py``
compares it with Rich.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from manifest_lint.textio import iter_raw_lines
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from pathlib import Path

    from manifest_lint.engine import FileResult, Summary
    from manifest_lint.reporters import ReportOptions

MIN_WIDTH = 40
MAX_SOURCE_CHARS = 160


def source_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    """The text of the ``wanted`` physical lines of ``path`` (one streaming pass)."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(wanted)
    try:
        with open(path, "rb") as f:
            for n, (body, _term) in enumerate(iter_raw_lines(f, skip_bom=False), 1):
                if n in wanted:
                    text = body[: MAX_SOURCE_CHARS * 4].decode("utf-8", "replace")
                    text = text.lstrip("\ufeff")
                    if len(text) > MAX_SOURCE_CHARS:
                        text = text[:MAX_SOURCE_CHARS] + "…"
                    found[n] = text
                if n >= last:
                    break
    except OSError:
        pass
    return found



class _Unsafe(Exception):
    """Some text needs Rich's layout."""


def _safe(text: str) -> str:
    if not (text.isascii() and text.isprintable()):
        raise _Unsafe
    return text


def plain_width(out: TextIO, color: bool | None) -> int | None:
    """The width Rich would lay the report out in when it would write no styles to
    ``out``; None when it would write styles or when its layout is not reproduced here."""
    if os.name == "nt" or color is True:
        return None
    env = os.environ
    if color is None:  # Rich's own test (Console.is_terminal)
        compatible = env.get("TTY_COMPATIBLE", "")
        if compatible == "1":
            return None
        if compatible != "0":
            force = env.get("FORCE_COLOR")
            if force is not None:
                if force != "":
                    return None
            else:
                isatty = getattr(out, "isatty", None)
                try:
                    if isatty is not None and isatty():
                        return None
                except ValueError:
                    pass
    encoding = (getattr(out, "encoding", "utf-8") or "utf-8").lower()
    if not encoding.startswith("utf"):
        return None
    columns = env.get("COLUMNS")
    width: int | None = None
    if columns is not None and columns.isdigit():
        width = int(columns)
    else:  # Rich asks the standard streams, then falls back to 80
        for fd in (0, 1, 2):
            try:
                width = os.get_terminal_size(fd).columns
            except (AttributeError, ValueError, OSError):
                continue
            break
        width = width or 80
    return width if width >= MIN_WIDTH else None


def plain_report(results: list[FileResult], summary: Summary, out: TextIO,
                 color: bool | None, options: ReportOptions) -> str | None:
    """The full report as Rich would write it to ``out`` without styles, or None."""
    width = plain_width(out, color)
    if width is None:
        return None
    try:
        return _report(results, summary, options, width)
    except _Unsafe:
        return None


def _report(results: list[FileResult], s: Summary, options: ReportOptions, width: int
            ) -> str:
    lines: list[str] = []
    for r in results:
        if not r.diagnostics and not r.fixed and not r.notes:
            continue
        title = _safe(r.display)
        if len(title) > width - 2:
            raise _Unsafe  # Rich cuts it with an ellipsis
        lines.append(f"{title} {'─' * (width - len(title) - 1)}")
        if r.fixed:
            lines.append(f"fixed {plural(r.fixed, 'problem')}")
        lines.extend(f"note: {_safe(note)}" for note in r.notes)
        sources = source_lines(r.path, {d.line for d in r.diagnostics})
        for d in r.diagnostics:
            fix = " [*]" if d.fixable else ""
            lines.append(f"{_safe(d.path)}:{d.line}:{d.column}: {_safe(d.code)} "
                         f"{_safe(d.name)} {d.severity.value}{fix}")
            lines.append(f"  {_safe(d.message)}")
            src = sources.get(d.line)
            if src is not None:
                lines.append(f"  {d.line:>{len(str(d.line))}} │ {_safe(src)}")
            lines.append("")
    lines.extend(_summary(s, options, width))
    return "\n".join(lines) + "\n"


def _summary(s: Summary, options: ReportOptions, width: int) -> list[str]:
    baseline = options.baseline
    cols = [("files", s.files), ("errors", s.errors), ("warnings", s.warnings),
            ("fixable", s.fixable)]
    if s.fixed:
        cols.append(("fixed", s.fixed))
    if baseline is not None:
        cols.append(("baselined", baseline.hidden))
    cells = [(name, str(value), max(len(name), len(str(value)))) for name, value in cols]
    if sum(w + 3 for _, _, w in cells) + 1 > width:
        raise _Unsafe  # Rich would squeeze the columns
    out = [
        "manifest-lint summary",
        "┏" + "┳".join("━" * (w + 2) for _, _, w in cells) + "┓",
        "┃" + "┃".join(f" {name:>{w}} " for name, _, w in cells) + "┃",
        "┡" + "╇".join("━" * (w + 2) for _, _, w in cells) + "┩",
        "│" + "│".join(f" {value:>{w}} " for _, value, w in cells) + "│",
        "└" + "┴".join("─" * (w + 2) for _, _, w in cells) + "┘",
    ]
    if baseline is not None:
        from manifest_lint.baseline import summary_line

        out.append(_safe(summary_line(baseline)))
    if s.fixable:
        verb = "is" if s.fixable == 1 else "are"
        out.append(f"{plural(s.fixable, 'problem')} {verb} fixable with `manifest-lint fix` "
                   "(marked [*])")
    elif not s.files:
        out.append("No files were checked.")
    elif not s.errors and not s.warnings:
        hidden = baseline is not None and baseline.hidden
        out.append("No new problems." if hidden else "All checks passed.")
    return out
