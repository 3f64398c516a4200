"""Comparing two periods or two groups: is the difference real or noise?

Every comparison is `a` against `b` (typically this period against the last one):
the difference a − b, its interval, a two-sided p-value, and a verdict in plain
words at α = 0.05 — "higher" (a is higher), "lower", or "no detectable change".

Which test fits which metric:

- NPS: z = (N₁ − N₂)/√(SE₁² + SE₂²) with the multinomial SEs, the interval
  difference ± z·√(SE₁² + SE₂²), clipped to [−200, 200].
- Proportions: the interval is Newcombe's hybrid score interval (method 10, built
  from the two Wilson intervals), which keeps its coverage for small n and rates
  near 0 or 1 where the Wald difference interval fails; the p-value is the pooled
  two-proportion z-test (the χ² test without continuity correction). The two are
  not exactly dual, so near the boundary they can disagree: the verdict then says
  "no detectable change" unless BOTH the p-value is below α and the interval
  excludes zero — a reader never sees "higher" next to an interval containing 0.
- Means: Welch's t-test with Welch–Satterthwaite degrees of freedom, from
  sufficient statistics; it does not assume equal variances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from vocloop.statistics.estimate import CONFIDENCE, MIN_RESPONSES, z_value
from vocloop.statistics.intervals import Moments, wilson_interval
from vocloop.statistics.metrics import NpsCounts, nps_standard_error

__all__ = [
    "ALPHA",
    "Comparison",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "verdict",
]

ALPHA = 0.05
NO_CHANGE = "no detectable change"


@dataclass(frozen=True, slots=True)
class Comparison:
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    verdict: str
    test: str
    n_a: int
    n_b: int
    # Both sides reached the minimum sample; below it callers say "not enough responses".
    enough_data: bool


def verdict(
    difference: float, ci_low: float, ci_high: float, p_value: float, alpha: float = ALPHA
) -> str:
    """Say "higher" or "lower" only when the p-value and the interval both say so."""
    if p_value < alpha and ci_low > 0.0 and difference > 0.0:
        return "higher"
    if p_value < alpha and ci_high < 0.0 and difference < 0.0:
        return "lower"
    return NO_CHANGE


def _two_sided_normal_p(z: float) -> float:
    # 2·(1 − Φ(|z|)) = erfc(|z|/√2): exact, and far cheaper than a scipy call per figure.
    return math.erfc(abs(z) / math.sqrt(2.0))


def _zero_se(difference: float) -> float:
    # With no sampling variation at all, any difference is certain and none is nothing.
    return 1.0 if difference == 0.0 else 0.0


def compare_nps(
    a: NpsCounts,
    b: NpsCounts,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Comparison:
    """NPS of a minus NPS of b, in points."""
    if a.n == 0 or b.n == 0:
        raise ValueError("both sides need at least one response")
    difference = (
        100.0 * (a.promoters - a.detractors) / a.n - 100.0 * (b.promoters - b.detractors) / b.n
    )
    se = math.hypot(nps_standard_error(a), nps_standard_error(b))
    p = _two_sided_normal_p(difference / se) if se > 0 else _zero_se(difference)
    half = z_value(confidence) * se
    low, high = max(-200.0, difference - half), min(200.0, difference + half)
    return Comparison(
        difference,
        low,
        high,
        p,
        verdict(difference, low, high, p, 1.0 - confidence),
        "two-sample z-test on NPS",
        a.n,
        b.n,
        min(a.n, b.n) >= min_n,
    )


def compare_proportions(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Comparison:
    """Proportion of a minus proportion of b (as a share, −1…1)."""
    if n_a <= 0 or n_b <= 0:
        raise ValueError("both sides need n > 0")
    pa, pb = successes_a / n_a, successes_b / n_b
    difference = pa - pb
    la, ua = wilson_interval(successes_a, n_a, confidence)
    lb, ub = wilson_interval(successes_b, n_b, confidence)
    # Newcombe's method 10 (docs/formulas.md): combine each side's distance to its Wilson bounds.
    low = difference - math.sqrt((pa - la) ** 2 + (ub - pb) ** 2)
    high = difference + math.sqrt((ua - pa) ** 2 + (pb - lb) ** 2)
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b))
    p = _two_sided_normal_p(difference / se) if se > 0 else _zero_se(difference)
    return Comparison(
        difference,
        low,
        high,
        p,
        verdict(difference, low, high, p, 1.0 - confidence),
        "Newcombe hybrid score interval; pooled two-proportion z-test",
        n_a,
        n_b,
        min(n_a, n_b) >= min_n,
    )


def compare_means(
    a: Moments,
    b: Moments,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Comparison:
    """Mean of a minus mean of b, by Welch's t-test."""
    if a.n < 2 or b.n < 2:
        raise ValueError("Welch's test needs at least two values on each side")
    difference = a.mean - b.mean
    va, vb = a.variance / a.n, b.variance / b.n
    se = math.sqrt(va + vb)
    if se > 0:
        df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
        p = float(2.0 * stats.t.sf(abs(difference) / se, df))
        half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    else:
        p, half = _zero_se(difference), 0.0
    low, high = difference - half, difference + half
    return Comparison(
        difference,
        low,
        high,
        p,
        verdict(difference, low, high, p, 1.0 - confidence),
        "Welch two-sample t-test",
        a.n,
        b.n,
        min(a.n, b.n) >= min_n,
    )
