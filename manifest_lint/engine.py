"""Running the checkers: one file at a time, with selection and per-file ignores applied."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from manifest_lint import globs
from manifest_lint.config import Config
from manifest_lint.context import CheckContext, Settings
from manifest_lint.diagnostics import Diagnostic, Fix, Severity
from manifest_lint.kinds import KINDS
from manifest_lint.media import ClusterError
from manifest_lint.rules import Rule, select_codes
from manifest_lint.textio import SURROGATE, shown

if TYPE_CHECKING:
    from manifest_lint.datastats import SplitStats

__all__ = ["CheckContext", "FileResult", "Selection", "Settings", "Summary", "exit_code",
           "lint_file"]


@dataclass
class FileResult:
    path: Path
    display: str
    kind: str
    diagnostics: list[Diagnostic]
    fixed: int = 0  # problems fixed by `fix`
    notes: list[str] = field(default_factory=list)  # from the checker, or why not fixed
    stats: SplitStats | None = None  # class balance and image sizes, for reports


class Selection:
    """Which rule codes apply to which file (select/ignore, per-file-ignores)."""

    def __init__(self, config: Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.select = settings.select if settings.select is not None else config.select
        self.ignore = [*config.ignore, *settings.ignore]
        self._cache: dict[tuple[str, ...], frozenset[str]] = {}

    def codes_for(self, path: Path) -> frozenset[str]:
        rel = self.config.relpath(path)
        extra: list[str] = []
        for glob, codes in self.config.per_file_ignores.items():
            if globs.match(glob, rel):
                extra.extend(codes)
        key = tuple(extra)
        if key not in self._cache:
            self._cache[key] = select_codes(self.select, [*self.ignore, *extra])
        return self._cache[key]


def lint_file(
    path: Path,
    display: str,
    kind: str,
    config: Config,
    settings: Settings,
    selection: Selection,
    read_path: Path | None = None,
    notes: list[str] | None = None,
    facts: dict[str, Any] | None = None,
) -> list[Diagnostic]:
    """Run the checker of ``kind`` on one file; never raises for bad input. The checker's
    notes are appended to ``notes`` and the facts it left for later passes put in
    ``facts`` when given."""
    from manifest_lint.kinds.common import INTERNAL, UNREADABLE

    enabled = selection.codes_for(path)
    ctx = CheckContext(path, display, kind, config, settings, enabled, read_path)
    if facts:  # what a later pass asks the checker for (e.g. the dataset pass's request)
        ctx.facts.update(facts)
    checkers = KINDS[kind].load_checkers()
    try:
        diags = [d for checker in checkers for d in checker(ctx) if d.code in enabled]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        diags = [UNREADABLE.diag(display, 1, f"cannot read file: {reason}")]
    except ClusterError:
        raise  # not about this file: the run stops (exit 2)
    except Exception as exc:  # noqa: BLE001 - reported as ML002, never a traceback
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        diags = [INTERNAL.diag(
            display, 1,
            f"internal error while checking this file: {type(exc).__name__}: {exc} "
            f"(at {where}); please report this",
        )]
    for d in diags:  # a lone surrogate must not reach a UTF-8 report
        if SURROGATE.search(d.message):
            d.message = shown(d.message)
    if notes is not None:
        notes.extend(shown(note) for note in ctx.notes)
    if facts is not None:
        facts.update(ctx.facts)
    blocker = _drop_blocked_fixes(diags)
    if blocker is not None and notes is not None:
        notes.append(
            f"line fixes withheld: the file could not be read fully ({blocker.code} "
            f"{blocker.name}); fix that first (only BOM and line-ending fixes apply)"
        )
    diags.sort(key=Diagnostic.sort_key)
    return diags


def _drop_blocked_fixes(diags: list[Diagnostic]) -> Rule | None:
    """A file that could not be read fully (undecodable bytes, a line that is not valid
    CSV or JSON) gets only BOM and line-ending fixes: line edits are dropped, since they
    were computed from a partial reading. Returns the rule that blocked them, if any
    fix was dropped."""
    from manifest_lint.rules import find_rule

    blocker = next(
        (r for d in diags if (r := find_rule(d.code)) is not None and r.blocks_fixes), None
    )
    if blocker is None:
        return None
    dropped = False
    for d in diags:
        d.fix_from_media = False
        if d.fix is not None and d.fix.edits:
            dropped = True
            d.fix = None if not (d.fix.strip_bom or d.fix.newline) else Fix(
                strip_bom=d.fix.strip_bom, newline=d.fix.newline,
                final_newline=d.fix.final_newline,
            )
    return blocker if dropped else None


@dataclass
class Summary:
    files: int = 0
    errors: int = 0
    warnings: int = 0
    fixable: int = 0
    fixed: int = 0
    internal_errors: int = 0

    @classmethod
    def of(cls, results: Iterable[FileResult]) -> Summary:
        s = cls()
        for r in results:
            s.files += 1
            s.fixed += r.fixed
            for d in r.diagnostics:
                if d.severity is Severity.ERROR:
                    s.errors += 1
                else:
                    s.warnings += 1
                if d.fixable:
                    s.fixable += 1
                if d.code == "ML002":
                    s.internal_errors += 1
        return s

    def to_json(self) -> dict[str, int]:
        return {
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "fixable": self.fixable,
        }


def exit_code(summary: Summary, *, strict: bool, exit_zero: bool) -> int:
    """0 clean, 1 problems remain, 2 when a checker failed internally."""
    if summary.internal_errors:
        return 2
    if exit_zero:
        return 0
    if summary.errors or (strict and summary.warnings):
        return 1
    return 0
