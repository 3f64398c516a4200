"""NPS, proportions and means: the check values of docs/formulas.md, then independent checks.

Pure computation: no database.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from vocloop.statistics.intervals import Moments, t_interval, wilson_interval
from vocloop.statistics.metrics import (
    NpsCounts,
    ces_easy_share,
    csat,
    mean,
    nps,
    nps_standard_error,
    proportion,
)


def test_nps_matches_the_product_check_value() -> None:
    result = nps(100, 60, 40)
    assert result.value == 30.0
    assert result.n == 200
    assert result.standard_error is not None
    assert round(result.standard_error, 2) == 5.52
    assert result.ci_low is not None and result.ci_high is not None
    assert (round(result.ci_low, 1), round(result.ci_high, 1)) == (19.2, 40.8)


def test_nps_interval_is_clipped_to_the_scale() -> None:
    result = nps(38, 0, 2)
    assert result.ci_high is not None and result.ci_high <= 100.0
    all_detractors = nps(0, 0, 31)
    assert (all_detractors.value, all_detractors.ci_low, all_detractors.ci_high) == (
        -100.0,
        -100.0,
        -100.0,
    )


def test_wilson_matches_the_product_check_values() -> None:
    low, high = wilson_interval(10, 100)
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
    low, high = wilson_interval(0, 100)
    assert (low, round(high, 4)) == (0.0, 0.0370)


def test_a_figure_below_the_minimum_sample_says_there_is_not_enough_data() -> None:
    assert not proportion(5, 29).enough_data
    assert proportion(5, 30).enough_data
    assert not proportion(5, 30, min_n=50).enough_data
    assert nps(10, 5, 5, min_n=20).enough_data


def test_no_responses_give_an_empty_estimate_instead_of_an_error() -> None:
    for empty in (nps(0, 0, 0), proportion(0, 0), mean(Moments(0, 0.0, 0.0))):
        assert empty.value is None
        assert empty.n == 0
        assert not empty.enough_data


def test_csat_counts_four_and_five_out_of_five() -> None:
    result = csat({1: 5, 2: 5, 3: 10, 4: 40, 5: 40})
    assert result.value == 0.8
    assert result.n == 100


def test_ces_easy_counts_five_to_seven_out_of_seven() -> None:
    result = ces_easy_share({1: 10, 4: 20, 5: 30, 7: 40})
    assert result.value == 0.7


def test_a_single_value_has_a_mean_but_no_interval() -> None:
    result = mean(Moments.of([4.0]))
    assert (result.value, result.ci_low, result.ci_high) == (4.0, None, None)


def test_a_constant_sample_has_a_zero_width_interval() -> None:
    result = mean(Moments.of([0.1] * 50))
    assert result.ci_low == pytest.approx(0.1)
    assert result.ci_high == pytest.approx(0.1)


@given(
    n=st.integers(min_value=1, max_value=5000),
    share=st.floats(min_value=0.0, max_value=1.0),
    confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_wilson_agrees_with_scipy(n: int, share: float, confidence: float) -> None:
    successes = round(share * n)
    expected = stats.binomtest(successes, n).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    low, high = wilson_interval(successes, n, confidence)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    promoters=st.integers(min_value=0, max_value=300),
    passives=st.integers(min_value=0, max_value=300),
    detractors=st.integers(min_value=0, max_value=300),
)
def test_nps_standard_error_agrees_with_a_bootstrap_of_the_same_sample(
    promoters: int, passives: int, detractors: int
) -> None:
    counts = NpsCounts(promoters, passives, detractors)
    if counts.n < 20:
        return
    # Resampling n responses with replacement is a multinomial draw of the counts.
    rng = np.random.default_rng(7)
    shares = np.array(counts, dtype=float) / counts.n
    resampled = rng.multinomial(counts.n, shares, size=4000)
    scores = 100.0 * (resampled[:, 0] - resampled[:, 2]) / counts.n
    assert nps_standard_error(counts) == pytest.approx(float(scores.std()), rel=0.1, abs=0.2)


@given(
    st.lists(
        st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
        min_size=2,
        max_size=200,
    )
)
def test_t_interval_from_sufficient_statistics_agrees_with_scipy_on_the_raw_sample(
    values: list[float],
) -> None:
    sample = np.array(values)
    if np.ptp(sample) < 1e-6:
        return  # no spread: scipy answers NaN, sufficient statistics a point
    expected = stats.t.interval(0.95, len(values) - 1, loc=sample.mean(), scale=stats.sem(sample))
    low, high = t_interval(Moments.of(values))
    width = expected[1] - expected[0]
    # Sums of squares lose some precision against scipy's two-pass variance.
    assert low == pytest.approx(expected[0], abs=1e-6 * max(1.0, width) + 1e-7)
    assert high == pytest.approx(expected[1], abs=1e-6 * max(1.0, width) + 1e-7)


def test_moments_add_up_like_rollups_of_two_days() -> None:
    day_one, day_two = Moments.of([1.0, 2.0, 3.0]), Moments.of([4.0, 5.0])
    assert day_one + day_two == Moments.of([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (day_one + day_two).mean == 3.0
    assert math.isclose((day_one + day_two).variance, 2.5)
