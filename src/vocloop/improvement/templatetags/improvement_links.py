"""The improvement panels other apps' pages show: a case's actions on the case page, a
theme's open cases to link on the theme's page.

Template tags rather than the pages' views, because the cases and insights apps sit
below improvement (improvement imports them, never the other way): their templates
load this library, their code knows nothing of improvement.
"""

from __future__ import annotations

from typing import Any

from django import template

from vocloop.accounts.scope import case_scope
from vocloop.cases.models import Case
from vocloop.improvement.linked import (
    THEME_CASES_SHOWN,
    actions_of_case,
    open_actions_for,
    theme_open_cases,
)
from vocloop.improvement.models import Action
from vocloop.improvement.rapid_forms import CaseLinkForm, ThemeLinkForm
from vocloop.insights.models import Theme

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


@register.inclusion_tag("improvement/_theme_cases.html", takes_context=True)
def theme_open_cases_to_link(context: template.Context, theme: Theme) -> dict[str, Any]:
    scope = case_scope(context["request"].user)
    cases = theme_open_cases(theme, scope)
    shown = list(cases[:THEME_CASES_SHOWN])
    return _page(context) | {
        "theme": theme,
        "theme_cases": shown,
        "theme_cases_more": cases.count() - len(shown) if len(shown) == THEME_CASES_SHOWN else 0,
        "form": ThemeLinkForm(actions=open_actions_for(scope), cases=cases),
        "chosen": set(),
    }
