"""An improvement action's page and its buttons: edit the plan, tasks, advance the phase,
close, raise a follow-up.

Every button is a POST form that works without JavaScript: a success redirects back
to the page with a message (POST/redirect/GET); a refusal shows the page again with
the refused form and its error in words (a 400). An action out of the user's reach
is a 404, read or write, so that its number does not even confirm it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vocloop.accounts.scope import CaseScope, case_scope
from vocloop.cases.timeline import Actor
from vocloop.improvement import services
from vocloop.improvement.authority import may_steer_action
from vocloop.improvement.check import action_check
from vocloop.improvement.check_chart import check_drawing
from vocloop.improvement.forms import ActionForm, CloseForm, PublicWordsForm, TaskForm
from vocloop.improvement.linked import linked_page
from vocloop.improvement.models import Action
from vocloop.improvement.pages import attempt, keep_equal_floats, today
from vocloop.improvement.rapid_forms import ReplyAllForm, ResolveAllForm
from vocloop.improvement.selectors import actions_for, timeline_of
from vocloop.improvement.views import action_form
from vocloop.metrics.catalogue import METRICS
from vocloop.statistics.effect import EFFECTIVE


def _visible_action(request: HttpRequest, pk: int) -> tuple[Action, CaseScope]:
    scope = case_scope(request.user)
    return get_object_or_404(actions_for(scope), pk=pk), scope


def _render_action(
    request: HttpRequest,
    action: Action,
    scope: CaseScope,
    bound: dict[str, forms.Form] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    open_ = action.phase != Action.Phase.CLOSED
    built: dict[str, forms.Form] = {
        "plan": action_form(scope, initial=ActionForm.initial_of(action)),
        "task": TaskForm(),
        "close": CloseForm(),
        "advance": forms.Form(),
        "public": PublicWordsForm(initial=PublicWordsForm.initial_of(action)),
        "reply_all": ReplyAllForm(),
        "resolve_all": ResolveAllForm(),
    } | (bound or {})
    check = action_check(action, today=today())
    steers = may_steer_action(request.user, action)
    context = {
        "action": action,
        "open": open_,
        "check": check,
        "check_drawing": check_drawing(check, action.metric),
        "metric": METRICS[action.metric],
        "tasks": action.tasks.select_related("owner"),
        "open_tasks": action.tasks.filter(done_at__isnull=True).count(),
        **linked_page(action, scope),
        "timeline": timeline_of(action=action),
        "follow_ups": actions_for(scope).filter(follows=action),
        "may_follow_up": steers and services.may_follow_up(action),
        "steers": steers,
        "effective": action.verdict == EFFECTIVE,
        "page": "actions",
        **{f"{name}_form": form for name, form in built.items()},
    }
    return render(request, "improvement/action_detail.html", context, status=status)


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action, scope = _visible_action(request, pk)
    return _render_action(request, action, scope)


# One button of the action page: the bound form, and the write that returns what to say
# and the action to show next (a follow-up's own page, else the same action).
Write = Callable[[Action, forms.Form, Actor], tuple[str, Action]]


def _act(request: HttpRequest, pk: int, name: str, form: forms.Form, write: Write) -> HttpResponse:
    action, scope = _visible_action(request, pk)
    actor = Actor.staff(request.user)
    done = attempt(form, lambda: write(action, form, actor)) if form.is_valid() else None
    if done is None:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, "Nothing was changed: " + " ".join(problems))
        action.refresh_from_db()
        return _render_action(request, action, scope, {name: form}, status=400)
    said, shown = done
    messages.success(request, said)
    return redirect("improvement:action", pk=shown.pk)


@login_required
@require_POST
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = case_scope(request.user)

    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        assert isinstance(form, ActionForm)
        values = keep_equal_floats(action, form.values())
        services.action_update(action=action, actor=actor, **values)
        return "The plan is saved.", action

    return _act(request, pk, "plan", action_form(scope, request.POST), write)


@login_required
@require_POST
def action_advance(request: HttpRequest, pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        services.action_advance(action=action, actor=actor, today=today())
        return f"The action is now in {action.get_phase_display()}.", action

    return _act(request, pk, "advance", forms.Form(request.POST), write)


@login_required
@require_POST
def action_close(request: HttpRequest, pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        services.action_close(action=action, actor=actor, reason=form.cleaned_data["reason"])
        return f"The action is closed: {action.get_outcome_display().lower()}.", action

    return _act(request, pk, "close", CloseForm(request.POST), write)


@login_required
@require_POST
def action_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        follow = services.action_follow_up(action=action, actor=actor)
        return "A follow-up action was raised on the same problem.", follow

    return _act(request, pk, "follow_up", forms.Form(request.POST), write)


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        data: dict[str, Any] = form.cleaned_data
        services.action_task_add(action=action, actor=actor, **data)
        return f"Task added: {data['title']}.", action

    return _act(request, pk, "task", TaskForm(request.POST), write)


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        task = get_object_or_404(action.tasks, pk=task_pk)
        services.action_task_done(task=task, actor=actor)
        return f"Task done: {task.title}.", action

    return _act(request, pk, "task_done", forms.Form(request.POST), write)


@login_required
@require_POST
def action_public_words(request: HttpRequest, pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        services.action_update(action=action, actor=actor, **form.cleaned_data)
        if not action.public:
            shown = "not shown on the public page"
        elif action.outcome == Action.Outcome.STANDARDISED:
            shown = "shown on the public page"
        else:
            shown = "to be shown on the public page once the action is standardised"
        return f"“You said, we did” is saved, {shown}.", action

    return _act(request, pk, "public", PublicWordsForm(request.POST), write)
