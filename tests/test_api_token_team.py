"""A token tied to a team sees and changes what that team's members see and change: its cases,
its objectives and actions, feedback at its touch points; the organisation's metrics, as
the dashboards show every member."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from tests.api_client import ApiClient, poor_score, token_secret
from tests.helpers import give_feedback
from tests.staff_pages import inbox_refs, logged_in
from tests.test_api_improvement import an_action, an_objective, patch, today  # noqa: F401
from tests.test_api_token_reach import api_refs
from vocloop.accounts.models import ApiToken, Team
from vocloop.accounts.services import ApiTokenRefused, api_token_create
from vocloop.cases.models import Case


def of_team(team: object, name: str = "support desk") -> ApiClient:
    return ApiClient(token_secret(name, team=team))


@pytest.fixture
def cases(org) -> list[Case]:
    made = [
        give_feedback(org.helpdesk, score=1).case,
        give_feedback(org.helpdesk, score=2).case,
        give_feedback(org.invoicing, score_type="csat", score=1).case,
    ]
    return [c for c in made if c is not None]


def test_a_team_token_sees_exactly_the_cases_a_member_of_the_team_sees(org, cases):
    api = of_team(org.support)
    member = logged_in(org.support_agent)  # in Support only
    assert set(api_refs(api)) == set(inbox_refs(member, status="all"))
    assert set(api_refs(api)) == {cases[0].reference, cases[1].reference}
    assert api_refs(api, team="billing") == []


def test_another_teams_case_is_a_404_to_read_and_to_act_on(org, cases):
    api = of_team(org.support)
    billing_case = cases[2]
    assert api.get(f"/cases/{billing_case.reference}").status_code == 404
    note = {"kind": "internal_note", "body": "Not ours."}
    assert api.post(f"/cases/{billing_case.reference}/events", note).status_code == 404
    assert not billing_case.events.filter(kind="internal_note").exists()
    own = api.post(f"/cases/{cases[0].reference}/events", note)
    assert own.status_code == 201
    assert own.json()["events"][-1]["actor"] == "API: support desk"


def test_a_team_token_sends_feedback_only_at_its_teams_touch_points(org):
    api = of_team(org.support)
    sent = api.post("/feedback", poor_score(org))
    assert sent.status_code == 201
    refused = api.post(
        "/feedback", {"touchpoint": org.invoicing.slug, "score_type": "csat", "score": 1}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"] == {
        "touchpoint": "The API token “support desk” is tied to the team “Support”, which does "
        "not own the touch point “invoicing”."
    }


def test_a_team_token_reaches_only_its_teams_objectives_and_actions(org, today):  # noqa: F811
    support, billing = of_team(org.support), of_team(org.billing, "billing desk")
    pk = support.post("/actions", an_action(org, team="support")).json()["id"]
    assert billing.get(f"/actions/{pk}").status_code == 404
    assert patch(billing, f"/actions/{pk}", {"title": "Ours now"}).status_code == 404
    assert billing.get("/actions").json() == {"count": 0, "items": []}
    assert [a["id"] for a in support.get("/actions").json()["items"]] == [pk]
    refused = billing.post("/objectives", an_objective(org, team="support"))
    assert refused.status_code == 403 and refused.json()["errors"] == {"team": "Not yours."}
    assert billing.post("/objectives", an_objective(org, team="billing")).status_code == 201


def test_a_team_token_reads_the_organisations_metrics_as_every_member_does(org, cases):
    everything = ApiClient(token_secret("crm"))
    team = of_team(org.billing)
    for path in ("/metrics/nps", "/metrics/complaint_rate?by=touchpoint"):
        assert team.get(path).json() == everything.get(path).json()


# Tied to a person or to a team, not both


def test_a_token_cannot_act_for_a_person_and_be_tied_to_a_team(org):
    with pytest.raises(ApiTokenRefused, match="acts for a person or is tied to a team, not both"):
        api_token_create(
            name="both", scopes=["cases:read"], acts_for=org.support_agent, team=org.support
        )
    token, _ = api_token_create(name="sam", scopes=["cases:read"], acts_for=org.support_agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(team=org.support)


def test_the_command_ties_a_token_to_a_team_and_refuses_both_ties(org, cases):
    out, err = StringIO(), StringIO()
    call_command(
        "apitoken", "create", "--name", "desk", "--scope", "cases:read", "--team", "support",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert ApiToken.objects.get(name="desk").team == org.support
    assert "reaches team support" in err.getvalue()
    assert len(api_refs(ApiClient(out.getvalue().strip()))) == 2
    listed = StringIO()
    call_command("apitoken", "list", stdout=listed)
    assert "team support" in listed.getvalue()
    with pytest.raises(CommandError, match="not both: choose sam_agent or the team “support”"):
        call_command(
            "apitoken", "create", "--name", "x", "--scope", "cases:read",
            "--team", "support", "--acts-for", "sam_agent",
        )  # fmt: skip
    with pytest.raises(CommandError, match="There is no team “suport”; the teams are billing"):
        call_command(
            "apitoken", "create", "--name", "y", "--scope", "cases:read", "--team", "suport"
        )


def test_the_settings_area_ties_a_token_to_a_team_for_good(org):
    client = logged_in(org.manager)
    form = {"name": "desk", "scopes": ["cases:read"], "team": org.support.pk}
    assert client.post("/admin/accounts/apitoken/add/", form).status_code == 302
    token = ApiToken.objects.get(name="desk")
    assert token.team == org.support
    assert "The team Support" in client.get("/admin/accounts/apitoken/").content.decode()
    client.post(f"/admin/accounts/apitoken/{token.pk}/change/", {**form, "team": org.billing.pk})
    token.refresh_from_db()
    assert token.team == org.support
    both = {**form, "name": "both", "acts_for": org.support_agent.pk}
    refused = client.post("/admin/accounts/apitoken/add/", both)
    assert refused.status_code == 200
    assert "acts for a person or is tied to a team, not both" in refused.content.decode()


def test_deleting_the_team_deletes_its_tokens(org):
    marketing = Team.objects.create(name="Marketing", slug="marketing")
    api_token_create(name="desk", scopes=["cases:read"], team=marketing)
    marketing.delete()
    assert not ApiToken.objects.exists()
