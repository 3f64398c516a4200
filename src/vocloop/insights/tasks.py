"""Background reading of comments: one task per arriving comment, and the worker's safety nets.

The task reads a comment seconds after it was stored. The worker's sweep reads
whatever a lost task left unread, and its nightly job purges expired originals and
trains the theme and sentiment models when there is something new to learn from.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task

from vocloop.lib.commit import on_commit_once
from vocloop.listening.models import Feedback

logger = logging.getLogger(__name__)

# A comment that has just arrived is read before any re-reading of them all: the
# sentiment case rule and the case page wait on it. (Only where the queue orders by
# priority, as the database queue does.)
ARRIVING = 10
AGAIN = -10


def _at_priority(queued: Task[Any, Any], priority: int) -> Task[Any, Any]:
    return queued.using(priority=priority) if queued.get_backend().supports_priority else queued


@task()
def read_comment(feedback_id: int) -> bool:
    from vocloop.insights.services import comment_read

    feedback = Feedback.objects.filter(pk=feedback_id).first()
    if feedback is None:  # deleted meanwhile
        return False
    return comment_read(feedback=feedback) is not None


def _queue_read(feedback_id: int) -> None:
    try:
        _at_priority(read_comment, ARRIVING).enqueue(feedback_id)
    except Exception:  # the comment is stored; the worker's sweep reads it
        logger.exception(
            "Could not queue reading feedback %s; the worker's sweep will", feedback_id
        )


def read_after_commit(feedback_id: int) -> None:
    """Queue reading the comment once the feedback it belongs to has been committed."""
    transaction.on_commit(lambda: _queue_read(feedback_id))


@task()
def reread_comments(state: str = "") -> int:
    """Read every comment's themes and sentiment again, after the taxonomy or model changed.

    `state` is the taxonomy and model as they were when this was queued. If they have
    changed since, the change queued a re-reading of its own behind this one, and this
    one gives way: ten edits in a row cost one pass, not ten.
    """
    from vocloop.insights.bulk import comments_read_bulk
    from vocloop.insights.taxonomy import reading_state

    if state and state != reading_state():
        logger.info("Not reading the comments again yet: a later change has queued it.")
        return 0
    return comments_read_bulk(again=True).comments


def _queue_reread() -> None:
    from vocloop.insights.taxonomy import reading_state

    try:
        _at_priority(reread_comments, AGAIN).enqueue(reading_state())
    except Exception:
        logger.exception("Could not queue reading the comments again")


def reread_after_commit() -> None:
    """Queue one re-reading when the current transaction commits (once however many calls)."""
    on_commit_once(_queue_reread)


SWEEP_AFTER = dt.timedelta(minutes=2)  # a comment's own task has had its chance by then
SWEEP_LIMIT = 500


def unread_sweep() -> str:
    """Read the comments a lost task left unread (the worker runs this every minute).

    One at a time, as on arrival, so that the sentiment case rule applies to them too.
    A large backlog (an import) is for `vocloop themes read`.
    """
    from django.utils import timezone

    from vocloop.insights.services import comment_read

    unread = (
        Feedback.objects.filter(text__isnull=True, received_at__lt=timezone.now() - SWEEP_AFTER)
        .exclude(comment="")
        .order_by("-pk")[:SWEEP_LIMIT]
    )
    done = sum(comment_read(feedback=feedback) is not None for feedback in unread)
    return f"read {done} comments left unread" if done else ""


@task()
def train_theme_model() -> str:
    from vocloop.insights.learning import NotEnoughCorrections, model_train

    try:
        model = model_train()
    except NotEnoughCorrections as reason:
        return str(reason)
    return f"theme model v{model.version}: {model.get_status_display().lower()}"


@task()
def train_sentiment_model() -> str:
    from vocloop.insights.sentiment_learning import NotEnoughCorrections, sentiment_model_train

    try:
        model = sentiment_model_train()
    except NotEnoughCorrections as reason:
        return str(reason)
    return f"sentiment model v{model.version}: {model.get_status_display().lower()}"


def nightly() -> str:
    """Purge expired originals; train the theme model when staff corrected themes since, and
    the sentiment model when corrections, scored comments or the sentiment words are new."""
    from vocloop.insights.learning import corrections_since_last_training, model_train
    from vocloop.insights.models import SentimentModel, ThemeModel
    from vocloop.insights.sentiment_learning import (
        sentiment_model_train,
        sentiment_training_refusal,
    )
    from vocloop.insights.services import originals_purge
    from vocloop.insights.versions import NotEnoughCorrections, due

    said = []
    purged = originals_purge()
    if purged:
        said.append(f"purged {purged} unmasked originals")
    if due(ThemeModel) and corrections_since_last_training():
        try:
            model = model_train()
        except NotEnoughCorrections as reason:
            said.append(f"no theme model trained: {reason}")
        else:
            said.append(
                f"theme model v{model.version} {model.get_status_display().lower()} "
                f"(F1 {model.f1:.3f} against {model.f1_before:.3f} in use)"
            )
    # Quietly, while there is too little to learn from or nothing new: hour after hour.
    if due(SentimentModel) and sentiment_training_refusal() is None:
        try:
            feeling = sentiment_model_train()
        except NotEnoughCorrections as reason:
            said.append(f"no sentiment model trained: {reason}")
        else:
            said.append(
                f"sentiment model v{feeling.version} {feeling.get_status_display().lower()}"
            )
    return "; ".join(said)
