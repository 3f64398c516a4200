"""Check: did the action's change move its metric, beyond what the rest of the organisation saw?

The before-period is the eight weeks before the change took effect unless the action
names its own; the after-period runs from that day over the whole weeks since (or the
action's own window) and ends on the day the planned sample is complete — the one look
the verdict is judged at (statistics/effect.py says why there is only one). Until then
the check says how many responses are in of those needed and when, at the current
rate, the rest will be.

An action's scope must leave a rest of the organisation: that rest is the control
that keeps a company-wide upturn from being credited to one action.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vocloop.improvement.models import Action
from vocloop.improvement.samples import (
    Sample,
    daily_samples,
    effect_of,
    fewest,
    is_whole_organisation,
    measured_scope,
    planned_size,
    sample,
    summed,
    whole_organisation,
    with_dates,
)
from vocloop.metrics.catalogue import METRICS
from vocloop.statistics.effect import NOT_YET, Effect, effect_verdict
from vocloop.statistics.estimate import Estimate
from vocloop.statistics.sample_size import days_needed, planned_sample_day

BEFORE_WEEKS = 8

# Verdicts before any effect can be judged.
NOT_STARTED = "not started"
CANNOT_CHECK = "cannot be checked"


@dataclass(frozen=True)
class Window:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Check:
    """The action's check as the API and the pages show it."""

    verdict: str
    final: bool
    sentence: str
    before: Estimate | None = None  # the scope's metric in the before-period
    after: Estimate | None = None  # … and in the after-period read so far
    rest_before: Estimate | None = None
    rest_after: Estimate | None = None
    effect: Effect | None = None
    needed_n: int | None = None
    responses: int = 0
    expected_ready_on: dt.date | None = None
    before_window: Window | None = None
    after_window: Window | None = None


def windows(action: Action, today: dt.date) -> tuple[Window, Window] | None:
    """The before and after windows; None until the change has taken effect."""
    start = action.effective_from
    if start is None:
        return None
    before = Window(
        action.before_from or start - dt.timedelta(weeks=BEFORE_WEEKS),
        action.before_to or start - dt.timedelta(days=1),
    )
    if action.after_to is not None:
        last = action.after_to
    else:  # the whole weeks since the change, up to yesterday
        whole_weeks = max(0, (today - start).days) // 7
        last = start + dt.timedelta(weeks=whole_weeks) - dt.timedelta(days=1)
    return before, Window(action.after_from or start, last)


def action_check(action: Action, *, today: dt.date) -> Check:
    metric = METRICS[action.metric]
    spans = windows(action, today)
    if spans is None:
        return Check(NOT_STARTED, False, "Not started: the change has not taken effect yet.")
    before, after = spans
    if action.expected_effect is None or action.expected_effect == 0:
        return Check(CANNOT_CHECK, False, "Give the expected effect to plan the check.")
    scope_b = measured_scope(action, before.first, before.last)
    if is_whole_organisation(scope_b):
        return Check(
            CANNOT_CHECK,
            False,
            "The action covers the whole organisation, so nothing is left to compare "
            "with: narrow its scope to a touch point, stage, channel, segment or team.",
        )
    scope_before = sample(metric, scope_b)
    rest_before = sample(metric, whole_organisation(scope_b)).minus(scope_before)
    try:
        plan = planned_size(scope_before, rest_before, action.expected_effect)
    except ValueError as reason:
        return Check(
            CANNOT_CHECK,
            False,
            f"The check cannot be planned: {reason}.",
            before=_estimate(scope_before),
            before_window=before,
            after_window=after,
        )
    if after.days < 1:
        return Check(
            NOT_YET,
            False,
            f"No detectable effect yet: 0 of {plan.per_period:,} responses needed after the "
            "change; the first whole week is not over.",
            before=_estimate(scope_before),
            rest_before=_estimate(rest_before),
            needed_n=plan.per_period,
            before_window=before,
            after_window=after,
        )
    scope_a = measured_scope(action, after.first, after.last)
    scope_days = daily_samples(metric, scope_a)
    day = planned_sample_day([s.n for s in scope_days], plan.per_period)
    judged = after if day is None else Window(after.first, after.first + dt.timedelta(day - 1))
    scope_after = summed(metric, scope_days[: judged.days])
    org_after = sample(metric, whole_organisation(with_dates(scope_a, judged.first, judged.last)))
    rest_after = org_after.minus(scope_after)
    ready_on = None
    if day is None:
        rate = scope_after.n / after.days
        wait = days_needed(responses=scope_after.n, needed=plan.per_period, daily_rate=rate)
        ready_on = None if wait is None else after.last + dt.timedelta(days=wait)
    measured = _measurable(scope_before, scope_after, rest_before, rest_after)
    if measured is None:
        sentence = (
            f"No detectable effect yet: {scope_after.n:,} of {plan.per_period:,} responses "
            "needed after the change."
        )
        return Check(
            NOT_YET,
            False,
            sentence,
            before=_estimate(scope_before),
            after=_estimate(scope_after),
            rest_before=_estimate(rest_before),
            rest_after=_estimate(rest_after),
            needed_n=plan.per_period,
            responses=scope_after.n,
            expected_ready_on=ready_on,
            before_window=before,
            after_window=judged,
        )
    said = effect_verdict(measured, expected=plan.expected_effect, needed=plan.per_period)
    sentence = said.sentence
    if not said.final and ready_on is not None:
        sentence += f" At the current rate they will be in by {ready_on:%-d %B %Y}"
        if ready_on > action.due_on and action.phase != Action.Phase.CLOSED:
            # Said where it is read: the owner may widen the scope or move the due date.
            sentence += f", after the action's due date of {action.due_on:%-d %B %Y}"
        sentence += "."
    return Check(
        said.verdict,
        said.final,
        sentence,
        before=_estimate(scope_before),
        after=_estimate(scope_after),
        rest_before=_estimate(rest_before),
        rest_after=_estimate(rest_after),
        effect=measured,
        needed_n=plan.per_period,
        responses=scope_after.n,
        expected_ready_on=ready_on,
        before_window=before,
        after_window=judged,
    )


def _measurable(*samples: Sample) -> Effect | None:
    """The effect, or None while a sample is too small for one (empty; for a mean, a
    single answer, which has no spread): no difference has a meaning yet."""
    if any(s.n < fewest(s.metric) for s in samples):
        return None
    return effect_of(*samples)


def _estimate(one: Sample) -> Estimate:
    return one.totals.group("all", one.metric).estimate
