"""Cases: list, read, and act on them as an integration (replies, notes, status, assignment)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Status

from vocloop.api.auth import token_of
from vocloop.api.case_events import case_event_apply
from vocloop.api.errors import ErrorOut
from vocloop.api.idempotency import HEADER, KEY_MAX_LENGTH, Answer, answer_once, request_fingerprint
from vocloop.api.queries import case_get, case_with_history, cases_matching
from vocloop.api.schemas import CaseDetailOut, CaseEventIn, CaseFilters, CaseListOut
from vocloop.cases.representation import case_detail_json, case_json
from vocloop.cases.services import Actor

router = Router(tags=["cases"])


@router.get(
    "/cases",
    response={200: CaseListOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="cases_list",
    summary="List cases",
    description="Most severe first, then newest. Page with `limit` (at most 200) and `offset`.",
)
def cases_list(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    cases = cases_matching(filters)
    page = cases[filters.offset : filters.offset + filters.limit]
    return {"count": cases.count(), "items": [case_json(case, private=True) for case in page]}


@router.get(
    "/cases/{reference}",
    response={200: CaseDetailOut, 401: ErrorOut, 404: ErrorOut},
    operation_id="case_read",
    summary="Read a case with its feedback and timeline",
)
def case_read(request: HttpRequest, reference: str) -> dict[str, Any]:
    return case_detail_json(case_with_history(reference))


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

    def act() -> Answer:
        case = case_get(reference)
        case_event_apply(case=case, event=payload, actor=Actor.api(token.name))
        # Already in JSON's terms, as a read answers: a retry replays it exactly.
        return Answer(status=201, body=case_detail_json(case_with_history(reference)))

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
