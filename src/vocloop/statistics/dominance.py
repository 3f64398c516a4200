"""Did durations get shorter? The Mann–Whitney probability, from binned counts.

Durations (time to acknowledge, time to resolve) are kept as histograms over fixed
bucket edges, and are too skewed for a mean to summarise them. The change from a
before-period to an after-period is measured by rank instead:

    θ = P(an after-duration is shorter than a before-duration) + ½·P(they are equal)

θ = ½ means no change, θ > ½ that durations got shorter. It is the Mann–Whitney U
divided by the number of pairs (U/(m·n)), and the area under the ROC curve. Two
durations in the same bucket count as a tie (each side gets half the pair): a
histogram cannot tell them apart.

Its variance is DeLong's (1988), built from each value's placement — for an
after-duration, the share of before-durations longer than it plus half those in its
bucket; for a before-duration, the share of after-durations shorter plus half those
in its bucket:

    Var(θ̂) = S₁₀/m + S₀₁/n,

S₁₀ and S₀₁ the sample variances of the m after- and n before-placements. Chosen over
the two alternatives:

- Hanley–McNeil assumes an exponential-like shape for both sides and ignores ties,
  which a coarse histogram has many of.
- The exact Mann–Whitney variance with tie correction, (m + n + 1)/(12·m·n) times the
  tie factor, holds only when nothing changed (θ = ½). A difference-in-differences needs
  the standard error of θ̂ wherever θ lies — the rest of the organisation may move too —
  and an interval around an effect, not only a test of none.

DeLong's variance is nonparametric, counts ties exactly as θ̂ does, is right under any
θ and at θ = ½ agrees with the tie-corrected exact variance up to O(1/n).

For planning, the same placements are computed from population shares instead of
counts (`dominance_components`), and `scaled_shares` gives the shares a histogram would
have if every duration were multiplied by a factor (values spread evenly within each
bucket, the convention of quantiles.py), so that "time to resolve 20 % shorter" can be
turned into the θ and the variance a check must expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Dominance",
    "dominance_components",
    "probability_shorter",
    "scaled_shares",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Dominance:
    """θ = P(after shorter than before) + ½·P(tie), with DeLong's variance."""

    probability: float
    variance: float
    n_after: int
    n_before: int


def _placements(after: FloatArray, before: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Placement of a value in each bucket: against the before shares, against the after."""
    # An after-value in bucket i is shorter than every before-value in a later bucket
    # and ties with those in bucket i.
    before_later = np.concatenate((np.cumsum(before[::-1])[::-1][1:], [0.0]))
    after_placement = before_later + 0.5 * before
    # A before-value in bucket j is longer than every after-value in an earlier bucket.
    after_earlier = np.concatenate(([0.0], np.cumsum(after)[:-1]))
    before_placement = after_earlier + 0.5 * after
    return after_placement, before_placement


def _shares(counts: Sequence[int] | Sequence[float] | FloatArray, name: str) -> FloatArray:
    c = np.asarray(counts, dtype=float)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"{name} must be a histogram with at least one bucket")
    if np.any(c < 0) or not np.all(np.isfinite(c)):
        raise ValueError(f"{name} cannot hold negative counts")
    total = float(c.sum())
    if total <= 0:
        raise ValueError(f"{name} holds no durations")
    return c / total


def dominance_components(
    after: Sequence[float] | FloatArray, before: Sequence[float] | FloatArray
) -> tuple[float, float, float]:
    """θ and the population variances of the two placements, from bucket shares.

    Var(θ̂) ≈ var_after/m + var_before/n for m after- and n before-durations drawn
    from these shares. With both sides equal, each variance is (1 − Σ sharesᵢ³)/12,
    the tie-corrected Mann–Whitney variance.
    """
    a, b = _shares(after, "after"), _shares(before, "before")
    if a.size != b.size:
        raise ValueError("both histograms need the same buckets")
    after_placement, before_placement = _placements(a, b)
    theta = float(a @ after_placement)
    var_after = float(a @ (after_placement - theta) ** 2)
    var_before = float(b @ (before_placement - theta) ** 2)
    return theta, var_after, var_before


def probability_shorter(after: Sequence[int], before: Sequence[int]) -> Dominance:
    """θ̂ from two histograms over the same buckets, with DeLong's variance.

    Needs at least two durations on each side (a sample variance of placements).
    """
    m, n = int(np.sum(after)), int(np.sum(before))
    if m < 2 or n < 2:
        raise ValueError("each side needs at least two durations")
    a_counts = np.asarray(after, dtype=float)
    b_counts = np.asarray(before, dtype=float)
    theta, var_after, var_before = dominance_components(a_counts, b_counts)
    # The population variances over the m (or n) values, turned into sample variances.
    s10 = var_after * m / (m - 1)
    s01 = var_before * n / (n - 1)
    return Dominance(theta, s10 / m + s01 / n, m, n)


def scaled_shares(edges: Sequence[float], counts: Sequence[int], factor: float) -> FloatArray:
    """The bucket shares if every duration were `factor` times as long (0.8: 20 % shorter).

    Values are taken as spread evenly within their bucket; scaled values beyond the
    last edge stay in the last bucket and below the first in the first, as the rollups
    count them.
    """
    e = np.asarray(edges, dtype=float)
    shares = _shares(counts, "counts")
    if e.ndim != 1 or e.size != shares.size + 1 or np.any(np.diff(e) <= 0):
        raise ValueError("a histogram needs one more edge than buckets, strictly increasing")
    if not factor > 0:
        raise ValueError(f"the factor must be positive, not {factor}")
    cumulative = np.concatenate(([0.0], np.cumsum(shares)))
    # P(factor·X < edge) = F(edge/factor), F piecewise linear between the edges.
    below = np.interp(e / factor, e, cumulative)
    below[0], below[-1] = 0.0, 1.0
    return np.diff(below)
