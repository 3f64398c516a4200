"""A case's SLA clock: which policy applies, its deadlines, pauses, and what was met.

Deadlines are real instants computed in the owning team's business time
(business_time.py); while the team waits on the customer the clock stands still.
The case services (cases/services.py) call these at each change of a case, inside
the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from vocloop.cases.models import Case
from vocloop.slas import business_time
from vocloop.slas.models import WEEKDAYS, BusinessCalendar, ClockPause, SlaPolicy, parse_hours

logger = logging.getLogger(__name__)


class Unset:
    """No calendar given: look the case's up."""


UNSET = Unset()


def business_calendar(calendar: BusinessCalendar) -> business_time.BusinessCalendar | None:
    """The calendar as business_time reads it; None, logged, for one that cannot run a clock.

    The settings form refuses such calendars, but a case must open even if one slips
    through (edited in the database, say): without a clock rather than not at all.
    """
    try:
        return business_time.BusinessCalendar(
            zone=zoneinfo.ZoneInfo(calendar.time_zone),
            hours=tuple(parse_hours(getattr(calendar, day)) for day in WEEKDAYS),
            holidays=frozenset(calendar.holidays.values_list("date", flat=True)),
        )
    except (ValueError, ValidationError, zoneinfo.ZoneInfoNotFoundError) as exc:
        logger.error("Business calendar %r cannot run an SLA clock: %s", calendar.name, exc)
        return None


def calendar_for(case: Case) -> business_time.BusinessCalendar | None:
    """The owning team's calendar, else the default one; None when there is none at all."""
    calendar = case.team.calendar or BusinessCalendar.objects.filter(is_default=True).first()
    return business_calendar(calendar) if calendar is not None else None


def best_policy(policies: Iterable[SlaPolicy], case: Case) -> SlaPolicy | None:
    """Of the given active policies, the most specific one that matches the case.

    A policy matches the case's severity, and its touch point and customer segment
    when it names them; naming them makes it more specific. Ties go to the oldest.
    """
    size = case.customer.size if case.customer is not None else ""
    matching = [
        policy
        for policy in policies
        if policy.severity == case.severity
        and policy.touchpoint_id in (None, case.touchpoint_id)
        and policy.customer_size in ("", size)
    ]
    return max(sorted(matching, key=lambda p: p.pk), key=lambda p: p.specificity, default=None)


def policy_for(case: Case) -> SlaPolicy | None:
    """The most specific active policy for the case's severity, touch point and segment."""
    return best_policy(
        SlaPolicy.objects.filter(
            Q(touchpoint__isnull=True) | Q(touchpoint_id=case.touchpoint_id),
            active=True,
            severity=case.severity,
        ),
        case,
    )


def _pauses(case: Case) -> list[business_time.Pause]:
    return list(case.clock_pauses.values_list("started_at", "ended_at"))


def case_deadlines_fill(*, cases: QuerySet[Case], batch: int = 2000) -> int:
    """Policies and deadlines for many cases at once: cases loaded in bulk (the demo, imports).

    The same rules as case_deadlines_refresh, with calendars and policies read once.
    """
    policies = list(SlaPolicy.objects.filter(active=True))
    default = BusinessCalendar.objects.filter(is_default=True).first()
    calendars: dict[int | None, business_time.BusinessCalendar | None] = {}

    def calendar_of(case: Case) -> business_time.BusinessCalendar | None:
        key = case.team.calendar_id
        if key not in calendars:
            chosen = case.team.calendar if key is not None else default
            calendars[key] = business_calendar(chosen) if chosen is not None else None
        return calendars[key]

    fields = ["sla_policy", "acknowledge_by", "resolve_by"]
    pending: list[Case] = []
    done = 0
    rows = cases.select_related("team__calendar", "customer").prefetch_related("clock_pauses")
    for case in rows.iterator(chunk_size=batch):
        case.sla_policy = best_policy(policies, case)
        pauses = [(p.started_at, p.ended_at) for p in case.clock_pauses.all()]
        _unmet_deadlines(case, case.sla_policy, calendar_of(case), pauses)
        pending.append(case)
        if len(pending) >= batch:
            done += Case.objects.bulk_update(pending, fields)
            pending = []
    return done + (Case.objects.bulk_update(pending, fields) if pending else 0)


def _deadline(
    calendar: business_time.BusinessCalendar,
    case: Case,
    within: dt.timedelta,
    pauses: list[business_time.Pause],
) -> dt.datetime | None:
    try:
        return business_time.deadline(calendar, case.opened_at, within, pauses)
    except ValueError as exc:  # a calendar with no working time for years
        logger.error("No SLA deadline for case %s: %s", case.reference, exc)
        return None


def _unmet_deadlines(
    case: Case,
    policy: SlaPolicy | None,
    calendar: business_time.BusinessCalendar | Unset | None = UNSET,
    pauses: list[business_time.Pause] | None = None,
) -> None:
    """Compute the deadlines not yet met under `policy`; met ones keep their record."""
    if isinstance(calendar, Unset):
        calendar = calendar_for(case) if policy is not None else None
    if policy is None or calendar is None:
        if case.acknowledged_at is None:
            case.acknowledge_by = None
        if case.resolved_at is None:
            case.resolve_by = None
        return
    pauses = _pauses(case) if pauses is None else pauses
    if case.acknowledged_at is None or case.acknowledge_by is None:
        case.acknowledge_by = _deadline(calendar, case, policy.acknowledge_within, pauses)
    if case.resolved_at is None or case.resolve_by is None:
        case.resolve_by = _deadline(calendar, case, policy.resolve_within, pauses)


def case_deadlines_refresh(*, case: Case) -> None:
    """Work out an open case's policy and deadlines again (opening, new severity, resume).

    A deadline already met stays as it was (its outcome is on record); one the clock
    cannot reach while the case waits on the customer is None until it runs again.
    A resolved or closed case keeps the policy and deadlines it was judged by.
    """
    if not case.is_open:
        return
    case.sla_policy = policy_for(case)
    _unmet_deadlines(case, case.sla_policy)
    case.save(update_fields=["sla_policy", "acknowledge_by", "resolve_by"])


def case_clock_pause(*, case: Case, at: dt.datetime) -> None:
    """The team waits on the customer: the clock stops until they answer."""
    if not case.clock_pauses.filter(ended_at__isnull=True).exists():
        ClockPause.objects.create(case=case, started_at=at)
        case_deadlines_refresh(case=case)


def case_clock_resume(*, case: Case, at: dt.datetime) -> None:
    """The wait is over (the customer answered, or the case was closed): the clock runs on."""
    if case.clock_pauses.filter(ended_at__isnull=True).update(ended_at=at):
        case_deadlines_refresh(case=case)


def _business_seconds(case: Case, until: dt.datetime) -> int | None:
    calendar = calendar_for(case)
    if calendar is None:
        return None
    spent = business_time.business_time_between(calendar, case.opened_at, until, _pauses(case))
    return int(spent.total_seconds())


def _wall_seconds(case: Case, until: dt.datetime) -> int:
    """Calendar time since the opening, pauses included: what the customer lived through."""
    return max(0, int((until - case.opened_at).total_seconds()))


def case_sla_acknowledged(*, case: Case) -> None:
    """Record how long acknowledging took, in business time, and whether it was in time."""
    assert case.acknowledged_at is not None
    case.business_seconds_to_acknowledge = _business_seconds(case, case.acknowledged_at)
    case.seconds_to_acknowledge = _wall_seconds(case, case.acknowledged_at)
    case.acknowledged_within_sla = (
        None if case.acknowledge_by is None else case.acknowledged_at <= case.acknowledge_by
    )
    case.save(
        update_fields=[
            "business_seconds_to_acknowledge",
            "seconds_to_acknowledge",
            "acknowledged_within_sla",
        ]
    )


def case_sla_resolved(*, case: Case) -> None:
    """Record how long resolving took, in business time, and whether it was in time."""
    assert case.resolved_at is not None
    # Resolved while waiting on the customer: the wait ends now, and the deadline the
    # paused clock could not give is worked out under the case's own policy.
    if case.clock_pauses.filter(ended_at__isnull=True).update(ended_at=case.resolved_at):
        _unmet_deadlines(case, case.sla_policy)
        case.save(update_fields=["acknowledge_by", "resolve_by"])
    case.business_seconds_to_resolve = _business_seconds(case, case.resolved_at)
    case.seconds_to_resolve = _wall_seconds(case, case.resolved_at)
    case.resolved_within_sla = (
        None if case.resolve_by is None else case.resolved_at <= case.resolve_by
    )
    case.save(
        update_fields=["business_seconds_to_resolve", "seconds_to_resolve", "resolved_within_sla"]
    )


def case_sla_reopened(*, case: Case, resolved_at: dt.datetime, now: dt.datetime) -> None:
    """A reopened case is not resolved any more: its resolution figures wait for the next one.

    The time it spent resolved was nobody's to work: the clock stood still from the
    resolution to the reopening, and the resolve deadline moves by that much.
    """
    ClockPause.objects.create(case=case, started_at=resolved_at, ended_at=now)
    case.business_seconds_to_resolve = case.seconds_to_resolve = None
    case.resolved_within_sla = None
    case.save(
        update_fields=["business_seconds_to_resolve", "seconds_to_resolve", "resolved_within_sla"]
    )
    case.resolve_by = None  # recomputed from the opening, the pauses now included
    case_deadlines_refresh(case=case)
