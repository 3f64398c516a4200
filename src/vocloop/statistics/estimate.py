"""The result every figure is reported in: a point estimate with its n and interval.

A dashboard never shows a bare number. Below a minimum sample (30 by default,
configurable per call) `enough_data` is False and callers show "not enough
responses" with n instead of the value; the value and interval are still filled in
so that exports and tests can see them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from scipy import stats

__all__ = ["CONFIDENCE", "MIN_RESPONSES", "Estimate", "z_value"]

MIN_RESPONSES = 30
CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate, its sample size and its confidence interval.

    `value` is None only when n is 0 (there is nothing to estimate). `ci_low` and
    `ci_high` are None when no interval of the asked confidence exists for this n
    (a mean of one value, a median of five durations): a missing side means
    "unbounded", never a made-up number.
    """

    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    enough_data: bool
    method: str
    standard_error: float | None = None

    @classmethod
    def of(
        cls,
        value: float | None,
        n: int,
        ci_low: float | None,
        ci_high: float | None,
        *,
        method: str,
        min_n: int = MIN_RESPONSES,
        standard_error: float | None = None,
    ) -> Estimate:
        return cls(
            value=value,
            n=n,
            ci_low=ci_low,
            ci_high=ci_high,
            enough_data=n >= min_n and value is not None,
            method=method,
            standard_error=standard_error,
        )


@functools.lru_cache(maxsize=32)
def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided standard-normal critical value (1.959964… for 95 %)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))
