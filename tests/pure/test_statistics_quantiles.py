"""Median and 90th percentile of durations, from raw values and from histograms.

Pure computation: no database.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from vocloop.statistics.quantiles import (
    bootstrap_interval,
    order_statistic_ranks,
    quantile,
    quantile_bootstrap,
    quantile_from_histogram,
)


def test_the_median_of_100_values_is_bracketed_by_the_40th_and_61st() -> None:
    # The textbook answer: P(40 ≤ B ≤ 60) ≥ 0.95 for B ~ Binomial(100, ½).
    assert order_statistic_ranks(100, 0.5) == (40, 61)


def test_too_few_values_leave_the_interval_open_instead_of_inventing_a_bound() -> None:
    assert order_statistic_ranks(5, 0.5) == (None, None)
    result = quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5)
    assert result.value == 3.0
    assert (result.ci_low, result.ci_high) == (None, None)
    assert not result.enough_data
    # Ten values bound the 90th percentile from below but not from above.
    low, high = order_statistic_ranks(10, 0.9)
    assert low is not None and high is None


def test_the_interval_is_made_of_observed_values_around_the_estimate() -> None:
    values = np.random.default_rng(3).exponential(4.0, size=200)
    result = quantile(values, 0.9)
    assert result.ci_low is not None and result.ci_high is not None
    assert result.ci_low in values and result.ci_high in values
    assert result.value is not None
    assert result.ci_low <= result.value <= result.ci_high


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_the_exact_interval_covers_the_true_quantile_at_least_as_often_as_promised(
    q: float,
) -> None:
    rng = np.random.default_rng(11)
    true_quantile = -np.log(1.0 - q)  # of a unit exponential
    trials, n = 1000, 60
    samples = np.sort(rng.exponential(size=(trials, n)), axis=1)
    low, high = order_statistic_ranks(n, q)
    assert low is not None and high is not None
    covered = (samples[:, low - 1] <= true_quantile) & (true_quantile <= samples[:, high - 1])
    # Conservative by construction; 1,000 trials put a 95 % rate within ±2 points.
    assert covered.mean() >= 0.93


def test_the_bootstrap_is_reproducible_for_a_seed_and_close_to_the_exact_interval() -> None:
    values = np.random.default_rng(5).lognormal(1.0, 0.8, size=400)
    first = quantile_bootstrap(values, 0.5, seed=42)
    assert first == quantile_bootstrap(values, 0.5, seed=42)
    exact = quantile(values, 0.5)
    assert first.value == exact.value
    assert first.ci_low == pytest.approx(exact.ci_low, rel=0.1)
    assert first.ci_high == pytest.approx(exact.ci_high, rel=0.1)


def test_the_bootstrap_refuses_an_empty_sample() -> None:
    with pytest.raises(ValueError):
        bootstrap_interval([], np.median)


def test_a_histogram_median_interpolates_inside_its_bucket() -> None:
    result = quantile_from_histogram([0, 1, 2, 3, 4], [10, 20, 30, 40], 0.5)
    # 50 of 100 values: 30 lie below 2, so the median is 20/30 of the way into [2, 3).
    assert result.value == pytest.approx(2 + 20 / 30)
    assert result.n == 100


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    n=st.integers(min_value=30, max_value=2000),
    q=st.sampled_from([0.5, 0.9]),
)
def test_a_histogram_interval_contains_the_exact_interval_of_the_values_behind_it(
    seed: int, n: int, q: float
) -> None:
    values = np.random.default_rng(seed).exponential(30.0, size=n)
    edges = np.arange(0.0, values.max() + 15.0, 15.0)  # 15-minute buckets
    counts, _ = np.histogram(values, bins=edges)
    exact = quantile(values, q)
    binned = quantile_from_histogram(edges.tolist(), counts.tolist(), q)
    assert binned.n == n
    if exact.ci_low is not None:
        assert binned.ci_low is not None and binned.ci_low <= exact.ci_low
        assert exact.ci_low - binned.ci_low < 15.0
    if exact.ci_high is not None:
        assert binned.ci_high is not None and binned.ci_high >= exact.ci_high
        assert binned.ci_high - exact.ci_high <= 15.0
    # The point estimate is off by at most about a bucket.
    assert binned.value == pytest.approx(exact.value, abs=15.0)


def test_a_histogram_needs_one_more_edge_than_buckets() -> None:
    with pytest.raises(ValueError):
        quantile_from_histogram([0, 1, 2], [1, 2, 3], 0.5)
    with pytest.raises(ValueError):
        quantile_from_histogram([0, 2, 1], [1, 2], 0.5)


def test_an_empty_histogram_gives_an_empty_estimate() -> None:
    result = quantile_from_histogram([0, 1, 2], [0, 0], 0.9)
    assert result.value is None
    assert result.n == 0


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=3000),
    q=st.floats(min_value=0.01, max_value=0.99),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_order_statistic_ranks_match_a_search_of_the_whole_binomial_distribution(
    n: int, q: float, confidence: float
) -> None:
    tail = (1.0 - confidence) / 2.0
    cdf = stats.binom.cdf(np.arange(n + 1), n, q)
    below, above = np.nonzero(cdf <= tail)[0], np.nonzero(cdf >= 1.0 - tail)[0]
    expected_low = int(below[-1]) + 1 if below.size else None
    expected_high = int(above[0]) + 1 if above.size and above[0] + 1 <= n else None
    assert order_statistic_ranks(n, q, confidence) == (expected_low, expected_high)
