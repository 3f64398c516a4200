"""Reads of objectives and actions, scoped as cases are: staff see their teams', quality
managers (and integrations' API tokens) everything."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When

from vocloop.accounts.scope import CaseScope
from vocloop.improvement.models import Action, ImprovementEvent, Objective

PHASE_ORDER = [p.value for p in Action.Phase]


def objectives_for(scope: CaseScope) -> QuerySet[Objective]:
    found = Objective.objects.select_related("team", "owner", "touchpoint", "scope_team", "theme")
    return found if scope.sees_all else found.filter(team_id__in=scope.team_ids)


def actions_for(scope: CaseScope) -> QuerySet[Action]:
    found = Action.objects.select_related(
        "team", "owner", "touchpoint", "scope_team", "objective", "theme"
    )
    return found if scope.sees_all else found.filter(team_id__in=scope.team_ids)


def actions_overdue_first(actions: QuerySet[Action], today: dt.date) -> QuerySet[Action]:
    """Open actions by PDCA phase, the overdue first within each, then by due date."""
    overdue = When_(
        When(due_on__lt=today, phase__in=PHASE_ORDER[:-1], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    phase = When_(
        *(When(phase=p, then=Value(i)) for i, p in enumerate(PHASE_ORDER)),
        output_field=IntegerField(),
    )
    return actions.annotate(_phase=phase, _overdue=overdue).order_by(
        "_phase", "_overdue", "due_on", "id"
    )


def timeline_of(
    *, objective: Objective | None = None, action: Action | None = None
) -> QuerySet[ImprovementEvent]:
    if objective is not None:
        return objective.events.select_related("actor")
    assert action is not None
    return action.events.select_related("actor")
