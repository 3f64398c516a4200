"""The rapid response: one problem, many cases, answered once on the action.

A public reply written on the action goes to each open linked case through the case's
own service (cases.services.case_reply: its timeline, its customer's email through the
outbox), and the action's open cases are resolved with one summary and root cause
(cases.services.case_resolve: each customer is still asked whether they are satisfied).
Only the cases the actor may act on are touched, and of those only the ones within the
scope given (an API token acting for a person reaches that person's teams' cases); the
others are left to their teams. With no open linked case in reach there is nothing to
do: a conflict with the action's state (ImprovementConflict), not bad input.

A reply carries a key (the form's, else one made from its words): sending it again, a
retry or a second click, reaches only the cases that have not had it yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import transaction

from vocloop.accounts.scope import CaseScope
from vocloop.cases.models import OPEN_STATUSES, Case, RootCause
from vocloop.cases.services import CaseActionRefused, can_act_on, case_reply, case_resolve
from vocloop.cases.timeline import Actor
from vocloop.improvement.models import Action, ImprovementEvent
from vocloop.improvement.services import (
    ImprovementConflict,
    ImprovementError,
    improvement_event_record,
)

REPLY_ALL = "reply_all"
RESOLVE_ALL = "resolve_all"


def reply_key(body: str) -> str:
    """The key of a reply sent without one: the same words are the same reply."""
    return hashlib.sha256(body.strip().encode()).hexdigest()[:32]


def _open_cases_in_reach(action: Action, actor: Actor, scope: CaseScope | None) -> list[Case]:
    linked = action.cases.filter(status__in=OPEN_STATUSES).select_related("team")
    if scope is not None:
        linked = linked.filter(scope.within())
    return [c for c in linked.order_by("opened_at", "pk") if can_act_on(actor, c)]


def _each(cases: list[Case], write: Callable[[Case], object]) -> list[Case]:
    """Write to each case; a case refused (it changed meanwhile) is skipped. When every
    case refuses, the refusal is the input's (an empty or unfinished text): said as is."""
    done, refusals = [], []
    for case in cases:
        try:
            write(case)
        except CaseActionRefused as refusal:
            refusals.append(str(refusal))
        else:
            done.append(case)
    if refusals and not done:
        raise ImprovementError(refusals[0])
    return done


def _cases(n: int) -> str:
    return f"{n} linked case{'s' if n != 1 else ''}"


def _on_timeline(
    action: Action, actor: Actor, kind: str, summary: str, data: dict[str, Any]
) -> None:
    # On the action's timeline, and to its webhooks (action.updated) as every change is.
    improvement_event_record(actor, kind, summary, action=action, data=data)


def _locked(action: Action) -> Action:
    """The action's row locked, so that two sends of one form run one after the other."""
    return Action.objects.select_for_update().get(pk=action.pk)


@transaction.atomic
def action_reply_all(
    *, action: Action, body: str, actor: Actor, key: str = "", scope: CaseScope | None = None
) -> int:
    """Send one public reply to every open linked case within the actor's reach, once per
    case for a key; how many cases it was sent to now."""
    body = body.strip()
    if not body:
        raise ImprovementError("A reply needs some text.")
    key = key or reply_key(body)
    action = _locked(action)
    cases = _open_cases_in_reach(action, actor, scope)
    if not cases:
        raise ImprovementConflict(
            "No linked case you work on is open: there is nobody to reply to."
        )
    earlier = ImprovementEvent.objects.filter(action=action, kind=REPLY_ALL, data__key=key)
    had_it = {pk for event in earlier for pk in event.data.get("cases", [])}
    waiting = [c for c in cases if c.pk not in had_it]
    sent = _each(waiting, lambda c: case_reply(case=c, body=body, actor=actor))
    if sent:
        summary = f"Public reply sent to {_cases(len(sent))}: {body}"
        _on_timeline(action, actor, REPLY_ALL, summary, {"key": key, "cases": [c.pk for c in sent]})
    return len(sent)


@transaction.atomic
def action_cases_resolve(
    *,
    action: Action,
    resolution: str,
    root_cause: RootCause | None,
    actor: Actor,
    scope: CaseScope | None = None,
) -> int:
    """Resolve every open linked case within the actor's reach with one summary and root
    cause; how many were resolved. Cases already resolved or closed are left as they are."""
    if not resolution.strip():
        raise ImprovementError("Say how the cases were resolved: each customer reads this summary.")
    if root_cause is None:
        raise ImprovementError("Choose a root cause.")
    action = _locked(action)
    cases = _open_cases_in_reach(action, actor, scope)
    if not cases:
        raise ImprovementConflict(
            "No linked case you work on is open: there is nothing to resolve."
        )
    resolved = _each(
        cases,
        lambda c: case_resolve(case=c, resolution=resolution, root_cause=root_cause, actor=actor),
    )
    summary = f"{_cases(len(resolved))} resolved ({root_cause.name}): {resolution.strip()}"
    data = {"cases": [c.pk for c in resolved], "root_cause": root_cause.slug}
    _on_timeline(action, actor, RESOLVE_ALL, summary, data)
    return len(resolved)
