"""The API's reads: which cases a query names."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from vocloop.accounts.models import Team
from vocloop.api.errors import ApiError, invalid
from vocloop.api.schemas import CaseFilters
from vocloop.cases.models import OPEN_STATUSES, Case, CaseEvent
from vocloop.listening.models import Feedback, Touchpoint

_CASE_RELATIONS = ("team", "touchpoint", "assignee", "customer", "root_cause", "sla_policy")


def cases_matching(filters: CaseFilters) -> QuerySet[Case]:
    """Cases most urgent first, then newest; unknown team or touch point slugs are refused."""
    cases = Case.objects.select_related(*_CASE_RELATIONS)
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.team:
        if not Team.objects.filter(slug=filters.team).exists():
            raise invalid("team", f"There is no team “{filters.team}”.")
        cases = cases.filter(team__slug=filters.team)
    if filters.touchpoint:
        if not Touchpoint.objects.filter(slug=filters.touchpoint).exists():
            raise invalid("touchpoint", f"There is no touch point “{filters.touchpoint}”.")
        cases = cases.filter(touchpoint__slug=filters.touchpoint)
    # The id breaks ties so that pages never overlap or skip a case.
    return cases.order_by("-severity_rank", "-opened_at", "-id")


def _case_or_404(cases: QuerySet[Case], reference: str) -> Case:
    if "\x00" in reference:  # PostgreSQL cannot even compare text holding NUL
        raise ApiError(404, "There is no such case.")
    case = cases.filter(reference=reference).first()
    if case is None:
        raise ApiError(404, f"There is no case “{reference}”.")
    return case


def case_get(reference: str) -> Case:
    """The case to act on, or a 404."""
    return _case_or_404(Case.objects.select_related("team"), reference)


def case_with_history(reference: str) -> Case:
    """The case with its feedback and timeline loaded, or a 404."""
    cases = Case.objects.select_related(*_CASE_RELATIONS).prefetch_related(
        Prefetch(
            "feedback",
            queryset=Feedback.objects.order_by("received_at", "id")
            .select_related("text")
            .prefetch_related("themes__theme"),
        ),
        Prefetch("events", queryset=CaseEvent.objects.order_by("created_at", "id")),
    )
    return _case_or_404(cases, reference)


def touchpoints_all() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("owning_team").order_by("name")


def teams_all() -> QuerySet[Team]:
    return (
        Team.objects.select_related("parent", "lead")
        .annotate(member_count=Count("members"))
        .order_by("name")
    )
