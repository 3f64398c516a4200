"""Webhooks for the changes of objectives and actions, queued in the change's transaction.

Every write of services.py records an ImprovementEvent and hands it here: the kind of
the entry says which webhook event it is, and the outbox row for each subscription
that asked for that event commits with the change or not at all (as a case's do,
notifications/events.py). The payload is the objective or action in the API's shape
(representation.py) as it stands after the change, and the entry itself as `change`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from vocloop.improvement.models import Action, ImprovementEvent, Objective
from vocloop.improvement.representation import action_json, event_json, objective_json
from vocloop.notifications.webhooks import webhook_enqueue

OBJECTIVE_EVENTS = {"created": "objective.created", "reviewed": "objective.reviewed"}
OBJECTIVE_UPDATED = "objective.updated"
ACTION_EVENTS = {
    "raised": "action.raised",
    "phase": "action.phase_changed",
    "verdict": "action.checked",
    "closed": "action.closed",
}
# Anything else on an action's timeline (its plan edited, a task, cases linked, a
# follow-up raised, a reply to its cases) changes the action: action.updated.
ACTION_UPDATED = "action.updated"
IMPROVEMENT_WEBHOOK_EVENTS = (
    *OBJECTIVE_EVENTS.values(),
    OBJECTIVE_UPDATED,
    *ACTION_EVENTS.values(),
    ACTION_UPDATED,
)


def webhook_event_of(entry: ImprovementEvent) -> str:
    if entry.action_id is not None:
        return ACTION_EVENTS.get(entry.kind, ACTION_UPDATED)
    return OBJECTIVE_EVENTS.get(entry.kind, OBJECTIVE_UPDATED)


def _ready_for_json(value: dict[str, Any]) -> dict[str, Any]:
    """Dates and times written as the API writes them (its renderer is a DjangoJSONEncoder)."""
    loaded: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return loaded


def _payload(entry: ImprovementEvent, event: str) -> dict[str, Any]:
    # Read again rather than taken from the caller: the stored values, as the API
    # would answer them (a target given as 40 reads 40.0).
    related = ("team", "owner", "touchpoint", "scope_team")
    data: dict[str, Any]
    if entry.action_id is not None:
        action = Action.objects.select_related(*related).get(pk=entry.action_id)
        data = {"action": action_json(action)}
    else:
        objective = Objective.objects.select_related(*related).get(events=entry)
        data = {"objective": objective_json(objective)}
    data["change"] = event_json(entry)
    return _ready_for_json(
        {
            "event": event,
            "id": f"improvement-event-{entry.pk}",
            "occurred_at": entry.created_at,
            "data": data,
        }
    )


def _chat_text(entry: ImprovementEvent) -> str:
    if entry.action_id is not None:
        action = entry.action
        assert action is not None
        return f"Action {action.pk} “{action.title}” ({action.team.name}): {entry.summary}"
    objective = entry.objective
    assert objective is not None
    return f"Objective {objective.pk} “{objective.title}” ({objective.team.name}): {entry.summary}"


def improvement_event_announce(entry: ImprovementEvent) -> None:
    """Queue the webhook the entry causes, once for each subscription that asked for it."""
    event = webhook_event_of(entry)
    webhook_enqueue(
        event=event,
        payload=lambda: _payload(entry, event),
        chat_text=_chat_text(entry),
    )
