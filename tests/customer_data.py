"""A customer with data of every kind vocloop keeps about one, planted through the real
services, for the export and erasure tests; and the figures every dashboard reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils import timezone

from tests.api_client import ApiClient, token_secret
from tests.conftest import Org
from tests.helpers import give_feedback
from vocloop.cases.customer_actions import case_customer_message
from vocloop.cases.models import Case
from vocloop.cases.services import case_note, case_reply
from vocloop.cases.timeline import Actor
from vocloop.conductor.reading import read_arrived
from vocloop.customers.models import Customer
from vocloop.insights.originals import text_settings
from vocloop.listening.models import Feedback
from vocloop.metrics.catalogue import METRICS, Scope
from vocloop.metrics.selectors import metrics_by_period
from vocloop.notifications.delivery import deliver_batch
from vocloop.notifications.models import OutboxMessage, Unsubscribe, WebhookSubscription
from vocloop.notifications.updates import updates_subscription_request

NAME = "Zenobia Thistlewood"
EMAIL = "zenobia.thistlewood@example.org"
SECOND_EMAIL = "z.thistlewood.home@example.net"  # asked for the updates of one piece
PHRASE = "purple walrus kettle"
PHONE = "0612345678"  # masked in what she wrote; the unmasked original is kept
# What must be found nowhere once she is erased (a surname alone names her too).
NEEDLES = (NAME, "Thistlewood", EMAIL, SECOND_EMAIL, PHRASE, PHONE)


@dataclass
class Planted:
    customer: Customer
    feedback: Feedback  # from the survey: opened her case
    api_feedback: Feedback  # sent by an integration with an Idempotency-Key
    case: Case
    api: ApiClient
    other: Feedback  # another customer's: stays as it was


def plant(org: Org) -> Planted:
    """The customer, her feedback (one by the API), a case with messages both ways, emails
    sent and unsent, webhook calls, an opt-out and an updates subscription."""
    settings = text_settings()
    settings.keep_original_days = 30
    settings.save()
    WebhookSubscription.objects.create(
        name="chat",
        url="https://hooks.example.com/vocloop",
        secret="s3cret",
        events=["feedback.received", "case.opened", "case.updated"],
    )
    customer = Customer.objects.create(
        name=NAME, email=EMAIL, industry="Retail", size=Customer.Size.SMALL, region="Wessex"
    )
    feedback = give_feedback(
        org.helpdesk,
        customer=customer,
        score=2,
        comment=f"The {PHRASE} arrived broken. Call me on {PHONE} please, {NAME}.",
    )
    read_arrived(feedback=feedback)
    other = give_feedback(org.helpdesk, customer=org.customer, score=9, comment="Quick and kind.")
    read_arrived(feedback=other)
    _send_the_emails()  # the receipts go; the webhook calls wait (their receiver is away)
    case = Case.objects.get(feedback=feedback)
    case_reply(
        case=case,
        body=f"Dear {NAME}, we are sorry about the {PHRASE}.",
        actor=Actor.staff(org.support_agent),
    )
    case_note(case=case, body=f"{NAME} phoned twice.", actor=Actor.staff(org.support_agent))
    case_customer_message(case=case, body=f"Write to me at {EMAIL} about the {PHRASE}.")
    updates_subscription_request(feedback=feedback, email=SECOND_EMAIL)
    Unsubscribe.objects.create(email=EMAIL)
    secret = token_secret("crm")
    api = ApiClient(secret)
    sent = api.post(
        "/feedback",
        {
            "touchpoint": org.invoicing.slug,
            "customer": {"name": NAME, "email": EMAIL},
            "score_type": "csat",
            "score": 1,
            "comment": f"The invoice for the {PHRASE} is wrong.",
        },
        headers={"Idempotency-Key": "crm-7f3a"},
    )
    assert sent.status_code == 201, sent.content
    api_feedback = Feedback.objects.get(reference=sent.json()["reference"])
    read_arrived(feedback=api_feedback)
    acted = api.post(
        f"/cases/{case.reference}/events",
        {"kind": "public_reply", "body": f"{NAME}, a new {PHRASE} is on its way."},
        headers={"Idempotency-Key": "crm-7f3b"},
    )
    assert acted.status_code == 201, acted.content
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).exists()
    assert OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()
    return Planted(customer, feedback, api_feedback, case, api, other)


def _send_the_emails() -> None:
    later = timezone.now() + dt.timedelta(days=1)
    webhooks = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK)
    webhooks.update(next_attempt_at=later)
    deliver_batch(batch=50)


def figures(org: Org) -> dict[str, Any]:
    """What the dashboards show: every metric, for the organisation and for one team, and
    every rollup row the metrics are read from."""
    today = timezone.now().date()
    shown: dict[str, Any] = {}
    for name, scope in {
        "organisation": Scope(date_from=today - dt.timedelta(days=400), date_to=today),
        "support": Scope(
            date_from=today - dt.timedelta(days=400), date_to=today, team_id=org.support.pk
        ),
    }.items():
        metrics = [m for m in METRICS.values() if m.name != "theme_share"]
        shown[name] = metrics_by_period(metrics, scope)
    for model in apps.get_app_config("metrics").get_models():
        # Row ids left out: a rebuild of the rollups writes the same rows anew.
        rows = [{k: v for k, v in row.items() if k != "id"} for row in model.objects.values()]
        shown[model.__name__] = sorted(rows, key=repr)
    return shown
