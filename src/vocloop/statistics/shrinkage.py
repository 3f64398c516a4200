"""Comparing many teams or touch points without ranking noise: beta-binomial shrinkage.

A team with 3 cases, all resolved in time, is not "the best team"; its raw 100 %
says little. Empirical Bayes treats each group's true rate as drawn from a common
Beta(α, β) fitted to all groups, and reports each group's posterior
Beta(α + x, β + n − x): small groups are pulled toward the overall rate, large ones
barely move. Intervals are the posterior's equal-tailed quantiles.

Fit: method of moments, because it is closed-form, fast and stable at hundreds of
groups. The prior mean μ is the pooled rate Σx/Σn. The between-group variance τ²
is the variance of the raw rates minus what binomial sampling alone explains,
μ(1 − μ)·mean(1/nᵢ); the prior strength is then α + β = μ(1 − μ)/τ² − 1.

Degenerate cases, each stated in `method`:
- one group, or every group at 0 % or at 100 %: there is no spread to learn from,
  so each group gets the Jeffreys prior Beta(½, ½) and is not shrunk toward others;
- τ² ≤ 0 (groups vary no more than sampling explains): the strength is capped at
  Σn, the weight of all the data together — groups are pooled nearly completely,
  which is what the data say, and all of them come out indistinguishable;
- a strength below 1 is raised to 1 so α and β stay usable.

Ranking: groups whose intervals overlap are not ranked apart. Each group's `tier`
is 1 + the number of groups whose interval lies entirely above its own, and
`indistinguishable_from` names the groups whose intervals overlap its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from vocloop.statistics.estimate import CONFIDENCE, MIN_RESPONSES

__all__ = ["GroupEstimate", "Shrinkage", "shrink"]

JEFFREYS = 0.5
MIN_STRENGTH = 1.0


@dataclass(frozen=True, slots=True)
class GroupEstimate:
    key: str
    successes: int
    n: int
    raw: float | None
    value: float
    ci_low: float
    ci_high: float
    enough_data: bool
    tier: int
    indistinguishable_from: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Shrinkage:
    alpha: float
    beta: float
    method: str
    groups: tuple[GroupEstimate, ...]  # best first (highest shrunken rate)


def _prior(x: np.ndarray, n: np.ndarray) -> tuple[float, float, str]:
    mu = float(x.sum() / n.sum())
    if x.size < 2 or mu in (0.0, 1.0):
        return JEFFREYS, JEFFREYS, "no spread to learn from: Jeffreys prior, no shrinkage"
    raw_variance = float(np.var(x / n, ddof=1))
    sampling_variance = mu * (1.0 - mu) * float(np.mean(1.0 / n))
    tau2 = raw_variance - sampling_variance
    cap = float(n.sum())
    if tau2 <= 0.0:
        strength = cap
        method = "method of moments; no spread beyond sampling, prior strength capped at Σn"
    else:
        strength = min(cap, max(MIN_STRENGTH, mu * (1.0 - mu) / tau2 - 1.0))
        method = "beta-binomial empirical Bayes, method of moments"
    return mu * strength, (1.0 - mu) * strength, method


def shrink(
    groups: Sequence[tuple[str, int, int]],
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Shrinkage:
    """Shrunken rates for (key, successes, n) groups, best first, with tiers."""
    if not groups:
        return Shrinkage(JEFFREYS, JEFFREYS, "no groups", ())
    keys = [key for key, _, _ in groups]
    x = np.array([s for _, s, _ in groups], dtype=float)
    n = np.array([size for _, _, size in groups], dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("every group needs 0 ≤ successes ≤ n")
    # Groups with n = 0 carry no information about the spread; they get the prior.
    observed = n > 0
    if observed.any():
        alpha, beta, method = _prior(x[observed], n[observed])
    else:
        alpha, beta, method = JEFFREYS, JEFFREYS, "no observations: Jeffreys prior"
    post_a, post_b = alpha + x, beta + n - x
    tail = (1.0 - confidence) / 2.0
    value = post_a / (post_a + post_b)
    low = stats.beta.ppf(tail, post_a, post_b)
    high = stats.beta.ppf(1.0 - tail, post_a, post_b)
    order = np.argsort(-value, kind="stable")
    estimates = []
    for i in order.tolist():
        above = int(np.sum(low > high[i]))
        overlapping = tuple(
            keys[j] for j in order.tolist() if j != i and low[j] <= high[i] and low[i] <= high[j]
        )
        estimates.append(
            GroupEstimate(
                key=keys[i],
                successes=int(x[i]),
                n=int(n[i]),
                raw=float(x[i] / n[i]) if n[i] > 0 else None,
                value=float(value[i]),
                ci_low=float(low[i]),
                ci_high=float(high[i]),
                enough_data=bool(n[i] >= min_n),
                tier=1 + above,
                indistinguishable_from=overlapping,
            )
        )
    return Shrinkage(alpha, beta, method, tuple(estimates))
