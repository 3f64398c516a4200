"""Reads of the cases linked to improvement actions (one problem, many cases): the open
actions a case can be linked to, the open cases of a theme or of a group of similar
comments, and an action's linked cases with their SLA state and their count by week.

Scoped as every staff read is (accounts/scope.py): a user links, sees and counts only
the cases and actions of their teams, everything if they see every case.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from vocloop.accounts.scope import CaseScope
from vocloop.cases.models import OPEN_STATUSES, Case
from vocloop.cases.selectors import Due, case_due
from vocloop.improvement.models import Action, ActionCase
from vocloop.improvement.selectors import actions_for
from vocloop.insights.models import Theme
from vocloop.insights.selectors import said_alike
from vocloop.lib.days import day_of
from vocloop.listening.models import Feedback

# A theme's or a group of similar comments' page lists this many open cases, latest first.
CASES_SHOWN = 100


def open_actions_for(scope: CaseScope) -> QuerySet[Action]:
    """The actions a case can be linked to: not closed, within the user's reach."""
    return actions_for(scope).exclude(phase=Action.Phase.CLOSED).order_by("title", "id")


def actions_of_case(case: Case, scope: CaseScope) -> QuerySet[Action]:
    """The actions within reach that a case is linked to."""
    return actions_for(scope).filter(case_links__case=case).order_by("due_on", "id")


def _open_cases(scope: CaseScope, **feedback: Any) -> QuerySet[Case]:
    """Open cases within reach whose feedback is as asked, the latest first."""
    found = scope.cases().filter(status__in=OPEN_STATUSES, **feedback)
    return found.distinct().select_related("touchpoint", "team").order_by("-opened_at", "-pk")


def cases_listed(cases: QuerySet[Case], scope: CaseScope) -> dict[str, Any]:
    """What a page's form lists of some open cases: the latest CASES_SHOWN, each with the
    titles of the actions within reach it is linked to already (`linked_to`), how many
    more there are, and how many in all."""
    shown = list(cases[:CASES_SHOWN])
    total = cases.count() if len(shown) == CASES_SHOWN else len(shown)
    links = ActionCase.objects.filter(case__in=shown, action__in=actions_for(scope))
    titles: dict[int, list[str]] = {}
    for case_id, title in links.order_by("action__title").values_list("case_id", "action__title"):
        titles.setdefault(case_id, []).append(title)
    for case in shown:
        case.linked_to = titles.get(case.pk, [])  # type: ignore[attr-defined]
    return {"open_cases": shown, "open_cases_more": total - len(shown), "open_cases_all": total}


def theme_open_cases(theme: Theme, scope: CaseScope) -> QuerySet[Case]:
    """Open cases within reach whose feedback is about the theme, the latest first."""
    return _open_cases(scope, feedback__themes__theme=theme)


def similar_open_cases(feedback: Feedback, scope: CaseScope) -> QuerySet[Case]:
    """Open cases within reach whose feedback said what this feedback said (its group of
    similar comments within 30 days of it, itself included), the latest first."""
    alike = said_alike(feedback)
    if alike is None:
        return Case.objects.none()
    return _open_cases(scope, feedback__in=alike)


@dataclass(frozen=True)
class LinkedCase:
    """A linked case as the action's page shows it, with where it stands against its SLA."""

    case: Case
    linked_at: dt.datetime
    due: Due  # the next deadline of an open case (as the inbox shows it)

    @property
    def breached(self) -> bool:
        """A deadline missed: one passed now, or missed when it was acknowledged or resolved."""
        return (
            self.due.state == "breached"
            or self.case.acknowledged_within_sla is False
            or self.case.resolved_within_sla is False
        )

    @property
    def has_sla(self) -> bool:
        return self.case.sla_policy_id is not None or self.case.resolve_by is not None


def linked_cases(action: Action, scope: CaseScope) -> list[LinkedCase]:
    links = (
        action.case_links.filter(scope.within("case__"))
        .select_related("case", "case__team", "case__touchpoint")
        .order_by("linked_at", "id")
    )
    return [LinkedCase(link.case, link.linked_at, case_due(link.case)) for link in links]


def cases_out_of_reach(action: Action, scope: CaseScope) -> int:
    """How many of the action's cases belong to teams the user does not work with."""
    if scope.sees_all:
        return 0
    return ActionCase.objects.filter(action=action).exclude(scope.within("case__")).count()


@dataclass(frozen=True)
class Week:
    monday: dt.date
    opened: int  # linked cases opened that week
    linked: int  # cases linked that week
    total: int  # cases linked by the end of the week


def _monday(moment: dt.datetime) -> dt.date:
    day = day_of(moment)
    return day - dt.timedelta(days=day.weekday())


def weekly_counts(rows: list[LinkedCase]) -> list[Week]:
    """The linked cases counted by the week they were opened and the week they were linked,
    oldest week first; a week with neither is left out, so that the table stays small
    when an old case is linked long after it was opened."""
    opened = Counter(_monday(r.case.opened_at) for r in rows)
    linked = Counter(_monday(r.linked_at) for r in rows)
    weeks, total = [], 0
    for monday in sorted(opened | linked):
        total += linked[monday]
        weeks.append(Week(monday, opened[monday], linked[monday], total))
    return weeks


def linked_page(action: Action, scope: CaseScope) -> dict[str, Any]:
    """What the action's page shows of its linked cases."""
    rows = linked_cases(action, scope)
    return {
        "linked_cases": rows,
        "linked_weeks": weekly_counts(rows),
        "linked_open": sum(1 for r in rows if r.case.is_open),
        "cases_hidden": cases_out_of_reach(action, scope),
    }
