"""``--format gitlab``: a GitLab Code Quality report (a JSON array of issues)."""

from __future__ import annotations

import json
from typing import TextIO

from manifest_lint.engine import FileResult, Summary
from manifest_lint.identity import paired, relative_path
from manifest_lint.reporters import ReportOptions, clean_text

SEVERITY = {"error": "major", "warning": "minor"}  # GitLab: info minor major critical blocker


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    issues = []
    for r in results:
        path = clean_text(relative_path(r.path, options.root))
        for d, fp in paired(r, options.root):
            issues.append({
                "description": clean_text(f"{d.code} {d.name}: {d.message}"),
                "check_name": d.code,
                "fingerprint": fp,
                "severity": "critical" if d.code == "ML002" else SEVERITY[d.severity.value],
                "location": {"path": path, "lines": {"begin": d.line}},
            })
    json.dump(issues, out, ensure_ascii=False, indent=2)
    out.write("\n")
