"""A demo case's SLA record, worked out from its whole timeline at once.

In the product the clock is kept change by change (slas/services.py, called by the
case services): deadlines come from the matching policy, counted in the owning
team's business time from the opening; waiting on the customer and the time a case
spent resolved before a reopening stop the clock; acknowledging and resolving record
how long each took and whether it was in time. The demo writes a case's final state
in one go, so this module applies the same rules to that state, with the same pure
arithmetic (slas/business_time.py), and gives the fields the services would have
left on the case. No Django here, so it costs nothing per row but the arithmetic.

What the demo's timelines allow to keep simple (timeline.py plans them so): the
severity, and so the policy, is settled at triage, before anyone acknowledges; and
no pause starts before the acknowledgement (a case is acknowledged when the team
first waits on the customer, and only a resolved case can be reopened).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vocloop.demo.timeline import CaseState, Interval
from vocloop.slas import business_time
from vocloop.slas.business_time import BusinessCalendar, Pause


@dataclass(frozen=True)
class Terms:
    """What the case's SLA policy promises, in business time; escalations in real time."""

    policy_id: int
    acknowledge_within: dt.timedelta
    resolve_within: dt.timedelta
    escalate_every: dt.timedelta = dt.timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class SlaRecord:
    """The Case fields of slas/services.py's clock, named as on the model."""

    sla_policy_id: int | None = None
    acknowledge_by: dt.datetime | None = None
    resolve_by: dt.datetime | None = None
    acknowledged_within_sla: bool | None = None
    resolved_within_sla: bool | None = None
    business_seconds_to_acknowledge: int | None = None
    business_seconds_to_resolve: int | None = None
    seconds_to_acknowledge: int | None = None
    seconds_to_resolve: int | None = None


def _deadline(
    calendar: BusinessCalendar, opened_at: dt.datetime, within: dt.timedelta, pauses: list[Pause]
) -> dt.datetime | None:
    try:
        return business_time.deadline(calendar, opened_at, within, pauses)
    except ValueError:  # a calendar without working time for years: no deadline, as live
        return None


def _business_seconds(
    calendar: BusinessCalendar | None,
    opened_at: dt.datetime,
    until: dt.datetime | None,
    pauses: list[Pause],
) -> int | None:
    if calendar is None or until is None:
        return None
    spent = business_time.business_time_between(calendar, opened_at, until, pauses)
    return int(spent.total_seconds())


def _wall_seconds(opened_at: dt.datetime, until: dt.datetime | None) -> int | None:
    # Pauses included: what the customer lived through (as slas.services._wall_seconds).
    return None if until is None else max(0, int((until - opened_at).total_seconds()))


def _within(at: dt.datetime | None, due: dt.datetime | None) -> bool | None:
    """Met or missed once it happened; None before, or without a deadline."""
    return None if at is None or due is None else at <= due


def sla_record(
    *,
    opened_at: dt.datetime,
    state: CaseState,
    terms: Terms | None,
    calendar: BusinessCalendar | None,
) -> SlaRecord:
    """The deadlines and outcomes the live clock would have recorded for the case.

    `terms` is None where no policy matches, `calendar` None where the team has no
    usable calendar: the case then has no deadlines, as live. The pauses are the
    case's own (state.clock_pauses), the last one still open while it waits.
    """
    pauses: list[Pause] = list(state.clock_pauses)
    acknowledged, resolved = state.acknowledged_at, state.resolved_at
    acknowledge_by = resolve_by = None
    if terms is not None and calendar is not None:
        # Met at the acknowledgement, which no pause precedes (see the module's note).
        acknowledge_by = _deadline(calendar, opened_at, terms.acknowledge_within, [])
        # Judged at the (latest) resolution with every pause up to it; an open case's
        # deadline also counts a wait still going on, which leaves it None (no due time
        # while the clock stands still) unless it fell before the wait began.
        known = pauses if resolved is None else [p for p in pauses if p[0] < resolved]
        resolve_by = _deadline(calendar, opened_at, terms.resolve_within, known)
    return SlaRecord(
        sla_policy_id=terms.policy_id if terms is not None else None,
        acknowledge_by=acknowledge_by,
        resolve_by=resolve_by,
        acknowledged_within_sla=_within(acknowledged, acknowledge_by),
        resolved_within_sla=_within(resolved, resolve_by),
        business_seconds_to_acknowledge=_business_seconds(calendar, opened_at, acknowledged, []),
        business_seconds_to_resolve=_business_seconds(calendar, opened_at, resolved, pauses),
        seconds_to_acknowledge=_wall_seconds(opened_at, acknowledged),
        seconds_to_resolve=_wall_seconds(opened_at, resolved),
    )


# Escalations -------------------------------------------------------------------------
# The sweep (cases/escalation.py) runs every minute in the product; the demo works out
# what it would have escalated, and when, from the case's whole life at once.

ACKNOWLEDGE, RESOLVE = "acknowledge", "resolve"  # slas.Escalation.Deadline; tests check


@dataclass(frozen=True, slots=True)
class PlannedEscalation:
    deadline: str
    due_at: dt.datetime  # the deadline that was breached
    level: int  # 1: the owning team's lead; 2: the lead above …
    at: dt.datetime


Span = tuple[dt.datetime, dt.datetime]


def _less(spans: list[Span], cut: Span) -> list[Span]:
    """The spans without the stretch `cut`."""
    kept: list[Span] = []
    for low, high in spans:
        if high <= cut[0] or cut[1] <= low:
            kept.append((low, high))
            continue
        if low < cut[0]:
            kept.append((low, cut[0]))
        if cut[1] < high:
            kept.append((cut[1], high))
    return kept


def _first_moment(spans: list[Span], at: dt.datetime) -> dt.datetime | None:
    """The first moment at or after `at` inside one of the (ordered) spans."""
    for low, high in spans:
        if at < high:
            return max(at, low)
    return None


def escalations(
    *,
    record: SlaRecord,
    state: CaseState,
    open_spans: list[Interval],
    every: dt.timedelta,
    levels: int,
    now: dt.datetime,
) -> list[PlannedEscalation]:
    """What the sweep would have escalated by `now`, each dated when it fell due.

    A deadline is breached while the case is open, its clock running (no wait on
    the customer) and the deadline unmet: the acknowledge deadline until the
    acknowledgement, the resolve deadline from it. The first escalation comes at
    the first such moment, each further one an interval (`every`) later while the
    breach lasts, up to the top of the chain (`levels` leads): as the sweep would
    have found it every minute, so that a first sweep of the demo finds nothing due.
    """
    running: list[Span] = [(low, high or now) for low, high in open_spans]
    for start, end in state.clock_pauses:
        running = _less(running, (start, end or now))
    acknowledged = state.acknowledged_at
    # Each deadline, and the stretch of time in which it could stand breached.
    stretches: list[tuple[str, dt.datetime, Span]] = []
    if record.acknowledge_by is not None:
        stretches.append(
            (ACKNOWLEDGE, record.acknowledge_by, (record.acknowledge_by, acknowledged or now))
        )
    if record.resolve_by is not None and acknowledged is not None:
        stretches.append((RESOLVE, record.resolve_by, (max(record.resolve_by, acknowledged), now)))
    planned: list[PlannedEscalation] = []
    for deadline, due_at, (since, until) in stretches:
        breached = [(max(low, since), min(high, until)) for low, high in running]
        breached = [(low, high) for low, high in breached if low < high]
        due, level = due_at, 1
        while level <= levels:
            at = _first_moment(breached, due)
            if at is None:
                break
            planned.append(PlannedEscalation(deadline, due_at, level, at))
            due, level = at + every, level + 1
    return planned
