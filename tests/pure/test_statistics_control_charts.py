"""Control charts and the Western Electric / Nelson rules on series with known answers.

Pure computation: no database.
"""

from __future__ import annotations

import numpy as np
import pytest

from vocloop.statistics.control_charts import laney_threshold, p_chart, xmr_chart
from vocloop.statistics.rules import RuleSetName, Signal, detect


def planted(length: int, at: int, pattern: list[float]) -> list[float]:
    z = [0.0] * length
    z[at : at + len(pattern)] = pattern
    return z


def fired(signals: list[Signal], rule: str) -> list[tuple[int, ...]]:
    return [s.indices for s in signals if s.rule == rule]


def test_one_point_beyond_three_sigma_is_rule_one_and_nothing_else() -> None:
    signals = detect(planted(20, 10, [3.5]))
    assert [(s.rule, s.indices) for s in signals] == [("we-1", (10,))]
    assert signals[0].description == "1 point beyond 3σ"


def test_two_of_three_beyond_two_sigma_on_one_side() -> None:
    signals = detect(planted(20, 5, [2.5, 0.0, 2.2]))
    assert [(s.rule, s.indices) for s in signals] == [("we-2", (5, 7))]
    # On opposite sides they are not a signal.
    assert detect(planted(20, 5, [2.5, 0.0, -2.2])) == []


def test_four_of_five_beyond_one_sigma_on_one_side() -> None:
    signals = detect(planted(20, 5, [1.5, 1.5, 0.0, 1.5, 1.5]))
    assert [(s.rule, s.indices) for s in signals] == [("we-3", (5, 6, 8, 9))]


def test_eight_in_a_row_on_one_side_fires_and_seven_do_not() -> None:
    signals = detect(planted(30, 3, [0.5] * 8))
    assert [(s.rule, s.indices) for s in signals] == [("we-4", tuple(range(3, 11)))]
    assert detect(planted(30, 3, [0.5] * 7)) == []


def test_a_long_run_is_one_signal_listing_every_point() -> None:
    signals = detect(planted(40, 5, [0.5] * 20))
    assert fired(signals, "we-4") == [tuple(range(5, 25))]


def test_nelson_wants_nine_in_a_row_where_western_electric_wants_eight() -> None:
    eight = planted(30, 3, [0.5] * 8)
    assert fired(detect(eight, "nelson"), "nelson-2") == []
    assert fired(detect(planted(30, 3, [0.5] * 9), "nelson"), "nelson-2") == [tuple(range(3, 12))]


def test_six_points_steadily_rising_is_a_trend() -> None:
    signals = detect(planted(30, 10, [-0.5, -0.3, -0.1, 0.1, 0.3, 0.5]), "nelson")
    assert fired(signals, "nelson-3") == [tuple(range(10, 16))]
    assert fired(detect(planted(30, 10, [-0.3, -0.1, 0.1, 0.3, 0.5]), "nelson"), "nelson-3") == []


def test_fourteen_points_alternating_up_and_down() -> None:
    signals = detect(planted(40, 10, [0.5, -0.5] * 7), "nelson")
    (indices,) = fired(signals, "nelson-4")
    assert set(range(10, 24)) <= set(indices)
    assert fired(detect(planted(40, 10, [0.5, -0.5] * 5 + [0.5]), "nelson"), "nelson-4") == []


def test_fifteen_points_hugging_the_centre_line() -> None:
    z = [1.5, -1.5] * 5 + [0.2, -0.2] * 8 + [1.5, -1.5] * 5
    assert fired(detect(z, "nelson"), "nelson-7") == [tuple(range(10, 26))]


def test_eight_points_beyond_one_sigma_on_both_sides() -> None:
    signals = detect(planted(30, 10, [1.5, -1.5] * 4), "nelson")
    assert fired(signals, "nelson-8") == [tuple(range(10, 18))]
    # All on one side is a shift (rules 2, 5, 6), not this mixture pattern.
    assert fired(detect(planted(30, 10, [1.5] * 8), "nelson"), "nelson-8") == []


def test_p_chart_limits_follow_each_subgroup_size() -> None:
    chart = p_chart([10, 40], [100, 400])
    p_bar = 50 / 500
    assert chart.chart == "p"
    assert chart.centre == pytest.approx(p_bar)
    for size, low, high in zip([100, 400], chart.lower, chart.upper, strict=True):
        half = 3 * np.sqrt(p_bar * (1 - p_bar) / size)
        assert high == pytest.approx(p_bar + half)
        assert low == pytest.approx(max(0.0, p_bar - half))
    assert chart.upper[0] > chart.upper[1]


def test_a_p_chart_of_a_rate_that_never_moves_raises_nothing() -> None:
    chart = p_chart([0] * 20, [50] * 20)
    assert chart.signals == ()
    assert chart.lower == chart.upper == (0.0,) * 20


def test_a_planted_step_in_a_complaint_rate_is_found_in_the_shifted_periods() -> None:
    rng = np.random.default_rng(4)
    sizes = [400] * 40
    rates = [0.10] * 30 + [0.15] * 10
    complaints = [int(rng.binomial(n, p)) for n, p in zip(sizes, rates, strict=True)]
    chart = p_chart(complaints, sizes)
    late = [s for s in chart.signals if min(s.indices) >= 30]
    assert late, chart.signals
    assert {s.rule for s in late} <= {"we-1", "we-2", "we-3", "we-4"}


def test_a_spike_in_an_xmr_chart_is_a_point_beyond_three_sigma() -> None:
    values = np.random.default_rng(8).normal(4.0, 0.3, size=60)
    values[40] += 3.0  # ten sigma
    chart = xmr_chart(values.tolist())
    assert (40,) in fired(list(chart.signals), "we-1")


def test_a_sustained_small_shift_is_found_by_a_run_rule() -> None:
    values = np.random.default_rng(9).normal(0.0, 1.0, size=60)
    values[40:] += 1.5
    signals = xmr_chart(values.tolist()).signals
    runs = [s for s in signals if s.rule in {"we-3", "we-4"} and max(s.indices) >= 40]
    assert runs, signals


def test_xmr_limits_are_the_mean_plus_or_minus_2_66_average_moving_ranges() -> None:
    chart = xmr_chart([1.0, 2.0, 3.0, 2.0, 1.0])
    assert chart.moving_ranges == (1.0, 1.0, 1.0, 1.0)
    assert chart.moving_range_centre == 1.0
    assert chart.moving_range_upper == pytest.approx(3.267)
    assert chart.centre == pytest.approx(1.8)
    assert chart.lower[0] == pytest.approx(1.8 - 2.66)
    assert chart.upper[0] == pytest.approx(1.8 + 2.66)


@pytest.mark.parametrize(("rules", "expected"), [("western_electric", 12.0), ("nelson", 15.1)])
def test_a_stable_process_of_1000_points_raises_about_the_expected_false_alarms(
    rules: RuleSetName, expected: float
) -> None:
    # Expected rates (rules.py): about 12 (WE, ARL 91.75 per Champ & Woodall) and
    # 15 (Nelson) signals per 1,000 points, sd about 4. Five series keep it stable.
    series = [np.random.default_rng(seed).normal(size=1000).tolist() for seed in range(5)]
    counts = [len(xmr_chart(values, rules=rules).signals) for values in series]
    assert all(c < 30 for c in counts), counts  # never dozens
    assert expected / 2 < np.mean(counts) < expected * 1.5, counts


def overdispersed(seed: int, periods: int = 50, size: int = 5000) -> tuple[list[int], list[int]]:
    rng = np.random.default_rng(seed)
    # The true rate itself wanders between periods (sd 0.01, binomial sd 0.004).
    rates = np.clip(rng.normal(0.1, 0.01, size=periods), 0.0, 1.0)
    return [int(rng.binomial(size, p)) for p in rates], [size] * periods


def test_laney_switches_on_for_overdispersed_data_and_says_so() -> None:
    complaints, sizes = overdispersed(1)
    plain = p_chart(complaints, sizes, laney=False)
    chart = p_chart(complaints, sizes)
    assert chart.chart == "laney p′"
    assert chart.sigma_z is not None and chart.sigma_z > laney_threshold(50)
    assert "Laney p′" in chart.note
    # The plain p-chart cries wolf; the widened limits do not.
    assert len(plain.signals) > 5
    assert len(chart.signals) < len(plain.signals)


def test_laney_stays_off_for_binomial_data() -> None:
    charts = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        charts.append(p_chart(rng.binomial(5000, 0.1, size=50).tolist(), [5000] * 50))
    # The rule switches a binomial process in under 1 % of cases.
    assert sum(c.chart == "laney p′" for c in charts) <= 1
    assert all(c.sigma_z is not None and 0.6 < c.sigma_z < 1.4 for c in charts)


def test_too_few_periods_stay_on_a_plain_p_chart() -> None:
    complaints, sizes = overdispersed(2, periods=8)
    chart = p_chart(complaints, sizes)
    assert chart.chart == "p"
    assert "too few" in chart.note


def test_p_chart_points_are_judged_in_their_own_sigma_units() -> None:
    # The same 20 % is 1σ-ish in a small period and far out in a large one.
    chart = p_chart([20, 2000, 1000, 1000], [100, 10000, 10000, 10000])
    assert abs(chart.z[1]) > 5 * abs(chart.z[0])
    assert chart.sigma[0] == pytest.approx(np.sqrt(chart.centre * (1 - chart.centre) / 100))


def test_p_chart_accepts_the_nelson_rules() -> None:
    sizes = [1000] * 30
    complaints = [100 + (5 if i % 2 else -5) for i in range(30)]  # sawtooth
    signals = p_chart(complaints, sizes, rules="nelson", laney=False).signals
    assert "nelson-4" in {s.rule for s in signals}


def test_interleaved_highs_and_lows_are_separate_signals() -> None:
    signals = detect(planted(20, 5, [2.5, -2.5, 2.5, -2.5]))
    assert fired(signals, "we-2") == [(5, 7), (6, 8)]
