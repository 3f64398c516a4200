"""The headline figures — NPS, proportions, CSAT, CES — each as an `Estimate`.

Every proportion vocloop reports (CSAT, SLA compliance, recovery rate, complaint
rate, response rate, reopen rate, CES share "easy") is `proportion(successes, n)`
with a Wilson interval; the helpers below only say which ratings count as a success.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from vocloop.statistics.estimate import CONFIDENCE, MIN_RESPONSES, Estimate, z_value
from vocloop.statistics.intervals import Moments, t_interval, wilson_interval

__all__ = [
    "NpsCounts",
    "ces_easy_share",
    "csat",
    "mean",
    "nps",
    "nps_standard_error",
    "proportion",
    "share_of_ratings",
]


class NpsCounts(NamedTuple):
    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors


def nps_standard_error(counts: NpsCounts) -> float:
    """SE of NPS in points: 100·√([p + d − (p − d)²]/n), the multinomial variance."""
    n = counts.n
    if n <= 0:
        raise ValueError("NPS needs at least one response")
    p, d = counts.promoters / n, counts.detractors / n
    # p + d ≥ (p − d)² always holds, but floating point can undershoot at p or d = 1.
    return 100.0 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)


def nps(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """Net Promoter Score in points (−100…100) with a normal interval clipped to range.

    The formula of docs/formulas.md. Like any normal interval it collapses to a point
    when every response is a promoter (or a detractor); the minimum sample is what
    keeps such a figure from being shown as certain.
    """
    counts = NpsCounts(promoters, passives, detractors)
    if min(counts) < 0:
        raise ValueError("counts cannot be negative")
    n = counts.n
    method = "NPS, multinomial variance, normal interval"
    if n == 0:
        return Estimate.of(None, 0, None, None, method=method, min_n=min_n)
    value = 100.0 * (promoters - detractors) / n
    se = nps_standard_error(counts)
    half = z_value(confidence) * se
    return Estimate.of(
        value,
        n,
        max(-100.0, value - half),
        min(100.0, value + half),
        method=method,
        min_n=min_n,
        standard_error=se,
    )


def proportion(
    successes: int,
    n: int,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """A share (0…1) with its Wilson interval; n = 0 gives an empty estimate."""
    method = "proportion, Wilson score interval"
    if n == 0:
        return Estimate.of(None, 0, None, None, method=method, min_n=min_n)
    low, high = wilson_interval(successes, n, confidence)
    return Estimate.of(successes / n, n, low, high, method=method, min_n=min_n)


def share_of_ratings(
    counts_by_rating: Mapping[int, int],
    success_ratings: range,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """The share of responses whose rating falls in `success_ratings`."""
    n = sum(counts_by_rating.values())
    successes = sum(c for rating, c in counts_by_rating.items() if rating in success_ratings)
    return proportion(successes, n, confidence=confidence, min_n=min_n)


def csat(
    counts_by_rating: Mapping[int, int],
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """CSAT: the share of 4 and 5 on a 1–5 scale."""
    return share_of_ratings(counts_by_rating, range(4, 6), confidence=confidence, min_n=min_n)


def ces_easy_share(
    counts_by_rating: Mapping[int, int],
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """CES share "easy": the share of 5–7 on a 1–7 scale."""
    return share_of_ratings(counts_by_rating, range(5, 8), confidence=confidence, min_n=min_n)


def mean(
    moments: Moments,
    *,
    confidence: float = CONFIDENCE,
    min_n: int = MIN_RESPONSES,
) -> Estimate:
    """A mean (e.g. CES mean) with a t interval from sufficient statistics."""
    method = "mean, Student t interval"
    if moments.n == 0:
        return Estimate.of(None, 0, None, None, method=method, min_n=min_n)
    if moments.n == 1:
        return Estimate.of(moments.mean, 1, None, None, method=method, min_n=min_n)
    low, high = t_interval(moments, confidence)
    se = math.sqrt(moments.variance / moments.n)
    return Estimate.of(
        moments.mean, moments.n, low, high, method=method, min_n=min_n, standard_error=se
    )
