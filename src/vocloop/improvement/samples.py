"""A metric's sample in a scope and window, as the improvement statistics read it.

The metrics' rollups hold sufficient statistics — counts, sums and sums of squares, the
histograms of durations — and they add up: the rest of the organisation is the whole
organisation's sums less the scope's, with no query of its own. Each kind of metric
gives the statistics package what it reads: successes of n for a share, promoters /
passives / detractors for NPS, `Moments` for a mean, a histogram for a duration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from vocloop.improvement.models import Action, Objective
from vocloop.metrics.catalogue import METRICS, Metric, Scope
from vocloop.metrics.models import DURATION_EDGES
from vocloop.metrics.rollups import CASE_COUNTS, FEEDBACK_COUNTS
from vocloop.metrics.selectors import Totals, metric_totals
from vocloop.statistics import effect as effects
from vocloop.statistics import sample_size
from vocloop.statistics.effect import Effect, ProportionCounts
from vocloop.statistics.intervals import Moments
from vocloop.statistics.metrics import NpsCounts

Kind = Literal["share", "nps", "mean", "duration"]


def kind_of(metric: Metric) -> Kind:
    if metric.histogram is not None:
        return "duration"
    if metric.counts is not None:
        return "share"
    if metric.moments is not None:
        return "mean"
    return "nps"


@dataclass(frozen=True)
class Sample:
    """One metric's totals over one scope and window."""

    metric: Metric
    totals: Totals

    @property
    def n(self) -> int:
        kind = kind_of(self.metric)
        if kind == "duration":
            return sum(self.histogram)
        if kind == "share":
            return self.proportion.n
        if kind == "mean":
            return int(self.moments.n)
        return sum(self.nps)

    @property
    def proportion(self) -> ProportionCounts:
        assert self.metric.counts is not None
        return ProportionCounts(*self.metric.counts(self.totals.counts))

    @property
    def nps(self) -> NpsCounts:
        c = self.totals.counts
        return NpsCounts(c["nps_promoters"], c["nps_passives"], c["nps_detractors"])

    @property
    def moments(self) -> Moments:
        assert self.metric.moments is not None
        return self.metric.moments(self.totals.counts)

    @property
    def histogram(self) -> list[int]:
        assert self.metric.histogram is not None
        return self.totals.histograms[self.metric.histogram]

    def minus(self, other: Sample) -> Sample:
        """This sample without `other`, a part of it (the organisation less a scope)."""
        return self._combined(other, -1)

    def plus(self, other: Sample) -> Sample:
        return self._combined(other, 1)

    def _combined(self, other: Sample, sign: int) -> Sample:
        mine, theirs = self.totals, other.totals
        counts = {k: v + sign * theirs.counts.get(k, 0) for k, v in mine.counts.items()}
        histograms = {
            k: [a + sign * b for a, b in zip(v, theirs.histograms[k], strict=True)]
            for k, v in mine.histograms.items()
        }
        return Sample(self.metric, Totals(counts, histograms))


def measured_scope(measured: Objective | Action, first: dt.date, last: dt.date) -> Scope:
    """The metrics' scope of an objective or action over the days given."""
    return Scope(
        first,
        last,
        touchpoint_id=measured.touchpoint_id,
        stage=measured.stage or None,
        channel=measured.channel or None,
        segment=measured.segment or None,
        team_id=measured.scope_team_id,
        theme_id=measured.theme_id if METRICS[measured.metric].by_theme else None,
    )


def whole_organisation(scope: Scope) -> Scope:
    """The scope's days with no filter but its theme's, for a metric read by theme. Every
    filter, a team's included (its cases; the feedback at its touch points), keeps a part
    of this, so the rest of the organisation is this less the scope."""
    return Scope(scope.date_from, scope.date_to, theme_id=scope.theme_id)


def is_whole_organisation(scope: Scope) -> bool:
    return scope == whole_organisation(scope)


def sample(metric: Metric, scope: Scope) -> Sample:
    whole, _ = metric_totals(metric, scope)
    return Sample(metric, whole)


def daily_samples(metric: Metric, scope: Scope) -> list[Sample]:
    """One sample per day of the scope's window, days without answers empty."""
    _, days = metric_totals(metric, scope, "day")
    empty = Sample(metric, Totals.of_rows([], tuple(_columns(metric)), _histograms(metric)))
    out = []
    day = scope.date_from
    while day <= scope.date_to:
        totals = days.get(day.isoformat())
        out.append(Sample(metric, totals) if totals is not None else empty)
        day += dt.timedelta(days=1)
    return out


def summed(metric: Metric, samples: Sequence[Sample]) -> Sample:
    total = Sample(metric, Totals.of_rows([], tuple(_columns(metric)), _histograms(metric)))
    for one in samples:
        total = total.plus(one)
    return total


def _columns(metric: Metric) -> tuple[str, ...]:
    return metric.columns or (FEEDBACK_COUNTS if metric.source == "feedback" else CASE_COUNTS)


def _histograms(metric: Metric) -> list[str]:
    return [metric.histogram] if metric.histogram is not None else []


def fewest(metric: Metric) -> int:
    """The fewest answers each of the four samples needs for an effect to be computed."""
    return effects.FEWEST_FOR_MEANS if kind_of(metric) == "mean" else 1


def effect_of(
    scope_before: Sample, scope_after: Sample, rest_before: Sample, rest_after: Sample
) -> Effect:
    """The difference-in-differences of the metric's kind (statistics/effect.py)."""
    # Each kind: the statistics it is read as, and the effect function that takes them.
    reading, effect = {
        "share": ("proportion", effects.effect_of_proportions),
        "nps": ("nps", effects.effect_of_nps),
        "mean": ("moments", effects.effect_of_means),
        "duration": ("histogram", effects.effect_of_durations),
    }[kind_of(scope_before.metric)]
    return effect(  # type: ignore[operator]
        scope_before=getattr(scope_before, reading),
        scope_after=getattr(scope_after, reading),
        rest_before=getattr(rest_before, reading),
        rest_after=getattr(rest_after, reading),
    )


def planned_size(
    scope_before: Sample, rest_before: Sample, expected: float
) -> sample_size.SampleSize:
    """The responses per period the expected effect needs for 80 % power (raises
    ValueError, with a reason, where the plan cannot be met: no answers before, a share
    pushed past 0 or 1)."""
    if scope_before.n == 0:
        raise ValueError("the scope has no answers in the before-period to plan from")
    if rest_before.n == 0:
        raise ValueError("the rest of the organisation has no answers in the before-period")
    ratio = rest_before.n / scope_before.n
    kind = kind_of(scope_before.metric)
    if kind == "share":
        before = scope_before.proportion
        p = before.successes / before.n
        rest = rest_before.proportion
        return sample_size.sample_size_proportions(
            before=p, after=p + expected, rest=rest.successes / rest.n, rest_per_scope=ratio
        )
    if kind == "nps":
        return sample_size.sample_size_nps(
            before=scope_before.nps, effect=expected, rest=rest_before.nps, rest_per_scope=ratio
        )
    if kind == "mean":
        return sample_size.sample_size_means(
            before=scope_before.moments,
            effect=expected,
            rest=rest_before.moments,
            rest_per_scope=ratio,
        )
    return sample_size.sample_size_durations(
        edges=DURATION_EDGES,
        before=scope_before.histogram,
        factor=1.0 + expected,
        rest=rest_before.histogram,
        rest_per_scope=ratio,
    )


def with_dates(scope: Scope, first: dt.date, last: dt.date) -> Scope:
    return replace(scope, date_from=first, date_to=last)
