"""A customer's tracking-page text is masked before staff, emails or webhooks see it."""

from __future__ import annotations

import json

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.helpers import give_feedback
from tests.notification_receivers import webhook_receiver
from tests.public_pages import text_of, track_url, verdict
from tests.staff_pages import detail_url, logged_in
from vocloop.cases.models import Case, CaseEvent
from vocloop.listening.models import Feedback
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.models import WebhookSubscription
from vocloop.text.masking import CARD, EMAIL, PHONE

Kind = CaseEvent.Kind

WRITTEN = (
    "Please call me on +44 7700 900123, or mail jo@example.com. Card 4111 1111 1111 1111. "
    "Order 4471923, 3 boxes."
)
MASKED = f"Please call me on {PHONE}, or mail {EMAIL}. Card {CARD}. Order 4471923, 3 boxes."
PERSONAL = ("7700 900123", "900123", "jo@example.com", "4111 1111", "1111 1111")


def shows_no_personal_data(text: str) -> bool:
    return not any(p in text for p in PERSONAL)


def submit_complaint(client: Client) -> Feedback:
    data = {"touchpoint": "help-desk", "kind": "complaint", "comment": "The parcel never came."}
    assert client.post(reverse("public:feedback"), data).status_code == 302
    return Feedback.objects.get()


def subscribe(url: str, events: list[str]) -> None:
    WebhookSubscription.objects.create(name="crm", url=url, secret="whsec-test", events=events)


def changes_of(receiver) -> dict[str, dict]:
    payloads = [json.loads(r.body) for r in receiver.requests]
    return {p["data"]["change"]["kind"]: p["data"]["change"] for p in payloads}


def test_a_follow_up_message_is_masked_for_staff_email_webhooks_and_the_customer(client, org):
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ["case.updated"])
        feedback = submit_complaint(client)
        url = reverse("public:track_message", args=[feedback.tracking_token])
        assert client.post(url, {"message-body": WRITTEN}).status_code == 302
        deliver_due()
    event = CaseEvent.objects.get(kind=Kind.CUSTOMER_MESSAGE)
    assert event.body == MASKED
    staff_page = text_of(logged_in(org.support_lead).get(detail_url(event.case)))
    [email] = [m for m in mail.outbox if "wrote again" in m.subject]
    html_email = email.alternatives[0][0]
    webhook_text = changes_of(receiver)[Kind.CUSTOMER_MESSAGE]["body"]
    tracking_page = text_of(client.get(track_url(feedback)))
    for text in (staff_page, email.body, html_email, webhook_text, tracking_page):
        assert MASKED in text
        assert shows_no_personal_data(text)
    assert all(shows_no_personal_data(r.body.decode()) for r in receiver.requests)


def test_writing_back_about_feedback_without_a_case_is_masked_too(client, org):
    feedback = give_feedback(org.helpdesk, score=10, comment="Great")
    url = reverse("public:track_message", args=[feedback.tracking_token])
    assert client.post(url, {"message-body": WRITTEN}).status_code == 302
    assert CaseEvent.objects.get(kind=Kind.CUSTOMER_MESSAGE).body == MASKED


def test_the_not_satisfied_reason_is_masked_on_the_case_and_in_webhooks(client, org, resolved):
    with webhook_receiver() as receiver:
        subscribe(receiver.url, ["case.updated", "case.reopened"])
        assert verdict(client, resolved, satisfied="no", reason=WRITTEN).status_code == 302
        deliver_due()
    case = Case.objects.get()
    assert case.events.get(kind=Kind.SATISFACTION).body == MASKED
    assert case.events.get(kind=Kind.REOPENED).body == MASKED
    assert changes_of(receiver)[Kind.SATISFACTION]["body"] == MASKED
    assert all(shows_no_personal_data(r.body.decode()) for r in receiver.requests)
    staff_page = text_of(logged_in(org.support_lead).get(detail_url(case)))
    assert MASKED in staff_page and shows_no_personal_data(staff_page)
    assert shows_no_personal_data(text_of(client.get(track_url(resolved))))
    assert all(shows_no_personal_data(m.body) for m in mail.outbox)


def test_what_customers_wrote_before_masking_on_arrival_is_masked_by_the_migration(org):
    import importlib

    from django.apps import apps

    from vocloop.cases.services import case_reply
    from vocloop.cases.timeline import Actor

    migration = importlib.import_module("vocloop.cases.migrations.0011_mask_customer_text")
    case = give_feedback(org.helpdesk, customer=org.customer, score=1).case
    written = CaseEvent.objects.filter(case=case).order_by("pk").first()
    # As stored before customers' text was masked on arrival.
    CaseEvent.objects.filter(pk=written.pk).update(
        actor_kind=CaseEvent.Actor.CUSTOMER, body="Card 4111 1111 1111 1111, order 4471923."
    )
    reply = case_reply(
        case=case, body="I called you on 020 7946 0958.", actor=Actor.staff(org.support_agent)
    )
    migration.mask_customer_text(apps, None)
    assert CaseEvent.objects.get(pk=written.pk).body == "Card [card number], order 4471923."
    # What staff wrote is theirs, left as it is.
    assert CaseEvent.objects.get(pk=reply.pk).body == "I called you on 020 7946 0958."
