"""An objective, an action and an entry of their timelines as JSON: the one shape the API
answers (api/improvement_json.py adds the figures computed when asked) and webhooks carry
(improvement/announce.py) as `data.objective`, `data.action` and `data.change`.

Choices are their stored names, related rows are slugs, usernames or ids; dates and
times are left as Python values for the caller's JSON encoder (the API's renderer, or
the webhook's, which is the same DjangoJSONEncoder).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vocloop.improvement.models import Action, ImprovementEvent, Objective


def window_json(first: dt.date | None, last: dt.date | None) -> dict[str, Any] | None:
    if first is None or last is None:
        return None
    return {"from": first, "to": last}


def event_json(event: ImprovementEvent) -> dict[str, Any]:
    """An entry of the timeline: the API's TimelineOut."""
    return {
        "kind": event.kind,
        "summary": event.summary,
        "actor": event.actor_label,
        "created_at": event.created_at,
    }


def _scope_json(measured: Objective | Action) -> dict[str, Any]:
    touchpoint, measured_team = measured.touchpoint, measured.scope_team
    return {
        "metric": measured.metric,
        "touchpoint": touchpoint.slug if touchpoint is not None else None,
        "stage": measured.stage or None,
        "channel": measured.channel or None,
        "segment": measured.segment or None,
        "scope_team": measured_team.slug if measured_team is not None else None,
        "theme": measured.theme.slug if measured.theme is not None else None,
    }


def objective_json(objective: Objective) -> dict[str, Any]:
    """The objective without its status and timeline: the API's ObjectiveOut."""
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


def action_json(action: Action) -> dict[str, Any]:
    """The action without its check, tasks, cases and timeline: the API's ActionOut."""
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
