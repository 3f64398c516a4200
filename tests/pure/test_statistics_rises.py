"""Rising shares: the one-sided two-proportion z-test, widened by overdispersion, Bonferroni.

Pure computation: no database. Check values worked by hand (docs/formulas.md), then
against scipy's normal distribution and against simulated families of candidates.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from vocloop.statistics.rises import ShareCounts, overdispersion, rise_z, rises


def test_a_rise_short_of_significance_by_hand() -> None:
    # 30 of 100 against 20 of 100: p̂ = 0.25, SE = √(0.25·0.75·(1/100 + 1/100)) = 0.061237,
    # z = 0.10/0.061237 = 1.6330, p = 1 − Φ(1.6330) = 0.0512: not below 0.05.
    z, p = rise_z(30, 100, 20, 100) or (0.0, 1.0)
    assert z == pytest.approx(1.6330, abs=1e-4)
    assert p == pytest.approx(0.0512, abs=1e-4)
    assert rises([ShareCounts(30, (4,) * 5)], 100, [20] * 5) == []


def test_bonferroni_divides_the_five_percent_among_the_candidates() -> None:
    # 40 of 100 against 20 of 100: p̂ = 0.30, SE = √(0.3·0.7·0.02) = 0.064807, z = 3.0861,
    # p = 0.001014: below 0.05/20 = 0.0025, above 0.05/50 = 0.001.
    z, p = rise_z(40, 100, 20, 100) or (0.0, 1.0)
    assert z == pytest.approx(3.0861, abs=1e-4)
    assert p == pytest.approx(0.001014, abs=1e-6)
    rising = ShareCounts(40, (4,) * 5)
    flat = ShareCounts(0, (0,) * 5)
    among_20 = rises([rising] + [flat] * 19, 100, [20] * 5)
    assert [(r.index, r.recent_share, r.usual_share) for r in among_20] == [(0, 0.4, 0.2)]
    assert rises([rising] + [flat] * 49, 100, [20] * 5) == []


def test_weeks_that_vary_beyond_sampling_widen_the_test_by_laneys_sigma_z() -> None:
    # Ten weeks of 100 alternating 10 and 30: p̄ = 0.2, σ = 0.04, z = ±2.5, every moving
    # range 5, σ_z = 5/1.128 = 4.4326.
    assert overdispersion([10, 30] * 5, [100] * 10) == pytest.approx(4.4326, abs=1e-4)
    # 40 of 100 against 200 of 1,000: p̂ = 240/1,100, SE = 0.043317, z = 0.2/SE = 4.6171;
    # widened, z = 4.6171/4.4326 = 1.0416 and p = 0.1488: a steady history flags the
    # rise, a history this unsteady does not.
    steady = rises([ShareCounts(40, (20,) * 10)], 100, [100] * 10)
    assert [(r.z, r.overdispersion) for r in steady] == [(pytest.approx(4.6171, abs=1e-4), 1.0)]
    z, p = rise_z(40, 100, 200, 1000, spread=5 / 1.128) or (0.0, 1.0)
    assert (z, p) == (pytest.approx(1.0416, abs=1e-4), pytest.approx(0.1488, abs=1e-4))
    assert rises([ShareCounts(40, (10, 30) * 5)], 100, [100] * 10) == []


def test_too_little_history_to_judge_its_spread_counts_as_none() -> None:
    assert overdispersion([10, 30] * 4 + [10], [100] * 9) == 1.0  # 9 weeks, Laney needs 10
    assert overdispersion([0] * 12, [100] * 12) == 1.0  # nothing to chart
    assert overdispersion([20] * 10, [100] * 10) == 1.0  # σ_z of 0: never narrower than 1
    # A week with no items at all is left out, not charted as a share of nothing.
    assert overdispersion([10, 30] * 5 + [0], [100] * 10 + [0]) == pytest.approx(4.4326, abs=1e-4)


def test_a_trifle_or_a_handful_is_not_a_rise_however_significant() -> None:
    history = (1_000,) * 10  # a share of 0.10 in weeks of 10,000
    sizes = [10_000] * 10
    trifle = ShareCounts(1_120, history)  # 0.112: 12 % above, highly significant
    assert rises([trifle], 10_000, sizes)[0].p_value < 1e-3
    assert rises([trifle], 10_000, sizes, min_ratio=1.25) == []
    handful = ShareCounts(4, (0,) * 10)
    assert rises([handful], 100, [100] * 10)
    assert rises([handful], 100, [100] * 10, min_recent=5) == []


def test_the_largest_rise_comes_first() -> None:
    sizes = [100] * 10
    found = rises(
        [ShareCounts(30, (10,) * 10), ShareCounts(60, (10,) * 10), ShareCounts(10, (10,) * 10)],
        100,
        sizes,
    )
    assert [r.index for r in found] == [1, 0]


def test_nothing_to_compare_finds_nothing() -> None:
    assert rises([ShareCounts(5, (1,) * 10)], 0, [100] * 10) == []
    assert rises([ShareCounts(5, (0,) * 10)], 100, [0] * 10) == []
    assert rise_z(0, 100, 0, 1000) is None  # a pooled share of 0: no variation at all


@pytest.mark.parametrize(
    ("recent", "recent_n", "history", "history_n", "spread"),
    [(30, 100, 20, 100, 1.0), (57, 400, 1_000, 8_800, 1.0), (57, 400, 1_000, 8_800, 1.7)],
)
def test_the_p_value_is_scipys_normal_tail_of_the_z_computed_independently(
    recent: int, recent_n: int, history: int, history_n: int, spread: float
) -> None:
    p1, p2 = recent / recent_n, history / history_n
    pooled = (recent + history) / (recent_n + history_n)
    se = np.sqrt(pooled * (1 - pooled) * (1 / recent_n + 1 / history_n))
    expected_z = (p1 - p2) / (se * spread)
    z, p = rise_z(recent, recent_n, history, history_n, spread=spread) or (0.0, 1.0)
    assert z == pytest.approx(expected_z, rel=1e-12)
    assert p == pytest.approx(stats.norm.sf(expected_z), rel=1e-9)


def _family_flagged(rng: np.random.Generator, weekly_shares: np.ndarray, sizes: list[int]) -> bool:
    """Whether any of a family of candidates with no real rise is flagged; the shares are
    drawn per candidate and per week (22 history weeks, then 4 recent ones)."""
    counts = rng.binomial(np.array(sizes), weekly_shares)
    family = [ShareCounts(int(row[22:].sum()), tuple(int(x) for x in row[:22])) for row in counts]
    return bool(rises(family, sum(sizes[22:]), sizes[:22]))


def test_families_without_a_rise_are_flagged_at_most_five_percent_of_the_time() -> None:
    # 2,000 families of 10 steady candidates (a share of 0.1 in weeks of 200): Bonferroni
    # holds the chance of any false rise to 1 − (1 − 0.005)¹⁰ ≈ 4.9 % at most.
    rng = np.random.default_rng(20261207)
    sizes = [200] * 26
    shares = np.full((10, 26), 0.1)
    rate = np.mean([_family_flagged(rng, shares, sizes) for _ in range(2_000)])
    assert rate <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 2_000)


def test_overdispersion_keeps_weeks_that_wander_from_looking_like_rises() -> None:
    # Weekly shares that wander (beta-distributed around 0.1, sd 0.017 against a binomial
    # 0.0067 in weeks of 2,000): a plain z-test flags most such families of 5 candidates.
    # Widened by σ_z and with the insights pages' rule (a quarter above the usual share,
    # 5 items at least), the family-wise rate stays within 5 %. σ_z is estimated from 22
    # weeks, so the widening is approximate: without the quarter-above rule the same
    # families are flagged about 8 % of the time.
    rng = np.random.default_rng(7)
    sizes = [2_000] * 26
    families = 600
    flagged_widened = flagged_plain = 0
    for _ in range(families):
        shares = rng.beta(30, 270, size=(5, 26))
        counts = rng.binomial(np.array(sizes), shares)
        family = [ShareCounts(int(r[22:].sum()), tuple(int(x) for x in r[:22])) for r in counts]
        found = rises(family, sum(sizes[22:]), sizes[:22], min_ratio=1.25, min_recent=5)
        flagged_widened += bool(found)
        plain = [rise_z(c.recent, sum(sizes[22:]), sum(c.history), sum(sizes[:22])) for c in family]
        flagged_plain += any(t is not None and t[1] < 0.05 / 5 for t in plain)
    assert flagged_plain / families > 0.5
    assert flagged_widened / families <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / families)
