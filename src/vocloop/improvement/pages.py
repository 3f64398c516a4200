"""What the improvement pages read beyond the selectors: grouping, the check as shown,
and the plumbing every page's form shares (who may set objectives, which teams a form
offers, how a refusal becomes a form error)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from vocloop.accounts import roles
from vocloop.accounts.models import Team
from vocloop.accounts.scope import CaseScope
from vocloop.improvement.errors import ImprovementError, ImprovementRefused
from vocloop.improvement.models import Action
from vocloop.lib.busy import DatabaseBusy, refused_when_busy
from vocloop.lib.days import day_of

T = TypeVar("T")


def today() -> dt.date:
    return day_of(timezone.now())


def may_set_objectives(user: Any) -> bool:
    """Objectives are the organisation's commitments: set by quality managers and team leads."""
    return roles.is_quality_manager(user) or roles.is_team_lead(user)


def teams_for(scope: CaseScope) -> QuerySet[Team]:
    """The teams a form may give an action to: the user's own, or all."""
    teams = Team.objects.order_by("name")
    return teams if scope.sees_all else teams.filter(pk__in=scope.team_ids)


def objective_teams_for(user: Any, scope: CaseScope) -> QuerySet[Team]:
    """The teams a form may give an objective to: all for a quality manager, the teams
    they lead for a team lead (improvement/authority.py)."""
    if roles.is_quality_manager(user):
        return teams_for(scope)
    return Team.objects.filter(lead=user).order_by("name")


@dataclass(frozen=True)
class PhaseGroup:
    phase: Action.Phase
    actions: list[Action]


def by_phase(actions: Iterable[Action], day: dt.date) -> list[PhaseGroup]:
    """Actions already in actions_overdue_first's order, under their phase's heading;
    each action is marked `overdue` for the page."""
    groups: dict[str, list[Action]] = {p.value: [] for p in Action.Phase}
    for action in actions:
        action.overdue = action.phase != Action.Phase.CLOSED and action.due_on < day  # type: ignore[attr-defined]
        groups[action.phase].append(action)
    return [PhaseGroup(Action.Phase(p), found) for p, found in groups.items()]


def keep_equal_floats(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A figure typed in per cent comes back as a fraction that may differ from the stored
    one in its last bit: keep the stored one, so that an untouched field is unchanged
    (a concluded check refuses any change to what it measured)."""
    for name, value in values.items():
        old = getattr(instance, name, None)
        if isinstance(value, float) and isinstance(old, float) and math.isclose(value, old):
            values[name] = old
    return values


def attempt(form: forms.Form, write: Callable[[], T]) -> T | None:
    """Run a service's write; its refusal (or a busy database) becomes the form's error."""
    try:
        with refused_when_busy():
            return write()
    except ImprovementRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except ImprovementError as refusal:
        form.add_error(None, str(refusal))
    except DatabaseBusy:
        form.add_error(
            None, "The system is busy for a moment: nothing was saved. Please send it again."
        )
    return None
