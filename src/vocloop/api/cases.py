"""Cases: list, read, and act on them as an integration (replies, notes, status, assignment).

Read through the staff pages' selectors, within the token's reach (accounts/scope.py):
a case outside it is a 404, read or write, as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Status

from vocloop.accounts.models import ApiScope
from vocloop.accounts.scope import token_scope
from vocloop.accounts.selectors import team_by_slug
from vocloop.api.auth import ApiRouter, requires_scope, token_of
from vocloop.api.case_events import case_event_apply
from vocloop.api.errors import ApiError, ErrorOut, invalid
from vocloop.api.idempotency import HEADER, KEY_MAX_LENGTH, Answer, answer_once, request_fingerprint
from vocloop.api.schemas import CaseDetailOut, CaseEventIn, CaseFilters, CaseListOut
from vocloop.cases.models import Case
from vocloop.cases.representation import case_detail_json, case_json
from vocloop.cases.selectors import (
    STATUS_ALL,
    InboxFilter,
    case_for_staff,
    case_history,
    case_list,
)
from vocloop.cases.timeline import Actor
from vocloop.listening.selectors import touchpoint_by_slug

router = ApiRouter(tags=["cases"])


def _inbox_filter(filters: CaseFilters) -> InboxFilter:
    """The query as the inbox's filter; an unknown team or touch point is refused."""
    team = touchpoint = None
    if filters.team:
        team = team_by_slug(filters.team)
        if team is None:
            raise invalid("team", f"There is no team “{filters.team}”.")
    if filters.touchpoint:
        touchpoint = touchpoint_by_slug(filters.touchpoint)
        if touchpoint is None:
            raise invalid("touchpoint", f"There is no touch point “{filters.touchpoint}”.")
    return InboxFilter(status=filters.status or STATUS_ALL, team=team, touchpoint=touchpoint)


def _case_or_404(cases: QuerySet[Case], reference: str) -> Case:
    if "\x00" in reference:  # PostgreSQL cannot even compare text holding NUL
        raise ApiError(404, "There is no such case.")
    case = cases.filter(reference=reference).first()
    if case is None:
        raise ApiError(404, f"There is no case “{reference}”.")
    return case


@router.get(
    "/cases",
    response={200: CaseListOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="cases_list",
    auth=requires_scope(ApiScope.CASES_READ),
    summary="List cases",
    description="Most severe first, then newest. Page with `limit` (at most 200) and `offset`.",
)
def cases_list(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    cases = case_list(scope=token_scope(token_of(request)), filters=_inbox_filter(filters))
    page = cases[filters.offset : filters.offset + filters.limit]
    return {"count": cases.count(), "items": [case_json(case, private=True) for case in page]}


@router.get(
    "/cases/{reference}",
    response={200: CaseDetailOut, 401: ErrorOut, 404: ErrorOut},
    operation_id="case_read",
    auth=requires_scope(ApiScope.CASES_READ),
    summary="Read a case with its feedback and timeline",
)
def case_read(request: HttpRequest, reference: str) -> dict[str, Any]:
    scope = token_scope(token_of(request))
    return case_detail_json(_case_or_404(case_history(scope), reference))


@router.post(
    "/cases/{reference}/events",
    response={
        201: CaseDetailOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    operation_id="case_event_create",
    auth=requires_scope(ApiScope.CASES_WRITE),
    summary="Act on a case",
    description=(
        "What each `kind` needs:\n\n"
        "- `public_reply`: `body` (the customer reads it; replying to a new case "
        "acknowledges it)\n"
        "- `internal_note`: `body` (staff only)\n"
        "- `status_change`: `status` — `acknowledged`, `waiting_on_customer`, "
        "`resolved` (with `resolution` and a `root_cause` slug) or `reopened` "
        "(also spelt `open`, with the reason in `body`)\n"
        "- `assignment`: `assignee`, a username or email of the case's team; "
        "null or empty unassigns\n"
        "- `severity_change`: `severity`\n\n"
        "A change the case's state does not allow (resolving a closed case, say) "
        "is refused with 409. The answer is the updated case.\n\n"
        f"Send an `{HEADER}` header to retry safely: a repeat with the same key and "
        "body answers as the first time and changes nothing (a reply is never shown "
        "to the customer twice)."
    ),
)
def case_event_create(
    request: HttpRequest,
    reference: str,
    payload: CaseEventIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias=HEADER, max_length=KEY_MAX_LENGTH),
) -> Status[dict[str, Any]]:
    token = token_of(request)
    scope = token_scope(token)

    def act() -> Answer:
        case = _case_or_404(case_for_staff(scope), reference)
        case_event_apply(case=case, event=payload, actor=Actor.api(token.name))
        # Already in JSON's terms, as a read answers: a retry replays it exactly.
        detail = case_detail_json(_case_or_404(case_history(scope), reference))
        return Answer(status=201, body=detail)

    answer = answer_once(
        token=token,
        key=(idempotency_key or "").strip() or None,
        fingerprint=request_fingerprint(
            {"case": reference, "event": payload.model_dump(mode="json")}
        ),
        produce=act,
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)
