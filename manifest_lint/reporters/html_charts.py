"""Inline SVG bar charts for ``--format html``: a file's class balance and its image-size
distribution (no script, no library: bars are rectangles, labels are escaped text)."""

from __future__ import annotations

from manifest_lint.datastats import SplitStats
from manifest_lint.reporters.html_page import esc

WIDTH = 320
ROW = 20
LABEL = 110  # width of the label column
MAX_BARS = 8  # bars per chart; the rest are summed into one "other" bar
MAX_LABEL = 16  # characters of a label shown (the full text is in the bar's tooltip)

CLASS_COLOURS = {"normal": "#2e7d32", "anomaly": "#c62828"}
DEFAULT_COLOUR = "#1565c0"


def bar_chart(title: str, bars: list[tuple[str, int]], colours: dict[str, str] | None = None
              ) -> str:
    """A horizontal bar chart (SVG) of ``(label, count)`` pairs, largest first."""
    bars = sorted(bars, key=lambda b: -b[1])
    if len(bars) > MAX_BARS:
        rest = bars[MAX_BARS - 1:]
        bars = [*bars[:MAX_BARS - 1], (f"{len(rest)} others", sum(n for _, n in rest))]
    total = sum(n for _, n in bars) or 1
    top = max((n for _, n in bars), default=1) or 1
    height = ROW * len(bars) + 4
    span = WIDTH - LABEL - 70
    parts = [f'<svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{esc(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="12" '
             f'font-family="system-ui,sans-serif">']
    for i, (label, n) in enumerate(bars):
        y = 2 + i * ROW
        w = max(1, round(span * n / top))
        colour = (colours or {}).get(label, DEFAULT_COLOUR)
        shown = label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"
        parts.append(
            f'<g><title>{esc(label)}: {n:,} ({100 * n / total:.1f}%)</title>'
            f'<text x="{LABEL - 4}" y="{y + 13}" text-anchor="end" fill="#1d2125">'
            f'{esc(shown)}</text>'
            f'<rect x="{LABEL}" y="{y + 2}" width="{w}" height="{ROW - 6}" rx="2" '
            f'fill="{colour}"/>'
            f'<text x="{LABEL + w + 4}" y="{y + 13}" fill="#5c6670">{n:,} '
            f'({100 * n / total:.0f}%)</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stats_charts(title: str, stats: SplitStats, sizes_note: str) -> str:
    """The charts of one file: class balance and image sizes (or why there are none)."""
    parts = [f'<div class="chart"><h3>{esc(title)}</h3>']
    if stats.classes:
        n = sum(stats.classes.values())
        parts.append(f'<p class="note">Class balance ({n:,} images)</p>')
        parts.append(bar_chart(f"class balance of {title}", list(stats.classes.items()),
                               CLASS_COLOURS))
    if stats.sizes:
        n = sum(stats.sizes.values())
        parts.append(f'<p class="note">Image sizes ({n:,} images probed)</p>')
        parts.append(bar_chart(f"image sizes of {title}",
                               [(f"{w}x{h}", c) for (w, h), c in stats.sizes.items()]))
    elif sizes_note:
        parts.append(f'<p class="note">Image sizes: {esc(sizes_note)}</p>')
    parts.append("</div>")
    return "".join(parts)
