"""Control charts: when has a metric really changed, and when is it noise?

- p-chart for proportions (CSAT, complaint rate, SLA compliance…) per period:
  centre p̄ = Σx/Σn, limits p̄ ± 3√(p̄(1 − p̄)/nᵢ), so each period's limits follow
  its own subgroup size.
- Laney p′: with thousands of responses a period, real day-to-day variation that
  binomial sampling does not model (overdispersion) makes p-chart limits so narrow
  that nearly every point is "out of control". Laney widens them by σ_z, the spread
  of the points' z-scores estimated from their moving range (MR̄/1.128).
  Switch rule (automatic unless `laney` is given): use p′ when there are at least
  10 subgroups and σ_z > 1 + 2.4/√k for k subgroups. For an in-control binomial
  process σ_z ≈ 1 with a standard deviation close to 0.91/√k (simulated), so the
  threshold sits beyond its 99th percentile for every k ≥ 10: a binomial process is
  switched in under 1 % of cases, while clear overdispersion is. The chart's `note`
  says which chart was drawn and why.
- XmR (individuals and moving range) for means and periodic NPS: X̄ ± 2.66·MR̄,
  moving-range chart with upper limit 3.267·MR̄ (the usual constants for n = 2).

The rules (Western Electric by default, or Nelson) read each point in its own
sigma units. The moving-range limits are reported for drawing, but a moving range
above its limit is not raised as a signal: on a stable process that happens about
once per 110 points (|X₁ − X₂| > 3.685σ), which would double the false alarms, and
a jump big enough to matter already shows on the individuals chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vocloop.statistics.rules import RuleSetName, Signal, detect

__all__ = [
    "D2",
    "MIN_SUBGROUPS_FOR_LANEY",
    "ControlChart",
    "laney_threshold",
    "p_chart",
    "xmr_chart",
]

D2 = 1.128  # E|X₁ − X₂|/σ for normal data: turns a mean moving range into a sigma
XMR_LIMIT_FACTOR = 2.66  # 3/D2, as the reference formula states it
MR_UPPER_FACTOR = 3.267  # D4 for moving ranges of two points
MIN_SUBGROUPS_FOR_LANEY = 10


@dataclass(frozen=True, slots=True)
class ControlChart:
    chart: str  # "p", "laney p′" or "XmR"
    values: tuple[float, ...]
    centre: float
    lower: tuple[float, ...]  # one limit per point: p-chart limits vary with nᵢ
    upper: tuple[float, ...]
    sigma: tuple[float, ...]
    z: tuple[float, ...]
    signals: tuple[Signal, ...]
    note: str
    sigma_z: float | None = None  # Laney's ratio, p-charts only
    moving_ranges: tuple[float, ...] = ()  # XmR only; moving_ranges[i] is |xᵢ₊₁ − xᵢ|
    moving_range_centre: float | None = None
    moving_range_upper: float | None = None


def laney_threshold(subgroups: int) -> float:
    """The σ_z above which overdispersion is clear for this many subgroups."""
    return 1.0 + 2.4 / math.sqrt(subgroups)


def _sigma_from_moving_range(values: NDArray[np.float64]) -> float:
    return float(np.mean(np.abs(np.diff(values)))) / D2


def _signals(
    z: NDArray[np.float64], sigma: NDArray[np.float64], rules: RuleSetName
) -> list[Signal]:
    # With no variation at all (p̄ of 0 or 1, a constant series) there is nothing to
    # judge; "15 points within 1σ" would otherwise fire on a process that never moved.
    if not np.any(sigma > 0):
        return []
    return detect(z, rules)


def p_chart(
    successes: Sequence[int],
    sizes: Sequence[int],
    *,
    laney: bool | None = None,
    rules: RuleSetName = "western_electric",
) -> ControlChart:
    """A p-chart, or Laney p′ when the data are overdispersed (or `laney` forces it)."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(sizes, dtype=float)
    if x.shape != n.shape or x.ndim != 1 or x.size < 2:
        raise ValueError("a p-chart needs at least two subgroups of successes and sizes")
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n):
        raise ValueError("every subgroup needs n > 0 and 0 ≤ successes ≤ n")
    p = x / n
    p_bar = float(x.sum() / n.sum())
    sigma = np.sqrt(p_bar * (1.0 - p_bar) / n)
    z = np.divide(p - p_bar, sigma, out=np.zeros_like(p), where=sigma > 0)
    sigma_z = _sigma_from_moving_range(z)
    k = int(x.size)
    threshold = laney_threshold(k)
    if laney is None:
        use_laney = k >= MIN_SUBGROUPS_FOR_LANEY and sigma_z > threshold
        if use_laney:
            note = (
                f"Laney p′ chart: the periods vary {sigma_z:.2f}× more than binomial sampling "
                f"explains (clearly above {threshold:.2f} for {k} periods), so the limits are "
                "widened by that factor."
            )
        elif k < MIN_SUBGROUPS_FOR_LANEY:
            note = (
                f"p-chart: {k} periods are too few to judge overdispersion "
                f"(Laney p′ needs {MIN_SUBGROUPS_FOR_LANEY})."
            )
        else:
            note = (
                f"p-chart: the variation between periods ({sigma_z:.2f}× binomial) is "
                f"within what sampling explains (threshold {threshold:.2f})."
            )
    else:
        use_laney = laney
        note = f"{'Laney p′' if laney else 'p'} chart as requested (σ_z = {sigma_z:.2f})."
    if use_laney and sigma_z > 0:
        sigma = sigma * sigma_z
        z = z / sigma_z
    lower = np.clip(p_bar - 3.0 * sigma, 0.0, 1.0)
    upper = np.clip(p_bar + 3.0 * sigma, 0.0, 1.0)
    return ControlChart(
        chart="laney p′" if use_laney else "p",
        values=tuple(p.tolist()),
        centre=p_bar,
        lower=tuple(lower.tolist()),
        upper=tuple(upper.tolist()),
        sigma=tuple(sigma.tolist()),
        z=tuple(z.tolist()),
        signals=tuple(_signals(z, sigma, rules)),
        note=note,
        sigma_z=sigma_z,
    )


def xmr_chart(values: Sequence[float], *, rules: RuleSetName = "western_electric") -> ControlChart:
    """An individuals chart with its moving-range chart (means, periodic NPS)."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError("an XmR chart needs at least two values")
    moving = np.abs(np.diff(x))
    mr_bar = float(moving.mean())
    centre = float(x.mean())
    sigma_value = mr_bar / D2
    sigma = np.full_like(x, sigma_value)
    z = (x - centre) / sigma_value if sigma_value > 0 else np.zeros_like(x)
    mr_upper = MR_UPPER_FACTOR * mr_bar
    signals = _signals(z, sigma, rules)
    half = XMR_LIMIT_FACTOR * mr_bar
    return ControlChart(
        chart="XmR",
        values=tuple(x.tolist()),
        centre=centre,
        lower=(centre - half,) * x.size,
        upper=(centre + half,) * x.size,
        sigma=tuple(sigma.tolist()),
        z=tuple(z.tolist()),
        signals=tuple(signals),
        note=f"XmR chart: limits X̄ ± 2.66·MR̄ with MR̄ = {mr_bar:.4g}.",
        moving_ranges=tuple(moving.tolist()),
        moving_range_centre=mr_bar,
        moving_range_upper=mr_upper,
    )
