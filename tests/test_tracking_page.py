"""The customer's tracking page and its actions, the public forms' rate limit, and CSRF."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import give_feedback
from tests.public_pages import survey_url, text_of, track_url, verdict
from vocloop.cases.models import Case, CaseEvent, Status
from vocloop.cases.services import case_note, case_reply
from vocloop.cases.timeline import Actor
from vocloop.listening.models import Feedback

# --- Rate limit -----------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.PUBLIC_RATE_LIMIT = 2
    settings.PUBLIC_RATE_WINDOW_SECONDS = 600


def test_too_many_submissions_get_a_429_that_keeps_the_text(client, org, small_limit):
    url = reverse("public:feedback")
    data = {"touchpoint": "help-desk", "kind": "complaint", "comment": "Third time lucky?"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, {"kind": "feedback"}).status_code == 400  # refused ones count too
    response = client.post(url, data)
    html = text_of(response)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Your message has not been sent yet" in html
    assert "10 minutes" in html
    assert "\nThird time lucky?</textarea>" in html
    assert re.search(r'value="complaint"[^>]* checked', html)
    assert re.search(r'<option value="help-desk" selected>', html)
    assert Feedback.objects.count() == 1


def test_the_limit_covers_every_public_form_but_not_reading(client, org, small_limit):
    client.post(survey_url(org.nps_survey), {"score": "9"})
    client.post(survey_url(org.nps_survey), {"score": "9"})
    response = client.post(survey_url(org.nps_survey), {"score": "4", "comment": "Keep me"})
    assert response.status_code == 429
    assert "\nKeep me</textarea>" in text_of(response)
    assert re.search(r'value="4"[^>]* checked', text_of(response))

    feedback = Feedback.objects.first()
    assert feedback is not None
    response = client.post(
        reverse("public:track_message", args=[feedback.tracking_token]),
        {"message-body": "Hello again"},
    )
    assert response.status_code == 429
    assert "\nHello again</textarea>" in text_of(response)
    assert client.get(track_url(feedback)).status_code == 200
    assert client.get(reverse("public:feedback")).status_code == 200


def test_a_rate_limited_verdict_keeps_the_reason(client, org, resolved, small_limit):
    for _ in range(2):
        verdict(client, resolved, satisfied="no", reason="")
    response = verdict(client, resolved, satisfied="no", reason="Still broken")
    html = text_of(response)
    assert response.status_code == 429
    assert "\nStill broken</textarea>" in html
    assert re.search(r'value="no" id="id_verdict-satisfied_1" checked', html)
    assert Case.objects.get().status == Status.RESOLVED


def test_the_limit_is_per_client(client, org, small_limit):
    for _ in range(3):
        client.post(survey_url(org.nps_survey), {"score": "9"})
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(survey_url(org.nps_survey), {"score": "9"}).status_code == 302


def test_an_ipv6_client_is_limited_by_its_network(org, small_limit):
    url = survey_url(org.nps_survey)
    for host in ("2001:db8::1", "2001:db8::2"):
        assert Client(REMOTE_ADDR=host).post(url, {"score": "9"}).status_code == 302
    assert Client(REMOTE_ADDR="2001:db8::3").post(url, {"score": "9"}).status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:1::1").post(url, {"score": "9"}).status_code == 302


# --- Tracking page --------------------------------------------------------------------------


def test_the_tracking_page_shows_the_public_timeline_and_never_staff_details(
    client, org, complaint
):
    case = complaint.case
    staff = Actor.staff(org.support_agent)
    case_note(case=case, body="Customer sounds angry; check refunds.", actor=staff)
    case_reply(case=case, body="We are sorry; a fix is on its way.", actor=staff)
    html = text_of(client.get(track_url(complaint)))
    assert "The Support team is working on it" in html
    assert "Reply from the Support team" in html
    assert "We are sorry; a fix is on its way." in html
    assert "The app crashes." in html
    assert "check refunds" not in html
    for secret in ("sam_agent", "Sam Agent", "staff.example"):
        assert secret not in html
    assert 'name="robots" content="noindex' in html


def test_the_tracking_page_is_not_found_for_unknown_tokens_or_references(client, complaint):
    assert client.get("/t/not-a-real-token/").status_code == 404
    assert client.get(f"/t/{complaint.reference}/").status_code == 404


def test_other_feedback_on_the_same_case_is_shown(client, org, complaint):
    later = give_feedback(org.helpdesk, customer=org.customer, score=2, comment="Still broken.")
    assert later.case == complaint.case
    html = text_of(client.get(track_url(complaint)))
    assert "Still broken." in html
    assert later.reference in html


def test_a_follow_up_message_appears_on_the_timeline(client, complaint):
    url = reverse("public:track_message", args=[complaint.tracking_token])
    response = client.post(url, {"message-body": "It crashed again this morning."}, follow=True)
    html = text_of(response)
    assert response.redirect_chain == [(track_url(complaint), 302)]
    assert "your message has been added" in html
    assert "It crashed again this morning." in html
    assert complaint.case.events.filter(kind=CaseEvent.Kind.CUSTOMER_MESSAGE).exists()


def test_writing_back_about_feedback_without_a_case_opens_one(client, org):
    feedback = give_feedback(org.helpdesk, score=10, comment="Great")
    assert feedback.case is None
    url = reverse("public:track_message", args=[feedback.tracking_token])
    assert client.post(url, {"message-body": "Actually, one question."}).status_code == 302
    feedback.refresh_from_db()
    assert feedback.case is not None
    assert "Actually, one question." in text_of(client.get(track_url(feedback)))


def test_an_empty_follow_up_is_refused(client, complaint):
    url = reverse("public:track_message", args=[complaint.tracking_token])
    response = client.post(url, {"message-body": "  "})
    assert response.status_code == 400
    assert "Please write your message." in text_of(response)
    assert not complaint.case.events.filter(kind=CaseEvent.Kind.CUSTOMER_MESSAGE).exists()


def test_a_resolved_case_asks_whether_the_customer_is_satisfied(client, resolved):
    html = text_of(client.get(track_url(resolved)))
    assert "Are you satisfied with how we handled this?" in html
    assert "We fixed the crash in version 2.1." in html
    assert "Required if you answer No" in html
    assert 'name="message-body"' not in html


def test_a_resolved_case_takes_the_customers_verdict_rather_than_a_message(client, resolved):
    url = reverse("public:track_message", args=[resolved.tracking_token])
    response = client.post(url, {"message-body": "Hello?"})
    assert response.status_code == 400
    assert "Are you satisfied with how we handled this?" in text_of(response)
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.CUSTOMER_MESSAGE).exists()


def test_a_satisfied_customer_closes_the_case(client, resolved):
    response = verdict(client, resolved, satisfied="yes")
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.status, case.customer_satisfied) == (Status.CLOSED, True)
    html = text_of(client.get(track_url(resolved)))
    assert "Closed" in html
    assert "closed the case with your agreement" in html


def test_not_satisfied_needs_a_reason(client, resolved):
    response = verdict(client, resolved, satisfied="no", reason="")
    assert response.status_code == 400
    assert "Please tell us what is still wrong" in text_of(response)
    assert Case.objects.get().status == Status.RESOLVED


def test_not_satisfied_with_a_reason_reopens_the_case(client, resolved):
    response = verdict(client, resolved, satisfied="no", reason="It still crashes on start.")
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.status, case.reopen_count) == (Status.ACKNOWLEDGED, 1)
    assert case.customer_satisfied is False
    html = text_of(client.get(track_url(resolved)))
    assert html.count("It still crashes on start.") == 1
    assert "The Support team is working on it" in html


def test_a_verdict_the_case_does_not_allow_is_shown_as_a_form_error(client, complaint):
    response = verdict(client, complaint, satisfied="yes")
    assert response.status_code == 400
    assert "it cannot be rated" in text_of(response)


def test_a_verdict_without_an_answer_is_refused(client, resolved):
    response = verdict(client, resolved, reason="hm")
    assert response.status_code == 400
    assert "Please answer Yes or No." in text_of(response)


# --- CSRF -----------------------------------------------------------------------------------


def test_every_public_form_needs_its_csrf_token(org, complaint):
    client = Client(enforce_csrf_checks=True)
    posts = [
        (survey_url(org.nps_survey), {"score": "3"}),
        (reverse("public:feedback"), {"touchpoint": "help-desk", "kind": "complaint"}),
        (reverse("public:track_message", args=[complaint.tracking_token]), {}),
        (reverse("public:track_verdict", args=[complaint.tracking_token]), {}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 403
        assert "Please try again" in text_of(response)
    assert Feedback.objects.count() == 1


def test_a_form_with_its_csrf_token_is_accepted(org):
    client = Client(enforce_csrf_checks=True)
    page = client.get(survey_url(org.nps_survey))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(page))
    assert token is not None
    response = client.post(
        survey_url(org.nps_survey), {"score": "8", "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 302
