"""Emails to staff: assignments, the customer's follow-ups, escalations and the daily digest."""

from __future__ import annotations

import datetime as dt
import io

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from tests.helpers import give_feedback
from vocloop.cases.customer_actions import case_customer_message
from vocloop.cases.models import Case
from vocloop.cases.services import case_acknowledge, case_assign
from vocloop.cases.timeline import Actor, record_event
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.digest import DigestRun, digest_enqueue
from vocloop.notifications.models import OutboxMessage


def inbox_of(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_the_assignee_hears_of_an_assignment_unless_they_made_it(org):
    case = give_feedback(org.helpdesk, score=2).case
    case_assign(case=case, assignee=org.support_agent, actor=Actor.staff(org.support_lead))
    case_assign(case=case, assignee=org.support_agent_2, actor=Actor.staff(org.support_agent_2))
    deliver_due()
    [email] = inbox_of(org.support_agent)
    assert email.subject == f"Case {case.reference} is yours"
    assert "Lee Lead assigned" in email.body
    assert f"/staff/cases/{case.reference}/" in email.body
    assert inbox_of(org.support_agent_2) == []


def test_a_customer_follow_up_goes_to_the_assignee(org):
    case = give_feedback(org.helpdesk, score=2).case
    case_assign(case=case, assignee=org.support_agent, actor=Actor.staff(org.support_lead))
    case_customer_message(case=case, body="Any news?")
    deliver_due()
    [follow_up] = [m for m in inbox_of(org.support_agent) if "wrote again" in m.subject]
    assert "Any news?" in follow_up.body
    assert not [m for m in inbox_of(org.support_lead) if "wrote again" in m.subject]


def test_a_customer_follow_up_on_an_unassigned_case_goes_to_the_team_lead(org):
    case = give_feedback(org.helpdesk, score=2).case
    case_customer_message(case=case, body="Hello <again>")
    deliver_due()
    [follow_up] = inbox_of(org.support_lead)
    assert follow_up.subject == f"The customer wrote again on {case.reference}"
    assert "Hello &lt;again&gt;" in follow_up.alternatives[0][0]


def test_an_escalation_reaches_the_people_it_names(org):
    case = give_feedback(org.helpdesk, score=2).case
    record_event(
        case,
        Actor.system(),
        "escalated",
        body="Not acknowledged in time.",
        data={"notified": [org.support_lead.pk, org.manager.pk, "nonsense"]},
    )
    deliver_due()
    for user in (org.support_lead, org.manager):
        [email] = inbox_of(user)
        assert email.subject == f"Escalated: case {case.reference} (Support)"
        assert "Not acknowledged in time." in email.body
    assert inbox_of(org.support_agent) == []


def test_nobody_inactive_or_without_an_address_is_emailed(org):
    org.support_lead.is_active = False
    org.support_lead.save()
    case = give_feedback(org.helpdesk, score=2).case
    case_customer_message(case=case, body="Anyone?")
    assert not OutboxMessage.objects.filter(kind="staff_customer_message").exists()


def _deadlines(case: Case, **fields: object) -> None:
    Case.objects.filter(pk=case.pk).update(**fields)


def _an_hour_before_the_day_ends() -> dt.datetime:
    """Now, or earlier today if need be: an hour later must still be the same day."""
    now = timezone.now()
    return now - dt.timedelta(hours=2) if timezone.localtime(now).hour >= 22 else now


def test_the_digest_lists_each_persons_breached_and_due_cases_once_a_day(org):
    now = _an_hour_before_the_day_ends()
    breached = give_feedback(org.helpdesk, score=1).case
    _deadlines(breached, acknowledge_by=now - dt.timedelta(hours=2))
    due = give_feedback(org.helpdesk, score=2).case
    case_acknowledge(case=due, actor=Actor.staff(org.support_agent))
    _deadlines(due, resolve_by=now + dt.timedelta(hours=5))
    later = give_feedback(org.helpdesk, score=3).case
    _deadlines(later, acknowledge_by=now + dt.timedelta(days=3))
    billing = give_feedback(org.invoicing, score=1, score_type="csat").case
    _deadlines(billing, acknowledge_by=now + dt.timedelta(hours=1))
    mail.outbox.clear()

    first = digest_enqueue(now=now)
    assert first == DigestRun(queued=4, earlier=0)  # two Support agents, its lead, Billing's
    assert first.said() == "queued 4 daily digests"
    again = digest_enqueue(now=now + dt.timedelta(hours=1))
    assert again == DigestRun(queued=0, earlier=4)
    assert again.said() == ""  # the worker's hourly run logs nothing new
    deliver_due()

    [digest] = inbox_of(org.support_agent)
    assert "1 breached, 1 due within a day" in digest.subject
    assert breached.reference in digest.body and due.reference in digest.body
    assert later.reference not in digest.body
    assert billing.reference not in digest.body  # not a team Sam works in
    assert digest.body.index(breached.reference) < digest.body.index(due.reference)
    [billing_digest] = inbox_of(org.billing_agent)
    assert billing.reference in billing_digest.body
    assert breached.reference not in billing_digest.body
    assert inbox_of(org.manager) == []  # in no team: nothing of theirs falls due


def test_the_digest_command_queues_and_says_how_many(org, clock):  # both runs on one day
    case = give_feedback(org.helpdesk, score=1).case
    _deadlines(case, acknowledge_by=timezone.now())
    out = io.StringIO()
    call_command("notifications", "digest", stdout=out)
    assert out.getvalue() == "Queued 3 daily digests; `deliver` sends them.\n"
    out = io.StringIO()
    call_command("notifications", "digest", stdout=out)
    assert out.getvalue() == "No new daily digest: 3 daily digests already queued today.\n"


def test_a_later_run_queues_only_the_digests_not_yet_queued_today(org):
    now = _an_hour_before_the_day_ends()
    support = give_feedback(org.helpdesk, score=1).case
    _deadlines(support, acknowledge_by=now - dt.timedelta(hours=1))
    assert digest_enqueue(now=now) == DigestRun(queued=3, earlier=0)  # Support's three
    billing = give_feedback(org.invoicing, score=1, score_type="csat").case
    _deadlines(billing, acknowledge_by=now + dt.timedelta(hours=1))
    later = digest_enqueue(now=now + dt.timedelta(hours=1))
    assert later == DigestRun(queued=1, earlier=3)
    assert later.said() == "queued 1 daily digest (3 already queued today)"
    # One digest a person a day: Support's three are not queued again.
    assert OutboxMessage.objects.filter(kind="staff_digest").count() == 4


def test_a_follow_up_goes_to_the_lead_when_the_assignee_left_the_team(org):
    from tests.helpers import give_feedback
    from vocloop.cases.customer_actions import case_customer_message
    from vocloop.cases.services import case_assign
    from vocloop.cases.timeline import Actor
    from vocloop.notifications.models import OutboxMessage

    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    case_assign(case=case, assignee=org.support_agent, actor=Actor.staff(org.support_lead))
    org.support.members.remove(org.support_agent)
    case_customer_message(case=case, body="Private details about my account.")
    recipients = set(
        OutboxMessage.objects.filter(kind="staff_customer_message").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {org.support_lead.email}


def test_an_edited_template_that_fails_to_render_falls_back_to_the_default(org):
    from tests.helpers import give_feedback
    from vocloop.cases.services import case_reply
    from vocloop.cases.timeline import Actor
    from vocloop.notifications.models import EmailTemplate, OutboxMessage

    EmailTemplate.objects.filter(kind="customer_reply").update(
        body_text="{% include 'no-such-file.txt' %}"
    )
    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    case_reply(case=case, body="We are on it.", actor=Actor.staff(org.support_agent))  # no error
    email = OutboxMessage.objects.get(kind="customer_reply")
    assert "We are on it." in email.body_text


def test_a_customer_who_is_not_satisfied_is_news_to_the_assignee_not_a_colleagues_reopening(org):
    from vocloop.cases.customer_actions import case_customer_verdict
    from vocloop.cases.models import RootCause
    from vocloop.cases.services import case_reopen, case_resolve

    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    case_assign(case=case, assignee=org.support_agent, actor=Actor.staff(org.support_lead))

    def resolve() -> None:
        case_resolve(
            case=case,
            resolution="Fixed.",
            root_cause=RootCause.objects.get(slug="product"),
            actor=Actor.staff(org.support_agent),
        )

    resolve()
    case_reopen(case=case, reason="Spotted a gap.", actor=Actor.staff(org.support_lead))
    deliver_due()
    assert not [
        m for m in mail.outbox if "reopened" in m.subject.lower() and m.to != [org.customer.email]
    ]
    resolve()
    deliver_due()
    mail.outbox.clear()
    case_customer_verdict(case=case, satisfied=False, reason="Still broken, call 020 7946 0958.")
    deliver_due()
    [told] = [m for m in inbox_of(org.support_agent) if "reopened" in m.subject]
    assert told.subject == f"The customer reopened {case.reference}: not satisfied"
    assert "Still broken, call [phone]." in told.body
    assert not [m for m in mail.outbox if "not satisfied" in m.subject and m is not told]
