"""``--format json``: exactly one object,
``{"diagnostics": [...], "summary": {...}, "notes": [{"path", "message"}, ...]}``; with a
baseline the summary also says how many problems it hid and how many of its entries are
stale, and ``--statistics`` adds a ``"statistics"`` list. ``fix`` adds ``"fixed"`` (problems
fixed) and ``fix --diff`` also ``"diff"`` (the unified diff, nothing written; ``fixed`` then
counts what would be fixed, ``diagnostics`` what would remain)."""

from __future__ import annotations

import json
from typing import TextIO

from manifest_lint.engine import FileResult, Summary
from manifest_lint.reporters import ReportOptions, all_notes


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    totals: dict[str, object] = dict(summary.to_json())
    payload: dict[str, object] = {
        "diagnostics": [d.to_json() for r in results for d in r.diagnostics],
        "summary": totals,
        "notes": [{"path": path, "message": message}
                  for path, message in all_notes(results, options)],
    }
    if options is not None and options.baseline is not None:
        totals["hidden_by_baseline"] = options.baseline.hidden
        totals["stale_baseline_entries"] = options.baseline.stale
    if options is not None and options.statistics:
        from manifest_lint.reporters.statistics import rule_statistics

        payload["statistics"] = [s.to_json() for s in rule_statistics(results)]
    if options is not None and options.fixed is not None:
        payload["fixed"] = options.fixed
    if options is not None and options.diff is not None:
        payload["diff"] = options.diff
    out.write(json.dumps(payload, ensure_ascii=False))  # one call to the C encoder
    out.write("\n")
