"""One-click unsubscribe from surveys: a signed link, a confirmation page, List-Unsubscribe.

vocloop sends no survey invitations yet; these tests send a survey email through
the mechanism the invitations will use (email_enqueue(survey=True)).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import include, path, resolve

from tests.helpers import give_feedback
from vocloop.cases.services import case_reply
from vocloop.cases.timeline import Actor
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.emails import email_enqueue
from vocloop.notifications.models import OutboxMessage, Unsubscribe
from vocloop.notifications.unsubscribe import (
    unsubscribe_email,
    unsubscribe_token,
    unsubscribe_url,
)
from vocloop.urls import urlpatterns as vocloop_urlpatterns

# The route is wired into vocloop/urls.py by the lead; until then this module serves it.
urlpatterns = [
    path("", include("vocloop.notifications.urls")),
    *vocloop_urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)


def send_survey(to: str, cause: str) -> None:
    email_enqueue(
        kind="customer_receipt", to=to, cause=cause, context={"reference": "X"}, survey=True
    )
    deliver_due()


def test_a_survey_email_carries_one_click_unsubscribe_headers(db):
    send_survey("Jo@Example.com", "survey:1")
    [email] = mail.outbox
    header = email.extra_headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    # The signature carries the second it was made in: compare the address it
    # stands for, and where it leads, rather than the exact characters.
    link = urlsplit(header[1:-1])
    match = resolve(link.path)
    assert match.view_name == "notifications:unsubscribe"
    assert unsubscribe_email(match.kwargs["token"]) == "jo@example.com"
    assert (link.scheme, link.netloc) == urlsplit(unsubscribe_url("jo@example.com"))[:2]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_link_asks_before_it_unsubscribes(db, client):
    page = client.get(urlsplit(unsubscribe_url("jo@example.com")).path)
    assert page.status_code == 200
    assert "jo@example.com" in page.content.decode()
    assert b'<form method="post"' in page.content
    assert not Unsubscribe.objects.exists()


def test_a_one_click_post_without_cookies_unsubscribes(db, client):
    one_click = type(client)(enforce_csrf_checks=True)  # as a mail client posts it
    response = one_click.post(
        urlsplit(unsubscribe_url("jo@example.com")).path, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert "no more surveys" in response.content.decode()
    assert Unsubscribe.objects.filter(email="jo@example.com").exists()
    one_click.post(urlsplit(unsubscribe_url("jo@example.com")).path)  # twice is harmless


@pytest.mark.parametrize("token", ["nonsense", "am9AZXhhbXBsZS5jb20:1tQx:forged"])
def test_a_bad_token_is_not_found(db, client, token):
    assert client.get(f"/unsubscribe/{token}/").status_code == 404
    assert client.post(f"/unsubscribe/{token}/").status_code == 404
    assert not Unsubscribe.objects.exists()


def test_a_tampered_token_is_not_found(db, client):
    token = unsubscribe_token("jo@example.com")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.post(f"/unsubscribe/{tampered}/").status_code == 404


def test_after_unsubscribing_no_survey_goes_but_case_replies_still_do(org, client):
    client.post(urlsplit(unsubscribe_url(org.customer.email)).path)
    send_survey("ADA@example.com", "survey:2")
    assert not OutboxMessage.objects.filter(dedup_key__startswith="survey:").exists()
    case = give_feedback(org.helpdesk, customer=org.customer, score=2).case
    case_reply(case=case, body="We are on it.", actor=Actor.staff(org.support_agent))
    deliver_due()
    subjects = [m.subject for m in mail.outbox]
    assert f"A reply about {case.reference} from our Support team" in subjects
