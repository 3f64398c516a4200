"""Confidence intervals for a proportion (Wilson) and a mean (Student t).

Wilson rather than the textbook Wald interval because Wald collapses to [0, 0] at 0
successes and undercovers for small n or rates near 0 or 1 — exactly the complaint
rates and SLA breaches vocloop reports. The t interval works from sufficient
statistics (n, sum, sum of squares) because that is all the rollups keep.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from vocloop.statistics.estimate import CONFIDENCE, z_value

__all__ = ["Moments", "t_interval", "wilson_interval"]


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for `successes` of `n` (n > 0)."""
    if n <= 0:
        raise ValueError("a proportion needs n > 0")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n, not {successes} of {n}")
    z = z_value(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    # At 0 or n successes the exact bound is 0 or 1; rounding must not leave 1e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True, slots=True)
class Moments:
    """Sufficient statistics of a sample: what a rollup keeps for a mean."""

    n: int
    total: float
    total_of_squares: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Moments:
        return cls(
            n=len(values),
            total=float(sum(values)),
            total_of_squares=float(sum(v * v for v in values)),
        )

    def __add__(self, other: Moments) -> Moments:
        return Moments(
            self.n + other.n,
            self.total + other.total,
            self.total_of_squares + other.total_of_squares,
        )

    @property
    def mean(self) -> float:
        if self.n == 0:
            raise ValueError("the mean of no values is undefined")
        return self.total / self.n

    @property
    def variance(self) -> float:
        """Sample variance (n − 1 denominator); needs n ≥ 2."""
        if self.n < 2:
            raise ValueError("a sample variance needs at least two values")
        # sum-of-squares minus n·mean² can come out a hair below zero in floating
        # point when every value is equal; a variance cannot be negative.
        return max(0.0, (self.total_of_squares - self.total * self.total / self.n) / (self.n - 1))


@functools.lru_cache(maxsize=4096)
def t_critical(confidence: float, df: int) -> float:
    """Student's t two-sided critical value; remembered, as a dashboard asks for many."""
    return float(stats.t.ppf(0.5 + confidence / 2.0, df))


def t_interval(moments: Moments, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """mean ± t(n − 1) · s/√n from sufficient statistics (n ≥ 2)."""
    if moments.n < 2:
        raise ValueError("a t interval needs at least two values")
    t = t_critical(confidence, moments.n - 1)
    half = t * math.sqrt(moments.variance / moments.n)
    return moments.mean - half, moments.mean + half
