"""Charts as inline SVG: no plotting service, no script, nothing fetched.

Every chart is a `<figure>` whose SVG has `role="img"` with a `<title>` and a `<desc>`
that says what it shows in words, and a data table under it (in a `<details>`), so that a
screen reader, a text browser or a printout gets the same figures. Colours come from CSS
classes (ui/static/admin.css) and each series is also named in a text legend.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640  # viewBox units of a bar chart, which fills half the page
WIDE = 1100  # a column chart's, which fills the whole page: its text stays small
BAR_ROW = 22
LABEL_WIDTH = 220
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    css: str  # the class that colours it


def _e(text: object) -> str:
    return html.escape(str(text))


def _figure(title: str, description: str, svg_body: str, size: tuple[int, int], table: str,
            legend: str = "") -> str:
    n = next(_ids)
    return (f'<figure class="th-chart"><figcaption>{_e(title)}</figcaption>{legend}'
            f'<svg viewBox="0 0 {size[0]} {size[1]}" role="img" '
            f'aria-labelledby="th-chart-{n}-t th-chart-{n}-d" preserveAspectRatio="xMinYMin meet">'
            f'<title id="th-chart-{n}-t">{_e(title)}</title>'
            f'<desc id="th-chart-{n}-d">{_e(description)}</desc>{svg_body}</svg>'
            f"<details><summary>Data table: {_e(title)}</summary>{table}</details></figure>")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(
        (f'<th scope="row">{_e(cell)}</th>' if i == 0 else f"<td>{_e(cell)}</td>")
        for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _nice_max(value: int) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    scale = 1
    while True:
        for step in (1, 2, 2.5, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def stacked_columns(title: str, description: str, categories: Sequence[str],
                    series: Sequence[Series]) -> str:
    """One column per category (a day), its series stacked; the axis labels thinned so that
    they never overlap."""
    height, top, bottom, left = 200, 12, 30, 40
    plot_h = height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = _nice_max(max(totals, default=0))
    slot = (WIDE - left - 8) / max(1, len(categories))
    bar_w = max(1.0, slot * 0.8)
    parts = [f'<line class="th-axis" x1="{left}" y1="{top + plot_h}" x2="{WIDE - 8}" '
             f'y2="{top + plot_h}"/>']
    for tick in (0, peak / 2, peak):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line class="th-grid" x1="{left}" y1="{y:.1f}" x2="{WIDE - 8}" '
                     f'y2="{y:.1f}"/><text class="th-tick" x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{tick:g}</text>')
    every = max(1, -(-len(categories) // 8))
    for i, category in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for s in series:
            value = s.values[i]
            if value:
                h = plot_h * value / peak
                y -= h
                parts.append(f'<rect class="{s.css}" x="{x:.1f}" y="{y:.1f}" '
                             f'width="{bar_w:.1f}" height="{h:.1f}"><title>{_e(category)}: '
                             f"{value} {_e(s.name)}</title></rect>")
        if i % every == 0:
            parts.append(f'<text class="th-tick" x="{x + bar_w / 2:.1f}" '
                         f'y="{top + plot_h + 16}" text-anchor="middle">{_e(category)}</text>')
    legend = '<p class="th-legend">' + "".join(
        f'<span><i class="th-key {s.css}"></i>{_e(s.name)}</span>' for s in series) + "</p>"
    rows = [[c, *(s.values[i] for s in series), totals[i]] for i, c in enumerate(categories)]
    table = _table(["", *(s.name for s in series), "total"], rows)
    return _figure(title, description, "".join(parts), (WIDE, height), table, legend)


def bars(title: str, description: str, items: Sequence[tuple[str, int]], *,
         css: str = "th-bar") -> str:
    """Horizontal bars, largest first as given, each labelled with its name and value."""
    if not items:
        return (f'<figure class="th-chart"><figcaption>{_e(title)}</figcaption>'
                f'<p class="th-empty">Nothing yet.</p></figure>')
    height = 8 + BAR_ROW * len(items)
    peak = max(value for _, value in items) or 1
    span = WIDTH - LABEL_WIDTH - 60
    parts = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * BAR_ROW
        shown = label if len(label) <= 34 else label[:33] + "…"
        width = span * value / peak
        parts.append(f'<text class="th-label" x="{LABEL_WIDTH - 8}" y="{y + 15}" '
                     f'text-anchor="end">{_e(shown)}<title>{_e(label)}</title></text>'
                     f'<rect class="{css}" x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" '
                     f'height="{BAR_ROW - 6}"/><text class="th-value" '
                     f'x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{value}</text>')
    table = _table(["", "count"], items)
    return _figure(title, description, "".join(parts), (WIDTH, height), table)
