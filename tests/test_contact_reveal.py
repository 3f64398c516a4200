"""Contact details the customer gave, masked for everyone, revealed on the case page to its
assignee, its team's lead and quality managers; each reveal on the internal timeline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import make_user
from tests.notification_receivers import webhook_receiver
from tests.public_pages import survey_url, track_url, verdict
from tests.staff_pages import action_url, detail_url, logged_in
from vocloop.accounts.models import Team
from vocloop.cases.models import Case, CaseEvent, CaseEventOriginal, RootCause
from vocloop.cases.services import case_assign, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.conductor.reading import read_arrived
from vocloop.insights.models import OriginalComment
from vocloop.listening.models import CaseRule, Feedback
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import OutboxMessage, WebhookSubscription

Kind = CaseEvent.Kind

COMPLAINT = "The router is dead. Please call me on 0612345678 before noon."
COMPLAINT_MASKED = "The router is dead. Please call me on [phone] before noon."
MESSAGE = "Or mail me at jo.home@example.com, my phone is off."
MESSAGE_MASKED = "Or mail me at [email], my phone is off."
PERSONAL = ("0612345678", "jo.home@example.com")


def complain(client: Client, comment: str = COMPLAINT) -> Feedback:
    data = {"touchpoint": "help-desk", "kind": "complaint", "comment": comment}
    assert client.post(reverse("public:feedback"), data).status_code == 302
    return Feedback.objects.get(comment__startswith=comment[:10])


def write_back(client: Client, feedback: Feedback, body: str = MESSAGE) -> CaseEvent:
    url = reverse("public:track_message", args=[feedback.tracking_token])
    assert client.post(url, {"message-body": body}).status_code == 302
    return CaseEvent.objects.filter(kind=Kind.CUSTOMER_MESSAGE).latest("pk")


def reveal(client: Client, case: Case, **target: Any) -> Any:
    return client.post(action_url("reveal", case), target)


@pytest.fixture
def assigned(client, org) -> Feedback:
    feedback = complain(client)
    case_assign(case=feedback.case, assignee=org.support_agent, actor=Actor.staff(org.support_lead))
    return feedback


def reveals(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(kind=Kind.ORIGINAL_REVEALED).order_by("pk"))


# --- Who may reveal -------------------------------------------------------------------------


def test_the_assignee_reveals_the_phone_number_and_the_timeline_records_who_not_what(org, assigned):
    case = assigned.case
    agent = logged_in(org.support_agent)
    page = agent.get(detail_url(case)).content.decode()
    assert COMPLAINT_MASKED in page and "0612345678" not in page
    assert "Reveal contact details" in page
    response = reveal(agent, case, feedback=assigned.reference)
    assert response.status_code == 200
    html = response.content.decode()
    assert COMPLAINT in html
    assert "Unmasked for you" in html
    [record] = reveals(case)
    assert (record.actor, record.actor_label, record.public) == (
        org.support_agent,
        "Sam Agent",
        False,
    )
    assert assigned.reference in record.body
    assert not any(p in record.body + json.dumps(record.data) for p in PERSONAL)
    # The next reading shows the masked text again: a reveal is for the moment it is asked.
    assert "0612345678" not in agent.get(detail_url(case)).content.decode()


@pytest.mark.parametrize("who", ["support_lead", "manager"])
def test_the_team_lead_and_quality_managers_may_reveal(org, assigned, who):
    response = reveal(logged_in(getattr(org, who)), assigned.case, feedback=assigned.reference)
    assert response.status_code == 200
    assert COMPLAINT in response.content.decode()
    assert reveals(assigned.case)[0].actor == getattr(org, who)


def test_colleagues_who_see_the_case_get_no_button_and_a_403(org, assigned):
    other_lead = make_user("olga_lead")
    Team.objects.create(name="Sales", slug="sales", lead=other_lead)  # leads see every case
    for user in (org.support_agent_2, other_lead):
        client = logged_in(user)
        page = client.get(detail_url(assigned.case))
        assert page.status_code == 200
        assert "Reveal contact details" not in page.content.decode()
        assert reveal(client, assigned.case, feedback=assigned.reference).status_code == 403
    assert not reveals(assigned.case)


def test_an_assignee_who_left_the_team_may_no_longer_reveal(org, assigned):
    org.support.members.remove(org.support_agent)
    org.billing.members.add(org.support_agent)
    response = reveal(logged_in(org.support_agent), assigned.case, feedback=assigned.reference)
    assert response.status_code == 404  # nor see the case at all
    assert not reveals(assigned.case)


def test_someone_who_cannot_see_the_case_is_told_it_does_not_exist(org, assigned):
    response = reveal(logged_in(org.billing_agent), assigned.case, feedback=assigned.reference)
    assert response.status_code == 404


def test_revealing_needs_a_post(org, assigned):
    agent = logged_in(org.support_agent)
    url = action_url("reveal", assigned.case)
    assert agent.get(url, {"feedback": assigned.reference}).status_code == 405
    assert not reveals(assigned.case)


# --- What can be revealed -------------------------------------------------------------------


def test_a_follow_up_message_keeps_its_original_for_the_assignee(client, org, assigned):
    message = write_back(client, assigned)
    assert message.body == MESSAGE_MASKED
    assert CaseEventOriginal.objects.get(event=message).text == MESSAGE
    agent = logged_in(org.support_agent)
    assert (
        f'name="event" value="{message.pk}"' in agent.get(detail_url(message.case)).content.decode()
    )
    response = reveal(agent, message.case, event=str(message.pk))
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert "the customer's message of" in reveals(message.case)[0].body


def test_the_not_satisfied_reason_keeps_its_original(client, org, assigned):
    case_resolve(
        case=assigned.case,
        resolution="Replaced the router.",
        root_cause=RootCause.objects.get(slug="product"),
        actor=Actor.staff(org.support_agent),
    )
    assert verdict(client, assigned, satisfied="no", reason=MESSAGE).status_code == 302
    said = assigned.case.events.get(kind=Kind.SATISFACTION)
    assert said.body == MESSAGE_MASKED
    response = reveal(logged_in(org.support_lead), assigned.case, event=str(said.pk))
    assert MESSAGE in response.content.decode()


# A comment that opened no case when it arrived.
PROMOTER = "Great service. Call me on 0612345678 about the upgrade."
ANGRY = "Terrible, awful, I am furious and disgusted. Call me on 0612345678."


def test_a_case_opened_by_the_customer_writing_back_reveals_the_comment_before_it(client, org):
    answer = {"score": "9", "comment": PROMOTER}
    assert client.post(survey_url(org.nps_survey), answer).status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.case is None
    read_arrived(feedback=feedback)  # as the worker does seconds later: it opens no case
    write_back(client, feedback, "Please do call.")
    feedback.refresh_from_db()
    lead = logged_in(org.support_lead)
    page = lead.get(detail_url(feedback.case)).content.decode()
    assert "Reveal contact details" in page and "0612345678" not in page
    response = reveal(lead, feedback.case, feedback=feedback.reference)
    assert response.status_code == 200 and PROMOTER in response.content.decode()


def test_a_case_the_sentiment_rule_opens_on_reading_reveals_the_comment(client, org):
    CaseRule.objects.create(touchpoint=org.helpdesk, sentiment_at_or_below=-0.6)
    data = {"touchpoint": "help-desk", "kind": "feedback", "comment": ANGRY}
    assert client.post(reverse("public:feedback"), data).status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.case is None
    read_arrived(feedback=feedback)
    feedback.refresh_from_db()
    assert feedback.case is not None
    response = reveal(logged_in(org.manager), feedback.case, feedback=feedback.reference)
    assert response.status_code == 200 and ANGRY in response.content.decode()


def test_with_htmx_the_text_is_swapped_in_with_its_timeline_entry(org, assigned):
    response = logged_in(org.support_agent).post(
        action_url("reveal", assigned.case),
        {"feedback": assigned.reference},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="text-feedback-{assigned.reference}"' in html
    assert COMPLAINT in html
    assert 'hx-swap-oob="beforeend:#timeline-list"' in html
    assert "Contact details revealed" in html and "0612345678" not in html.split("hx-swap-oob")[1]


def test_a_comment_with_nothing_masked_offers_nothing_and_says_why(client, org):
    feedback = complain(client, "The router is dead, nothing personal here.")
    lead = logged_in(org.support_lead)
    assert "Reveal contact details" not in lead.get(detail_url(feedback.case)).content.decode()
    response = reveal(lead, feedback.case, feedback=feedback.reference)
    assert response.status_code == 409
    assert "Nothing is kept to reveal" in response.content.decode()
    htmx = lead.post(
        action_url("reveal", feedback.case),
        {"feedback": feedback.reference},
        HTTP_HX_REQUEST="true",
    )
    assert "Nothing is kept to reveal" in htmx.content.decode()
    assert not reveals(feedback.case)


@pytest.mark.parametrize(
    "target",
    [
        {},
        {"feedback": "VL-1999-000001"},
        {"event": "12x"},
        {"event": "9" * 30},
        {"event": "999999"},
    ],
)
def test_a_text_that_is_not_the_cases_is_a_clear_400(org, assigned, target):
    response = reveal(logged_in(org.support_agent), assigned.case, **target)
    assert response.status_code == 400
    assert "not a text of this case" in response.content.decode()
    assert not reveals(assigned.case)


def test_another_cases_text_cannot_be_revealed_through_this_one(client, org, assigned):
    other = complain(client, "Second router, call me on 0698765432.")
    response = reveal(logged_in(org.support_lead), assigned.case, feedback=other.reference)
    assert response.status_code == 400
    assert "0698765432" not in response.content.decode()


# --- Emails and webhooks to staff -----------------------------------------------------------


def test_staff_emails_and_webhooks_keep_the_masked_text_and_a_reveal_notifies_nobody(
    client, org, assigned
):
    with webhook_receiver() as receiver:
        WebhookSubscription.objects.create(
            name="crm", url=receiver.url, secret="whsec", events=["case.updated", "case.opened"]
        )
        message = write_back(client, assigned)
        deliver_due()
        before = (len(receiver.requests), OutboxMessage.objects.count())
        agent = logged_in(org.support_agent)
        reveal(agent, assigned.case, feedback=assigned.reference)
        reveal(agent, assigned.case, event=str(message.pk))
        deliver_due()
        after = (len(receiver.requests), OutboxMessage.objects.count())
    assert before == after  # the reveals sent nothing
    [staff_email] = [m for m in mail.outbox if "wrote again" in m.subject]
    assert staff_email.to == [org.support_agent.email]
    assert MESSAGE_MASKED in staff_email.body
    bodies = [staff_email.body, staff_email.alternatives[0][0]] + [
        r.body.decode() for r in receiver.requests
    ]
    assert not any(p in body for body in bodies for p in PERSONAL)
    assert OriginalComment.objects.filter(feedback=assigned).exists()


def test_a_comment_kept_for_a_later_case_reaches_no_page_email_webhook_or_api(client, org, api):
    with webhook_receiver() as receiver:
        WebhookSubscription.objects.create(
            name="chat",
            url=receiver.url,
            events=["feedback.received", "case.opened", "case.updated"],
            format=WebhookSubscription.Format.CHAT,
        )
        answer = {"score": "9", "comment": PROMOTER, "email": "jo@example.org"}
        assert client.post(survey_url(org.nps_survey), answer).status_code == 302
        feedback = Feedback.objects.get()
        read_arrived(feedback=feedback)
        write_back(client, feedback, "Please do call.")
        deliver_due()
    feedback.refresh_from_db()
    assert OriginalComment.objects.filter(feedback=feedback).exists()
    seen = [r.body.decode() for r in receiver.requests]
    seen += [m.body for m in mail.outbox] + [m.alternatives[0][0] for m in mail.outbox]
    seen.append(client.get(track_url(feedback)).content.decode())
    for user in (org.support_lead, org.manager):
        seen.append(logged_in(user).get(detail_url(feedback.case)).content.decode())
    seen.append(logged_in(org.manager).get(reverse("insights:themes")).content.decode())
    seen.append(api.get(f"/cases/{feedback.case.reference}").content.decode())
    assert len(receiver.requests) >= 3 and len(mail.outbox) >= 2
    assert all("0612345678" not in text for text in seen)
