"""The promises of the improvement check, kept in simulation.

Pure computation: no database. Simulated actions, seeded, drawn as the rollups would
count them (binomial, multinomial, the sampling distribution of normal means, binned
durations), each checked by effect.py at the size sample_size.py plans:

- with no change at all, fewer than 5 % are called effective (the rule allows 2.5 %);
- with the planned effect, about 80 % are;
- a change of the whole organisation is not taken for the action's;
- looking every day would call effective more often than once at the planned size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from vocloop.statistics.compare import compare_proportions
from vocloop.statistics.dominance import scaled_shares
from vocloop.statistics.effect import (
    EFFECTIVE,
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
from vocloop.statistics.sample_size import (
    SampleSize,
    sample_size_durations,
    sample_size_means,
    sample_size_nps,
    sample_size_proportions,
)

K = 10  # the rest gathers ten responses for each of the scope's
KEYS = ("scope_before", "scope_after", "rest_before", "rest_after")
EDGES = np.array([0.0, 1, 2, 4, 8, 16, 32, 64, 128])
SCOPE_DURATIONS = np.array([5, 10, 20, 30, 20, 10, 4, 1])
REST_DURATIONS = np.array([4, 10, 22, 30, 20, 8, 4, 2])

Population = Any  # a rate, NPS shares, (mean, SD) or histogram shares
Draw = Callable[[Sequence[Population], Sequence[int], int, np.random.Generator], list[Effect]]


def _draw_proportions(
    rates: Sequence[Population], ns: Sequence[int], sims: int, rng: np.random.Generator
) -> list[Effect]:
    counts = rng.binomial(ns, rates, size=(sims, 4))
    return [
        effect_of_proportions(
            **{k: ProportionCounts(int(x), n) for k, x, n in zip(KEYS, row, ns, strict=True)}
        )
        for row in counts
    ]


def _draw_nps(
    shares: Sequence[Population], ns: Sequence[int], sims: int, rng: np.random.Generator
) -> list[Effect]:
    draws = [rng.multinomial(n, s, size=sims) for s, n in zip(shares, ns, strict=True)]
    return [
        effect_of_nps(**{k: NpsCounts(*map(int, c)) for k, c in zip(KEYS, row, strict=True)})
        for row in zip(*draws, strict=True)
    ]


def _draw_means(
    params: Sequence[Population], ns: Sequence[int], sims: int, rng: np.random.Generator
) -> list[Effect]:
    # Normal responses through their sufficient statistics: the sample mean is normal,
    # (n − 1)s²/σ² is χ²(n − 1), and the two are independent.
    draws = []
    for (mu, sd), n in zip(params, ns, strict=True):
        means = rng.normal(mu, sd / math.sqrt(n), sims)
        variances = sd**2 * rng.chisquare(n - 1, sims) / (n - 1)
        draws.append(
            [
                Moments(n, n * m, (n - 1) * v + n * m * m)
                for m, v in zip(means, variances, strict=True)
            ]
        )
    return [
        effect_of_means(**dict(zip(KEYS, row, strict=True))) for row in zip(*draws, strict=True)
    ]


def _draw_durations(
    shares: Sequence[Population], ns: Sequence[int], sims: int, rng: np.random.Generator
) -> list[Effect]:
    draws = [rng.multinomial(n, s, size=sims) for s, n in zip(shares, ns, strict=True)]
    return [
        effect_of_durations(**dict(zip(KEYS, row, strict=True))) for row in zip(*draws, strict=True)
    ]


@dataclass(frozen=True)
class Scenario:
    plan: SampleSize
    draw: Draw
    before: Population
    after: Population  # the planned effect
    rest: Population
    rest_moved: Population  # the rest moved as the scope is planned to

    def effects(self, kind: str, sims: int, seed: int) -> list[Effect]:
        populations = {
            "no change": (self.before, self.before, self.rest, self.rest),
            "planned effect": (self.before, self.after, self.rest, self.rest),
            "company-wide": (self.before, self.after, self.rest, self.rest_moved),
        }[kind]
        n = self.plan.per_period
        return self.draw(populations, (n, n, K * n, K * n), sims, np.random.default_rng(seed))

    def share_effective(self, effects: list[Effect]) -> float:
        verdicts = [
            effect_verdict(e, expected=self.plan.expected_effect, needed=self.plan.per_period)
            for e in effects
        ]
        assert all(v.final for v in verdicts)  # judged at the planned size
        return float(np.mean([v.verdict == EFFECTIVE for v in verdicts]))


def _moments(mean: float, sd: float, n: int = 1000) -> Moments:
    return Moments(n, n * mean, (n - 1) * sd * sd + n * mean * mean)


def _nps_shares(counts: NpsCounts, effect: float = 0.0) -> np.ndarray:
    shares = np.array(counts, dtype=float) / counts.n
    return shares + np.array([effect, 0.0, -effect]) / 200.0


SCOPE_NPS, REST_NPS = NpsCounts(300, 400, 300), NpsCounts(350, 350, 300)
SCENARIOS = {
    "proportion": Scenario(
        sample_size_proportions(before=0.30, after=0.20, rest=0.25, rest_per_scope=K),
        _draw_proportions,
        0.30,
        0.20,
        0.25,
        0.15,
    ),
    "NPS": Scenario(
        sample_size_nps(before=SCOPE_NPS, effect=8.0, rest=REST_NPS, rest_per_scope=K),
        _draw_nps,
        _nps_shares(SCOPE_NPS),
        _nps_shares(SCOPE_NPS, 8.0),
        _nps_shares(REST_NPS),
        _nps_shares(REST_NPS, 8.0),
    ),
    "mean": Scenario(
        sample_size_means(
            before=_moments(3.0, 1.2), effect=0.3, rest=_moments(3.5, 1.5), rest_per_scope=K
        ),
        _draw_means,
        (3.0, 1.2),
        (3.3, 1.2),
        (3.5, 1.5),
        (3.8, 1.5),
    ),
    "durations": Scenario(
        sample_size_durations(
            edges=EDGES, before=SCOPE_DURATIONS, factor=0.8, rest=REST_DURATIONS, rest_per_scope=K
        ),
        _draw_durations,
        SCOPE_DURATIONS / SCOPE_DURATIONS.sum(),
        scaled_shares(EDGES, SCOPE_DURATIONS, 0.8),
        REST_DURATIONS / REST_DURATIONS.sum(),
        scaled_shares(EDGES, REST_DURATIONS, 0.8),
    ),
}


@pytest.mark.parametrize("metric", SCENARIOS)
def test_with_no_change_fewer_than_5_percent_of_actions_are_called_effective(metric: str) -> None:
    scenario = SCENARIOS[metric]
    share = scenario.share_effective(scenario.effects("no change", 1000, seed=11))
    # One side of a 95 % interval: 2.5 % expected, ± 0.5 points over 1,000 actions.
    assert share < 0.05


@pytest.mark.parametrize("metric", SCENARIOS)
def test_with_the_planned_effect_about_80_percent_are_called_effective(metric: str) -> None:
    scenario = SCENARIOS[metric]
    sims = 2000
    share = scenario.share_effective(scenario.effects("planned effect", sims, seed=12))
    # Three binomial standard errors of the simulation: ±2.7 points over 2,000 actions.
    assert abs(share - 0.8) < 3 * math.sqrt(0.8 * 0.2 / sims)


@pytest.mark.parametrize("metric", SCENARIOS)
def test_a_change_of_the_whole_organisation_is_not_the_actions(metric: str) -> None:
    scenario = SCENARIOS[metric]
    effects = scenario.effects("company-wide", 1000, seed=13)
    assert scenario.share_effective(effects) < 0.05
    # The scope moved as planned: on its own before/after it looks like a success.
    assert np.mean([e.scope_change for e in effects]) == pytest.approx(
        scenario.plan.expected_effect, rel=0.15
    )


def test_without_the_rest_a_company_wide_fall_would_pass_for_the_actions() -> None:
    rng = np.random.default_rng(14)
    n = SCENARIOS["proportion"].plan.per_period
    before, after = rng.binomial(n, 0.30, 1000), rng.binomial(n, 0.20, 1000)
    alone = [
        compare_proportions(int(a), n, int(b), n).verdict
        for a, b in zip(after, before, strict=True)
    ]
    assert np.mean([v == "lower" for v in alone]) > 0.8


def test_looking_every_day_would_call_effective_too_often_the_verdict_does_not() -> None:
    # No change anywhere; the after-period grows in ten steps to the planned size and
    # the check is looked at after each.
    plan = SCENARIOS["proportion"].plan
    n, sims, looks = plan.per_period, 1000, 10
    rng = np.random.default_rng(15)
    scope_before = rng.binomial(n, 0.30, sims)
    rest_before = rng.binomial(K * n, 0.25, sims)
    step = math.ceil(n / looks)
    scope_after = np.cumsum(rng.binomial(step, 0.30, (sims, looks)), axis=1)
    rest_after = np.cumsum(rng.binomial(K * step, 0.25, (sims, looks)), axis=1)
    ever_naive = np.zeros(sims, dtype=bool)
    ever_verdict = np.zeros(sims, dtype=bool)
    for i in range(sims):
        for look in range(looks):
            size = step * (look + 1)
            effect = effect_of_proportions(
                scope_before=ProportionCounts(int(scope_before[i]), n),
                scope_after=ProportionCounts(int(scope_after[i, look]), size),
                rest_before=ProportionCounts(int(rest_before[i]), K * n),
                rest_after=ProportionCounts(int(rest_after[i, look]), K * size),
            )
            verdict = effect_verdict(effect, expected=plan.expected_effect, needed=n)
            assert (verdict.verdict == NOT_YET) == (size < n)
            ever_naive[i] |= effect.ci_high < 0.0
            ever_verdict[i] |= verdict.verdict == EFFECTIVE
    # Ten looks at a 2.5 % one-sided rule: several times 2.5 % (about 8 % here).
    assert ever_naive.mean() > 0.05
    assert ever_verdict.mean() < 0.05
    assert ever_verdict.mean() < ever_naive.mean() / 2
