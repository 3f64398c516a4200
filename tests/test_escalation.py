"""Escalation of breached deadlines up the chain of team leads, with a controllable clock.

Support (lead: Lee) sits under Operations (lead: Olga, set up below). A Normal case
opened Friday 20 November 16:00 UTC must be acknowledged by Monday 23rd 16:00;
the default policy escalates again every 4 hours while the breach lasts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading

import pytest
from django.db import connection, connections

from tests.clock import utc
from tests.conftest import make_user
from tests.helpers import give_feedback
from tests.notification_receivers import webhook_receiver
from vocloop.cases.escalation import escalation_sweep, escalation_sweep_report
from vocloop.cases.models import CaseEvent, RootCause
from vocloop.cases.services import case_acknowledge, case_resolve, case_wait_on_customer
from vocloop.cases.timeline import Actor
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import OutboxMessage, WebhookSubscription
from vocloop.slas.models import Escalation

ESCALATED = CaseEvent.Kind.ESCALATED


@pytest.fixture
def ops_lead(org):
    olga = make_user("olga_ops")
    ops = org.support.parent
    ops.lead = olga
    ops.save()
    return olga


@pytest.fixture
def case(org, clock, ops_lead):
    return give_feedback(org.helpdesk, customer=org.customer, score=2).case


def escalations(case):
    return list(case.events.filter(kind=ESCALATED).order_by("created_at"))


def test_nothing_escalates_before_the_deadline(case, clock):
    clock.to(utc(2026, 11, 23, 15, 59))
    assert escalation_sweep() == 0


def test_a_breach_goes_to_the_owning_teams_lead_once(org, case, clock):
    clock.to(utc(2026, 11, 23, 16, 1))
    assert escalation_sweep() == 1
    assert escalation_sweep() == 0  # the next minute's sweep: already escalated
    (event,) = escalations(case)
    assert event.public and event.public_text == "Escalated to the lead of the Support team."
    assert "Lee Lead, lead of the Support team, was told" in event.body
    assert event.data["notified"] == [org.support_lead.pk]
    assert event.data["deadline"] == "acknowledge" and event.data["level"] == 1


def test_while_the_breach_lasts_it_climbs_to_the_lead_above_then_stops(case, clock, ops_lead):
    clock.to(utc(2026, 11, 23, 16, 1))
    escalation_sweep()
    clock.to(utc(2026, 11, 23, 19, 59))  # under 4 hours later
    assert escalation_sweep() == 0
    clock.to(utc(2026, 11, 23, 20, 2))
    assert escalation_sweep() == 1
    second = escalations(case)[-1]
    assert second.public_text == "Escalated to the Operations team."
    assert second.data["notified"] == [ops_lead.pk] and second.data["level"] == 2
    clock.to(utc(2026, 11, 25, 9, 0))  # the top of the chain already knows
    assert escalation_sweep() == 0


def test_acting_on_the_case_stops_the_climb(org, case, clock):
    clock.to(utc(2026, 11, 23, 16, 1))
    escalation_sweep()
    clock.to(utc(2026, 11, 23, 17, 0))
    case_acknowledge(case=case, actor=Actor.staff(org.support_agent))
    clock.to(utc(2026, 11, 24, 9, 0))
    assert escalation_sweep() == 0
    assert len(escalations(case)) == 1


def test_the_resolve_deadline_has_its_own_chain(org, case, clock):
    clock.to(utc(2026, 11, 23, 10, 0))
    case_acknowledge(case=case, actor=Actor.staff(org.support_agent))
    clock.to(utc(2026, 11, 27, 16, 1))  # resolve by Friday 27th 16:00
    assert escalation_sweep() == 1
    assert escalations(case)[-1].data["deadline"] == "resolve"
    case_resolve(
        case=case, resolution="Done.", root_cause=RootCause.objects.first(), actor=Actor.system()
    )
    clock.to(utc(2026, 11, 30, 9, 0))
    assert escalation_sweep() == 0


def test_a_team_without_a_lead_is_passed_over(org, case, clock, ops_lead):
    org.support.lead = None
    org.support.save()
    clock.to(utc(2026, 11, 23, 16, 1))
    escalation_sweep()
    (event,) = escalations(case)
    assert event.data["notified"] == [ops_lead.pk]
    assert event.public_text == "Escalated to the Operations team."


def test_a_case_waiting_on_the_customer_is_not_escalated(org, case, clock):
    clock.to(utc(2026, 11, 23, 9, 30))
    case_wait_on_customer(case=case, actor=Actor.staff(org.support_agent))
    clock.to(utc(2026, 11, 30, 9, 0))
    assert escalation_sweep() == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_breach_once(request):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sweeps are exercised on PostgreSQL; SQLite runs one writer")
    org = request.getfixturevalue("org")
    clock = request.getfixturevalue("clock")
    request.getfixturevalue("ops_lead")
    from vocloop.slas.models import BusinessCalendar, SlaPolicy

    # a flushed database: put back the default calendar and policy the migration made
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    BusinessCalendar.objects.get_or_create(
        is_default=True, defaults={"name": "Standard", **dict.fromkeys(weekdays, "09:00-17:00")}
    )
    if not SlaPolicy.objects.filter(severity="normal").exists():
        SlaPolicy.objects.create(
            name="Normal",
            severity="normal",
            acknowledge_within=dt.timedelta(hours=8),
            resolve_within=dt.timedelta(hours=40),
        )
    cases = [give_feedback(org.helpdesk, score=s % 7).case for s in range(20)]
    clock.to(utc(2026, 11, 23, 16, 1))
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            counts.append(escalation_sweep())
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 20
    assert Escalation.objects.count() == 20
    assert CaseEvent.objects.filter(kind=ESCALATED).count() == 20
    assert all(len(escalations(c)) == 1 for c in cases)


def test_a_case_breached_before_it_began_waiting_stops_climbing(org, case, clock):
    clock.to(utc(2026, 11, 23, 16, 1))
    escalation_sweep()  # to the Support lead
    clock.to(utc(2026, 11, 23, 17, 0))
    case_wait_on_customer(case=case, actor=Actor.staff(org.support_agent))
    clock.to(utc(2026, 11, 24, 12, 0))  # long past the next interval
    assert escalation_sweep() == 0
    assert len(escalations(case)) == 1


def test_webhooks_carry_no_staff_detail_of_an_escalation(org, case, clock):
    from vocloop.notifications.models import OutboxMessage, WebhookSubscription

    WebhookSubscription.objects.create(
        name="chat", url="http://127.0.0.1:9/hook", events=["case.escalated"], format="chat"
    )
    clock.to(utc(2026, 11, 23, 16, 1))
    escalation_sweep()
    (message,) = OutboxMessage.objects.filter(channel="webhook")
    assert "Lee Lead" not in str(message.payload)
    assert (
        message.payload["data"]["change"]["summary"] == "Escalated to the lead of the Support team."
    )


# Breaches the sweep sees long after they fell due (a first start on old data)


def escalation_emails() -> list[str]:
    emails = OutboxMessage.objects.filter(channel="email", kind="staff_escalated")
    return list(emails.order_by("id").values_list("recipient", flat=True))


def test_a_fresh_breach_is_emailed_to_the_lead(org, case, clock):
    clock.to(utc(2026, 11, 23, 16, 1))
    assert escalation_sweep_report().without_email == 0
    assert escalation_emails() == [org.support_lead.email]


def test_a_breach_a_month_old_is_recorded_up_the_chain_without_email(org, case, clock, ops_lead):
    clock.to(utc(2026, 12, 23, 16, 0))  # no sweep ran since the breach
    report = escalation_sweep_report()
    assert (report.escalated, report.without_email) == (2, 2)
    first, second = escalations(case)
    assert [first.data["level"], second.data["level"]] == [1, 2]
    assert first.created_at == second.created_at == clock.now
    assert first.data["notified"] == second.data["notified"] == []
    assert first.public_text == "Escalated to the lead of the Support team."
    assert second.public_text == "Escalated to the Operations team."
    assert (
        "escalated to Lee Lead, lead of the Support team, without an email, webhook or chat "
        "message: it fell due more than 24 hours before the sweep saw it." in first.body
    )
    rows = Escalation.objects.filter(case=case).order_by("level")
    assert [(r.level, r.notified) for r in rows] == [(1, []), (2, [])]
    assert escalation_emails() == []
    # The chain stands where it would had the sweep run all along: nobody is told later.
    clock.to(utc(2026, 12, 24, 9, 0))
    assert escalation_sweep() == 0
    assert escalation_emails() == []


def test_a_breach_a_month_old_is_announced_nowhere_a_fresh_one_by_webhook_and_chat(
    org, case, clock, api
):
    with webhook_receiver() as receiver:
        for format in (WebhookSubscription.Format.JSON, WebhookSubscription.Format.CHAT):
            WebhookSubscription.objects.create(
                name=format, url=receiver.url, events=["case.escalated"], format=format
            )
        clock.to(utc(2026, 12, 22, 16, 0))  # due Wednesday 23rd 16:00, 8 business hours on
        fresh = give_feedback(org.helpdesk, score=1).case
        clock.to(utc(2026, 12, 23, 16, 1))
        report = escalation_sweep_report()
        deliver_due()
    assert (report.escalated, report.without_email) == (3, 2)
    calls = [json.loads(request.body) for request in receiver.requests]
    assert [call["data"]["case"]["reference"] for call in calls] == [fresh.reference] * 2
    assert sorted("text" in call for call in calls) == [False, True]  # the JSON and the chat one
    assert escalation_emails() == [org.support_lead.email]
    # Recorded all the same, for whoever needs the full record: the timeline and the API.
    assert [e.data["late"] for e in escalations(case)] == [True, True]
    assert escalations(fresh)[0].data["late"] is False
    events = api.get(f"/cases/{case.reference}").json()["events"]
    assert [e["kind"] for e in events].count(ESCALATED) == 2


@pytest.mark.parametrize(("hours", "escalated", "told"), [(24, 2, ["olga"]), (48, 1, ["lee"])])
def test_the_limit_counts_from_when_each_escalation_fell_due(
    org, case, clock, ops_lead, settings, hours, escalated, told
):
    settings.ESCALATION_EMAIL_WITHIN = dt.timedelta(hours=hours)
    # Breached Monday 16:00 and first swept Tuesday 18:00: the Support lead's
    # escalation fell due 26 hours before, the one above (4 hours on) 22 hours before.
    clock.to(utc(2026, 11, 24, 18, 0))
    report = escalation_sweep_report()
    assert report.escalated == escalated
    assert report.without_email == escalated - 1
    emailed = {org.support_lead.email: "lee", ops_lead.email: "olga"}
    assert [emailed[address] for address in escalation_emails()] == told


def test_a_bad_email_limit_is_refused_naming_the_variable(tmp_path):
    env = {**os.environ, "VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_ESCALATION_EMAIL_WITHIN": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "vocloop", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0 and "VOCLOOP_ESCALATION_EMAIL_WITHIN=0" in done.stderr
