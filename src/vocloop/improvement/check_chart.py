"""The check drawn: the metric before and after the change, in the action's scope and in
the rest of the organisation, each with its 95 % interval, on one scale.

The difference-in-differences reads off it: the scope's two dots move apart by more, or
less, than the rest's. A sample without answers gets no dot (dashboards/charts.py).
"""

from __future__ import annotations

from vocloop.dashboards.charts import IntervalDrawing, interval_drawing
from vocloop.improvement.check import Check
from vocloop.metrics.catalogue import METRICS, bounds_of, format_value
from vocloop.statistics.estimate import Estimate

PAD = 0.1  # of the values' range, either side


def check_drawing(check: Check, metric: str) -> IntervalDrawing | None:
    """None until there is something to compare: the before-period at least."""
    rows = [
        ("scope", "This scope, before", check.before),
        ("scope", "This scope, after", check.after),
        ("rest", "The rest, before", check.rest_before),
        ("rest", "The rest, after", check.rest_after),
    ]
    shown = [e for _, _, e in rows if e is not None and _drawn(e)]
    if not shown or check.before is None:
        return None
    ends = [v for e in shown for v in (e.ci_low, e.ci_high, e.value) if v is not None]
    least, most = bounds_of(METRICS[metric])
    spread = (max(ends) - min(ends)) or abs(max(ends)) or 1.0
    low = max(least, min(ends) - PAD * spread)
    high = min(most, max(ends) + PAD * spread)
    # A side without an interval (too few answers for one) runs to the edge: unbounded.
    return interval_drawing(
        [
            (key, label, e.value, _or(e.ci_low, low), _or(e.ci_high, high), _drawn(e))
            if e is not None
            else (key, label, None, None, None, False)
            for key, label, e in rows
        ],
        low=low,
        high=high,
        value_label=lambda v: format_value(v, metric),
        width=520,
    )  # fmt: skip


def _drawn(e: Estimate | None) -> bool:
    return e is not None and e.n > 0 and e.value is not None


def _or(value: float | None, instead: float) -> float:
    return instead if value is None else value
