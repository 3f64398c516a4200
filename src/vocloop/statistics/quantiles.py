"""Median and 90th percentile of durations (time to acknowledge / resolve) with CIs.

Durations are skewed and have no useful variance formula, so the interval is the
exact, distribution-free one built from order statistics: the number of values below
the true q-quantile is Binomial(n, q), and [x₍ₗ₎, x₍ᵤ₎] covers the quantile with
probability F(u − 1) − F(l − 1) ≥ the confidence asked. When n is too small for that
(a median of five values at 95 %), the unreachable side is None, not a guess.

Rollups keep histograms, not raw values; `quantile_from_histogram` gives the same
interval at the histogram's resolution: the point estimate interpolates linearly
inside its bucket (it assumes values are spread evenly within a bucket), and the
interval runs from the lower edge of the bucket holding x₍ₗ₎ to the upper edge of
the bucket holding x₍ᵤ₎. That interval contains the exact one, so it keeps at least
the nominal coverage, but it can never be narrower than one bucket: choose edges at
the precision a dashboard needs (e.g. 15 minutes below a day, hours beyond).

`bootstrap_interval` is the seeded percentile bootstrap for statistics with no
formula at all; the same seed always gives the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from vocloop.statistics.estimate import CONFIDENCE, MIN_RESPONSES, Estimate

__all__ = [
    "bootstrap_interval",
    "order_statistic_ranks",
    "quantile",
    "quantile_bootstrap",
    "quantile_from_histogram",
]


def order_statistic_ranks(
    n: int, q: float, confidence: float = CONFIDENCE
) -> tuple[int | None, int | None]:
    """1-based ranks (l, u) with P(x₍ₗ₎ ≤ ξ_q ≤ x₍ᵤ₎) ≥ confidence; None if unreachable.

    Each tail gets at most (1 − confidence)/2, so the interval is equal-tailed and
    conservative (discreteness makes the real coverage a little higher).
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, not {q}")
    if n <= 0:
        return None, None
    tail = (1.0 - confidence) / 2.0
    # Both ranks lie within a few standard deviations of n·q; evaluating the CDF only
    # there keeps a million durations at a millisecond instead of a fifth of a second.
    spread = 10.0 * math.sqrt(n * q * (1.0 - q)) + 10.0
    first = max(0, math.floor(n * q - spread))
    last = min(n, math.ceil(n * q + spread))
    ks = np.arange(first, last + 1)
    cdf = stats.binom.cdf(ks, n, q)
    # l − 1 is the largest k with P(B ≤ k) ≤ tail; u − 1 the smallest with ≥ 1 − tail.
    below = ks[cdf <= tail]
    above = ks[cdf >= 1.0 - tail]
    if (first > 0 and below.size == 0) or (last < n and above.size == 0):
        # The window missed a rank (only for a confidence level absurdly close to 1):
        # fall back to the whole distribution.
        ks = np.arange(n + 1)
        cdf = stats.binom.cdf(ks, n, q)
        below, above = ks[cdf <= tail], ks[cdf >= 1.0 - tail]
    low = int(below[-1]) + 1 if below.size else None
    high = int(above[0]) + 1 if above.size and above[0] + 1 <= n else None
    return low, high


def _check_q(q: float) -> None:
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, not {q}")


def quantile(
    values: Sequence[float] | NDArray[np.float64],
    q: float,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """The q-quantile (numpy's default linear definition) with the exact order-statistic CI."""
    _check_q(q)
    x = np.sort(np.asarray(values, dtype=float))
    method = "quantile, exact binomial order-statistic interval"
    n = int(x.size)
    if n == 0:
        return Estimate.of(None, 0, None, None, method=method, min_n=min_n)
    low_rank, high_rank = order_statistic_ranks(n, q, confidence)
    return Estimate.of(
        float(np.quantile(x, q)),
        n,
        None if low_rank is None else float(x[low_rank - 1]),
        None if high_rank is None else float(x[high_rank - 1]),
        method=method,
        min_n=min_n,
    )


def bootstrap_interval(
    values: Sequence[float] | NDArray[np.float64],
    statistic: Callable[[NDArray[np.float64]], float],
    *,
    confidence: float = CONFIDENCE,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic`, reproducible for a given seed."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("cannot bootstrap an empty sample")
    rng = np.random.default_rng(seed)
    replicates = np.empty(resamples)
    for i in range(resamples):
        replicates[i] = statistic(x[rng.integers(0, x.size, x.size)])
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail])
    return float(low), float(high)


def quantile_bootstrap(
    values: Sequence[float] | NDArray[np.float64],
    q: float,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
    resamples: int = 2000,
    seed: int = 0,
) -> Estimate:
    """The q-quantile with a seeded percentile-bootstrap interval (for comparison/checks)."""
    _check_q(q)
    x = np.asarray(values, dtype=float)
    method = "quantile, percentile bootstrap"
    if x.size == 0:
        return Estimate.of(None, 0, None, None, method=method, min_n=min_n)
    low, high = bootstrap_interval(
        x,
        lambda sample: float(np.quantile(sample, q)),
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )
    return Estimate.of(float(np.quantile(x, q)), int(x.size), low, high, method=method, min_n=min_n)


def quantile_from_histogram(
    edges: Sequence[float],
    counts: Sequence[int],
    q: float,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """The q-quantile of values kept only as a histogram (bucket i is [edges[i], edges[i+1]))."""
    _check_q(q)
    e = np.asarray(edges, dtype=float)
    c = np.asarray(counts, dtype=np.int64)
    if e.ndim != 1 or c.ndim != 1 or e.size != c.size + 1:
        raise ValueError("a histogram needs one more edge than it has buckets")
    if not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
        raise ValueError("histogram edges must be finite and strictly increasing")
    if np.any(c < 0):
        raise ValueError("histogram counts cannot be negative")
    method = "quantile from histogram, order-statistic interval widened to bucket edges"
    n = int(c.sum())
    if n == 0:
        return Estimate.of(None, 0, None, None, method=method, min_n=min_n)
    cumulative = np.cumsum(c)

    def bucket_of_rank(rank: int) -> int:
        # The bucket holding the rank-th smallest value (1-based rank).
        return int(np.searchsorted(cumulative, rank, side="left"))

    # Point estimate: the value at position q·n, interpolated within its bucket.
    position = q * n
    b = int(np.searchsorted(cumulative, position, side="left"))
    before = int(cumulative[b - 1]) if b > 0 else 0
    fraction = (position - before) / int(c[b])
    value = float(e[b] + fraction * (e[b + 1] - e[b]))
    low_rank, high_rank = order_statistic_ranks(n, q, confidence)
    low = None if low_rank is None else float(e[bucket_of_rank(low_rank)])
    high = None if high_rank is None else float(e[bucket_of_rank(high_rank) + 1])
    return Estimate.of(value, n, low, high, method=method, min_n=min_n)
