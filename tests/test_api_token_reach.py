"""A token acting for a person reaches through the API what that person reaches on the pages."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.api_client import ApiClient, token_secret
from tests.conftest import Org, make_user
from tests.helpers import give_feedback
from tests.staff_pages import inbox_refs, logged_in
from vocloop.accounts.models import ApiToken
from vocloop.cases.models import Case, Severity, Status


def acting_for(user: object, name: str = "sam's scripts") -> ApiClient:
    return ApiClient(token_secret(name, acts_for=user))


def api_refs(api: ApiClient, **params: str) -> list[str]:
    response = api.get("/cases", **params)
    assert response.status_code == 200
    return [case["reference"] for case in response.json()["items"]]


@pytest.fixture
def cases(org: Org) -> list[Case]:
    """Open and resolved cases of both teams, of different severities."""
    made = [
        give_feedback(org.helpdesk, score=1).case,
        give_feedback(org.helpdesk, score=2).case,
        give_feedback(org.helpdesk, score=3).case,
        give_feedback(org.invoicing, score_type="csat", score=1).case,
        give_feedback(org.invoicing, score_type="csat", score=2).case,
    ]
    Case.objects.filter(pk=made[1].pk).update(severity=Severity.HIGH, severity_rank=3)
    Case.objects.filter(pk__in=[made[2].pk, made[4].pk]).update(status=Status.RESOLVED)
    return [c for c in made if c is not None]


@pytest.mark.parametrize(
    "who", ["support_agent", "billing_agent", "support_lead", "manager", "nobody"]
)
def test_a_token_sees_exactly_the_cases_its_person_sees_in_the_inbox(org, cases, who):
    person = make_user("nora_nobody") if who == "nobody" else getattr(org, who)
    api, inbox = acting_for(person), logged_in(person)
    everything = set(inbox_refs(inbox, status="all"))
    assert set(api_refs(api)) == everything
    assert api.get("/cases").json()["count"] == len(everything)
    # One status at a time, both lists are in the same order: most severe, then newest.
    for status in ("open", "resolved"):
        assert api_refs(api, status=status) == inbox_refs(inbox, status=status)
    expected = {
        "support_agent": 3,
        "billing_agent": 2,
        "support_lead": 5,
        "manager": 5,
        "nobody": 0,
    }[who]
    assert len(everything) == expected


def test_a_case_beyond_the_persons_reach_is_a_404_to_read_and_to_act_on(org, cases):
    api = acting_for(org.support_agent)
    billing_case = cases[3]
    assert api.get(f"/cases/{billing_case.reference}").status_code == 404
    note = {"kind": "internal_note", "body": "Not mine."}
    assert api.post(f"/cases/{billing_case.reference}/events", note).status_code == 404
    assert not billing_case.events.filter(kind="internal_note").exists()
    own = api.post(f"/cases/{cases[0].reference}/events", note)
    assert own.status_code == 201
    assert own.json()["events"][-1]["body"] == "Not mine."


def test_filtering_by_another_team_shows_nothing_rather_than_widening_the_reach(org, cases):
    api = acting_for(org.support_agent)
    assert api_refs(api, team="billing") == []
    assert api_refs(api, touchpoint="invoicing") == []


def test_an_integrations_token_still_reaches_every_case(api, org, cases):
    assert set(api_refs(api)) == {c.reference for c in cases}


def test_the_token_of_a_deactivated_person_is_refused(org, cases):
    api = acting_for(org.support_agent)
    org.support_agent.is_active = False
    org.support_agent.save()
    response = api.get("/cases")
    assert response.status_code == 401
    assert "sam_agent, whose account is deactivated" in response.json()["detail"]


def test_deleting_the_person_deletes_their_tokens(org):
    acting_for(org.support_agent)
    org.support_agent.delete()
    assert not ApiToken.objects.exists()


def test_the_command_creates_a_token_acting_for_a_person(org, cases):
    out = StringIO()
    call_command(
        "apitoken",
        "create",
        "--name",
        "sam",
        "--scope",
        "cases:read",
        "--acts-for",
        "sam_agent",
        stdout=out,
        stderr=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert ApiToken.objects.get(name="sam").acts_for == org.support_agent
    assert set(api_refs(ApiClient(secret))) == {c.reference for c in cases[:3]}
    with pytest.raises(CommandError, match="no user “sam_agnet”"):
        call_command(
            "apitoken",
            "create",
            "--name",
            "typo",
            "--scope",
            "cases:read",
            "--acts-for",
            "sam_agnet",
        )
