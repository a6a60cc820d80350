"""``--format json``: exactly one object, ``{"diagnostics": [...], "summary": {...}}``."""

from __future__ import annotations

import json
from typing import TextIO

from manifest_lint.engine import FileResult, Summary


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None) -> None:
    payload = {
        "diagnostics": [d.to_json() for r in results for d in r.diagnostics],
        "summary": summary.to_json(),
    }
    json.dump(payload, out, ensure_ascii=False)
    out.write("\n")
