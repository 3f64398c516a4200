"""A database another connection holds locked: the customer's forms and the staff's come back
with what was typed and a 503 that says nothing was stored; sent again, they go through once.

The lock is real (tests/busy_database.py): SQLite's write lock, or every PostgreSQL table
locked with a short lock_timeout. tests/test_busy_server.py waits out SQLite's busy timeout
on a file, in a real `vocloop serve`.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.busy_database import write_lock
from tests.conftest import PASSWORD
from tests.helpers import give_feedback
from tests.public_pages import survey_url, text_of, verdict
from tests.staff_pages import action_url, logged_in, messages_of
from vocloop.cases.models import CaseEvent, RootCause, Status
from vocloop.cases.services import case_resolve
from vocloop.cases.timeline import Actor
from vocloop.customers.models import Customer
from vocloop.lib.busy import BUSY_MESSAGE, RETRY_AFTER
from vocloop.listening.models import Feedback
from vocloop.notifications.models import UpdatesSubscription

pytestmark = pytest.mark.django_db(transaction=True)  # the data is there for the other connection

COMPLAINT = {
    "touchpoint": "help-desk",
    "kind": "complaint",
    "comment": "My router has been dead for a week and nobody calls back.",
    "name": "Jo Bloggs",
    "email": "jo@example.com",
}


def busy(response) -> str:
    """The page of a 503 for a busy database, checked for what every such answer carries."""
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    return text_of(response)


def said_busy(html: str) -> bool:
    return BUSY_MESSAGE in html and "What you typed is still in the form below." in html


# --- The customer's forms -------------------------------------------------------------------


def test_a_complaint_sent_during_the_lock_comes_back_as_typed_and_nothing_is_stored(client, org):
    customers = Customer.objects.count()
    with write_lock():
        html = busy(client.post(reverse("public:feedback"), COMPLAINT))
    assert said_busy(html)
    assert "<title>Error: Give feedback" in html
    assert f">\n{COMPLAINT['comment']}</textarea>" in html
    assert 'value="Jo Bloggs"' in html and 'value="jo@example.com"' in html
    assert re.search(r'value="complaint"[^>]* checked', html)
    assert re.search(r'<option value="help-desk" selected>', html)
    assert not Feedback.objects.exists()
    assert Customer.objects.count() == customers

    sent_again = client.post(reverse("public:feedback"), COMPLAINT)
    assert sent_again.status_code == 302
    assert Feedback.objects.get().comment == COMPLAINT["comment"]


def test_a_survey_answer_sent_during_the_lock_keeps_its_score_and_comment(client, org):
    with write_lock():
        html = busy(client.post(survey_url(org.nps_survey), {"score": "4", "comment": "Slow."}))
    assert said_busy(html)
    assert re.search(r'value="4"[^>]* checked', html)
    assert ">\nSlow.</textarea>" in html
    assert not Feedback.objects.exists()


def test_a_message_on_the_tracking_page_during_the_lock_is_kept_in_its_form(client, complaint):
    events = CaseEvent.objects.count()
    url = reverse("public:track_message", args=[complaint.tracking_token])
    with write_lock():
        html = busy(client.post(url, {"message-body": "It crashed again today."}))
    assert said_busy(html)
    assert ">\nIt crashed again today.</textarea>" in html
    assert "The app crashes." in html  # the rest of the tracking page is there
    assert CaseEvent.objects.count() == events


def test_not_satisfied_during_the_lock_keeps_the_reason_and_the_case_resolved(client, resolved):
    with write_lock():
        html = busy(verdict(client, resolved, satisfied="no", reason="Still crashes on login."))
    assert said_busy(html)
    assert ">\nStill crashes on login.</textarea>" in html
    assert re.search(r'value="no"[^>]* checked', html)
    resolved.case.refresh_from_db()
    assert resolved.case.status == Status.RESOLVED


def test_email_me_updates_during_the_lock_keeps_the_address_and_sends_nothing(client, org):
    anonymous = give_feedback(org.helpdesk, kind="complaint", score=None, comment="No signal.")
    url = reverse("public:track_updates", args=[anonymous.tracking_token])
    with write_lock():
        html = busy(client.post(url, {"updates-email": "jo.home@example.com"}))
    assert said_busy(html)
    assert 'value="jo.home@example.com"' in html
    assert not UpdatesSubscription.objects.exists()


def test_stop_emailing_me_during_the_lock_says_it_did_not_stop(client, complaint):
    url = reverse("public:track_updates_stop", args=[complaint.tracking_token])
    with write_lock():
        html = busy(client.post(url))
    assert BUSY_MESSAGE in html
    assert "We will email no more updates" not in html


# --- Staff forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "field", "text"),
    [
        ("note", "note-body", "Called the customer, no answer."),
        ("reply", "reply-body", "We are sending an engineer on Monday."),
        ("reopen", "reopen-reason", "The customer rang again."),
    ],
)
def test_a_case_action_during_the_lock_keeps_the_text_typed(org, complaint, action, field, text):
    case = complaint.case
    if action == "reopen":
        product = RootCause.objects.get(slug="product")
        case_resolve(case=case, resolution="Fixed.", root_cause=product, actor=Actor.system())
    events = CaseEvent.objects.count()
    agent = logged_in(org.support_agent)
    with write_lock():
        response = agent.post(action_url(action, case), {field: text})
    html = busy(response)
    assert f"{BUSY_MESSAGE} What you typed is still in the form below." in messages_of(response)
    assert f">\n{text}</textarea>" in html
    assert CaseEvent.objects.count() == events

    assert agent.post(action_url(action, case), {field: text}).status_code == 302
    assert CaseEvent.objects.filter(body=text).count() == 1


def test_a_resolution_during_the_lock_keeps_the_summary(org, complaint):
    agent = logged_in(org.support_agent)
    summary = "Replaced the router; the line is stable again."
    product = RootCause.objects.get(slug="product")
    with write_lock():
        html = busy(
            agent.post(
                action_url("resolve", complaint.case),
                {"resolve-resolution": summary, "resolve-root_cause": product.pk},
            )
        )
    assert f">\n{summary}</textarea>" in html
    assert f'<option value="{product.pk}" selected>Product</option>' in html
    complaint.case.refresh_from_db()
    assert complaint.case.status == Status.NEW


def test_a_reveal_during_the_lock_shows_nothing_and_says_why(org, client):
    comment = "Please call me on 0612345678 before noon."
    client.post(reverse("public:feedback"), {**COMPLAINT, "comment": comment})
    feedback = Feedback.objects.get()
    lead = logged_in(org.support_lead)
    with write_lock():
        page = lead.post(action_url("reveal", feedback.case), {"feedback": feedback.reference})
        in_place = lead.post(
            action_url("reveal", feedback.case),
            {"feedback": feedback.reference},
            headers={"HX-Request": "true"},
        )
    assert "0612345678" not in busy(page)
    assert "Nothing was revealed: the system is busy" in " ".join(messages_of(page))
    assert in_place.status_code == 200  # HTMX swaps only a 2xx answer in
    assert "Nothing was revealed: the system is busy" in text_of(in_place)
    assert "0612345678" not in text_of(in_place)
    assert not feedback.case.events.filter(kind=CaseEvent.Kind.ORIGINAL_REVEALED).exists()


# --- Logging in -----------------------------------------------------------------------------


def test_logging_in_during_the_lock_keeps_the_username_never_the_password(org):
    client = Client()
    credentials = {"username": "sam_agent", "password": PASSWORD}
    with write_lock():
        html = busy(client.post(reverse("login"), credentials))
    assert "You could not be logged in just now because the system is busy" in html
    assert "Your username is still in the form: type your password again." in html
    assert 'value="sam_agent"' in html
    assert PASSWORD not in html
    assert client.get(reverse("cases:inbox")).status_code == 302  # not logged in

    assert client.post(reverse("login"), credentials).status_code == 302
    assert client.get(reverse("cases:inbox")).status_code == 200
