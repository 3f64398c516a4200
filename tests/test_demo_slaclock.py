"""A demo case's SLA clock and escalations worked out from its planned life, by hand.

No database: slaclock.py is plain arithmetic over the timeline that timeline.py plans.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vocloop.demo import timeline


def test_a_wait_and_a_reopening_stop_a_planned_cases_clock():
    from vocloop.demo.slaclock import Terms, sla_record
    from vocloop.slas.business_time import BusinessCalendar

    monday = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)

    def at(days: int, hour: int) -> dt.datetime:
        return monday + dt.timedelta(days=days, hours=hour)

    def event(kind: str, when: dt.datetime, **data: Any) -> timeline.PlannedEvent:
        return timeline.PlannedEvent(kind, when, "staff", "agent", "Agent", data=data)

    events = [
        event(timeline.OPENED, at(0, 10)),
        event(timeline.ACKNOWLEDGED, at(0, 11)),
        event(timeline.STATUS_CHANGED, at(0, 12), status=timeline.WAITING),
        event(timeline.CUSTOMER_MESSAGE, at(1, 12)),
        event(timeline.RESOLVED, at(1, 14), root_cause="process"),
        event(timeline.REOPENED, at(2, 10)),
        event(timeline.RESOLVED, at(2, 12), root_cause="process"),
    ]
    calendar = BusinessCalendar.weekdays("UTC")
    terms = Terms(
        policy_id=1, acknowledge_within=dt.timedelta(hours=1), resolve_within=dt.timedelta(hours=8)
    )
    state, _ = timeline.replay(at(0, 10), events)
    assert state.clock_pauses == [(at(0, 12), at(1, 12)), (at(1, 14), at(2, 10))]
    record = sla_record(opened_at=at(0, 10), state=state, terms=terms, calendar=calendar)
    assert record.acknowledge_by == at(0, 11) and record.acknowledged_within_sla is True
    assert record.business_seconds_to_acknowledge == record.seconds_to_acknowledge == 3600
    # Worked Monday 10–12, Tuesday 12–14 and Wednesday 10–12; due after 8 such hours.
    assert record.business_seconds_to_resolve == 6 * 3600
    assert record.seconds_to_resolve == 50 * 3600
    assert record.resolve_by == at(2, 14) and record.resolved_within_sla is True

    # Still waiting on the customer: the resolution has no deadline while the clock stands.
    state, _ = timeline.replay(at(0, 10), events[:3])
    assert state.clock_pauses == [(at(0, 12), None)]
    record = sla_record(opened_at=at(0, 10), state=state, terms=terms, calendar=calendar)
    assert record.resolve_by is None and record.resolved_within_sla is None
    assert record.acknowledged_within_sla is True

    # Acknowledged late, with no policy for the case: no deadline, nothing judged.
    state, _ = timeline.replay(at(0, 10), [events[0], event(timeline.ACKNOWLEDGED, at(1, 10))])
    late = sla_record(opened_at=at(0, 10), state=state, terms=terms, calendar=calendar)
    assert (
        late.acknowledged_within_sla is False and late.business_seconds_to_acknowledge == 8 * 3600
    )
    unmatched = sla_record(opened_at=at(0, 10), state=state, terms=None, calendar=calendar)
    assert unmatched.sla_policy_id is None and unmatched.acknowledge_by is None
    assert unmatched.acknowledged_within_sla is None
    assert unmatched.business_seconds_to_acknowledge == 8 * 3600


def test_a_planned_breach_climbs_while_the_clock_runs_and_waits_while_it_stands():
    from vocloop.demo.slaclock import PlannedEscalation, SlaRecord, escalations

    monday = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)

    def at(days: int, hour: float) -> dt.datetime:
        return monday + dt.timedelta(days=days, hours=hour)

    def event(kind: str, when: dt.datetime) -> timeline.PlannedEvent:
        return timeline.PlannedEvent(kind, when, "staff", "agent", "Agent")

    events = [
        event(timeline.OPENED, at(0, 10)),
        event(timeline.ACKNOWLEDGED, at(0, 11)),  # half an hour late
        event(timeline.STATUS_CHANGED, at(0, 12)),  # waiting on the customer …
        event(timeline.CUSTOMER_MESSAGE, at(1, 12)),  # … past the resolve deadline
    ]
    state, spans = timeline.replay(at(0, 10), events)
    record = SlaRecord(acknowledge_by=at(0, 10.5), resolve_by=at(0, 13))

    def planned(levels: int, now: dt.datetime) -> list[tuple[str, int, dt.datetime]]:
        found = escalations(
            record=record,
            state=state,
            open_spans=spans,
            every=dt.timedelta(hours=4),
            levels=levels,
            now=now,
        )
        assert all(isinstance(e, PlannedEscalation) for e in found)
        return [(e.deadline, e.level, e.at) for e in found]

    # The acknowledgement ends its breach before a second level; the resolve deadline
    # passed during the wait and is escalated the moment the clock runs again.
    assert planned(3, at(3, 0)) == [
        ("acknowledge", 1, at(0, 10.5)),
        ("resolve", 1, at(1, 12)),
        ("resolve", 2, at(1, 16)),
        ("resolve", 3, at(1, 20)),
    ]
    assert planned(2, at(3, 0))[-1] == ("resolve", 2, at(1, 16))  # the top of a shorter chain
    assert planned(3, at(1, 15)) == [("acknowledge", 1, at(0, 10.5)), ("resolve", 1, at(1, 12))]
