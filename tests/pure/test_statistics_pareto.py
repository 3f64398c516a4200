"""The Pareto of categories: order, shares with Wilson intervals, the cumulative share.

Pure computation: no database.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from vocloop.statistics.pareto import pareto


def test_categories_are_sorted_by_count_and_a_gap_in_the_record_comes_last() -> None:
    bars = pareto(
        {"people": 5, "unknown": 40, "process": 30, "product": 0, "policy": 5}, last={"unknown"}
    )
    assert [b.key for b in bars] == ["process", "people", "policy", "unknown"]
    assert [b.count for b in bars] == [30, 5, 5, 40]
    assert [b.cumulative for b in bars] == pytest.approx([30 / 80, 35 / 80, 40 / 80, 1.0])
    # Every share is of all the items, "unknown" included.
    assert {b.share.n for b in bars} == {80}


def test_a_share_carries_the_reference_wilson_interval() -> None:
    # docs/formulas.md: 10 of 100 → [0.0552, 0.1744].
    bar = next(b for b in pareto({"a": 10, "b": 90}) if b.key == "a")
    assert bar.share.value == pytest.approx(0.10)
    assert bar.share.ci_low == pytest.approx(0.0552, abs=1e-4)
    assert bar.share.ci_high == pytest.approx(0.1744, abs=1e-4)


def test_below_the_minimum_a_share_is_marked_not_enough() -> None:
    bars = pareto({"a": 3, "b": 2}, min_n=30)
    assert not any(b.share.enough_data for b in bars)
    assert all(b.share.value is not None for b in bars)


def test_nothing_counted_gives_no_bars_and_a_negative_count_is_refused() -> None:
    assert pareto({}) == []
    assert pareto({"a": 0}) == []
    with pytest.raises(ValueError, match="negative"):
        pareto({"a": -1})


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 500), min_size=1))
def test_shares_sum_to_one_and_each_interval_holds_its_binomial_share(
    counts: dict[str, int],
) -> None:
    bars = pareto(counts, last={"h"})
    total = sum(counts.values())
    if total == 0:
        assert bars == []
        return
    assert sum(b.share.value or 0 for b in bars) == pytest.approx(1.0)
    assert bars[-1].cumulative == pytest.approx(1.0)
    z = stats.norm.ppf(0.975)
    for b in bars:
        assert b.share.ci_low is not None and b.share.ci_high is not None
        assert b.share.ci_low <= b.count / total <= b.share.ci_high
        # Wilson's bounds are where the score statistic equals z (or the ends of [0, 1]).
        for bound in (b.share.ci_low, b.share.ci_high):
            if 0 < bound < 1:
                score = abs(b.count / total - bound) / (bound * (1 - bound) / total) ** 0.5
                assert score == pytest.approx(z, rel=1e-6)
