"""``--format html``: one self-contained page to look at — the summary, a table of the
rules that fired (click one to show only its problems), each file's class balance and
image sizes as charts, every problem with its source line and, where the media are
reachable, the image, the mask over its image, or both copies of a duplicate; then the
explanation of every rule that fired.

Everything from the data (file names, messages, source lines, labels) is escaped; the
page loads nothing and runs only its own two scripts (see :mod:`.html_page`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, TextIO

from manifest_lint.diagnostics import Diagnostic
from manifest_lint.engine import FileResult, Summary
from manifest_lint.reporters import ReportOptions
from manifest_lint.reporters.html_charts import stats_charts
from manifest_lint.reporters.html_media import Previews, collect, preview_html, read_lines
from manifest_lint.reporters.html_page import esc, page

if TYPE_CHECKING:
    from manifest_lint.rules import Rule

MAX_SOURCE = 200  # characters of a source line shown
MAX_ROWS_PER_RULE = 1000  # problems of one rule listed in full; the rest are counted


def render(results: list[FileResult], summary: Summary, out: TextIO, color: bool | None,
           options: ReportOptions | None = None) -> None:
    options = options or ReportOptions()
    previews = collect(results, options.config, options.settings, options.html_thumbnails)
    counts = Counter(d.code for r in results for d in r.diagnostics)
    body = [
        "<h1>manifest-lint report</h1>",
        _summary(summary, options),
        _rules_table(results, counts, previews),
        _datasets(results, options),
        _skipped(options.notes),
        _files(results, previews),
        _explanations(counts),
    ]
    out.write(page("manifest-lint report", "\n".join(b for b in body if b) + "\n"))


def _summary(s: Summary, options: ReportOptions) -> str:
    cards = [("files", s.files, ""), ("errors", s.errors, "e" if s.errors else "ok"),
             ("warnings", s.warnings, "w" if s.warnings else "ok"), ("fixable", s.fixable, "")]
    if s.fixed:
        cards.append(("fixed", s.fixed, "ok"))
    if options.baseline is not None:
        cards.append(("baselined", options.baseline.hidden, ""))
    html = "".join(f'<div class="card {cls}" id="sum-{name}"><b>{n:,}</b>{name}</div>'
                   for name, n, cls in cards)
    hidden = options.baseline is not None and options.baseline.hidden
    clean = "No new problems." if hidden else "All checks passed."
    verdict = (clean if not s.errors and not s.warnings else
               f"{s.errors + s.warnings:,} problems"
               + (f", {s.fixable:,} fixable with <code>manifest-lint fix</code>"
                  if s.fixable else "") + ".")
    return f'<section id="summary"><div class="cards">{html}</div><p>{verdict}</p></section>'


def _rules_table(results: list[FileResult], counts: Counter[str], previews: Previews) -> str:
    if not counts:
        return ""
    from manifest_lint.reporters.statistics import rule_statistics

    rows = []
    for st in rule_statistics(results):
        r = _rule(st.code)
        severity = r.severity.value if r is not None else ""
        shown, more = previews.shown[st.code], previews.more[st.code]
        pics = (f"{shown:,}" + (f" (and {more:,} more)" if more else "")) if shown else (
            f"none: {previews.off}" if more and previews.off else "")
        rows.append(
            f'<tr class="rule" data-c="{esc(st.code)}"><td><a href="#rule-{esc(st.code)}">'
            f"{esc(st.code)}</a></td><td>{esc(st.name)}</td>"
            f'<td class="sev-{esc(severity)}">{esc(severity)}</td><td class="n">{st.count:,}'
            f'</td><td>{"yes" if st.fixable else ""}</td><td>{pics}</td></tr>'
        )
    return ('<section id="rules-fired"><h2>Rules</h2><p class="note">Click a rule to show '
            "only its problems (or open the page with <code>#only=CODE</code>). "
            '<span id="filter-state"></span></p><div class="scroll">'
            "<table><thead><tr><th>code</th><th>name</th><th>severity</th><th>count</th>"
            "<th>fixable</th><th>pictures</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div></section>")


def _datasets(results: list[FileResult], options: ReportOptions) -> str:
    no_media = options.settings is not None and options.settings.no_media
    charts = []
    for r in results:
        if r.stats is None:
            continue
        note = "not probed (--no-media)" if no_media else "no images were reachable locally"
        charts.append(stats_charts(r.display, r.stats, note))
    if not charts:
        return ""
    return ('<section id="datasets"><h2>Datasets</h2><p class="note">Per file (one split of '
            "a dataset): the class of each distinct image, and the sizes of the images the "
            'media checks opened.</p><div class="charts">' + "".join(charts)
            + "</div></section>")


def _skipped(notes: list[tuple[str, str]]) -> str:
    """The notes on files that were not linted."""
    if not notes:
        return ""
    items = "".join(f"<li>{esc(path)}: {esc(note)}</li>" for path, note in notes)
    return f'<section id="not-linted"><h2>Not linted</h2><ul class="note">{items}</ul></section>'


def _files(results: list[FileResult], previews: Previews) -> str:
    parts = []
    listed: Counter[str] = Counter()
    for i, r in enumerate(results):
        if not r.diagnostics and not r.fixed and not r.notes:
            continue
        parts.append(_file(i, r, previews, listed))
    if not parts:
        return '<section id="files"><h2>Files</h2><p>No problems.</p></section>'
    return '<section id="files"><h2>Files</h2>' + "".join(parts) + "</section>"


def _file(i: int, r: FileResult, previews: Previews, listed: Counter[str]) -> str:
    head = [f'<section class="file" id="file-{i}"><h3>{esc(r.display)} '
            f'<small class="note">({esc(r.kind)})</small></h3>']
    if r.fixed:
        head.append(f'<p class="note">fixed {r.fixed:,} problem{"s" if r.fixed != 1 else ""}'
                    "</p>")
    head += [f'<p class="note">note: {esc(n)}</p>' for n in r.notes]
    rows: list[str] = []
    shown = []
    skipped: Counter[str] = Counter()
    for d in r.diagnostics:
        if listed[d.code] >= MAX_ROWS_PER_RULE:
            skipped[d.code] += 1
            continue
        listed[d.code] += 1
        shown.append(d)
    lines = read_lines(r.path, {d.line for d in shown})
    for d in shown:
        rows.append(_row(d, lines.get(d.line), previews))
    for code, n in skipped.items():
        rows.append(f'<tr class="more" data-c="{esc(code)}"><td colspan="3">and {n:,} more '
                    f"{esc(code)} problem{'s' if n != 1 else ''} in this file (the report "
                    f"lists {MAX_ROWS_PER_RULE:,} per rule; <code>--format concise</code> "
                    "or <code>json</code> lists all)</td></tr>")
    if rows:
        head.append('<div class="scroll"><table><thead><tr><th>line</th><th>rule</th>'
                    "<th>problem</th></tr></thead><tbody>" + "".join(rows)
                    + "</tbody></table></div>")
    head.append("</section>")
    return "".join(head)


def _row(d: Diagnostic, source: str | None, previews: Previews) -> str:
    sev = d.severity.value
    fix = ' <span class="fix" title="fixable with manifest-lint fix">[*]</span>' if (
        d.fixable) else ""
    src = ""
    if source is not None and not source.strip():
        src = '<code class="src note">(blank line)</code>'
    elif source is not None:
        text = source if len(source) <= MAX_SOURCE else source[:MAX_SOURCE] + "…"
        src = f'<code class="src">{esc(text)}</code>'
    preview = previews.of(d)
    pics = preview_html(preview, d.code, previews.more[d.code], previews.limit) if (
        preview is not None) else ""
    return (f'<tr class="d" data-c="{esc(d.code)}"><td class="loc">{d.line}:{d.column}</td>'
            f'<td><a href="#rule-{esc(d.code)}" class="sev-{esc(sev)}">{esc(d.code)}</a>'
            f'<br><small>{esc(d.name)}</small></td><td class="msg">{esc(d.message)}{fix}'
            f"{src}{pics}</td></tr>")


def _rule(code: str) -> Rule | None:
    from manifest_lint.rules import find_rule

    return find_rule(code)


def _explanations(counts: Counter[str]) -> str:
    from manifest_lint.rules import all_rules

    articles = []
    for r in all_rules():
        if r.code not in counts:
            continue
        fix = "yes: <code>manifest-lint fix</code> repairs it" if r.fixable else (
            "no: needs a decision")
        notes = f"<p>{esc(r.fix_note)}</p>" if r.fix_note else ""
        articles.append(
            f'<article class="rule" id="rule-{esc(r.code)}" data-c="{esc(r.code)}">'
            f"<h3>{esc(r.code)} {esc(r.name)} "
            f'<small class="note">({esc(r.kind)})</small></h3><p>{esc(r.summary)}</p>'
            f'<p>Severity: <span class="sev-{esc(r.severity.value)}">{esc(r.severity.value)}'
            f"</span>. Fixable: {fix}.</p><p>{esc(r.why)}</p>"
            f"<p>Bad</p><pre>{esc(r.bad)}</pre><p>Good</p><pre>{esc(r.good)}</pre>{notes}"
            "</article>"
        )
    if not articles:
        return ""
    return ('<section id="rules"><h2>What the rules mean</h2>' + "".join(articles)
            + "</section>")
