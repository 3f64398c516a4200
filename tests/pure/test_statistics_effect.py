"""The check of an improvement action: difference-in-differences and its verdict.

Pure computation: no database. The check values of docs/formulas.md, then each
metric against an independent computation (scipy, the raw responses, simulation).
The simulated false-positive and power rates are in test_statistics_effect_simulation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vocloop.statistics.dominance import probability_shorter
from vocloop.statistics.effect import (
    EFFECTIVE,
    INCONCLUSIVE,
    NOT_EFFECTIVE,
    NOT_YET,
    Effect,
    ProportionCounts,
    effect_of_durations,
    effect_of_means,
    effect_of_nps,
    effect_of_proportions,
    effect_verdict,
)
from vocloop.statistics.intervals import Moments
from vocloop.statistics.metrics import NpsCounts


def _product_check() -> Effect:
    return effect_of_proportions(
        scope_before=ProportionCounts(120, 400),
        scope_after=ProportionCounts(80, 400),
        rest_before=ProportionCounts(1000, 4000),
        rest_after=ProportionCounts(960, 4000),
    )


def test_the_product_check_of_a_proportion() -> None:
    # docs/formulas.md: 30 % → 20 % of 400, rest 25 % → 24 % of 4,000.
    effect = _product_check()
    assert round(effect.difference, 3) == -0.090
    assert round(effect.standard_error, 4) == 0.0319
    assert (round(effect.ci_low, 4), round(effect.ci_high, 4)) == (-0.1525, -0.0275)
    assert effect.scope_change == pytest.approx(-0.10)
    assert effect.rest_change == pytest.approx(-0.01)
    assert (effect.n_scope_before, effect.n_rest_after) == (400, 4000)


def test_the_proportion_p_value_is_the_normal_two_sided_one() -> None:
    effect = _product_check()
    assert effect.p_value == pytest.approx(2 * stats.norm.sf(0.09 / effect.standard_error))


def test_the_proportion_standard_error_is_the_spread_of_simulated_checks() -> None:
    rng = np.random.default_rng(1)
    draws = rng.binomial([400, 400, 4000, 4000], [0.30, 0.20, 0.25, 0.24], size=(40_000, 4))
    shares = draws / np.array([400, 400, 4000, 4000])
    deltas = (shares[:, 1] - shares[:, 0]) - (shares[:, 3] - shares[:, 2])
    # 40,000 draws know their SD to about 0.4 %.
    assert deltas.std() == pytest.approx(_product_check().standard_error, rel=0.015)
    assert deltas.mean() == pytest.approx(-0.09, abs=0.001)


def _scores(counts: NpsCounts) -> np.ndarray:
    return np.repeat([100.0, 0.0, -100.0], counts)


def test_the_nps_effect_from_the_raw_scores_of_each_response() -> None:
    samples = (
        NpsCounts(50, 90, 60),
        NpsCounts(70, 80, 50),
        NpsCounts(300, 400, 300),
        NpsCounts(310, 390, 300),
    )
    effect = effect_of_nps(
        scope_before=samples[0],
        scope_after=samples[1],
        rest_before=samples[2],
        rest_after=samples[3],
    )
    means = [_scores(s).mean() for s in samples]
    # An NPS is the mean of +100/0/−100 scores; the multinomial variance is their
    # population variance over n.
    variance = sum(_scores(s).var() / s.n for s in samples)
    assert effect.difference == pytest.approx((means[1] - means[0]) - (means[3] - means[2]))
    assert effect.difference == pytest.approx((10.0 - -5.0) - (1.0 - 0.0))
    assert effect.standard_error == pytest.approx(math.sqrt(variance))
    assert effect.p_value == pytest.approx(2 * stats.norm.sf(14.0 / math.sqrt(variance)))
    assert effect.ci_low == pytest.approx(14.0 - stats.norm.ppf(0.975) * math.sqrt(variance))


def test_with_a_rest_that_never_moves_the_mean_effect_is_welchs_test() -> None:
    rng = np.random.default_rng(2)
    before, after = rng.normal(4.0, 1.5, 60), rng.normal(4.6, 1.0, 45)
    effect = effect_of_means(
        scope_before=Moments.of(before.tolist()),
        scope_after=Moments.of(after.tolist()),
        rest_before=Moments.of([3.0] * 500),
        rest_after=Moments.of([3.0] * 500),
    )
    welch = stats.ttest_ind(after, before, equal_var=False)
    interval = welch.confidence_interval(0.95)
    assert effect.difference == pytest.approx(after.mean() - before.mean())
    assert effect.p_value == pytest.approx(welch.pvalue)
    assert (effect.ci_low, effect.ci_high) == pytest.approx((interval.low, interval.high))


def test_the_mean_effect_uses_satterthwaites_degrees_of_freedom_over_four_samples() -> None:
    rng = np.random.default_rng(3)
    samples = [
        rng.normal(mu, sd, n)
        for mu, sd, n in ((4, 1, 40), (4.5, 1.2, 30), (3, 2, 80), (3.1, 2, 90))
    ]
    effect = effect_of_means(
        **dict(
            zip(
                ("scope_before", "scope_after", "rest_before", "rest_after"),
                (Moments.of(s.tolist()) for s in samples),
                strict=True,
            )
        )
    )
    v = np.array([s.var(ddof=1) / s.size for s in samples])
    df = v.sum() ** 2 / np.sum(v**2 / (np.array([s.size for s in samples]) - 1))
    delta = (samples[1].mean() - samples[0].mean()) - (samples[3].mean() - samples[2].mean())
    assert effect.difference == pytest.approx(delta)
    assert effect.standard_error == pytest.approx(math.sqrt(v.sum()))
    assert effect.p_value == pytest.approx(2 * stats.t.sf(abs(delta) / math.sqrt(v.sum()), df))


def test_the_durations_effect_is_the_difference_of_two_mann_whitney_probabilities() -> None:
    scope_before, scope_after = [5, 10, 20, 15, 5], [10, 15, 20, 8, 2]
    rest_before, rest_after = [50, 100, 200, 150, 50], [52, 101, 199, 150, 48]
    effect = effect_of_durations(
        scope_before=scope_before,
        scope_after=scope_after,
        rest_before=rest_before,
        rest_after=rest_after,
    )
    scope = probability_shorter(scope_after, scope_before)
    rest = probability_shorter(rest_after, rest_before)

    def theta(after: list[int], before: list[int]) -> float:
        # scipy's U for (before, after): pairs where the before-duration is longer.
        u = stats.mannwhitneyu(np.repeat(np.arange(5), before), np.repeat(np.arange(5), after))
        return float(u.statistic) / (sum(after) * sum(before))

    assert effect.scope_change == pytest.approx(theta(scope_after, scope_before) - 0.5)
    assert effect.rest_change == pytest.approx(theta(rest_after, rest_before) - 0.5)
    assert effect.difference > 0  # the scope's durations got shorter, the rest's hardly
    assert effect.standard_error == pytest.approx(math.sqrt(scope.variance + rest.variance))
    assert (effect.n_scope_before, effect.n_scope_after) == (55, 55)


def test_four_periods_without_spread_and_without_change_are_no_effect() -> None:
    same = ProportionCounts(0, 50)
    effect = effect_of_proportions(
        scope_before=same, scope_after=same, rest_before=same, rest_after=same
    )
    assert (effect.difference, effect.standard_error, effect.p_value) == (0.0, 0.0, 1.0)


def test_an_empty_period_cannot_be_checked() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        effect_of_proportions(
            scope_before=ProportionCounts(0, 0),
            scope_after=ProportionCounts(1, 10),
            rest_before=ProportionCounts(1, 10),
            rest_after=ProportionCounts(1, 10),
        )
    with pytest.raises(ValueError, match="between 0 and n"):
        effect_of_proportions(
            scope_before=ProportionCounts(11, 10),
            scope_after=ProportionCounts(1, 10),
            rest_before=ProportionCounts(1, 10),
            rest_after=ProportionCounts(1, 10),
        )


def _effect(difference: float, low: float, high: float, n_after: int = 300) -> Effect:
    return Effect(
        "proportion",
        difference,
        0.03,
        low,
        high,
        0.01,
        difference,
        0.0,
        300,
        n_after,
        3000,
        3000,
        "",
    )


def test_an_interval_wholly_on_the_expected_side_of_zero_is_effective() -> None:
    verdict = effect_verdict(_effect(-0.09, -0.15, -0.03), expected=-0.10, needed=294)
    assert (verdict.verdict, verdict.final) == (EFFECTIVE, True)
    assert "-9.0 [-15.0, -3.0] points" in verdict.sentence
    assert "expected -10.0" in verdict.sentence and "n = 300" in verdict.sentence


def test_a_real_effect_smaller_than_expected_is_effective_and_says_so() -> None:
    verdict = effect_verdict(_effect(-0.04, -0.07, -0.01), expected=-0.10, needed=294)
    assert verdict.verdict == EFFECTIVE
    assert "Smaller than expected" in verdict.sentence


def test_an_interval_short_of_the_expected_effect_is_not_effective() -> None:
    verdict = effect_verdict(_effect(-0.01, -0.05, 0.03), expected=-0.10, needed=294)
    assert verdict.verdict == NOT_EFFECTIVE
    assert "wrong way" not in verdict.sentence
    worse = effect_verdict(_effect(0.05, 0.01, 0.09), expected=-0.10, needed=294)
    assert worse.verdict == NOT_EFFECTIVE
    assert "wrong way" in worse.sentence


def test_an_interval_holding_zero_and_the_expected_effect_is_inconclusive() -> None:
    verdict = effect_verdict(_effect(-0.05, -0.12, 0.02), expected=-0.10, needed=294)
    assert (verdict.verdict, verdict.final) == (INCONCLUSIVE, True)
    assert "both no effect and the expected -10.0" in verdict.sentence


def test_an_effect_expected_upwards_is_judged_upwards() -> None:
    effect = Effect("NPS", 9.0, 3.0, 3.1, 14.9, 0.003, 10.0, 1.0, 900, 900, 9000, 9000, "")
    assert effect_verdict(effect, expected=8.0, needed=800).verdict == EFFECTIVE
    assert effect_verdict(effect, expected=-8.0, needed=800).verdict == NOT_EFFECTIVE
    assert effect_verdict(effect, expected=20.0, needed=800).verdict == EFFECTIVE
    assert "+9.0 [+3.1, +14.9] points" in effect_verdict(effect, expected=8.0, needed=800).sentence


def test_before_the_planned_sample_nothing_is_concluded_even_a_clear_interval() -> None:
    verdict = effect_verdict(_effect(-0.2, -0.3, -0.1, n_after=150), expected=-0.10, needed=294)
    assert (verdict.verdict, verdict.final) == (NOT_YET, False)
    assert (verdict.responses, verdict.needed) == (150, 294)
    assert "150 of 294" in verdict.sentence


def test_a_before_period_short_of_the_plan_is_judged_with_a_warning() -> None:
    effect = Effect(
        "proportion", -0.09, 0.03, -0.15, -0.03, 0.01, -0.1, -0.01, 200, 300, 3000, 3000, ""
    )
    verdict = effect_verdict(effect, expected=-0.10, needed=294)
    assert verdict.verdict == EFFECTIVE
    assert "only 200 of the 294" in verdict.sentence


def test_an_action_without_an_expected_effect_cannot_be_judged() -> None:
    with pytest.raises(ValueError, match="expected effect"):
        effect_verdict(_product_check(), expected=0.0, needed=294)
