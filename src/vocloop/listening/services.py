"""Storing feedback: the one place where a customer's words are written into vocloop."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from vocloop.customers.models import Customer
from vocloop.lib.references import reference_format
from vocloop.listening.models import (
    SCORE_RANGES,
    Feedback,
    ReferenceCounter,
    ScoreType,
    Survey,
    Touchpoint,
)
from vocloop.text.masking import Masked, mask

# The dashboards and the themes pages count from this day in vocloop's time zone:
# feedback given before would be counted and never seen (a placeholder date such as
# 0001-01-01, or a typo).
EARLIEST = dt.date(1970, 1, 1)


class FeedbackInvalid(ValueError):
    """Feedback that cannot be accepted; `errors` maps a field name to a sentence."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


ARTICLE = {"nps": "An", "csat": "A", "ces": "A"}  # "an N-P-S", "a C-SAT", "a C-E-S"


def tracking_token_new() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def reference_allocate(*, at: dt.datetime | None = None) -> str:
    """The next human-readable reference, VL-<year>-<number>, unique and gap-free per year."""
    year = (at or timezone.now()).year
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
        number = ReferenceCounter.objects.get(year=year).last
    return reference_format(year, number)


@dataclass(frozen=True)
class FeedbackInput:
    touchpoint: Touchpoint
    kind: str
    channel: str = "web"
    score_type: str | None = None
    score: int | None = None
    comment: str = ""
    occurred_at: dt.datetime | None = None
    survey: Survey | None = None
    # Whether the customer's identity was established by a trusted source (an API
    # client's own customer id, a signed-in channel). An email typed into a public
    # form is only a claim: such feedback never joins an existing case, or anyone
    # knowing a customer's email could read that customer's case.
    customer_verified: bool = True


def feedback_validate(data: FeedbackInput) -> None:
    errors: dict[str, str] = {}
    if not data.touchpoint.active:
        errors["touchpoint"] = f"The touch point “{data.touchpoint.name}” is not taking feedback."
    if data.kind not in Feedback.Kind.values:
        errors["kind"] = f"Unknown kind {data.kind!r}."
    if data.score_type is not None and data.score_type not in ScoreType.values:
        errors["score_type"] = "Score type must be one of nps, csat, ces or empty."
    elif data.score_type is not None and data.score is None:
        errors["score"] = "A score is needed with a score type."
    elif data.score_type is None and data.score is not None:
        errors["score_type"] = "A score needs its score type (nps, csat or ces)."
    elif data.score_type is not None and data.score is not None:
        low, high = SCORE_RANGES[data.score_type]
        if not low <= data.score <= high:
            errors["score"] = (
                f"{ARTICLE[data.score_type]} {data.score_type.upper()} score must be a whole "
                f"number from {low} to {high}."
            )
    if len(data.comment) > settings.COMMENT_MAX_LENGTH:
        errors["comment"] = (
            f"The comment is {len(data.comment):,} characters long; "
            f"the limit is {settings.COMMENT_MAX_LENGTH:,}."
        )
    if data.score is None and not data.comment.strip():
        errors["comment"] = "Please write a comment or give a score."
    if not data.channel.strip() or len(data.channel) > 50:
        errors["channel"] = "The channel must be 1 to 50 characters."
    if data.occurred_at is not None:
        if timezone.is_naive(data.occurred_at):
            errors["occurred_at"] = "Give the time with its offset, e.g. 2026-03-01T09:30:00+01:00."
        elif data.occurred_at > timezone.now() + dt.timedelta(minutes=5):
            errors["occurred_at"] = "The time the feedback was given lies in the future."
        elif data.occurred_at < timezone.make_aware(dt.datetime.combine(EARLIEST, dt.time())):
            errors["occurred_at"] = (
                f"The time the feedback was given is before {EARLIEST.year}, where vocloop's "
                "figures begin."
            )
    if errors:
        raise FeedbackInvalid(errors)


@dataclass(frozen=True)
class Stored:
    """Feedback as stored, and the comment as the customer wrote it, before masking."""

    feedback: Feedback
    masked: Masked
    original: str


def feedback_store(*, data: FeedbackInput, customer: Customer | None) -> Stored:
    """Check and store a piece of feedback, masked, with its reference and tracking token.

    Only the storing: what follows its arrival (a case, figures, notifications,
    reading) is conducted by vocloop.conductor.feedback, in the same transaction.
    """
    feedback_validate(data)
    now = timezone.now()
    original = data.comment.strip()
    # Staff, analysis and every copy of the comment see it masked from the first moment.
    masked = mask(original)
    feedback = Feedback.objects.create(
        reference=reference_allocate(at=now),
        tracking_token=tracking_token_new(),
        touchpoint=data.touchpoint,
        survey=data.survey,
        customer=customer,
        segment=customer.size if customer is not None else "",
        kind=data.kind,
        channel=data.channel.strip(),
        score_type=data.score_type,
        score=data.score,
        comment=masked.text,
        occurred_at=data.occurred_at or now,
        received_at=now,
        customer_verified=data.customer_verified,
    )
    return Stored(feedback=feedback, masked=masked, original=original)
