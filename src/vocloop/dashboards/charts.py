"""Chart geometry for server-drawn SVG: sparklines, control charts and interval plots.

Plain Python with no Django import: each function turns numbers into coordinates
and the templates draw them, so charts render with no JavaScript and no network,
print well, and are tested like any other function.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Axis:
    """A linear map from data values to pixels (y grows downwards in SVG)."""

    low: float
    high: float
    top: float
    bottom: float

    def y(self, value: float) -> float:
        if self.high == self.low:
            return round((self.top + self.bottom) / 2, 1)
        share = (value - self.low) / (self.high - self.low)
        return round(self.bottom - share * (self.bottom - self.top), 1)


def _bounds(values: Sequence[float | None], *, pad: float = 0.08) -> tuple[float, float]:
    present = [v for v in values if v is not None and math.isfinite(v)]
    if not present:
        return 0.0, 1.0
    low, high = min(present), max(present)
    if high == low:
        spread = abs(high) * 0.1 or 1.0
        return low - spread, high + spread
    margin = (high - low) * pad
    return low - margin, high + margin


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round values between low and high for axis labels (1, 2, 2.5 or 5 × 10ⁿ apart)."""
    # A range no wider than rounding error (one limit reached by two sums) is one value:
    # steps a fraction of it apart would be lost adding up.
    if high - low <= max(abs(low), abs(high)) * 1e-9:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    within = math.floor((high - first) / step + 1e-9)
    return [round(first + i * step, 10) for i in range(within + 1)]


def _x_positions(
    count: int, left: float, right: float, at: Sequence[float] | None = None
) -> list[float]:
    """Evenly spaced, or placed at `at` (e.g. day numbers) so that gaps in time show."""
    if count == 1:
        return [round((left + right) / 2, 1)]
    if at is not None and at[-1] > at[0]:
        span = at[-1] - at[0]
        return [round(left + (a - at[0]) / span * (right - left), 1) for a in at]
    step = (right - left) / (count - 1)
    return [round(left + i * step, 1) for i in range(count)]


def _path(points: Sequence[tuple[float, float | None]]) -> str:
    """An SVG path through the points; a None breaks the line."""
    parts: list[str] = []
    pen_down = False
    for x, y in points:
        if y is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x},{y}")
        pen_down = True
    return " ".join(parts)


def _broken_at_gaps(
    points: Sequence[tuple[float, float]], widest: float
) -> list[tuple[float, float | None]]:
    """The line stops where periods without data leave a gap wider than `widest`."""
    out: list[tuple[float, float | None]] = []
    for i, (x, y) in enumerate(points):
        if i and x - points[i - 1][0] > widest:
            out.append((x, None))
        out.append((x, y))
    return out


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    path: str
    last: tuple[float, float] | None


def sparkline(values: Sequence[float | None], *, width: int = 120, height: int = 32) -> Sparkline:
    axis = Axis(*_bounds(values, pad=0.1), top=3, bottom=height - 3)
    xs = _x_positions(len(values), 3, width - 3) if values else []
    points = [(x, None if v is None else axis.y(v)) for x, v in zip(xs, values, strict=True)]
    last = next(((x, y) for x, y in reversed(points) if y is not None), None)
    return Sparkline(width, height, _path(points), last)


@dataclass(frozen=True)
class ChartPoint:
    key: str
    label: str
    x: float
    y: float
    value: float
    signal: bool
    n: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the end labels stay inside the chart


@dataclass(frozen=True)
class ControlChartDrawing:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    line: str
    centre: float
    upper: str  # a stepped path: p-chart limits change with each point's n
    lower: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def control_chart_drawing(
    *,
    keys: Sequence[str],
    labels: Sequence[str],
    values: Sequence[float],
    centre: float,
    lower: Sequence[float],
    upper: Sequence[float],
    signal_indices: set[int],
    sizes: Sequence[int],
    at: Sequence[float] | None = None,
    value_label: str = "{:g}",
    width: int = 720,
    height: int = 260,
    label_spacing: int = 80,
) -> ControlChartDrawing:
    """A control chart; `at` places points in time (day numbers), so gaps show as gaps."""
    left, right, top, bottom = 56, width - 16, 12, height - 40
    low, high = _bounds([*values, *lower, *upper, centre], pad=0.05)
    axis = Axis(low, high, top, bottom)
    xs = _x_positions(len(values), left + 8, right - 8, at)
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    half = min(gaps) / 2 if gaps else 8.0
    points = [
        ChartPoint(key, label, x, axis.y(v), v, i in signal_indices, n)
        for i, (key, label, x, v, n) in enumerate(zip(keys, labels, xs, values, sizes, strict=True))
    ]

    def stepped(limits: Sequence[float]) -> str:
        segments = [
            f"M{round(x - half, 1)},{axis.y(v)} L{round(x + half, 1)},{axis.y(v)}"
            for x, v in zip(xs, limits, strict=True)
        ]
        return " ".join(segments)

    # Labels at least `label_spacing` pixels apart, the first and last kept inside.
    ticks: list[Tick] = []
    for i, x in enumerate(xs):
        if ticks and x - ticks[-1].position < label_spacing:
            continue
        ticks.append(Tick(x, labels[i], "start" if i == 0 else "middle"))
    if len(ticks) > 1 and right - ticks[-1].position < label_spacing / 2:
        last = ticks.pop()
        ticks.append(Tick(last.position, last.label, "end"))
    return ControlChartDrawing(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        points=points,
        line=_path(_broken_at_gaps([(p.x, p.y) for p in points], half * 3)),
        centre=axis.y(centre),
        upper=stepped(upper),
        lower=stepped(lower),
        y_ticks=[Tick(axis.y(t), value_label.format(t)) for t in nice_ticks(low, high)],
        x_ticks=ticks,
    )


@dataclass(frozen=True)
class IntervalRow:
    key: str
    label: str
    y: float
    x: float | None
    x_low: float | None
    x_high: float | None
    enough_data: bool


@dataclass(frozen=True)
class IntervalDrawing:
    width: int
    height: int
    left: int
    right: int
    rows: list[IntervalRow]
    x_ticks: list[Tick]
    overall: float | None


def interval_drawing(
    rows: Sequence[tuple[str, str, float | None, float | None, float | None, bool]],
    *,
    low: float,
    high: float,
    overall: float | None = None,
    value_label: str | Callable[[float], str] = "{:g}",
    width: int = 560,
    row_height: int = 28,
) -> IntervalDrawing:
    """A dot per group with its interval as a whisker, on one shared scale.

    Rows are (key, label, value, ci_low, ci_high, enough_data); a group without
    enough data gets no dot, so it cannot be read as a result.
    """
    left, right = 170, width - 16
    height = row_height * len(rows) + 36

    def x(value: float | None) -> float | None:
        if value is None:
            return None
        share = (min(max(value, low), high) - low) / (high - low or 1.0)
        return round(left + share * (right - left), 1)

    drawn = [
        IntervalRow(
            key,
            label,
            row_height * i + row_height / 2 + 4,
            x(value) if enough else None,
            x(ci_low) if enough else None,
            x(ci_high) if enough else None,
            enough,
        )
        for i, (key, label, value, ci_low, ci_high, enough) in enumerate(rows)
    ]
    said = value_label.format if isinstance(value_label, str) else value_label
    ticks = [Tick(x(t) or 0.0, said(t)) for t in nice_ticks(low, high)]
    return IntervalDrawing(width, height, left, right, drawn, ticks, x(overall))


@dataclass(frozen=True)
class ParetoColumn:
    key: str
    label: str  # shortened to fit under its bar; the full name goes in `title`
    title: str
    x: float  # the bar's left edge
    width: float
    centre: float
    y: float  # the bar's top
    height: float
    whisker_top: float | None  # the interval's ends; None where no interval is drawn
    whisker_bottom: float | None
    cumulative_y: float
    muted: bool  # not a cause but a gap in the record, drawn apart


@dataclass(frozen=True)
class ParetoDrawing:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    columns: list[ParetoColumn]
    cumulative: str
    count_ticks: list[Tick]  # left axis: cases
    share_ticks: list[Tick]  # right axis: per cent of all of them, on the same scale


PARETO_LABEL_CHARS = 16


def pareto_drawing(
    rows: Sequence[tuple[str, str, float, float | None, float | None, float, bool]],
    *,
    total: int,
    width: int = 720,
    height: int = 300,
) -> ParetoDrawing:
    """A Pareto chart: bars sorted as given, and the cumulative share as a line.

    Rows are (key, label, share, ci_low, ci_high, cumulative, muted), shares of
    `total`. Bars and line share one scale, counted in cases on the left (0 to
    `total`) and in per cent on the right (0 to 100 %), so that a bar's height and
    the line's rise over it are the same amount.
    """
    left, right, top, bottom = 56, width - 56, 12, height - 72
    axis = Axis(0.0, 1.0, top, bottom)
    slot = (right - left) / max(len(rows), 1)
    bar = round(slot * 0.7, 1)
    columns = []
    for i, (key, label, share, ci_low, ci_high, cumulative, muted) in enumerate(rows):
        x = round(left + i * slot + (slot - bar) / 2, 1)
        short = label if len(label) <= PARETO_LABEL_CHARS else label[: PARETO_LABEL_CHARS - 1] + "…"
        columns.append(
            ParetoColumn(
                key=key,
                label=short,
                title=label,
                x=x,
                width=bar,
                centre=round(x + bar / 2, 1),
                y=axis.y(share),
                height=round(bottom - axis.y(share), 1),
                whisker_top=None if ci_high is None else axis.y(ci_high),
                whisker_bottom=None if ci_low is None else axis.y(ci_low),
                cumulative_y=axis.y(cumulative),
                muted=muted,
            )
        )
    counts = [t for t in nice_ticks(0.0, float(max(total, 1))) if t == int(t)]
    return ParetoDrawing(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        columns=columns,
        cumulative=_path([(c.centre, c.cumulative_y) for c in columns]),
        count_ticks=[Tick(axis.y(t / max(total, 1)), f"{int(t):,}") for t in counts],
        share_ticks=[Tick(axis.y(s), f"{s:.0%}", "start") for s in (0.0, 0.25, 0.5, 0.75, 1.0)],
    )
