"""A case's SLA clock: policy, deadlines in business time, pauses, severity, outcomes.

The default calendar (from the migrations) works Monday to Friday, 09:00–17:00 UTC;
the default Normal policy gives 8 business hours to acknowledge and 40 to resolve,
Critical 1 and 8. The clock below is frozen at Friday 20 November 2026, 16:00 UTC.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clock import utc
from tests.helpers import give_feedback
from tests.staff_pages import logged_in
from vocloop.cases.customer_actions import case_customer_message
from vocloop.cases.models import CaseEvent, RootCause
from vocloop.cases.selectors import case_due
from vocloop.cases.services import (
    case_acknowledge,
    case_reopen,
    case_resolve,
    case_set_severity,
    case_wait_on_customer,
)
from vocloop.cases.timeline import Actor
from vocloop.slas.models import BusinessCalendar, SlaPolicy


@pytest.fixture
def case(org, clock):
    return give_feedback(org.helpdesk, customer=org.customer, score=3).case


def test_a_new_case_is_due_by_its_policy_counted_in_business_time(case):
    assert case.sla_policy.name == "Normal (default)"
    # 8 h to acknowledge: Friday 16–17 (1 h) + Monday 09–16 (7 h)
    assert case.acknowledge_by == utc(2026, 11, 23, 16, 0)
    # 40 h to resolve: Fri 1 + Mon–Thu 4 × 8 = 33, then 7 h on Friday 27th: 16:00
    assert case.resolve_by == utc(2026, 11, 27, 16, 0)


def test_the_most_specific_policy_wins(org, clock):
    org.customer.size = "enterprise"
    org.customer.save()
    common = {"severity": "normal", "acknowledge_within": dt.timedelta(hours=4)}
    SlaPolicy.objects.create(
        name="Help desk", touchpoint=org.helpdesk, resolve_within=dt.timedelta(hours=20), **common
    )
    SlaPolicy.objects.create(
        name="Enterprise",
        customer_size="enterprise",
        resolve_within=dt.timedelta(hours=30),
        **common,
    )
    SlaPolicy.objects.create(
        name="Help desk enterprise",
        touchpoint=org.helpdesk,
        customer_size="enterprise",
        resolve_within=dt.timedelta(hours=10),
        **common,
    )
    case = give_feedback(org.helpdesk, customer=org.customer, score=3).case
    assert case.sla_policy.name == "Help desk enterprise"
    anonymous = give_feedback(org.helpdesk, score=3).case
    assert anonymous.sla_policy.name == "Help desk"
    elsewhere = give_feedback(org.invoicing, score_type="csat", score=1).case
    assert elsewhere.sla_policy.name == "Normal (default)"


def test_the_owning_teams_calendar_is_used(org, clock):
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    org.support.calendar = BusinessCalendar.objects.create(
        name="Tokyo", time_zone="Asia/Tokyo", **dict.fromkeys(weekdays, "09:00-17:00")
    )
    org.support.save()
    case = give_feedback(org.helpdesk, score=3).case
    # 16:00 UTC Friday is 01:00 Saturday in Tokyo: the clock starts Monday 09:00 JST
    # (00:00 UTC); 8 h later is 17:00 JST, 08:00 UTC.
    assert case.acknowledge_by == utc(2026, 11, 23, 8, 0)
    # 40 h: Monday to Friday, ending Friday 27th 17:00 JST.
    assert case.resolve_by == utc(2026, 11, 27, 8, 0)


def test_a_new_severity_moves_the_deadlines_and_says_so_on_the_timeline(org, case):
    case_set_severity(case=case, severity="critical", actor=Actor.staff(org.support_agent))
    case.refresh_from_db()
    assert case.sla_policy.name == "Critical (default)"
    assert case.acknowledge_by == utc(2026, 11, 20, 17, 0)  # 1 business hour
    assert case.resolve_by == utc(2026, 11, 23, 16, 0)  # 8: Friday 1 + Monday 7
    event = case.events.get(kind=CaseEvent.Kind.SEVERITY_CHANGED)
    assert "acknowledge by 20 Nov 2026, 17:00 UTC" in event.body
    assert event.data["resolve_by"] == "2026-11-23T16:00:00+00:00"


def test_waiting_on_the_customer_stops_the_clock_until_they_answer(org, case, clock):
    agent = Actor.staff(org.support_agent)
    clock.to(utc(2026, 11, 23, 10, 0))  # Monday 10:00
    case_wait_on_customer(case=case, actor=agent)
    case.refresh_from_db()
    assert case.resolve_by is None and case_due(case).state == "paused"
    clock.to(utc(2026, 11, 24, 10, 0))  # Tuesday 10:00: 8 business hours later
    case_customer_message(case=case, body="Here is the order number.")
    case.refresh_from_db()
    assert case.resolve_by == utc(2026, 11, 27, 16, 0) + dt.timedelta(days=3)  # Mon 30th 16:00
    assert case.clock_pauses.get().ended_at == utc(2026, 11, 24, 10, 0)


def test_a_pause_outside_working_hours_moves_nothing(org, case, clock):
    clock.to(utc(2026, 11, 20, 18, 0))  # Friday evening
    case_wait_on_customer(case=case, actor=Actor.staff(org.support_agent))
    clock.to(utc(2026, 11, 23, 8, 0))  # Monday, before work
    case_customer_message(case=case, body="Sorry, I was away.")
    case.refresh_from_db()
    assert case.resolve_by == utc(2026, 11, 27, 16, 0)


def test_acknowledging_and_resolving_record_business_time_and_whether_in_time(org, case, clock):
    agent = Actor.staff(org.support_agent)
    clock.to(utc(2026, 11, 23, 10, 0))  # Monday 10:00: 2 business hours after opening
    case_acknowledge(case=case, actor=agent)
    clock.to(utc(2026, 11, 30, 12, 0))  # a week later: past the resolve deadline
    case_resolve(case=case, resolution="Fixed.", root_cause=RootCause.objects.first(), actor=agent)
    case.refresh_from_db()
    assert (case.business_seconds_to_acknowledge, case.acknowledged_within_sla) == (7200, True)
    # Fri 1 + Mon–Fri 5 × 8 + Mon 30th 3 = 44 h
    assert (case.business_seconds_to_resolve, case.resolved_within_sla) == (44 * 3600, False)
    # wall-clock: Friday 20th 16:00 → Monday 23rd 10:00 and → Monday 30th 12:00
    assert case.seconds_to_acknowledge == (2 * 24 + 18) * 3600
    assert case.seconds_to_resolve == (9 * 24 + 20) * 3600


def test_the_inbox_shows_breached_and_due_soon_cases_and_sorts_by_deadline(org, clock):
    late = give_feedback(org.helpdesk, score=1).case  # due Monday 16:00
    clock.to(utc(2026, 11, 23, 9, 30))  # Monday
    urgent = give_feedback(org.helpdesk, score=2).case
    case_set_severity(case=urgent, severity="critical", actor=Actor.staff(org.support_lead))
    # 8 business hours from Monday 09:30: 7.5 on Monday, 0.5 on Tuesday → Tuesday 09:30
    calm = give_feedback(org.helpdesk, score=3).case
    clock.to(utc(2026, 11, 24, 8, 30))  # Tuesday, an hour before it is due
    for case in (late, urgent, calm):
        case.refresh_from_db()
    assert [case_due(c).state for c in (urgent, late, calm)] == ["breached", "breached", "soon"]
    page = logged_in(org.support_agent).get("/staff/", {"sort": "due"}).content.decode()
    order = [page.index(c.reference) for c in (urgent, late, calm)]
    assert order == sorted(order)
    assert page.count("Breached") == 2 and "Due soon" in page


def test_filling_deadlines_in_bulk_follows_the_same_rules_as_one_by_one(org, clock):
    from vocloop.cases.models import Case
    from vocloop.slas.services import case_deadlines_fill

    agent = Actor.staff(org.support_agent)
    cases = [give_feedback(org.helpdesk, score=s).case for s in (0, 1, 2)]
    case_set_severity(case=cases[1], severity="critical", actor=agent)
    clock.to(utc(2026, 11, 23, 11, 0))
    case_wait_on_customer(case=cases[2], actor=agent)
    expected = list(
        Case.objects.order_by("pk").values_list("sla_policy", "acknowledge_by", "resolve_by")
    )
    Case.objects.update(sla_policy=None, acknowledge_by=None, resolve_by=None)
    # The bulk fill works from the opening, like a freshly loaded case: drop the
    # acknowledgement that waiting implied, whose deadline the fill recomputes anyway.
    assert case_deadlines_fill(cases=Case.objects.all()) == 3
    filled = list(
        Case.objects.order_by("pk").values_list("sla_policy", "acknowledge_by", "resolve_by")
    )
    assert [row[0] for row in filled] == [row[0] for row in expected]
    assert [row[2] for row in filled] == [row[2] for row in expected]


def test_time_spent_resolved_does_not_count_against_a_reopened_case(org, case, clock):
    agent = Actor.staff(org.support_agent)
    clock.to(utc(2026, 11, 23, 10, 0))  # Monday: acknowledged and resolved within 2 hours
    case_acknowledge(case=case, actor=agent)
    case_resolve(case=case, resolution="Done.", root_cause=RootCause.objects.first(), actor=agent)
    clock.to(utc(2026, 12, 10, 10, 0))  # reopened two and a half weeks later
    case_reopen(case=case, reason="It came back.", actor=agent)
    case.refresh_from_db()
    # 2 business hours were used (Friday 16–17, Monday 9–10): 38 remain from the reopening,
    # Thursday 10th 10:00 → 7 + Fri 8 + Mon 8 + Tue 8 + Wed 7 → Wednesday 16th 16:00
    assert case.resolve_by == utc(2026, 12, 16, 16, 0)
    assert case_due(case).state == "ok"


def test_a_deadline_passed_before_waiting_on_the_customer_shows_paused(org, case, clock):
    clock.to(utc(2026, 11, 24, 10, 0))  # Tuesday: the acknowledge deadline passed Monday 16:00
    case_wait_on_customer(case=case, actor=Actor.staff(org.support_agent))
    case.refresh_from_db()
    assert case_due(case).state == "paused"


def test_a_verified_customers_follow_up_opens_a_verified_case(org, clock):
    from vocloop.cases.customer_actions import feedback_follow_up

    feedback = give_feedback(org.helpdesk, customer=org.customer, score=9)
    case = feedback_follow_up(feedback=feedback, body="A question, please.")
    assert case.customer_verified is True
