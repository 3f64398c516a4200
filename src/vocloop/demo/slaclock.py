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

from vocloop.demo.timeline import CaseState
from vocloop.slas import business_time
from vocloop.slas.business_time import BusinessCalendar, Pause


@dataclass(frozen=True)
class Terms:
    """What the case's SLA policy promises, in business time."""

    policy_id: int
    acknowledge_within: dt.timedelta
    resolve_within: dt.timedelta


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
