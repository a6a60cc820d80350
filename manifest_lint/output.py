"""The end of ``lint`` and ``fix``: apply or write the baseline, render the report in the
chosen format, and compute the exit code."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from manifest_lint.engine import FileResult, Selection, Summary, exit_code

if TYPE_CHECKING:
    from manifest_lint.baseline import Outcome
    from manifest_lint.identity import Identity

# Formats that print their own summary; the others get baseline and statistics lines on
# stderr, so that stdout holds nothing but the report.
SELF_SUMMARISING = ("full",)
WITH_STATISTICS = ("full", "concise", "json")


@dataclass
class OutputOptions:
    format: str
    output_file: Path | None = None
    color: bool | None = None  # None: Rich decides (NO_COLOR, FORCE_COLOR, TTY)
    statistics: bool = False
    baseline: Path | None = None  # hide the problems this baseline records
    write_baseline: Path | None = None  # record every problem here (then hide them)
    strict: bool = False
    exit_zero: bool = False
    fixing: bool = False
    recorded: Counter[Identity] | None = None  # the baseline's entries, once loaded
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, note): not linted
    diff: str | None = None  # `fix --diff --format json`: the diff goes in the report
    html_thumbnails: int | None = None  # pictures per rule in an HTML report (None: default)

    def load_baseline(self) -> None:
        """Read the baseline to apply (raises ``BaselineError`` for a bad one)."""
        if self.baseline is not None and self.write_baseline is None:
            from manifest_lint.baseline import load

            self.recorded = load(self.baseline)


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _baseline(results: list[FileResult], opts: OutputOptions,
              selection: Selection) -> Outcome | None:
    if opts.write_baseline is None and opts.baseline is None:
        return None
    from manifest_lint import baseline

    if opts.write_baseline is not None:
        recorded = baseline.write(opts.write_baseline, results)
        outcome = baseline.apply(results, opts.write_baseline, recorded, selection.codes_for)
        outcome.written = sum(recorded.values())
        return outcome
    if opts.baseline is not None:
        if opts.recorded is None:
            opts.load_baseline()
        assert opts.recorded is not None
        return baseline.apply(results, opts.baseline, opts.recorded, selection.codes_for)
    return None


def finish(results: list[FileResult], opts: OutputOptions, selection: Selection) -> int:
    """Report ``results`` as ``opts`` say and return the exit code."""
    from manifest_lint.identity import repository_root
    from manifest_lint.reporters import ReportOptions, get_reporter
    from manifest_lint.wording import plural

    if opts.format != "full" or opts.output_file is not None:
        # Machine formats keep stdout to the report: say the rest on stderr.
        for r in results:
            if opts.fixing and r.fixed:
                _err(f"fixed {plural(r.fixed, 'problem')} in {r.display}")
            for note in r.notes:
                _err(f"{r.display}: note: {note}")
    outcome = _baseline(results, opts, selection)
    summary = Summary.of(results)
    report = ReportOptions(statistics=opts.statistics and opts.format in WITH_STATISTICS,
                           baseline=outcome, root=repository_root(), notes=opts.notes,
                           fixed=summary.fixed if opts.fixing else None, diff=opts.diff,
                           config=selection.config, settings=selection.settings)
    if opts.html_thumbnails is not None:
        report.html_thumbnails = opts.html_thumbnails
    render = get_reporter(opts.format)
    if opts.output_file is not None:
        with open(opts.output_file, "w", encoding="utf-8") as fh:
            render(results, summary, fh, bool(opts.color), report)
    else:
        render(results, summary, sys.stdout, opts.color, report)
    _side_notes(results, opts, outcome)
    return exit_code(summary, strict=opts.strict, exit_zero=opts.exit_zero)


def _side_notes(results: list[FileResult], opts: OutputOptions,
                outcome: Outcome | None) -> None:
    if opts.statistics and opts.format not in WITH_STATISTICS:
        from manifest_lint.reporters.statistics import rule_statistics, write_text

        write_text(rule_statistics(results), sys.stderr)
    if outcome is not None and (opts.format not in SELF_SUMMARISING or opts.statistics
                                or opts.output_file is not None):
        from manifest_lint.baseline import summary_line

        _err(summary_line(outcome))

