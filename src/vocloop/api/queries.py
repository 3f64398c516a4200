"""The API's reads: which cases a query names, and how a case reads as JSON."""

from __future__ import annotations

from typing import Any

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


def _reading(feedback: Feedback) -> dict[str, Any]:
    """How vocloop read the comment: nothing yet until the worker has read it."""
    text = getattr(feedback, "text", None) if feedback.comment else None
    if text is None:
        return {"sentiment": None, "sentiment_score": None, "themes": []}
    return {
        "sentiment": text.sentiment,
        "sentiment_score": text.sentiment_score,
        "themes": sorted(link.theme.slug for link in feedback.themes.all()),
    }


def case_summary(case: Case) -> dict[str, Any]:
    customer = case.customer
    return {
        "reference": case.reference,
        "status": case.status,
        "severity": case.severity,
        "team": {"slug": case.team.slug, "name": case.team.name},
        "touchpoint": {"slug": case.touchpoint.slug, "name": case.touchpoint.name},
        "assignee": case.assignee.get_username() if case.assignee else None,
        "customer": (
            {"external_id": customer.external_id, "name": customer.name, "email": customer.email}
            if customer
            else None
        ),
        "opened_at": case.opened_at,
        "acknowledged_at": case.acknowledged_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "updated_at": case.updated_at,
        "sla": {
            "policy": case.sla_policy.name if case.sla_policy else None,
            "acknowledge_by": case.acknowledge_by,
            "resolve_by": case.resolve_by,
            "acknowledged_within_sla": case.acknowledged_within_sla,
            "resolved_within_sla": case.resolved_within_sla,
        },
    }


def case_detail(case: Case) -> dict[str, Any]:
    """Everything about a case, for a case loaded by case_with_history."""
    return {
        **case_summary(case),
        "resolution": case.resolution,
        "root_cause": case.root_cause.slug if case.root_cause else None,
        "customer_satisfied": case.customer_satisfied,
        "reopen_count": case.reopen_count,
        "feedback": [
            {
                "reference": f.reference,
                "score_type": f.score_type,
                "score": f.score,
                "comment": f.comment,
                "channel": f.channel,
                "occurred_at": f.occurred_at,
                **_reading(f),
            }
            for f in case.feedback.all()
        ],
        "events": [
            {
                "kind": e.kind,
                "public": e.public,
                "actor": e.actor_label,
                "body": e.body,
                "created_at": e.created_at,
            }
            for e in case.events.all()
        ],
    }


def touchpoints_all() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("owning_team").order_by("name")


def teams_all() -> QuerySet[Team]:
    return (
        Team.objects.select_related("parent", "lead")
        .annotate(member_count=Count("members"))
        .order_by("name")
    )
