"""The reader that applies the current taxonomy, theme model, sentiment vocabulary and
sentiment model, kept while none of them changes."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable

from django.db.models import Count, Max

from vocloop.insights.in_use import (
    active_number,
    active_version,
    vocabulary_changed_at,
    vocabulary_current,
)
from vocloop.insights.models import SentimentModel, Theme, ThemeModel
from vocloop.text.reading import Reader
from vocloop.text.themes import ThemeMatcher, ThemeRule

_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Reader] | None = None


def matcher_build(themes: list[Theme]) -> ThemeMatcher:
    by_id = {t.pk: t for t in themes}
    return ThemeMatcher(
        ThemeRule(
            key=t.slug,
            phrases=tuple(t.phrase_list),
            parent=by_id[t.parent_id].slug if t.parent_id in by_id else None,
        )
        for t in themes
    )


def active_model() -> ThemeModel | None:
    return active_version(ThemeModel)


def _state() -> tuple[object, ...]:
    themes = Theme.objects.aggregate(changed=Max("updated_at"), n=Count("id"))
    return (
        themes["changed"],
        themes["n"],
        active_number(ThemeModel),
        active_number(SentimentModel),
        vocabulary_changed_at(),
    )


def reading_state() -> str:
    """The taxonomy, models and vocabulary in use, as a string: equal strings read alike."""
    return " ".join(
        part.isoformat() if isinstance(part, dt.datetime) else str(part or "-") for part in _state()
    )


def reader_current() -> Reader:
    """A reader for the active themes and model; rebuilt only when either has changed.

    One small query tells whether anything changed, so a worker reading comments one
    at a time does not reload the taxonomy (or unpickle a model) for each.
    """
    global _cached
    state = _state()
    with _lock:
        if _cached is not None and _cached[0] == state:
            return _cached[1]
    reader = reader_build()
    with _lock:
        _cached = (state, reader)
    return reader


def reader_build() -> Reader:
    # Here, not at the top: scikit-learn takes a while to import, and only a reader needs it.
    from vocloop.text import classifier, sentiment_model

    matcher = matcher_build(list(Theme.objects.filter(active=True)))
    themes = active_model()
    feelings = active_version(SentimentModel)
    return Reader(
        matcher,
        classifier.TextModel.loads(bytes(themes.data)) if themes is not None else None,
        model_version=themes.version if themes is not None else None,
        vocabulary=vocabulary_current(),
        sentiment_model=(
            sentiment_model.LearnedSentiment.loads(bytes(feelings.data)) if feelings else None
        ),
        sentiment_version=feelings.version if feelings is not None else None,
    )


def with_ancestors(themes: Iterable[Theme]) -> list[Theme]:
    found: dict[int, Theme] = {}
    for theme in themes:
        node: Theme | None = theme
        while node is not None and node.pk not in found:
            found[node.pk] = node
            node = node.parent
    return list(found.values())
