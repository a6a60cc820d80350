"""Rules and helpers shared by every kind: unreadable files and the encoding preflight."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, BinaryIO, Protocol

from manifest_lint.diagnostics import Diagnostic, Edit, Fix
from manifest_lint.media.progress import progress
from manifest_lint.rules import Rule, rule
from manifest_lint.textio import DecodeProblem, Preflight, count_lines
from manifest_lint.wording import plural

if TYPE_CHECKING:
    from manifest_lint.context import CheckContext

UNREADABLE = rule(
    "ML001", "unreadable-file", "common", "error", False,
    "The file cannot be read at all (permissions, a folder, a broken link).",
    why="""
A file the linter cannot open cannot be checked, and neither can the tool that consumes
it. The message carries the operating system's reason.
""",
    bad="$ chmod 000 train.csv",
    good="$ chmod 644 train.csv",
)

INTERNAL = rule(
    "ML002", "internal-error", "common", "error", False,
    "A checker failed on this file; the report says where. Please report it as a bug.",
    why="""
manifest-lint turns every problem with the input into a diagnostic. If a checker itself
fails, the file is reported with this code instead of a traceback so that the other files
are still checked; the run exits 2.
""",
    bad="(any input that makes a checker fail)",
    good="(report the message at the project's issue tracker)",
)


def encoding_diagnostics(
    ctx: CheckContext, pre: Preflight, encoding_rule: Rule, bom_rule: Rule
) -> tuple[list[Diagnostic], bool]:
    """Diagnostics for a foreign encoding, NUL bytes and a UTF-8 BOM.

    Returns the diagnostics and whether the file is worth reading line by line.
    """
    out: list[Diagnostic] = []
    if pre.foreign_encoding:
        out.append(encoding_rule.diag(
            ctx.display, 1,
            f"file is {pre.foreign_encoding} encoded (byte order mark found), not UTF-8; "
            "re-save it as UTF-8, e.g. `iconv -f UTF-16 -t UTF-8`",
        ))
        return out, False
    if pre.nul_line is not None:
        out.append(encoding_rule.diag(
            ctx.display, pre.nul_line,
            "file contains NUL bytes: it is binary or not UTF-8 text; "
            "check that the right file was committed",
        ))
        return out, False
    if pre.bom:
        out.append(bom_rule.diag(
            ctx.display, 1,
            "file starts with a UTF-8 byte order mark (BOM); remove it",
            fix=Fix(strip_bom=True) if bom_rule.fixable else None,
        ))
    return out, True


def decode_diagnostic(ctx: CheckContext, problem: DecodeProblem | None, r: Rule) -> Iterator[
    Diagnostic
]:
    """One diagnostic for the first undecodable byte, counting the other bad lines."""
    if problem is None:
        return
    others = problem.count - 1
    more = (f" ({plural(others, 'more line')} {'has' if others == 1 else 'have'} invalid "
            "bytes)") if others else ""
    yield r.diag(
        ctx.display, problem.line,
        f"invalid UTF-8 ({problem.detail}){more}; re-save the file as UTF-8",
        column=problem.column,
    )


class Pass(Protocol):
    """One streaming pass of a checker over a file."""

    advance: Callable[[int], None]  # progress of the media work, set by :func:`drive`

    def run(self, f: BinaryIO) -> Iterator[Diagnostic]: ...

    def finish(self) -> Iterator[Diagnostic]: ...

    def close(self) -> None: ...


def drive(ctx: CheckContext, pre: Preflight, scan: Pass, *, show_progress: bool
          ) -> Iterator[Diagnostic]:
    """Run ``scan`` over the file (BOM skipped), then its file-level checks, with a media
    progress bar when asked; the scan is closed (worker pools shut down) whatever happens."""
    total = 0
    if show_progress:
        with ctx.open() as f:
            total = count_lines(f)
    with progress(total, "checking media", enabled=show_progress) as advance:
        scan.advance = advance
        try:
            with ctx.open() as f:
                if pre.bom:
                    f.read(3)
                yield from scan.run(f)
            yield from scan.finish()
        finally:
            scan.close()


def first_newline(ctx: CheckContext) -> str:
    """The terminator of the file's first line (``\n`` when it has none)."""
    with ctx.open() as f:
        first = f.readline(1 << 20)
    if first.endswith(b"\r\n"):
        return "\r\n"
    if b"\r" in first:
        return "\r"
    return "\n"


def with_newline(diags: Iterable[Diagnostic], newline: str) -> Iterator[Diagnostic]:
    """``diags`` with the LFs that join the lines of their fixes' contents written as
    ``newline``, so that a fix spanning lines keeps the file's line ends. Only for kinds
    whose lines never hold a newline of their own (JSON Lines)."""
    for d in diags:
        if newline != "\n" and d.fix is not None and any(
                e.content and "\n" in e.content for e in d.fix.edits):
            d.fix = replace(d.fix, edits=tuple(
                Edit(e.start, e.end, e.content.replace("\n", newline)) if e.content else e
                for e in d.fix.edits))
        yield d
