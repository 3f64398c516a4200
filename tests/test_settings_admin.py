"""The settings area (Django admin) belongs to quality managers."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from vocloop.accounts.models import ApiToken, hash_token
from vocloop.listening.models import CaseRule, Touchpoint

SETTINGS_MODELS = [
    "accounts/team",
    "accounts/apitoken",
    "auth/user",
    "listening/touchpoint",
    "listening/survey",
    "listening/feedback",
    "customers/customer",
    "cases/rootcause",
    "cases/replytemplate",
    "slas/businesscalendar",
    "slas/slapolicy",
]


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_front_line_staff_and_leads_are_kept_out(org):
    for user in (org.support_agent, org.support_lead):
        response = logged_in(user).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("model", SETTINGS_MODELS)
def test_every_settings_list_and_form_opens_for_a_quality_manager(org, model):
    client = logged_in(org.manager)
    assert client.get(f"/admin/{model}/").status_code == 200
    add = client.get(f"/admin/{model}/add/")
    # feedback only enters through vocloop's own channels
    assert add.status_code == (403 if model == "listening/feedback" else 200)


def test_a_touchpoint_with_its_case_rule_is_defined_in_one_form(org):
    client = logged_in(org.manager)
    response = client.post(
        "/admin/listening/touchpoint/add/",
        {
            "name": "Delivery",
            "slug": "delivery",
            "stage": "delivery",
            "owning_team": org.support.pk,
            "description": "",
            "active": "on",
            "case_rule-TOTAL_FORMS": "1",
            "case_rule-INITIAL_FORMS": "0",
            "case_rule-MIN_NUM_FORMS": "0",
            "case_rule-MAX_NUM_FORMS": "1",
            "case_rule-0-nps_at_or_below": "5",
            "case_rule-0-csat_at_or_below": "2",
            "case_rule-0-ces_at_or_below": "",
            "case_rule-0-open_for_complaints": "on",
            "surveys-TOTAL_FORMS": "1",
            "surveys-INITIAL_FORMS": "0",
            "surveys-MIN_NUM_FORMS": "0",
            "surveys-MAX_NUM_FORMS": "1000",
            "surveys-0-name": "Delivery NPS",
            "surveys-0-kind": "nps",
            "surveys-0-question": "",
            "surveys-0-comment_question": "Why?",
            "surveys-0-active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    touchpoint = Touchpoint.objects.get(slug="delivery")
    rule = CaseRule.objects.get(touchpoint=touchpoint)
    assert (rule.nps_at_or_below, rule.ces_at_or_below) == (5, None)
    survey = touchpoint.surveys.get()
    page = client.get(reverse("admin:listening_survey_change", args=[survey.pk])).content.decode()
    assert f"/s/{survey.public_slug}/" in page


def test_an_api_token_made_in_settings_is_shown_once_and_stored_hashed(org):
    client = logged_in(org.manager)
    form = {"name": "crm", "scopes": ["feedback:write"]}
    response = client.post("/admin/accounts/apitoken/add/", form, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    token = next(word for m in shown for word in m.split() if word.startswith("vl_"))
    stored = ApiToken.objects.get(name="crm")
    assert stored.token_hash == hash_token(token) and token not in stored.hint + stored.token_hash
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert token not in listing


def test_an_api_token_made_in_settings_acts_for_the_person_chosen_for_good(org):
    client = logged_in(org.manager)
    form = {"name": "sam's scripts", "scopes": ["cases:read"], "acts_for": org.support_agent.pk}
    assert client.post("/admin/accounts/apitoken/add/", form).status_code == 302
    token = ApiToken.objects.get(name="sam's scripts")
    assert token.acts_for == org.support_agent
    change_url = f"/admin/accounts/apitoken/{token.pk}/change/"
    client.post(
        change_url, {"name": "sam's scripts", "scopes": ["cases:read"], "acts_for": org.manager.pk}
    )
    token.refresh_from_db()
    assert token.acts_for == org.support_agent


def test_a_quality_manager_cannot_touch_a_superusers_account(org):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", "root@staff.example", "root-password-1")
    client = logged_in(org.manager)
    password_form = f"/admin/auth/user/{root.pk}/password/"
    changed = client.post(password_form, {"password1": "taken-over-9", "password2": "taken-over-9"})
    assert changed.status_code == 403
    root.refresh_from_db()
    assert root.check_password("root-password-1")
    assert client.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    # ordinary staff accounts are the quality manager's to manage
    agent_form = f"/admin/auth/user/{org.support_agent.pk}/password/"
    assert client.get(agent_form).status_code == 200


def test_a_case_rule_outside_its_scale_is_refused(org):
    from django.core.exceptions import ValidationError

    rule = CaseRule(touchpoint=org.helpdesk, nps_at_or_below=99, csat_at_or_below=0)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert set(refused.value.message_dict) == {"nps_at_or_below", "csat_at_or_below"}


def test_a_calendar_with_impossible_hours_is_refused_with_a_message(org):
    response = logged_in(org.manager).post(
        "/admin/slas/businesscalendar/add/",
        {
            "name": "Night shift",
            "time_zone": "Mars/Olympus",
            "monday": "22:00-06:00",
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
            "holidays-MIN_NUM_FORMS": "0",
            "holidays-MAX_NUM_FORMS": "1000",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a time zone" in page and "the end comes before the start" in page
