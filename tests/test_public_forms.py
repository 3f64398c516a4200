"""The customer's forms: surveys, the feedback and complaint form, and what bad input gets."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.helpers import give_feedback
from tests.public_pages import stored_nothing, survey_url, text_of, track_url
from vocloop.listening.models import Feedback, LifecycleStage, Survey, Touchpoint
from vocloop.listening.services import FeedbackInvalid
from vocloop.public import views

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
    html = text_of(client.get(reverse("public:feedback")))
    assert 'value="old-shop"' not in html
    positions = [html.index(f'value="{slug}"') for slug in ("website", "invoicing", "help-desk")]
    assert positions == sorted(positions)
    assert '<optgroup label="Awareness">' in html
    assert 'type="radio" name="kind" value="complaint"' in html


def test_a_complaint_opens_a_case(client, org):
    response = client.post(
        reverse("public:feedback"),
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
        reverse("public:feedback"),
        {"touchpoint": "help-desk", "kind": "feedback", "comment": "Friendly people."},
    )
    feedback = Feedback.objects.get()
    assert (feedback.kind, feedback.case) == ("feedback", None)


def test_a_touchpoint_in_the_link_is_preset_and_shown_as_text(client, org):
    url = reverse("public:feedback_for", args=["help-desk"])
    html = text_of(client.get(url))
    assert "Help desk" in html
    assert 'name="touchpoint"' not in html
    response = client.post(url, {"kind": "complaint", "comment": "Line always busy."})
    assert response.status_code == 302
    assert Feedback.objects.get().touchpoint == org.helpdesk


def test_an_unknown_touchpoint_in_the_link_is_not_found(client, org):
    assert client.get(reverse("public:feedback_for", args=["nope"])).status_code == 404


def test_an_inactive_touchpoint_in_the_link_offers_the_other_topics_keeping_the_text(client, org):
    org.invoicing.active = False
    org.invoicing.save()
    url = reverse("public:feedback_for", args=["invoicing"])
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
    response = client.post(reverse("public:feedback"), data)
    assert response.status_code == 400
    assert error in text_of(response)
    assert stored_nothing()


def test_an_inactive_touchpoint_cannot_be_chosen(client, org):
    org.invoicing.active = False
    org.invoicing.save()
    response = client.post(
        reverse("public:feedback"),
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
        reverse("public:feedback"),
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
        reverse("public:feedback"),
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
