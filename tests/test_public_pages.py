"""The customer's pages: surveys, the feedback form, the tracking page and its actions."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.helpers import give_feedback
from vocloop.cases.models import Case, CaseEvent, RootCause, Status
from vocloop.cases.services import Actor, case_note, case_reply, case_resolve
from vocloop.customers.models import Customer
from vocloop.listening import views
from vocloop.listening.models import Feedback, LifecycleStage, Survey, Touchpoint
from vocloop.listening.services import FeedbackInvalid


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The org fixture makes five users; the default hasher would take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client() -> Client:
    return Client()


def survey_url(survey: Survey) -> str:
    return reverse("listening:survey", args=[survey.public_slug])


def track_url(feedback: Feedback) -> str:
    return reverse("listening:track", args=[feedback.tracking_token])


def text_of(response) -> str:
    return response.content.decode()


def stored_nothing(customers_before: int = 1) -> bool:
    return (
        not Feedback.objects.exists()
        and not Case.objects.exists()
        and Customer.objects.count() == customers_before
    )


# --- Survey pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("survey_attr", "numbers", "low", "high"),
    [
        ("nps_survey", range(0, 11), "0 Not at all likely", "10 Extremely likely"),
        ("csat_survey", range(1, 6), "1 Very dissatisfied", "5 Very satisfied"),
        ("ces_survey", range(1, 8), "1 Very difficult", "7 Very easy"),
    ],
)
def test_a_survey_shows_its_question_with_the_right_scale(
    client, org, survey_attr, numbers, low, high
):
    survey = getattr(org, survey_attr)
    response = client.get(survey_url(survey))
    html = text_of(response)
    assert response.status_code == 200
    assert f"<legend>{survey.question_text}</legend>" in html
    values = re.findall(r'type="radio" name="score" value="(\d+)"', html)
    assert values == [str(n) for n in numbers]
    assert f"<span>{low}</span>" in html
    assert f"<span>{high}</span>" in html
    assert survey.comment_question in html
    assert "This is a complaint" not in html
    assert 'class="hp"' in html
    assert 'tabindex="-1"' in html


def test_an_open_survey_asks_for_text_only(client, org):
    survey = Survey.objects.create(touchpoint=org.helpdesk, name="Tell us", kind="open")
    html = text_of(client.get(survey_url(survey)))
    assert 'name="score"' not in html
    assert survey.question_text in html
    assert 'name="comment"' in html


def test_an_unknown_survey_is_not_found(client, org):
    assert client.get("/s/no-such-survey/").status_code == 404


def test_an_inactive_survey_says_it_no_longer_collects(client, org):
    org.nps_survey.active = False
    org.nps_survey.save()
    response = client.get(survey_url(org.nps_survey))
    assert response.status_code == 410
    assert "no longer collecting" in text_of(response)


def test_a_survey_at_an_inactive_touchpoint_no_longer_collects_and_keeps_the_text(client, org):
    org.helpdesk.active = False
    org.helpdesk.save()
    response = client.post(survey_url(org.nps_survey), {"score": "3", "comment": "Too slow."})
    assert response.status_code == 410
    assert "Too slow." in text_of(response)
    assert not Feedback.objects.exists()


def test_a_poor_nps_answer_opens_a_case_for_the_owning_team(client, org):
    response = client.post(
        survey_url(org.nps_survey),
        {"score": "3", "comment": "Nobody called me back.", "name": "", "email": ""},
    )
    feedback = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == track_url(feedback) + "?sent=1"
    assert (feedback.kind, feedback.channel) == ("survey", "web")
    assert (feedback.score_type, feedback.score) == ("nps", 3)
    assert feedback.survey == org.nps_survey
    assert feedback.comment == "Nobody called me back."
    assert feedback.customer is None
    assert feedback.case is not None
    assert feedback.case.team == org.support

    page = client.get(response["Location"])
    html = text_of(page)
    assert feedback.reference in html
    assert "quote it when you contact us" in html
    assert f"http://127.0.0.1:8000{track_url(feedback)}" in html
    assert "Received — waiting for the Support team to pick it up" in html
    assert "Nobody called me back." in html


def test_a_good_nps_answer_is_stored_without_a_case_and_the_page_says_so(client, org):
    response = client.post(survey_url(org.nps_survey), {"score": "9", "comment": ""})
    feedback = Feedback.objects.get()
    assert feedback.score == 9
    assert feedback.case is None
    html = text_of(client.get(response["Location"]))
    assert "Received — thank you" in html
    assert "Nothing further is needed from you" in html
    assert "What has happened" not in html


def test_name_and_email_identify_the_customer(client, org):
    client.post(
        survey_url(org.csat_survey),
        {"score": "5", "name": "Bea Buyer", "email": "bea@example.com"},
    )
    feedback = Feedback.objects.get()
    assert feedback.customer is not None
    assert (feedback.customer.name, feedback.customer.email) == ("Bea Buyer", "bea@example.com")


def test_the_confirmation_is_shown_only_after_sending(client, org):
    feedback = give_feedback(org.helpdesk, score=9)
    html = text_of(client.get(track_url(feedback)))
    assert "Your private tracking link" not in html
    assert feedback.reference in html


# --- Feedback and complaint form ------------------------------------------------------------


def test_the_feedback_form_offers_active_touchpoints_in_lifecycle_order(client, org):
    Touchpoint.objects.create(
        name="Website",
        slug="website",
        stage=LifecycleStage.AWARENESS,
        owning_team=org.support,
    )
    Touchpoint.objects.create(
        name="Old shop",
        slug="old-shop",
        stage=LifecycleStage.PURCHASE,
        owning_team=org.support,
        active=False,
    )
    html = text_of(client.get(reverse("listening:feedback")))
    assert 'value="old-shop"' not in html
    positions = [html.index(f'value="{slug}"') for slug in ("website", "invoicing", "help-desk")]
    assert positions == sorted(positions)
    assert '<optgroup label="Awareness">' in html
    assert 'type="radio" name="kind" value="complaint"' in html


def test_a_complaint_opens_a_case(client, org):
    response = client.post(
        reverse("listening:feedback"),
        {"touchpoint": "invoicing", "kind": "complaint", "comment": "Billed twice."},
    )
    feedback = Feedback.objects.get()
    assert response.status_code == 302
    assert (feedback.kind, feedback.touchpoint, feedback.score) == (
        "complaint",
        org.invoicing,
        None,
    )
    assert feedback.case is not None
    assert feedback.case.team == org.billing


def test_plain_feedback_opens_no_case(client, org):
    client.post(
        reverse("listening:feedback"),
        {"touchpoint": "help-desk", "kind": "feedback", "comment": "Friendly people."},
    )
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.case) == ("feedback", None)


def test_a_touchpoint_in_the_link_is_preset_and_shown_as_text(client, org):
    url = reverse("listening:feedback_for", args=["help-desk"])
    html = text_of(client.get(url))
    assert "Help desk" in html
    assert 'name="touchpoint"' not in html
    response = client.post(url, {"kind": "complaint", "comment": "Line always busy."})
    assert response.status_code == 302
    assert Feedback.objects.get().touchpoint == org.helpdesk


def test_an_unknown_touchpoint_in_the_link_is_not_found(client, org):
    assert client.get(reverse("listening:feedback_for", args=["nope"])).status_code == 404


def test_an_inactive_touchpoint_in_the_link_offers_the_other_topics_keeping_the_text(client, org):
    org.invoicing.active = False
    org.invoicing.save()
    url = reverse("listening:feedback_for", args=["invoicing"])
    assert client.get(url).status_code == 410
    response = client.post(url, {"kind": "complaint", "comment": "Billed twice."})
    html = text_of(response)
    assert response.status_code == 400
    assert "no longer takes feedback" in html
    assert "Billed twice." in html
    assert 'name="touchpoint"' in html
    assert not Feedback.objects.exists()


SURVEY_ERRORS = [
    ("nps_survey", {"score": "11", "comment": "x"}, "Please choose a number from 0 to 10."),
    ("nps_survey", {"score": "-1"}, "Please choose a number from 0 to 10."),
    ("csat_survey", {"score": "six"}, "Please choose a number from 1 to 5."),
    ("ces_survey", {"comment": "No score given"}, "Please choose a number from 1 to 7."),
    ("nps_survey", {"score": "4", "comment": "x" * 5001}, "5,001 characters long"),
    ("nps_survey", {"score": "4", "email": "not-an-email"}, "Enter an email address"),
]


@pytest.mark.parametrize(("survey_attr", "data", "error"), SURVEY_ERRORS)
def test_a_bad_survey_answer_is_refused_with_a_message_and_stores_nothing(
    client, org, survey_attr, data, error
):
    response = client.post(survey_url(getattr(org, survey_attr)), data)
    html = text_of(response)
    assert response.status_code == 400
    assert error in html
    assert 'role="alert"' in html
    assert "<title>Error:" in html
    assert stored_nothing()


def test_a_field_error_is_tied_to_its_field(client, org):
    html = text_of(client.post(survey_url(org.nps_survey), {"score": "4", "comment": "x" * 5001}))
    assert 'id="id_comment_error"' in html
    assert re.search(r'<textarea[^>]*aria-describedby="id_comment_helptext id_comment_error"', html)
    assert 'aria-invalid="true"' in html
    assert "x" * 5001 in html


def test_a_missing_score_is_described_on_the_scale(client, org):
    html = text_of(client.post(survey_url(org.nps_survey), {"comment": "Meh"}))
    assert re.search(r'<fieldset[^>]*aria-describedby="id_score_error"', html)
    assert 'href="#id_score_0"' in html


def test_an_open_survey_needs_a_comment(client, org):
    survey = Survey.objects.create(touchpoint=org.helpdesk, name="Tell us", kind="open")
    response = client.post(survey_url(survey), {"comment": "   "})
    assert response.status_code == 400
    assert "Please write your message." in text_of(response)
    assert stored_nothing()


FEEDBACK_ERRORS = [
    ({"kind": "complaint", "comment": "x"}, "Please choose what your message is about."),
    ({"touchpoint": "nope", "kind": "complaint", "comment": "x"}, "Please choose one of the"),
    ({"touchpoint": "help-desk", "comment": "x"}, "Please choose whether you are giving"),
    ({"touchpoint": "help-desk", "kind": "praise", "comment": "x"}, "Please choose “Give"),
    ({"touchpoint": "help-desk", "kind": "complaint", "comment": ""}, "Please write your"),
    ({"touchpoint": "help-desk", "kind": "complaint", "comment": "y" * 5001}, "5,000 characters"),
]


@pytest.mark.parametrize(("data", "error"), FEEDBACK_ERRORS)
def test_a_bad_feedback_form_is_refused_with_a_message_and_stores_nothing(client, org, data, error):
    response = client.post(reverse("listening:feedback"), data)
    assert response.status_code == 400
    assert error in text_of(response)
    assert stored_nothing()


def test_an_inactive_touchpoint_cannot_be_chosen(client, org):
    org.invoicing.active = False
    org.invoicing.save()
    response = client.post(
        reverse("listening:feedback"),
        {"touchpoint": "invoicing", "kind": "complaint", "comment": "Billed twice."},
    )
    assert response.status_code == 400
    assert "Please choose one of the topics in the list." in text_of(response)
    assert stored_nothing()


def test_the_services_refusal_is_shown_on_the_form_not_as_an_error_page(client, org, monkeypatch):
    def refuse(**kwargs):
        raise FeedbackInvalid({"touchpoint": "Not taking feedback.", "channel": "Bad channel."})

    monkeypatch.setattr(views, "feedback_receive", refuse)
    response = client.post(
        reverse("listening:feedback"),
        {
            "touchpoint": "help-desk",
            "kind": "complaint",
            "comment": "Hi",
            "email": "new@example.com",
        },
    )
    html = text_of(response)
    assert response.status_code == 400
    assert "Not taking feedback." in html
    assert "Bad channel." in html
    # The customer record made for the refused feedback is rolled back with it.
    assert stored_nothing()


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(client, org):
    response = client.post(
        reverse("listening:feedback"),
        {
            "touchpoint": "help-desk",
            "kind": "complaint",
            "comment": "Buy cheap watches",
            "email": "bot@example.com",
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 400
    assert "Leave this empty" in text_of(response)
    assert stored_nothing()

    response = client.post(
        survey_url(org.nps_survey), {"score": "0", "website": "http://spam.example"}
    )
    assert response.status_code == 400
    assert stored_nothing()


# --- Rate limit -----------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.PUBLIC_RATE_LIMIT = 2
    settings.PUBLIC_RATE_WINDOW_SECONDS = 600


def test_too_many_submissions_get_a_429_that_keeps_the_text(client, org, small_limit):
    url = reverse("listening:feedback")
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
        reverse("listening:track_message", args=[feedback.tracking_token]),
        {"message-body": "Hello again"},
    )
    assert response.status_code == 429
    assert "\nHello again</textarea>" in text_of(response)
    assert client.get(track_url(feedback)).status_code == 200
    assert client.get(reverse("listening:feedback")).status_code == 200


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


@pytest.fixture
def complaint(org) -> Feedback:
    return give_feedback(
        org.helpdesk, customer=org.customer, kind="complaint", comment="The app crashes."
    )


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
    url = reverse("listening:track_message", args=[complaint.tracking_token])
    response = client.post(url, {"message-body": "It crashed again this morning."}, follow=True)
    html = text_of(response)
    assert response.redirect_chain == [(track_url(complaint), 302)]
    assert "your message has been added" in html
    assert "It crashed again this morning." in html
    assert complaint.case.events.filter(kind=CaseEvent.Kind.CUSTOMER_MESSAGE).exists()


def test_writing_back_about_feedback_without_a_case_opens_one(client, org):
    feedback = give_feedback(org.helpdesk, score=10, comment="Great")
    assert feedback.case is None
    url = reverse("listening:track_message", args=[feedback.tracking_token])
    assert client.post(url, {"message-body": "Actually, one question."}).status_code == 302
    feedback.refresh_from_db()
    assert feedback.case is not None
    assert "Actually, one question." in text_of(client.get(track_url(feedback)))


def test_an_empty_follow_up_is_refused(client, complaint):
    url = reverse("listening:track_message", args=[complaint.tracking_token])
    response = client.post(url, {"message-body": "  "})
    assert response.status_code == 400
    assert "Please write your message." in text_of(response)
    assert not complaint.case.events.filter(kind=CaseEvent.Kind.CUSTOMER_MESSAGE).exists()


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
    url = reverse("listening:track_verdict", args=[feedback.tracking_token])
    return client.post(url, {f"verdict-{k}": v for k, v in data.items()})


def test_a_resolved_case_asks_whether_the_customer_is_satisfied(client, resolved):
    html = text_of(client.get(track_url(resolved)))
    assert "Are you satisfied with how we handled this?" in html
    assert "We fixed the crash in version 2.1." in html
    assert "Required if you answer No" in html
    assert 'name="message-body"' not in html


def test_a_resolved_case_takes_the_customers_verdict_rather_than_a_message(client, resolved):
    url = reverse("listening:track_message", args=[resolved.tracking_token])
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
    assert "It still crashes on start." in html
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
        (reverse("listening:feedback"), {"touchpoint": "help-desk", "kind": "complaint"}),
        (reverse("listening:track_message", args=[complaint.tracking_token]), {}),
        (reverse("listening:track_verdict", args=[complaint.tracking_token]), {}),
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
