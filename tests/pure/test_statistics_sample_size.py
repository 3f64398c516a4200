"""Responses an improvement check needs, and the days until they are in.

Pure computation: no database. The check value of docs/formulas.md, then each
formula against scipy's root-finder on the power function it promises; the power
reached in simulation is in test_statistics_effect_simulation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy import optimize, stats

from vocloop.statistics.dominance import dominance_components, scaled_shares
from vocloop.statistics.intervals import Moments
from vocloop.statistics.metrics import NpsCounts
from vocloop.statistics.sample_size import (
    days_needed,
    planned_sample_day,
    sample_size_durations,
    sample_size_means,
    sample_size_nps,
    sample_size_proportions,
)

Z = stats.norm.ppf(0.975)


def _n_for_power(power_of_n: Callable[[float], float]) -> float:
    # The n at which the power function reaches 0.8, by root-finding.
    return float(optimize.brentq(lambda n: power_of_n(n) - 0.8, 1.0, 1e7, xtol=1e-9))


def _did_power(
    effect: float, scope_variance: float, rest_variance: float, k: float
) -> Callable[[float], float]:
    def power(n: float) -> float:
        se = math.sqrt(scope_variance / n + rest_variance / (k * n))
        # Both tails: the interval can also exclude zero on the wrong side.
        return float(stats.norm.cdf(abs(effect) / se - Z) + stats.norm.cdf(-abs(effect) / se - Z))

    return power


def test_the_product_check_of_two_proportions() -> None:
    # docs/formulas.md: 30 % → 20 % needs 293.2, so 294 before and as many after.
    plan = sample_size_proportions(before=0.30, after=0.20, rest=0.25, rest_per_scope=10)
    assert round(plan.two_periods_exact, 1) == 293.2
    assert plan.two_periods == 294
    assert plan.expected_effect == pytest.approx(-0.10)


def test_the_two_period_size_is_where_the_pooled_tests_power_reaches_80_percent() -> None:
    p1, p2 = 0.30, 0.20
    pooled = math.sqrt(2 * 0.25 * 0.75)
    spread = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))

    def power(n: float) -> float:
        # Under the alternative the pooled z-statistic is normal with this mean and SD.
        return float(stats.norm.cdf((abs(p1 - p2) * math.sqrt(n) - Z * pooled) / spread))

    plan = sample_size_proportions(before=p1, after=p2, rest=0.25, rest_per_scope=10)
    assert plan.two_periods_exact == pytest.approx(_n_for_power(power), rel=1e-6)


def test_the_check_against_the_rest_needs_the_n_where_its_own_power_reaches_80_percent() -> None:
    plan = sample_size_proportions(before=0.30, after=0.20, rest=0.25, rest_per_scope=10)
    power = _did_power(-0.10, 0.3 * 0.7 + 0.2 * 0.8, 2 * 0.25 * 0.75, 10)
    # The far tail, ignored by the formula, adds a few millionths of power.
    assert plan.per_period_exact == pytest.approx(_n_for_power(power), rel=1e-4)
    assert plan.per_period == 320


def test_the_rest_costs_more_responses_the_smaller_it_is() -> None:
    def size(k: float) -> float:
        return sample_size_proportions(
            before=0.3, after=0.2, rest=0.25, rest_per_scope=k
        ).per_period_exact

    unpooled = (Z + stats.norm.ppf(0.8)) ** 2 * (0.21 + 0.16) / 0.01
    assert size(1e9) == pytest.approx(unpooled, rel=1e-6)
    assert round(unpooled, 1) == 290.4
    assert size(10) / unpooled == pytest.approx(1.10, abs=0.005)
    assert size(1) / unpooled == pytest.approx(2.0, abs=0.02)


def test_nps_size_with_the_change_split_between_promoters_and_detractors() -> None:
    before, rest = NpsCounts(300, 400, 300), NpsCounts(350, 350, 300)
    plan = sample_size_nps(before=before, effect=8.0, rest=rest, rest_per_scope=10)

    def variance(shares: list[float]) -> float:
        # The variance of one response's score, +100, 0 or −100.
        scores = np.array([100.0, 0.0, -100.0])
        return float(shares @ scores**2 - (shares @ scores) ** 2)

    scope = variance([0.3, 0.4, 0.3]) + variance([0.34, 0.4, 0.26])
    power = _did_power(8.0, scope, 2 * variance([0.35, 0.35, 0.3]), 10)
    assert plan.per_period_exact == pytest.approx(_n_for_power(power), rel=1e-4)
    assert plan.expected_effect == 8.0


def test_an_nps_change_beyond_the_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot happen"):
        sample_size_nps(
            before=NpsCounts(95, 5, 0), effect=20.0, rest=NpsCounts(5, 5, 5), rest_per_scope=5
        )


def test_means_size_with_the_before_periods_spread() -> None:
    before = Moments.of([1.0, 2, 3, 4, 5] * 20)
    rest = Moments.of([1.0, 2, 3, 4, 5, 6] * 20)
    plan = sample_size_means(before=before, effect=-0.3, rest=rest, rest_per_scope=4)
    scope_variance = 2 * np.var([1.0, 2, 3, 4, 5] * 20, ddof=1)
    rest_variance = 2 * np.var([1.0, 2, 3, 4, 5, 6] * 20, ddof=1)
    power = _did_power(-0.3, scope_variance, rest_variance, 4)
    assert plan.per_period_exact == pytest.approx(_n_for_power(power), rel=1e-4)


def test_durations_size_from_the_histogram_scaled_by_the_expected_factor() -> None:
    edges = [0.0, 1, 2, 4, 8, 16, 32, 64, 128]
    before = [5, 10, 20, 30, 20, 10, 4, 1]
    rest = [4, 10, 22, 30, 20, 8, 4, 2]
    plan = sample_size_durations(
        edges=edges, before=before, factor=0.8, rest=rest, rest_per_scope=10
    )
    theta, var_after, var_before = dominance_components(scaled_shares(edges, before, 0.8), before)
    assert plan.expected_effect == pytest.approx(theta - 0.5)
    assert plan.expected_effect > 0  # shorter durations raise the probability
    # The rest unchanged: the tie-corrected Mann–Whitney variance of one pair of periods.
    shares = np.array(rest) / sum(rest)
    rest_variance = 2 * (1 - np.sum(shares**3)) / 12
    power = _did_power(theta - 0.5, var_after + var_before, rest_variance, 10)
    assert plan.per_period_exact == pytest.approx(_n_for_power(power), rel=1e-4)
    with pytest.raises(ValueError, match="would not show"):
        sample_size_durations(edges=edges, before=before, factor=1.0, rest=rest, rest_per_scope=10)


def test_a_plan_needs_an_effect_and_a_rest_that_gathers_responses() -> None:
    with pytest.raises(ValueError, match="differ"):
        sample_size_proportions(before=0.3, after=0.3, rest=0.25, rest_per_scope=10)
    with pytest.raises(ValueError, match="rest_per_scope"):
        sample_size_proportions(before=0.3, after=0.2, rest=0.25, rest_per_scope=0)
    with pytest.raises(ValueError, match="share"):
        sample_size_proportions(before=30, after=20, rest=0.25, rest_per_scope=10)


def test_days_needed_at_the_daily_rate() -> None:
    assert days_needed(responses=100, needed=294, daily_rate=20.0) == 10  # 194/20 = 9.7
    assert days_needed(responses=294, needed=294, daily_rate=20.0) == 0
    assert days_needed(responses=300, needed=294, daily_rate=0.0) == 0
    assert days_needed(responses=100, needed=294, daily_rate=0.0) is None


def test_the_planned_sample_is_complete_on_the_day_the_running_total_reaches_it() -> None:
    daily = [30, 0, 50, 100, 120, 80]
    assert planned_sample_day(daily, 294) == 5  # 30 + 0 + 50 + 100 + 120 = 300
    assert planned_sample_day(daily, 300) == 5
    assert planned_sample_day(daily, 301) == 6
    assert planned_sample_day(daily, 1000) is None
