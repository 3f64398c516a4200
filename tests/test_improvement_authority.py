"""Who steers an improvement action or an objective: the owner, the team's lead and
quality managers change, advance, close and review; the rest of the team works on it
(tasks, linked cases) but cannot declare it done — on the pages and in the services."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from tests.clock import Clock
from tests.conftest import Org
from tests.staff_pages import logged_in
from tests.test_improvement_check import raise_action
from tests.test_improvement_pages import set_objective
from vocloop.cases.timeline import Actor
from vocloop.improvement.errors import ImprovementRefused
from vocloop.improvement.models import Action, ImprovementEvent
from vocloop.improvement.services import action_advance, action_close, objective_review

REASON = "The supplier changed the form, so the change no longer applies."


def support_action(org: Org) -> Action:
    return raise_action(org, team=org.support, owner=org.support_agent, touchpoint=org.helpdesk)


def test_a_team_member_works_on_an_action_but_cannot_close_it(org: Org, clock: Clock) -> None:
    action = support_action(org)
    colleague = logged_in(org.support_agent_2)
    url = reverse("improvement:action", args=[action.pk])

    shown = html.unescape(colleague.get(url).content.decode())
    assert "Close with this reason" not in shown and "Save the plan" not in shown
    assert "the team's lead or a quality manager moves it on" in shown

    refused = colleague.post(
        reverse("improvement:action_close", args=[action.pk]), {"close-reason": REASON}
    )
    assert refused.status_code == 403
    assert (
        colleague.post(reverse("improvement:action_advance", args=[action.pk])).status_code == 403
    )
    action.refresh_from_db()
    assert action.phase == Action.Phase.PLAN and action.closed_at is None

    added = colleague.post(
        reverse("improvement:task_add", args=[action.pk]), {"task-title": "Ask the supplier"}
    )
    assert added.status_code == 302
    assert action.tasks.filter(title="Ask the supplier").exists()


@pytest.mark.parametrize("who", ["support_agent", "support_lead", "manager"])
def test_the_owner_the_team_lead_and_a_quality_manager_steer_it(
    org: Org, clock: Clock, who: str
) -> None:
    action = support_action(org)
    steering = logged_in(getattr(org, who))
    url = reverse("improvement:action", args=[action.pk])
    assert "Close with this reason" in html.unescape(steering.get(url).content.decode())

    closed = steering.post(
        reverse("improvement:action_close", args=[action.pk]), {"close-reason": REASON}
    )
    assert closed.status_code == 302
    action.refresh_from_db()
    assert action.phase == Action.Phase.CLOSED


def test_the_services_refuse_staff_but_leave_api_writes_to_the_token(
    org: Org, clock: Clock
) -> None:
    action = support_action(org)
    with pytest.raises(ImprovementRefused, match="owner, its team's lead or a quality manager"):
        action_close(action=action, actor=Actor.staff(org.support_agent_2), reason=REASON)
    with pytest.raises(ImprovementRefused):
        action_advance(action=action, actor=Actor.staff(org.billing_agent))
    # An API client reaches what its token reaches (accounts/scope.py): not judged here.
    assert action_close(action=action, actor=Actor.api("crm"), reason=REASON).phase == "closed"


def test_a_lead_sets_and_reviews_objectives_of_their_own_team_only(org: Org, clock: Clock) -> None:
    billing = set_objective(org)  # billing's, owned by the billing agent
    lead = logged_in(org.support_lead)
    url = reverse("improvement:objective", args=[billing.pk])

    shown = html.unescape(lead.get(url).content.decode())
    assert "Record the review" not in shown and 'name="title"' not in shown
    review = {"review-decision": "keep", "review-note": "On course, nothing to change."}
    assert (
        lead.post(reverse("improvement:objective_review", args=[billing.pk]), review).status_code
        == 403
    )
    assert (
        lead.post(reverse("improvement:objective_edit", args=[billing.pk]), {}).status_code == 403
    )
    with pytest.raises(ImprovementRefused):
        objective_review(
            objective=billing,
            actor=Actor.staff(org.support_lead),
            decision="keep",
            note="On course, nothing to change.",
            today=dt.date(2026, 11, 20),
        )

    # The new-objective form offers a lead only the teams they lead.
    listed = html.unescape(lead.get(reverse("improvement:objectives")).content.decode())
    owning = re.search(r'<select name="team".*?</select>', listed, re.S)
    assert owning is not None
    assert ">Support<" in owning.group(0) and ">Billing<" not in owning.group(0)

    owner = logged_in(org.billing_agent)
    assert (
        owner.post(reverse("improvement:objective_review", args=[billing.pk]), review).status_code
        == 302
    )
    assert ImprovementEvent.objects.filter(objective=billing, kind="reviewed").count() == 1
