"""The improvement panels other apps' pages show: a case's actions on the case page, the
open cases to link on a theme's page and on the page of comments said alike.

Template tags rather than the pages' views, because the cases and insights apps sit
below improvement (improvement imports them, never the other way): their templates
load this library, their code knows nothing of improvement.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import QuerySet

from vocloop.accounts.scope import case_scope
from vocloop.cases.models import Case
from vocloop.improvement.linked import (
    actions_of_case,
    cases_listed,
    open_actions_for,
    similar_open_cases,
    theme_open_cases,
)
from vocloop.improvement.models import Action
from vocloop.improvement.rapid_forms import (
    CaseLinkForm,
    CasesLinkForm,
    SimilarLinkForm,
    ThemeLinkForm,
)
from vocloop.insights.models import Theme
from vocloop.listening.models import Feedback

register = template.Library()


def _page(context: template.Context) -> dict[str, Any]:
    """What an included form needs of the page: the request and the CSRF token."""
    return {"request": context.get("request"), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("improvement/_case_actions.html", takes_context=True)
def case_improvement_actions(context: template.Context, case: Case) -> dict[str, Any]:
    scope = case_scope(context["request"].user)
    actions = open_actions_for(scope)
    hidden = Action.objects.filter(case_links__case=case).count()
    linked = list(actions_of_case(case, scope))
    return _page(context) | {
        "case": case,
        "linked_actions": linked,
        "actions_hidden": hidden - len(linked),
        "form": CaseLinkForm(actions=actions) if actions.exists() else None,
    }


def _cases_form(
    context: template.Context, form_class: type[CasesLinkForm], cases: QuerySet[Case]
) -> dict[str, Any]:
    scope = case_scope(context["request"].user)
    form = form_class(actions=open_actions_for(scope), cases=cases)
    return _page(context) | cases_listed(cases, scope) | {"form": form, "chosen": set()}


@register.inclusion_tag("improvement/_theme_cases.html", takes_context=True)
def theme_open_cases_to_link(context: template.Context, theme: Theme) -> dict[str, Any]:
    cases = theme_open_cases(theme, case_scope(context["request"].user))
    return _cases_form(context, ThemeLinkForm, cases) | {"theme": theme}


@register.inclusion_tag("improvement/_similar_cases.html", takes_context=True)
def similar_open_cases_to_link(context: template.Context, feedback: Feedback) -> dict[str, Any]:
    cases = similar_open_cases(feedback, case_scope(context["request"].user))
    return _cases_form(context, SimilarLinkForm, cases) | {"feedback": feedback}
