"""Quality objectives and improvement actions: list, read with their figures, write, act on.

Within the token's reach as cases are (accounts/scope.py): an objective or action of a
team beyond it is a 404, read or write; writing for such a team is a 403. Writes go
through improvement/services.py, whose refusals come back in their own words: a 409
when the action's state does not allow the change (it is closed, its check has
concluded), a 422 when the input is at fault. The POSTs take an Idempotency-Key as
feedback does (api/idempotency.py): a retry gets the first answer and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header, Query, Status

from vocloop.accounts.models import ApiScope
from vocloop.accounts.scope import CaseScope, token_scope
from vocloop.accounts.selectors import team_by_slug
from vocloop.api.auth import ApiRouter, requires_scope, token_of
from vocloop.api.errors import ApiError, ErrorOut, invalid
from vocloop.api.idempotency import (
    HEADER,
    KEY_MAX_LENGTH,
    Answer,
    answer_once,
    request_fingerprint,
)
from vocloop.api.improvement_input import (
    MAX_ID,
    action_event_apply,
    refused_in_words,
    service_fields,
)
from vocloop.api.improvement_json import action_detail_json, objective_detail_json
from vocloop.api.improvement_schemas import (
    ActionChange,
    ActionDetailOut,
    ActionEventIn,
    ActionEventOut,
    ActionIn,
    ActionListOut,
    ListFilters,
    ObjectiveChange,
    ObjectiveDetailOut,
    ObjectiveIn,
    ObjectiveListOut,
)
from vocloop.cases.timeline import Actor
from vocloop.improvement import services
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.representation import action_json, objective_json
from vocloop.improvement.selectors import actions_for, actions_overdue_first, objectives_for
from vocloop.lib.days import day_of

router = ApiRouter(tags=["improvement"])


WRITE = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}
# An action's writes may also meet its state: 409, with what would have to change first.
ACT = {**WRITE, 409: ErrorOut}
ONCE = (
    f" With an `{HEADER}` header, a retry with the same key and body gets the first "
    "answer (`Idempotent-Replayed: true`) and changes nothing; the same key with another "
    "body is a 422."
)


def _once(
    request: HttpRequest,
    response: HttpResponse,
    key: str | None,
    sent: Any,
    produce: Callable[[], dict[str, Any]],
) -> Status[dict[str, Any]]:
    """A created answer (201), or the one given before to this token for the key."""
    fingerprint = request_fingerprint({"path": request.path, "body": sent.model_dump(mode="json")})

    def created() -> Answer:
        # Stored as the client reads it: dates and times as JSON text.
        return Answer(201, json.loads(json.dumps(produce(), cls=DjangoJSONEncoder)))

    answer = answer_once(
        token=token_of(request),
        key=(key or "").strip() or None,
        fingerprint=fingerprint,
        produce=created,
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)


def _today() -> dt.date:
    return day_of(timezone.now())


def _actor(request: HttpRequest) -> Actor:
    return Actor.api(token_of(request).name)


def _scope(request: HttpRequest) -> CaseScope:
    return token_scope(token_of(request))


def _of_team(found: QuerySet[Any], filters: ListFilters) -> QuerySet[Any]:
    if not filters.team:
        return found
    team = team_by_slug(filters.team)
    if team is None:
        raise invalid("team", f"There is no team “{filters.team}”.")
    return found.filter(team=team)


def _objective_or_404(scope: CaseScope, pk: int) -> Objective:
    objective = objectives_for(scope).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if objective is None:
        raise ApiError(404, f"There is no objective {pk}.")
    return objective


def _action_or_404(scope: CaseScope, pk: int) -> Action:
    action = actions_for(scope).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if action is None:
        raise ApiError(404, f"There is no action {pk}.")
    return action


# Objectives


def _created(
    request: HttpRequest,
    response: HttpResponse,
    key: str | None,
    payload: Any,
    write: Callable[..., Any],
    as_json: Callable[..., dict[str, Any]],
) -> Status[dict[str, Any]]:
    """An objective or action written by its service from the request, answered once."""

    def create() -> dict[str, Any]:
        fields = service_fields(payload.model_dump(exclude_unset=True), _scope(request))
        with refused_in_words():
            written = write(actor=_actor(request), **fields)
        return as_json(written, today=_today())

    return _once(request, response, key, payload, create)


@router.get(
    "/objectives",
    response={200: ObjectiveListOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="objectives_list",
    auth=requires_scope(ApiScope.IMPROVEMENT_READ),
    by_alias=True,
    summary="List quality objectives",
    description="By due date. Page with `limit` (at most 200) and `offset`.",
)
def objectives_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    found = _of_team(objectives_for(_scope(request)), filters)
    page = found[filters.offset : filters.offset + filters.limit]
    return {"count": found.count(), "items": [objective_json(o) for o in page]}


@router.post(
    "/objectives",
    response={201: ObjectiveDetailOut, **WRITE},
    operation_id="objective_create",
    auth=requires_scope(ApiScope.IMPROVEMENT_WRITE),
    by_alias=True,
    summary="Set a quality objective",
    description="The answer is the objective with its status, computed from its metric." + ONCE,
)
def objective_create(
    request: HttpRequest,
    payload: ObjectiveIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias=HEADER, max_length=KEY_MAX_LENGTH),
) -> Status[dict[str, Any]]:
    return _created(
        request,
        response,
        idempotency_key,
        payload,
        services.objective_create,
        objective_detail_json,
    )


@router.get(
    "/objectives/{objective_id}",
    response={200: ObjectiveDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="objective_read",
    auth=requires_scope(ApiScope.IMPROVEMENT_READ),
    by_alias=True,
    summary="Read an objective with its status",
    description=(
        "`status` is computed when asked: met when the last eight whole weeks' interval "
        "lies wholly on the right side of the target; otherwise on track, at risk or off "
        "track from the weekly trend projected to the due date, with its prediction "
        "interval and the probability of reaching the target — or not enough data."
    ),
)
def objective_read(request: HttpRequest, objective_id: int) -> dict[str, Any]:
    objective = _objective_or_404(_scope(request), objective_id)
    return objective_detail_json(objective, today=_today())


@router.patch(
    "/objectives/{objective_id}",
    response={200: ObjectiveDetailOut, **WRITE},
    operation_id="objective_update",
    auth=requires_scope(ApiScope.IMPROVEMENT_WRITE),
    by_alias=True,
    summary="Change an objective",
    description="Only the fields sent change; each change lands on its timeline.",
)
def objective_update(
    request: HttpRequest, objective_id: int, payload: ObjectiveChange
) -> dict[str, Any]:
    scope = _scope(request)
    objective = _objective_or_404(scope, objective_id)
    fields = service_fields(payload.model_dump(exclude_unset=True), scope)
    with refused_in_words():
        services.objective_update(objective=objective, actor=_actor(request), **fields)
    return objective_detail_json(objective, today=_today())


# Actions


@router.get(
    "/actions",
    response={200: ActionListOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="actions_list",
    auth=requires_scope(ApiScope.IMPROVEMENT_READ),
    by_alias=True,
    summary="List improvement actions",
    description=(
        "By PDCA phase (plan, do, check, act, closed), the overdue first within each, then "
        "by due date. Page with `limit` (at most 200) and `offset`."
    ),
)
def actions_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    found = _of_team(actions_for(_scope(request)), filters)
    ordered = actions_overdue_first(found, _today())
    page = ordered[filters.offset : filters.offset + filters.limit]
    return {"count": found.count(), "items": [action_json(a) for a in page]}


@router.post(
    "/actions",
    response={201: ActionDetailOut, **WRITE},
    operation_id="action_create",
    auth=requires_scope(ApiScope.IMPROVEMENT_WRITE),
    by_alias=True,
    summary="Raise an improvement action",
    description="The answer is the action with its check, computed from its metric." + ONCE,
)
def action_create(
    request: HttpRequest,
    payload: ActionIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias=HEADER, max_length=KEY_MAX_LENGTH),
) -> Status[dict[str, Any]]:
    return _created(
        request, response, idempotency_key, payload, services.action_create, action_detail_json
    )


@router.get(
    "/actions/{action_id}",
    response={200: ActionDetailOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="action_read",
    auth=requires_scope(ApiScope.IMPROVEMENT_READ),
    by_alias=True,
    summary="Read an action with its check, tasks, cases and timeline",
    description=(
        "`check` is computed when asked: the scope's change less the rest of the "
        "organisation's (difference-in-differences), judged once, on the day the planned "
        "sample (`needed_n` responses after the change) is in. Until then `final` is "
        "false and `expected_ready_on` says when, at the current rate, it will be."
    ),
)
def action_read(request: HttpRequest, action_id: int) -> dict[str, Any]:
    return action_detail_json(_action_or_404(_scope(request), action_id), today=_today())


@router.patch(
    "/actions/{action_id}",
    response={200: ActionDetailOut, **ACT},
    operation_id="action_update",
    auth=requires_scope(ApiScope.IMPROVEMENT_WRITE),
    by_alias=True,
    summary="Change an action",
    description=(
        "Only the fields sent change. A closed action cannot change (but for its public "
        "words), and once its check has concluded, neither can what it measured: both "
        "are refused with 409."
    ),
)
def action_update(request: HttpRequest, action_id: int, payload: ActionChange) -> dict[str, Any]:
    scope = _scope(request)
    action = _action_or_404(scope, action_id)
    fields = service_fields(payload.model_dump(exclude_unset=True), scope)
    with refused_in_words():
        services.action_update(action=action, actor=_actor(request), **fields)
    return action_detail_json(action, today=_today())


@router.post(
    "/actions/{action_id}/events",
    response={201: ActionEventOut, **ACT},
    operation_id="action_event_create",
    auth=requires_scope(ApiScope.IMPROVEMENT_WRITE),
    by_alias=True,
    summary="Act on an action",
    description=(
        "What each `kind` needs:\n\n"
        "- `advance`: nothing; Plan → Do needs problem, change and expected_effect, "
        "Do → Check effective_from, Check → Act a concluded check\n"
        "- `close`: a `reason` of at least twenty characters, unless the check found the "
        "change effective (then it is standardised)\n"
        "- `task`: `title`, and optionally `owner` (username) and `due_on`\n"
        "- `task_done`: `task`, the task's id\n"
        "- `link_cases`: `cases`, a list of case references\n"
        "- `follow_up`: nothing, of a closed action; the answer is the new action (its "
        "`follows` names this one)\n"
        "- `reply_all`: `body`, one public reply sent to every open linked case within "
        "reach (on its timeline, and to its customer by email); the same words again "
        "reach only the cases that have not had them\n"
        "- `resolve_all`: `resolution` and a `root_cause` slug, resolving every open "
        "linked case within reach; each customer is asked whether they are satisfied\n\n"
        "Otherwise the answer is the updated action; `cases_reached` says how many cases "
        "a `reply_all` or `resolve_all` reached.\n\n"
        "What the action's state does not allow is refused with 409 and the reason: "
        "advancing before the phase's needs are met or once closed, closing, adding or "
        "finishing tasks and linking cases once closed, a follow-up of an open action, "
        "a reply or resolution with no open linked case in reach. Input at fault (an "
        "empty text, an unknown task, case or root cause) is a 422.\n\n" + ONCE.strip()
    ),
)
def action_event_create(
    request: HttpRequest,
    action_id: int,
    payload: ActionEventIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias=HEADER, max_length=KEY_MAX_LENGTH),
) -> Status[dict[str, Any]]:
    scope = _scope(request)
    action = _action_or_404(scope, action_id)

    def apply() -> dict[str, Any]:
        today = _today()
        applied = action_event_apply(
            action=action, event=payload, actor=_actor(request), scope=scope, today=today
        )
        answer = action_detail_json(applied.action, today=today)
        return answer | {"cases_reached": applied.cases_reached}

    return _once(request, response, idempotency_key, payload, apply)
