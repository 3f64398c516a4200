"""Staff pages of the improvement section: the actions list and the objectives.

Reads go through improvement/selectors.py, scoped as cases are (a member of staff
sees their teams' objectives and actions, team leads and quality managers all); an
objective out of reach is a 404, read or write. Writes go through
improvement/services.py; its refusal is shown as the form's error, with the form
as it was filled in (a 400). The action's own page is in action_views.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vocloop.accounts.scope import CaseScope, case_scope
from vocloop.cases.timeline import Actor
from vocloop.improvement import services
from vocloop.improvement.authority import may_review_objective, may_set_objective_for
from vocloop.improvement.forms import ActionForm, ObjectiveForm, ReviewForm
from vocloop.improvement.models import Objective
from vocloop.improvement.pages import (
    attempt,
    by_phase,
    keep_equal_floats,
    may_set_objectives,
    objective_teams_for,
    teams_for,
    today,
)
from vocloop.improvement.reviews import review_states, reviews_of
from vocloop.improvement.selectors import (
    actions_for,
    actions_overdue_first,
    objectives_for,
    timeline_of,
)
from vocloop.improvement.status import objective_status
from vocloop.metrics.catalogue import METRICS

NOT_SET = "Nothing was saved: see the form below."
REVIEWS_REFUSED = "An objective is reviewed by its owner, its team's lead and quality managers."
OBJECTIVES_REFUSED = (
    "Objectives are set by quality managers and the lead of their team; ask yours to set or "
    "change one."
)


@login_required
@require_GET
def actions(request: HttpRequest) -> HttpResponse:
    scope = case_scope(request.user)
    day = today()
    listed = actions_overdue_first(actions_for(scope), day)
    context = {"groups": by_phase(listed, day), "page": "actions"}
    return render(request, "improvement/actions.html", context)


def _objective_form(
    request: HttpRequest, scope: CaseScope, data: Any = None, **kwargs: Any
) -> ObjectiveForm:
    return ObjectiveForm(data, teams=objective_teams_for(request.user, scope), **kwargs)


def _render_objectives(
    request: HttpRequest, scope: CaseScope, form: ObjectiveForm | None = None, status: int = 200
) -> HttpResponse:
    day = today()
    listed = list(objectives_for(scope))
    reviews = review_states(listed, today=day)
    rows = [(o, objective_status(o, today=day), reviews[o.pk]) for o in listed]
    may_set = may_set_objectives(request.user)
    context = {
        "rows": rows,
        "form": form or (_objective_form(request, scope) if may_set else None),
        "page": "objectives",
    }
    return render(request, "improvement/objectives.html", context, status=status)


@login_required
@require_GET
def objectives(request: HttpRequest) -> HttpResponse:
    return _render_objectives(request, case_scope(request.user))


@login_required
@require_POST
def objective_new(request: HttpRequest) -> HttpResponse:
    if not may_set_objectives(request.user):
        raise PermissionDenied(OBJECTIVES_REFUSED)
    scope = case_scope(request.user)
    form = _objective_form(request, scope, request.POST)
    actor = Actor.staff(request.user)
    objective = None
    if form.is_valid():
        objective = attempt(form, lambda: services.objective_create(actor=actor, **form.values()))
    if objective is None:
        messages.error(request, NOT_SET)
        return _render_objectives(request, scope, form, status=400)
    messages.success(request, f"Objective set: {objective.title}.")
    return redirect("improvement:objective", pk=objective.pk)


def _visible_objective(request: HttpRequest, pk: int) -> tuple[Objective, CaseScope]:
    scope = case_scope(request.user)
    return get_object_or_404(objectives_for(scope), pk=pk), scope


def _render_objective(
    request: HttpRequest,
    objective: Objective,
    scope: CaseScope,
    form: ObjectiveForm | None = None,
    status: int = 200,
    review_form: ReviewForm | None = None,
) -> HttpResponse:
    day = today()
    may_set = may_set_objective_for(request.user, objective.team_id)
    if form is None and may_set:
        form = _objective_form(request, scope, initial=ObjectiveForm.initial_of(objective))
    reading = objective_status(objective, today=day)
    may_review = may_review_objective(request.user, objective)
    if review_form is None and may_review:
        review_form = ReviewForm()
    # A weekly point stands on its week's Thursday: the table names the week by its Monday.
    weeks = [
        ((dt.date.fromordinal(int(p.day)) - dt.timedelta(days=3)).isoformat(), p)
        for p in reversed(reading.series)
    ]
    planned = actions_overdue_first(actions_for(scope).filter(objective=objective), day)
    context = {
        "objective": objective,
        "status": reading,
        "series": weeks,
        "metric": METRICS[objective.metric],
        "actions": list(planned),
        "timeline": timeline_of(objective=objective),
        "review": review_states([objective], today=day)[objective.pk],
        "reviews": reviews_of(objective),
        "review_form": review_form,
        "form": form,
        "page": "objectives",
    }
    return render(request, "improvement/objective_detail.html", context, status=status)


@login_required
@require_GET
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective, scope = _visible_objective(request, pk)
    return _render_objective(request, objective, scope)


@login_required
@require_POST
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective, scope = _visible_objective(request, pk)
    if not may_set_objective_for(request.user, objective.team_id):
        raise PermissionDenied(OBJECTIVES_REFUSED)
    form = _objective_form(request, scope, request.POST)
    actor = Actor.staff(request.user)
    done = None
    if form.is_valid():
        values = keep_equal_floats(objective, form.values())
        done = attempt(
            form,
            lambda: services.objective_update(objective=objective, actor=actor, **values),
        )
    if done is None:
        messages.error(request, NOT_SET)
        objective.refresh_from_db()
        return _render_objective(request, objective, scope, form, status=400)
    messages.success(request, "The objective is saved.")
    return redirect("improvement:objective", pk=objective.pk)


def action_form(scope: CaseScope, data: Any = None, **kwargs: Any) -> ActionForm:
    return ActionForm(data, teams=teams_for(scope), objectives=objectives_for(scope), **kwargs)


@login_required
@require_POST
def objective_review(request: HttpRequest, pk: int) -> HttpResponse:
    objective, scope = _visible_objective(request, pk)
    if not may_review_objective(request.user, objective):
        raise PermissionDenied(REVIEWS_REFUSED)
    form = ReviewForm(request.POST)
    actor = Actor.staff(request.user)
    done = None
    if form.is_valid():
        done = attempt(
            form,
            lambda: services.objective_review(
                objective=objective, actor=actor, today=today(), **form.cleaned_data
            ),
        )
    if done is None:
        messages.error(request, "The review was not recorded: see its form below.")
        return _render_objective(request, objective, scope, review_form=form, status=400)
    messages.success(request, "The review is recorded.")
    return redirect("improvement:objective", pk=objective.pk)
