"""Did an improvement action work? A difference-in-differences against the rest.

An action (ISO 9001 10.2 corrective action, a PDCA "check") changes something in its
scope — a touch point, a team — on a given day. Comparing the scope after the change
with the scope before it is not enough: the whole organisation may have moved at the
same time (a season, a price change, a new survey wording). The rest of the
organisation is the control, and the effect is

    Δ = (after − before) in the scope − (after − before) in the rest,

with SE = √(Σ Var) over the four independent samples, the interval Δ ± z·SE and a
two-sided p-value. The check assumes that without the action the scope would have
moved as the rest did (parallel trends, on the scale of each metric); an action that
changes the rest too (the same fix rolled out everywhere) cannot be checked this way.

Per metric (docs/formulas.md):

- proportions: Var = p(1 − p)/n per sample, the unpooled variance, so that an effect
  anywhere gets its own standard error;
- NPS, in points: the multinomial variance of metrics.py, [p + d − (p − d)²]/n·100²;
- means: s²/n per sample from `Moments`, the interval and p-value from Student's t with
  Welch–Satterthwaite degrees of freedom over the four variances;
- durations (binned): θ = P(an after-duration is shorter than a before-duration)
  + ½·P(same bucket), in the scope minus the same in the rest, each with DeLong's
  variance (dominance.py). Positive means durations got shorter in the scope beyond
  what the rest saw. `scope_change` and `rest_change` are then θ − ½, so that for
  every metric 0 means "no change" (the app shows θ itself as ½ + the change: "a case
  after the change was resolved faster than one before in 62 % of pairs"). The
  parallel-trends assumption here says the scope's θ would have matched the rest's;
  that is closest to true when both have durations of similar spread.

`effect_verdict` turns an `Effect` into words once the planned sample is in
(sample_size.py); see its docstring for why nothing is concluded before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from scipy import stats

from vocloop.statistics.dominance import probability_shorter
from vocloop.statistics.estimate import CONFIDENCE, z_value
from vocloop.statistics.intervals import Moments
from vocloop.statistics.metrics import NpsCounts, nps_standard_error

__all__ = [
    "EFFECTIVE",
    "INCONCLUSIVE",
    "NOT_EFFECTIVE",
    "NOT_YET",
    "Effect",
    "EffectVerdict",
    "ProportionCounts",
    "effect_of_durations",
    "effect_of_means",
    "effect_of_nps",
    "effect_of_proportions",
    "effect_verdict",
]

EFFECTIVE = "effective"
NOT_EFFECTIVE = "not effective"
INCONCLUSIVE = "inconclusive"
NOT_YET = "no detectable effect yet"


class ProportionCounts(NamedTuple):
    """Successes of n: what a rollup keeps for a proportion over a period."""

    successes: int
    n: int


@dataclass(frozen=True, slots=True)
class Effect:
    """Δ = scope_change − rest_change with its standard error, interval and p-value.

    `metric` is "proportion" (Δ as a share, −1…1), "NPS" (in points), "mean" (in the
    metric's unit) or "durations" (a difference of two probabilities; `scope_change`
    and `rest_change` are then θ − ½, see the module docstring).
    """

    metric: str
    difference: float
    standard_error: float
    ci_low: float
    ci_high: float
    p_value: float
    scope_change: float
    rest_change: float
    n_scope_before: int
    n_scope_after: int
    n_rest_before: int
    n_rest_after: int
    method: str


def _two_sided_normal_p(z: float) -> float:
    # 2·(1 − Φ(|z|)) = erfc(|z|/√2), exact and cheap.
    return math.erfc(abs(z) / math.sqrt(2.0))


def _zero_se(difference: float) -> float:
    # No sampling variation at all: any difference is certain, none is nothing.
    return 1.0 if difference == 0.0 else 0.0


Counts4 = tuple[int, int, int, int]


def _effect(
    metric: str,
    scope_change: float,
    rest_change: float,
    se: float,
    p: float,
    half: float,
    ns: Counts4,
    method: str,
) -> Effect:
    difference = scope_change - rest_change
    return Effect(
        metric=metric,
        difference=difference,
        standard_error=se,
        ci_low=difference - half,
        ci_high=difference + half,
        p_value=p,
        scope_change=scope_change,
        rest_change=rest_change,
        n_scope_before=ns[0],
        n_scope_after=ns[1],
        n_rest_before=ns[2],
        n_rest_after=ns[3],
        method=method,
    )


def _normal_effect(
    metric: str,
    scope_change: float,
    rest_change: float,
    variances: Sequence[float],
    ns: Counts4,
    method: str,
    confidence: float,
) -> Effect:
    difference = scope_change - rest_change
    se = math.sqrt(sum(variances))
    p = _two_sided_normal_p(difference / se) if se > 0 else _zero_se(difference)
    half = z_value(confidence) * se
    return _effect(metric, scope_change, rest_change, se, p, half, ns, method)


# A mean's variance needs two answers; the other kinds are read from one.
FEWEST_FOR_MEANS = 2


def _sizes(samples: Sequence[ProportionCounts | NpsCounts | Moments], least: int = 1) -> Counts4:
    ns = (samples[0].n, samples[1].n, samples[2].n, samples[3].n)
    if min(ns) < least:
        raise ValueError(f"each of the four periods needs at least {least} responses")
    return ns


def effect_of_proportions(
    *,
    scope_before: ProportionCounts,
    scope_after: ProportionCounts,
    rest_before: ProportionCounts,
    rest_after: ProportionCounts,
    confidence: float = CONFIDENCE,
) -> Effect:
    """Δ of a proportion (complaint rate, CSAT, SLA compliance…) as a share.

    Check (docs/formulas.md): 30 % → 20 % of 400 in the scope, 25 % → 24 % of 4,000 in
    the rest: Δ = −0.090, SE 0.0319, 95 % interval [−0.1525, −0.0275].
    """
    samples = (scope_before, scope_after, rest_before, rest_after)
    ns = _sizes(samples)
    if any(not 0 <= s.successes <= s.n for s in samples):
        raise ValueError("successes must lie between 0 and n")
    shares = [s.successes / s.n for s in samples]
    variances = [p * (1.0 - p) / s.n for p, s in zip(shares, samples, strict=True)]
    return _normal_effect(
        "proportion",
        shares[1] - shares[0],
        shares[3] - shares[2],
        variances,
        ns,
        "difference-in-differences of proportions, unpooled normal interval",
        confidence,
    )


def effect_of_nps(
    *,
    scope_before: NpsCounts,
    scope_after: NpsCounts,
    rest_before: NpsCounts,
    rest_after: NpsCounts,
    confidence: float = CONFIDENCE,
) -> Effect:
    """Δ of NPS in points, each sample with its multinomial standard error."""
    samples = (scope_before, scope_after, rest_before, rest_after)
    ns = _sizes(samples)
    scores = [100.0 * (s.promoters - s.detractors) / s.n for s in samples]
    return _normal_effect(
        "NPS",
        scores[1] - scores[0],
        scores[3] - scores[2],
        [nps_standard_error(s) ** 2 for s in samples],
        ns,
        "difference-in-differences of NPS, multinomial variance, normal interval",
        confidence,
    )


def effect_of_means(
    *,
    scope_before: Moments,
    scope_after: Moments,
    rest_before: Moments,
    rest_after: Moments,
    confidence: float = CONFIDENCE,
) -> Effect:
    """Δ of a mean (CES mean, a rating), Student t with Welch–Satterthwaite df."""
    samples = (scope_before, scope_after, rest_before, rest_after)
    ns = _sizes(samples, least=FEWEST_FOR_MEANS)
    variances = [s.variance / s.n for s in samples]
    scope_change = scope_after.mean - scope_before.mean
    rest_change = rest_after.mean - rest_before.mean
    difference = scope_change - rest_change
    se = math.sqrt(sum(variances))
    if se > 0:
        df = se**4 / sum(v * v / (s.n - 1) for v, s in zip(variances, samples, strict=True))
        p = float(2.0 * stats.t.sf(abs(difference) / se, df))
        half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    else:
        p, half = _zero_se(difference), 0.0
    method = "difference-in-differences of means, Welch–Satterthwaite t interval"
    return _effect("mean", scope_change, rest_change, se, p, half, ns, method)


def effect_of_durations(
    *,
    scope_before: Sequence[int],
    scope_after: Sequence[int],
    rest_before: Sequence[int],
    rest_after: Sequence[int],
    confidence: float = CONFIDENCE,
) -> Effect:
    """Δθ of durations kept as histograms over the same bucket edges.

    θ = P(after shorter than before) + ½·P(same bucket), scope minus rest; positive
    means durations got shorter in the scope beyond the rest.
    """
    scope = probability_shorter(scope_after, scope_before)
    rest = probability_shorter(rest_after, rest_before)
    ns = (scope.n_before, scope.n_after, rest.n_before, rest.n_after)
    return _normal_effect(
        "durations",
        scope.probability - 0.5,
        rest.probability - 0.5,
        [scope.variance, rest.variance],
        ns,
        "difference of Mann–Whitney probabilities from binned counts, DeLong variance",
        confidence,
    )


@dataclass(frozen=True, slots=True)
class EffectVerdict:
    """The check of an action in words, with the numbers behind them.

    `verdict` is one of EFFECTIVE, NOT_EFFECTIVE, INCONCLUSIVE (final, at the planned
    sample) or NOT_YET (not final: show "n `responses` of `needed` needed").
    """

    verdict: str
    final: bool
    sentence: str
    responses: int
    needed: int
    expected: float
    effect: Effect


def _shown(metric: str, value: float) -> str:
    # Shares and probabilities in percentage points, NPS in its own points.
    if metric in ("proportion", "durations"):
        return f"{100.0 * value:+.1f}"
    if metric == "NPS":
        return f"{value:+.1f}"
    return f"{value:+.3g}"


def _unit(metric: str) -> str:
    if metric == "durations":
        return " points in the chance that a duration after the change is shorter than one before"
    return " points" if metric in ("proportion", "NPS") else ""


def effect_verdict(effect: Effect, *, expected: float, needed: int) -> EffectVerdict:
    """Effective, not effective or inconclusive — but only once the planned sample is in.

    `expected` is the effect the action was planned for, signed in the unit of
    `effect` (a complaint rate −0.10, NPS +8; `SampleSize.expected_effect`), and
    `needed` the scope responses per period the plan asked for
    (`SampleSize.per_period`). Once the scope has `needed` responses after the change:

    - EFFECTIVE: the interval of Δ excludes zero on the expected side (the sentence
      adds when it also excludes the expected effect: real but smaller);
    - NOT_EFFECTIVE: the interval excludes the expected effect and not zero — the
      effect, if any, is smaller than planned (or went the wrong way);
    - INCONCLUSIVE: the interval holds both zero and the expected effect.

    Before that the verdict is NOT_YET, whatever the interval says. This is on
    purpose: an interval looked at every day until it excludes zero will, with no
    effect at all, sooner or later do so far more often than the 2.5 % a single look
    allows (repeated looks inflate false positives; tests/pure show it). The check
    is one look, at the planned sample, which is also where the 80 % power is
    promised. The caller therefore ends the after-period on the day the planned sample
    is complete (`sample_size.planned_sample_day`) and records the verdict then:
    recomputing it as later responses arrive would be looking again.

    The plan assumes a before-period with at least `needed` scope responses; when it
    has fewer the check is still judged, and the sentence says it had less power.
    """
    if expected == 0.0:
        raise ValueError("an action needs an expected effect, signed, not zero")
    responses = effect.n_scope_after
    metric = effect.metric
    low, high = effect.ci_low, effect.ci_high
    numbers = (
        f"{_shown(metric, effect.difference)} [{_shown(metric, low)}, {_shown(metric, high)}]"
        f"{_unit(metric)} beyond the rest of the organisation"
    )
    planned = f"expected {_shown(metric, expected)}"
    if responses < needed:
        return EffectVerdict(
            NOT_YET,
            False,
            f"No detectable effect yet: {responses:,} of {needed:,} responses needed after the "
            "change are in; the check is judged once they all are.",
            responses,
            needed,
            expected,
            effect,
        )
    better = high < 0.0 if expected < 0 else low > 0.0
    short_of_expected = low > expected if expected < 0 else high < expected
    if better:
        verdict = EFFECTIVE
        sentence = f"Effective: {numbers} ({planned}; n = {responses:,} after the change)."
        if short_of_expected:
            sentence += " Smaller than expected: the interval excludes the expected effect."
    elif short_of_expected:
        verdict = NOT_EFFECTIVE
        sentence = (
            f"Not effective: {numbers}, short of the {planned} "
            f"(n = {responses:,} after the change)."
        )
        worse = low > 0.0 if expected < 0 else high < 0.0
        if worse:
            sentence += " The metric moved the wrong way."
    else:
        verdict = INCONCLUSIVE
        sentence = (
            f"Inconclusive: with {responses} responses after the change ({needed} planned), "
            f"{numbers} is compatible with both no effect and the {planned}."
        )
    if effect.n_scope_before < needed:
        sentence += (
            f" The before-period holds only {effect.n_scope_before} of the {needed} scope "
            "responses planned, so the check had less than its planned power."
        )
    return EffectVerdict(verdict, True, sentence, responses, needed, expected, effect)
