"""Objectives and actions in the API's JSON terms, with the figures computed when asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from vocloop.improvement.check import Check, Window, action_check
from vocloop.improvement.models import Action, ImprovementEvent, MeasuredScope, Objective
from vocloop.improvement.selectors import timeline_of
from vocloop.improvement.status import objective_status
from vocloop.statistics.estimate import Estimate


def window_json(first: dt.date | None, last: dt.date | None) -> dict[str, Any] | None:
    if first is None or last is None:
        return None
    return {"from": first, "to": last}


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
    return [
        {"kind": e.kind, "summary": e.summary, "actor": e.actor_label, "created_at": e.created_at}
        for e in events
    ]


def _scope_json(measured: MeasuredScope) -> dict[str, Any]:
    touchpoint = measured.touchpoint
    return {
        "metric": measured.metric,
        "touchpoint": touchpoint.slug if touchpoint is not None else None,
        "stage": measured.stage or None,
        "channel": measured.channel or None,
        "segment": measured.segment or None,
    }


def objective_json(objective: Objective) -> dict[str, Any]:
    return {
        "id": objective.pk,
        "title": objective.title,
        **_scope_json(objective),
        "dimension": objective.dimension or None,
        "want": objective.want or None,
        "target": objective.target,
        "direction": objective.direction,
        "due_on": objective.due_on,
        "baseline": window_json(objective.baseline_from, objective.baseline_to),
        "team": objective.team.slug,
        "owner": objective.owner.get_username(),
        "review_cadence": objective.review_cadence,
        "created_at": objective.created_at,
        "updated_at": objective.updated_at,
    }


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


def action_json(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "title": action.title,
        "kind": action.kind,
        "phase": action.phase,
        "source": action.source,
        **_scope_json(action),
        "objective": action.objective_id,
        "follows": action.follows_id,
        "problem": action.problem,
        "whys": list(action.whys),
        "cause_category": action.cause_category or None,
        "change": action.change,
        "expected_effect": action.expected_effect,
        "team": action.team.slug,
        "owner": action.owner.get_username(),
        "due_on": action.due_on,
        "effective_from": action.effective_from,
        "before": window_json(action.before_from, action.before_to),
        "after": window_json(action.after_from, action.after_to),
        "verdict": action.verdict or None,
        "outcome": action.outcome or None,
        "close_reason": action.close_reason,
        "closed_at": action.closed_at,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
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
