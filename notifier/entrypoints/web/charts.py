"""Bar charts as inline SVG, drawn on the server from the numbers (no script, no CDN).

Readable without colour: every series has its own fill pattern (solid, hatched, dotted...) in
one dark ink, a legend shows the patterns with their names, and every bar carries its number as
text. The page shows the same numbers in a table next to each chart; the SVG is a picture of
that table (role="img" with a title saying so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

INK = "#00589c"  # 7:1 on white
TEXT = "#1a1a1a"
PATTERNS = ("solid", "hatch", "dots", "cross", "vertical", "open")
ROW = 26  # height of one horizontal bar row
BAR = 16


@dataclass(frozen=True)
class Series:
    name: str
    pattern: str  # one of PATTERNS


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float, ...]  # one per series (stacked)
    note: str = ""  # text after the bar, e.g. "50% ⚠"; default: the total
    emphasis: bool = False  # drawn with a thick outline and bold label


def _defs(uid: str) -> str:
    s = f'stroke="{INK}"'
    return (
        "<defs>"
        f'<pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" {s} stroke-width="3"/></pattern>'
        f'<pattern id="{uid}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.4" fill="{INK}"/>'
        "</pattern>"
        f'<pattern id="{uid}-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#fff"/><path d="M0 0L6 6M6 0L0 6" {s} '
        'stroke-width="1.2"/></pattern>'
        f'<pattern id="{uid}-vertical" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#fff"/><line x1="2.5" y1="0" x2="2.5" y2="5" {s} '
        'stroke-width="1.5"/></pattern>'
        "</defs>"
    )


def _fill(uid: str, pattern: str) -> str:
    if pattern == "solid":
        return INK
    if pattern == "open":
        return "#fff"
    return f"url(#{uid}-{pattern})"


LEGEND_LINE = 22


def _legend_lines(series: Sequence[Series], width: int) -> int:
    return len({y for _, y in _legend_places(series, width)}) if len(series) > 1 else 0


def _legend_places(series: Sequence[Series], width: int) -> list[tuple[float, float]]:
    """Where each legend entry goes: left to right, wrapping onto a new line when full."""
    places, x, y = [], 0.0, 0.0
    for s in series:
        size = 30 + 7 * len(s.name)
        if x > 0 and x + size > width:
            x, y = 0.0, y + LEGEND_LINE
        places.append((x, y))
        x += size
    return places


def _legend(uid: str, series: Sequence[Series], width: int) -> list[str]:
    parts = []
    for s, (x, y) in zip(series, _legend_places(series, width), strict=True):
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="14" height="14" fill="{_fill(uid, s.pattern)}" '
            f'stroke="{INK}"/><text x="{x + 19:.0f}" y="{y + 12:.0f}">{escape(s.name)}</text>'
        )
    return parts


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


# The average advance of a character in the charts' sans-serif font, per pixel of font size
# (generous: digits and capitals are wider than the average letter).
CHAR_WIDTH = 0.62


def hbar(
    uid: str,
    title: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    width: int = 640,
    label_width: int = 150,
    note_width: int = 70,
) -> Markup:
    """Horizontal bars, one per row, stacked by series, scaled to the largest total. The label
    column grows with the longest label (up to half the width), so no label is cut off."""
    longest = max((len(r.label) for r in rows), default=0)
    label_width = max(label_width, min(width // 2, round(longest * CHAR_WIDTH * 12) + 10))
    top = LEGEND_LINE * _legend_lines(series, width) + (4 if len(series) > 1 else 0)
    height = top + ROW * max(len(rows), 1) + 4
    room = width - label_width - note_width
    biggest = max((sum(r.values) for r in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{uid}-title" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart" font-size="12" '
        f'fill="{TEXT}"><title id="{uid}-title">{escape(title)} (de cijfers staan in de tabel '
        "hieronder)</title>",
        _defs(uid),
    ]
    if len(series) > 1:
        parts += _legend(uid, series, width)
    for i, row in enumerate(rows):
        y = top + i * ROW
        weight = ' font-weight="700"' if row.emphasis else ""
        parts.append(
            f'<text x="{label_width - 6}" y="{y + BAR - 3}" text-anchor="end"{weight}>'
            f"{escape(row.label)}</text>"
        )
        x = float(label_width)
        for s, value in zip(series, row.values, strict=True):
            w = room * value / biggest
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" '
                    f'fill="{_fill(uid, s.pattern)}" stroke="{INK}" '
                    f'stroke-width="{2.5 if row.emphasis else 1}"><title>{escape(row.label)}, '
                    f"{escape(s.name)}: {_number(value)}</title></rect>"
                )
            x += w
        note = row.note or _number(sum(row.values))
        parts.append(f'<text x="{x + 6:.1f}" y="{y + BAR - 3}"{weight}>{escape(note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def vbar(
    uid: str,
    title: str,
    series: Sequence[Series],
    columns: Sequence[Row],
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Vertical bars over time (days, weeks), stacked by series, each with its total on top and
    its label below (every label when there is room, else every few)."""
    top = LEGEND_LINE * _legend_lines(series, width) + 18
    bottom = 34
    plot = height - top - bottom - 14
    n = max(len(columns), 1)
    step = (width - 10) / n
    bar = max(min(step * 0.7, 40), 3)
    every = max(1, round(45 / step))
    biggest = max((sum(c.values) for c in columns), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{uid}-title" '
        f'viewBox="0 0 {width} {height}" width="100%" class="chart" font-size="11" '
        f'fill="{TEXT}"><title id="{uid}-title">{escape(title)} (de cijfers staan in de tabel '
        "hieronder)</title>",
        _defs(uid),
    ]
    if len(series) > 1:
        parts += _legend(uid, series, width)
    base = height - bottom
    parts.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{TEXT}"/>')
    for i, col in enumerate(columns):
        x = 5 + i * step + (step - bar) / 2
        y = float(base)
        for s, value in zip(series, col.values, strict=True):
            h = plot * value / biggest
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{_fill(uid, s.pattern)}" stroke="{INK}"><title>{escape(col.label)}, '
                    f"{escape(s.name)}: {_number(value)}</title></rect>"
                )
        total = sum(col.values)
        if total and (step >= 16 or i % every == 0):
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                f"{escape(col.note or _number(total))}</text>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 14}" text-anchor="middle">'
                f"{escape(col.label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
