"""Small builders shared by tests: real feedback through the real services."""

from __future__ import annotations

from typing import Any

from vocloop.conductor.feedback import feedback_receive
from vocloop.customers.models import Customer
from vocloop.listening.models import Feedback, Touchpoint
from vocloop.listening.services import FeedbackInput


def give_feedback(
    touchpoint: Touchpoint,
    *,
    customer: Customer | None = None,
    score_type: str | None = "nps",
    score: int | None = 3,
    comment: str = "The agent never called back.",
    kind: str | None = None,
    **extra: Any,
) -> Feedback:
    if kind is None:
        kind = Feedback.Kind.SURVEY if score is not None else Feedback.Kind.FEEDBACK
    return feedback_receive(
        data=FeedbackInput(
            touchpoint=touchpoint,
            kind=kind,
            score_type=score_type if score is not None else None,
            score=score,
            comment=comment,
            **extra,
        ),
        customer=customer,
    )
