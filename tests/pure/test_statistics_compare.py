"""Comparing two periods or groups: difference, interval, p-value, verdict.

Pure computation: no database.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from vocloop.statistics.compare import (
    compare_means,
    compare_nps,
    compare_proportions,
    verdict,
)
from vocloop.statistics.intervals import Moments
from vocloop.statistics.metrics import NpsCounts, nps


def test_nps_difference_uses_the_product_z_formula() -> None:
    a, b = NpsCounts(100, 60, 40), NpsCounts(80, 60, 60)
    result = compare_nps(a, b)
    se_a, se_b = nps(*a).standard_error, nps(*b).standard_error
    assert se_a is not None and se_b is not None
    z = (30.0 - 10.0) / math.sqrt(se_a**2 + se_b**2)
    assert result.difference == 20.0
    assert result.p_value == pytest.approx(2 * stats.norm.sf(z))
    assert result.ci_low == pytest.approx(20.0 - 1.959964 * math.hypot(se_a, se_b), abs=1e-4)
    assert result.verdict == "higher"


def test_a_two_point_nps_drop_on_small_samples_is_no_detectable_change() -> None:
    result = compare_nps(NpsCounts(40, 30, 30), NpsCounts(42, 30, 28))
    assert result.difference == pytest.approx(-4.0)
    assert result.verdict == "no detectable change"
    assert result.ci_low < 0 < result.ci_high


def test_a_clear_fall_in_a_proportion_is_called_lower() -> None:
    result = compare_proportions(60, 200, 120, 200)
    assert result.difference == pytest.approx(-0.3)
    assert result.verdict == "lower"
    assert result.ci_high < 0


def test_the_proportion_interval_is_newcombes_hybrid_score_interval() -> None:
    # docs/formulas.md (Newcombe's worked example): 56/70 − 48/80 → [0.0524, 0.3339].
    result = compare_proportions(56, 70, 48, 80)
    assert (round(result.ci_low, 4), round(result.ci_high, 4)) == (0.0524, 0.3339)


def test_the_proportion_p_value_is_the_pooled_z_test() -> None:
    chi2 = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert compare_proportions(56, 70, 48, 80).p_value == pytest.approx(chi2.pvalue)


def test_identical_groups_without_any_variation_are_no_change() -> None:
    result = compare_proportions(0, 50, 0, 80)
    assert (result.difference, result.p_value, result.verdict) == (
        0.0,
        1.0,
        "no detectable change",
    )
    same = compare_means(Moments.of([3.0] * 5), Moments.of([3.0] * 9))
    assert same.verdict == "no detectable change"


def test_the_verdict_needs_both_the_p_value_and_the_interval() -> None:
    assert verdict(0.1, -0.01, 0.2, 0.03) == "no detectable change"
    assert verdict(0.1, 0.01, 0.2, 0.06) == "no detectable change"
    assert verdict(0.1, 0.01, 0.2, 0.03) == "higher"


def test_comparisons_say_when_a_side_is_below_the_minimum_sample() -> None:
    assert not compare_proportions(5, 20, 10, 200).enough_data
    assert compare_proportions(5, 30, 10, 200).enough_data


# scipy warns when one side has no spread; its answer is still the one to match.
@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=80),
    st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=80),
)
def test_welch_from_sufficient_statistics_agrees_with_scipy_on_the_raw_samples(
    a: list[int], b: list[int]
) -> None:
    if len(set(a)) == 1 and len(set(b)) == 1:
        return  # no spread on either side: scipy answers NaN
    result = compare_means(Moments.of([float(v) for v in a]), Moments.of([float(v) for v in b]))
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert result.p_value == pytest.approx(expected.pvalue, abs=1e-9)
    interval = expected.confidence_interval(0.95)
    assert result.ci_low == pytest.approx(interval.low, abs=1e-9)
    assert result.ci_high == pytest.approx(interval.high, abs=1e-9)
    assert result.difference == pytest.approx(float(np.mean(a) - np.mean(b)))


@given(
    st.integers(min_value=1, max_value=500),
    st.integers(min_value=1, max_value=500),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_the_proportion_difference_interval_stays_in_range_and_holds_the_difference(
    n_a: int, n_b: int, share_a: float, share_b: float
) -> None:
    result = compare_proportions(round(share_a * n_a), n_a, round(share_b * n_b), n_b)
    assert -1.0 <= result.ci_low <= result.difference <= result.ci_high <= 1.0
    assert 0.0 <= result.p_value <= 1.0
    if result.verdict == "higher":
        assert result.ci_low > 0 and result.p_value < 0.05
