"""The improvement pages: objectives and actions shown with their figures, an action taken
through Plan–Do–Check by its buttons, refusals as form errors, and team scoping."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.clock import Clock
from tests.conftest import Org
from tests.staff_pages import logged_in
from tests.test_improvement_check import BEFORE, CHANGE, plant, raise_action
from vocloop.cases.timeline import Actor
from vocloop.improvement.check import action_check
from vocloop.improvement.check_chart import check_drawing
from vocloop.improvement.forms import ActionForm
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.services import objective_create
from vocloop.improvement.status import objective_status
from vocloop.listening.models import Feedback
from vocloop.statistics.effect import EFFECTIVE

TODAY = dt.date(2026, 11, 20)  # the clock fixture's day


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status
    return html.unescape(response.content.decode())


def action_url(action: Action, name: str = "action") -> str:
    return reverse(f"improvement:{name}", args=[action.pk])


def plan_data(action: Action, **changes: Any) -> dict[str, Any]:
    """The plan form as the action's page fills it in, with some fields changed."""
    initial = ActionForm.initial_of(action)
    data = {k: ("" if v is None else v) for k, v in initial.items()}
    return data | changes


def set_objective(org: Org, **extra: Any) -> Objective:
    fields: dict[str, Any] = {
        "title": "Fewer invoicing complaints",
        "metric": "complaint_rate",
        "touchpoint": org.invoicing,
        "target": 0.20,
        "direction": "lower",
        "due_on": dt.date(2027, 3, 31),
        "baseline_from": BEFORE,
        "baseline_to": CHANGE - dt.timedelta(days=1),
        "team": org.billing,
        "owner": org.billing_agent,
    }
    return objective_create(actor=Actor.staff(org.manager), **(fields | extra))


def test_the_pages_show_the_status_and_the_check_in_words(org: Org, clock: Clock) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, effective_from=CHANGE)
    objective = set_objective(org)
    manager = logged_in(org.manager)

    listed = page(manager, reverse("improvement:actions"))
    assert action.title in listed and action_url(action) in listed

    shown = page(manager, action_url(action))
    check = action_check(action, today=TODAY)
    assert check.verdict == EFFECTIVE and check.sentence in shown
    assert "Effective" in shown and "The rest of the organisation" in shown
    assert f"{check.responses:,} of {check.needed_n:,} needed" in shown

    status = objective_status(objective, today=TODAY)
    for url in (
        reverse("improvement:objectives"),
        reverse("improvement:objective", args=[objective.pk]),
    ):
        text = page(manager, url)
        assert status.sentence in text and status.status.capitalize() in text
    detail = page(manager, reverse("improvement:objective", args=[objective.pk]))
    assert "Week by week" in detail and "w/c " in detail
    assert f"{reverse('improvement:action_new')}?objective={objective.pk}" in detail


def test_an_action_is_raised_and_taken_to_check_through_the_pages(org: Org, clock: Clock) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    manager = logged_in(org.manager)
    response = manager.post(
        reverse("improvement:action_new"),
        {
            "title": "Second pair of eyes on large invoices",
            "kind": "corrective",
            "metric": "complaint_rate",
            "touchpoint": org.invoicing.pk,
            "team": org.billing.pk,
            "owner": org.billing_agent.pk,
            "due_on": "2026-12-31",
            "problem": "A third of invoicing feedback is a complaint.",
            "why_1": "Invoices go out with wrong amounts.",
            "why_2": "Nobody checks them before they go out.",
            "cause_category": "method",
            "change": "A second pair of eyes on every invoice over 1,000.",
            "expected_effect": "-10",
        },
    )
    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"] == action_url(action)
    assert action.expected_effect == pytest.approx(-0.10)
    assert action.whys == [
        "Invoices go out with wrong amounts.",
        "Nobody checks them before they go out.",
    ]
    assert manager.post(action_url(action, "action_advance")).status_code == 302
    action.refresh_from_db()
    assert action.phase == Action.Phase.DO

    refused = manager.post(action_url(action, "action_advance"))
    assert (
        refused.status_code == 400 and "the date the change took effect" in refused.content.decode()
    )

    saved = manager.post(
        action_url(action, "action_edit"), plan_data(action, effective_from="2026-09-07")
    )
    assert saved.status_code == 302
    action.refresh_from_db()
    assert action.effective_from == CHANGE and action.expected_effect == pytest.approx(-0.10)
    manager.post(action_url(action, "action_advance"))
    action.refresh_from_db()
    assert action.phase == Action.Phase.CHECK
    shown = page(manager, action_url(action))
    assert action_check(action, today=TODAY).sentence in shown

    added = manager.post(action_url(action, "task_add"), {"task-title": "Brief the billing team"})
    assert added.status_code == 302
    task = action.tasks.get()
    manager.post(reverse("improvement:task_done", args=[action.pk, task.pk]))
    task.refresh_from_db()
    assert task.done_at is not None
    kinds = list(action.events.values_list("kind", flat=True))
    assert kinds == ["raised", "phase", "changed", "phase", "task", "task_done"]


def test_closing_without_an_effective_verdict_needs_a_reason(org: Org, clock: Clock) -> None:
    action = raise_action(org)
    manager = logged_in(org.manager)
    refused = manager.post(action_url(action, "action_close"), {"close-reason": ""})
    assert refused.status_code == 400
    assert "why it closes" in html.unescape(refused.content.decode())
    action.refresh_from_db()
    assert action.phase == Action.Phase.PLAN
    reason = "The supplier withdrew the product line."
    assert (
        manager.post(action_url(action, "action_close"), {"close-reason": reason}).status_code
        == 302
    )
    action.refresh_from_db()
    assert (action.phase, action.close_reason) == (Action.Phase.CLOSED, reason)
    follow = manager.post(action_url(action, "action_follow_up"))
    new = Action.objects.get(follows=action)
    assert follow["Location"] == action_url(new)


def test_only_a_closed_action_offers_a_follow_up(org: Org, clock: Clock) -> None:
    action = raise_action(org)
    manager = logged_in(org.manager)
    assert "Raise a follow-up" not in page(manager, action_url(action))
    refused = manager.post(action_url(action, "action_follow_up"))
    assert refused.status_code == 400
    assert "still open" in html.unescape(refused.content.decode())
    assert not Action.objects.filter(follows=action).exists()

    reason = "The supplier withdrew the product line."
    manager.post(action_url(action, "action_close"), {"close-reason": reason})
    assert "Raise a follow-up" in page(manager, action_url(action))
    manager.post(action_url(action, "action_follow_up"))
    new = Action.objects.get(follows=action)
    shown = page(manager, action_url(action))
    assert "Raise a follow-up" in shown and new.title in shown
    assert 'id="follow-heading"' not in page(manager, action_url(new))  # open, none yet


def test_staff_see_only_their_teams_actions_and_objectives(org: Org, clock: Clock) -> None:
    billing_action = raise_action(org)
    support_action = raise_action(
        org, title="Call back within a day", touchpoint=org.helpdesk, team=org.support,
        owner=org.support_agent,
    )  # fmt: skip
    support_objective = set_objective(
        org, title="Happier help desk", touchpoint=org.helpdesk, team=org.support,
        owner=org.support_agent,
    )  # fmt: skip
    agent = logged_in(org.billing_agent)
    listed = page(agent, reverse("improvement:actions"))
    assert billing_action.title in listed and support_action.title not in listed
    assert support_objective.title not in page(agent, reverse("improvement:objectives"))
    assert agent.get(action_url(support_action)).status_code == 404
    assert agent.post(action_url(support_action, "action_advance")).status_code == 404
    assert (
        agent.post(
            action_url(support_action, "action_close"), {"close-reason": "x" * 30}
        ).status_code
        == 404
    )
    objective_url = reverse("improvement:objective", args=[support_objective.pk])
    assert agent.get(objective_url).status_code == 404
    # Raising for another team is refused as a choice the form does not offer.
    refused = agent.post(reverse("improvement:action_new"), {"team": org.support.pk})
    assert refused.status_code == 400 and "Choose one of your teams." in refused.content.decode()
    # Objectives are set by quality managers and team leads.
    assert "Set a new objective" not in page(agent, reverse("improvement:objectives"))
    assert agent.post(reverse("improvement:objective_new"), {}).status_code == 403


def objective_data(org: Org, **changes: str) -> dict[str, Any]:
    return {
        "title": "Fewer invoicing complaints",
        "metric": "complaint_rate",
        "touchpoint": str(org.invoicing.pk),
        "target": "20",
        "direction": "lower",
        "due_on": "2027-03-31",
        "baseline_from": "2026-07-13",
        "baseline_to": "2026-09-06",
        "team": str(org.billing.pk),
        "owner": str(org.billing_agent.pk),
        "review_cadence": "monthly",
    } | changes


def test_an_objective_is_set_with_a_share_in_per_cent(org: Org, clock: Clock) -> None:
    response = logged_in(org.manager).post(
        reverse("improvement:objective_new"), objective_data(org)
    )
    objective = Objective.objects.get()
    assert response["Location"] == reverse("improvement:objective", args=[objective.pk])
    assert objective.target == pytest.approx(0.20)


def test_an_objective_scoped_to_a_team_reads_its_figures_and_passes_them_on(
    org: Org, clock: Clock
) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    manager = logged_in(org.manager)
    data = objective_data(org, touchpoint="", scope_team=str(org.support.pk))
    response = manager.post(reverse("improvement:objective_new"), data)
    objective = Objective.objects.get()
    assert response.status_code == 302 and objective.scope_team == org.support
    assert objective.team == org.billing  # the team that owns it is another field
    status = objective_status(objective, today=TODAY)
    baseline = Feedback.objects.filter(
        touchpoint__owning_team=org.support,
        occurred_at__date__gte=objective.baseline_from,
        occurred_at__date__lte=objective.baseline_to,
    )
    assert status.baseline.n == baseline.count() > 0
    shown = manager.get(reverse("improvement:objective", args=[objective.pk]))
    detail = html.unescape(shown.content.decode())
    assert "Complaint rate · team Support" in detail and status.sentence in detail
    assert "whole organisation" not in detail
    assert shown.context["form"].initial["scope_team"] == org.support.pk  # its edit form
    raising = manager.get(reverse("improvement:action_new"), {"objective": objective.pk})
    assert raising.context["form"].initial["scope_team"] == org.support.pk


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"scope_team": "99999999"}, "Choose a team of the list."),
        ({"baseline_from": "2026-09-06", "baseline_to": "2026-07-13"}, "ends before it starts"),
        ({"due_on": "2026-08-01"}, "The due date must come after the baseline period."),
        ({"metric": "happiness"}, "Choose a metric of the list."),
        ({"target": "150"}, "between 0 and 100"),
        (
            {"metric": "csat", "target": "0.85", "direction": "higher"},
            "typed in per cent: did you mean 85 (for 85 %)?",
        ),
        ({"target": "lots"}, "The target is a number."),
        ({"due_on": "31/31/2026"}, "Enter a date as YYYY-MM-DD."),
        ({"metric": "time_to_resolve", "channel": "web"}, "cases have no channel"),
        ({"stage": "heaven"}, "Choose a lifecycle stage of the list."),
        ({"touchpoint": "99999999"}, "Choose a touch point of the list."),
    ],
)
def test_bad_objectives_get_a_form_error_in_words(
    org: Org, changes: dict[str, str], said: str
) -> None:
    response = logged_in(org.manager).post(
        reverse("improvement:objective_new"), objective_data(org, **changes)
    )
    assert response.status_code == 400
    assert said in html.unescape(response.content.decode())
    assert not Objective.objects.exists()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"effective_from": "2026-02-30"}, "Enter a date as YYYY-MM-DD."),
        ({"expected_effect": "a lot"}, "The expected effect is a number."),
        ({"objective": "²"}, "Choose one of the objectives listed."),
        ({"title": ""}, "Name the action."),
        ({"scope_team": "nobody"}, "Choose a team of the list."),
    ],
)
def test_a_bad_plan_gets_a_form_error_in_words(
    org: Org, changes: dict[str, str], said: str
) -> None:
    action = raise_action(org)
    response = logged_in(org.manager).post(
        action_url(action, "action_edit"), plan_data(action, **changes)
    )
    assert response.status_code == 400
    assert said in html.unescape(response.content.decode())
    assert list(action.events.values_list("kind", flat=True)) == ["raised"]


@pytest.mark.parametrize("odd", ["99999999", "0"])
def test_an_action_or_task_that_is_not_there_is_a_404(org: Org, odd: str) -> None:
    manager = logged_in(org.manager)
    action = raise_action(org)
    assert manager.get(f"/staff/improvement/actions/{odd}/").status_code == 404
    assert (
        manager.post(f"/staff/improvement/actions/{action.pk}/tasks/{odd}/done/").status_code == 404
    )


def test_metrics_are_called_as_the_dashboards_call_them(org: Org) -> None:
    raise_action(org)
    page = logged_in(org.manager).get(reverse("improvement:actions")).content.decode()
    assert "Complaint rate · Invoicing" in page and "complaint_rate" not in page


def test_the_check_is_drawn_before_and_after_beside_the_rest(org: Org, clock: Clock) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org, effective_from=CHANGE)
    check = action_check(action, today=TODAY)
    drawing = check_drawing(check, action.metric)
    assert drawing is not None
    rows = {row.label: row for row in drawing.rows}
    estimates = {
        "This scope, before": check.before,
        "This scope, after": check.after,
        "The rest, before": check.rest_before,
        "The rest, after": check.rest_after,
    }
    # One scale for all four: positions follow the values, whiskers their intervals.
    ordered = sorted(estimates, key=lambda label: estimates[label].value)  # type: ignore[union-attr]
    xs = [rows[label].x for label in ordered]
    assert all(x is not None for x in xs) and xs == sorted(xs)  # type: ignore[type-var]
    for label, e in estimates.items():
        row = rows[label]
        assert e is not None and row.x_low is not None and row.x_high is not None
        assert row.x_low <= row.x <= row.x_high  # type: ignore[operator]
    assert all(t.label.endswith(" %") for t in drawing.x_ticks)
    shown = page(logged_in(org.manager), action_url(action))
    assert 'class="interval-chart check-chart"' in shown
    assert shown.count('<circle class="point"') == 4


def test_nothing_is_drawn_before_the_change_took_effect(org: Org, clock: Clock) -> None:
    plant(org, scope_after=0.12, rest_after=0.25)
    action = raise_action(org)  # no change has taken effect: nothing to compare yet
    check = action_check(action, today=TODAY)
    assert check.before is None and check_drawing(check, action.metric) is None
    assert "check-chart" not in page(logged_in(org.manager), action_url(action))
