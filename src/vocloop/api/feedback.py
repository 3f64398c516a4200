"""POST /feedback: feedback from another system (CRM, help desk, shop) enters the loop."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Header, Status

from vocloop.accounts.models import ApiScope, ApiToken
from vocloop.accounts.scope import token_may_send_at
from vocloop.api.auth import ApiRouter, requires_scope, token_of
from vocloop.api.errors import ApiError, ErrorOut, invalid
from vocloop.api.idempotency import HEADER, KEY_MAX_LENGTH, Answer, answer_once, request_fingerprint
from vocloop.api.schemas import FeedbackIn, FeedbackOut
from vocloop.conductor.feedback import feedback_receive
from vocloop.customers.services import customer_identify
from vocloop.listening.links import tracking_url
from vocloop.listening.models import Feedback
from vocloop.listening.selectors import touchpoint_by_slug
from vocloop.listening.services import FeedbackInput

router = ApiRouter(tags=["feedback"])


def _receive(payload: FeedbackIn, token: ApiToken) -> Answer:
    touchpoint = touchpoint_by_slug(payload.touchpoint)
    if touchpoint is None:
        raise invalid("touchpoint", f"There is no touch point “{payload.touchpoint}”.")
    if not token_may_send_at(token, touchpoint):
        message = (
            f"The API token “{token.name}” is tied to the team “{token.team}”, which does not "
            f"own the touch point “{touchpoint.slug}”."
        )
        raise ApiError(403, message, {"touchpoint": message})
    customer = None
    if payload.customer is not None:
        customer = customer_identify(
            external_id=payload.customer.external_id or "",
            name=payload.customer.name or "",
            email=payload.customer.email or "",
        )
    if payload.complaint:
        kind = Feedback.Kind.COMPLAINT
    elif payload.score is not None:
        kind = Feedback.Kind.SURVEY
    else:
        kind = Feedback.Kind.FEEDBACK
    feedback = feedback_receive(
        data=FeedbackInput(
            touchpoint=touchpoint,
            kind=kind,
            channel=payload.channel,
            score_type=payload.score_type,
            score=payload.score,
            comment=payload.comment or "",
            occurred_at=payload.occurred_at,
        ),
        customer=customer,
    )
    case = feedback.case
    body = {
        "id": feedback.pk,
        "reference": feedback.reference,
        "case": {"reference": case.reference, "status": case.status} if case else None,
        "tracking_url": tracking_url(feedback),
    }
    return Answer(status=201, body=body)


@router.post(
    "/feedback",
    response={
        201: FeedbackOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        503: ErrorOut,
    },
    operation_id="feedback_create",
    auth=requires_scope(ApiScope.FEEDBACK_WRITE),
    summary="Send a piece of feedback",
    description=(
        "Stores the feedback and, when the touch point's case rule says so (a poor "
        "score, or `complaint: true`), opens a case for it or adds it to the "
        "customer's open case at that touch point. The answer holds the tracking "
        "page the customer can be sent to. A token tied to a team sends feedback only at "
        "the touch points that team owns (403 elsewhere).\n\n"
        f"Send an `{HEADER}` header (any unique string up to {KEY_MAX_LENGTH} "
        "characters) to retry safely: a repeat with the same key and body answers "
        "exactly as the first time and creates nothing; the same key with a "
        "different body is refused with 422. A replayed answer carries "
        "`Idempotent-Replayed: true`. A 503 (the database busy or restarting for a "
        "moment) stored nothing, the key included: send the same request again after "
        "`Retry-After` seconds. A key is honoured for at least 30 days (the retention "
        "setting for API answers may keep it longer)."
    ),
)
def feedback_create(
    request: HttpRequest,
    payload: FeedbackIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias=HEADER, max_length=KEY_MAX_LENGTH),
) -> Status[dict[str, object]]:
    token = token_of(request)
    answer = answer_once(
        token=token,
        key=(idempotency_key or "").strip() or None,
        fingerprint=request_fingerprint(payload.model_dump(mode="json")),
        produce=lambda: _receive(payload, token),
    )
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(answer.status, answer.body)
