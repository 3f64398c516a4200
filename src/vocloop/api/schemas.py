"""What the API accepts and answers. Field names here are the public contract: keep them stable."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from vocloop.api.schema_rules import CASE_EVENT_KINDS, score_rules
from vocloop.cases.models import Severity, Status
from vocloop.listening.models import SCORE_RANGES

CaseStatus = Literal["new", "acknowledged", "waiting_on_customer", "resolved", "closed"]
SeverityName = Literal["critical", "high", "normal", "low"]
CaseStatusFilter = Literal[
    "new", "acknowledged", "waiting_on_customer", "resolved", "closed", "open"
]
StatusChange = Literal["acknowledged", "waiting_on_customer", "resolved", "reopened", "open"]
# The API spells out the models' choices so that OpenAPI lists them; a new choice
# in the model must be added here too.
assert set(get_args(CaseStatus)) == set(Status.values)
assert set(get_args(SeverityName)) == set(Severity.values)


def _text_problem(value: Any) -> str | None:
    """Why text in `value` (a string or a list of them) cannot be stored.

    An object is left to its own schema, which names the field within it.
    """
    if isinstance(value, str):
        # PostgreSQL cannot store the NUL character in text.
        if "\x00" in value:
            return "The text contains a NUL character (\\u0000), which is not allowed."
        # A lone UTF-16 surrogate ("\\ud800" in JSON) is not a character: no database
        # and no UTF-8 text can hold it. Only surrogates make encoding fail.
        try:
            value.encode()
        except UnicodeEncodeError:
            return (
                "The text contains a lone UTF-16 surrogate (\\ud800–\\udfff without its "
                "pair), which is not a character."
            )
        return None
    if isinstance(value, list | tuple):
        return next((p for p in map(_text_problem, value) if p is not None), None)
    return None


def refuse_unstorable_text(value: Any) -> Any:
    """A field validator: refused here, such text is a 422 naming the field, not a 500."""
    problem = _text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _iso_date_text(value: Any) -> Any:
    # Pydantic would also take a number, or digits in text, as seconds since 1970:
    # refuse the guesswork and ask for the one format the contract names.
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("Give the date as ISO 8601 text, e.g. 2026-03-01.")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A day in the API's input: YYYY-MM-DD and nothing else.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


class InputSchema(Schema):
    # A misspelt field ("comments") silently ignored would lose what the client meant.
    model_config = ConfigDict(extra="forbid")

    # Before any other check, so that no parsing or message ever handles such text.
    _storable_text = field_validator("*", mode="before")(refuse_unstorable_text)


# Inputs


class CustomerIn(InputSchema):
    external_id: StrictStr | None = Field(
        None, max_length=200, description="Your system's id for the customer; it wins over email."
    )
    name: StrictStr | None = Field(None, max_length=200)
    email: StrictStr | None = Field(None, max_length=254)

    @field_validator("email")
    @classmethod
    def _email_is_valid(cls, value: str | None) -> str | None:
        if value and value.strip():
            try:
                validate_email(value.strip())
            except DjangoValidationError as exc:
                raise ValueError("Enter a valid email address.") from exc
        return value


class FeedbackIn(InputSchema):
    model_config = ConfigDict(json_schema_extra=score_rules(SCORE_RANGES))

    touchpoint: StrictStr = Field(
        ...,
        description="The touch point's slug.",
        max_length=100,
        json_schema_extra={"minLength": 1},
    )
    channel: StrictStr = Field(
        "api",
        description="Where the feedback was given, e.g. 'email'.",
        json_schema_extra={"minLength": 1, "maxLength": 50, "pattern": r"\S"},
    )
    customer: CustomerIn | None = None
    score_type: Literal["nps", "csat", "ces"] | None = None
    score: StrictInt | None = Field(
        None, description="NPS 0–10, CSAT 1–5, CES 1–7 (how easy; low is poor)."
    )
    comment: StrictStr | None = Field(
        "",
        description="Needed, with some text in it, when there is no score.",
        json_schema_extra={"maxLength": settings.COMMENT_MAX_LENGTH},
    )
    occurred_at: dt.datetime | None = Field(
        None,
        description="When the customer gave it, ISO 8601 with its offset, not in the future "
        "nor before 1970; defaults to now.",
    )
    complaint: StrictBool = Field(
        False, description="An explicit complaint: it always opens a case."
    )

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _occurred_at_is_text(cls, value: Any) -> Any:
        # Pydantic would also take a bare number as seconds since 1970: refuse
        # the guesswork and ask for the one format the contract names.
        if value is not None and not isinstance(value, str):
            raise ValueError("Give the time as ISO 8601 text, e.g. 2026-03-01T09:30:00+01:00.")
        return value


class CaseEventIn(InputSchema):
    model_config = ConfigDict(json_schema_extra=CASE_EVENT_KINDS)

    kind: Literal["public_reply", "internal_note", "status_change", "assignment", "severity_change"]
    body: StrictStr | None = Field(
        None, description="The text of a reply or note; the reason when reopening."
    )
    status: StatusChange | None = Field(
        None, description="For status_change: the new status ('open' = 'reopened')."
    )
    resolution: StrictStr | None = Field(None, description="For status 'resolved'.")
    root_cause: StrictStr | None = Field(None, description="For 'resolved': a root cause slug.")
    assignee: StrictStr | None = Field(
        None, description="For assignment: a username or email; null or '' unassigns."
    )
    severity: SeverityName | None = Field(None, description="For severity_change.")


class CaseFilters(Schema):
    status: CaseStatusFilter | None = Field(
        None, description="One status, or 'open' for new, acknowledged and waiting_on_customer."
    )
    team: str | None = Field(None, description="A team's slug.")
    touchpoint: str | None = Field(None, description="A touch point's slug.")
    limit: int = Field(50, ge=1, le=200)
    # Bounded so that the database is never asked for an offset it cannot hold.
    offset: int = Field(0, ge=0, le=2_000_000_000)

    _storable_text = field_validator("*", mode="before")(refuse_unstorable_text)


# Answers


class CaseRefOut(Schema):
    reference: str
    status: CaseStatus


class FeedbackOut(Schema):
    id: int
    reference: str
    case: CaseRefOut | None
    tracking_url: str = Field(..., description="The customer's page to follow what happens.")


class NamedOut(Schema):
    slug: str
    name: str


class CustomerOut(Schema):
    external_id: str | None = Field(..., description="Your system's id for the customer.")
    name: str | None = Field(..., description="Null in webhooks: they carry no contact details.")
    email: str | None = Field(..., description="Null in webhooks: they carry no contact details.")


class CaseFeedbackOut(Schema):
    reference: str
    score_type: str | None
    score: int | None
    comment: str = Field(..., description="As stored: personal data masked.")
    channel: str
    occurred_at: dt.datetime
    sentiment: str | None = Field(
        None, description="negative, neutral or positive; null until the comment has been read."
    )
    sentiment_score: float | None = Field(None, description="From −1 to 1.")
    themes: list[str] = Field(
        default_factory=list, description="Slugs of the themes the comment is about."
    )


class CaseEventOut(Schema):
    """An entry of the case's timeline; a webhook's `data.change` has this shape."""

    kind: str
    public: bool = Field(..., description="Whether the customer sees it on the tracking page.")
    actor: str
    summary: str = Field(
        ..., description="What the customer reads for it; its kind when the customer does not."
    )
    body: str | None = Field(
        ...,
        description="The text written with it, personal data masked. Null in webhooks "
        "unless the customer reads it too (a reply, their own message, the resolution).",
    )
    created_at: dt.datetime


class SlaOut(Schema):
    policy: str | None = Field(None, description="The SLA policy the case is held to.")
    acknowledge_by: dt.datetime | None = Field(
        None, description="None once met, or while the clock is paused, or without a policy."
    )
    resolve_by: dt.datetime | None = None
    acknowledged_within_sla: bool | None = None
    resolved_within_sla: bool | None = None


class CaseOut(Schema):
    """A case; a webhook's `data.case` has this shape."""

    reference: str
    url: str = Field(..., description="The case's page for staff.")
    status: CaseStatus
    severity: SeverityName
    team: NamedOut
    touchpoint: NamedOut
    assignee: str | None = Field(..., description="The assignee's username.")
    customer: CustomerOut | None
    opened_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    sla: SlaOut
    resolution: str
    root_cause: str | None = Field(..., description="The root cause's slug.")
    customer_satisfied: bool | None
    reopen_count: int


class CaseDetailOut(CaseOut):
    feedback: list[CaseFeedbackOut]
    events: list[CaseEventOut]


class CaseListOut(Schema):
    count: int = Field(..., description="How many cases match, across all pages.")
    items: list[CaseOut]


class TouchpointOut(Schema):
    slug: str
    name: str
    stage: str
    owning_team: str = Field(..., description="The owning team's slug.")
    active: bool


class TeamOut(Schema):
    slug: str
    name: str
    parent: str | None = Field(..., description="The parent team's slug: where cases escalate.")
    lead: str | None = Field(..., description="The lead's username.")
    member_count: int
