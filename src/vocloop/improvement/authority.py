"""Who may steer an objective or an action, as opposed to working on it.

Everyone in reach of an action works on it: adds and finishes tasks, links cases,
replies to its customers. Its plan, its phase, its close and what is published about
it are its owner's, its team lead's and the quality managers' — an action closed as
effective is a claim the organisation makes, not one any member of the team can make
alone. An objective is the organisation's commitment: quality managers and the lead
of its team set and change it; its owner and they review it.

Writes from the API are in the reach of their token (accounts/scope.py) and are not
judged here; writes by staff are, in the services, whatever page they come from.
"""

from __future__ import annotations

from typing import Any

from vocloop.accounts import roles
from vocloop.cases.models import CaseEvent
from vocloop.cases.timeline import Actor
from vocloop.improvement.errors import ImprovementRefused
from vocloop.improvement.models import Action, Objective


def _leads(user: Any, team_id: int | None) -> bool:
    return team_id is not None and team_id in set(user.led_teams.values_list("id", flat=True))


def may_steer_action(user: Any, action: Action) -> bool:
    """Change the plan, advance, close, follow up, publish: the owner, the team's lead,
    a quality manager."""
    if roles.is_quality_manager(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return action.owner_id == user.pk or _leads(user, action.team_id)


def may_set_objective_for(user: Any, team_id: int | None) -> bool:
    """Set or change an objective of this team: a quality manager, or the team's lead."""
    if roles.is_quality_manager(user):
        return True
    return getattr(user, "is_authenticated", False) and _leads(user, team_id)


def may_review_objective(user: Any, objective: Objective) -> bool:
    """Its owner reviews an objective, as may those who set it."""
    if getattr(user, "is_authenticated", False) and objective.owner_id == user.pk:
        return True
    return may_set_objective_for(user, objective.team_id)


def staff_user(actor: Actor) -> Any:
    """The person behind a staff write; None for the API, the customer or vocloop."""
    return actor.user if actor.kind == CaseEvent.Actor.STAFF else None


def require_steer(actor: Actor, action: Action) -> None:
    user = staff_user(actor)
    if user is not None and not may_steer_action(user, action):
        raise ImprovementRefused(
            "Only the action's owner, its team's lead or a quality manager may do this."
        )


def require_set(actor: Actor, team_id: int | None) -> None:
    user = staff_user(actor)
    if user is not None and not may_set_objective_for(user, team_id):
        raise ImprovementRefused(
            "Only a quality manager or the lead of the objective's team may set or change it."
        )


def require_review(actor: Actor, objective: Objective) -> None:
    user = staff_user(actor)
    if user is not None and not may_review_objective(user, objective):
        raise ImprovementRefused(
            "Only the objective's owner, its team's lead or a quality manager may review it."
        )
