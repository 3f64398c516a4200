"""The Mann–Whitney probability from binned durations, with DeLong's variance.

Pure computation: no database. Checked against scipy's Mann–Whitney U on the
durations the histograms stand for, a brute-force table of all pairs, the exact
tie-corrected variance when nothing changed, and simulation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from vocloop.statistics.dominance import (
    dominance_components,
    probability_shorter,
    scaled_shares,
)

EDGES = np.array([0.0, 1, 2, 4, 8, 16, 32, 64, 128])
BASE = np.array([5, 10, 20, 30, 20, 10, 4, 1])


def _expand(counts: np.ndarray) -> np.ndarray:
    # One value per duration, its bucket's index: equal values are ties, as in a histogram.
    return np.repeat(np.arange(len(counts)), counts)


def test_a_hand_worked_pair_of_histograms() -> None:
    # After: 1 in bucket 0, 1 in bucket 1; before: 2 in bucket 1.
    # Pairs: (0 vs 1) shorter ×2 = 2, (1 vs 1) tie ×2 = 1 → θ = 3/4.
    # After-placements 1 and ½ (mean ¾, sample variance ⅛); before-placements ¾ and ¾.
    result = probability_shorter([1, 1], [0, 2])
    assert result.probability == pytest.approx(0.75)
    assert result.variance == pytest.approx(0.125 / 2 + 0.0 / 2)


@given(
    st.lists(st.integers(min_value=0, max_value=12), min_size=6, max_size=6),
    st.lists(st.integers(min_value=0, max_value=12), min_size=6, max_size=6),
)
def test_theta_is_scipys_mann_whitney_u_over_the_pairs(after: list[int], before: list[int]) -> None:
    if sum(after) < 2 or sum(before) < 2:
        return
    a, b = np.array(after), np.array(before)
    result = probability_shorter(after, before)
    # scipy's U for (before, after) counts the pairs where before is longer, ties as ½.
    u = stats.mannwhitneyu(_expand(b), _expand(a)).statistic
    assert result.probability == pytest.approx(u / (a.sum() * b.sum()))


@given(
    st.lists(st.integers(min_value=0, max_value=8), min_size=5, max_size=5),
    st.lists(st.integers(min_value=0, max_value=8), min_size=5, max_size=5),
)
def test_the_variance_is_delongs_from_the_table_of_all_pairs(
    after: list[int], before: list[int]
) -> None:
    if sum(after) < 2 or sum(before) < 2:
        return
    x, y = _expand(np.array(after)), _expand(np.array(before))
    pairs = (x[:, None] < y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    delong = pairs.mean(axis=1).var(ddof=1) / x.size + pairs.mean(axis=0).var(ddof=1) / y.size
    assert probability_shorter(after, before).variance == pytest.approx(delong, abs=1e-12)


def test_with_nothing_changed_it_is_the_tie_corrected_mann_whitney_variance() -> None:
    shares = BASE / BASE.sum()
    theta, var_after, var_before = dominance_components(shares, shares)
    assert theta == pytest.approx(0.5)
    # Exact null variance of U/(m·n) with ties, for large equal samples: (1 − Σt³/N³)/(6n).
    m = n = 10_000
    ties = (shares * (m + n)) ** 3
    exact = (m + n + 1) / (12 * m * n) * (1 - (ties.sum() - (m + n)) / ((m + n) ** 3 - (m + n)))
    assert var_after / m + var_before / n == pytest.approx(exact, rel=1e-3)


def test_the_standard_error_matches_the_spread_of_simulated_estimates() -> None:
    rng = np.random.default_rng(5)
    before = BASE / BASE.sum()
    after = scaled_shares(EDGES, BASE, 0.7)
    m, n, draws = 150, 200, 3000
    a = rng.multinomial(m, after, size=draws)
    b = rng.multinomial(n, before, size=draws)
    estimates = [probability_shorter(x, y) for x, y in zip(a, b, strict=True)]
    thetas = np.array([e.probability for e in estimates])
    mean_variance = np.mean([e.variance for e in estimates])
    # The SD of 3,000 draws is itself known to about 1.3 %.
    assert np.sqrt(mean_variance) == pytest.approx(thetas.std(), rel=0.05)
    theta, var_after, var_before = dominance_components(after, before)
    assert thetas.mean() == pytest.approx(theta, abs=0.002)
    assert np.sqrt(var_after / m + var_before / n) == pytest.approx(thetas.std(), rel=0.05)


def test_scaling_moves_durations_evenly_spread_within_their_buckets() -> None:
    # [0, 1): ¼, [1, 2): ¼, [2, 4): ½. Halved: [0, 0.5) ¼ and [0.5, 1) ¼ → [0, 1): ½;
    # [1, 2): ½; nothing left in [2, 4).
    assert scaled_shares([0, 1, 2, 4], [1, 1, 2], 0.5) == pytest.approx([0.5, 0.5, 0.0])
    assert scaled_shares([0, 1, 2, 4], [1, 1, 2], 1.0) == pytest.approx([0.25, 0.25, 0.5])
    # Doubled, what passes the last edge stays in the last bucket.
    assert scaled_shares([0, 1, 2, 4], [1, 1, 2], 2.0) == pytest.approx([0.125, 0.125, 0.75])


def test_scaled_shares_match_durations_drawn_within_buckets_and_scaled() -> None:
    rng = np.random.default_rng(9)
    bucket = rng.choice(BASE.size, size=200_000, p=BASE / BASE.sum())
    values = rng.uniform(EDGES[bucket], EDGES[bucket + 1]) * 0.8
    rebinned = np.bincount(np.digitize(values, EDGES) - 1, minlength=BASE.size) / values.size
    assert scaled_shares(EDGES, BASE, 0.8) == pytest.approx(rebinned, abs=0.003)


def test_shorter_durations_raise_theta_above_one_half() -> None:
    theta, _, _ = dominance_components(scaled_shares(EDGES, BASE, 0.8), BASE)
    assert 0.5 < theta < 0.6
    longer, _, _ = dominance_components(scaled_shares(EDGES, BASE, 1.25), BASE)
    assert longer < 0.5


def test_histograms_must_be_comparable() -> None:
    with pytest.raises(ValueError, match="same buckets"):
        dominance_components([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="at least two"):
        probability_shorter([1, 0], [3, 4])
    with pytest.raises(ValueError, match="positive"):
        scaled_shares([0, 1, 2], [1, 1], 0.0)
