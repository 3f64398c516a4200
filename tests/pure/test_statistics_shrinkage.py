"""Empirical-Bayes shrinkage for comparing teams and touch points.

Pure computation: no database.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from vocloop.statistics.shrinkage import GroupEstimate, shrink


def by_key(result_groups: tuple[GroupEstimate, ...]) -> dict[str, GroupEstimate]:
    return {g.key: g for g in result_groups}


def teams(seed: int = 0) -> list[tuple[str, int, int]]:
    rng = np.random.default_rng(seed)
    rates = rng.beta(40, 10, size=12)  # true SLA compliance around 80 %
    sizes = rng.integers(200, 2000, size=12)
    groups = [
        (f"team-{i}", int(rng.binomial(n, p)), int(n))
        for i, (n, p) in enumerate(zip(sizes, rates, strict=True))
    ]
    return [*groups, ("tiny", 3, 3)]


def test_a_small_group_with_an_extreme_raw_rate_is_pulled_toward_the_mean() -> None:
    result = shrink(teams())
    tiny = by_key(result.groups)["tiny"]
    prior_mean = result.alpha / (result.alpha + result.beta)
    assert tiny.raw == 1.0
    assert prior_mean < tiny.value < 0.97
    assert not tiny.enough_data
    # Three perfect cases are not enough to be ranked above anyone.
    assert tiny.tier == 1
    assert len(tiny.indistinguishable_from) >= 10


def test_big_groups_barely_move() -> None:
    for group in shrink(teams()).groups:
        if group.n >= 200:
            assert group.raw is not None
            assert abs(group.value - group.raw) < 0.02


def test_intervals_are_the_beta_posterior_quantiles() -> None:
    result = shrink(teams())
    group = by_key(result.groups)["team-0"]
    a = result.alpha + group.successes
    b = result.beta + group.n - group.successes
    assert group.value == pytest.approx(a / (a + b))
    assert group.ci_low == pytest.approx(stats.beta.ppf(0.025, a, b))
    assert group.ci_high == pytest.approx(stats.beta.ppf(0.975, a, b))


def test_groups_are_listed_best_first_and_only_ranked_apart_when_intervals_do_not_overlap() -> None:
    result = shrink([("good", 950, 1000), ("bad", 600, 1000), ("also good", 940, 1000)])
    assert [g.key for g in result.groups] == ["good", "also good", "bad"]
    groups = by_key(result.groups)
    assert groups["good"].tier == groups["also good"].tier == 1
    assert groups["bad"].tier == 3
    assert groups["good"].indistinguishable_from == ("also good",)
    assert groups["bad"].indistinguishable_from == ()


def test_groups_that_vary_no_more_than_sampling_are_pooled_and_indistinguishable() -> None:
    result = shrink([("a", 50, 100), ("b", 50, 100), ("c", 51, 100)])
    assert "capped" in result.method
    assert all(g.tier == 1 for g in result.groups)
    assert all(g.value == pytest.approx(151 / 300, abs=0.01) for g in result.groups)


@pytest.mark.parametrize(
    "groups",
    [
        [],
        [("only", 7, 10)],
        [("a", 0, 10), ("b", 0, 50)],
        [("a", 10, 10), ("b", 50, 50)],
        [("a", 0, 0), ("b", 3, 9)],
        [("a", 0, 0)],
    ],
)
def test_degenerate_inputs_do_not_crash(groups: list[tuple[str, int, int]]) -> None:
    result = shrink(groups)
    assert len(result.groups) == len(groups)
    for group in result.groups:
        assert 0.0 <= group.ci_low <= group.value <= group.ci_high <= 1.0


def test_all_zero_groups_fall_back_to_the_jeffreys_prior() -> None:
    result = shrink([("a", 0, 10), ("b", 0, 50)])
    assert (result.alpha, result.beta) == (0.5, 0.5)
    assert "Jeffreys" in result.method
    assert by_key(result.groups)["a"].value == pytest.approx(0.5 / 11)


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        shrink([("a", 11, 10)])
