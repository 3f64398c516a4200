"""The nightly learning: the worker's nightly job purges expired originals and trains the
theme and sentiment models when there is something new to learn from; Train now on the
models page queues the same training.

Re-reading every comment is insights/rereading.py; an arriving comment's own reading
is conducted by vocloop.conductor.reading.
"""

from __future__ import annotations

import logging

from django_tasks import task

from vocloop.insights.learning import corrections_since_last_training, model_train
from vocloop.insights.models import SentimentModel, ThemeModel
from vocloop.insights.originals import originals_purge
from vocloop.insights.sentiment_learning import sentiment_model_train, sentiment_training_refusal
from vocloop.insights.versions import NotEnoughCorrections, due

logger = logging.getLogger(__name__)


@task()
def train_theme_model() -> str:
    try:
        model = model_train()
    except NotEnoughCorrections as reason:
        return str(reason)
    return f"theme model v{model.version}: {model.get_status_display().lower()}"


@task()
def train_sentiment_model() -> str:
    try:
        model = sentiment_model_train()
    except NotEnoughCorrections as reason:
        return str(reason)
    return f"sentiment model v{model.version}: {model.get_status_display().lower()}"


def nightly() -> str:
    """Purge expired originals; train the theme model when staff corrected themes since, and
    the sentiment model when corrections, scored comments or the sentiment words are new."""
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
