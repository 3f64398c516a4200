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
