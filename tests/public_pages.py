"""Fixtures and helpers for the tests of the customer's public pages."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.helpers import give_feedback
from vocloop.cases.models import Case, RootCause
from vocloop.cases.services import case_resolve
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback, Survey


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Every test starts from an empty cache (the rate limits count in the test's own
    database, which starts empty anyway)."""
    cache.clear()
    yield
    cache.clear()


def survey_url(survey: Survey) -> str:
    return reverse("public:survey", args=[survey.public_slug])


def track_url(feedback: Feedback) -> str:
    return reverse("public:track", args=[feedback.tracking_token])


def text_of(response) -> str:
    return response.content.decode()


def stored_nothing(customers_before: int = 1) -> bool:
    return (
        not Feedback.objects.exists()
        and not Case.objects.exists()
        and Customer.objects.count() == customers_before
    )


@pytest.fixture
def complaint(org) -> Feedback:
    return give_feedback(
        org.helpdesk, customer=org.customer, kind="complaint", comment="The app crashes."
    )


@pytest.fixture
def resolved(org, complaint) -> Feedback:
    case_resolve(
        case=complaint.case,
        resolution="We fixed the crash in version 2.1.",
        root_cause=RootCause.objects.get(slug="product"),
        actor=Actor.staff(org.support_agent),
    )
    return complaint


def verdict(client, feedback, **data):
    url = reverse("public:track_verdict", args=[feedback.tracking_token])
    return client.post(url, {f"verdict-{k}": v for k, v in data.items()})
