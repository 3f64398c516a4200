"""Objectives and actions as CSV, within the user's reach: one row each, with the figures
the pages show (the status and its projection, the check and its difference) as numbers
for a spreadsheet, not as formatted text.

Every row computes its objective's status or its action's check from the rollups, as
its page does; an export is asked for now and then, not on every page view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from vocloop.accounts.scope import case_scope
from vocloop.improvement.check import action_check
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.pages import today
from vocloop.improvement.reviews import review_states
from vocloop.improvement.selectors import actions_for, actions_overdue_first, objectives_for
from vocloop.improvement.status import objective_status
from vocloop.lib.downloads import csv_response
from vocloop.statistics.estimate import Estimate

SCOPE_HEADER = ["metric", "touchpoint", "stage", "channel", "segment", "scope_team", "theme"]
OBJECTIVE_HEADER = [
    "id",
    "title",
    *SCOPE_HEADER,
    "target",
    "direction",
    "due_on",
    "owner",
    "team",
    "status",
    "current",
    "current_ci_low",
    "current_ci_high",
    "current_n",
    "baseline",
    "baseline_n",
    "probability",
    "projected",
    "projected_low",
    "projected_high",
    "status_sentence",
    "last_reviewed_on",
    "next_review_on",
]
ACTION_HEADER = [
    "id",
    "title",
    "kind",
    *SCOPE_HEADER,
    "expected_effect",
    "effective_from",
    "due_on",
    "overdue",
    "owner",
    "team",
    "objective",
    "phase",
    "verdict",
    "check",
    "before",
    "before_n",
    "after",
    "after_n",
    "difference",
    "difference_ci_low",
    "difference_ci_high",
    "p_value",
    "responses",
    "needed_n",
    "expected_ready_on",
    "outcome",
    "closed_at",
]


def _scope(measured: Objective | Action) -> list[Any]:
    touchpoint, measured_team, theme = measured.touchpoint, measured.scope_team, measured.theme
    return [
        measured.metric,
        touchpoint.slug if touchpoint is not None else None,
        measured.stage,
        measured.channel,
        measured.segment,
        measured_team.slug if measured_team is not None else None,
        theme.slug if theme is not None else None,
    ]


def _estimate(estimate: Estimate | None) -> list[Any]:
    if estimate is None:
        return [None, None]
    return [estimate.value, estimate.n]


def objective_rows(objectives: Any, *, day: dt.date) -> Iterator[list[Any]]:
    listed = list(objectives)
    reviews = review_states(listed, today=day)
    for objective in listed:
        status = objective_status(objective, today=day)
        review = reviews[objective.pk]
        projection, current = status.projection, status.projection.current
        yield [
            objective.pk,
            objective.title,
            *_scope(objective),
            objective.target,
            objective.direction,
            objective.due_on,
            objective.owner.get_username(),
            objective.team.slug,
            status.status,
            current.value,
            current.ci_low,
            current.ci_high,
            current.n,
            *_estimate(status.baseline),
            projection.probability,
            projection.prediction,
            projection.prediction_low,
            projection.prediction_high,
            status.sentence,
            review.last_on,
            review.next_on,
        ]


def action_rows(actions: Any, *, day: dt.date) -> Iterator[list[Any]]:
    for action in actions:
        check = action_check(action, today=day)
        effect = check.effect
        overdue = action.phase != Action.Phase.CLOSED and action.due_on < day
        yield [
            action.pk,
            action.title,
            action.kind,
            *_scope(action),
            action.expected_effect,
            action.effective_from,
            action.due_on,
            "yes" if overdue else "no",
            action.owner.get_username(),
            action.team.slug,
            action.objective_id,
            action.phase,
            action.verdict,  # kept once the check concluded
            check.verdict,  # as the check reads today
            *_estimate(check.before),
            *_estimate(check.after),
            effect.difference if effect else None,
            effect.ci_low if effect else None,
            effect.ci_high if effect else None,
            effect.p_value if effect else None,
            check.responses,
            check.needed_n,
            check.expected_ready_on,
            action.outcome,
            action.closed_at.isoformat() if action.closed_at else None,
        ]


@login_required
@require_GET
def objectives_csv(request: HttpRequest) -> HttpResponse:
    day = today()
    found: Any = objectives_for(case_scope(request.user))
    name = f"vocloop-objectives-{day}.csv"
    return csv_response(name, OBJECTIVE_HEADER, objective_rows(found, day=day))


@login_required
@require_GET
def actions_csv(request: HttpRequest) -> HttpResponse:
    day = today()
    found: Any = actions_overdue_first(actions_for(case_scope(request.user)), day)
    name = f"vocloop-actions-{day}.csv"
    return csv_response(name, ACTION_HEADER, action_rows(found, day=day))
