"""Odd input to the staff pages gets a page or a 404, never a 500."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.helpers import give_feedback


@pytest.fixture
def agent(org) -> Client:
    client = Client()
    client.login(username=org.support_agent.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("template", ["²", "9" * 5000, "-1", "abc"])
def test_an_odd_template_choice_is_refused_kindly(org, agent, template):
    case = give_feedback(org.helpdesk, score=2).case
    response = agent.get(f"/staff/cases/{case.reference}/", {"template": template})
    assert response.status_code == 200
    assert "not available" in response.content.decode()


@pytest.mark.parametrize("reference", ["VL%00", "VL-2026-%00", "nothing", "VL-2026-12"])
def test_a_reference_no_case_could_have_is_a_404(org, agent, reference):
    assert agent.get(f"/staff/cases/{reference}/").status_code == 404
    assert agent.post(f"/staff/cases/{reference}/note/", {"note-body": "x"}).status_code == 404


def test_a_missing_case_shows_the_staff_page_with_a_way_back(org, agent):
    response = agent.get("/staff/cases/VL-2020-999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Back to your inbox" in page and "Log out" in page


ODD_IDS = ["²", "٣", "9" * 30, "abc"]


@pytest.mark.parametrize("event", ODD_IDS)
def test_an_odd_timeline_entry_to_reveal_is_refused_kindly(org, event):
    case = give_feedback(org.helpdesk, score=2, comment="Call me on 0612345678.").case
    lead = Client()
    lead.force_login(org.support_lead)
    response = lead.post(f"/staff/cases/{case.reference}/reveal/", {"event": event})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("assignee", ODD_IDS)
def test_an_odd_assignee_in_the_inbox_filter_is_a_form_error(org, agent, assignee):
    give_feedback(org.helpdesk, score=2)
    response = agent.get("/staff/", {"assignee": assignee})
    assert response.status_code == 200
    assert response.context["filter_form"].errors["assignee"]


@pytest.mark.parametrize("shown", ["²", "3,²", "9" * 30])
def test_an_odd_list_of_themes_shown_leaves_the_reading_as_it_was(org, agent, shown):
    feedback = give_feedback(org.helpdesk, score=2)
    url = f"/staff/insights/feedback/{feedback.reference}/correct/"
    response = agent.post(url, {"sentiment": "positive", "shown": shown}, follow=True)
    assert response.status_code == 200
    said = " ".join(str(m) for m in response.context["messages"])
    assert "The form was changed: reload the page." in said
    assert not feedback.corrections.exists()
