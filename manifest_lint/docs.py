"""Rule documentation, rendered from the registry for ``rules``, ``explain`` and README."""

from __future__ import annotations

import json
from typing import TextIO

from manifest_lint.kinds.spec import Option
from manifest_lint.rules import Rule, all_rules


def rules_json() -> str:
    return json.dumps([
        {"code": r.code, "name": r.name, "kind": r.kind, "severity": r.severity.value,
         "fixable": r.fixable, "summary": r.summary}
        for r in all_rules()
    ], indent=2)


def rules_markdown() -> str:
    lines = ["| code | name | kind | severity | fix | summary |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in all_rules():
        summary = r.summary.replace("|", "\\|")
        lines.append(f"| {r.code} | `{r.name}` | {r.kind} | {r.severity.value} | "
                     f"{'yes' if r.fixable else ''} | {summary} |")
    return "\n".join(lines) + "\n"


def rules_table(out: TextIO) -> None:
    """The rules as a Rich table on a terminal; piped or redirected, as plain aligned
    columns, one rule per line and nothing cut."""
    if not (hasattr(out, "isatty") and out.isatty()):
        rows = [("code", "name", "kind", "severity", "fix", "summary")]
        rows += [(r.code, r.name, r.kind, r.severity.value, "yes" if r.fixable else "",
                  r.summary) for r in all_rules()]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        for row in rows:
            cells = [c.ljust(w) for c, w in zip(row[:5], widths, strict=True)]
            out.write("  ".join([*cells, row[5]]).rstrip() + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("code", "name", "kind", "severity", "fix", "summary"):
        table.add_column(col, overflow="fold")
    for r in all_rules():
        style = "red" if r.severity.value == "error" else "yellow"
        table.add_row(r.code, r.name, r.kind, f"[{style}]{r.severity.value}[/]",
                      "yes" if r.fixable else "", r.summary)
    Console(file=out).print(table)


def explain_text(r: Rule) -> str:
    fix = "yes: `manifest-lint fix` repairs it" if r.fixable else "no: needs a decision"
    parts = [
        f"{r.code} {r.name} ({r.kind})",
        "",
        r.summary,
        "",
        f"Severity: {r.severity.value}",
        f"Fixable:  {fix}",
        "",
        "Why",
        r.why,
        "",
        "Bad",
        _indent(r.bad),
        "",
        "Good",
        _indent(r.good),
    ]
    notes = [r.fix_note] if r.fix_note else []
    if r.blocks_fixes:
        notes.append("While this problem is in a file, `fix` applies only BOM and line-ending "
                     "fixes to it: other fixes were computed from a partial reading.")
    if notes:
        parts += ["", "Notes", *notes]
    return "\n".join(parts) + "\n"


def _indent(text: str) -> str:
    return "\n".join("    " + ln for ln in text.splitlines())


def options_markdown() -> str:
    """The configuration keys: top level, then each kind's table."""
    from manifest_lint.config import TOP_LEVEL
    from manifest_lint.kinds import KINDS

    lines = ["| table | key | type | default | meaning |", "| --- | --- | --- | --- | --- |"]

    def row(table: str, key: str, opt: Option) -> str:
        default = json.dumps(opt.default) if opt.default is not None else "all rules"
        choices = f" One of: {', '.join(repr(c) for c in opt.choices)}." if opt.choices else ""
        text = (opt.help + choices).replace("|", "\\|")
        return f"| {table} | `{key}` | {opt.type} | `{default}` | {text} |"

    lines += [row("`[tool.manifest-lint]`", k, o) for k, o in TOP_LEVEL.items()]
    for name, spec in KINDS.items():
        lines += [row(f"`[tool.manifest-lint.{name}]`", k, o) for k, o in spec.options.items()]
    return "\n".join(lines) + "\n"


GENERATED = {
    "rules": rules_markdown,
    "options": options_markdown,
}


def readme_with_rules(text: str) -> str:
    """``text`` (README.md) with every generated table between its markers regenerated."""
    for name, make in GENERATED.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, found, rest = text.partition(start)
        if not found:
            continue
        _, _, tail = rest.partition(end)
        text = f"{head}{start}\n{make()}{end}{tail}"
    return text


if __name__ == "__main__":  # python -m manifest_lint.docs README.md
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    target.write_text(readme_with_rules(target.read_text(encoding="utf-8")), encoding="utf-8")
