"""Objectives and actions as CSV within the user's reach, with the figures the selectors give,
and in the daily digest of their owners."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.clock import Clock
from tests.conftest import Org
from tests.staff_pages import logged_in
from tests.test_improvement_check import CHANGE, plant, raise_action
from tests.test_improvement_pages import TODAY, page, set_objective
from tests.test_improvement_status import TODAY as STATUS_DAY
from tests.test_improvement_status import objective as status_objective
from tests.test_improvement_status import plant as plant_status
from vocloop.improvement.check import action_check
from vocloop.improvement.digest import IMPROVEMENT_DIGEST
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.status import objective_status
from vocloop.notifications.delivery import deliver_due
from vocloop.notifications.digest import DigestRun, digest_enqueue


def rows_of(client: Client, name: str) -> list[dict[str, str]]:
    response = client.get(reverse(f"improvement:{name}"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="vocloop-{name.removesuffix("_csv")}-{TODAY}.csv"'
        in (response["Content-Disposition"])
    )
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def figure(cell: str) -> float | None:
    return None if cell == "" else float(cell)


@pytest.fixture
def programme(org: Org, clock: Clock) -> dict[str, Any]:
    """Billing's objective and effective action; Support's objective and action."""
    plant(org, scope_after=0.12, rest_after=0.25)
    billing_objective = set_objective(org)
    support_objective = set_objective(
        org,
        title="Fewer help desk complaints",
        touchpoint=org.helpdesk,
        team=org.support,
        owner=org.support_agent,
    )
    billing_action = raise_action(org, effective_from=CHANGE, objective=billing_objective)
    support_action = raise_action(
        org,
        title="Call back within the hour",
        touchpoint=org.helpdesk,
        team=org.support,
        owner=org.support_agent,
        due_on=dt.date(2026, 10, 1),  # overdue on the clock's day
    )
    return {
        "objectives": (billing_objective, support_objective),
        "actions": (billing_action, support_action),
    }


def test_a_member_of_staff_downloads_only_their_teams(org: Org, programme: dict[str, Any]) -> None:
    billing_objective, support_objective = programme["objectives"]
    billing_action, support_action = programme["actions"]
    billing = logged_in(org.billing_agent)
    assert [r["id"] for r in rows_of(billing, "objectives_csv")] == [str(billing_objective.pk)]
    assert [r["id"] for r in rows_of(billing, "actions_csv")] == [str(billing_action.pk)]
    support = logged_in(org.support_agent)
    assert [r["title"] for r in rows_of(support, "objectives_csv")] == [support_objective.title]
    assert [r["title"] for r in rows_of(support, "actions_csv")] == [support_action.title]
    manager = logged_in(org.manager)
    assert len(rows_of(manager, "objectives_csv")) == Objective.objects.count() == 2
    assert len(rows_of(manager, "actions_csv")) == Action.objects.count() == 2


def test_the_objectives_figures_are_the_status_selectors(
    org: Org, programme: dict[str, Any]
) -> None:
    rows = {r["id"]: r for r in rows_of(logged_in(org.manager), "objectives_csv")}
    for objective in programme["objectives"]:
        row = rows[str(objective.pk)]
        status = objective_status(objective, today=TODAY)
        current = status.projection.current
        assert row["status"] == status.status and row["status_sentence"] == status.sentence
        assert (row["metric"], row["touchpoint"], row["team"], row["owner"]) == (
            "complaint_rate",
            objective.touchpoint.slug,
            objective.team.slug,
            objective.owner.username,
        )
        assert (row["target"], row["direction"], row["due_on"]) == ("0.2", "lower", "2027-03-31")
        assert int(row["current_n"]) == current.n > 0
        assert figure(row["current"]) == current.value
        assert (figure(row["current_ci_low"]), figure(row["current_ci_high"])) == (
            current.ci_low,
            current.ci_high,
        )
        assert figure(row["baseline"]) == status.baseline.value
        assert int(row["baseline_n"]) == status.baseline.n
        assert figure(row["probability"]) == status.projection.probability
        assert figure(row["projected"]) == status.projection.prediction


def test_the_actions_figures_are_the_checks(org: Org, programme: dict[str, Any]) -> None:
    billing_action, support_action = programme["actions"]
    rows = {r["id"]: r for r in rows_of(logged_in(org.manager), "actions_csv")}
    row = rows[str(billing_action.pk)]
    check = action_check(billing_action, today=TODAY)
    assert check.effect is not None and check.before is not None and check.after is not None
    assert (row["phase"], row["check"], row["verdict"]) == ("plan", check.verdict, "")
    assert figure(row["before"]) == check.before.value and int(row["before_n"]) == check.before.n
    assert figure(row["after"]) == check.after.value and int(row["after_n"]) == check.after.n
    assert figure(row["difference"]) == check.effect.difference
    assert (figure(row["difference_ci_low"]), figure(row["difference_ci_high"])) == (
        check.effect.ci_low,
        check.effect.ci_high,
    )
    assert int(row["responses"]) == check.responses and int(row["needed_n"]) == check.needed_n
    assert (row["expected_effect"], row["effective_from"], row["objective"]) == (
        "-0.1",
        CHANGE.isoformat(),
        str(billing_action.objective_id),
    )
    assert row["overdue"] == "no"
    late = rows[str(support_action.pk)]
    assert (late["overdue"], late["check"], late["before"], late["difference"]) == (
        "yes",
        "not started",
        "",
        "",
    )


def test_the_team_measured_is_a_column_apart_from_the_owning_team(
    org: Org, programme: dict[str, Any]
) -> None:
    measured = raise_action(
        org, title="Measured at Support", touchpoint=None, scope_team=org.support
    )
    rows = {r["id"]: r for r in rows_of(logged_in(org.manager), "actions_csv")}
    assert (rows[str(measured.pk)]["scope_team"], rows[str(measured.pk)]["team"]) == (
        "support",
        "billing",
    )
    assert rows[str(programme["actions"][0].pk)]["scope_team"] == ""
    objectives = rows_of(logged_in(org.manager), "objectives_csv")
    assert [r["scope_team"] for r in objectives] == ["", ""]


def test_the_lists_link_to_their_downloads_and_strangers_are_sent_to_log_in(
    org: Org, programme: dict[str, Any]
) -> None:
    billing = logged_in(org.billing_agent)
    assert reverse("improvement:actions_csv") in page(billing, reverse("improvement:actions"))
    assert reverse("improvement:objectives_csv") in page(billing, reverse("improvement:objectives"))
    for name in ("actions_csv", "objectives_csv"):
        response = Client().get(reverse(f"improvement:{name}"))
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_digest_tells_owners_of_their_objectives_at_risk_and_actions_waiting(
    org: Org,
) -> None:
    plant_status(org, 0.30)  # flat, far from a target of 10 %: off track
    off_track = status_objective(org, target=0.10)
    assert objective_status(off_track, today=STATUS_DAY).status == "off track"
    not_enough = status_objective(
        org, target=0.10, title="Help desk complaints", touchpoint=org.helpdesk, team=org.support
    )
    late = raise_action(org, title="Reprint the invoices", due_on=STATUS_DAY - dt.timedelta(1))
    checked = raise_action(org, title="Second pair of eyes", due_on=STATUS_DAY)
    Action.objects.filter(pk=checked.pk).update(
        phase=Action.Phase.ACT, verdict="effective", verdict_text="Effective: down by a third."
    )
    support_late = raise_action(
        org,
        title="Call back within the hour",
        touchpoint=org.helpdesk,
        team=org.support,
        owner=org.support_agent,
        due_on=STATUS_DAY - dt.timedelta(days=3),
    )
    raise_action(org, title="Not due yet", due_on=STATUS_DAY + dt.timedelta(days=1))
    mail.outbox.clear()

    now = dt.datetime.combine(STATUS_DAY, dt.time(9), dt.UTC)
    assert digest_enqueue(now=now) == DigestRun(queued=2, earlier=0)  # Bill's and Sam's
    deliver_due(now=dt.datetime.now(dt.UTC))
    [bills] = [m for m in mail.outbox if m.to == [org.billing_agent.email]]
    assert bills.subject == f"Your improvement work on {STATUS_DAY:%-d %b %Y}"
    assert off_track.title in bills.body and "(off track)" in bills.body
    assert objective_status(off_track, today=STATUS_DAY).sentence in bills.body
    assert late.title in bills.body and checked.title in bills.body
    assert "Effective: down by a third." in bills.body
    assert reverse("improvement:action", args=[late.pk]) in bills.body
    assert support_late.title not in bills.body and "Not due yet" not in bills.body
    assert not_enough.title not in bills.body
    [sams] = [m for m in mail.outbox if m.to == [org.support_agent.email]]
    assert support_late.title in sams.body
    assert off_track.title not in sams.body and late.title not in sams.body


def test_the_digests_reading_of_improvement_does_not_grow_with_its_recipients(
    org: Org,
) -> None:
    people = [org.billing_agent, org.support_agent, org.support_agent_2, org.support_lead]
    for person in people:
        raise_action(org, owner=person, due_on=STATUS_DAY - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as one:
        told_one = IMPROVEMENT_DIGEST.digest_context(people[:1], today=STATUS_DAY)
    with CaptureQueriesContext(connection) as all_four:
        told_all = IMPROVEMENT_DIGEST.digest_context(people, today=STATUS_DAY)
    assert len(told_one) == 1 and len(told_all) == 4
    assert len(one.captured_queries) == len(all_four.captured_queries) == 2
