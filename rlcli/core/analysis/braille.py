"""A line chart in the terminal, drawn with braille characters (2 × 4 dots a cell): axes with
their ranges, one color per curve, std bands as dim dots, a legend. Returns styled text
segments; the console decides whether colors are shown."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rlcli.core.analysis.curves import Curve

PALETTE = ("cyan", "magenta", "yellow", "green", "red", "blue", "bright_cyan", "bright_magenta", "bright_yellow")
_DOT = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # bit of the dot at [row][column] of a cell
Segment = tuple[str, str | None]  # text and its style


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]
        self.style: list[list[str | None]] = [[None] * width for _ in range(height)]

    def dot(self, px: int, py: int, style: str) -> None:
        """Dot at ``(px, py)`` of the 2w × 4h dot grid, y growing downwards."""
        if 0 <= px < 2 * self.width and 0 <= py < 4 * self.height:
            cell_x, cell_y = px // 2, py // 4
            self.bits[cell_y][cell_x] |= _DOT[py % 4][px % 2]
            self.style[cell_y][cell_x] = style

    def polyline(self, points: Sequence[tuple[float, float]], style: str, every: int = 1) -> None:
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            steps = max(abs(round(x1) - round(x0)), abs(round(y1) - round(y0)), 1)
            for i in range(0, steps + 1, every):
                self.dot(round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps), style)
        if len(points) == 1:
            self.dot(round(points[0][0]), round(points[0][1]), style)

    def row(self, y: int) -> list[Segment]:
        cells = zip(self.bits[y], self.style[y], strict=True)
        return [(chr(0x2800 + bits) if bits else " ", style) for bits, style in cells]


def compact(value: float) -> str:
    """1234567 -> 1.23M; small numbers with 3 significant digits."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.0f}" if magnitude >= 100 else f"{value:.3g}"


def _span(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if math.isclose(low, high):
        pad = abs(low) * 0.05 or 1.0
        return low - pad, high + pad
    return low, high


@dataclass(frozen=True)
class _Frame:
    """The plotted area: the data's spans and the canvas size in characters."""

    x_low: float
    x_high: float
    y_low: float
    y_high: float
    width: int
    height: int

    def to_dots(self, x: float, y: float) -> tuple[float, float]:
        """A data point → braille-dot coordinates (y clipped into the span; NaN at the bottom)."""
        y = min(max(y, self.y_low), self.y_high) if math.isfinite(y) else self.y_low
        dot_x = (x - self.x_low) / (self.x_high - self.x_low) * (2 * self.width - 1)
        return dot_x, (self.y_high - y) / (self.y_high - self.y_low) * (4 * self.height - 1)


def render(curves: list[Curve], title: str, xlabel: str, size: tuple[int, int]) -> list[list[Segment]]:
    """The chart as rows of styled segments, ``size`` = (columns, rows) of the whole chart."""
    xs = [x for c in curves for x in c.x]
    ys = [y for c in curves for y in (*c.y, *(c.low or ()), *(c.high or ())) if math.isfinite(y)]
    x_low, x_high = _span(xs)
    y_low, y_high = _span(ys or [0.0])
    y_labels = [compact(y_high), compact((y_low + y_high) / 2), compact(y_low)]
    margin = max(len(label) for label in y_labels) + 1
    width = max(size[0] - margin - 1, 20)
    height = max(size[1] - 4 - min(len(curves), 8), 5)
    frame = _Frame(x_low, x_high, y_low, y_high, width, height)
    canvas = _draw(curves, frame)
    rows: list[list[Segment]] = [[(title, "bold")]]
    label_at = {0: y_labels[0], height // 2: y_labels[1], height - 1: y_labels[2]}
    for y in range(height):
        rows.append([(label_at.get(y, "").rjust(margin - 1) + " │", "dim"), *canvas.row(y)])
    rows.append([(" " * (margin - 1) + " └" + "─" * width, "dim")])
    rows.append([(" " * (margin + 1) + _x_axis_labels(frame, xlabel), "dim")])
    return rows + _legend(curves)


def _draw(curves: list[Curve], frame: _Frame) -> _Canvas:
    canvas = _Canvas(frame.width, frame.height)
    for i, curve in enumerate(curves):
        color = PALETTE[i % len(PALETTE)]
        for band in (curve.low, curve.high):
            if band is not None:
                points = [frame.to_dots(x, y) for x, y in zip(curve.x, band, strict=True)]
                canvas.polyline(points, f"dim {color}", every=3)
        canvas.polyline([frame.to_dots(x, y) for x, y in zip(curve.x, curve.y, strict=True)], color)
    return canvas


def _x_axis_labels(frame: _Frame, xlabel: str) -> str:
    left, right = compact(frame.x_low), compact(frame.x_high)
    centre = f"{xlabel} ({compact((frame.x_low + frame.x_high) / 2)})"
    gap = max(frame.width - len(left) - len(centre) - len(right), 2)
    return left + " " * (gap // 2) + centre + " " * (gap - gap // 2) + right


def _legend(curves: list[Curve]) -> list[list[Segment]]:
    rows: list[list[Segment]] = []
    for i, curve in enumerate(curves[:8]):
        shaded = " (± std shaded)" if curve.low is not None else ""
        rows.append([("  ── ", PALETTE[i % len(PALETTE)]), (curve.label + shaded, None)])
    if len(curves) > 8:
        rows.append([(f"  … and {len(curves) - 8} more curves (colors repeat)", "dim")])
    return rows
