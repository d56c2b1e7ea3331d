"""Small server-rendered SVG charts: lines over time and grouped bars. Pure: no ORM.

Made for pages that must work without JavaScript and under the site's CSP (no inline
`style` attributes: every look is an SVG presentation attribute). Each chart is a
`role="img"` with a `<title>` and a `<desc>` summary; the page puts the same numbers in a
data table beside it (see `templates/prescriptions/_chart.html`). Series differ in colour
*and* in dash pattern and marker shape, so nothing is told by colour alone; the colours
keep at least 3:1 against white (WCAG 1.4.11).

    svg = line_chart(
        chart_id="pain", title="Pain during exercise", x_labels=["3 Mar", "5 Mar"],
        series=[Series("Pain during", [2, 4])], y_max=10, y_label="Pain (0 to 10)",
        threshold=Threshold(5, "Limit 5/10"),
    )
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#0b4f9e", "#a34700", "#00703c", "#6f2c91")
"""Blue, burnt orange, green, purple: each above 3:1 on white, apart for colour-blind eyes."""
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "diamond", "triangle")
WIDTH, HEIGHT = 400, 250
"""The viewBox. CSS scales it to the column; 12-unit text stays readable at 375 px."""
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 12, 14, 66
MAX_X_LABELS = 7
"""Label at most this many points on the x axis (every nth), so labels never overlap."""
CHAR_WIDTH = 6.6
"""How wide one character of 11-unit text may be, in viewBox units: 0.6 em, a little more
than the average of a wide system sans-serif (DejaVu Sans digits are 0.64 em)."""
EDGE = 2
"""No text comes closer than this to the left or right edge of the viewBox."""


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]  # one per x label; None leaves a gap
    outline: bool = False  # bars only: drawn as an outline (e.g. "planned"), not filled


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def axis_max(values: Sequence[float | int | None], *, at_least: float = 1) -> float:
    """A round top for the y axis just above the largest value (or `at_least`)."""
    top = max([v for v in values if v is not None] + [at_least])
    step = _nice_step(top)
    return step * math.ceil(top / step)


class _Frame:
    """Maps data to the viewBox and draws the axes, grid and labels."""

    def __init__(self, n: int, y_min: float, y_max: float) -> None:
        self.n = n
        self.y_min, self.y_max = y_min, y_max if y_max > y_min else y_min + 1
        self.left, self.right = PAD_LEFT, WIDTH - PAD_RIGHT
        self.top, self.bottom = PAD_TOP, HEIGHT - PAD_BOTTOM

    def x(self, i: int) -> float:
        if self.n <= 1:
            return (self.left + self.right) / 2
        return self.left + 8 + i * (self.right - self.left - 16) / (self.n - 1)

    def y(self, value: float) -> float:
        share = (value - self.y_min) / (self.y_max - self.y_min)
        return self.bottom - share * (self.bottom - self.top)

    def axes(self, y_label: str) -> list[str]:
        """Horizontal grid lines with their values, the baseline and the y-axis title."""
        parts = []
        step = _nice_step(self.y_max - self.y_min)
        tick = self.y_min
        while tick <= self.y_max + 1e-9:
            y = self.y(tick)
            parts.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.right}" y2="{y:.1f}" '
                'stroke="#d8d8d8" stroke-width="1"/>'
                f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="#0b0c0c">{_num(tick)}</text>'
            )
            tick += step
        parts.append(
            f'<line x1="{self.left}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}" '
            'stroke="#0b0c0c" stroke-width="1.5"/>'
        )
        mid = (self.top + self.bottom) / 2
        parts.append(
            f'<text x="11" y="{mid:.1f}" text-anchor="middle" font-size="11" fill="#0b0c0c" '
            f'transform="rotate(-90 11 {mid:.1f})">{escape(y_label)}</text>'
        )
        return parts

    def x_labels(self, labels: Sequence[str], positions: Sequence[float]) -> list[str]:
        """Labels under the x axis: the first, then every nth, always the last."""
        n = len(labels)
        every = max(1, math.ceil(n / MAX_X_LABELS))
        shown = set(range(0, n, every))
        if n:
            # Keep the last one, dropping the labelled neighbour it would touch.
            shown = {i for i in shown if i == 0 or n - 1 - i >= every} | {n - 1}
        return [self._x_label(labels[i], positions[i]) for i in sorted(shown)]

    def _x_label(self, label: str, x: float) -> str:
        """Centred under its point; a label that would run past the edge of the chart
        (the last one, at the right) ends at the edge instead, so none is clipped."""
        half = CHAR_WIDTH * len(label) / 2
        anchor = "middle"
        if x + half > WIDTH - EDGE:
            anchor, x = "end", WIDTH - EDGE
        elif x - half < EDGE:
            anchor, x = "start", EDGE
        return (
            f'<text x="{x:.1f}" y="{self.bottom + 16}" text-anchor="{anchor}" '
            f'font-size="11" fill="#0b0c0c">{escape(label)}</text>'
        )


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _legend(series: Sequence[Series], *, bars: bool) -> list[str]:
    parts = []
    y = HEIGHT - PAD_BOTTOM + 36.0
    x = float(PAD_LEFT)
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        width = 30 + 6.2 * len(s.name)
        if x > PAD_LEFT and x + width > WIDTH - PAD_RIGHT:
            x, y = float(PAD_LEFT), y + 15  # next row
        if bars:
            fill = "#ffffff" if s.outline else colour
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="14" height="10" fill="{fill}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
        else:
            dash = DASHES[i % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
                + _marker(MARKERS[i % len(MARKERS)], x + 9, y - 4, colour)
            )
        parts.append(
            f'<text x="{x + 22:.1f}" y="{y:.1f}" font-size="11" fill="#0b0c0c">'
            f"{escape(s.name)}</text>"
        )
        x += width
    return parts


def _wrap(chart_id: str, title: str, desc: str, parts: list[str]) -> SafeString:
    cid = escape(chart_id)
    svg = (
        f'<svg class="chart" id="{cid}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" focusable="false" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
        '<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )
    # Every piece of text above went through escape(); numbers are formatted by us.
    return mark_safe(svg)  # noqa: S308


def line_chart(
    *,
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_max: float | None = None,
    y_min: float = 0,
    y_label: str = "",
    threshold: Threshold | None = None,
    desc: str = "",
) -> SafeString:
    """Lines over `x_labels` (oldest first), one per series, with point markers.

    `y_max` defaults to a round number above the data. A `threshold` draws a dashed red
    rule (e.g. the 5/10 pain limit). `desc` is the text summary screen readers hear.
    """
    values = [v for s in series for v in s.values]
    top = y_max if y_max is not None else axis_max(values)
    frame = _Frame(len(x_labels), y_min, top)
    parts = frame.axes(y_label)
    parts += frame.x_labels(x_labels, [frame.x(i) for i in range(len(x_labels))])
    if threshold is not None:
        y = frame.y(threshold.value)
        parts.append(
            f'<line x1="{frame.left}" y1="{y:.1f}" x2="{frame.right}" y2="{y:.1f}" '
            'stroke="#b10e1e" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<text x="{frame.right}" y="{y - 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#b10e1e">{escape(threshold.label)}</text>'
        )
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        dash = DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        for j, v in enumerate(s.values[: len(x_labels)]):
            if v is None:
                runs.append([])
                continue
            runs[-1].append((frame.x(j), frame.y(float(v))))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
            parts.extend(_marker(MARKERS[i % len(MARKERS)], x, y, colour) for x, y in run)
    parts += _legend(series, bars=False)
    return _wrap(chart_id, title, desc or title, parts)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_max: float | None = None,
    y_label: str = "",
    desc: str = "",
) -> SafeString:
    """Grouped bars: for each x label one bar per series, side by side."""
    values = [v for s in series for v in s.values]
    top = y_max if y_max is not None else axis_max(values)
    frame = _Frame(len(x_labels), 0, top)
    parts = frame.axes(y_label)
    n = max(1, len(x_labels))
    slot = (frame.right - frame.left) / n
    bar = min(28.0, slot * 0.8 / max(1, len(series)))
    for j in range(len(x_labels)):
        centre = frame.left + slot * (j + 0.5)
        start = centre - bar * len(series) / 2
        for i, s in enumerate(series):
            v = s.values[j] if j < len(s.values) else None
            if v is None:
                continue
            colour = COLOURS[i % len(COLOURS)]
            y = frame.y(float(v))
            height = max(frame.bottom - y, 0.0)
            fill = "#ffffff" if s.outline else colour
            parts.append(
                f'<rect x="{start + i * bar + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                f'height="{height:.1f}" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
            )
    parts += frame.x_labels(x_labels, [frame.left + slot * (j + 0.5) for j in range(n)])
    parts += _legend(series, bars=True)
    return _wrap(chart_id, title, desc or title, parts)
