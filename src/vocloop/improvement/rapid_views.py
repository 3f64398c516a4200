"""Pages of the rapid response: link a case, a theme's open cases or those of a group of
similar comments to an action; reply to all of an action's open cases and resolve them
from the action's page.

A case, a feedback, a theme's cases or an action out of the user's reach is a 404 (or
not among the choices), as everywhere on the staff pages. A refusal shows the form again with its
error in words (a 400); a success redirects back with a message.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from vocloop.accounts.scope import CaseScope, case_scope
from vocloop.cases.models import OPEN_STATUSES, Case
from vocloop.cases.selectors import case_for_staff
from vocloop.cases.timeline import Actor
from vocloop.improvement import rapid, services
from vocloop.improvement.action_views import _act
from vocloop.improvement.linked import (
    actions_of_case,
    cases_listed,
    open_actions_for,
    similar_open_cases,
    theme_open_cases,
)
from vocloop.improvement.models import Action
from vocloop.improvement.pages import attempt
from vocloop.improvement.rapid_forms import (
    CaseLinkForm,
    CasesLinkForm,
    ReplyAllForm,
    ResolveAllForm,
    SimilarLinkForm,
    ThemeLinkForm,
)
from vocloop.insights.models import Theme
from vocloop.insights.selectors import visible_feedback

NOT_LINKED = "Nothing was linked: see the form below."
LINK_ALL = "link_all"  # the name of the button that links every listed open case


def _back_to(request: HttpRequest, page: str) -> str:
    """The page the form was sent from, with its filters, if it is that page; else the page."""
    asked = request.POST.get("back", "") or request.GET.get("back", "")
    if asked.startswith(page) and url_has_allowed_host_and_scheme(
        asked, allowed_hosts=None, require_https=False
    ):
        return asked
    return page


ALREADY_SENT = "This reply had gone to every open linked case already: none got it twice."


def _cases(n: int) -> str:
    return f"{n} case{'s' if n != 1 else ''}"


@login_required
@require_http_methods(["GET", "POST"])
def case_link(request: HttpRequest, reference: str) -> HttpResponse:
    """Link one case to an open action (the case page's form, and this page's)."""
    scope = case_scope(request.user)
    case = get_object_or_404(case_for_staff(scope), reference=reference)
    data = request.POST if request.method == "POST" else None
    form = CaseLinkForm(data, actions=open_actions_for(scope))
    if request.method == "POST":
        actor = Actor.staff(request.user)
        if form.is_valid():
            action = form.cleaned_data["action"]
            new = attempt(
                form, lambda: services.action_cases_link(action=action, cases=[case], actor=actor)
            )
            if new is not None:
                said = "is now linked to" if new else "was already linked to"
                messages.success(request, f"{case.reference} {said} the action “{action.title}”.")
                return redirect("cases:detail", reference=case.reference)
        messages.error(request, NOT_LINKED)
    context = {"case": case, "form": form, "linked_actions": actions_of_case(case, scope)}
    status = 400 if form.errors else 200
    return render(request, "improvement/case_link.html", context, status=status)


def _link_listed(
    request: HttpRequest,
    form_class: type[CasesLinkForm],
    cases: QuerySet[Case],
    *,
    scope: CaseScope,
    back: str,
    template: str,
    page: dict[str, object],
) -> HttpResponse:
    """Link the open cases chosen of those a page lists to an open action, in bulk."""
    data: QueryDict | None = request.POST if request.method == "POST" else None
    if data is not None and data.get(LINK_ALL):
        # "Link all": every open case listed, not only those ticked (no script needed).
        data = data.copy()
        every = [str(pk) for pk in cases.values_list("pk", flat=True)]
        data.setlist(f"{form_class.prefix}-cases", every)
    form = form_class(data, actions=open_actions_for(scope), cases=cases)
    back = _back_to(request, back)
    if request.method == "POST":
        actor = Actor.staff(request.user)
        if form.is_valid():
            action, chosen = form.cleaned_data["action"], list(form.cleaned_data["cases"])
            new = attempt(
                form, lambda: services.action_cases_link(action=action, cases=chosen, actor=actor)
            )
            if new is not None:
                already = len(chosen) - new
                said = f"{_cases(new)} linked to the action “{action.title}”."
                if already:
                    said += f" {_cases(already)} already were."
                messages.success(request, said)
                return redirect(back)
        messages.error(request, NOT_LINKED)
    context = page | cases_listed(cases, scope)
    context |= {"form": form, "chosen": {str(v) for v in form["cases"].value() or ()}}
    context |= {"back": back, "link_all": LINK_ALL}
    status = 400 if form.errors else 200
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def theme_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Link a theme's open cases to an open action in bulk (the theme page's form)."""
    theme = get_object_or_404(Theme, slug=slug)
    scope = case_scope(request.user)
    return _link_listed(
        request,
        ThemeLinkForm,
        theme_open_cases(theme, scope),
        scope=scope,
        back=reverse("insights:theme", args=[theme.slug]),
        template="improvement/theme_link.html",
        page={"theme": theme},
    )


@login_required
@require_http_methods(["GET", "POST"])
def similar_link(request: HttpRequest, reference: str) -> HttpResponse:
    """Link the open cases of a group of similar comments to an open action in bulk (the
    form of the page listing the comments said like this feedback)."""
    scope = case_scope(request.user)
    feedback = visible_feedback(scope, reference)
    if feedback is None:
        raise Http404("No such feedback.")
    return _link_listed(
        request,
        SimilarLinkForm,
        similar_open_cases(feedback, scope),
        scope=scope,
        back=reverse("insights:similar", args=[feedback.reference]),
        template="improvement/similar_link.html",
        page={"feedback": feedback},
    )


def _counted(action: Action, scope: CaseScope) -> tuple[int, int]:
    """The action's linked cases within reach: (open, resolved or closed)."""
    linked = action.cases.filter(scope.within())
    open_ = linked.filter(status__in=OPEN_STATUSES).count()
    return open_, linked.count() - open_


@login_required
@require_POST
def reply_all(request: HttpRequest, pk: int) -> HttpResponse:
    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        data = form.cleaned_data
        sent = rapid.action_reply_all(
            action=action, body=data["body"], actor=actor, key=data["key"]
        )
        if not sent:
            return ALREADY_SENT, action
        return f"Your reply went to {_cases(sent)}: each customer sees it and is emailed.", action

    return _act(request, pk, "reply_all", ReplyAllForm(request.POST), write)


@login_required
@require_POST
def resolve_all(request: HttpRequest, pk: int) -> HttpResponse:
    scope = case_scope(request.user)

    def write(action: Action, form: forms.Form, actor: Actor) -> tuple[str, Action]:
        _, skipped = _counted(action, scope)
        resolved = rapid.action_cases_resolve(action=action, actor=actor, **form.cleaned_data)
        said = f"{_cases(resolved)} resolved: each customer is asked whether they are satisfied."
        if skipped:
            said += f" {_cases(skipped)} skipped: already resolved or closed."
        return said, action

    return _act(request, pk, "resolve_all", ResolveAllForm(request.POST), write)
