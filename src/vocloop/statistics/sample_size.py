"""How many responses an improvement check needs, and when they will be in.

An action is planned with the effect it is expected to have (complaint rate −0.10,
NPS +8, time to resolve 20 % shorter). The check (effect.py) calls it effective when
the 95 % interval of the difference-in-differences Δ excludes zero on the expected
side; it should do so with probability 0.8 when the effect is as expected. With Δ̂
normal around Δ and standard error SE, that probability is Φ(|Δ|/SE − z₀.₉₇₅), so the
check needs |Δ|/SE = z₀.₉₇₅ + z₀.₈.

Each period's estimate has a variance v/n, v the variance of one response (p(1 − p)
for a proportion; p + d − (p − d)² for NPS, in points²; σ² for a mean; for durations
the variances of DeLong's placements, dominance.py). With n scope responses in each
of the two periods and k·n in each of the rest's (k = `rest_per_scope`, how many
responses the rest gathers for each of the scope's — usually its share in the
before-period),

    SE² = (v_before + v_after)/n + (v_rest_before + v_rest_after)/(k·n),

so the check needs, per period,

    n = (z₀.₉₇₅ + z₀.₈)² · [v_before + v_after + (v_rest_before + v_rest_after)/k] / Δ².

That is `SampleSize.per_period`, the figure the verdict waits for. The rest's term
is why a check against a control needs more than a plain before/after comparison:
with a rest ten times the scope's size about 10 % more; with a rest the scope's size,
about twice as many. `SampleSize.two_periods` is the plain before/after comparison
of the scope alone; for proportions it is the formula of docs/formulas.md, whose
pooled null variance gives 293.2 for 30 % → 20 % (the unpooled DiD figure tends to
290.4 as the rest grows without bound).

The before-period is assumed to hold at least `per_period` scope responses: the
caller reaches back from the day of the change until it does. The rest is assumed
not to move, and for NPS the expected change to come half from more promoters and
half from fewer detractors; for means the spread to stay that of the before-period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from vocloop.statistics.dominance import dominance_components, scaled_shares
from vocloop.statistics.intervals import Moments
from vocloop.statistics.metrics import NpsCounts

__all__ = [
    "ALPHA",
    "POWER",
    "SampleSize",
    "days_needed",
    "planned_sample_day",
    "sample_size_durations",
    "sample_size_means",
    "sample_size_nps",
    "sample_size_proportions",
]

ALPHA = 0.05  # two-sided, the 95 % interval the check reads
POWER = 0.8


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Responses needed per period (before and after the change) in the scope.

    `expected_effect` is the Δ in the unit `effect.Effect` reports for this metric
    (a share, NPS points, the mean's unit, or for durations the change of θ): pass it
    to `effect_verdict` as `expected` and `per_period` as `needed`.
    """

    expected_effect: float
    per_period: int
    two_periods: int
    per_period_exact: float
    two_periods_exact: float
    rest_per_scope: float
    alpha: float
    power: float


def _z_sum(alpha: float, power: float) -> float:
    if not 0.0 < alpha < 1.0 or not 0.0 < power < 1.0:
        raise ValueError("alpha and power must lie between 0 and 1")
    return _ppf(1.0 - alpha / 2.0) + _ppf(power)


def _ppf(q: float) -> float:
    return float(stats.norm.ppf(q))


def _sample_size(
    effect: float,
    scope_variance: float,
    rest_variance: float,
    rest_per_scope: float,
    alpha: float,
    power: float,
    two_periods: float | None = None,
) -> SampleSize:
    if effect == 0.0 or not math.isfinite(effect):
        raise ValueError("the expected effect must be a non-zero number")
    if not rest_per_scope > 0:
        raise ValueError("the rest must gather responses (rest_per_scope > 0)")
    z2 = _z_sum(alpha, power) ** 2
    per_period = z2 * (scope_variance + rest_variance / rest_per_scope) / effect**2
    alone = z2 * scope_variance / effect**2 if two_periods is None else two_periods
    return SampleSize(
        expected_effect=effect,
        per_period=math.ceil(per_period),
        two_periods=math.ceil(alone),
        per_period_exact=per_period,
        two_periods_exact=alone,
        rest_per_scope=rest_per_scope,
        alpha=alpha,
        power=power,
    )


def _check_share(value: float, name: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a share between 0 and 1, not {value}")


def sample_size_proportions(
    *,
    before: float,
    after: float,
    rest: float,
    rest_per_scope: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> SampleSize:
    """From the scope's rate `before` to the expected `after`; the rest stays at `rest`.

    Check (docs/formulas.md): 30 % → 20 % gives two_periods_exact 293.2, so 294.
    """
    for value, name in ((before, "before"), (after, "after"), (rest, "rest")):
        _check_share(value, name)
    mean = (before + after) / 2.0
    spread = before * (1.0 - before) + after * (1.0 - after)
    if after == before:
        raise ValueError("the expected rate must differ from the current one")
    two_periods = (
        _ppf(1.0 - alpha / 2.0) * math.sqrt(2.0 * mean * (1.0 - mean))
        + _ppf(power) * math.sqrt(spread)
    ) ** 2 / (after - before) ** 2
    return _sample_size(
        after - before,
        spread,
        2.0 * rest * (1.0 - rest),
        rest_per_scope,
        alpha,
        power,
        two_periods,
    )


def _nps_variance(promoters: float, detractors: float) -> float:
    # One response's variance in points²: 100²·[p + d − (p − d)²].
    return 1e4 * (promoters + detractors - (promoters - detractors) ** 2)


def _nps_shares(counts: NpsCounts, name: str) -> tuple[float, float]:
    if counts.n <= 0 or min(counts) < 0:
        raise ValueError(f"{name} needs responses")
    return counts.promoters / counts.n, counts.detractors / counts.n


def sample_size_nps(
    *,
    before: NpsCounts,
    effect: float,
    rest: NpsCounts,
    rest_per_scope: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> SampleSize:
    """For an expected NPS change of `effect` points from the scope's `before` counts.

    The change is taken to come half from promoters, half from detractors:
    p + effect/200 and d − effect/200, which must stay shares.
    """
    p, d = _nps_shares(before, "before")
    p_after, d_after = p + effect / 200.0, d - effect / 200.0
    if not (0.0 <= p_after <= 1.0 and 0.0 <= d_after <= 1.0 and p_after + d_after <= 1.0):
        raise ValueError(f"an NPS change of {effect:+g} points cannot happen from these counts")
    rest_p, rest_d = _nps_shares(rest, "rest")
    return _sample_size(
        effect,
        _nps_variance(p, d) + _nps_variance(p_after, d_after),
        2.0 * _nps_variance(rest_p, rest_d),
        rest_per_scope,
        alpha,
        power,
    )


def sample_size_means(
    *,
    before: Moments,
    effect: float,
    rest: Moments,
    rest_per_scope: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> SampleSize:
    """For an expected change of the mean by `effect`, the spread staying as before."""
    return _sample_size(
        effect,
        2.0 * before.variance,
        2.0 * rest.variance,
        rest_per_scope,
        alpha,
        power,
    )


def sample_size_durations(
    *,
    edges: Sequence[float],
    before: Sequence[int],
    factor: float,
    rest: Sequence[int],
    rest_per_scope: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> SampleSize:
    """For durations expected to become `factor` times as long (0.8: 20 % shorter).

    `before` and `rest` are the scope's and the rest's histograms of the before-period
    over `edges`. The expected effect is the θ of the scaled histogram against the
    before one, minus ½ (the rest's θ when it does not move), at the histogram's
    resolution, ties within a bucket included, as the check will measure it.
    """
    after = scaled_shares(edges, before, factor)
    before_shares = np.asarray(before, dtype=float)
    theta, var_after, var_before = dominance_components(after, before_shares)
    _, rest_after, rest_before = dominance_components(rest, rest)
    # Rounding leaves a few 1e-17 where the shares did not move at all.
    if abs(theta - 0.5) < 1e-12:
        raise ValueError("at this histogram's resolution the change would not show")
    return _sample_size(
        theta - 0.5,
        var_after + var_before,
        rest_after + rest_before,
        rest_per_scope,
        alpha,
        power,
    )


def days_needed(*, responses: int, needed: int, daily_rate: float) -> int | None:
    """Whole days until `needed` responses are in, at `daily_rate` a day from now.

    0 when they are in already; None when the rate is zero (they never will be).
    """
    missing = needed - responses
    if missing <= 0:
        return 0
    if not daily_rate > 0:
        return None
    return math.ceil(missing / daily_rate)


def planned_sample_day(daily_responses: Sequence[int], needed: int) -> int | None:
    """How many days after the change the planned sample is complete (1 = the first day).

    The after-period of the check ends on that day, and the verdict is judged on it
    once and for all: responses after it do not enter the check (effect_verdict).
    None while the sample is not complete.
    """
    cumulative = np.cumsum(np.asarray(daily_responses, dtype=np.int64))
    reached = np.flatnonzero(cumulative >= needed)
    return int(reached[0]) + 1 if reached.size else None
