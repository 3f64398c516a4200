"""Will a quality objective be met? Its status, computed from its metric's series.

A quality objective (ISO 9001 6.2) names a metric, a target, a direction and a due
date: "NPS of the support desk at least 40 by 30 June", "complaint rate below 2 % by
the end of the year". Its status is computed, never typed in:

- MET: the current figure's interval lies wholly on the right side of the target
  (the caller passes the current `Estimate`; it must have enough responses);
- NOT_ENOUGH_DATA: fewer than MIN_POINTS periods in the series, or fewer than
  MIN_PROJECTION_RESPONSES responses in them;
- otherwise, from the probability of reaching the target at the due date:
  ON_TRACK at ON_TRACK_PROBABILITY or more, OFF_TRACK below OFF_TRACK_PROBABILITY,
  AT_RISK between.

The probability comes from a weighted least-squares line through the control chart's
series (one point per period: its day, value, standard error and n), each point
weighted by 1/SE², so that a period of 30 responses counts for less than one of 300.
Where the points scatter about the line more than their standard errors say — real
week-to-week variation that sampling does not explain, as on a Laney p′ chart — the
reduced χ² = Σ wᵢ·rᵢ²/(k − 2) of the k points exceeds 1, and every variance below is
multiplied by φ = max(1, reduced χ²); with φ ≤ 1 the standard errors are trusted.

The event forecast is that the figure measured for the period at the due date meets
the target. Its prediction is the line's value there, and its standard error adds the
line's own uncertainty at that day and a new period's scatter:

    SE² = φ·[1/Σw + (t − t̄)²/Σw(tᵢ − t̄)²] + φ·s²,

t̄ the weighted mean day and s² the median of the points' SE² (a typical period; the
median, because the current period is often still partial). The prediction interval
is the prediction ± z·SE and the probability

    P = Φ((prediction − target)/SE), or Φ((target − prediction)/SE) when lower is better.

φ is estimated from the k − 2 residual degrees of freedom and the interval stays
normal, as docs/formulas.md states it, so with few points and strong scatter it is a
little narrow: simulated, 11 weekly points scattering twice their sampling variance
are covered 93 % of the time (84 % without φ), 6 points scattering five times 89 %.
The bands of the status are coarse enough for that.

The thresholds: 0.8 is the power vocloop plans its checks for (an objective "on
track" is as likely to be met as a planned effect to be found); 0.2 mirrors it, so
"off track" says the target will be missed four times in five at this pace.

Pass standard errors as the control chart computes them (for proportions from the
centre line, √(p̄(1 − p̄)/nᵢ), the p-chart's sigma): a period's own p̂ would give a
period with no complaints a standard error of 0 and an infinite weight. Points with
no responses or a standard error that is not positive are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from vocloop.statistics.estimate import CONFIDENCE, MIN_RESPONSES, Estimate, z_value

__all__ = [
    "AT_RISK",
    "MET",
    "MIN_POINTS",
    "MIN_PROJECTION_RESPONSES",
    "NOT_ENOUGH_DATA",
    "OFF_TRACK",
    "OFF_TRACK_PROBABILITY",
    "ON_TRACK",
    "ON_TRACK_PROBABILITY",
    "Projection",
    "SeriesPoint",
    "TrendLine",
    "fit_trend",
    "project_objective",
]

MET = "met"
ON_TRACK = "on track"
AT_RISK = "at risk"
OFF_TRACK = "off track"
NOT_ENOUGH_DATA = "not enough data"

ON_TRACK_PROBABILITY = 0.8
OFF_TRACK_PROBABILITY = 0.2
# Six points: the fewest that show a trend on a control chart (six in a row rising is
# Nelson's trend rule), and that leave four degrees of freedom to judge the scatter.
MIN_POINTS = 6
# On average a reportable figure per period (MIN_RESPONSES each).
MIN_PROJECTION_RESPONSES = MIN_POINTS * MIN_RESPONSES


class SeriesPoint(NamedTuple):
    """One period of the metric's control chart: its day, value, standard error, n."""

    day: float
    value: float
    standard_error: float
    n: int


@dataclass(frozen=True, slots=True)
class TrendLine:
    """value = level + slope·(day − centre_day), weighted by 1/SE², widened by φ.

    Centred at the weighted mean day, the level and the slope are uncorrelated.
    """

    centre_day: float
    level: float
    slope: float
    level_se: float
    slope_se: float
    overdispersion: float  # φ = max(1, reduced χ²)
    reduced_chi_square: float
    typical_variance: float  # s², the median of the points' SE²
    points: int

    def predict(self, day: float) -> tuple[float, float]:
        """The line's value at `day` and the standard error of a period measured then."""
        offset = day - self.centre_day
        line_variance = self.level_se**2 + (offset * self.slope_se) ** 2
        se = math.sqrt(line_variance + self.overdispersion * self.typical_variance)
        return self.level + self.slope * offset, se


def _usable(points: Sequence[SeriesPoint]) -> list[SeriesPoint]:
    return [
        p
        for p in points
        if p.n > 0
        and p.standard_error > 0
        and math.isfinite(p.standard_error)
        and math.isfinite(p.value)
        and math.isfinite(p.day)
    ]


def fit_trend(points: Sequence[SeriesPoint]) -> TrendLine:
    """The weighted least-squares line through the usable points (at least three)."""
    used = _usable(points)
    if len(used) < 3:
        raise ValueError("a trend needs at least three points with responses")
    t = np.array([p.day for p in used], dtype=float)
    y = np.array([p.value for p in used], dtype=float)
    variance = np.array([p.standard_error for p in used], dtype=float) ** 2
    w = 1.0 / variance
    centre = float(w @ t / w.sum())
    dt = t - centre
    spread = float(w @ dt**2)
    if spread <= 0:
        raise ValueError("a trend needs points on at least two different days")
    level = float(w @ y / w.sum())
    slope = float(w @ (dt * y) / spread)
    residuals = y - level - slope * dt
    reduced = float(w @ residuals**2) / (len(used) - 2)
    phi = max(1.0, reduced)
    return TrendLine(
        centre_day=centre,
        level=level,
        slope=slope,
        level_se=math.sqrt(phi / float(w.sum())),
        slope_se=math.sqrt(phi / spread),
        overdispersion=phi,
        reduced_chi_square=reduced,
        typical_variance=float(np.median(variance)),
        points=len(used),
    )


@dataclass(frozen=True, slots=True)
class Projection:
    """An objective's status with the numbers behind it.

    The projection fields are None when the series cannot carry a line (fewer than
    three usable points); with NOT_ENOUGH_DATA they are filled when it can, for
    exports, but not to be shown.
    """

    status: str
    target: float
    due_day: float
    higher_is_better: bool
    current: Estimate
    prediction: float | None
    prediction_low: float | None
    prediction_high: float | None
    prediction_se: float | None
    probability: float | None
    slope_per_day: float | None
    slope_se: float | None
    overdispersion: float | None
    points_used: int
    n: int
    note: str


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _met(current: Estimate, target: float, higher_is_better: bool) -> bool:
    if not current.enough_data:
        return False
    if higher_is_better:
        return current.ci_low is not None and current.ci_low >= target
    return current.ci_high is not None and current.ci_high <= target


def project_objective(
    points: Sequence[SeriesPoint],
    *,
    current: Estimate,
    target: float,
    due_day: float,
    higher_is_better: bool,
    confidence: float = CONFIDENCE,
    bounds: tuple[float, float] = (-math.inf, math.inf),
) -> Projection:
    """The status of an objective to reach `target` by `due_day` (same day scale as points).

    `bounds` are the values the metric can take (a share 0 to 1): the straight line may
    run past them, so the prediction and its interval are cut there. The probability is
    the line's, unchanged: a target inside the bounds is on the same side of the cut."""
    used = _usable(points)
    n = sum(p.n for p in used)
    trend: TrendLine | None = None
    if len(used) >= 3 and len({p.day for p in used}) >= 2:
        trend = fit_trend(used)
    prediction = low = high = se = probability = None
    if trend is not None:
        prediction, se = trend.predict(due_day)
        half = z_value(confidence) * se
        margin = prediction - target if higher_is_better else target - prediction
        probability = _normal_cdf(margin / se)
        least, most = bounds
        low, high, prediction = (
            min(max(v, least), most) for v in (prediction - half, prediction + half, prediction)
        )
    if _met(current, target, higher_is_better):
        status = MET
        side = "at or above" if higher_is_better else "at or below"
        note = f"Met: the current interval lies wholly {side} {target:g}."
    elif probability is None or len(used) < MIN_POINTS or n < MIN_PROJECTION_RESPONSES:
        status = NOT_ENOUGH_DATA
        note = (
            f"Not enough data: {len(used)} periods with {n} responses; a projection needs "
            f"{MIN_POINTS} periods and {MIN_PROJECTION_RESPONSES} responses."
        )
    else:
        if probability >= ON_TRACK_PROBABILITY:
            status = ON_TRACK
        elif probability < OFF_TRACK_PROBABILITY:
            status = OFF_TRACK
        else:
            status = AT_RISK
        note = (
            f"At this pace {probability:.0%} likely to reach {target:g} by the due date "
            f"(predicted {prediction:.3g} [{low:.3g}, {high:.3g}])."
        )
    return Projection(
        status=status,
        target=target,
        due_day=due_day,
        higher_is_better=higher_is_better,
        current=current,
        prediction=prediction,
        prediction_low=low,
        prediction_high=high,
        prediction_se=se,
        probability=probability,
        slope_per_day=None if trend is None else trend.slope,
        slope_se=None if trend is None else trend.slope_se,
        overdispersion=None if trend is None else trend.overdispersion,
        points_used=len(used),
        n=n,
        note=note,
    )
