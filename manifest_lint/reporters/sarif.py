"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run: the driver lists every rule that fired (with its documentation), each result
points at a repository-relative file, line and column and carries a fingerprint that does
not change when other rows move (see :mod:`manifest_lint.identity`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from manifest_lint import __version__
from manifest_lint.engine import FileResult, Summary
from manifest_lint.identity import paired, relative_path
from manifest_lint.reporters import ReportOptions, clean_text
from manifest_lint.rules import Rule, find_rule

SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
          "sarif-schema-2.1.0.json")
INFORMATION_URI = "https://pypi.org/project/manifest-lint/"
FINGERPRINT = "manifestLintRecord/v1"
SRCROOT = "%SRCROOT%"


def _artifact(path: Path, root: Path) -> dict[str, str]:
    """A repository-relative, percent-encoded URI (an absolute file URI outside it)."""
    rel = relative_path(path, root)
    if rel == ".." or rel.startswith("../") or rel.startswith("/"):
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(os.fsencode(rel), safe="/"), "uriBaseId": SRCROOT}


def _markdown_help(r: Rule) -> str:
    fix = "yes: `manifest-lint fix` repairs it" if r.fixable else "no: it needs a decision"
    parts = [r.summary, "", r.why, "", "Bad:", "", "```", r.bad, "```", "", "Good:", "",
             "```", r.good, "```", "", f"Fixable: {fix}."]
    if r.fix_note:
        parts += ["", r.fix_note]
    return "\n".join(parts)


def _rule(code: str, name: str, level: str) -> dict[str, Any]:
    from manifest_lint.docs import explain_text

    r = find_rule(code)
    if r is None:  # pragma: no cover - every diagnostic comes from a registered rule
        return {"id": code, "name": name, "defaultConfiguration": {"level": level}}
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.why},
        "help": {"text": explain_text(r), "markdown": _markdown_help(r)},
        "defaultConfiguration": {"level": r.severity.value},
        "properties": {"tags": [r.kind], "fixable": r.fixable},
    }


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    root = options.root
    pairs = [(r, paired(r, root)) for r in results]
    fired: dict[str, tuple[str, str]] = {}
    for _, ds in pairs:
        for d, _fp in ds:
            fired.setdefault(d.code, (d.name, d.severity.value))
    from manifest_lint.rules import all_rules

    order = {r.code: i for i, r in enumerate(all_rules())}
    codes = sorted(fired, key=lambda c: (order.get(c, len(order)), c))
    index = {c: i for i, c in enumerate(codes)}
    sarif_results = []
    notes = []
    for r, ds in pairs:
        artifact = _artifact(r.path, root)
        for d, fp in ds:
            sarif_results.append({
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": d.severity.value,
                "message": {"text": clean_text(d.message)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": d.line, "startColumn": d.column},
                }}],
                "partialFingerprints": {FINGERPRINT: fp},
                "properties": {"fixable": d.fixable},
            })
        notes += [{"level": "note", "message": {"text": clean_text(note)},
                   "locations": [{"physicalLocation": {"artifactLocation": artifact}}]}
                  for note in r.notes]
    skipped = options.notes  # files not linted
    notes += [{"level": "note", "message": {"text": clean_text(note)},
               "locations": [{"physicalLocation": {"artifactLocation": _artifact(Path(p),
                                                                                 root)}}]}
              for p, note in skipped]
    invocation: dict[str, Any] = {"executionSuccessful": summary.internal_errors == 0}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run = {
        "tool": {"driver": {
            "name": "manifest-lint",
            "version": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(c, *fired[c]) for c in codes],
        }},
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(os.path.abspath(root)).as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    json.dump({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, out,
              ensure_ascii=False, indent=2)
    out.write("\n")
