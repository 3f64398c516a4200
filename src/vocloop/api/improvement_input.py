"""Posted objectives, actions and action events turned into the improvement services' terms.

Names the client sends (a team's slug, a username, a touch point's slug, case
references) become the records they name, within the token's reach; what the
services refuse comes back in their sentence: a 409 when the action's state does not
allow it (ImprovementConflict), a 422 for anything else (ImprovementError).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vocloop.accounts.models import Team
from vocloop.accounts.scope import CaseScope
from vocloop.accounts.selectors import people_named, team_by_slug
from vocloop.api.case_events import root_cause_named
from vocloop.api.errors import ApiError, invalid
from vocloop.api.improvement_schemas import ActionEventIn
from vocloop.api.metrics import SEGMENTS
from vocloop.cases.timeline import Actor
from vocloop.improvement import rapid, services
from vocloop.improvement.models import Action, Objective
from vocloop.improvement.selectors import objectives_for
from vocloop.improvement.services import ImprovementConflict, ImprovementError
from vocloop.insights.models import Theme
from vocloop.listening.selectors import touchpoint_by_slug

# The largest id a database keeps (a bigger number names nothing: it is not asked).
MAX_ID = 2**63 - 1
# Empty text rather than null in the models: null sent for these clears them.
BLANK_WHEN_NULL = {
    "stage",
    "channel",
    "segment",
    "dimension",
    "want",
    "cause_category",
    "problem",
    "change",
}
# Required by the models: null sent for these is refused.
NOT_EMPTIED = frozenset(
    [
        "metric",
        "title",
        "team",
        "owner",
        "due_on",
        "target",
        "direction",
        "kind",
        "review_cadence",
        "baseline",
    ]
)
# Days the windows can count weeks back and forth from without leaving the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2999
WINDOWS = {"baseline", "before", "after"}


@contextmanager
def refused_in_words() -> Iterator[None]:
    """The services' refusal with their sentence as it is: 409 for a conflict with the
    action's state, 422 for input they cannot take."""
    try:
        yield
    except ImprovementConflict as exc:
        raise ApiError(409, str(exc)) from exc
    except ImprovementError as exc:
        raise ApiError(422, str(exc)) from exc


def team_in_reach(slug: str, scope: CaseScope) -> Team:
    team = team_by_slug(slug)
    if team is None:
        raise invalid("team", f"There is no team “{slug}”.")
    if not scope.sees_all and team.pk not in scope.team_ids:
        # Teams are listed to every token (GET /teams): naming one is no secret, but
        # writing for it is beyond a person who is not in it.
        raise ApiError(403, f"This token cannot act for the team “{slug}”.", {"team": "Not yours."})
    return team


def user_named(name: str, field: str) -> Any:
    people = people_named(name)
    if len(people) != 1:
        raise invalid(field, f"There is no user “{name}”; give a username.")
    return people[0]


def _objective_in_reach(pk: int, scope: CaseScope) -> Objective:
    objective = objectives_for(scope).filter(pk=pk).first() if abs(pk) <= MAX_ID else None
    if objective is None:
        raise invalid("objective", f"There is no objective {pk}.")
    return objective


def service_fields(sent: dict[str, Any], scope: CaseScope) -> dict[str, Any]:
    """The fields a client sent (exclude_unset) as the services' keyword arguments."""
    fields: dict[str, Any] = {}
    for name, value in sent.items():
        if name in WINDOWS:
            window = value or {}
            fields[f"{name}_from"] = window.get("date_from")
            fields[f"{name}_to"] = window.get("date_to")
        elif name == "touchpoint":
            fields[name] = None if value is None else _touchpoint(value)
        elif name == "theme":
            fields[name] = None if value is None else _theme(value)
        elif name == "team":
            fields[name] = None if value is None else team_in_reach(value, scope)
        elif name == "scope_team":  # only measured: any team may be named
            fields[name] = None if value is None else _team_measured(value)
        elif name == "owner":
            fields[name] = None if value is None else user_named(value, "owner")
        elif name == "objective":
            fields[name] = None if value is None else _objective_in_reach(value, scope)
        elif name == "segment" and value is not None and value not in SEGMENTS:
            raise invalid("segment", f"Segment must be one of {', '.join(SEGMENTS)}.")
        elif name in BLANK_WHEN_NULL:
            fields[name] = value or ""
        elif name == "whys":
            fields[name] = value or []
        else:
            fields[name] = value
    for name, value in fields.items():
        if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise invalid(name, f"Give a date between {FIRST_YEAR} and {LAST_YEAR}.")
    for name in sorted(NOT_EMPTIED & set(sent)):
        if sent[name] is None:
            raise invalid(name, f"{name.replace('_', ' ').capitalize()} cannot be emptied.")
    return fields


def _touchpoint(slug: str) -> Any:
    touchpoint = touchpoint_by_slug(slug)
    if touchpoint is None:
        raise invalid("touchpoint", f"There is no touch point “{slug}”.")
    return touchpoint


def _team_measured(slug: str) -> Team:
    team = team_by_slug(slug)
    if team is None:
        raise invalid("scope_team", f"There is no team “{slug}”.")
    return team


def _theme(slug: str) -> Theme:
    theme = Theme.objects.filter(slug=slug).first()
    if theme is None:
        raise invalid("theme", f"There is no theme “{slug}”.")
    return theme


def _needed(value: Any, field: str, why: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid(field, why)
    return value


@dataclass(frozen=True)
class Applied:
    action: Action  # the action to answer with: for follow_up, the new one
    cases_reached: int | None = None  # reply_all, resolve_all: the cases it reached


def _to_linked_cases(action: Action, event: ActionEventIn, actor: Actor, scope: CaseScope) -> int:
    """reply_all or resolve_all: how many of the open linked cases within reach it reached."""
    if event.kind == "reply_all":
        body = _needed(event.body, "body", "reply_all needs a body: the reply customers read.")
        return rapid.action_reply_all(action=action, body=body, actor=actor, scope=scope)
    resolution = _needed(
        event.resolution, "resolution", "resolve_all needs a resolution each customer reads."
    )
    slug = _needed(event.root_cause, "root_cause", "resolve_all needs a root_cause slug.")
    return rapid.action_cases_resolve(
        action=action,
        resolution=resolution,
        root_cause=root_cause_named(slug),
        actor=actor,
        scope=scope,
    )


def action_event_apply(
    *, action: Action, event: ActionEventIn, actor: Actor, scope: CaseScope, today: Any
) -> Applied:
    """Apply the event; the action to answer with and, for the rapid response, how many
    cases it reached."""
    with refused_in_words():
        if event.kind in ("reply_all", "resolve_all"):
            return Applied(action, _to_linked_cases(action, event, actor, scope))
        if event.kind == "advance":
            services.action_advance(action=action, actor=actor, today=today)
        elif event.kind == "close":
            services.action_close(action=action, actor=actor, reason=event.reason or "")
        elif event.kind == "task":
            title = _needed(event.title, "title", "A task needs a title: what is to be done.")
            owner = user_named(event.owner, "owner") if event.owner else None
            services.action_task_add(
                action=action, actor=actor, title=title, owner=owner, due_on=event.due_on
            )
        elif event.kind == "task_done":
            pk = _needed(event.task, "task", "task_done needs the task's id.")
            task = action.tasks.filter(pk=pk).first() if abs(pk) <= MAX_ID else None
            if task is None:
                raise invalid("task", f"The action has no task {pk}.")
            services.action_task_done(task=task, actor=actor)
        elif event.kind == "link_cases":
            references = _needed(event.cases, "cases", "link_cases needs case references.")
            if any("\x00" in r for r in references):  # PostgreSQL cannot compare it
                raise invalid("cases", "A case reference cannot contain a NUL character.")
            cases = list(scope.cases().filter(reference__in=references))
            missing = sorted(set(references) - {c.reference for c in cases})
            if missing:
                raise invalid("cases", f"There is no case {', '.join(missing)}.")
            services.action_cases_link(action=action, cases=cases, actor=actor)
        else:  # "follow_up"
            return Applied(services.action_follow_up(action=action, actor=actor))
    return Applied(action)
