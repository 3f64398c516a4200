"""Reading an arriving comment, and the sentiment part of the case rule after it.

The comment is read by a task seconds after its feedback was committed; the worker's
sweep reads whatever a lost task left unread. Both read one comment at a time, as
on arrival, so that the case rule's sentiment part (listening.rules) applies once the
comment's sentiment is known: in the same transaction as the reading.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from vocloop.cases.services import case_open_or_attach
from vocloop.insights.models import CommentText
from vocloop.insights.rereading import ARRIVING, at_priority
from vocloop.insights.services import comment_read
from vocloop.listening.models import Feedback
from vocloop.listening.rules import needs_case_after_reading, thresholds_for

logger = logging.getLogger(__name__)

SWEEP_AFTER = dt.timedelta(minutes=2)  # a comment's own task has had its chance by then
SWEEP_LIMIT = 500


@transaction.atomic
def read_arrived(*, feedback: Feedback) -> CommentText | None:
    """Read the comment, then open a case when its sentiment says so (listening.rules)."""
    text = comment_read(feedback=feedback)
    if text is None:
        return None
    read = text.feedback  # as comment_read locked it
    if needs_case_after_reading(
        thresholds_for(read.touchpoint),
        sentiment_score=text.sentiment_score,
        scored=read.score is not None,
        has_case=read.case_id is not None,
        imported=read.imported_by_id is not None,
        received_at=read.received_at,
        now=timezone.now(),
    ):
        case_open_or_attach(feedback=read, attach=read.customer_verified)
    return text


@task()
def read_comment(feedback_id: int) -> bool:
    feedback = Feedback.objects.filter(pk=feedback_id).first()
    if feedback is None:  # deleted meanwhile
        return False
    return read_arrived(feedback=feedback) is not None


def _queue_read(feedback_id: int) -> None:
    try:
        at_priority(read_comment, ARRIVING).enqueue(feedback_id)
    except Exception:  # the comment is stored; the worker's sweep reads it
        logger.exception(
            "Could not queue reading feedback %s; the worker's sweep will", feedback_id
        )


def read_after_commit(feedback_id: int) -> None:
    """Queue reading the comment once the feedback it belongs to has been committed."""
    transaction.on_commit(lambda: _queue_read(feedback_id))


def unread_sweep() -> str:
    """Read the comments a lost task left unread (the worker runs this every minute).

    One at a time, as on arrival, so that the sentiment case rule applies to them too.
    A large backlog (an import) is for `vocloop themes read`.
    """
    unread = (
        Feedback.objects.filter(
            text__isnull=True, erased_at__isnull=True, received_at__lt=timezone.now() - SWEEP_AFTER
        )
        .exclude(comment="")
        .order_by("-pk")[:SWEEP_LIMIT]
    )
    done = sum(read_arrived(feedback=feedback) is not None for feedback in unread)
    return f"read {done} comments left unread" if done else ""
