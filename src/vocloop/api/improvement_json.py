"""Objectives and actions in the API's JSON terms, with the figures computed when asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from vocloop.improvement.check import Check, Window, action_check
from vocloop.improvement.models import Action, ImprovementEvent, Objective
from vocloop.improvement.representation import (
    action_json,
    event_json,
    objective_json,
    window_json,
)
from vocloop.improvement.selectors import timeline_of
from vocloop.improvement.status import objective_status
from vocloop.statistics.estimate import Estimate


def estimate_json(estimate: Estimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {
        "value": estimate.value,
        "n": estimate.n,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
    }


def _judged(window: Window | None) -> dict[str, Any] | None:
    return None if window is None else window_json(window.first, window.last)


def check_json(check: Check) -> dict[str, Any]:
    effect = check.effect
    difference = None
    if effect is not None:
        difference = {
            "value": effect.difference,
            "ci_low": effect.ci_low,
            "ci_high": effect.ci_high,
            "p_value": effect.p_value,
            "scope_change": effect.scope_change,
            "rest_change": effect.rest_change,
        }
    return {
        "verdict": check.verdict,
        "final": check.final,
        "sentence": check.sentence,
        "before": estimate_json(check.before),
        "after": estimate_json(check.after),
        "difference": difference,
        "control": {
            "before": estimate_json(check.rest_before),
            "after": estimate_json(check.rest_after),
        },
        "needed_n": check.needed_n,
        "responses": check.responses,
        "expected_ready_on": check.expected_ready_on,
        "windows": {"before": _judged(check.before_window), "after": _judged(check.after_window)},
    }


def _timeline(events: Iterable[ImprovementEvent]) -> list[dict[str, Any]]:
    return [event_json(e) for e in events]


def objective_detail_json(objective: Objective, *, today: dt.date) -> dict[str, Any]:
    status = objective_status(objective, today=today)
    projection = status.projection
    return {
        **objective_json(objective),
        "status": {
            "status": status.status,
            "sentence": status.sentence,
            "current": estimate_json(projection.current),
            "baseline": estimate_json(status.baseline),
            "probability": projection.probability,
            "prediction": {
                "value": projection.prediction,
                "low": projection.prediction_low,
                "high": projection.prediction_high,
            },
            "actions": list(objective.actions.order_by("id").values_list("id", flat=True)),
        },
        "timeline": _timeline(timeline_of(objective=objective)),
    }


def action_detail_json(action: Action, *, today: dt.date) -> dict[str, Any]:
    tasks = action.tasks.select_related("owner")
    return {
        **action_json(action),
        "check": check_json(action_check(action, today=today)),
        "tasks": [
            {
                "id": t.pk,
                "title": t.title,
                "owner": t.owner.get_username() if t.owner else None,
                "due_on": t.due_on,
                "done_at": t.done_at,
            }
            for t in tasks
        ],
        "cases": list(action.cases.order_by("reference").values_list("reference", flat=True)),
        "timeline": _timeline(timeline_of(action=action)),
    }
