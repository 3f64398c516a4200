"""Background reading of comments again, and the nightly learning.

Re-reading every comment after the taxonomy or a model changed; the worker's nightly
job purges expired originals and trains the theme and sentiment models when there is
something new to learn from. An arriving comment's own reading is conducted by
vocloop.conductor.reading.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task
from django_tasks.base import Task

from vocloop.lib.commit import on_commit_once

logger = logging.getLogger(__name__)

# A comment that has just arrived is read before any re-reading of them all: the
# sentiment case rule and the case page wait on it. (Only where the queue orders by
# priority, as the database queue does.)
ARRIVING = 10
AGAIN = -10


def at_priority(queued: Task[Any, Any], priority: int) -> Task[Any, Any]:
    return queued.using(priority=priority) if queued.get_backend().supports_priority else queued


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
        at_priority(reread_comments, AGAIN).enqueue(reading_state())
    except Exception:
        logger.exception("Could not queue reading the comments again")


def reread_after_commit() -> None:
    """Queue one re-reading when the current transaction commits (once however many calls)."""
    on_commit_once(_queue_reread)


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
