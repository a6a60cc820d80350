"""``--format junit``: JUnit XML for Jenkins, Azure Pipelines and GitLab test reports.

One test case per checked file; a ``<failure>`` per problem in it (an ``<error>`` for an
internal error), the checker's notes in ``<system-out>``. Text is escaped for XML, and
characters XML 1.0 cannot carry (control characters, lone surrogates) become U+FFFD.
"""

from __future__ import annotations

import re
from typing import TextIO

from manifest_lint.engine import FileResult, Summary
from manifest_lint.identity import relative_path
from manifest_lint.reporters import ReportOptions, clean_text

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ATTR = {**_TEXT, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
_TEXT_RE = re.compile("[&<>\r]")
_ATTR_RE = re.compile('[&<>\r"\n\t]')


def xml_text(s: str) -> str:
    """``s`` as XML character data."""
    s = _NOT_XML.sub("\ufffd", clean_text(s))
    return _TEXT_RE.sub(lambda m: _TEXT[m.group()], s)


def xml_attr(s: str) -> str:
    """``s`` as a double-quoted XML attribute value (without the quotes)."""
    s = _NOT_XML.sub("\ufffd", clean_text(s))
    return _ATTR_RE.sub(lambda m: _ATTR[m.group()], s)


def _case(r: FileResult, file: str) -> tuple[list[str], bool, bool]:
    """The lines of one test case, whether it failed and whether it had an error."""
    attrs = (f'classname="manifest-lint.{xml_attr(r.kind)}" name="{xml_attr(r.display)}" '
             f'file="{xml_attr(file)}"')
    if not r.diagnostics and not r.notes:
        return [f"    <testcase {attrs}/>"], False, False
    lines = [f"    <testcase {attrs}>"]
    failed = errored = False
    for d in r.diagnostics:
        tag = "error" if d.code == "ML002" else "failure"
        failed |= tag == "failure"
        errored |= tag == "error"
        message = f"line {d.line}, column {d.column}: {d.code} {d.name}: {d.message}"
        mark = " [*]" if d.fixable else ""
        body = f"{d.path}:{d.line}:{d.column}: {d.code} [{d.severity.value}] {d.message}{mark}"
        lines.append(f'      <{tag} type="{xml_attr(d.code)}" message="{xml_attr(message)}">'
                     f"{xml_text(body)}</{tag}>")
    if r.notes:
        notes = "\n".join(f"note: {n}" for n in r.notes)
        lines.append(f"      <system-out>{xml_text(notes)}</system-out>")
    lines.append("    </testcase>")
    return lines, failed and not errored, errored


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    body: list[str] = []
    failures = errors = 0
    for r in results:
        lines, failed, errored = _case(r, relative_path(r.path, options.root))
        body += lines
        failures += failed
        errors += errored
    counts = f'tests="{len(results)}" failures="{failures}" errors="{errors}"'
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="manifest-lint" {counts}>\n')
    if body:
        out.write(f'  <testsuite name="manifest-lint" {counts} skipped="0">\n')
        out.write("".join(line + "\n" for line in body))
        out.write("  </testsuite>\n")
    else:
        out.write(f'  <testsuite name="manifest-lint" {counts} skipped="0"/>\n')
    out.write("</testsuites>\n")
